"""The publish asset and the refresh lock resource.

`publish/published_warehouse` depends on every dbt model of the published schemas (core,
marts, audit; the bulletin models land there too), so it runs after all of them and after
every blocking check on them. It refuses to publish when an ERROR check of the run failed,
even if Dagster's blocking were bypassed.

The `refresh_lock` resource holds the refresh lock for the whole run: with the in-process
executor, resources are set up before the first step and torn down after the last. Once it
holds the lock it also closes the books on runs that died without saying so (kill -9): left
"in progress" they would stall the daemon's run queue (`max_concurrent_runs: 1`) for good.
"""

import importlib
import os
import socket
from collections.abc import Iterable, Sequence

import dagster as dg
from dagster import AssetExecutionContext

from dagster_project.defs.quality import QUALITY_SUITES
from dagster_project.publish import RefreshInProgress, publish_warehouse, refresh_lock
from dagster_project.quality.suites import Suite
from dagster_project.settings import get_settings

PUBLISH_ASSET_KEY = dg.AssetKey(["publish", "published_warehouse"])
PUBLISHED_SCHEMAS = ("core", "marts", "audit")


# Tags that say which process holds (or held) the refresh lock for a run.
LOCK_PID_TAG = "jornadas/lock_pid"
LOCK_HOST_TAG = "jornadas/lock_host"
TRIGGER_TAG = "jornadas/trigger"
# Runs that may hold the lock; QUEUED runs wait in the daemon's queue and hold nothing.
_MAYBE_RUNNING = [
    dg.DagsterRunStatus.NOT_STARTED,
    dg.DagsterRunStatus.STARTING,
    dg.DagsterRunStatus.STARTED,
    dg.DagsterRunStatus.CANCELING,
]


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, under another user
        return True
    return True


def _abandoned(run: dg.DagsterRun, host: str) -> bool:
    """Whether `run`, still marked in progress, is certainly dead. Call only under the lock."""
    pid = run.tags.get(LOCK_PID_TAG)
    if pid is not None:
        # It held the lock; we hold it now, so it released it: finished, or died.
        return run.tags.get(LOCK_HOST_TAG) == host and not _process_alive(int(pid))
    # `jornadas refresh` takes the lock before it creates its run and keeps it until the run
    # has ended, so a CLI run still in progress while we hold the lock is dead.
    return run.tags.get(TRIGGER_TAG) == "cli"


def fail_abandoned_runs(instance: dg.DagsterInstance, current_run_id: str | None) -> list[str]:
    """Mark as failed the runs a killed process left "in progress"; returns their ids."""
    host = socket.gethostname()
    failed = []
    for run in instance.get_runs(filters=dg.RunsFilter(statuses=_MAYBE_RUNNING)):
        if run.run_id == current_run_id or not _abandoned(run, host):
            continue
        instance.report_run_failed(
            run,
            message="Abandoned: its process died (e.g. killed) while it held the refresh lock; "
            f"marked failed by run {current_run_id} on taking the lock.",
        )
        failed.append(run.run_id)
    return failed


def fail_abandoned_runs_if_idle(instance: dg.DagsterInstance) -> list[str]:
    """`fail_abandoned_runs` when no refresh holds the lock (else nothing: the running one did
    it when it took the lock). For the schedule and the sensor: a killed run left "in
    progress" would otherwise keep the daemon's queue from ever launching the run they ask for.
    """
    try:
        with refresh_lock(get_settings(), wait=False):
            return fail_abandoned_runs(instance, None)
    except RefreshInProgress:
        return []


@dg.resource(description="Exclusive refresh lock on JORNADAS_HOME, held for the whole run.")
def refresh_lock_resource(context: dg.InitResourceContext):
    with refresh_lock(get_settings()):
        run = context.dagster_run
        if context.instance is not None and run is not None:
            context.instance.add_run_tags(
                run.run_id, {LOCK_PID_TAG: str(os.getpid()), LOCK_HOST_TAG: socket.gethostname()}
            )
            abandoned = fail_abandoned_runs(context.instance, run.run_id)
            if abandoned:
                context.log.warning(f"marked abandoned runs as failed: {', '.join(abandoned)}")
        yield "held"


def dbt_published_keys() -> list[dg.AssetKey]:
    """Keys of the dbt models in the published schemas, read from the dbt assets definition."""
    module = importlib.import_module("dagster_project.defs.dbt")
    definitions = [v for v in vars(module).values() if isinstance(v, dg.AssetsDefinition)]
    module_defs = getattr(module, "defs", None)
    if isinstance(module_defs, dg.Definitions):
        definitions += [a for a in module_defs.assets or [] if isinstance(a, dg.AssetsDefinition)]
    keys = {key for assets in definitions for key in assets.keys}
    return sorted((k for k in keys if k.path[0] in PUBLISHED_SCHEMAS), key=lambda k: k.path)


def required_suites(run: dg.DagsterRun, suites: Sequence[Suite]) -> list[str]:
    """The suites whose checks this run was meant to execute (all of them in a full refresh)."""
    if run.asset_check_selection is not None:
        selected = {(tuple(k.asset_key.path), k.name) for k in run.asset_check_selection}
        return [s.name for s in suites if (s.asset, s.name) in selected]
    if run.asset_selection is not None:
        assets = {tuple(key.path) for key in run.asset_selection}
        return [s.name for s in suites if s.asset in assets]
    return [s.name for s in suites]


def build_publish_asset(
    dep_keys: Iterable[dg.AssetKey], suites: Sequence[Suite]
) -> dg.AssetsDefinition:
    @dg.asset(
        key=PUBLISH_ASSET_KEY,
        group_name="publish",
        deps=list(dep_keys),
        required_resource_keys={"refresh_lock"},
        description=(
            "Writes core, marts and audit into a new DuckDB file (storage v1.5.0): a copy of "
            "the published one brought up to date (big tables row by row) or, the first time, "
            "from scratch. Checks it and atomically replaces JORNADAS_HOME/jornadas.duckdb; "
            "keeps the previous version."
        ),
    )
    def published_warehouse(context: AssetExecutionContext) -> dg.MaterializeResult:
        settings = get_settings()
        result = publish_warehouse(
            settings, context.run_id, required_suites=required_suites(context.run, suites)
        )
        return dg.MaterializeResult(
            metadata={
                "published_file": dg.MetadataValue.path(str(result.published_file)),
                "previous_file": str(result.previous_file or ""),
                "tables": len(result.tables),
                "rows": dg.MetadataValue.json(result.tables),
                "checked_with_duckdb_cli": result.checked_with_cli,
                "groups_replaced_row_by_row": dg.MetadataValue.json(
                    {name: n for name, n in result.written.items() if n is not None}
                ),
                "written_from_scratch_because": result.written_from_scratch_because or "",
            }
        )

    return published_warehouse


published_warehouse = build_publish_asset(dbt_published_keys(), QUALITY_SUITES)

defs = dg.Definitions(
    assets=[published_warehouse],
    resources={"refresh_lock": refresh_lock_resource},
)
