"""Where a figure applies: the whole country, a state's OOAD(s), or one unit.

States map to OOAD ids through the synonyms seed (a state with two OOADs maps to both,
joined with '+', e.g. 'MCO+MCP'). Units ("UMAE Hospital de Especialidades No. 25 de
Monterrey") are resolved against the units seed by kind, hospital number and city words.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from dagster_project.bulletins.lexicon import Lexicon
from dagster_project.bulletins.text import fold, word_set
from dagster_project.settings import DBT_PROJECT_DIR

UNITS_CSV = DBT_PROJECT_DIR / "seeds" / "units.csv"

_UNIT_NUMBER = re.compile(
    r"\s*(?:\(\s*[a-z]+\s*\)\s*)?(?:no|num|numero|number|#|n[ºo°])\.?\s*(\d{1,4})\b"
)
_ADJACENT = re.compile(r"[\s,]*")
# Words that say nothing about which unit is meant.
_NAME_STOPWORDS = word_set(
    "umae hospital de del la las los el y e of the in at no num numero number cmn centro medico "
    "nacional national medical center especialidades specialty specialties general zona"
)


@dataclass(frozen=True)
class Scope:
    level: str  # national, ooad, unit
    ooad_id: str | None = None
    unit_id: str | None = None
    # why the scope is uncertain, e.g. a unit named in the text but absent from the catalog
    flag: str | None = None


NATIONAL = Scope("national")


@dataclass(frozen=True)
class ScopeMention:
    start: int
    end: int  # end of the name itself ("... No. 25")
    scope: Scope
    # end of the words read to identify it ("de Monterrey, Nuevo León"); nothing in there is
    # another scope
    context_end: int


@dataclass(frozen=True)
class CatalogUnit:
    unit_id: str
    kind: str  # umae_kind for a UMAE, unit_type otherwise
    number: int | None
    ooad_id: str | None
    words: frozenset[str]


class UnitCatalog:
    def __init__(self, units: list[CatalogUnit]):
        self._units = units

    @classmethod
    def read(cls, path: Path = UNITS_CSV) -> UnitCatalog:
        if not path.exists():
            return cls([])
        units = []
        with path.open(encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                name = fold(row["unit_name"])
                number = re.search(r"\bno\.?\s*(\d+)", name)
                kind = row.get("umae_kind") or row["unit_type"]
                words = set(re.findall(r"[a-z]+", name + " " + fold(row.get("city") or "")))
                units.append(
                    CatalogUnit(
                        unit_id=row["unit_id"],
                        kind=kind if row["unit_type"] == "UMAE" else row["unit_type"],
                        number=int(number.group(1)) if number else None,
                        ooad_id=row.get("ooad_id") or None,
                        words=frozenset(words - _NAME_STOPWORDS),
                    )
                )
        return cls(units)

    def resolve(self, kind: str, number: int | None, context: str) -> CatalogUnit | None:
        """The one unit of this kind (and number) whose name words best match the context."""
        candidates = [u for u in self._units if u.kind == kind]
        if number is not None:
            # A catalog name without a number ("Hospital de Cardiología, Monterrey") does not
            # contradict "Hospital de Cardiología No. 34 de Monterrey"; the place words decide.
            numbered = [u for u in candidates if u.number == number]
            candidates = numbered or [u for u in candidates if u.number is None]
        if not candidates:
            return None
        context_words = set(re.findall(r"[a-z]+", context))
        scored = sorted(((len(u.words & context_words), u) for u in candidates), key=_score)
        best_score = scored[0][0]
        best = [u for score, u in scored if score == best_score]
        if len(best) == 1 and (best_score > 0 or len(candidates) == 1):
            return best[0]
        return None


def _score(item: tuple[int, CatalogUnit]) -> tuple[int, str]:
    return (-item[0], item[1].unit_id)


@lru_cache(maxsize=4)
def load_units(path: Path = UNITS_CSV) -> UnitCatalog:
    return UnitCatalog.read(path)


def find_scope_mentions(
    folded: str, start: int, end: int, lexicon: Lexicon, units: UnitCatalog
) -> list[ScopeMention]:
    """Units and states named in folded[start:end]; a state inside a unit's name is not a scope."""
    mentions: list[ScopeMention] = []
    for match in lexicon.unit_kinds.find(folded, start, end):
        number_match = _UNIT_NUMBER.match(folded, match.end)
        number = int(number_match.group(1)) if number_match else None
        name_end = number_match.end() if number_match else match.end
        # The unit's place follows its name up to the clause's end: "No. 25 de Monterrey, N.L."
        stop = re.search(r"[;:.]\s|[;:\d]|$", folded[name_end:end])
        context_end = name_end + (stop.start() if stop else 0)
        context_end = min(context_end, name_end + 80)
        if number is None and match.synonym.code in ("UMF", "HGZ", "HGR", "HGSZ"):
            continue  # "Unidades de Medicina Familiar" without a number is a count, not a place
        resolved = units.resolve(match.synonym.code, number, folded[name_end:context_end])
        if resolved:
            scope = Scope("unit", resolved.ooad_id, resolved.unit_id)
        else:
            scope = Scope("unit", flag="unit_not_in_catalog")
        mentions.append(ScopeMention(match.start, name_end, scope, context_end))
    for match in lexicon.states.find(folded, start, end):
        # a state inside or right after a unit's place words ("..., in Guadalajara, Jalisco")
        if any(
            m.start <= match.start < m.context_end
            or (
                m.context_end <= match.start
                and _ADJACENT.fullmatch(folded, m.context_end, match.start)
            )
            for m in mentions
        ):
            continue
        # "a nivel nacional", "nationwide": back to the whole country
        state = NATIONAL if match.synonym.kind == "national" else Scope("ooad", match.synonym.code)
        mentions.append(ScopeMention(match.start, match.end, state, match.end))
    return sorted(mentions, key=lambda m: m.start)
