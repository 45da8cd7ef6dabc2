"""Incremental refresh: a second batch of files gives what a rebuild from scratch gives.

The unit-report models are incremental (dbt/macros/incremental.sql): a refresh processes only
the files that arrived since the last one and judges again the (unit, jornada) pairs they touch.
Here a landing folder receives part of the shipped sample, is refreshed, then receives the rest
plus a correction, a late older version and a conflicting re-submission of reports already in
force, and then only a revision of one unit's goals; the published warehouse must then equal,
table by table, the one a fresh home builds from the final folder in one go. Slow: four
refreshes.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from dagster_project.settings import DBT_PROJECT_DIR
from tests.conftest import SAMPLE_RAW_DIR, RefreshOutcome, run_cli_refresh
from tests.test_e2e import read_only, table_contents

pytestmark = pytest.mark.slow

JORNADAS = ("2021-10", "2021-11")
HEADER = ["unit_id", "jornada_id", "service_date", "activity", "specialty", "quantity"]


def sample_files(kind: str) -> list[Path]:
    return sorted(
        path
        for jornada in JORNADAS
        for path in (SAMPLE_RAW_DIR / kind / jornada).rglob("*")
        if path.is_file()
    )


def copy_into(raw: Path, files: list[Path]) -> None:
    for path in files:
        target = raw / path.relative_to(SAMPLE_RAW_DIR)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, target)


def write_report(path: Path, lines: list[dict], submitted_at: str, bump: int) -> None:
    """One unit's report with every quantity increased by `bump` (so its content differs)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([*HEADER, "submitted_at"])
    for line in lines:
        quantity = str(int(line["quantity"]) + bump)
        writer.writerow([*(line[c] for c in HEADER[:-1]), quantity, submitted_at])
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(out.getvalue(), encoding="utf-8")


def reports_in_force(first: RefreshOutcome, raw: Path, how_many: int) -> list[list[dict]]:
    """The lines of reports in force after the first refresh, from plain UTF-8 CSV files."""
    rows = build_table(
        first,
        "select f.path, v.unit_id, v.submitted_at_text "
        "from intermediate.int_unit_report_verdicts v join raw.files f using (file_hash) "
        "where v.verdict = 'in_force' and f.format = 'csv' "
        "and f.encoding = 'utf-8' order by f.path, v.unit_id limit ?",
        [how_many],
    )
    reports = []
    for path, unit_id, submitted_at in rows:
        with (raw / path).open(encoding="utf-8", newline="") as handle:
            lines = [
                line
                for line in csv.DictReader(handle)
                if line["unit_id"] == unit_id and line["submitted_at"] == submitted_at
            ]
        reports.append(lines)
    assert len(reports) == how_many and all(reports), rows
    return reports


def later_deliveries(first: RefreshOutcome, raw: Path) -> None:
    """A correction, a late older version and a conflict for reports of the first batch.

    Written under a folder that sorts after every sample path, so that a rebuild from scratch
    (which orders one refresh's deliveries by path) sees them in the same order as the
    incremental refresh does.
    """
    corrected, late_older, conflicting = reports_in_force(first, raw, 3)
    folder = raw / "unit_reports" / "zz_later"
    # A newer version replaces the one in force.
    write_report(folder / "correction.csv", corrected, "2021-12-30T09:00:00-06:00", bump=5)
    # An older version arriving late never replaces the newer one in force.
    write_report(folder / "late_older.csv", late_older, "2021-01-01T09:00:00-06:00", bump=7)
    # Same unit, jornada and instant as the version in force, other content: both are held
    # back, and the pair's previous version (if any) is in force again.
    write_report(folder / "conflict.csv", conflicting, conflicting[0]["submitted_at"], bump=1)


def revise_goals(raw: Path, target: Path) -> None:
    """A newer version of one unit's goals of the first jornada, every target raised by 3."""
    source = sorted((raw / "goals" / JORNADAS[0]).glob("*.csv"))[0]
    with source.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    unit_rows = [row for row in rows if row["unit_id"] == rows[0]["unit_id"]]
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    for row in unit_rows:
        writer.writerow({**row, "target": str(int(row["target"]) + 3),
                         "submitted_at": "2021-12-30T09:00:00-06:00"})  # fmt: skip
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(out.getvalue(), encoding="utf-8")


def build_table(outcome: RefreshOutcome, query: str, parameters=None) -> list[tuple]:
    with read_only(outcome.build_db) as con:
        return con.execute(query, parameters or []).fetchall()


@dataclass
class Builds:
    incremental: RefreshOutcome  # after the second batch, then goals alone, incrementally
    scratch: RefreshOutcome  # the final landing folder in a fresh home
    second_batch_files: int  # files of the second batch
    second_batch_built: int  # files the second refresh's dbt build carried through


