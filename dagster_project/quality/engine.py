"""Run suites: measure the bounded batch in DuckDB, validate the measurements with GX.

Two phases, so that memory and time follow the new data and not the tables' history:

1. **Measure (DuckDB only).** Column expectations become one aggregate query per suite that
   profiles the batch per partition (`profiles.py`); uniqueness becomes a hash aggregate of
   the repeated keys. Rules fetch only a sample of their violating rows and, when the sample
   is full, their count. Offending rows are fetched only where there are some (a few each).
   Nothing row-level reaches Python.
2. **Judge (Great Expectations).** GX's pandas datasource validates the profiles and the rule
   samples (GX 1.x's SQL datasource does not work on DuckDB). An expectation type the
   profiles do not cover falls back to GX on the batch itself, fetched with only the columns
   it names.

`great_expectations` takes seconds to import. It runs in a worker process of its own
(`gx_worker.py`), started when a run begins, so the import overlaps ingest and the DuckDB
phase on the other core and holds nothing up in the run's own process. The two phases
overlap: a suite is judged while DuckDB measures the next one.
"""

from __future__ import annotations

import contextlib
import json
import math
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import duckdb
import pandas as pd

from dagster_project.quality import gx_worker, profiles
from dagster_project.quality.profiles import ProfiledExpectation
from dagster_project.quality.results import CheckOutcome
from dagster_project.quality.rules import violations_sql
from dagster_project.quality.scope import create_scope
from dagster_project.quality.suites import Expectation, Rule, Suite

OFFENDING_ROWS_KEPT = 20
# A `value_set` longer than this is put in a temporary table and matched by a hash join.
# DuckDB tests a literal list value by value: over the 26 M facts of national-year, 25
# literals took 0.75 s and the table 0.14 s, whatever its length; they are even at 3.
LITERAL_VALUE_SET_MAX = 3


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


# --- Great Expectations, in its own worker process (gx_worker.py) ---------------------------


def _validate(frame: pd.DataFrame, suite_name: str, configs: list[tuple[str, str, dict]]):
    """Validate `frame` against (check_name, type, kwargs) triples; results keyed by name."""
    try:
        return gx_worker.validate(
            frame,
            suite_name,
            configs,
            {"result_format": "SUMMARY", "partial_unexpected_count": OFFENDING_ROWS_KEPT},
        )
    except gx_worker.GxError as error:
        raise QualityEngineError(str(error)) from error


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


def _checked(result: Any, where: str) -> Any:
    error = _raised_exception(result.exception_info)
    if error:
        raise QualityEngineError(f"{where}: GX could not evaluate: {error}")
    return result


# --- DuckDB ----------------------------------------------------------------------------------


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """JSON-friendly records (NaN and NA become None)."""
    cleaned = json.loads(
        frame.head(OFFENDING_ROWS_KEPT).to_json(orient="records", date_format="iso")
    )
    return [
        {key: (None if isinstance(v, float) and math.isnan(v) else v) for key, v in row.items()}
        for row in cleaned
    ]


@contextlib.contextmanager
def _query_failure(what: str) -> Iterator[None]:
    """A DuckDB error in the block becomes a QualityEngineError naming `what`."""
    try:
        yield
    except duckdb.Error as error:
        raise QualityEngineError(f"{what}: query failed: {error}") from error


def _fetch(con: duckdb.DuckDBPyConnection, query: str, what: str) -> pd.DataFrame:
    with _query_failure(what):
        return con.execute(query).df()


def _run(con: duckdb.DuckDBPyConnection, statement: str, what: str) -> None:
    with _query_failure(what):
        con.execute(statement)


def _scalar(con: duckdb.DuckDBPyConnection, query: str, what: str) -> int:
    with _query_failure(what):
        row = con.execute(query).fetchone()
    return int(row[0]) if row and row[0] is not None else 0


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


@dataclass
class _ProfileMeasure:
    """The batch profile of a suite's profiled expectations, and a few offending rows each."""

    items: list[ProfiledExpectation]
    frame: pd.DataFrame  # one row per partition: batch_rows, considered_i, unexpected_i
    offending: dict[int, pd.DataFrame]


@dataclass
class _RuleMeasure:
    rule: Rule
    query: str
    sample: pd.DataFrame
    violations: int


