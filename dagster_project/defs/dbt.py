"""The dbt project as Dagster assets: one `dbt build` over the manifest.

The manifest is prepared before the code location loads (`jornadas setup` runs `dbt parse`
when it is missing or stale); only `dagster dev` parses on load. Asset keys are
[schema, model] (seeds: ["seeds", name]); `source('raw', X)` is the ingest asset ["raw", X];
a model's group is its folder under models/.

The unit-report models are incremental: a build processes only the files that arrived since the
last one (and recomputes the verdicts of the (unit, jornada) pairs they touch). Whatever the
incremental models cannot see coming - a change to the dbt project itself (models, macros, seed
catalogs), other dbt vars, a re-ingest that rewrote raw lines of known files - makes this asset
run `dbt build --full-refresh` instead. dbt's unit tests test the SQL, not the data: they run in
the test suite (tests/test_incremental.py), not in every refresh.
"""

import hashlib
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
    dbt_vars = {"synthetic_calendar": True} if config.synthetic_calendar else {}
    args = ["build", "--exclude-resource-type", "unit_test"]
    if dbt_vars:
        args += ["--vars", json.dumps(dbt_vars)]
    fingerprint = build_fingerprint(dbt_vars)
    fingerprint_file = settings.build_dir / "dbt_build_fingerprint.txt"
    previous = fingerprint_file.read_text().strip() if fingerprint_file.exists() else None
    reingest = _reingest_requested(context)
    if previous != fingerprint or reingest:
        why = "a re-ingest rewrote raw lines" if reingest else "the dbt project or vars changed"
        context.log.info(f"dbt build --full-refresh: {why} since the last build")
        args.append("--full-refresh")
        # Until a full build succeeds, the next build must be a full one too. (An incremental
        # build that fails is simply resumed: its files are not marked built.)
        fingerprint_file.unlink(missing_ok=True)
    # Artefacts and logs stay with the warehouse they built, never in the repository.
    target_path = settings.build_dir / "dbt_target"
    yield from dbt.cli(args, context=context, target_path=target_path).stream()
    if not context.is_subset:
        # Only a build of every model vouches for the incremental tables.
        fingerprint_file.write_text(fingerprint + "\n")


# Folders dbt writes into; nothing in them changes what a build produces.
_GENERATED = {"target", "logs", "dbt_packages"}


def build_fingerprint(dbt_vars: Mapping[str, Any]) -> str:
    """A digest of everything besides raw data that decides what a build produces."""
    digest = hashlib.sha256(json.dumps(dict(dbt_vars), sort_keys=True).encode())
    for path in sorted(DBT_PROJECT_DIR.rglob("*")):
        relative = path.relative_to(DBT_PROJECT_DIR)
        if relative.parts[0] in _GENERATED or not path.is_file():
            continue
        digest.update(relative.as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def _reingest_requested(context: dg.AssetExecutionContext) -> bool:
    ops = (context.run.run_config or {}).get("ops", {})
    return any(
        (ops.get(step) or {}).get("config", {}).get("reingest", False)
        for step in ("raw__unit_report_lines", "raw__goal_lines")
    )


defs = dg.Definitions(
    assets=[jornadas_dbt_models],
    resources={"dbt": DbtCliResource(project_dir=dbt_project)},
)
