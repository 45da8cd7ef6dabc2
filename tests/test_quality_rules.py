"""DHIS2-style comparison rules and suite loading, on tiny tables (no Great Expectations)."""

from __future__ import annotations

import json
import random
from dataclasses import replace
from pathlib import Path

import duckdb
import pytest

from dagster_project.quality import engine
from dagster_project.quality.rules import unsettled_groups_cte, violations_sql
from dagster_project.quality.suites import (
    Rule,
    RuleSide,
    Suite,
    SuiteError,
    load_suite,
    load_suites,
)
from dagster_project.settings import EXPECTATIONS_DIR


@pytest.fixture
def con():
    connection = duckdb.connect()
    # Unit rows against OOAD rows: A adds up, B does not, C has no OOAD row, D only an OOAD row.
    connection.execute(
        """
        create table unit_rows as select * from (values
            ('A', 5), ('A', 7), ('B', 3), ('C', 4), ('E', null)
        ) as t(ooad_id, value);
        create table ooad_rows as select * from (values
            ('A', 12), ('B', 4), ('D', 6), ('E', null)
        ) as t(ooad_id, value);
        """
    )
    yield connection
    connection.close()


def _rule(operator: str = "==", strategy: str = "NEVER_SKIP", tolerance: float = 0) -> Rule:
    return Rule(
        name="units_add_up",
        severity="ERROR",
        description="",
        left=RuleSide(sql="select ooad_id, value from unit_rows", label="units"),
        right=RuleSide(sql="select ooad_id, value from ooad_rows", label="ooad"),
        operator=operator,
        keys=("ooad_id",),
        missing_value_strategy=strategy,
        tolerance=tolerance,
    )


def _violating_keys(con, rule: Rule) -> dict[str, tuple]:
    rows = con.execute(violations_sql(rule)).fetchall()
    return {row[0]: row[1:] for row in rows}


def test_never_skip_counts_a_missing_side_as_zero(con) -> None:
    found = _violating_keys(con, _rule())
    assert set(found) == {"B", "C", "D"}
    left, right, difference, expression = found["B"]
    assert (left, right, difference) == (3, 4, -1)
    assert expression == "units == ooad"
    assert found["C"][:3] == (4, None, 4)


def test_skip_if_any_value_missing_judges_only_complete_pairs(con) -> None:
    assert set(_violating_keys(con, _rule(strategy="SKIP_IF_ANY_VALUE_MISSING"))) == {"B"}


def test_skip_if_all_values_missing_keeps_one_sided_rows(con) -> None:
    found = _violating_keys(con, _rule(strategy="SKIP_IF_ALL_VALUES_MISSING"))
    # E is missing on both sides: skipped; C and D have one side: judged with 0 for the other.
    assert set(found) == {"B", "C", "D"}


def test_inequality_and_tolerance(con) -> None:
    assert set(_violating_keys(con, _rule(operator="<="))) == {"C"}
    assert (
        set(_violating_keys(con, _rule(tolerance=1, strategy="SKIP_IF_ANY_VALUE_MISSING"))) == set()
    )


def test_a_null_key_pairs_with_the_same_null_key_on_the_other_side(con) -> None:
    """Keys are matched as `is not distinct from` matches them: the unit rows of a null OOAD
    (UMAE have none) meet the OOAD side's null row, and are summed with each other."""
    con.execute("insert into unit_rows values (null, 2), (null, 3)")
    con.execute("insert into ooad_rows values (null, 5)")
    assert set(_violating_keys(con, _rule())) == {"B", "C", "D"}
    con.execute("insert into ooad_rows values (null, 1)")
    found = _violating_keys(con, _rule())
    assert found[None][:3] == (5, 6, -1)


def test_shipped_suites_load_with_at_least_twenty_checks_over_two_severities() -> None:
    suites = load_suites(EXPECTATIONS_DIR)
    severities = {item.severity for suite in suites for item in (*suite.expectations, *suite.rules)}
    assert sum(suite.check_count for suite in suites) >= 20
    assert severities == {"ERROR", "WARN"}
    layers = {suite.layer for suite in suites}
    assert {"raw", "staging", "core", "marts", "audit"} <= layers