@dataclass
class _SuiteMeasure:
    suite: Suite
    kwargs: dict[str, dict[str, Any]]  # by expectation name, kwargs_sql resolved
    profile: _ProfileMeasure | None
    row_level: pd.DataFrame | None  # the projected batch, for expectation types not profiled
    batch_rows: int
    rules: list[_RuleMeasure]


def _measure_profile(
    con: duckdb.DuckDBPyConnection, suite: Suite, items: list[ProfiledExpectation]
) -> _ProfileMeasure:
    assert suite.batch_sql is not None
    where = f"{suite.name} batch profile"
    frame = _fetch(con, profiles.profile_sql(suite.batch_sql, suite.partition_by, items), where)
    offending: dict[int, pd.DataFrame] = {}
    for item in items:
        if item.unexpected is None:  # uniqueness: repeated keys, attributed when there are any
            label = f"{suite.name}.{item.expectation.name}"
            total = _scalar(con, profiles.duplicates_total_sql(suite.batch_sql, item), label)
            frame[item.unexpected_column] = 0
            if total:
                per_partition = _fetch(
                    con,
                    profiles.duplicates_by_partition_sql(suite.batch_sql, suite.partition_by, item),
                    label,
                ).set_index("batch_partition")["repeats"]
                counts = frame["batch_partition"].map(per_partition).fillna(0).astype("int64")
                frame[item.unexpected_column] = counts
        if int(frame[item.unexpected_column].sum()):
            offending[item.index] = _fetch(
                con,
                profiles.offending_rows_sql(suite.batch_sql, item, OFFENDING_ROWS_KEPT),
                f"{suite.name}.{item.expectation.name} offending rows",
            )
    return _ProfileMeasure(items, frame, offending)


def _value_set_relation(
    con: duckdb.DuckDBPyConnection, expectation: Expectation, kwargs: dict[str, Any], index: int
) -> str | None:
    """A temporary table holding a `value_set` of more than a few values (e.g. a catalog read
    by kwargs_sql)."""
    values = [value for value in kwargs.get("value_set") or [] if value is not None]
    if (
        expectation.type != "expect_column_values_to_be_in_set"
        or len(values) <= LITERAL_VALUE_SET_MAX
    ):
        return None
    relation = f"quality_value_set_{index}"
    try:
        con.execute(
            f"create or replace temp table {relation} as select unnest(?) as value", [values]
        )
    except duckdb.Error as error:
        raise QualityEngineError(f"{expectation.name}: value_set: {error}") from error
    return relation


def _row_level_columns(expectations: list[Expectation]) -> list[str]:
    names: list[str] = []
    for expectation in expectations:
        kwargs = expectation.kwargs
        for key in ("column", "column_A", "column_B"):
            if kwargs.get(key):
                names.append(str(kwargs[key]))
        names += [str(name) for name in kwargs.get("column_list", [])]
    return list(dict.fromkeys(names))


def _measure_rule(con: duckdb.DuckDBPyConnection, suite: Suite, rule: Rule) -> _RuleMeasure:
    query = violations_sql(rule)
    where = f"{suite.name}.{rule.name}"
    # Kept once in a temporary table, so that a rule with more violations than the sample
    # keeps is not computed a second time to count them (DuckDB keeps the insertion order, so
    # the sample is the query's first rows, in its order).
    _run(con, f"create or replace temp table quality_rule_violations as {query}", where)
    try:
        sample = _fetch(
            con, f"select * from quality_rule_violations limit {OFFENDING_ROWS_KEPT}", where
        )
        violations = _scalar(con, "select count(*) from quality_rule_violations", where)
    finally:
        con.execute("drop table if exists quality_rule_violations")
    return _RuleMeasure(rule, query, sample, violations)


