"""The dbt project as Dagster assets: one `dbt build` over the manifest.

The manifest is prepared before the code location loads (`jornadas setup` runs `dbt parse`
when it is missing or stale); only `dagster dev` parses on load. Asset keys are
[schema, model] (seeds: ["seeds", name]); `source('raw', X)` is the ingest asset ["raw", X];
a model's group is its folder under models/.
"""

import json
from collections.abc import Mapping
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, DbtProject, dbt_assets
from pydantic import Field

from dagster_project.settings import DBT_PROJECT_DIR, export_environment, get_settings

dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)
# Only under `dagster dev` (DAGSTER_IS_DEV_CLI): parse so that model edits show up on reload.
dbt_project.prepare_if_dev()

if not dbt_project.manifest_path.exists():
    raise FileNotFoundError(
        f"The dbt manifest {dbt_project.manifest_path} is missing: run `jornadas setup` "
        "(or `make setup`) first, which runs `dbt parse`."
    )


class JornadasDbtTranslator(DagsterDbtTranslator):
    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        resource_type = dbt_resource_props["resource_type"]
        if resource_type == "source":
            return dg.AssetKey([dbt_resource_props["source_name"], dbt_resource_props["name"]])
        if resource_type == "seed":
            return dg.AssetKey(["seeds", dbt_resource_props["name"]])
        return dg.AssetKey([dbt_resource_props["schema"], dbt_resource_props["name"]])

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        if dbt_resource_props["resource_type"] == "seed":
            return "seeds"
        fqn = dbt_resource_props.get("fqn", [])
        # fqn is [project, folder, ..., name]: the first folder under models/ is the group.
        return fqn[1] if len(fqn) > 2 else "dbt"


class DbtBuildConfig(dg.Config):
    synthetic_calendar: bool = Field(
        default=False,
        description="Union the synthetic benchmark calendar into the jornada calendar "
        "(dbt var synthetic_calendar), for the national-year benchmark data.",
    )


@dbt_assets(
    manifest=dbt_project.manifest_path,
    project=dbt_project,
    dagster_dbt_translator=JornadasDbtTranslator(),
    name="dbt_build",
)
def jornadas_dbt_models(
    context: dg.AssetExecutionContext, dbt: DbtCliResource, config: DbtBuildConfig
):
    settings = get_settings()
    # dbt runs as a subprocess; its profile reads JORNADAS_BUILD_DB from the environment.
    export_environment(settings)
    args = ["build"]
    if config.synthetic_calendar:
        args += ["--vars", json.dumps({"synthetic_calendar": True})]
    # Artefacts and logs stay with the warehouse they built, never in the repository.
    target_path = settings.build_dir / "dbt_target"
    yield from dbt.cli(args, context=context, target_path=target_path).stream()


defs = dg.Definitions(
    assets=[jornadas_dbt_models],
    resources={"dbt": DbtCliResource(project_dir=dbt_project)},
)
