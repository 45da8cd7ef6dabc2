"""The SQL profiles keep Great Expectations' meaning: on the same rows, a profiled expectation
passes or fails, and counts unexpected rows, exactly as GX does on the whole DataFrame."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd
import pytest

from dagster_project.quality import engine, gx_worker
from dagster_project.quality.profiles import PROFILED_TYPES, allowed_unexpected
from dagster_project.quality.suites import Expectation, Suite

ROWS = pd.DataFrame(
    {
        "file_hash": ["f1"] * 6 + ["f2"] * 6,
        "code": ["A", "B", "B", None, "C", "A", "A", "Z", None, None, "A", "B"],
        "quantity": [1, 5, None, 7, 0, 12, 3, 3, -1, None, 2, 2],
        "line_no": [1, 2, 3, 4, 5, 6, 1, 2, 3, 3, None, None],
        "unit_id": ["ABIMS000001"] * 10 + ["bad", None],
    }
)

CASES = [
    ("expect_column_values_to_not_be_null", {"column": "code"}),
    ("expect_column_values_to_not_be_null", {"column": "code", "mostly": 0.8}),
    ("expect_column_values_to_not_be_null", {"column": "code", "mostly": 0.75}),
    ("expect_column_values_to_be_between", {"column": "quantity", "min_value": 0}),
    ("expect_column_values_to_be_between", {"column": "quantity", "min_value": 0, "max_value": 10}),
    (
        "expect_column_values_to_be_between",
        {"column": "quantity", "min_value": 0, "strict_min": True, "mostly": 0.8},
    ),
    ("expect_column_values_to_be_in_set", {"column": "code", "value_set": ["A", "B", "C"]}),
    (
        "expect_column_values_to_be_in_set",
        {"column": "code", "value_set": ["A", "B"], "mostly": 0.7},
    ),
    (  # a catalog-sized set goes through a temporary table instead of a literal list
        "expect_column_values_to_be_in_set",
        {"column": "code", "value_set": ["A", "B", *(f"X{n}" for n in range(60))]},
    ),
    (  # so does a short one of numbers, against a column with NULLs
        "expect_column_values_to_be_in_set",
        {"column": "quantity", "value_set": [0, 1, 2, 3, 5, 12]},
    ),
    (
        "expect_column_values_to_match_regex",
        {"column": "unit_id", "regex": "^[A-Z]{2}IMS[0-9]{6}$"},
    ),
    ("expect_column_values_to_be_unique", {"column": "line_no"}),
    ("expect_column_values_to_be_unique", {"column": "code"}),
    ("expect_compound_columns_to_be_unique", {"column_list": ["file_hash", "line_no"]}),
    (
        "expect_compound_columns_to_be_unique",
        {"column_list": ["file_hash", "line_no"], "ignore_row_if": "never"},
    ),
    (
        "expect_compound_columns_to_be_unique",
        {"column_list": ["file_hash", "quantity"], "ignore_row_if": "any_value_is_missing"},
    ),
]


@pytest.fixture(scope="module")
def great_expectations_context():
    gx_worker.ready()


@pytest.mark.parametrize("partition_by", [None, "file_hash"])
def test_profiled_expectations_agree_with_gx_on_the_whole_dataframe(
    great_expectations_context, partition_by
) -> None:
    assert {kind for kind, _ in CASES} == set(PROFILED_TYPES)
    expectations = tuple(
        Expectation(name=f"case_{i}", type=kind, kwargs=kwargs, severity="ERROR", description="")
        for i, (kind, kwargs) in enumerate(CASES)
    )
    suite = Suite(
        name="profiles",
        asset=("raw", "rows"),
        layer="raw",
        description="",
        batch_sql="select * from rows",
        expectations=expectations,
        rules=(),
        path=Path("profiles.json"),
        partition_by=partition_by,
    )
    con = duckdb.connect()
    con.register("rows_frame", ROWS)
    con.execute("create table rows as select * from rows_frame")
    profiled = {o.check_name.split(".")[1]: o for o in engine.run_suite(con, suite, "run").outcomes}
    con.close()

    for expectation in expectations:
        [direct] = engine._validate(
            ROWS, "direct", [(expectation.name, expectation.type, expectation.kwargs)]
        )[0].values()
        mine = profiled[expectation.name]
        summary = direct.result
        assert (mine.passed, mine.unexpected_count) == (
            direct.success,
            summary["unexpected_count"],
        ), (expectation.type, expectation.kwargs)
        if summary["unexpected_count"]:
            assert mine.offending_rows, expectation.kwargs


@pytest.mark.parametrize("considered", [0, 1, 7, 10, 99, 1000, 123457])
@pytest.mark.parametrize("mostly", [0.5, 0.9, 0.98, 0.99, 0.999])
def test_allowed_unexpected_is_gx_mostly_rule(considered: int, mostly: float) -> None:
    allowed = allowed_unexpected(considered, mostly)
    if considered:
        assert (considered - allowed) / considered >= mostly
        if allowed < considered:
            assert (considered - allowed - 1) / considered < mostly
    else:
        assert allowed == 0