def measure_suite(con: duckdb.DuckDBPyConnection, suite: Suite) -> _SuiteMeasure:
    """Everything DuckDB has to compute for `suite` (phase 1; no GX)."""
    kwargs = {e.name: _resolved_kwargs(con, e) for e in suite.expectations}
    profiled = [e for e in suite.expectations if profiles.is_profiled(e)]
    row_level = [e for e in suite.expectations if not profiles.is_profiled(e)]
    profile = None
    batch_rows = 0
    if profiled:
        items = [
            profiles.compile_expectation(
                e, kwargs[e.name], index, _value_set_relation(con, e, kwargs[e.name], index)
            )
            for index, e in enumerate(profiled)
        ]
        profile = _measure_profile(con, suite, items)
        batch_rows = int(profile.frame["batch_rows"].sum())
    frame = None
    if row_level:
        assert suite.batch_sql is not None
        columns = ", ".join(profiles.quoted(c) for c in _row_level_columns(row_level)) or "*"
        frame = _fetch(
            con,
            f"select {columns} from ({suite.batch_sql})",
            f"{suite.name} batch (row level)",
        )
        batch_rows = len(frame)
    rules = [_measure_rule(con, suite, rule) for rule in suite.rules]
    return _SuiteMeasure(suite, kwargs, profile, frame, batch_rows, rules)


# --- judging with GX -------------------------------------------------------------------------


def _profile_config(item: ProfiledExpectation, frame: pd.DataFrame) -> tuple[str, dict]:
    """The GX expectation on the profile that decides `item` (see profiles.py)."""
    if item.mostly is None:
        return "expect_column_values_to_be_between", {
            "column": item.unexpected_column,
            "min_value": 0,
            "max_value": 0,
        }
    considered = int(frame[item.considered_column].sum())
    return "expect_column_sum_to_be_between", {
        "column": item.unexpected_column,
        "min_value": 0,
        "max_value": profiles.allowed_unexpected(considered, item.mostly),
    }


def _expectation_outcome(
    suite: Suite,
    expectation: Expectation,
    measure: _SuiteMeasure,
    *,
    passed: bool,
    observed_value: Any,
    unexpected_count: int | None,
    element_count: int | None,
    details: dict[str, Any],
    offending_rows: list[dict[str, Any]],
) -> CheckOutcome:
    """An expectation's outcome; `details` follow its kwargs (those of kwargs_sql left out)."""
    return CheckOutcome(
        suite=suite.name,
        check_name=f"{suite.name}.{expectation.name}",
        asset=suite.asset_label,
        layer=suite.layer,
        check_kind="expectation",
        expectation_type=expectation.type,
        severity=expectation.severity,
        passed=passed,
        observed_value=observed_value,
        unexpected_count=unexpected_count,
        element_count=element_count,
        description=expectation.description,
        details={
            "kwargs": {
                k: v
                for k, v in measure.kwargs[expectation.name].items()
                if k not in expectation.kwargs_sql
            },
            "kwargs_sql": expectation.kwargs_sql,
            **details,
        },
        offending_rows=offending_rows,
    )


def _profile_outcomes(
    suite: Suite, measure: _SuiteMeasure, gx_results: list
) -> dict[str, CheckOutcome]:
    profile = measure.profile
    assert profile is not None
    frame = profile.frame
    configs = {item.expectation.name: _profile_config(item, frame) for item in profile.items}
    by_name, raw_result = _validate(
        frame,
        f"{suite.name}.profile",
        [(name, kind, kwargs) for name, (kind, kwargs) in configs.items()],
    )
    gx_results.append(raw_result)
    outcomes = {}
    for item in profile.items:
        expectation = item.expectation
        result = _checked(by_name[expectation.name], f"{suite.name}.{expectation.name}")
        unexpected = int(frame[item.unexpected_column].sum())
        considered = int(frame[item.considered_column].sum())
        failing = frame.loc[frame[item.unexpected_column] > 0]
        offending = profile.offending.get(item.index)
        column = item.target_column
        values = (
            offending[column].head(OFFENDING_ROWS_KEPT).tolist()
            if offending is not None and column in offending
            else []
        )
        kind, profile_kwargs = configs[expectation.name]
        outcomes[expectation.name] = _expectation_outcome(
            suite,
            expectation,
            measure,
            passed=bool(result.success),
            observed_value=f"{unexpected} unexpected of {measure.batch_rows}",
            unexpected_count=unexpected,
            element_count=measure.batch_rows,
            details={
                "unexpected_percent": 100.0 * unexpected / considered if considered else None,
                "partial_unexpected_list": json.loads(json.dumps(values, default=str)),
                "validated_by_gx": {
                    "on": f"profile of the batch per {suite.partition_by or 'batch'}",
                    "type": kind,
                    "kwargs": profile_kwargs,
                    "partitions": len(frame),
                    "partitions_failing": _records(
                        failing[["batch_partition", item.considered_column, item.unexpected_column]]
                    ),
                },
            },
            offending_rows=_records(offending) if offending is not None else [],
        )
    return outcomes


