"""Read access to the published warehouse for the report and the bulletin.

Every query runs with the SQL text it is recorded under, so any number a report or bulletin
prints can be traced back to the query that produced it (see `Trace`).
"""

from __future__ import annotations

import decimal
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

JORNADA_ID_PATTERN = re.compile(r"^\d{4}-M?\d{2,3}$")


class NotPublishedError(RuntimeError):
    """The published warehouse file does not exist yet."""


def sql_literal(text: str) -> str:
    """A SQL string literal, so a recorded query can be pasted into `jornadas sql` as is."""
    return "'" + str(text).replace("'", "''") + "'"


def check_jornada_id(jornada_id: str) -> str:
    if not JORNADA_ID_PATTERN.match(jornada_id):
        raise ValueError(f"not a jornada id (YYYY-NN or YYYY-MNN): {jornada_id!r}")
    return jornada_id


@dataclass
class TracedFigure:
    key: str
    value: Any
    sql: str
    rendered: dict[str, str] = field(default_factory=dict)


@dataclass
class Trace:
    """The figures a text was written from, each with the query that gives it."""

    figures: dict[str, TracedFigure] = field(default_factory=dict)

    def record(self, key: str, value: Any, sql: str) -> Any:
        self.figures[key] = TracedFigure(key=key, value=value, sql=_tidy(sql))
        return value

    def rendered(self, key: str, lang: str, text: str) -> str:
        self.figures[key].rendered[lang] = text
        return text

    def as_json(self) -> list[dict[str, Any]]:
        return [
            {
                "key": figure.key,
                "value": figure.value if _is_json_value(figure.value) else str(figure.value),
                "rendered": figure.rendered,
                "sql": figure.sql,
            }
            for figure in self.figures.values()
        ]


def _is_json_value(value: Any) -> bool:
    if isinstance(value, list):
        return all(_is_json_value(v) for v in value)
    return value is None or isinstance(value, str | int | float | bool)


def _tidy(sql: str) -> str:
    return " ".join(sql.split())


class Warehouse:
    """A read-only connection to the published file; use as a context manager."""

    def __init__(self, path: Path):
        if not Path(path).exists():
            raise NotPublishedError(
                f"the warehouse has not been published yet ({path}); run `jornadas refresh`"
            )
        self.path = Path(path)
        self._connection: duckdb.DuckDBPyConnection | None = None
        self._tables: set[tuple[str, str]] | None = None
        # information_schema costs ~10 ms a query; a report asks for the same columns per day.
        self._columns: dict[tuple[str, str], list[str]] = {}

    def __enter__(self) -> Warehouse:
        self._connection = duckdb.connect(str(self.path), read_only=True)
        # Submission times are shown in the program's own time zone.
        self._connection.execute("set TimeZone = 'America/Mexico_City'")
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None
        # The next `with` may open a newer published file.
        self._tables, self._columns = None, {}

    @property
    def connection(self) -> duckdb.DuckDBPyConnection:
        if self._connection is None:
            raise RuntimeError("Warehouse used outside its `with` block")
        return self._connection

    def rows(self, sql: str) -> list[dict[str, Any]]:
        result = self.connection.execute(sql)
        columns = [column[0] for column in result.description]
        return [dict(zip(columns, row, strict=True)) for row in result.fetchall()]

    def scalar(self, sql: str) -> Any:
        row = self.connection.execute(sql).fetchone()
        return None if row is None else row[0]

    def has_table(self, schema: str, name: str) -> bool:
        if self._tables is None:
            self._tables = {
                (s, n)
                for s, n in self.connection.execute(
                    "select table_schema, table_name from information_schema.tables"
                ).fetchall()
            }
        return (schema, name) in self._tables

    def columns(self, schema: str, name: str) -> list[str]:
        if (schema, name) not in self._columns:
            result = self.connection.execute(
                "select column_name from information_schema.columns "
                "where table_schema = ? and table_name = ? order by ordinal_position",
                [schema, name],
            )
            self._columns[schema, name] = [row[0] for row in result.fetchall()]
        return list(self._columns[schema, name])

    def traced_scalar(self, trace: Trace, key: str, sql: str) -> Any:
        """Run a one-value query and record it under `key`; NULL counts as 0."""
        value = self.scalar(sql)
        if value is None:
            value = 0
        elif isinstance(value, float | decimal.Decimal) and value == int(value):
            value = int(value)
        return trace.record(key, value, sql)
