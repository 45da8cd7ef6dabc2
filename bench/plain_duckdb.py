"""Run bench/plain_duckdb.sql: the warehouse's work as one plain DuckDB script (the limit).

Only duckdb (and openpyxl for XLSX sheets, which DuckDB cannot read here). Each `-- step:`
of the script is timed; a step whose input is absent is skipped, because DuckDB fails on a
glob that matches nothing.

    python -m bench.plain_duckdb --raw DIR --out FILE [--synthetic-calendar]
"""

from __future__ import annotations

import argparse
import json
import re
import time
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

BENCH_DIR = Path(__file__).resolve().parent
SCRIPT = BENCH_DIR / "plain_duckdb.sql"
DEFAULT_SEEDS_DIR = BENCH_DIR.parent / "dbt" / "seeds"

STEP_MARKER = re.compile(
    r"^-- step: (?P<name>\w+)(?: when: (?P<when>\w+))?(?: each: (?P<each>\w+))?\s*$",
    re.MULTILINE,
)
# `each: NAME`: run the step once per group of readable files (same kind, format, header and
# encoding), with $files, $columns and $encoding bound.
FILE_GROUPS = """
    select list(path order by path), header_columns, encoding
    from raw_files
    where kind = $kind and format = $format and reject_reason is null
    group by header_columns, encoding
"""
GROUPS = {
    "csv_header": ("unit_report", "csv"),
    "goal_header": ("goal", "csv"),
    "json_files": ("unit_report", "json"),
}
DUCKDB_ENCODINGS = {"utf-8": "utf-8", "utf-8-sig": "utf-8", "latin-1": "latin-1"}
XLSX_COLUMNS = (
    "unit_id",
    "jornada_id",
    "service_date",
    "activity",
    "specialty",
    "quantity",
    "submitted_at",
)


@dataclass
class Step:
    name: str
    when: str | None
    each: str | None
    sql: str


@dataclass
class PlainRun:
    seconds: float = 0.0
    step_seconds: dict[str, float] = field(default_factory=dict)
    skipped_steps: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)


def parse_steps(script: str) -> list[Step]:
    markers = list(STEP_MARKER.finditer(script))
    steps = []
    for marker, following in zip(markers, [*markers[1:], None], strict=True):
        end = following.start() if following else len(script)
        sql = script[marker.end() : end].strip()
        steps.append(Step(marker["name"], marker["when"], marker["each"], sql))
    return steps


def available_inputs(raw_dir: Path, synthetic_calendar: bool) -> set[str]:
    """Which optional inputs exist, named as the script's `when:` tags."""
    inputs = set()
    reports = raw_dir / "unit_reports"
    report_files = [p for p in reports.rglob("*") if p.is_file()] if reports.is_dir() else []
    if report_files:
        inputs.add("unit_reports")
    for suffix in ("csv", "json", "xlsx"):
        if any(p.suffix.lower() == f".{suffix}" for p in report_files):
            inputs.add(suffix)
    goals = raw_dir / "goals"
    if goals.is_dir() and any(goals.rglob("*.csv")):
        inputs.add("goals")
    if synthetic_calendar:
        inputs.add("synthetic")
    return inputs


def load_xlsx_lines(con: duckdb.DuckDBPyConnection, raw_dir: Path) -> None:
    """Land the `report` sheet of every XLSX report as text, like the CSV reader does."""
    import openpyxl
    import pyarrow as pa

    rows: list[tuple] = []
    for path in sorted((raw_dir / "unit_reports").rglob("*.xlsx")):
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
        try:
            if "report" not in workbook.sheetnames:
                continue  # rejected as a file by the project (missing_report_sheet)
            sheet_rows = workbook["report"].iter_rows(values_only=True)
            header = [
                str(cell).strip().lower() if cell is not None else ""
                for cell in next(sheet_rows, ())
            ]
            positions = {name: header.index(name) for name in XLSX_COLUMNS if name in header}
            for row_no, row in enumerate(sheet_rows, start=2):
                values = [
                    _cell_text(row[positions[name]]) if name in positions else None
                    for name in XLSX_COLUMNS
                ]
                rows.append((str(path), row_no, *values))
        finally:
            workbook.close()
    columns = list(zip(*rows, strict=True)) if rows else [[] for _ in range(9)]
    names = ["path", "line_no", *XLSX_COLUMNS]
    types = [pa.string(), pa.int64(), *(pa.string() for _ in XLSX_COLUMNS)]
    xlsx_lines = pa.table(
        [pa.array(values, type=t) for values, t in zip(columns, types, strict=True)], names=names
    )
    con.register("xlsx_lines_arrow", xlsx_lines)
    con.execute("create or replace temp table xlsx_lines as select * from xlsx_lines_arrow")
    con.unregister("xlsx_lines_arrow")