@pytest.fixture(scope="module")
def incremental_and_scratch(dbt_manifest, tmp_path_factory):
    raw = tmp_path_factory.mktemp("raw_incremental")
    reports, goals = sample_files("unit_reports"), sample_files("goals")
    half = len(reports) // 2
    first_batch = reports[:half] + goals
    copy_into(raw, first_batch)
    home = tmp_path_factory.mktemp("home_incremental")
    first = run_cli_refresh(raw, home)
    assert first.exit_code == 0, first.output[-4000:]

    copy_into(raw, reports[half:])
    later_deliveries(first, raw)
    second = run_cli_refresh(raw, home)
    assert second.exit_code == 0, second.output[-4000:]
    [(second_batch_built,)] = build_table(
        second, "select count(*) from intermediate.int_unit_report_batch"
    )
    # Goals alone: no unit report arrives, so only the goals can tell goal attainment changed.
    revise_goals(raw, raw / "goals" / "zz_later" / "revised_goals.csv")
    incremental = run_cli_refresh(raw, home)
    assert incremental.exit_code == 0, incremental.output[-4000:]
    scratch = run_cli_refresh(raw, tmp_path_factory.mktemp("home_scratch"))
    assert scratch.exit_code == 0, scratch.output[-4000:]
    yield Builds(incremental, scratch, len(reports) - half + 3, second_batch_built)
    shutil.rmtree(home, ignore_errors=True)


def test_the_second_refresh_processes_only_the_new_files(incremental_and_scratch):
    builds = incremental_and_scratch
    [(scratch_batch,)] = build_table(
        builds.scratch, "select count(*) from intermediate.int_unit_report_batch"
    )
    read = "select count(*) from raw.files where kind = 'unit_report' and file_verdict = 'read'"
    [(all_read,)] = build_table(builds.scratch, read)
    assert 0 < builds.second_batch_built <= builds.second_batch_files
    assert scratch_batch == all_read > builds.second_batch_built


def test_the_later_deliveries_get_their_verdicts(incremental_and_scratch):
    incremental = incremental_and_scratch.incremental
    verdicts = dict(
        build_table(
            incremental,
            "select f.path, v.verdict from intermediate.int_unit_report_verdicts v "
            "join raw.files f using (file_hash) where f.path like 'unit_reports/zz_later/%'",
        )
    )
    assert verdicts == {
        "unit_reports/zz_later/correction.csv": "in_force",
        "unit_reports/zz_later/late_older.csv": "superseded",
        "unit_reports/zz_later/conflict.csv": "conflict",
    }


def test_revised_goals_reach_goal_attainment_without_a_new_report(incremental_and_scratch):
    incremental = incremental_and_scratch.incremental
    [(batch,)] = build_table(incremental, "select count(*) from intermediate.int_unit_report_batch")
    assert batch == 0  # no unit report in the last refresh
    # The goal chain carried the one new goal file, not every goal file again.
    goal_batch = build_table(
        incremental,
        "select f.path from intermediate.int_goal_batch join raw.files f using (file_hash)",
    )
    assert goal_batch == [("goals/zz_later/revised_goals.csv",)]
    revised = build_table(
        incremental,
        "select g.unit_id, g.jornada_id, sum(cast(g.target as bigint)) from raw.goal_lines g "
        "join raw.files f using (file_hash) where f.path = 'goals/zz_later/revised_goals.csv' "
        "group by all",
    )
    [(unit_id, jornada_id, revised_total)] = revised
    [(attained_total,)] = build_table(
        incremental,
        "select sum(target) from marts.goal_attainment "
        "where level = 'unit' and unit_id = ? and jornada_id = ?",
        [unit_id, jornada_id],
    )
    assert attained_total == revised_total


# The published tables that hold data (the quality checks' and publishing's run logs record
# each run, so they differ between any two refreshes by design).
DATA_TABLES = ("core.", "marts.", "audit.file_ledger", "audit.rejected_lines",
               "audit.quarantined_reports")  # fmt: skip


def published_data(outcome: RefreshOutcome) -> dict[str, list]:
    contents = table_contents(outcome.published_db, ignore_run_columns=True)
    return {name: rows for name, rows in contents.items() if name.startswith(DATA_TABLES)}


def test_incremental_refresh_publishes_what_a_rebuild_from_scratch_publishes(
    incremental_and_scratch,
):
    built = published_data(incremental_and_scratch.incremental)
    rebuilt = published_data(incremental_and_scratch.scratch)
    assert built.keys() == rebuilt.keys()
    assert any(name.startswith("core.") for name in built)
    assert any(name.startswith("marts.") for name in built)
    differing = [name for name in built if built[name] != rebuilt[name]]
    assert not differing, f"the incremental refresh differs from a rebuild in: {differing}"


