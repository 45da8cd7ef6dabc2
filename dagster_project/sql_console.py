"""`jornadas sql`: read-only SQL against the published warehouse.

It only ever opens the published file with `read_only=True`. A refresh never writes that
file in place (it builds a new one and renames it over), so a console session can neither
block a refresh nor be blocked by one; each query opens the file afresh, so a long
interactive session sees the newest published version.

Statements other than queries are refused before they reach DuckDB, with a plain message.
The read-only connection is the guarantee; the check is there to explain, and to stop what a
read-only connection would still allow (COPY ... TO a file, ATTACH of another database).
"""

from __future__ import annotations

import argparse
import datetime as dt
import decimal
import sys
from pathlib import Path
from typing import Any, TextIO

import duckdb

from dagster_project.reports.exports import export_format, write_csv, write_parquet, write_xlsx
from dagster_project.settings import get_settings

# Statement kinds that only read. DESCRIBE, SHOW and SUMMARIZE parse as SELECT.
READ_ONLY_STATEMENTS = frozenset(
    {
        duckdb.StatementType.SELECT,
        duckdb.StatementType.EXPLAIN,
        duckdb.StatementType.PRAGMA,
        duckdb.StatementType.CALL,
    }
)
EXIT_OK = 0
EXIT_SQL_ERROR = 1
EXIT_REFUSED = 2
EXIT_NOT_PUBLISHED = 3
MAX_PRINTED_ROWS_DEFAULT = 1000
HISTORY_FILE_NAME = ".sql_history"


class RefusedStatement(Exception):
    """A statement that would write, or leave the published warehouse."""


def add_sql_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "query",
        nargs="?",
        help="SQL to run; omit it for an interactive prompt",
    )
    parser.add_argument(
        "--out",
        type=Path,
        help="write the result to FILE instead of printing it (.csv, .parquet or .xlsx)",
    )
    parser.add_argument(
        "--max-rows",
        type=int,
        default=MAX_PRINTED_ROWS_DEFAULT,
        help=f"rows printed at most (default {MAX_PRINTED_ROWS_DEFAULT}; --out writes all)",
    )
    parser.add_argument(
        "--db",
        type=Path,
        help="a published warehouse file other than JORNADAS_HOME/jornadas.duckdb",
    )


def check_read_only(query: str) -> None:
    """Raise RefusedStatement unless every statement in `query` only reads."""
    try:
        statements = duckdb.extract_statements(query)
    except duckdb.Error:
        # Let DuckDB report the syntax error itself when the query runs.
        return
    for statement in statements:
        if statement.type not in READ_ONLY_STATEMENTS:
            kind = statement.type.name.replace("_", " ")
            raise RefusedStatement(
                f"refused: {kind} statements are not allowed. `jornadas sql` is read-only; "
                "the published warehouse changes only through `jornadas refresh`. "
                "To save a result, use --out FILE (.csv, .parquet or .xlsx)."
            )


def open_published(path: Path) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(str(path), read_only=True)


def _cell_text(value: Any) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, float):
        return f"{value:.6f}".rstrip("0").rstrip(".")
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return str(value)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float | decimal.Decimal) and not isinstance(value, bool)


def format_table(columns: list[str], rows: list[tuple], truncated: bool = False) -> str:
    """Columns aligned with spaces; numbers right-aligned, text left-aligned."""
    texts = [[_cell_text(v).replace("\n", " ") for v in row] for row in rows]
    widths = [len(c) for c in columns]
    for row in texts:
        for index, text in enumerate(row):
            widths[index] = max(widths[index], len(text))
    numeric = [
        bool(rows) and all(_is_number(row[i]) or row[i] is None for row in rows)
        for i in range(len(columns))
    ]

    def line(cells: list[str]) -> str:
        padded = [
            cell.rjust(widths[i]) if numeric[i] else cell.ljust(widths[i])
            for i, cell in enumerate(cells)
        ]
        return " │ ".join(padded).rstrip()

    out = [line(list(columns)), "─┼─".join("─" * w for w in widths)]
    out.extend(line(row) for row in texts)
    shown = len(rows)
    if truncated:
        out.append(f"(first {shown} rows shown; use --max-rows N or --out FILE for all)")
    else:
        out.append(f"({shown} row)" if shown == 1 else f"({shown} rows)")
    return "\n".join(out)


