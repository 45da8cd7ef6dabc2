"""`audit.quality_results` keeps every outcome it is given, value for value."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb

from dagster_project.quality import results
from dagster_project.quality.results import CheckOutcome, append_results


def _outcome(number: int) -> CheckOutcome:
    # Vary every kind of value the table stores: NULLs, dict observations, booleans.
    return CheckOutcome(
        suite=f"suite_{number % 3}",
        check_name=f"check_{number}",
        asset=f"core.table_{number % 5}",
        layer=None if number % 4 == 0 else "core",
        check_kind="rule" if number % 2 else "expectation",
        expectation_type="expect_column_values_to_not_be_null",
        severity="WARN" if number % 7 == 0 else "ERROR",
        passed=number % 11 != 0,
        observed_value=None if number % 6 == 0 else {"unexpected": number, "it's": "quoted"},
        unexpected_count=None if number % 5 == 0 else number,
        element_count=number * 10,
        description=f"check number {number}",
        details={"rule": number},
        offending_rows=[{"unit_id": f"U{number}"}] if number % 11 == 0 else [],
    )


def test_every_outcome_lands_with_its_values_across_several_inserts(tmp_path: Path) -> None:
    # More rows than one statement carries, and not a multiple of it.
    outcomes = [_outcome(number) for number in range(2 * results._ROWS_PER_INSERT + 37)]
    con = duckdb.connect(str(tmp_path / "build.duckdb"))
    try:
        append_results(con, "run-1", outcomes[:3])
        append_results(con, "run-2", outcomes)
        append_results(con, "run-3", [])
        stored = con.execute(
            "select check_name, suite, layer, severity, passed, observed_value, "
            "unexpected_count, element_count, details, run_at is not null "
            "from audit.quality_results where run_id = 'run-2' order by element_count"
        ).fetchall()
        per_run = dict(
            con.execute(
                "select run_id, count(*) from audit.quality_results group by run_id"
            ).fetchall()
        )
    finally:
        con.close()
    assert per_run == {"run-1": 3, "run-2": len(outcomes)}
    expected = [
        (
            item.check_name,
            item.suite,
            item.layer,
            item.severity,
            item.passed,
            None if item.observed_value is None else json.dumps(item.observed_value),
            item.unexpected_count,
            item.element_count,
            json.dumps({**item.details, "offending_rows": item.offending_rows}),
            True,
        )
        for item in outcomes
    ]
    assert stored == expected