def test_every_rule_of_the_shipped_suites_parses() -> None:
    for suite in load_suites(EXPECTATIONS_DIR):
        for rule in suite.rules:
            statement = violations_sql(rule)
            assert duckdb.extract_statements(statement), rule.name


def _fingerprinted_rule_suite(operator: str, groups: list[str]) -> dict:
    """A suite whose one comparison rule, keyed by (a, b), names `fingerprint_groups_by`."""
    rule = {
        "name": "r",
        "severity": "ERROR",
        "operator": operator,
        "keys": ["a", "b"],
        "left": {"sql": "select 1"},
        "right": {"sql": "select 1"},
        "fingerprint_groups_by": groups,
    }
    return {"name": "x", "asset": ["a"], "layer": "raw", "rules": [rule]}


@pytest.mark.parametrize(
    "broken, message",
    [
        ({"name": "x", "asset": ["a"], "layer": "raw"}, "needs expectations or rules"),
        (
            {
                "name": "x",
                "asset": ["a"],
                "layer": "raw",
                "batch": {"table": "t"},
                "expectations": [{"type": "expect_column_values_to_not_be_null", "kwargs": {}}],
            },
            "severity",
        ),
        (
            {
                "name": "x",
                "asset": ["a"],
                "layer": "raw",
                "rules": [{"name": "r", "severity": "ERROR", "operator": "=~"}],
            },
            "needs `sql`",
        ),
        (_fingerprinted_rule_suite("<=", ["a"]), "fingerprint_groups_by needs operator =="),
        (_fingerprinted_rule_suite("==", ["a", "b"]), "some, not all, of the keys"),
    ],
)
def test_malformed_suites_are_refused_with_the_reason(
    tmp_path: Path, broken: dict, message: str
) -> None:
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(broken))
    with pytest.raises(SuiteError, match=message):
        load_suite(path)


@pytest.mark.parametrize("violations", [0, 3, engine.OFFENDING_ROWS_KEPT + 7])
def test_a_rule_keeps_its_first_violations_in_order_and_counts_them_all(violations: int) -> None:
    con = duckdb.connect()
    con.execute("create table readings as select range as n from range(100)")
    rule = Rule(
        name="too_high",
        severity="WARN",
        description="",
        sql=f"select n from readings where n >= {100 - violations} order by n desc",
    )
    suite = Suite(
        name="readings",
        asset=("raw", "readings"),
        layer="raw",
        description="",
        batch_sql=None,
        expectations=(),
        rules=(rule,),
        path=Path("readings.json"),
    )
    [measured] = engine.measure_suite(con, suite).rules
    assert measured.violations == violations
    kept = min(violations, engine.OFFENDING_ROWS_KEPT)
    assert measured.sample["n"].tolist() == list(range(99, 99 - kept, -1))
    # Nothing is left behind on the checks' connection.
    assert con.execute("select count(*) from duckdb_tables() where temporary").fetchone() == (0,)
    con.close()


# --- fingerprinted comparisons: the same violations, fewer keys compared ---------------------


