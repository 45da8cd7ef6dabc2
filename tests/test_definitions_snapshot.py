"""The code location's shape, compared with a committed snapshot: every asset (key, group,
upstream keys), asset check, job, schedule and sensor.

A deliberate change updates the snapshot: `UPDATE_SNAPSHOTS=1 uv run pytest
tests/test_definitions_snapshot.py`, then review the diff of tests/snapshots/definitions.json.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

SNAPSHOT = Path(__file__).parent / "snapshots" / "definitions.json"


def describe_definitions(defs) -> dict:
    repository = defs.get_repository_def()
    graph = repository.asset_graph
    assets = {}
    for key in sorted(graph.get_all_asset_keys(), key=lambda k: k.to_user_string()):
        node = graph.get(key)
        assets[key.to_user_string()] = {
            "group": node.group_name,
            "deps": sorted(parent.to_user_string() for parent in node.parent_keys),
            "executable": node.is_executable,
        }
    checks = {}
    for check_key in sorted(graph.asset_check_keys, key=lambda k: k.to_user_string()):
        spec = graph.get_check_spec(check_key)
        checks[check_key.to_user_string()] = {"blocking": spec.blocking}
    jobs = {}
    for job in sorted(repository.get_all_jobs(), key=lambda j: j.name):
        if job.name.startswith("__"):
            continue
        jobs[job.name] = {
            "executor": job.executor_def.name,
            "assets": len(job.asset_layer.selected_asset_keys),
        }
    schedules = {
        schedule.name: {
            "job": schedule.job_name,
            "cron": schedule.cron_schedule,
            "timezone": schedule.execution_timezone,
            "default_status": schedule.default_status.value,
        }
        for schedule in sorted(repository.schedule_defs, key=lambda s: s.name)
    }
    sensors = {
        sensor.name: {
            "jobs": sorted(job.name for job in sensor.jobs) if sensor.has_jobs else [],
            "default_status": sensor.default_status.value,
            "minimum_interval_seconds": sensor.minimum_interval_seconds,
        }
        for sensor in sorted(repository.sensor_defs, key=lambda s: s.name)
    }
    return {
        "assets": assets,
        "asset_checks": checks,
        "jobs": jobs,
        "schedules": schedules,
        "sensors": sensors,
    }


@pytest.fixture(scope="module")
def definitions(dbt_manifest):
    from dagster_project.definitions import defs

    return defs


def test_definitions_match_the_snapshot(definitions):
    current = describe_definitions(definitions)
    if os.environ.get("UPDATE_SNAPSHOTS") == "1":
        SNAPSHOT.parent.mkdir(parents=True, exist_ok=True)
        SNAPSHOT.write_text(json.dumps(current, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    assert SNAPSHOT.exists(), "no snapshot yet: run with UPDATE_SNAPSHOTS=1 and commit it"
    expected = json.loads(SNAPSHOT.read_text(encoding="utf-8"))
    for section in expected:
        assert current[section] == expected[section], (
            f"{section} changed; if intended, run with UPDATE_SNAPSHOTS=1 and review the diff"
        )


def test_the_weekly_schedule_and_the_sensor(definitions):
    """The parts of the snapshot the contract fixes, stated outright."""
    described = describe_definitions(definitions)
    assert described["schedules"]["weekly_refresh_schedule"] == {
        "job": "weekly_refresh",
        "cron": "0 6 * * 1",
        "timezone": "America/Mexico_City",
        "default_status": "RUNNING",
    }
    assert described["sensors"]["landing_folder_sensor"]["default_status"] == "STOPPED"
    assert described["jobs"]["weekly_refresh"]["executor"] == "in_process"
    every_executable = [k for k, a in described["assets"].items() if a["executable"]]
    assert described["jobs"]["weekly_refresh"]["assets"] == len(every_executable)


def test_dbt_sources_are_the_ingest_assets_and_folders_are_groups(definitions):
    assets = describe_definitions(definitions)["assets"]
    for table in ("unit_report_lines", "goal_lines", "files", "file_sightings"):
        assert assets[f"raw/{table}"]["group"] == "ingest"
        assert assets[f"raw/{table}"]["executable"]
    assert "raw/unit_report_lines" in assets["staging/stg_unit_report_lines"]["deps"]
    assert assets["core/fct_activities"]["group"] == "core"
    assert assets["marts/jornada_overview"]["group"] == "marts"
    assert assets["seeds/units"]["group"] == "seeds"
