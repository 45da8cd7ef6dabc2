"""Restating published figures from a reading of raw files (the generator's spec check)."""

from __future__ import annotations

from collections import defaultdict

from tests.generator_reader import Reading

HOSPITALS = {"HGZ", "HGR", "HGSZ", "HR", "HGO", "HGP"}


def _matches(row: dict, figure: dict) -> bool:
    if row["jornada_id"] != figure["jornada_id"]:
        return False
    activity = figure["activity"]
    if activity is not None:
        wanted = (activity,) if isinstance(activity, str) else activity
        if row["activity"] not in wanted:
            return False
    if figure["specialty"] is not None and row.get("specialty") != figure["specialty"]:
        return False
    if figure["scope"] == "ooad":
        return row["ooad_id"] in figure["ooad_ids"]
    if figure["scope"] == "unit":
        return row["unit_id"] == figure["unit_id"]
    return True


def observed(reading: Reading, figure: dict) -> float:
    """What the raw files' versions in force say for one published figure."""
    kind = figure["kind"]
    if kind == "performed":
        return sum(r["quantity"] for r in reading.in_force_lines if _matches(r, figure))
    if kind == "goal":
        return sum(r["target"] for r in reading.in_force_goals if _matches(r, figure))
    if kind in ("participation_ooad", "participation_umae"):
        taking_part = {
            (r["unit_id"] if r["unit_type"] == "UMAE" else r["ooad_id"])
            for r in reading.in_force_lines
            if r["jornada_id"] == figure["jornada_id"]
            and r["quantity"] > 0
            and (r["unit_type"] == "UMAE") == (kind == "participation_umae")
        }
        return len(taking_part)
    if kind == "goal_attainment_min_pct":
        as_goal = dict(figure, kind="goal")
        target = sum(r["target"] for r in reading.in_force_goals if _matches(r, as_goal))
        performed = sum(r["quantity"] for r in reading.in_force_lines if _matches(r, figure))
        return 100.0 * performed / target if target else float("nan")
    raise ValueError(kind)


def holds(reading: Reading, figure: dict) -> bool:
    value = observed(reading, figure)
    if figure["kind"] == "goal_attainment_min_pct":
        return value >= figure["quantity"]
    return value == figure["quantity"]


def unit_count(reading: Reading, count: dict) -> int:
    rows = reading.in_force_goals if count["kind"] == "goal_units" else reading.in_force_lines
    column = "target" if count["kind"] == "goal_units" else "quantity"
    units = set()
    for r in rows:
        if r["jornada_id"] != count["jornada_id"] or r["ooad_id"] not in count["ooad_ids"]:
            continue
        if count["activity"] is not None and r["activity"] != count["activity"]:
            continue
        kind_ok = (
            (r["unit_type"] in HOSPITALS)
            if count["unit_type"] == "hospital"
            else (r["unit_type"] == count["unit_type"])
        )
        if kind_ok and r[column] > 0:
            units.add(r["unit_id"])
    return len(units)


def demand_top(reading: Reading, jornada_id: str, activity: str, n: int) -> set[str]:
    totals: dict[str, int] = defaultdict(int)
    for r in reading.in_force_lines:
        if r["jornada_id"] == jornada_id and r["activity"] == activity:
            totals[r["specialty"]] += r["quantity"]
    return set(sorted(totals, key=lambda s: -totals[s])[:n])
