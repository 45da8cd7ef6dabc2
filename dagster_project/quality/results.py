"""`audit.quality_results`: every check's outcome, appended, in the build database.

The publish step copies the audit schema, so the results reach the published warehouse.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import duckdb

from dagster_project.quality.scope import table_exists

QUALITY_RESULTS_DDL = """
create schema if not exists audit;
create table if not exists audit.quality_results (
    run_id varchar not null,
    suite varchar not null,
    check_name varchar not null,
    asset varchar not null,
    layer varchar,
    check_kind varchar not null,
    expectation_type varchar not null,
    severity varchar not null,
    passed boolean not null,
    observed_value varchar,
    unexpected_count bigint,
    element_count bigint,
    description varchar,
    details varchar,
    run_at timestamptz not null
);
"""


@dataclass(frozen=True)
class CheckOutcome:
    """One expectation or rule evaluated on one batch."""

    suite: str
    check_name: str
    asset: str
    layer: str
    check_kind: str  # "expectation" or "rule"
    expectation_type: str
    severity: str
    passed: bool
    observed_value: Any
    unexpected_count: int | None
    element_count: int | None
    description: str
    details: dict[str, Any]
    # A few offending rows, as records, for the check's metadata and the data docs.
    offending_rows: list[dict[str, Any]]

    @property
    def blocks_publication(self) -> bool:
        return self.severity == "ERROR" and not self.passed


# Bounds one statement's parameters.
_ROWS_PER_INSERT = 500


def ensure_results_table(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(QUALITY_RESULTS_DDL)


def _text(value: Any) -> str | None:
    if value is None:
        return None
    return value if isinstance(value, str) else json.dumps(value, default=str)


def append_results(
    con: duckdb.DuckDBPyConnection, run_id: str, outcomes: list[CheckOutcome]
) -> None:
    ensure_results_table(con)
    rows = [
        (
            run_id,
            item.suite,
            item.check_name,
            item.asset,
            item.layer,
            item.check_kind,
            item.expectation_type,
            item.severity,
            item.passed,
            _text(item.observed_value),
            item.unexpected_count,
            item.element_count,
            item.description,
            json.dumps({**item.details, "offending_rows": item.offending_rows}, default=str),
        )
        for item in outcomes
    ]
    # One INSERT of many rows, not `executemany`, which DuckDB runs as one statement per row:
    # 0.12 s against 0.02 s for 106 outcomes in a `national` build database, and a refresh
    # records 180-230 outcomes in two calls (BENCHMARKS.md, "Fixed costs").
    for start in range(0, len(rows), _ROWS_PER_INSERT):
        chunk = rows[start : start + _ROWS_PER_INSERT]
        row_values = "(" + "?, " * len(chunk[0]) + "current_timestamp)"
        con.execute(
            "insert into audit.quality_results values " + ", ".join([row_values] * len(chunk)),
            [value for row in chunk for value in row],
        )


def failed_error_checks(con: duckdb.DuckDBPyConnection, run_id: str) -> list[tuple[str, str]]:
    """(check_name, observed_value) of this run's failed ERROR checks; empty when none."""
    if not table_exists(con, "audit", "quality_results"):
        return []
    return con.execute(
        "select check_name, observed_value from audit.quality_results "
        "where run_id = ? and severity = 'ERROR' and not passed order by check_name",
        [run_id],
    ).fetchall()


def suites_with_results(con: duckdb.DuckDBPyConnection, run_id: str) -> set[str]:
    if not table_exists(con, "audit", "quality_results"):
        return set()
    rows = con.execute(
        "select distinct suite from audit.quality_results where run_id = ?", [run_id]
    ).fetchall()
    return {row[0] for row in rows}


def describe_failures(con: duckdb.DuckDBPyConnection, run_id: str, *, limit: int = 5) -> str:
    """Plain-text account of this run's failed ERROR checks and a few offending rows each,
    for the CLI's exit message. Empty when nothing blocking failed."""
    if not table_exists(con, "audit", "quality_results"):
        return ""
    rows = con.execute(
        "select check_name, asset, observed_value, description, details "
        "from audit.quality_results where run_id = ? and severity = 'ERROR' and not passed "
        "order by check_name",
        [run_id],
    ).fetchall()
    lines = []
    for check_name, asset, observed, description, details in rows:
        lines.append(f"ERROR check {check_name} on {asset} failed: {observed}. {description}")
        for row in json.loads(details or "{}").get("offending_rows", [])[:limit]:
            lines.append(f"    offending row: {json.dumps(row, default=str)}")
    return "\n".join(lines)
