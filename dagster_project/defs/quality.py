"""Great Expectations suites as blocking Dagster asset checks, one per suite in expectations/.

A failed ERROR expectation fails the check with ERROR severity, which stops every asset
downstream in the same run (publication included). A suite whose failures are all WARN fails
with WARN severity, which is reported and blocks nothing. Every outcome is also appended to
`audit.quality_results`, and the offending rows travel in the check's metadata.
"""

import json

import dagster as dg
from dagster import AssetCheckExecutionContext

from dagster_project.quality.engine import SuiteRun
from dagster_project.quality.gate import run_quality_gate
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
    metadata = {
        "suite": suite_run.suite.name,
        "batch_rows": suite_run.batch_rows,
        "scope_files": suite_run.scope.get("scope_files", 0),
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
            passed=False,
            severity=dg.AssetCheckSeverity.ERROR,
            metadata=metadata,
            description=f"blocking checks failed: {names}",
        )
    if warnings:
        names = ", ".join(item.check_name for item in warnings)
        return dg.AssetCheckResult(
            passed=False,
            severity=dg.AssetCheckSeverity.WARN,
            metadata=metadata,
            description=f"warnings flagged for follow-up: {names}",
        )
    return dg.AssetCheckResult(passed=True, metadata=metadata)


def build_suite_check(suite: Suite) -> dg.AssetChecksDefinition:
    @dg.asset_check(
        asset=dg.AssetKey(list(suite.asset)),
        name=suite.name,
        description=f"{suite.description} ({suite.check_count} checks, {suite.path.name})",
        blocking=True,
        required_resource_keys={"refresh_lock"},
        metadata={"suite_file": str(suite.path.name), "layer": suite.layer},
    )
    def _suite_check(context: AssetCheckExecutionContext) -> dg.AssetCheckResult:
        settings = get_settings()
        suite_run = run_quality_gate(
            settings.build_db, settings.data_docs_dir, suite, context.run.run_id
        )
        context.log.info(
            json.dumps(
                {
                    "suite": suite.name,
                    "batch_rows": suite_run.batch_rows,
                    "failed": [i.check_name for i in suite_run.outcomes if not i.passed],
                }
            )
        )
        return check_result(suite_run, str(settings.data_docs_dir / "index.html"))

    return _suite_check


def build_quality_checks(suites: list[Suite]) -> list[dg.AssetChecksDefinition]:
    return [build_suite_check(suite) for suite in suites]


QUALITY_SUITES = load_suites(EXPECTATIONS_DIR)
quality_checks = build_quality_checks(QUALITY_SUITES)

defs = dg.Definitions(asset_checks=quality_checks)
