"""Write-audit-publish on real DuckDB files: the new file is checked, swapped in atomically,
the previous version is kept for rollback, a failed blocking check publishes nothing, and a
publish killed with SIGKILL at any stage leaves a complete warehouse behind."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import duckdb
import pytest

import dagster_project.publish as publish_module
from dagster_project.publish import (
    NEW_FILE_PREFIX,
    PublishRefused,
    RefreshInProgress,
    duckdb_cli,
    publish_warehouse,
    published_run_id,
    refresh_lock,
    rollback,
)
from dagster_project.quality.results import ensure_results_table
from dagster_project.settings import BUILD_DB_ENV, HOME_ENV, Settings
from tests.test_quality_data import build_crafted_warehouse, execute, rebuild_marts

CHILD_WAIT_SECONDS = 300  # generous: a deadline against hangs, not a performance claim


@pytest.fixture
def settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    home = tmp_path / "home"
    build_db = tmp_path / "build" / "jornadas_build.duckdb"
    build_db.parent.mkdir()
    monkeypatch.setenv(HOME_ENV, str(home))
    monkeypatch.setenv(BUILD_DB_ENV, str(build_db))
    build_crafted_warehouse(build_db, "run-1")
    return Settings(raw_dir=tmp_path / "raw", home=home)


def change_the_data(settings: Settings, extra: int) -> None:
    """A new week's data: one unit reports more surgeries; the marts are re-derived."""
    execute(
        settings.build_db,
        "update core.fct_activities set quantity = quantity + ? where unit_id = "
        "(select min(unit_id) from core.fct_activities where activity = 'surgery') "
        "and activity = 'surgery'",
        [extra],
    )
    rebuild_marts(settings.build_db)


def facts_and_marts_agree(path: Path) -> tuple[int, int]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        row = con.execute(
            "select (select sum(quantity) from core.fct_activities), "
            "(select sum(quantity) from marts.jornada_activity)"
        ).fetchone()
    finally:
        con.close()
    assert row is not None
    return row[0], row[1]


def leftovers(settings: Settings) -> list[str]:
    return sorted(p.name for p in settings.home.iterdir() if p.name.startswith((NEW_FILE_PREFIX,)))