def _random_sides(con, seed: int) -> None:
    """Unit x activity rows on two sides that mostly agree: the left side one row per key, the
    right side the same totals split over one to three rows (as the facts sum to a mart), then
    a few differences of every kind a comparison must find."""
    rng = random.Random(seed)
    units = [f"U{n}" for n in range(6)] + [None]
    activities = ["consulta", "cirugia", None]
    left, right = [], []
    for unit in units:
        for activity in activities:
            if rng.random() < 0.3:
                continue
            total = rng.choice([0, 1, 2, 5, 40, 1_000_000_007, None])
            left.append((unit, activity, total))
            if total is None or total < 2:
                right.append((unit, activity, total))
            else:
                first = rng.randint(0, total)
                right += [(unit, activity, first), (unit, activity, total - first)]
    for _ in range(rng.randint(0, 3)):
        unit, activity, total = rng.choice(left)
        change = rng.choice(["value", "fraction", "left_only", "right_only", "zero", "null"])
        if change == "value":
            right.append((unit, activity, rng.choice([1, -1, 3])))
        elif change == "fraction":
            left.append((unit, activity, 0.5))
            right.append((unit, activity, rng.choice([0.5, 1])))
        elif change == "left_only":
            left.append((unit, "transplante", rng.choice([0, 4])))
        elif change == "right_only":
            right.append((unit, "deteccion", rng.choice([0, 4])))
        elif change == "zero":
            left.append((unit, "vacuna", 0))
        else:
            right.append((unit, "vacuna", None))
    for name, rows in (("left_rows", left), ("right_rows", right)):
        con.execute(
            f"create or replace table {name} (unit_id varchar, activity varchar, value double)"
        )
        if rows:
            con.executemany(f"insert into {name} values (?, ?, ?)", rows)


def _unit_activity_rule(strategy: str, tolerance: float) -> Rule:
    return replace(
        _rule(strategy=strategy, tolerance=tolerance),
        name="mart_equals_facts",
        left=RuleSide(sql="select unit_id, activity, value from left_rows", label="mart"),
        right=RuleSide(sql="select unit_id, activity, value from right_rows", label="facts"),
        keys=("unit_id", "activity"),
    )


@pytest.mark.parametrize(
    "strategy", ["NEVER_SKIP", "SKIP_IF_ANY_VALUE_MISSING", "SKIP_IF_ALL_VALUES_MISSING"]
)
@pytest.mark.parametrize("tolerance", [0, 0.5])
def test_a_fingerprinted_comparison_finds_exactly_the_violations_of_the_plain_one(
    strategy: str, tolerance: float
) -> None:
    con = duckdb.connect()
    plain = _unit_activity_rule(strategy, tolerance)
    fingerprinted = replace(plain, fingerprint_groups_by=("unit_id",))
    cases_with_violations = 0
    for seed in range(60):
        _random_sides(con, seed)
        expected = con.execute(violations_sql(plain)).fetchall()
        assert con.execute(violations_sql(fingerprinted)).fetchall() == expected, seed
        cases_with_violations += bool(expected)
    # the draw covers agreeing and disagreeing sides alike
    assert 5 <= cases_with_violations < 60
    con.close()


def test_only_the_groups_whose_fingerprints_differ_are_compared_key_by_key() -> None:
    con = duckdb.connect()
    con.execute(
        """
        create table left_rows as select * from (values
            ('U1', 'consulta', 5.0), ('U1', 'cirugia', 2.0),
            ('U2', 'consulta', 3.0), ('U2', 'cirugia', 1.0),
            ('U3', 'consulta', 0.5),
            (null, 'consulta', 7.0)
        ) as t(unit_id, activity, value);
        create table right_rows as select * from (values
            ('U1', 'consulta', 2.0), ('U1', 'consulta', 3.0), ('U1', 'cirugia', 2.0),
            ('U2', 'consulta', 1.0), ('U2', 'cirugia', 3.0),
            ('U3', 'consulta', 0.5),
            (null, 'consulta', 7.0)
        ) as t(unit_id, activity, value);
        """
    )
    rule = replace(_unit_activity_rule("NEVER_SKIP", 0), fingerprint_groups_by=("unit_id",))
    unsettled = con.execute(f"with {unsettled_groups_cte(rule)} select * from unsettled_groups")
    # U1 agrees (its facts split over two rows), U2's totals are swapped between activities, U3
    # holds a fraction (never settled by the fingerprint), the null unit agrees.
    assert sorted(unsettled.fetchall()) == [("U2",), ("U3",)]
    assert {row[:2] for row in con.execute(violations_sql(rule)).fetchall()} == {
        ("U2", "consulta"),
        ("U2", "cirugia"),
    }
    con.close()
