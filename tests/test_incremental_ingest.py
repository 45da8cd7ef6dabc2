"""Ingest remembers the hash of an unchanged file instead of reading it again."""

from __future__ import annotations

import os
from pathlib import Path

import duckdb
import pytest

from dagster_project.ingest import UNIT_REPORT, ingest_kind
from dagster_project.ingest import landing as landing_module

HEADER = "unit_id,jornada_id,service_date,activity,specialty,quantity,submitted_at\n"
LINE = "NLIMS000001,2021-14,2021-12-17,surgery,general_surgery,{q},2021-12-20T10:00:00-06:00\n"


@pytest.fixture
def counted_reads(monkeypatch) -> list[str]:
    """The paths whose bytes ingest examined, in order."""
    reads: list[str] = []
    examine = landing_module.examine

    def counting_examine(path: Path, **options):
        reads.append(path.name)
        return examine(path, **options)

    monkeypatch.setattr(landing_module, "examine", counting_examine)
    return reads


def write_report(raw: Path, name: str, quantity: int) -> Path:
    path = raw / "unit_reports" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(HEADER + LINE.format(q=quantity), encoding="utf-8")
    return path


def test_unchanged_files_are_not_read_again_and_changed_ones_are(tmp_path, counted_reads):
    raw = tmp_path / "raw"
    first = write_report(raw, "a.csv", 1)
    write_report(raw, "b.csv", 2)
    con = duckdb.connect(str(tmp_path / "build.duckdb"))
    try:
        ingest_kind(con, raw, UNIT_REPORT, run_id="run-1")
        assert counted_reads == ["a.csv", "b.csv"]

        summary = ingest_kind(con, raw, UNIT_REPORT, run_id="run-2")
        assert counted_reads == ["a.csv", "b.csv"]  # nothing read again
        assert (summary.files_seen, summary.files_new) == (2, 0)

        # New bytes under a known path (size and time change): read, landed as a new delivery.
        write_report(raw, "a.csv", 30)
        stat = first.stat()
        os.utime(first, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
        summary = ingest_kind(con, raw, UNIT_REPORT, run_id="run-3")
        assert counted_reads == ["a.csv", "b.csv", "a.csv"]
        assert (summary.files_seen, summary.files_new) == (1, 1)
        quantities = con.execute(
            "select quantity from raw.unit_report_lines order by quantity"
        ).fetchall()
        assert quantities == [("1",), ("2",), ("30",)]
    finally:
        con.close()


def test_a_copy_under_a_new_path_is_one_delivery_seen_twice(tmp_path, counted_reads):
    raw = tmp_path / "raw"
    write_report(raw, "a.csv", 1)
    con = duckdb.connect(str(tmp_path / "build.duckdb"))
    try:
        ingest_kind(con, raw, UNIT_REPORT, run_id="run-1")
        write_report(raw, "copy/a.csv", 1)
        summary = ingest_kind(con, raw, UNIT_REPORT, run_id="run-2")
        # The new path is hashed once (it has no cache entry) and recognised as known bytes.
        assert counted_reads == ["a.csv", "a.csv"]
        assert (summary.files_seen, summary.files_new) == (2, 0)
        assert con.execute("select count(*) from raw.files").fetchone() == (1,)
        assert con.execute("select count(*) from raw.file_sightings").fetchone() == (2,)
    finally:
        con.close()