def test_publish_writes_a_checked_file_that_duckdb_cli_1_5_opens(settings: Settings) -> None:
    result = publish_warehouse(settings, "run-1")
    published = settings.published_db
    assert result.published_file == published and result.previous_file is None
    assert published_run_id(published) == "run-1"
    facts, marts = facts_and_marts_agree(published)
    assert facts == marts and facts > 0

    cli = duckdb_cli()
    assert cli is not None, "the dev dependency duckdb-cli provides .venv/bin/duckdb"
    assert result.checked_with_cli
    completed = subprocess.run(
        [str(cli), "-readonly", "-csv", "-noheader", str(published), "-c",
         "select count(*) from marts.unit_activity"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert int(completed.stdout.strip()) == result.tables["marts.unit_activity"]
    assert leftovers(settings) == []


def test_views_become_tables_and_quality_results_are_published(settings: Settings) -> None:
    con = duckdb.connect(str(settings.build_db))
    try:
        ensure_results_table(con)
        con.execute("create view marts.surgery_totals as select * from marts.jornada_activity")
    finally:
        con.close()
    result = publish_warehouse(settings, "run-1")
    assert {"audit.quality_results", "marts.surgery_totals"} <= set(result.tables)
    [(table_type,)] = execute(
        settings.published_db,
        "select table_type from information_schema.tables where table_name = 'surgery_totals'",
    )
    assert table_type == "BASE TABLE"


def test_previous_version_is_kept_and_rollback_swaps_back(settings: Settings) -> None:
    publish_warehouse(settings, "run-1")
    change_the_data(settings, 7)
    result = publish_warehouse(settings, "run-2")
    assert result.previous_file == settings.previous_db
    assert published_run_id(settings.previous_db) == "run-1"
    assert published_run_id(settings.published_db) == "run-2"

    assert rollback(settings) == ("run-1", "run-2")
    assert (
        facts_and_marts_agree(settings.published_db)[0] + 7 * 6
        == (facts_and_marts_agree(settings.previous_db)[0])
    )
    assert rollback(settings) == ("run-2", "run-1")


def test_a_failed_error_check_publishes_nothing(settings: Settings) -> None:
    publish_warehouse(settings, "run-1")
    before = settings.published_db.stat()
    change_the_data(settings, 3)
    con = duckdb.connect(str(settings.build_db))
    try:
        ensure_results_table(con)
        con.execute(
            "insert into audit.quality_results (run_id, suite, check_name, asset, check_kind, "
            "expectation_type, severity, passed, observed_value, run_at) values ('run-2', "
            "'marts_goal_attainment', 'marts_goal_attainment.unit_performed_adds_up_to_national',"
            " 'marts/goal_attainment', 'rule', 'expect_table_row_count_to_equal', 'ERROR', "
            "false, '1 violating rows', current_timestamp)"
        )
    finally:
        con.close()
    with pytest.raises(PublishRefused, match="unit_performed_adds_up_to_national"):
        publish_warehouse(settings, "run-2")
    after = settings.published_db.stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    assert published_run_id(settings.published_db) == "run-1"
    assert leftovers(settings) == []


def test_publish_refuses_when_a_required_suite_did_not_run(settings: Settings) -> None:
    with pytest.raises(PublishRefused, match="marts_goal_attainment"):
        publish_warehouse(settings, "run-1", required_suites=["marts_goal_attainment"])
    assert not settings.published_db.exists()


def differences_from_build(settings: Settings) -> dict[str, int]:
    """Per published table: rows in the published file or in the build but not in both
    (multiset difference both ways); an empty dict when the file is the build's copy."""
    con = duckdb.connect(str(settings.published_db), read_only=True)
    try:
        con.execute(f"attach '{settings.build_db}' as build (read_only)")
        names = con.execute(
            "select table_schema, table_name from information_schema.tables "
            "where table_catalog = current_database() "
            "and table_schema in ('core', 'marts', 'audit') "
            "and table_name not in ('published_version', 'publish_log')"
        ).fetchall()
        built = con.execute(
            "select table_schema, table_name from information_schema.tables "
            "where table_catalog = 'build' and table_schema in ('core', 'marts', 'audit') "
            "and table_name != 'publish_log'"
        ).fetchall()
        assert sorted(names) == sorted(built)
        found = {}
        for schema, table in names:
            here, there = f"{schema}.{table}", f"build.{schema}.{table}"
            [(count,)] = con.execute(
                f"select (select count(*) from (from {here} except all from {there})) "
                f"+ (select count(*) from (from {there} except all from {here}))"
            ).fetchall()
            if count:
                found[here] = count
        return found
    finally:
        con.close()


def every_keyed_table_is_big(monkeypatch: pytest.MonkeyPatch) -> None:
    """The crafted warehouse is small: every keyed table counts as big, and the whole tables
    rewritten beside them (most of so small a file) do not trigger a compacting rewrite."""
    monkeypatch.setattr(publish_module, "ROW_LEVEL_MIN_ROWS", 0)
    monkeypatch.setattr(publish_module, "MAX_FREE_BLOCK_SHARE", 1.0)


def test_a_second_publish_updates_big_tables_row_by_row_and_equals_the_build(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    every_keyed_table_is_big(monkeypatch)
    first = publish_warehouse(settings, "run-1")
    assert first.written_from_scratch_because == "no published file yet"
    assert set(first.written.values()) == {None}
    run_1_rows = settings.published_db.read_bytes()

    # A week: corrected quantities in one (unit, jornada) group, a group withdrawn, a new one.
    [(unit, jornada)] = execute(
        settings.build_db,
        "select unit_id, jornada_id from core.fct_activities order by unit_id, jornada_id limit 1",
    )
    [(gone_unit, gone_jornada)] = execute(
        settings.build_db,
        "select unit_id, jornada_id from core.fct_activities "
        "order by unit_id desc, jornada_id desc limit 1",
    )
    execute(
        settings.build_db,
        "update core.fct_activities set quantity = quantity + 1 "
        "where unit_id = ? and jornada_id = ?",
        [unit, jornada],
    )
    execute(
        settings.build_db,
        "delete from core.fct_activities where unit_id = ? and jornada_id = ?",
        [gone_unit, gone_jornada],
    )
    execute(
        settings.build_db,
        "insert into core.fct_activities by name select * replace ('2099-01' as jornada_id) "
        "from core.fct_activities where unit_id = ? and jornada_id = ?",
        [unit, jornada],
    )
    rebuild_marts(settings.build_db)
    # A table the build no longer has must leave the published file too.
    execute(settings.build_db, "create table marts.retired as select 1 as x")
    week = publish_warehouse(settings, "run-2")
    # The corrected group, the withdrawn one and the new one.
    assert week.written["core.fct_activities"] == 3
    assert differences_from_build(settings) == {}
    execute(settings.build_db, "drop table marts.retired")

    second = publish_warehouse(settings, "run-3")
    assert second.written_from_scratch_because is None
    assert second.written["core.fct_activities"] == 0  # run-2 already brought it up to date
    assert second.written["marts.unit_activity"] == 0
    assert "marts.retired" not in second.tables
    assert differences_from_build(settings) == {}
    # The version it replaced was never written to.
    assert published_run_id(settings.previous_db) == "run-2"
    assert run_1_rows != settings.published_db.read_bytes()


def test_row_level_publish_replaces_exactly_the_changed_groups(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    every_keyed_table_is_big(monkeypatch)
    publish_warehouse(settings, "run-1")
    change_the_data(settings, 2)  # one unit's surgeries, in every jornada it reported
    [(changed_groups,)] = execute(
        settings.build_db,
        "select count(distinct (unit_id, jornada_id)) from core.fct_activities "
        "where unit_id = (select min(unit_id) from core.fct_activities "
        "where activity = 'surgery') and activity = 'surgery'",
    )
    result = publish_warehouse(settings, "run-2")
    assert result.written_from_scratch_because is None
    assert changed_groups > 0
    assert result.written["core.fct_activities"] == changed_groups
    assert result.written["marts.unit_activity"] == changed_groups
    assert result.written["marts.jornada_activity"] is None  # no unit_id: written whole
    assert differences_from_build(settings) == {}
    facts, marts = facts_and_marts_agree(settings.published_db)
    assert facts == marts


def test_changed_columns_and_free_space_make_a_table_or_file_written_whole(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    every_keyed_table_is_big(monkeypatch)
    publish_warehouse(settings, "run-1")
    execute(settings.build_db, "alter table marts.unit_activity add column note varchar")
    result = publish_warehouse(settings, "run-2")
    assert result.written["marts.unit_activity"] is None
    assert result.written["core.fct_activities"] == 0
    assert differences_from_build(settings) == {}

    monkeypatch.setattr(publish_module, "MAX_FREE_BLOCK_SHARE", -1.0)
    result = publish_warehouse(settings, "run-3")
    assert "compacting" in (result.written_from_scratch_because or "")
    assert set(result.written.values()) == {None}
    assert differences_from_build(settings) == {}


CHILD_PUBLISH = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from dagster_project.publish import publish_warehouse
    from dagster_project.settings import get_settings

    run_id, stop_at, marker = sys.argv[1], sys.argv[2], Path(sys.argv[3])

    def hook(stage):
        if stage == stop_at:
            marker.write_text(stage)
            time.sleep(3600)

    publish_warehouse(get_settings(), run_id, on_stage=hook)
    """
)


def wait_for(path: Path, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + CHILD_WAIT_SECONDS
    while not path.exists():
        if process.poll() is not None:
            raise AssertionError(f"child exited early: {process.communicate()}")
        if time.monotonic() > deadline:
            process.kill()
            raise AssertionError("child never reached its stage")
        time.sleep(0.05)


@pytest.mark.parametrize(
    "stage, visible_run",
    [
        ("copying", "run-1"),
        ("copied:marts.jornada_activity", "run-1"),  # mid-copy: half the tables written
        ("copied", "run-1"),
        ("checked", "run-1"),
        ("previous_kept", "run-1"),
        ("replaced", "run-2"),
    ],
)
def test_kill_9_during_publish_leaves_a_complete_warehouse(
    settings: Settings, tmp_path: Path, stage: str, visible_run: str
) -> None:
    publish_warehouse(settings, "run-1")
    change_the_data(settings, 5)
    marker = tmp_path / "reached"
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD_PUBLISH, "run-2", stage, str(marker)],
        env=os.environ.copy(),
        cwd=Path(__file__).resolve().parent.parent,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    wait_for(marker, child)
    child.send_signal(signal.SIGKILL)
    child.wait()

    # What analysts see right after the crash: a complete version whose marts agree with it.
    assert published_run_id(settings.published_db) == visible_run
    facts, marts = facts_and_marts_agree(settings.published_db)
    assert facts == marts

    # The next refresh cleans up and publishes normally.
    change_the_data(settings, 1)
    publish_warehouse(settings, "run-3")
    assert published_run_id(settings.published_db) == "run-3"
    assert published_run_id(settings.previous_db) == visible_run
    assert leftovers(settings) == []
    assert not list(settings.home.glob("*.tmp-*")) and not list(settings.home.glob("*.wal"))


CHILD_HOLD_LOCK = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from dagster_project.publish import refresh_lock
    from dagster_project.settings import get_settings

    with refresh_lock(get_settings()):
        Path(sys.argv[1]).write_text("held")
        time.sleep(3600)
    """
)


def test_refreshes_are_serialized_and_a_killed_holder_releases_the_lock(
    settings: Settings, tmp_path: Path
) -> None:
    marker = tmp_path / "held"
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD_HOLD_LOCK, str(marker)],
        env=os.environ.copy(),
        cwd=Path(__file__).resolve().parent.parent,
    )
    wait_for(marker, child)
    with (
        pytest.raises(RefreshInProgress, match=f"pid {child.pid}"),
        refresh_lock(settings, wait=False),
    ):
        pass
    child.send_signal(signal.SIGKILL)
    child.wait()
    with refresh_lock(settings, wait=False), refresh_lock(settings, wait=False):
        # Re-entrant within a process: the CLI holds it around a run whose resource takes it.
        publish_warehouse(settings, "run-1")
    assert published_run_id(settings.published_db) == "run-1"
