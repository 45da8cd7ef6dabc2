"""Precision and recall of the bulletin extractor against the hand-made gold list.

The labeled set is the two seed bulletins shipped in raw/bulletins/ plus the bulletins in
tests/bulletins/ (English and Spanish, written in the same style). A figure counts as found
only when bulletin, jornada, scope, OOAD/unit, activity, specialty, quantity and kind all match.
"""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import pytest

from dagster_project.bulletins import extract_figures, parse_bulletin

REPO = Path(__file__).resolve().parent.parent
GOLD = REPO / "tests" / "bulletins" / "gold.csv"
BULLETIN_DIRS = (REPO / "raw" / "bulletins", REPO / "tests" / "bulletins")
THRESHOLD = 0.9


def _key(bulletin_id, jornada, scope, ooad, unit, activity, specialty, quantity, kind) -> tuple:
    return (
        bulletin_id,
        jornada or "",
        scope,
        ooad or "",
        unit or "",
        activity or "",
        specialty or "",
        int(round(float(quantity))),
        kind,
    )


def _gold() -> list[dict[str, str]]:
    with GOLD.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _labeled_bulletins() -> dict[str, Path]:
    wanted = {row["bulletin_id"] for row in _gold()}
    found = {p.stem: p for folder in BULLETIN_DIRS for p in folder.glob("*.txt")}
    missing = wanted - set(found)
    assert not missing, f"gold names bulletins that are not in the labeled set: {missing}"
    return {stem: found[stem] for stem in sorted(wanted)}


def _extracted() -> list:
    figures = []
    for stem, path in _labeled_bulletins().items():
        figures.extend(extract_figures(stem, parse_bulletin(path.read_text(encoding="utf-8"))))
    return figures


def test_labeled_set_covers_both_languages_and_at_least_eight_bulletins():
    bulletins = _labeled_bulletins()
    languages = Counter(
        extract_figures(stem, parse_bulletin(path.read_text(encoding="utf-8")))[0].language
        for stem, path in bulletins.items()
    )
    assert len(bulletins) >= 8
    assert languages["en"] >= 3 and languages["es"] >= 3


def test_precision_and_recall_reach_the_threshold(capsys):
    gold = Counter(
        _key(
            r["bulletin_id"],
            r["jornada_id"],
            r["scope_level"],
            r["ooad_id"],
            r["unit_id"],
            r["activity"],
            r["specialty"],
            r["quantity"],
            r["figure_kind"],
        )
        for r in _gold()
    )
    predicted = Counter(
        _key(
            f.bulletin_id,
            f.jornada_id,
            f.scope_level,
            f.ooad_id,
            f.unit_id,
            f.activity,
            f.specialty,
            f.quantity,
            f.figure_kind,
        )
        for f in _extracted()
    )
    true_positives = sum((gold & predicted).values())
    precision = true_positives / sum(predicted.values())
    recall = true_positives / sum(gold.values())
    with capsys.disabled():
        print(
            f"\nbulletin extraction: precision {precision:.3f}, recall {recall:.3f} "
            f"({true_positives} of {sum(gold.values())} gold figures, "
            f"{sum(predicted.values())} extracted)"
        )
        for missed in sorted((gold - predicted).elements()):
            print("  missed:  ", missed)
        for spurious in sorted((predicted - gold).elements()):
            print("  spurious:", spurious)
    assert precision >= THRESHOLD, f"precision {precision:.3f} below {THRESHOLD}"
    assert recall >= THRESHOLD, f"recall {recall:.3f} below {THRESHOLD}"


@pytest.mark.parametrize(
    "row", [r for r in _gold() if r["flagged"] == "1"], ids=lambda r: r["quantity"]
)
def test_garbled_figures_are_flagged_with_a_reason_and_low_confidence(row):
    matches = [
        f
        for f in _extracted()
        if f.bulletin_id == row["bulletin_id"] and f.quantity == float(row["quantity"])
    ]
    assert matches, f"the garbled figure {row['quantity']} must stay queryable"
    assert all(f.flags and f.confidence <= 0.5 for f in matches)
