"""The landing-folder sensor: a refresh only once new files have settled."""

from __future__ import annotations

import os
from pathlib import Path

import dagster as dg

from dagster_project.defs.schedules import evaluate_landing_folder, landing_folder_sensor


def drop(raw: Path, relpath: str, content: str = "x") -> Path:
    path = raw / relpath
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(content)
    return path


def test_a_run_is_requested_once_the_folder_has_settled(tmp_path: Path):
    drop(tmp_path, "unit_reports/a.csv")
    run_for, cursor = evaluate_landing_folder(tmp_path, None)
    assert run_for is None  # first sight: not settled yet
    run_for, cursor = evaluate_landing_folder(tmp_path, cursor)
    assert run_for is not None  # same size and mtime twice: settled and new
    again, cursor = evaluate_landing_folder(tmp_path, cursor)
    assert again is None  # already ran for this state


def test_a_file_still_growing_delays_the_run(tmp_path: Path):
    _, cursor = evaluate_landing_folder(tmp_path, None)
    _, cursor = evaluate_landing_folder(tmp_path, cursor)
    path = drop(tmp_path, "goals/g.csv", "unit_id")
    run_for, cursor = evaluate_landing_folder(tmp_path, cursor)
    assert run_for is None
    path.write_text("unit_id,jornada_id")  # the producer is still writing
    run_for, cursor = evaluate_landing_folder(tmp_path, cursor)
    assert run_for is None
    run_for, cursor = evaluate_landing_folder(tmp_path, cursor)
    assert run_for is not None


def test_temporary_names_never_trigger_a_run(tmp_path: Path):
    drop(tmp_path, "unit_reports/a.csv")
    _, cursor = evaluate_landing_folder(tmp_path, None)
    settled, cursor = evaluate_landing_folder(tmp_path, cursor)
    assert settled is not None
    for name in ("unit_reports/.b.csv", "unit_reports/c.csv.part", "goals/d.tmp", "goals/~$e.xlsx"):
        temporary = drop(tmp_path, name)
        os.utime(temporary, ns=(1, 1))
        for _ in range(2):
            run_for, cursor = evaluate_landing_folder(tmp_path, cursor)
            assert run_for is None, name


def test_the_sensor_requests_the_weekly_refresh(tmp_path: Path, monkeypatch):
    monkeypatch.setenv("JORNADAS_RAW_DIR", str(tmp_path))
    drop(tmp_path, "unit_reports/a.csv")
    with dg.instance_for_test() as instance:
        context = dg.build_sensor_context(instance=instance)
        first = landing_folder_sensor(context)
        context = dg.build_sensor_context(instance=instance, cursor=context.cursor)
        second = landing_folder_sensor(context)
    assert isinstance(first, dg.SkipReason)
    assert isinstance(second, dg.RunRequest)
    assert landing_folder_sensor.job_name == "weekly_refresh"
