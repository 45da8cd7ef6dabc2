"""Which national day a bulletin is about: "Eleventh National Day", "14th National Day",
"Décima Primera Jornada Nacional", "December 17 to 19", "del 10 al 12 de diciembre".

Dates without a year take it from the publication date. The calendar seed
(dbt/seeds/jornadas.csv) turns dates into a jornada id.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from dagster_project.bulletins.numbers import find_dates
from dagster_project.bulletins.text import fold
from dagster_project.settings import DBT_PROJECT_DIR

JORNADAS_CSV = DBT_PROJECT_DIR / "seeds" / "jornadas.csv"

_EN_ORDINALS = {
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7,
    "eighth": 8, "ninth": 9, "tenth": 10, "eleventh": 11, "twelfth": 12, "thirteenth": 13,
    "fourteenth": 14, "fifteenth": 15, "sixteenth": 16, "seventeenth": 17, "eighteenth": 18,
    "nineteenth": 19, "twentieth": 20,
}  # fmt: skip
_ES_UNITS = {
    "primer": 1, "primera": 1, "primero": 1, "segunda": 2, "segundo": 2, "tercera": 3,
    "tercer": 3, "tercero": 3, "cuarta": 4, "cuarto": 4, "quinta": 5, "quinto": 5,
    "sexta": 6, "sexto": 6, "septima": 7, "septimo": 7, "octava": 8, "octavo": 8,
    "novena": 9, "noveno": 9,
}  # fmt: skip
_ES_SINGLE = {
    "decima": 10, "decimo": 10, "undecima": 11, "onceava": 11, "duodecima": 12,
    "doceava": 12, "treceava": 13, "catorceava": 14, "quinceava": 15, "vigesima": 20,
}  # fmt: skip
_DAY_WORD = (
    r"(?:national\s+(?:day|days|journey|conference|session)|jornadas?(?:\s+nacional(?:es)?)?)"
)
_DIGIT_ORDINAL = re.compile(rf"\b(\d{{1,2}})\s*(?:st|nd|rd|th|a|ª|º|°|o|va|ava)\.?\s+{_DAY_WORD}")
_ROMAN_ORDINAL = re.compile(rf"\b([ivxl]+)\s+{_DAY_WORD}")
_ROMAN = {"i": 1, "v": 5, "x": 10, "l": 50}
_WORD_ORDINAL = re.compile(rf"\b((?:[a-z]+\s+){{0,1}}[a-z]+)\s+{_DAY_WORD}")


@dataclass(frozen=True)
class JornadaRef:
    jornada_id: str | None
    # how it was found, or why not: 'ordinal', 'dates', 'ordinal+dates', 'conflict', 'unknown'
    basis: str


@dataclass(frozen=True)
class CalendarDay:
    jornada_id: str
    year: int
    number: int
    kind: str
    start: dt.date
    end: dt.date


@lru_cache(maxsize=4)
def load_calendar(path: Path = JORNADAS_CSV) -> tuple[CalendarDay, ...]:
    if not path.exists():
        return ()
    with path.open(encoding="utf-8", newline="") as handle:
        return tuple(
            CalendarDay(
                row["jornada_id"],
                int(row["year"]),
                int(row["number"]),
                row["kind"],
                dt.date.fromisoformat(row["start_date"]),
                dt.date.fromisoformat(row["end_date"]),
            )
            for row in csv.DictReader(handle)
        )


def _ordinal_value(words: str) -> int | None:
    parts = words.split()
    if parts and parts[-1] in _EN_ORDINALS:
        return _EN_ORDINALS[parts[-1]]
    if len(parts) == 2 and parts[0] in ("decima", "decimo") and parts[1] in _ES_UNITS:
        return 10 + _ES_UNITS[parts[1]]
    if len(parts) == 2 and parts[0] == "decimo" and parts[1] in ("primera", "segunda"):
        return 10 + _ES_UNITS[parts[1]]
    joined = "".join(parts[-1:])
    for prefix in ("decimo", "decima"):
        if joined.startswith(prefix) and joined[len(prefix) :] in _ES_UNITS:
            return 10 + _ES_UNITS[joined[len(prefix) :]]
    if parts and parts[-1] in _ES_SINGLE:
        return _ES_SINGLE[parts[-1]]
    if parts and parts[-1] in _ES_UNITS:
        return _ES_UNITS[parts[-1]]
    return None


def _roman_value(numeral: str) -> int:
    values = [_ROMAN[char] for char in numeral]
    return sum(-v if i + 1 < len(values) and v < values[i + 1] else v for i, v in enumerate(values))


def find_ordinal(text: str) -> int | None:
    folded = fold(text)
    candidates: list[tuple[int, int]] = []
    for match in _DIGIT_ORDINAL.finditer(folded):
        candidates.append((match.start(), int(match.group(1))))
    for match in _ROMAN_ORDINAL.finditer(folded):
        candidates.append((match.start(), _roman_value(match.group(1))))
    for match in _WORD_ORDINAL.finditer(folded):
        value = _ordinal_value(match.group(1))
        if value is not None:
            candidates.append((match.start(), value))
    return min(candidates)[1] if candidates else None


def _date_in_year(month: int, day: int, year: int | None, published: dt.date | None) -> dt.date:
    if year is None and published is not None:
        year = published.year
        # A bulletin published in January about "December 17 to 19" speaks of last year.
        if published and month > published.month + 1:
            year -= 1
    return dt.date(year, month, day)


def _fits_ignoring_year(day: CalendarDay, month: int, day_of_month: int) -> bool:
    try:
        return day.start <= dt.date(day.start.year, month, day_of_month) <= day.end
    except ValueError:
        return False


def recognise_jornada(
    text: str, published: dt.date | None, calendar: tuple[CalendarDay, ...]
) -> JornadaRef:
    ordinal = find_ordinal(text)
    dated: CalendarDay | None = None
    date_year: int | None = None
    for mention in find_dates(text):
        if mention.year is None and published is None:
            # no year anywhere: the calendar decides when only one day fits the month and day
            fitting = [
                c for c in calendar if _fits_ignoring_year(c, mention.month, mention.days[0])
            ]
            dated = fitting[0] if len(fitting) == 1 else None
            if dated:
                break
            continue
        try:
            day = _date_in_year(mention.month, mention.days[0], mention.year, published)
        except ValueError:
            continue
        date_year = date_year or day.year
        dated = next((c for c in calendar if c.start <= day <= c.end), None)
        if dated:
            break
    if ordinal is not None:
        year = dated.year if dated else (date_year or (published.year if published else None))
        if year is None:
            return JornadaRef(None, "unknown")
        by_number = f"{year}-{ordinal:02d}"
        if dated is None:
            return JornadaRef(by_number, "ordinal")
        if dated.jornada_id == by_number:
            return JornadaRef(by_number, "ordinal+dates")
        return JornadaRef(by_number, "conflict")
    if dated:
        return JornadaRef(dated.jornada_id, "dates")
    return JornadaRef(None, "unknown")


# "In the previous national day ... 96 percent of its goal": the sentence speaks of the day
# before the bulletin's own.
_PREVIOUS_DAY = re.compile(
    rf"\b(?:previous|prior|preceding)\s+{_DAY_WORD}"
    r"|\bjornadas?(?:\s+nacional(?:es)?)?\s+(?:anterior|pasada|previa)\b"
    r"|\b(?:anterior|pasada|previa)\s+jornadas?\b"
)


_CLAUSE_START = re.compile(r"[,;]|\bwhile\b|\bmientras\b")


def previous_day_clause_start(sentence_folded: str) -> int | None:
    """Where the clause that speaks of the previous national day starts (offset in the
    sentence), or None. Numbers before that clause ("640 surgeries, 20 percent more than in the
    previous national day") are of the bulletin's own day."""
    mention = _PREVIOUS_DAY.search(sentence_folded)
    if mention is None:
        return None
    breaks = [m.end() for m in _CLAUSE_START.finditer(sentence_folded, 0, mention.start())]
    return breaks[-1] if breaks else 0


def previous_jornada(jornada_id: str | None, calendar: tuple[CalendarDay, ...]) -> str | None:
    """The national day held just before `jornada_id` (numbering restarts every year)."""
    current = next((c for c in calendar if c.jornada_id == jornada_id), None)
    if current is None:
        return None
    earlier = [c for c in calendar if c.kind == current.kind and c.end < current.start]
    return max(earlier, key=lambda c: c.start).jornada_id if earlier else None
