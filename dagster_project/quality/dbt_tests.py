"""dbt's data tests as rows of `audit.quality_results`, read from a build's `run_results.json`.

dbt's tests gate the build themselves (`dbt build` skips what depends on a failed ERROR test and
exits non-zero). They are not Dagster asset checks: at three Dagster events per test (planned,
evaluated, output) the tests cost more than the sample's whole dbt run. Their outcomes go to
the same table as the Great Expectations suites instead, under the suite `dbt`, so one query
shows every check of a run.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from dagster_project.quality.results import CheckOutcome

DBT_SUITE = "dbt"
# dbt's statuses for a test: pass, warn (failed, severity warn), fail, error (did not run).
_PASSED = {"pass"}


def dbt_test_outcomes(
    run_results: Mapping[str, Any],
    manifest: Mapping[str, Any],
    asset_of: Mapping[str, str],
) -> list[CheckOutcome]:
    """One outcome per data test the build ran; `asset_of` maps a model's unique_id to its
    asset (e.g. 'core/fct_activities'). A test the build skipped has no outcome."""
    outcomes = []
    for result in run_results.get("results", []):
        unique_id = result["unique_id"]
        if not unique_id.startswith("test.") or result["status"] == "skipped":
            continue
        node = manifest["nodes"][unique_id]
        tested = node.get("attached_node") or next(
            (n for n in node["depends_on"]["nodes"] if n in asset_of), None
        )
        test_kind = (node.get("test_metadata") or {}).get("name", "singular")
        column = node.get("column_name")
        failures = result.get("failures")
        status = result["status"]
        # dbt says `warn` for a test over its warn threshold but under its error one, whatever
        # its configured severity: a warning must not block the publish.
        severity = "WARN" if status == "warn" else str(node["config"].get("severity", "ERROR"))
        severity = severity.upper()
        outcomes.append(
            CheckOutcome(
                suite=DBT_SUITE,
                check_name=node["name"],
                asset=asset_of.get(tested, tested or "unknown"),
                layer=_layer(manifest, tested),
                check_kind="dbt_test",
                expectation_type=test_kind,
                severity=severity,
                passed=status in _PASSED,
                observed_value=_observed(status, failures, result.get("message")),
                unexpected_count=failures,
                element_count=None,
                description=node.get("description")
                or f"dbt {test_kind} test on {tested}" + (f".{column}" if column else ""),
                details={
                    "unique_id": unique_id,
                    "column": column,
                    "arguments": (node.get("test_metadata") or {}).get("kwargs", {}),
                    "status": status,
                    "execution_time_s": round(result.get("execution_time") or 0.0, 3),
                },
                offending_rows=[],
            )
        )
    return outcomes


def _layer(manifest: Mapping[str, Any], unique_id: str | None) -> str | None:
    node = manifest["nodes"].get(unique_id or "", {})
    fqn = node.get("fqn", [])
    return fqn[1] if len(fqn) > 2 else None


def _observed(status: str, failures: int | None, message: str | None) -> str:
    if status == "error":
        return f"error: {message}"
    return f"{failures or 0} failing rows"


def read_build_artifacts(target_path: Path) -> tuple[dict, dict] | None:
    """(run_results, manifest) that a dbt invocation wrote, or None if it wrote none."""
    run_results = target_path / "run_results.json"
    manifest = target_path / "manifest.json"
    if not run_results.exists() or not manifest.exists():
        return None
    return (
        json.loads(run_results.read_text(encoding="utf-8")),
        json.loads(manifest.read_text(encoding="utf-8")),
    )
