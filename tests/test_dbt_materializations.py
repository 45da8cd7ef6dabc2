"""The project's table, view and data-test materializations (dbt/macros/materializations.sql),
run by `jornadas-dbt` on copies of a real build of the shipped sample.

A table or view is replaced by dropping the old relation and creating the new one in one
transaction, so a rebuild that fails must leave the old relation as it was (the drop rolled
back), and one that succeeds must leave no stray relation behind. Data tests run without a
transaction; with failures stored, dbt's own test materialization writes the failing rows.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import duckdb

from dagster_project.settings import DBT_PROJECT_DIR, dbt_executable
from tests.conftest import RefreshOutcome


def _copy_of_build(sample_refresh: RefreshOutcome, tmp_path: Path) -> Path:
    assert sample_refresh.exit_code == 0, sample_refresh.output[-4000:]
    build_db = tmp_path / "build" / "jornadas_build.duckdb"
    build_db.parent.mkdir()
    shutil.copyfile(sample_refresh.build_db, build_db)
    return build_db


def _dbt(build_db: Path, tmp_path: Path, *arguments: str) -> subprocess.CompletedProcess:
    command = [
        dbt_executable(), *arguments,
        "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR),
        "--target-path", str(tmp_path / "target"), "--log-path", str(tmp_path / "logs"),
    ]  # fmt: skip
    environment = {**os.environ, "JORNADAS_BUILD_DB": str(build_db)}
    return subprocess.run(command, capture_output=True, text=True, env=environment, check=False)


def _relations(build_db: Path) -> dict[str, str]:
    """schema.name → 'table' or 'view', for every relation of the build."""
    with duckdb.connect(str(build_db), read_only=True) as con:
        rows = con.execute(
            "select schema_name || '.' || table_name, 'table' from duckdb_tables() "
            "union all select schema_name || '.' || view_name, 'view' from duckdb_views() "
            "where not internal"
        ).fetchall()
    return dict(rows)


def _rows(build_db: Path, relation: str) -> list[tuple]:
    with duckdb.connect(str(build_db), read_only=True) as con:
        return con.execute(f"select * from {relation} order by all").fetchall()


def test_a_rebuilt_table_and_view_keep_their_rows_and_leave_nothing_behind(
    sample_refresh: RefreshOutcome, tmp_path: Path
) -> None:
    build_db = _copy_of_build(sample_refresh, tmp_path)
    before = _relations(build_db)
    rows_before = {
        name: _rows(build_db, name) for name in ("core.dim_activities", "staging.stg_files")
    }
    assert all(rows_before.values())

    completed = _dbt(build_db, tmp_path, "run", "--select", "dim_activities", "stg_files")

    assert completed.returncode == 0, completed.stdout[-4000:] + completed.stderr[-2000:]
    assert _relations(build_db) == before  # same relations, same kinds, no __dbt_tmp or backup
    assert before["core.dim_activities"] == "table" and before["staging.stg_files"] == "view"
    for name, rows in rows_before.items():
        assert _rows(build_db, name) == rows, name


def test_a_failed_rebuild_leaves_the_old_table_and_view_in_place(
    sample_refresh: RefreshOutcome, tmp_path: Path
) -> None:
    """The new SQL fails after the old relation was dropped in the same transaction."""
    build_db = _copy_of_build(sample_refresh, tmp_path)
    rows_before = _rows(build_db, "core.dim_activities")
    view_sql = (
        "select sql from duckdb_views() where schema_name = 'staging' and view_name = 'stg_files'"
    )
    with duckdb.connect(str(build_db)) as con:
        [old_view] = con.execute(view_sql).fetchall()
        # What the two models read is gone, so creating them again fails.
        con.execute("alter table seeds.activities rename to activities_away")
        con.execute("alter table raw.files rename to files_away")
    before = _relations(build_db)

    for model, relation in (
        ("dim_activities", "core.dim_activities"),
        ("stg_files", "staging.stg_files"),
    ):
        completed = _dbt(build_db, tmp_path, "run", "--select", model)
        assert completed.returncode == 1, completed.stdout[-4000:]
        assert relation.split(".")[1] in completed.stdout  # dbt names the model that failed

    assert _relations(build_db) == before
    assert _rows(build_db, "core.dim_activities") == rows_before
    with duckdb.connect(str(build_db), read_only=True) as con:
        assert con.execute(view_sql).fetchall() == [old_view]


def test_failing_data_tests_count_their_rows_and_store_them_when_asked(
    sample_refresh: RefreshOutcome, tmp_path: Path
) -> None:
    build_db = _copy_of_build(sample_refresh, tmp_path)
    with duckdb.connect(str(build_db)) as con:
        [(repeated,)] = con.execute(
            "insert into core.dim_activities select * from core.dim_activities "
            "order by activity limit 2 returning activity"
        ).fetchall()[:1]
    test = "unique_dim_activities_activity"

    plain = _dbt(build_db, tmp_path / "plain", "test", "--select", test)
    stored = _dbt(build_db, tmp_path / "stored", "test", "--select", test, "--store-failures")

    for completed in (plain, stored):
        assert completed.returncode == 1, completed.stdout[-4000:]
        assert "Got 2 results, configured to fail if != 0" in completed.stdout
    # The plain test's SELECT ran outside a transaction; the stored one's table was written in one.
    began = {
        run: any(
            line.endswith(": BEGIN") and f"On test.jornadas.{test}." in line
            for line in (tmp_path / run / "logs" / "dbt.log")
            .read_text(encoding="utf-8")
            .splitlines()
        )
        for run in ("plain", "stored")
    }
    assert began == {"plain": False, "stored": True}
    with duckdb.connect(str(build_db), read_only=True) as con:
        stored_rows = con.execute(f"select * from dbt_test__audit.{test} order by all").fetchall()
    assert len(stored_rows) == 2
    assert repeated in {row[0] for row in stored_rows}