def run_query(
    connection: duckdb.DuckDBPyConnection,
    query: str,
    out: Path | None,
    max_rows: int,
    stdout: TextIO,
) -> None:
    check_read_only(query)
    if out is not None and export_format(out) == "parquet":
        write_parquet(out, connection.sql(query).to_arrow_table())
        print(f"wrote {out}", file=stdout)
        return
    result = connection.execute(query)
    if result.description is None:  # PRAGMA/CALL without a result set
        print("OK", file=stdout)
        return
    columns = [column[0] for column in result.description]
    if out is not None:
        if export_format(out) == "csv":
            write_csv(out, columns, result.fetchall())
        else:
            write_xlsx(out, [("result", columns, result.fetchall())])
        print(f"wrote {out}", file=stdout)
        return
    rows = result.fetchmany(max_rows + 1)
    truncated = len(rows) > max_rows
    print(format_table(columns, rows[:max_rows], truncated=truncated), file=stdout)


def _execute(db: Path, query: str, out: Path | None, max_rows: int) -> int:
    try:
        check_read_only(query)
        with open_published(db) as connection:
            run_query(connection, query, out, max_rows, sys.stdout)
    except RefusedStatement as refused:
        print(refused, file=sys.stderr)
        return EXIT_REFUSED
    except ValueError as bad_output:
        print(f"error: {bad_output}", file=sys.stderr)
        return EXIT_SQL_ERROR
    except duckdb.Error as error:
        message = str(error)
        if "read-only" in message.lower():
            print(
                "refused: the published warehouse is read-only; it changes only through "
                f"`jornadas refresh`. ({message.splitlines()[0]})",
                file=sys.stderr,
            )
            return EXIT_REFUSED
        print(f"error: {message}", file=sys.stderr)
        return EXIT_SQL_ERROR
    return EXIT_OK


INTERACTIVE_HELP = """Type SQL ending with `;` (it may span lines). Commands:
  .tables        list the published tables
  .help          this text
  .quit          leave (or Ctrl-D)
Tables: core.* (facts, dimensions), marts.* (analyst marts), audit.* (ledger, quarantine)."""

TABLES_QUERY = (
    "select table_schema as schema, table_name as name, table_type as type "
    "from information_schema.tables order by 1, 2"
)


def _setup_history(history_file: Path):
    try:
        import readline
    except ImportError:  # not every platform ships readline
        return None
    history_file.parent.mkdir(parents=True, exist_ok=True)
    if history_file.exists():
        readline.read_history_file(str(history_file))
    readline.set_history_length(1000)
    return readline


def interactive(db: Path, history_file: Path, max_rows: int) -> int:
    readline = _setup_history(history_file)
    print(f"jornadas sql — read-only on {db}\n{INTERACTIVE_HELP}")
    buffer: list[str] = []
    last_status = EXIT_OK
    try:
        while True:
            try:
                line = input("...> " if buffer else "jornadas> ")
            except EOFError:
                print()
                break
            except KeyboardInterrupt:
                print()
                buffer.clear()
                continue
            stripped = line.strip()
            if not buffer and stripped in {".quit", ".exit", "\\q"}:
                break
            if not buffer and stripped == ".help":
                print(INTERACTIVE_HELP)
                continue
            if not buffer and stripped == ".tables":
                last_status = _execute(db, TABLES_QUERY, None, max_rows)
                continue
            if stripped:
                buffer.append(line)
            if buffer and stripped.endswith(";"):
                last_status = _execute(db, "\n".join(buffer), None, max_rows)
                buffer.clear()
    finally:
        if readline is not None:
            readline.write_history_file(str(history_file))
    return last_status


def main(args: argparse.Namespace) -> int:
    settings = get_settings()
    db = (args.db or settings.published_db).resolve()
    if not db.exists():
        print(
            f"The warehouse has not been published yet ({db} does not exist). "
            "Run `jornadas refresh` first.",
            file=sys.stderr,
        )
        return EXIT_NOT_PUBLISHED
    if args.query is None or not args.query.strip():
        if args.out is not None:
            print("error: --out needs a QUERY", file=sys.stderr)
            return EXIT_SQL_ERROR
        return interactive(db, settings.home / HISTORY_FILE_NAME, args.max_rows)
    return _execute(db, args.query, args.out, args.max_rows)


def cli(argv: list[str] | None = None) -> int:
    """Stand-alone entry point (`python -m dagster_project.sql_console`)."""
    parser = argparse.ArgumentParser(prog="jornadas sql", description=__doc__.splitlines()[0])
    add_sql_arguments(parser)
    return main(parser.parse_args(argv))


if __name__ == "__main__":
    raise SystemExit(cli())
