"""The weekly refresh: one job for every asset, its schedule, and a landing-folder sensor.

- `weekly_refresh` materializes every asset (ingest -> dbt -> checks -> publish -> reports)
  with the in-process executor: steps run one after another, so the build database has one
  writer at a time. Every run of it holds the refresh lock from before its first step to
  after its last (see `holds_refresh_lock`), whoever launched it, so a schedule tick or a
  sensor run never interleaves with a manual `jornadas refresh`: it waits for it.
- `weekly_refresh_schedule` runs it Mondays 06:00 America/Mexico_City; it is on by default,
  so `make dev` (UI + daemon) has it live.
- `landing_folder_sensor` (off by default; switch it on in the UI under Automation) requests a
  refresh when the landing folder changed and has settled: every file has the same size and
  modification time in two consecutive evaluations (a minute apart). Half-written temporary
  names (dotfiles, *.tmp, *.part, ~$*) are ignored, as the ingest ignores them.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import dagster as dg

from dagster_project.ingest.files import is_temporary_name
from dagster_project.settings import get_settings

WEEKLY_REFRESH = "weekly_refresh"
LANDING_SUBFOLDERS = ("unit_reports", "goals", "bulletins")


@dg.success_hook(required_resource_keys={"refresh_lock"})
def holds_refresh_lock(_: dg.HookContext) -> None:
    """Does nothing when it runs: it exists for its resource requirement. The in-process
    executor sets up every resource any step or hook of the run needs before the first step,
    so with this hook on the job even a run of a few assets (none of them needing the lock
    themselves) takes the lock first. The lock resource is in defs/publish.py."""


weekly_refresh = dg.define_asset_job(
    name=WEEKLY_REFRESH,
    selection=dg.AssetSelection.all(),
    executor_def=dg.in_process_executor,
    hooks={holds_refresh_lock},
    description="Ingest the landing folder, build and check the warehouse, publish it only when "
    "every blocking check passed, and render the reports.",
)


def _close_abandoned_runs(context: dg.ScheduleEvaluationContext) -> None:
    """Before asking for a run: fail runs a kill -9 left "in progress", which would keep the
    queue (one run at a time) from ever launching it. Only when no refresh is running."""
    from dagster_project.defs.publish import fail_abandoned_runs_if_idle

    abandoned = fail_abandoned_runs_if_idle(context.instance)
    if abandoned:
        context.log.warning(f"marked abandoned runs as failed: {', '.join(abandoned)}")


@dg.schedule(
    name="weekly_refresh_schedule",
    job=weekly_refresh,
    cron_schedule="0 6 * * 1",
    execution_timezone="America/Mexico_City",
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description="Mondays 06:00, Mexico City time.",
)
def weekly_refresh_schedule(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
    _close_abandoned_runs(context)
    return dg.RunRequest(tags={"jornadas/trigger": "schedule"})


def landing_folder_state(raw_dir: Path) -> dict[str, list[int]]:
    """relative path -> [size, mtime_ns] of every settled-name file under the landing folders."""
    state: dict[str, list[int]] = {}
    for subfolder in LANDING_SUBFOLDERS:
        root = raw_dir / subfolder
        if not root.is_dir():
            continue
        for path in sorted(root.rglob("*")):
            relative = path.relative_to(raw_dir)
            if any(is_temporary_name(part) for part in relative.parts) or not path.is_file():
                continue
            stat = path.stat()
            state[relative.as_posix()] = [stat.st_size, stat.st_mtime_ns]
    return state


def _fingerprint(state: dict[str, list[int]]) -> str:
    return hashlib.sha256(json.dumps(state, sort_keys=True).encode()).hexdigest()


def evaluate_landing_folder(raw_dir: Path, cursor: str | None) -> tuple[str | None, str]:
    """(fingerprint to run for or None, new cursor).

    The cursor holds the fingerprint seen at the previous evaluation and the one last run for.
    A run is requested when the folder looks the same as last time (settled) and differs from
    what was last run for.
    """
    previous = json.loads(cursor) if cursor else {}
    current = _fingerprint(landing_folder_state(raw_dir))
    settled = previous.get("seen") == current
    run_for = current if settled and previous.get("ran") != current else None
    new_cursor = {"seen": current, "ran": run_for or previous.get("ran")}
    return run_for, json.dumps(new_cursor, sort_keys=True)


@dg.sensor(
    name="landing_folder_sensor",
    job=weekly_refresh,
    minimum_interval_seconds=60,
    default_status=dg.DefaultSensorStatus.STOPPED,
    description="Refresh when new files in the landing folder have settled (same size and "
    "modification time across two evaluations); temporary names are ignored. Off by default.",
)
def landing_folder_sensor(context: dg.SensorEvaluationContext):
    raw_dir = get_settings().raw_dir
    run_for, new_cursor = evaluate_landing_folder(raw_dir, context.cursor)
    context.update_cursor(new_cursor)
    if run_for is None:
        return dg.SkipReason(f"{raw_dir}: nothing new, or files still arriving")
    return dg.RunRequest(run_key=run_for, tags={"jornadas/trigger": "landing_folder"})


defs = dg.Definitions(
    jobs=[weekly_refresh],
    schedules=[weekly_refresh_schedule],
    sensors=[landing_folder_sensor],
)