def test_dbt_unit_tests_pass(incremental_and_scratch, tmp_path):
    """The SQL's unit tests (excluded from refreshes, which test data) against a real build."""
    scratch = incremental_and_scratch.scratch
    dbt = Path(sys.executable).parent / "dbt"
    command = [
        str(dbt), "test", "--select", "test_type:unit",
        "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR),
        "--target-path", str(tmp_path / "target"), "--log-path", str(tmp_path / "logs"),
    ]  # fmt: skip
    environment = {**os.environ, "JORNADAS_BUILD_DB": str(scratch.build_db)}
    completed = subprocess.run(command, capture_output=True, text=True, env=environment)
    assert completed.returncode == 0, completed.stdout[-4000:] + completed.stderr[-2000:]
    assert " PASS=" in completed.stdout and " ERROR=0" in completed.stdout


def test_uniqueness_tests_find_exactly_the_repeated_rows(incremental_and_scratch, tmp_path):
    """The DuckDB `unique_combination_of_columns` groups a hash of the columns first; on a copy
    of a real build with repeated rows (a null in the key among them) it must fail with the
    groups a plain GROUP BY finds, and pass where nothing repeats."""
    scratch = incremental_and_scratch.scratch
    build_db = tmp_path / "jornadas_build.duckdb"
    shutil.copyfile(scratch.build_db, build_db)
    keys = {
        "marts.unit_activity": "jornada_id, unit_id, activity, specialty",
        "core.fct_activities": "unit_id, service_date, activity, specialty",
    }
    with duckdb.connect(str(build_db)) as con:
        for table in keys:
            for specialty_is_null in (True, False):
                con.execute(
                    f"insert into {table} select * from {table} "
                    f"where (specialty is null) = {specialty_is_null} limit 1"
                )
        expected = {
            table: con.execute(
                f"select count(*) from (select {columns} from {table} "
                f"group by {columns} having count(*) > 1)"
            ).fetchone()[0]
            for table, columns in keys.items()
        }
    assert expected == {"marts.unit_activity": 2, "core.fct_activities": 2}

    dbt = Path(sys.executable).parent / "dbt"
    target = tmp_path / "target"
    command = [
        str(dbt), "test", "--select", "test_name:unique_combination_of_columns",
        "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR),
        "--target-path", str(target), "--log-path", str(tmp_path / "logs"),
    ]  # fmt: skip
    environment = {**os.environ, "JORNADAS_BUILD_DB": str(build_db)}
    completed = subprocess.run(command, capture_output=True, text=True, env=environment)
    assert completed.returncode == 1, completed.stdout[-4000:] + completed.stderr[-2000:]

    results = json.loads((target / "run_results.json").read_text())["results"]
    manifest = json.loads((target / "manifest.json").read_text())["nodes"]
    failures = {}
    for result in results:
        model = manifest[manifest[result["unique_id"]]["attached_node"]]
        failures[f"{model['schema']}.{model['name']}"] = (result["status"], result["failures"])
    assert len(failures) > len(keys)  # the other models' uniqueness tests ran too
    for table, (status, found) in failures.items():
        if table in keys:
            assert (status, found) == ("fail", expected[table]), table
        else:
            assert (status, found) == ("pass", 0), table


def _tests_run(outcome: RefreshOutcome) -> set[str]:
    target = outcome.home / "build" / "dbt_target"
    results = json.loads((target / "run_results.json").read_text())["results"]
    return {r["unique_id"] for r in results if r["unique_id"].startswith("test.")}


def test_an_incremental_build_skips_the_tests_of_reference_data_only(
    incremental_and_scratch, dbt_manifest
):
    """Seeds and the models built from them alone cannot change without changing the build's
    fingerprint (a full build, which runs every test); the incremental build runs the rest."""
    from dagster_project.defs.dbt import reference_data_tests

    manifest = json.loads(dbt_manifest.read_text())
    reference = set(reference_data_tests(manifest))
    tests = {uid: node for uid, node in manifest["nodes"].items() if uid.startswith("test.")}
    skipped = {uid for uid, node in tests.items() if node["name"] in reference}
    # Seed tests among them; none of the tests that read the facts or the ingest.
    assert any(p.startswith("seed.") for uid in skipped for p in tests[uid]["depends_on"]["nodes"])
    assert not any(
        "fct_activities" in p or "stg_" in p
        for uid in skipped
        for p in tests[uid]["depends_on"]["nodes"]
    )
    full = _tests_run(incremental_and_scratch.scratch)
    incremental = _tests_run(incremental_and_scratch.incremental)
    assert full == set(tests)
    assert incremental == set(tests) - skipped
