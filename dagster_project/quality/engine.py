"""Run a suite: fetch its bounded batch from the build DB and validate it with Great Expectations.

GX 1.x's SQL datasource does not work on DuckDB, so batches are fetched with DuckDB and handed
to GX's pandas datasource. `great_expectations` takes seconds to import: it is imported on
first use, inside `_gx_batch_definition`, and the ephemeral context is reused afterwards.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any

import duckdb
import pandas as pd

from dagster_project.quality.results import CheckOutcome
from dagster_project.quality.rules import violations_sql
from dagster_project.quality.scope import create_scope
from dagster_project.quality.suites import Expectation, Rule, Suite

OFFENDING_ROWS_KEPT = 20
_GX_STATE: dict[str, Any] = {}


class QualityEngineError(RuntimeError):
    """A suite that could not be evaluated (bad SQL, missing column): a broken gate, not a
    data failure. Raised, never recorded as a pass or a fail."""


@dataclass
class SuiteRun:
    suite: Suite
    run_id: str
    batch_rows: int
    scope: dict[str, int]
    outcomes: list[CheckOutcome]
    gx_results: list[dict[str, Any]] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return all(item.passed for item in self.outcomes)

    @property
    def blocking_failures(self) -> list[CheckOutcome]:
        return [item for item in self.outcomes if item.blocks_publication]

    @property
    def warnings(self) -> list[CheckOutcome]:
        return [item for item in self.outcomes if not item.passed and item.severity == "WARN"]


def _gx_batch_definition():
    """The pandas batch definition of a process-wide ephemeral GX context."""
    if "batch_definition" not in _GX_STATE:
        import great_expectations as gx
        from great_expectations.data_context.types.base import ProgressBarsConfig

        context = gx.get_context(mode="ephemeral")
        context.variables.progress_bars = ProgressBarsConfig(globally=False)
        asset = context.data_sources.add_pandas("jornadas_build").add_dataframe_asset("batch")
        _GX_STATE["batch_definition"] = asset.add_batch_definition_whole_dataframe("whole")
    return _GX_STATE["batch_definition"]


def _validate(frame: pd.DataFrame, suite_name: str, configs: list[tuple[str, str, dict]]):
    """Validate `frame` against (check_name, type, kwargs) triples; results keyed by name."""
    import great_expectations as gx
    from great_expectations.expectations.expectation_configuration import (
        ExpectationConfiguration,
    )

    batch_definition = _gx_batch_definition()
    gx_suite = gx.ExpectationSuite(name=suite_name)
    for check_name, expectation_type, kwargs in configs:
        gx_suite.add_expectation_configuration(
            ExpectationConfiguration(
                type=expectation_type, kwargs=kwargs, meta={"check_name": check_name}
            )
        )
    batch = batch_definition.get_batch(batch_parameters={"dataframe": frame})
    result = batch.validate(
        gx_suite,
        result_format={"result_format": "SUMMARY", "partial_unexpected_count": OFFENDING_ROWS_KEPT},
    )
    by_name = {item.expectation_config.meta["check_name"]: item for item in result.results}
    return by_name, result.to_json_dict()


def _without_domain_clashes(configs: list[tuple[str, str, dict]]) -> list[list]:
    """Split expectations into groups GX can hold in one suite: a GX suite keeps only one
    expectation per type and column, so a second one (e.g. a WARN `mostly` variant of an
    ERROR rule) goes into another group."""
    groups: list[tuple[set, list]] = []
    for check_name, expectation_type, kwargs in configs:
        domain = (expectation_type, kwargs.get("column"), tuple(kwargs.get("column_list", ())))
        for seen, members in groups:
            if domain not in seen:
                seen.add(domain)
                members.append((check_name, expectation_type, kwargs))
                break
        else:
            groups.append(({domain}, [(check_name, expectation_type, kwargs)]))
    return [members for _, members in groups]


def _raised_exception(exception_info: Any) -> str | None:
    """GX reports evaluation errors in `exception_info`, flat or keyed by metric."""
    if not exception_info:
        return None
    infos = [exception_info] if "raised_exception" in exception_info else exception_info.values()
    for info in infos:
        if isinstance(info, dict) and info.get("raised_exception"):
            return info.get("exception_message") or "unknown GX error"
    return None


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """JSON-friendly records (NaN and NA become None)."""
    cleaned = json.loads(
        frame.head(OFFENDING_ROWS_KEPT).to_json(orient="records", date_format="iso")
    )
    return [
        {key: (None if isinstance(v, float) and math.isnan(v) else v) for key, v in row.items()}
        for row in cleaned
    ]


def _resolved_kwargs(con: duckdb.DuckDBPyConnection, expectation: Expectation) -> dict[str, Any]:
    kwargs = dict(expectation.kwargs)
    for key, query in expectation.kwargs_sql.items():
        try:
            kwargs[key] = [row[0] for row in con.execute(query).fetchall()]
        except duckdb.Error as error:
            raise QualityEngineError(
                f"{expectation.name}: kwargs_sql {key} failed: {error}"
            ) from error
    return kwargs


def _fetch(con: duckdb.DuckDBPyConnection, query: str, what: str) -> pd.DataFrame:
    try:
        return con.execute(query).df()
    except duckdb.Error as error:
        raise QualityEngineError(f"{what}: query failed: {error}") from error


def _expectation_outcomes(
    con: duckdb.DuckDBPyConnection, suite: Suite, batch: pd.DataFrame, gx_results: list
) -> list[CheckOutcome]:
    configs = [(e.name, e.type, _resolved_kwargs(con, e)) for e in suite.expectations]
    by_name: dict[str, Any] = {}
    for group in _without_domain_clashes(configs):
        found, raw_result = _validate(batch, suite.name, group)
        by_name |= found
        gx_results.append(raw_result)
    outcomes = []
    for expectation, (_, _, kwargs) in zip(suite.expectations, configs, strict=True):
        result = by_name[expectation.name]
        error = _raised_exception(result.exception_info)
        if error:
            raise QualityEngineError(
                f"{suite.name}.{expectation.name}: GX could not evaluate: {error}"
            )
        summary = dict(result.result or {})
        indices = summary.get("partial_unexpected_index_list") or []
        offending = _records(batch.iloc[list(indices)]) if indices else []
        unexpected = summary.get("unexpected_count")
        observed = summary.get("observed_value")
        if observed is None and unexpected is not None:
            observed = f"{unexpected} unexpected of {summary.get('element_count')}"
        shown_kwargs = {k: v for k, v in kwargs.items() if k not in expectation.kwargs_sql}
        outcomes.append(
            CheckOutcome(
                suite=suite.name,
                check_name=f"{suite.name}.{expectation.name}",
                asset=suite.asset_label,
                layer=suite.layer,
                check_kind="expectation",
                expectation_type=expectation.type,
                severity=expectation.severity,
                passed=bool(result.success),
                observed_value=observed,
                unexpected_count=unexpected,
                element_count=summary.get("element_count", len(batch)),
                description=expectation.description,
                details={
                    "kwargs": shown_kwargs,
                    "kwargs_sql": expectation.kwargs_sql,
                    "unexpected_percent": summary.get("unexpected_percent"),
                    "partial_unexpected_list": summary.get("partial_unexpected_list"),
                },
                offending_rows=offending,
            )
        )
    return outcomes


def _rule_outcome(
    con: duckdb.DuckDBPyConnection, suite: Suite, rule: Rule, gx_results: list
) -> CheckOutcome:
    query = violations_sql(rule)
    violations = _fetch(con, query, f"{suite.name}.{rule.name}")
    expectation_type = "expect_table_row_count_to_equal"
    by_name, raw_result = _validate(
        violations, f"{suite.name}.{rule.name}", [(rule.name, expectation_type, {"value": 0})]
    )
    gx_results.append(raw_result)
    result = by_name[rule.name]
    error = _raised_exception(result.exception_info)
    if error:
        raise QualityEngineError(f"{suite.name}.{rule.name}: GX could not evaluate: {error}")
    details: dict[str, Any] = {"violations_sql": " ".join(query.split())}
    if rule.operator:
        details |= {
            "left": rule.left.label if rule.left else None,
            "operator": rule.operator,
            "right": rule.right.label if rule.right else None,
            "keys": list(rule.keys),
            "missing_value_strategy": rule.missing_value_strategy,
            "tolerance": rule.tolerance,
        }
    return CheckOutcome(
        suite=suite.name,
        check_name=f"{suite.name}.{rule.name}",
        asset=suite.asset_label,
        layer=suite.layer,
        check_kind="rule",
        expectation_type=expectation_type,
        severity=rule.severity,
        passed=bool(result.success),
        observed_value=f"{len(violations)} violating rows",
        unexpected_count=len(violations),
        element_count=None,
        description=rule.description,
        details=details,
        offending_rows=_records(violations),
    )


def run_suite(con: duckdb.DuckDBPyConnection, suite: Suite, run_id: str) -> SuiteRun:
    """Evaluate every expectation and rule of `suite` on this run's bounded batch."""
    scope = create_scope(con, run_id)
    gx_results: list[dict[str, Any]] = []
    outcomes: list[CheckOutcome] = []
    batch_rows = 0
    if suite.expectations:
        assert suite.batch_sql is not None
        batch = _fetch(con, suite.batch_sql, f"{suite.name} batch")
        batch_rows = len(batch)
        outcomes += _expectation_outcomes(con, suite, batch, gx_results)
    outcomes += [_rule_outcome(con, suite, rule, gx_results) for rule in suite.rules]
    return SuiteRun(
        suite=suite,
        run_id=run_id,
        batch_rows=batch_rows,
        scope=scope,
        outcomes=outcomes,
        gx_results=gx_results,
    )