def _group_parameters(sql: str, files: list[str], header: list[str], encoding: str) -> dict:
    """The parameters the statement names (DuckDB rejects unused named parameters)."""
    offered = {
        "files": files,
        "columns": {_column_name(name, i): "VARCHAR" for i, name in enumerate(header or [])},
        "encoding": DUCKDB_ENCODINGS.get(encoding, encoding),
    }
    return {name: value for name, value in offered.items() if f"${name}" in sql}


def _column_name(header_name: str, position: int) -> str:
    """Names for read_csv's `columns`: the header's own, or a placeholder for a blank one."""
    return header_name.strip() or f"unnamed_column_{position + 1}"


def _cell_text(value: object) -> str | None:
    if value is None:
        return None
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def run_plain(
    raw_dir: Path,
    out_db: Path,
    seeds_dir: Path = DEFAULT_SEEDS_DIR,
    synthetic_calendar: bool = False,
    stop_after: str | None = None,
    skip_steps: tuple[str, ...] = (),
) -> PlainRun:
    """Run the script into `out_db`; `stop_after`/`skip_steps` run only a part of it."""
    raw_dir, out_db = Path(raw_dir).resolve(), Path(out_db)
    out_db.parent.mkdir(parents=True, exist_ok=True)
    for stale in (out_db, out_db.with_name(out_db.name + ".wal")):
        stale.unlink(missing_ok=True)
    run = PlainRun()
    started = time.perf_counter()
    inputs = available_inputs(raw_dir, synthetic_calendar)
    con = duckdb.connect(str(out_db))
    try:
        con.execute("set variable raw_dir = ?", [str(raw_dir)])
        con.execute("set variable seeds_dir = ?", [str(Path(seeds_dir).resolve())])
        for step in parse_steps(SCRIPT.read_text(encoding="utf-8")):
            if (step.when and step.when not in inputs) or step.name in skip_steps:
                run.skipped_steps.append(step.name)
                continue
            step_started = time.perf_counter()
            if step.name == "read_xlsx_reports":
                load_xlsx_lines(con, raw_dir)
            try:
                if step.each:
                    kind, file_format = GROUPS[step.each]
                    groups = con.execute(FILE_GROUPS, {"kind": kind, "format": file_format})
                    for files, header, encoding in groups.fetchall():
                        con.execute(step.sql, _group_parameters(step.sql, files, header, encoding))
                else:
                    con.execute(step.sql)
            except duckdb.Error as error:
                error.add_note(f"in step {step.name!r} of {SCRIPT.name}")
                raise
            run.step_seconds[step.name] = time.perf_counter() - step_started
            if step.name == stop_after:
                break
        con.execute("checkpoint")
        tables = {r[0] for r in con.execute("select table_name from duckdb_tables()").fetchall()}
        for table in ("raw_unit_report_lines", "fct_activities", "rejected_lines", "fct_goals"):
            if table in tables:
                run.counts[table] = con.execute(f"select count(*) from {table}").fetchone()[0]
    finally:
        con.close()
    run.seconds = time.perf_counter() - started
    return run


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--raw", type=Path, required=True, help="landing folder")
    parser.add_argument("--out", type=Path, required=True, help="DuckDB file to build")
    parser.add_argument("--seeds", type=Path, default=DEFAULT_SEEDS_DIR)
    parser.add_argument("--synthetic-calendar", action="store_true")
    args = parser.parse_args(argv)
    run = run_plain(args.raw, args.out, args.seeds, args.synthetic_calendar)
    print(json.dumps(run.__dict__, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
