"""Precision and recall of the extractor against a hand-made gold list of figures.

A gold list is a CSV with `bulletin_id, jornada_id, scope_level, ooad_id, unit_id, activity,
specialty, quantity, figure_kind, flagged` (one row per figure a careful reader finds). A
figure counts as found only when every column but `flagged` matches; repeated figures count
as many times as they are stated.
"""

from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from dagster_project.bulletins.extract import BulletinFigure, extract_figures
from dagster_project.bulletins.frontmatter import parse_bulletin

FigureKey = tuple[str, str, str, str, str, str, str, int, str]


@dataclass(frozen=True)
class Score:
    precision: float
    recall: float
    true_positives: int
    gold_count: int
    extracted_count: int
    missed: tuple[FigureKey, ...]
    spurious: tuple[FigureKey, ...]

    def report(self) -> str:
        lines = [
            f"precision {self.precision:.3f}, recall {self.recall:.3f} "
            f"({self.true_positives} of {self.gold_count} gold figures, "
            f"{self.extracted_count} extracted)"
        ]
        lines += [f"  missed:   {key}" for key in self.missed]
        lines += [f"  spurious: {key}" for key in self.spurious]
        return "\n".join(lines)


def read_gold(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def gold_key(row: dict[str, str]) -> FigureKey:
    return _key(
        row["bulletin_id"],
        row["jornada_id"],
        row["scope_level"],
        row["ooad_id"],
        row["unit_id"],
        row["activity"],
        row["specialty"],
        float(row["quantity"]),
        row["figure_kind"],
    )


def figure_key(figure: BulletinFigure) -> FigureKey:
    return _key(
        figure.bulletin_id,
        figure.jornada_id,
        figure.scope_level,
        figure.ooad_id,
        figure.unit_id,
        figure.activity,
        figure.specialty,
        figure.quantity,
        figure.figure_kind,
    )


def _key(bulletin_id, jornada, scope, ooad, unit, activity, specialty, quantity, kind) -> FigureKey:
    return (
        bulletin_id,
        jornada or "",
        scope,
        ooad or "",
        unit or "",
        activity or "",
        specialty or "",
        int(round(quantity)),
        kind,
    )


def find_bulletins(bulletin_ids: Iterable[str], folders: Sequence[Path]) -> dict[str, Path]:
    """The file of every named bulletin (`*.txt` or `*.md`); a missing one is an error."""
    found = {
        path.stem: path
        for folder in folders
        for pattern in ("*.txt", "*.md")
        for path in folder.glob(pattern)
    }
    wanted = set(bulletin_ids)
    missing = wanted - set(found)
    if missing:
        raise FileNotFoundError(f"gold names bulletins not found in {folders}: {sorted(missing)}")
    return {stem: found[stem] for stem in sorted(wanted)}


def extract_all(bulletins: dict[str, Path]) -> list[BulletinFigure]:
    figures: list[BulletinFigure] = []
    for stem, path in bulletins.items():
        figures.extend(extract_figures(stem, parse_bulletin(path.read_text(encoding="utf-8"))))
    return figures


def score(gold_rows: list[dict[str, str]], figures: list[BulletinFigure]) -> Score:
    gold = Counter(gold_key(row) for row in gold_rows)
    predicted = Counter(figure_key(figure) for figure in figures)
    true_positives = sum((gold & predicted).values())
    gold_count, extracted_count = sum(gold.values()), sum(predicted.values())
    return Score(
        precision=true_positives / extracted_count if extracted_count else 0.0,
        recall=true_positives / gold_count if gold_count else 0.0,
        true_positives=true_positives,
        gold_count=gold_count,
        extracted_count=extracted_count,
        missed=tuple(sorted((gold - predicted).elements())),
        spurious=tuple(sorted((predicted - gold).elements())),
    )


def evaluate(gold_csv: Path, folders: Sequence[Path]) -> Score:
    """Extract every bulletin the gold list names and score the result against it."""
    rows = read_gold(gold_csv)
    bulletins = find_bulletins((row["bulletin_id"] for row in rows), folders)
    return score(rows, extract_all(bulletins))
