"""The shipped suites, run with real Great Expectations on a crafted build database.

Each test seeds one defect into a consistent warehouse and expects the check built for it to
fail with its severity, and the results to land in `audit.quality_results`.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dagster_project.defs.quality import check_result
from dagster_project.quality import gx_worker
from dagster_project.quality.engine import QualityEngineError
from dagster_project.quality.gate import run_quality_gate
from dagster_project.quality.suites import Suite, load_suite, load_suites
from dagster_project.settings import EXPECTATIONS_DIR
from tests.test_quality_data import (
    LATEST_JORNADA,
    build_crafted_warehouse,
    execute,
    rebuild_marts,
)

RUN_ID = "run-under-test"
SUITES = {suite.name: suite for suite in load_suites(EXPECTATIONS_DIR)}


@pytest.fixture(scope="session")
def great_expectations_context():
    """GX loaded once, in its worker process, for the whole session."""
    gx_worker.ready()


@pytest.fixture
def warehouse(tmp_path: Path, great_expectations_context) -> Path:
    return build_crafted_warehouse(tmp_path / "build.duckdb", RUN_ID)


def _run(warehouse: Path, suite: Suite, run_id: str = RUN_ID):
    return run_quality_gate(warehouse, warehouse.parent / "data_docs", suite, run_id)


def _failed(suite_run) -> dict[str, str]:
    return {o.check_name.split(".", 1)[1]: o.severity for o in suite_run.outcomes if not o.passed}


def test_consistent_warehouse_passes_every_check_and_records_them(warehouse: Path) -> None:
    runs = [_run(warehouse, suite) for suite in SUITES.values()]
    assert [o.check_name for run in runs for o in run.outcomes if not o.passed] == []
    [(checks, severities, suites, passed)] = execute(
        warehouse,
        "select count(distinct check_name), count(distinct severity), count(distinct suite), "
        "bool_and(passed) from audit.quality_results where run_id = ?",
        [RUN_ID],
    )
    assert checks == sum(suite.check_count for suite in SUITES.values()) >= 20
    assert (severities, suites, passed) == (2, len(SUITES), True)


def test_scope_is_the_new_data_only(warehouse: Path) -> None:
    """After a publish, only files seen later are validated: the batch tracks new data."""
    execute(
        warehouse,
        "create table audit.publish_log as select 'earlier' as run_id, "
        "current_timestamp - interval 1 day as published_at, 'x' as published_file, "
        "1::bigint as tables_copied, 'publish' as action",
    )
    suite_run = _run(warehouse, SUITES["core_fct_activities"], run_id="a-later-run")
    [(latest_rows,)] = execute(
        warehouse, "select count(*) from core.fct_activities where jornada_id = ?", [LATEST_JORNADA]
    )
    [(latest_units,)] = execute(
        warehouse,
        "select count(distinct unit_id) from core.fct_activities where jornada_id = ?",
        [LATEST_JORNADA],
    )
    assert suite_run.scope == {"scope_files": 2, "scope_units": latest_units, "scope_jornadas": 1}
    assert suite_run.batch_rows == latest_rows


def test_a_correction_scopes_only_its_unit_and_jornada(warehouse: Path) -> None:
    """A weekly batch's correction of an old report validates that (unit, jornada) pair, not
    the whole jornada: a defect elsewhere in the old jornada (already published) is out of
    scope, a defect in the corrected report is caught."""
    execute(
        warehouse,
        "create table audit.publish_log as select 'earlier' as run_id, "
        "current_timestamp - interval 1 day as published_at, 'x' as published_file, "
        "1::bigint as tables_copied, 'publish' as action",
    )
    old_jornada = "2021-10"
    [(unit_id, lines)] = execute(
        warehouse,
        "select unit_id, count(*) from core.fct_activities where jornada_id = ? "
        "group by unit_id order by unit_id limit 1",
        [old_jornada],
    )
    # The correction: a new file, seen now, holding that unit's report of the old jornada.
    execute(
        warehouse,
        "update raw.files set first_seen_at = current_timestamp - interval 2 day, "
        "ingest_run_id = 'earlier-run'",
    )
    execute(
        warehouse,
        "insert into raw.unit_report_lines select 'correction', line_no, report_no, unit_id, "
        "jornada_id, service_date, activity, specialty, quantity, submitted_at "
        "from raw.unit_report_lines where unit_id = ? and jornada_id = ?",
        [unit_id, old_jornada],
    )
    execute(
        warehouse,
        "insert into raw.files values ('correction', 'correction.csv', 'unit_report', 'csv', "
        "'utf-8', 1000, 'read', null, ?, null, current_timestamp, 'weekly-run')",
        [lines],
    )
    # Out of scope: a negative quantity of another unit in the same old jornada.
    execute(
        warehouse,
        "update core.fct_activities set quantity = -1 where jornada_id = ? and unit_id = ("
        "select max(unit_id) from core.fct_activities where jornada_id = ?)",
        [old_jornada, old_jornada],
    )
    suite = SUITES["core_fct_activities"]
    clean = _run(warehouse, suite, run_id="weekly-run")
    assert clean.scope == {"scope_files": 1, "scope_units": 1, "scope_jornadas": 1}
    assert (clean.batch_rows, _failed(clean)) == (lines, {})

    execute(
        warehouse,
        "update core.fct_activities set quantity = -2 where jornada_id = ? and unit_id = ?",
        [old_jornada, unit_id],
    )
    caught = _run(warehouse, suite, run_id="weekly-run-2")
    assert _failed(caught) == {"column_values_to_be_between:quantity": "ERROR"}
    [outcome] = caught.blocking_failures
    assert outcome.unexpected_count == lines
    assert {row["unit_id"] for row in outcome.offending_rows} == {unit_id}


def test_unit_rows_not_adding_up_to_national_is_a_blocking_error(warehouse: Path) -> None:
    execute(
        warehouse,
        "update marts.goal_attainment set performed = performed + 5, "
        "attainment_pct = round(100.0 * (performed + 5) / target, 2) "
        "where level = 'national' and activity = 'surgery' and specialty = 'general_surgery' "
        "and jornada_id = ?",
        [LATEST_JORNADA],
    )
    suite_run = _run(warehouse, SUITES["marts_goal_attainment"])
    assert _failed(suite_run) == {"unit_performed_adds_up_to_national": "ERROR"}
    [blocking] = suite_run.blocking_failures
    [row] = blocking.offending_rows
    assert (row["jornada_id"], row["activity"], row["difference"]) == (
        LATEST_JORNADA,
        "surgery",
        -5,
    )

    result = check_result(suite_run, "docs")
    assert (result.passed, result.severity.value) == (False, "ERROR")
    assert "unit_performed_adds_up_to_national" in (result.description or "")

    [(passed, observed)] = execute(
        warehouse,
        "select passed, observed_value from audit.quality_results "
        "where check_name = 'marts_goal_attainment.unit_performed_adds_up_to_national'",
    )
    assert (passed, observed) == (False, "1 violating rows")


def test_transplant_kinds_must_add_up_to_the_national_mart(warehouse: Path) -> None:
    execute(
        warehouse,
        "update marts.jornada_activity set quantity = quantity + 1 "
        "where activity = 'transplant_kidney' and jornada_id = ?",
        [LATEST_JORNADA],
    )
    failed = _failed(_run(warehouse, SUITES["marts_jornada_activity"]))
    assert failed == {"national_totals_equal_facts": "ERROR", "transplant_kinds_add_up": "ERROR"}


def test_a_quantity_moved_between_activities_of_one_unit_is_found_key_by_key(
    warehouse: Path,
) -> None:
    """The unit totals meet the facts through one fingerprint per (jornada, unit) first: a
    quantity moved from one activity of a unit to another keeps the unit's sum, and must still
    be found on both keys."""
    rows = execute(
        warehouse,
        "select unit_id, activity, specialty, quantity from marts.unit_activity "
        "where jornada_id = ? and unit_id = (select min(unit_id) from marts.unit_activity "
        "where jornada_id = ? and quantity > 0) order by quantity desc, activity, specialty",
        [LATEST_JORNADA, LATEST_JORNADA],
    )
    assert len(rows) > 1
    (unit_id, taken_from, *_), (_, given_to, *_) = rows[0], rows[-1]
    for (_, activity, specialty, quantity), change in ((rows[0], -1), (rows[-1], 1)):
        execute(
            warehouse,
            "update marts.unit_activity set quantity = ? where jornada_id = ? "
            "and unit_id = ? and activity = ? and specialty is not distinct from ?",
            [quantity + change, LATEST_JORNADA, unit_id, activity, specialty],
        )
    suite_run = _run(warehouse, SUITES["marts_unit_activity"])
    assert SUITES["marts_unit_activity"].rules[0].fingerprint_groups_by
    assert _failed(suite_run) == {"unit_totals_equal_facts": "ERROR"}
    [blocking] = suite_run.blocking_failures
    found = {
        (row["unit_id"], row["activity"], row["difference"]) for row in blocking.offending_rows
    }
    assert found == {(unit_id, taken_from, -1), (unit_id, given_to, 1)}


def test_modified_z_score_flags_a_unit_against_its_own_history(warehouse: Path) -> None:
    [(unit_id, usual)] = execute(
        warehouse,
        "select unit_id, quantity from core.fct_activities where activity = 'surgery' "
        "and jornada_id = ? order by unit_id limit 1",
        [LATEST_JORNADA],
    )
    execute(
        warehouse,
        "update core.fct_activities set quantity = ? "
        "where unit_id = ? and activity = 'surgery' and jornada_id = ?",
        [usual * 20, unit_id, LATEST_JORNADA],
    )
    # A modest change elsewhere (+2 over a 10-12 history) is ordinary variation.
    execute(
        warehouse,
        "update core.fct_activities set quantity = quantity + 2 where unit_id = ("
        "select max(unit_id) from core.fct_activities where activity = 'surgery') "
        "and activity = 'surgery' and jornada_id = ?",
        [LATEST_JORNADA],
    )
    rebuild_marts(warehouse)
    suite_run = _run(warehouse, SUITES["marts_unit_activity"])
    assert _failed(suite_run) == {"outlier_vs_own_history": "WARN"}
    [flagged] = suite_run.warnings[0].offending_rows
    assert (flagged["unit_id"], flagged["jornada_id"]) == (unit_id, LATEST_JORNADA)
    assert flagged["modified_z_score"] > 3.5

    result = check_result(suite_run, "docs")
    assert (result.passed, result.severity.value) == (False, "WARN")
    assert suite_run.blocking_failures == []


def test_cross_activity_rule_skips_units_without_a_goal(warehouse: Path) -> None:
    """Surgeries > 3 x goal are flagged; the same surgeries without a goal are not judged."""
    units = execute(
        warehouse,
        "select unit_id from core.fct_goals where jornada_id = ? order by unit_id limit 2",
        [LATEST_JORNADA],
    )
    with_goal, without_goal = units[0][0], units[1][0]
    execute(
        warehouse,
        "update core.fct_activities set quantity = 100 where activity = 'surgery' "
        "and jornada_id = ? and unit_id in (?, ?)",
        [LATEST_JORNADA, with_goal, without_goal],
    )
    execute(
        warehouse,
        "delete from core.fct_goals where unit_id = ? and jornada_id = ?",
        [without_goal, LATEST_JORNADA],
    )
    rebuild_marts(warehouse)
    suite_run = _run(warehouse, SUITES["marts_goal_attainment"])
    assert _failed(suite_run) == {"surgeries_within_three_times_goal": "WARN"}
    flagged = [row["unit_id"] for row in suite_run.warnings[0].offending_rows]
    assert flagged == [with_goal]


def test_ledger_lines_must_be_loaded_or_quarantined(warehouse: Path) -> None:
    execute(
        warehouse,
        "update audit.file_ledger set lines_loaded = lines_loaded - 1 where file_hash = ?",
        [f"file-{LATEST_JORNADA}"],
    )
    failed = _failed(_run(warehouse, SUITES["audit_file_ledger"]))
    assert failed == {"lines_in_equals_loaded_plus_quarantined": "ERROR"}


def test_negative_quantities_in_facts_are_errors_with_the_rows(warehouse: Path) -> None:
    execute(
        warehouse,
        "update core.fct_activities set quantity = -3 where jornada_id = ? and line_no = 2",
        [LATEST_JORNADA],
    )
    suite_run = _run(warehouse, SUITES["core_fct_activities"])
    assert _failed(suite_run) == {"column_values_to_be_between:quantity": "ERROR"}
    [outcome] = suite_run.blocking_failures
    assert outcome.unexpected_count == 1
    assert [row["quantity"] for row in outcome.offending_rows] == [-3]


def test_a_suite_that_cannot_be_evaluated_raises_instead_of_passing(
    warehouse: Path, tmp_path: Path
) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text(
        json.dumps(
            {
                "name": "broken",
                "asset": ["marts", "unit_activity"],
                "layer": "marts",
                "batch": {"table": "marts.unit_activity"},
                "expectations": [
                    {
                        "type": "expect_column_values_to_not_be_null",
                        "kwargs": {"column": "no_such_column"},
                        "severity": "ERROR",
                    }
                ],
            }
        )
    )
    with pytest.raises(QualityEngineError, match="no_such_column"):
        _run(warehouse, load_suite(broken))


def test_data_docs_are_static_and_reference_no_external_host(warehouse: Path) -> None:
    execute(warehouse, "update marts.jornada_overview set ooad_participating = 99")
    _run(warehouse, SUITES["marts_jornada_overview"])
    docs = warehouse.parent / "data_docs"
    pages = sorted(docs.rglob("*.html"))
    assert docs / "index.html" in pages and len(pages) >= 2
    for page in pages:
        text = page.read_text(encoding="utf-8").lower()
        for marker in ("http://", "https://", "<script", "<link", "@import", "url("):
            assert marker not in text, f"{page.name} contains {marker}"
    run_page = (docs / "runs" / f"{RUN_ID}.html").read_text(encoding="utf-8")
    assert "marts_jornada_overview.ooad_participation_matches_facts" in run_page
    assert "failed (ERROR)" in run_page
    assert (docs / "validations" / RUN_ID / "marts_jornada_overview.json").exists()
