"""Phrase synonyms (dbt/seeds/bulletin_synonyms.csv) and matching them in folded text.

The CSV is the single source of truth: dbt loads it as a seed, this module reads the same file.
Phrases are stored folded (lower case, no accents, hyphens as spaces) and match whole words.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from dagster_project.bulletins.text import fold
from dagster_project.settings import DBT_PROJECT_DIR

SYNONYMS_CSV = DBT_PROJECT_DIR / "seeds" / "bulletin_synonyms.csv"

# Kinds read after a number to decide what it counts; the others locate the scope.
FIGURE_KINDS = ("activity", "generic", "total", "specialty", "non_figure")
SCOPE_KINDS = ("state", "national", "unit_kind")


@dataclass(frozen=True)
class Synonym:
    kind: str
    code: str
    specialty: str | None
    phrase: str


@dataclass(frozen=True)
class PhraseMatch:
    start: int
    end: int
    synonym: Synonym


class PhraseMatcher:
    """Longest whole-word phrase at each position, non-overlapping, left to right."""

    def __init__(self, synonyms: list[Synonym]):
        self._by_phrase: dict[str, Synonym] = {}
        for synonym in synonyms:
            known = self._by_phrase.get(synonym.phrase)
            if known and known != synonym:
                raise ValueError(
                    f"phrase {synonym.phrase!r} means both {known.kind}:{known.code} and "
                    f"{synonym.kind}:{synonym.code} in {SYNONYMS_CSV.name}"
                )
            self._by_phrase[synonym.phrase] = synonym
        alternatives = sorted(self._by_phrase, key=len, reverse=True)
        body = "|".join(r"\s+".join(map(re.escape, p.split())) for p in alternatives)
        self._pattern = re.compile(rf"(?<![a-z0-9])(?:{body})(?![a-z0-9])")

    def find(self, folded: str, start: int = 0, end: int | None = None) -> list[PhraseMatch]:
        stop = len(folded) if end is None else end
        return [
            PhraseMatch(m.start(), m.end(), self._by_phrase[" ".join(m.group().split())])
            for m in self._pattern.finditer(folded, start, stop)
        ]


@dataclass(frozen=True)
class Lexicon:
    figures: PhraseMatcher
    states: PhraseMatcher
    unit_kinds: PhraseMatcher


def read_synonyms(path: Path = SYNONYMS_CSV) -> list[Synonym]:
    with path.open(encoding="utf-8", newline="") as handle:
        return [
            Synonym(
                kind=row["kind"].strip(),
                code=row["code"].strip(),
                specialty=row["specialty"].strip() or None,
                phrase=" ".join(fold(row["phrase"]).split()),
            )
            for row in csv.DictReader(handle)
        ]


@lru_cache(maxsize=4)
def load_lexicon(path: Path = SYNONYMS_CSV) -> Lexicon:
    synonyms = read_synonyms(path)
    unknown = {s.kind for s in synonyms} - set(FIGURE_KINDS) - set(SCOPE_KINDS)
    if unknown:
        raise ValueError(f"unknown synonym kinds {sorted(unknown)} in {path}")
    return Lexicon(
        figures=PhraseMatcher([s for s in synonyms if s.kind in FIGURE_KINDS]),
        states=PhraseMatcher([s for s in synonyms if s.kind in ("state", "national")]),
        unit_kinds=PhraseMatcher([s for s in synonyms if s.kind == "unit_kind"]),
    )