def _row_level_outcomes(
    suite: Suite, measure: _SuiteMeasure, gx_results: list
) -> dict[str, CheckOutcome]:
    batch = measure.row_level
    assert batch is not None
    expectations = [e for e in suite.expectations if not profiles.is_profiled(e)]
    configs = [(e.name, e.type, measure.kwargs[e.name]) for e in expectations]
    by_name: dict[str, Any] = {}
    for group in _without_domain_clashes(configs):
        found, raw_result = _validate(batch, suite.name, group)
        by_name |= found
        gx_results.append(raw_result)
    outcomes = {}
    for expectation in expectations:
        result = _checked(by_name[expectation.name], f"{suite.name}.{expectation.name}")
        summary = dict(result.result or {})
        indices = summary.get("partial_unexpected_index_list") or []
        unexpected = summary.get("unexpected_count")
        observed = summary.get("observed_value")
        if observed is None and unexpected is not None:
            observed = f"{unexpected} unexpected of {summary.get('element_count')}"
        outcomes[expectation.name] = _expectation_outcome(
            suite,
            expectation,
            measure,
            passed=bool(result.success),
            observed_value=observed,
            unexpected_count=unexpected,
            element_count=summary.get("element_count", len(batch)),
            details={
                "unexpected_percent": summary.get("unexpected_percent"),
                "partial_unexpected_list": summary.get("partial_unexpected_list"),
                "validated_by_gx": {"on": "the batch, row level (projected columns)"},
            },
            offending_rows=_records(batch.iloc[list(indices)]) if indices else [],
        )
    return outcomes


def _rule_outcome(suite: Suite, measure: _RuleMeasure, gx_results: list) -> CheckOutcome:
    rule = measure.rule
    expectation_type = "expect_table_row_count_to_equal"
    # The sample has 0 rows exactly when the rule has no violation: the same verdict as on
    # every violating row, without fetching them all.
    by_name, raw_result = _validate(
        measure.sample,
        f"{suite.name}.{rule.name}",
        [(rule.name, expectation_type, {"value": 0})],
    )
    gx_results.append(raw_result)
    result = _checked(by_name[rule.name], f"{suite.name}.{rule.name}")
    details: dict[str, Any] = {"violations_sql": " ".join(measure.query.split())}
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
        observed_value=f"{measure.violations} violating rows",
        unexpected_count=measure.violations,
        element_count=None,
        description=rule.description,
        details=details,
        offending_rows=_records(measure.sample),
    )


def judge_suite(measure: _SuiteMeasure, run_id: str, scope: dict[str, int]) -> SuiteRun:
    """Validate a suite's measurements with GX (phase 2)."""
    suite = measure.suite
    gx_results: list[dict[str, Any]] = []
    by_name: dict[str, CheckOutcome] = {}
    if measure.profile is not None:
        by_name |= _profile_outcomes(suite, measure, gx_results)
    if measure.row_level is not None:
        by_name |= _row_level_outcomes(suite, measure, gx_results)
    outcomes = [by_name[e.name] for e in suite.expectations]
    outcomes += [_rule_outcome(suite, rule, gx_results) for rule in measure.rules]
    return SuiteRun(
        suite=suite,
        run_id=run_id,
        batch_rows=measure.batch_rows,
        scope=scope,
        outcomes=outcomes,
        gx_results=gx_results,
    )


def run_suites(con: duckdb.DuckDBPyConnection, suites: list[Suite], run_id: str) -> list[SuiteRun]:
    """Evaluate every expectation and rule of `suites` on this run's bounded batches."""
    gx_worker.start()  # loads GX while the DuckDB phase runs (a no-op when it runs already)
    scope = create_scope(con, run_id)
    # A suite is judged (GX, in its worker) while DuckDB measures the next one: both wait
    # outside this interpreter's lock. Judging never touches `con`.
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="gx-judge") as judging:
        judged = [
            judging.submit(judge_suite, measure_suite(con, suite), run_id, scope)
            for suite in suites
        ]
        return [future.result() for future in judged]


def run_suite(con: duckdb.DuckDBPyConnection, suite: Suite, run_id: str) -> SuiteRun:
    [suite_run] = run_suites(con, [suite], run_id)
    return suite_run
