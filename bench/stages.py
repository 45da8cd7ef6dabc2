"""Stage timings of a `jornadas refresh` run, read from its Dagster instance.

The run's step events hold each step's start and end; steps are grouped into the five stages
of issue 6 by their step key. The lookup runs in the harness process after the refresh ended,
so it never contends with the run for the instance's storage.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

STAGES = ("ingest", "dbt", "checks", "publish", "reports")


ASSET_STAGES = {"raw": "ingest", "publish": "publish", "reports": "reports"}


def stage_of(step_key: str, asset_roots: set[str], evaluates_checks: bool) -> str:
    """A step that materialized assets belongs to their stage (`raw/*` ingest, `publish/*`,
    `reports/*`, every other root is a dbt schema); a step that only evaluated checks is a
    quality step; a step that did neither (it failed) is named by its key."""
    if asset_roots:
        stages = {ASSET_STAGES.get(root, "dbt") for root in asset_roots}
        return stages.pop() if len(stages) == 1 else "dbt" if "dbt" in stages else "other"
    if evaluates_checks:
        return "checks"
    key = step_key.lower()
    if "publish" in key:
        return "publish"
    if "report" in key and not key.startswith("raw__"):
        return "reports"
    if "check" in key or "quality" in key or "expect" in key or "suite" in key:
        return "checks"
    if key.startswith("raw__") or "ingest" in key or "bulletin" in key:
        return "ingest"
    if "dbt" in key:
        return "dbt"
    return "other"


@dataclass
class RunStages:
    run_id: str
    status: str
    run_start: float | None
    run_end: float | None
    steps: list[dict] = field(default_factory=list)  # step_key, stage, start, end, seconds

    def stage_seconds(self) -> dict[str, float]:
        totals = {stage: 0.0 for stage in STAGES}
        for step in self.steps:
            totals[step["stage"]] = totals.get(step["stage"], 0.0) + step["seconds"]
        return totals

    def stage_window(self, stage: str) -> tuple[float, float] | None:
        spans = [(s["start"], s["end"]) for s in self.steps if s["stage"] == stage]
        if not spans:
            return None
        return min(start for start, _ in spans), max(end for _, end in spans)


def latest_run_stages(dagster_home: Path) -> RunStages | None:
    """The step timings of the newest run in the instance under `dagster_home`, if any."""
    from dagster import DagsterEventType, DagsterInstance

    if not (dagster_home / "dagster.yaml").exists():
        return None
    with DagsterInstance.from_config(str(dagster_home)) as instance:
        records = instance.get_run_records(limit=1)
        if not records:
            return None
        record = records[0]
        run = record.dagster_run
        stages = RunStages(
            run_id=run.run_id,
            status=run.status.value,
            run_start=record.start_time,
            run_end=record.end_time,
        )
        evaluations = instance.get_records_for_run(
            run.run_id, of_type=DagsterEventType.ASSET_CHECK_EVALUATION, limit=100_000
        ).records
        checking_steps = {record.event_log_entry.step_key for record in evaluations}
        for stat in instance.get_run_step_stats(run.run_id):
            if stat.start_time is None or stat.end_time is None:
                continue
            roots = {
                event.dagster_event.event_specific_data.materialization.asset_key.path[0]
                for event in stat.materialization_events
            }
            stages.steps.append(
                {
                    "step_key": stat.step_key,
                    "stage": stage_of(stat.step_key, roots, stat.step_key in checking_steps),
                    "status": stat.status.value if stat.status else None,
                    "start": stat.start_time,
                    "end": stat.end_time,
                    "seconds": stat.end_time - stat.start_time,
                }
            )
        stages.steps.sort(key=lambda step: step["start"])
        return stages
