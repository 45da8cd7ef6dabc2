"""A dbt data test (severity ERROR) that fails on real data stops the refresh: the step fails
naming the test, nothing is published, and the failure is in audit.quality_results.

The failure is made the only way data reaches dbt without passing ingest's checks: a seed.
A copy of the project gets a national-day calendar whose first day ends before it starts,
which `int_jornada_calendar`'s `start_date <= end_date` test refuses. The copy runs the real
CLI in a subprocess (its own dbt parse, Dagster run, dbt build and GX worker)."""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb

from dagster_project.cli import EXIT_FAILED
from dagster_project.settings import PROJECT_ROOT
from tests.conftest import SAMPLE_RAW_DIR

_NOT_COPIED = {"warehouse", "raw", "target", "logs", "__pycache__"}


def _copy_project(destination: Path) -> Path:
    def ignored(folder: str, names: list[str]) -> set[str]:
        return {name for name in names if name in _NOT_COPIED or name.startswith(".")}

    shutil.copytree(PROJECT_ROOT, destination, ignore=ignored)
    return destination


def _end_the_first_jornada_before_it_starts(seed: Path) -> None:
    with seed.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        fields = reader.fieldnames
        rows = list(reader)
    first = rows[0]
    day_before = dt.date.fromisoformat(first["start_date"]) - dt.timedelta(days=1)
    first["end_date"] = day_before.isoformat()
    with seed.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)


def test_a_failing_dbt_data_test_stops_the_refresh_and_is_recorded(tmp_path: Path) -> None:
    project = _copy_project(tmp_path / "project")
    _end_the_first_jornada_before_it_starts(project / "dbt" / "seeds" / "jornadas.csv")
    home = tmp_path / "home"
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("JORNADAS_") and key != "DAGSTER_HOME"
    }
    environment["PYTHONPATH"] = str(project)  # the copy's dagster_project, not this checkout's

    completed = subprocess.run(
        [sys.executable, "-m", "dagster_project.cli", "refresh"]
        + ["--raw", str(SAMPLE_RAW_DIR), "--home", str(home)],
        cwd=project,
        env=environment,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    output = completed.stdout + completed.stderr

    manifest = json.loads((home / "build" / "dbt_target" / "manifest.json").read_text())
    [calendar_test] = [
        node["name"]
        for node in manifest["nodes"].values()
        if node["resource_type"] == "test"
        and (node.get("test_metadata") or {}).get("name") == "expression_is_true"
        and "model.jornadas.int_jornada_calendar" in node["depends_on"]["nodes"]
    ]
    assert completed.returncode == EXIT_FAILED, output[-4000:]
    assert "dbt build failed" in output and calendar_test in output, output[-4000:]
    assert not (home / "jornadas.duckdb").exists()
    assert "Nothing has been published yet." in output

    con = duckdb.connect(str(home / "build" / "jornadas_build.duckdb"), read_only=True)
    try:
        recorded = con.execute(
            "select asset, passed, severity, observed_value from audit.quality_results "
            "where suite = 'dbt' and check_name = ?",
            [calendar_test],
        ).fetchall()
        passed_elsewhere = con.execute(
            "select count(*) from audit.quality_results where suite = 'dbt' and passed"
        ).fetchone()[0]
    finally:
        con.close()
    # One calendar row breaks the rule: the one changed above.
    assert recorded == [("intermediate/int_jornada_calendar", False, "ERROR", "1 failing rows")]
    # The tests that ran before dbt stopped are recorded too, passed.
    assert passed_elsewhere > 0
