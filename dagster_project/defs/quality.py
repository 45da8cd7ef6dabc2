"""Great Expectations suites as blocking Dagster asset checks: one check per suite in expectations/,
evaluated by one step per layer (raw, staging, core, audit, marts).

A failed ERROR expectation fails the suite's check with ERROR severity, which stops every asset
downstream in the same run (publication included). A suite whose failures are all WARN fails
with WARN severity, which is reported and blocks nothing. Every outcome is also appended to
`audit.quality_results`, and the offending rows travel in the check's metadata.

One step per layer rather than per suite: the suites of a layer share one connection, one
scope computation and one data-docs rendering, and Dagster's per-step cost is paid 5 times
instead of 14. The checks themselves (names, assets, blocking) are the same as one per suite.
"""

import json
from collections import defaultdict

import dagster as dg
from dagster import AssetCheckExecutionContext

from dagster_project.quality.engine import SuiteRun
from dagster_project.quality.gate import run_quality_gates
from dagster_project.quality.suites import Suite, load_suites
from dagster_project.settings import EXPECTATIONS_DIR, get_settings

OFFENDING_ROWS_IN_METADATA = 10


def _markdown_rows(rows: list[dict]) -> str:
    if not rows:
        return "(no rows captured)"
    columns = list(rows[0])
    lines = ["| " + " | ".join(columns) + " |", "|" + " --- |" * len(columns)]
    for row in rows[:OFFENDING_ROWS_IN_METADATA]:
        lines.append("| " + " | ".join(str(row.get(c)) for c in columns) + " |")
    return "\n".join(lines)


def check_result(suite_run: SuiteRun, data_docs: str) -> dg.AssetCheckResult:
    """The Dagster verdict of a suite run: ERROR if any ERROR check failed, else WARN."""
    blocking, warnings = suite_run.blocking_failures, suite_run.warnings
    failed = blocking + warnings
    report = "\n\n".join(
        f"**{item.check_name}** ({item.severity}): {item.observed_value}. {item.description}\n\n"
        + _markdown_rows(item.offending_rows)
        for item in failed
    )
    target = {
        "asset_key": dg.AssetKey(list(suite_run.suite.asset)),
        "check_name": suite_run.suite.name,
    }
    metadata = {
        "suite": suite_run.suite.name,
        "batch_rows": suite_run.batch_rows,
        "scope_files": suite_run.scope.get("scope_files", 0),
        "scope_units": suite_run.scope.get("scope_units", 0),
        "scope_jornadas": suite_run.scope.get("scope_jornadas", 0),
        "checks_run": len(suite_run.outcomes),
        "checks_failed_error": len(blocking),
        "checks_failed_warn": len(warnings),
        "failed_checks": dg.MetadataValue.json(
            [
                {"check": i.check_name, "severity": i.severity, "observed": str(i.observed_value)}
                for i in failed
            ]
        ),
        "offending_rows": dg.MetadataValue.md(report or "all checks passed"),
        "data_docs": dg.MetadataValue.path(data_docs),
    }
    if blocking:
        names = ", ".join(item.check_name for item in blocking)
        return dg.AssetCheckResult(
            **target,
            passed=False,
            severity=dg.AssetCheckSeverity.ERROR,
            metadata=metadata,
            description=f"blocking checks failed: {names}",
        )
    if warnings:
        names = ", ".join(item.check_name for item in warnings)
        return dg.AssetCheckResult(
            **target,
            passed=False,
            severity=dg.AssetCheckSeverity.WARN,
            metadata=metadata,
            description=f"warnings flagged for follow-up: {names}",
        )
    return dg.AssetCheckResult(**target, passed=True, metadata=metadata)


def suite_check_spec(suite: Suite) -> dg.AssetCheckSpec:
    return dg.AssetCheckSpec(
        name=suite.name,
        asset=dg.AssetKey(list(suite.asset)),
        description=f"{suite.description} ({suite.check_count} checks, {suite.path.name})",
        blocking=True,
        metadata={"suite_file": str(suite.path.name), "layer": suite.layer},
    )


def build_layer_checks(layer: str, suites: list[Suite]) -> dg.AssetChecksDefinition:
    """One step that evaluates the selected suites of `layer`, one check result each."""
    by_key = {dg.AssetCheckKey(dg.AssetKey(list(s.asset)), s.name): s for s in suites}

    @dg.multi_asset_check(
        name=f"quality_{layer}",
        specs=[suite_check_spec(suite) for suite in suites],
        can_subset=True,
        required_resource_keys={"refresh_lock"},
        description=f"Great Expectations suites of the {layer} layer (expectations/*.json)",
    )
    def _layer_checks(context: AssetCheckExecutionContext):
        settings = get_settings()
        selected = [by_key[key] for key in by_key if key in context.selected_asset_check_keys]
        suite_runs = run_quality_gates(
            settings.build_db, settings.data_docs_dir, selected, context.run.run_id
        )
        docs = str(settings.data_docs_dir / "index.html")
        for suite_run in suite_runs:
            context.log.info(
                json.dumps(
                    {
                        "suite": suite_run.suite.name,
                        "batch_rows": suite_run.batch_rows,
                        "failed": [i.check_name for i in suite_run.outcomes if not i.passed],
                    }
                )
            )
            yield check_result(suite_run, docs)

    return _layer_checks


def build_quality_checks(suites: list[Suite]) -> list[dg.AssetChecksDefinition]:
    """The suites' checks, grouped into one step per layer."""
    layers: dict[str, list[Suite]] = defaultdict(list)
    for suite in suites:
        layers[suite.layer].append(suite)
    return [build_layer_checks(layer, members) for layer, members in layers.items()]


QUALITY_SUITES = load_suites(EXPECTATIONS_DIR)
quality_checks = build_quality_checks(QUALITY_SUITES)

defs = dg.Definitions(asset_checks=quality_checks)
