"""The gate inside Dagster: blocking asset checks stop the publish asset in the same run.

A small asset graph over the crafted build database (the assets only stand for the dbt
models that built it) with the real suite checks, the real publish asset and the refresh
lock resource, executed in process like `jornadas refresh`.
"""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import pytest

from dagster_project.defs.publish import build_publish_asset, refresh_lock_resource
from dagster_project.defs.quality import build_quality_checks
from dagster_project.publish import published_run_id
from dagster_project.quality import gx_worker
from dagster_project.quality.suites import load_suites
from dagster_project.settings import BUILD_DB_ENV, EXPECTATIONS_DIR, HOME_ENV, Settings
from tests.test_quality_data import LATEST_JORNADA, build_crafted_warehouse, execute

GUARDED = ("core_fct_activities", "marts_jornada_activity", "marts_goal_attainment")


def stand_in(key: list[str], deps: list[list[str]]) -> dg.AssetsDefinition:
    @dg.asset(key=key, deps=[dg.AssetKey(d) for d in deps])
    def _model() -> None:
        """Stands for the dbt model already built in the crafted database."""

    return _model


@pytest.fixture(scope="session")
def great_expectations_context():
    gx_worker.ready()


@pytest.fixture
def refresh_job(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, great_expectations_context):
    home, build_db = tmp_path / "home", tmp_path / "build.duckdb"
    monkeypatch.setenv(HOME_ENV, str(home))
    monkeypatch.setenv(BUILD_DB_ENV, str(build_db))
    build_crafted_warehouse(build_db, "first-delivery")
    suites = [s for s in load_suites(EXPECTATIONS_DIR) if s.name in GUARDED]
    facts = ["core", "fct_activities"]
    models = [
        stand_in(facts, []),
        stand_in(["marts", "jornada_activity"], [facts]),
        stand_in(["marts", "goal_attainment"], [facts]),
    ]
    publish = build_publish_asset([m.key for m in models], suites)
    defs = dg.Definitions(
        assets=[*models, publish],
        asset_checks=build_quality_checks(suites),
        jobs=[dg.define_asset_job("refresh", selection=dg.AssetSelection.all())],
        resources={"refresh_lock": refresh_lock_resource},
    )
    return defs.resolve_job_def("refresh"), Settings(raw_dir=tmp_path, home=home)


def test_a_clean_run_publishes_with_its_quality_results(refresh_job) -> None:
    job, settings = refresh_job
    result = job.execute_in_process()
    assert result.success
    assert published_run_id(settings.published_db) == result.run_id
    [(suites,)] = execute(
        settings.published_db,
        "select count(distinct suite) from audit.quality_results where run_id = ?",
        [result.run_id],
    )
    assert suites == len(GUARDED)


def test_a_failing_blocking_check_stops_publication_and_keeps_the_old_warehouse(
    refresh_job,
) -> None:
    job, settings = refresh_job
    first = job.execute_in_process()
    assert first.success
    published_before = settings.published_db.stat()

    # A bad batch: the national row of goal_attainment no longer sums its units.
    execute(
        settings.build_db,
        "update marts.goal_attainment set performed = performed * 2, attainment_pct = null "
        "where level = 'national' and jornada_id = ? and activity = 'surgery'",
        [LATEST_JORNADA],
    )
    second = job.execute_in_process(raise_on_error=False)
    assert not second.success

    evaluations = {e.check_name: e for e in second.get_asset_check_evaluations()}
    blocked = evaluations["marts_goal_attainment"]
    assert (blocked.passed, blocked.severity) == (False, dg.AssetCheckSeverity.ERROR)
    assert "unit_performed_adds_up_to_national" in (blocked.description or "")
    assert evaluations["marts_jornada_activity"].passed

    materialized = {tuple(e.asset_key.path) for e in second.get_asset_materialization_events()}
    assert ("publish", "published_warehouse") not in materialized
    after = settings.published_db.stat()
    assert (after.st_ino, after.st_mtime_ns) == (
        published_before.st_ino,
        published_before.st_mtime_ns,
    )
    assert published_run_id(settings.published_db) == first.run_id
