"""The publish asset and the refresh lock resource.

`publish/published_warehouse` depends on every dbt model of the published schemas (core,
marts, audit; the bulletin models land there too), so it runs after all of them and after
every blocking check on them. It refuses to publish when an ERROR check of the run failed,
even if Dagster's blocking were bypassed.

The `refresh_lock` resource holds the refresh lock for the whole run: with the in-process
executor, resources are set up before the first step and torn down after the last.
"""

import importlib
from collections.abc import Iterable, Sequence

import dagster as dg
from dagster import AssetExecutionContext

from dagster_project.defs.quality import QUALITY_SUITES
from dagster_project.publish import publish_warehouse, refresh_lock
from dagster_project.quality.suites import Suite
from dagster_project.settings import get_settings

PUBLISH_ASSET_KEY = dg.AssetKey(["publish", "published_warehouse"])
PUBLISHED_SCHEMAS = ("core", "marts", "audit")


@dg.resource(description="Exclusive refresh lock on JORNADAS_HOME, held for the whole run.")
def refresh_lock_resource(_: dg.InitResourceContext):
    with refresh_lock(get_settings()):
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
            "Copies core, marts and audit into a new DuckDB file (storage v1.5.0), checks it, "
            "and atomically replaces JORNADAS_HOME/jornadas.duckdb; keeps the previous version."
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
            }
        )

    return published_warehouse


published_warehouse = build_publish_asset(dbt_published_keys(), QUALITY_SUITES)

defs = dg.Definitions(
    assets=[published_warehouse],
    resources={"refresh_lock": refresh_lock_resource},
)
