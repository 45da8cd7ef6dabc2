"""The dbt project as Dagster assets: one `dbt build` over the manifest.

The manifest is prepared before the code location loads (`jornadas setup` runs `dbt parse`
when it is missing or stale); only `dagster dev` parses on load, the same way. Asset keys are
[schema, model] (seeds: ["seeds", name]); `source('raw', X)` is the ingest asset ["raw", X];
a model's group is its folder under models/.

The unit-report models are incremental: a build processes only the files that arrived since the
last one (and recomputes the verdicts of the (unit, jornada) pairs they touch). Whatever the
incremental models cannot see coming - a change to the dbt project itself (models, macros, seed
catalogs), other dbt vars, a re-ingest that rewrote raw lines of known files - makes this asset
run `dbt build --full-refresh` instead. dbt's unit tests test the SQL, not the data: they run in
the test suite (tests/test_incremental.py), not in every refresh.

An incremental build skips the data tests of reference data (seeds, and models built from seeds
alone): their inputs are covered by the fingerprint, so the full build that first wrote it ran
them on these same inputs.

dbt's data tests run inside `dbt build`, which stops at a failed ERROR test; they are not Dagster
asset checks (three Dagster events per test cost more than the tests), and their outcomes are
appended to `audit.quality_results` (suite `dbt`, quality/dbt_tests.py).
"""

import functools
import hashlib
import importlib.metadata
import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import dagster as dg
import duckdb
from dagster_dbt import (
    DagsterDbtTranslator,
    DagsterDbtTranslatorSettings,
    DbtCliResource,
    DbtProject,
    dbt_assets,
)
from dagster_dbt.dbt_project import using_dagster_dev
from packaging import version
from pydantic import Field

from dagster_project.dbt_parse import parse_dbt_project_if_stale
from dagster_project.quality.dbt_tests import dbt_test_outcomes, read_build_artifacts
from dagster_project.quality.results import append_results
from dagster_project.settings import (
    DBT_PROJECT_DIR,
    SYNTHETIC_CALENDAR_ENV,
    dbt_executable,
    digest_source_files,
    duckdb_memory_limit,
    export_environment,
    get_settings,
)

dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)
# Only under `dagster dev`: parse when dbt/ changed, so that model edits show up on reload. Not
# dagster-dbt's `prepare_if_dev`: it parses with plain dbt, whose parse no new home can re-use
# (dagster_project/dbt_parse.py).
if using_dagster_dev():
    parse_dbt_project_if_stale(get_settings())

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


TRANSLATOR = JornadasDbtTranslator(settings=DagsterDbtTranslatorSettings(enable_asset_checks=False))


class JornadasDbtCli(DbtCliResource):
    """`DbtCliResource` without the two things it does before every dbt command that this
    project never uses, which cost ~10 s a build on this machine: running `dbt --version` in a
    subprocess (the dbt in this environment is the dbt-core package installed beside it), and
    loading dbt's macros in-process for an adapter handle (used only to fetch column metadata
    or row counts, which the assets do not ask for). tests/test_dbt_resource.py checks both
    still hold after an upgrade of dagster-dbt."""

    @property
    def _cli_version(self) -> version.Version:
        # From the package metadata: importing dbt.version would import dbt-core here.
        return version.parse(importlib.metadata.version("dbt-core"))

    def _initialize_dbt_core_adapter(self, args):  # noqa: ARG002 - the overridden signature
        return None


class DbtBuildConfig(dg.Config):
    synthetic_calendar: bool = Field(
        default=False,
        description="Union the synthetic benchmark calendar into the jornada calendar "
        "(environment variable JORNADAS_SYNTHETIC_CALENDAR of dbt's process), for the "
        "national-year benchmark data.",
    )


