"""The weekly batch: one week of new reports plus a few hundred corrections.

The week is the data set's own last week, held out of the landing folder for the full refresh
and delivered afterwards, so the weekly refresh brings exactly what a real Monday brings. The
corrections are new versions (a later `submitted_at`, changed quantities) of reports already
in force, written as a CSV that follows the raw contract.
"""

from __future__ import annotations

import csv
import os
import shutil
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import duckdb

from bench.plain_duckdb import run_plain
from dagster_project.raw_schema import UNIT_REPORT_COLUMNS

CORRECTION_OFFSET = "-06:00"  # America/Mexico_City in 2021-2022 (no DST since late 2022)


@dataclass
class WeekPlan:
    jornadas: list[str]
    files: list[Path] = field(default_factory=list)  # relative to the data folder
    lines: int = 0


def plan_last_week(
    data_dir: Path, seeds_dir: Path, synthetic_calendar: bool, scratch_db: Path
) -> WeekPlan:
    """The files that hold only reports of the last seven days of the data set's jornadas.

    The files are read by the plain script's own ingest steps (encodings, free column order,
    JSON arrays). A file mixing an older jornada stays in the base: a file is one delivery and
    is never split. XLSX files (few, slow to open) always stay in the base.
    """
    data_dir = data_dir.resolve()
    run_plain(
        data_dir,
        scratch_db,
        seeds_dir,
        synthetic_calendar,
        stop_after="read_json_reports",
        skip_steps=("read_xlsx_reports",),
    )
    con = duckdb.connect(str(scratch_db), read_only=True)
    try:
        con.execute(
            """
            create temp table last_week as
            with present as (
                select jornada_id, start_date from seed_jornadas
                where jornada_id in (select jornada_id from raw_unit_report_lines)
            )
            select jornada_id from present
            where start_date > (select max(start_date) from present) - interval 7 day
            """
        )
        jornadas = [
            r[0] for r in con.execute("select jornada_id from last_week order by 1").fetchall()
        ]
        rows = con.execute(
            """
            select
                path,
                bool_and(jornada_id in (select jornada_id from last_week)) as only_last_week,
                count(*) as lines
            from raw_unit_report_lines
            group by path
            """
        ).fetchall()
    finally:
        con.close()
    scratch_db.unlink(missing_ok=True)
    held = [(Path(path).relative_to(data_dir), lines) for path, only, lines in rows if only]
    return WeekPlan(
        jornadas=jornadas,
        files=sorted(path for path, _ in held),
        lines=sum(lines for _, lines in held),
    )


def link_tree(source: Path, target: Path, skip: set[Path] = frozenset()) -> int:
    """Mirror `source` into `target` with hard links (copies across file systems)."""
    linked = 0
    for path in source.rglob("*"):
        relative = path.relative_to(source)
        if not path.is_file() or relative in skip or relative.parts[0].startswith("."):
            continue
        destination = target / relative
        destination.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(path, destination)
        except OSError:
            shutil.copy2(path, destination)
        linked += 1
    return linked


def write_corrections(
    facts_db: Path, out_file: Path, count: int, facts_table: str = "fct_activities"
) -> int:
    """New versions of `count` reports in force, picked deterministically; returns lines.

    `facts_table` names the facts in `facts_db`: the plain script's `fct_activities`, or
    `core.fct_activities` in the project's published file (the same rows)."""
    if facts_table not in ("fct_activities", "core.fct_activities"):
        raise ValueError(f"unknown facts table: {facts_table}")
    con = duckdb.connect(str(facts_db), read_only=True)
    try:
        con.execute("set TimeZone = 'UTC'")
        rows = con.execute(
            f"""
            with picked as (
                select unit_id, jornada_id, max(submitted_at) as submitted_at
                from {facts_table}
                group by unit_id, jornada_id
                order by hash(unit_id || jornada_id)
                limit ?
            )
            select
                f.unit_id, f.jornada_id, f.service_date, f.activity, f.specialty, f.quantity,
                p.submitted_at,
                row_number() over (partition by f.unit_id, f.jornada_id
                                   order by f.service_date, f.activity, f.specialty) as line_no
            from {facts_table} as f
            inner join picked as p using (unit_id, jornada_id)
            order by f.unit_id, f.jornada_id, line_no
            """,
            [count],
        ).fetchall()
    finally:
        con.close()
    out_file.parent.mkdir(parents=True, exist_ok=True)
    with out_file.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(UNIT_REPORT_COLUMNS)
        for unit, jornada, day, activity, specialty, quantity, submitted, line_no in rows:
            corrected = quantity + 1 if line_no == 1 else quantity  # the unit fixes a count
            resubmitted = submitted + timedelta(days=7)
            local = resubmitted.replace(tzinfo=None) - timedelta(hours=6)
            writer.writerow(
                [
                    unit,
                    jornada,
                    day.isoformat(),
                    activity,
                    specialty or "",
                    corrected,
                    local.isoformat(timespec="seconds") + CORRECTION_OFFSET,
                ]
            )
    return len(rows)