@dbt_assets(
    manifest=dbt_project.manifest_path,
    project=dbt_project,
    dagster_dbt_translator=TRANSLATOR,
    name="dbt_build",
)
def jornadas_dbt_models(
    context: dg.AssetExecutionContext, dbt: JornadasDbtCli, config: DbtBuildConfig
):
    settings = get_settings()
    # dbt runs as a subprocess; its profile reads JORNADAS_BUILD_DB from the environment.
    export_environment(settings)
    # Set either way: dbt's process inherits this one's environment, and an earlier build in
    # this process may have set it.
    os.environ[SYNTHETIC_CALENDAR_ENV] = "true" if config.synthetic_calendar else "false"
    args = ["build", "--exclude-resource-type", "unit_test"]
    fingerprint = build_fingerprint({SYNTHETIC_CALENDAR_ENV: config.synthetic_calendar})
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
    elif unchanged := reference_data_tests(_manifest(dbt_project.manifest_path)):
        # The full build that first wrote this fingerprint ran them, and they passed on these
        # same inputs (a failed ERROR test fails the build, which then writes no fingerprint).
        args += ["--exclude", " ".join(unchanged)]
        context.log.info(
            f"incremental build: {len(unchanged)} data tests of reference data (seeds, and "
            "models built from seeds alone) not run again; they passed on the same inputs"
        )
    # Artefacts and logs stay with the warehouse they built, never in the repository.
    target_path = settings.build_dir / "dbt_target"
    # A build that dies before writing results must not leave the previous build's behind.
    (target_path / "run_results.json").unlink(missing_ok=True)
    invocation = dbt.cli(args, context=context, target_path=target_path, raise_on_error=False)
    for event in invocation.stream():
        # With tests not mapped to checks, dagster-dbt reports each as an observation of the
        # models it reads; the outcomes go to audit.quality_results instead.
        if not isinstance(event, dg.AssetObservation):
            yield event
    try:
        failed_tests = _record_test_outcomes(context.run_id, target_path)
    except Exception as error:
        if invocation.is_successful():
            raise RuntimeError(f"dbt's test outcomes could not be recorded: {error}") from error
        # dbt's own error is what the operator needs; the recording problem goes to the log.
        context.log.error(f"dbt's test outcomes could not be recorded: {error!r}")
        failed_tests = []
    if not invocation.is_successful():
        failed = "".join(f"\n  {line}" for line in failed_tests)
        raise dg.Failure(
            f"dbt build failed: {invocation.get_error()}{failed}",
            metadata={"failed_tests": dg.MetadataValue.json(failed_tests)},
        )
    if not context.is_subset:
        # Only a build of every model vouches for the incremental tables.
        fingerprint_file.write_text(fingerprint + "\n")


def build_fingerprint(build_options: Mapping[str, Any]) -> str:
    """A digest of everything besides raw data that decides what a build produces: the dbt
    project, the build's options (the environment its models read), DuckDB's version (stored
    fingerprints use its `hash`) and dbt's (it loads the seeds and compiles the SQL; an
    incremental build does not test reference data again, reference_data_tests)."""
    digest = hashlib.sha256(json.dumps(dict(build_options), sort_keys=True).encode())
    digest.update(f"duckdb {duckdb.__version__}".encode())
    for package in ("dbt-core", "dbt-duckdb"):
        digest.update(f"{package} {importlib.metadata.version(package)}".encode())
    digest_source_files(digest, DBT_PROJECT_DIR)
    return digest.hexdigest()


def reference_data_tests(manifest: Mapping[str, Any]) -> list[str]:
    """The data tests that read only seeds and models built from seeds alone. What they test
    depends on nothing but the dbt project and its vars, which the build fingerprint covers."""
    nodes = manifest["nodes"]

    def parents(node: Mapping[str, Any]) -> list[str]:
        return node.get("depends_on", {}).get("nodes", [])

    reference = {uid for uid, node in nodes.items() if node["resource_type"] == "seed"}
    grew = True
    while grew:
        grew = False
        for uid, node in nodes.items():
            if (
                node["resource_type"] == "model"
                and uid not in reference
                and parents(node)
                and all(parent in reference for parent in parents(node))
            ):
                reference.add(uid)
                grew = True
    return sorted(
        node["name"]
        for node in nodes.values()
        if node["resource_type"] == "test"
        and parents(node)
        and all(parent in reference for parent in parents(node))
    )


def _manifest(path: Path) -> dict[str, Any]:
    return _manifest_as_of(path, path.stat().st_mtime_ns)


@functools.cache
def _manifest_as_of(path: Path, mtime_ns: int) -> dict[str, Any]:  # noqa: ARG001 - the cache key
    return json.loads(path.read_text(encoding="utf-8"))


def asset_names(manifest: Mapping[str, Any]) -> dict[str, str]:
    """Each model's and seed's unique_id -> its asset, as Dagster names it (e.g. 'core/x')."""
    return {
        unique_id: TRANSLATOR.get_asset_key(node).to_user_string()
        for unique_id, node in manifest["nodes"].items()
        if node["resource_type"] in ("model", "seed", "snapshot")
    }


def _record_test_outcomes(run_id: str, target_path) -> list[str]:
    """Append the build's data-test outcomes to audit.quality_results; the failed ones, in words."""
    artefacts = read_build_artifacts(target_path)
    if artefacts is None:
        return []
    run_results, manifest = artefacts
    outcomes = dbt_test_outcomes(run_results, manifest, asset_names(manifest))
    if not outcomes:
        return []
    settings = get_settings()
    con = duckdb.connect(str(settings.build_db), config={"memory_limit": duckdb_memory_limit()})
    try:
        append_results(con, run_id, outcomes)
    finally:
        con.close()
    return [
        f"{o.severity} {o.check_name} on {o.asset}: {o.observed_value}"
        for o in outcomes
        if not o.passed
    ]


def _reingest_requested(context: dg.AssetExecutionContext) -> bool:
    ops = (context.run.run_config or {}).get("ops", {})
    return any(
        (ops.get(step) or {}).get("config", {}).get("reingest", False)
        for step in ("raw__unit_report_lines", "raw__goal_lines")
    )


defs = dg.Definitions(
    assets=[jornadas_dbt_models],
    resources={"dbt": JornadasDbtCli(project_dir=dbt_project, dbt_executable=dbt_executable())},
)
