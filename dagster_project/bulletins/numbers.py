"""Numbers as bulletins write them, in English and Spanish.

Digits with thousands separators ("3,242", "3.242"), words ("nine", "once", "veintitrés") and
mixed forms ("3 thousand 53", "one thousand 13", "2 mil 995", "mil 106"). Numbers that are not
quantities (dates, years, ordinals, "No. 25", "COVID-19") are recognised so they are never
read as figures.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import pairwise

from dagster_project.bulletins.text import fold

_EN_SMALL = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
    "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60,
    "seventy": 70, "eighty": 80, "ninety": 90,
}  # fmt: skip
_EN_SCALE = {"hundred": 100, "thousand": 1_000, "million": 1_000_000, "millions": 1_000_000}

_ES_SMALL = {
    "un": 1, "una": 1, "uno": 1, "dos": 2, "tres": 3, "cuatro": 4, "cinco": 5, "seis": 6,
    "siete": 7, "ocho": 8, "nueve": 9, "diez": 10, "once": 11, "doce": 12, "trece": 13,
    "catorce": 14, "quince": 15, "dieciseis": 16, "diecisiete": 17, "dieciocho": 18,
    "diecinueve": 19, "veinte": 20, "veintiun": 21, "veintiuno": 21, "veintiuna": 21,
    "veintidos": 22, "veintitres": 23, "veinticuatro": 24, "veinticinco": 25,
    "veintiseis": 26, "veintisiete": 27, "veintiocho": 28, "veintinueve": 29, "treinta": 30,
    "cuarenta": 40, "cincuenta": 50, "sesenta": 60, "setenta": 70, "ochenta": 80,
    "noventa": 90, "cien": 100, "ciento": 100, "doscientos": 200, "doscientas": 200,
    "trescientos": 300, "trescientas": 300, "cuatrocientos": 400, "cuatrocientas": 400,
    "quinientos": 500, "quinientas": 500, "seiscientos": 600, "seiscientas": 600,
    "setecientos": 700, "setecientas": 700, "ochocientos": 800, "ochocientas": 800,
    "novecientos": 900, "novecientas": 900,
}  # fmt: skip
_ES_SCALE = {"mil": 1_000, "millon": 1_000_000, "millones": 1_000_000}

MONTHS = {
    "january": 1, "february": 2, "march": 3, "april": 4, "may": 5, "june": 6, "july": 7,
    "august": 8, "september": 9, "october": 10, "november": 11, "december": 12,
    "enero": 1, "febrero": 2, "marzo": 3, "abril": 4, "mayo": 5, "junio": 6, "julio": 7,
    "agosto": 8, "septiembre": 9, "setiembre": 9, "octubre": 10, "noviembre": 11,
    "diciembre": 12,
}  # fmt: skip
_MONTH = "(" + "|".join(sorted(MONTHS, key=len, reverse=True)) + ")"
_DAY = r"\d{1,2}(?:st|nd|rd|th)?"
_DAY_LIST = rf"{_DAY}(?:\s*(?:,|and|to|through|al|a|y|e)?\s*(?:the\s+)?{_DAY})*"
_YEAR = r"(?:,?\s+(?:of\s+|de\s+|del\s+)?(\d{4}))?"
_DATE_PATTERNS = (
    # "December 17 to 19", "November 12, 13 and 14, 2021"
    re.compile(rf"\b{_MONTH}\s+({_DAY_LIST}){_YEAR}"),
    # "del 10 al 12 de diciembre", "the 10th to the 12th of December", "12, 13 y 14 de noviembre"
    re.compile(rf"\b({_DAY_LIST})\s+(?:de\s+|of\s+)?{_MONTH}{_YEAR}"),
)
_ISO_DATE = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")

_TOKEN = re.compile(r"\d{1,3}(?:[,.]\d{3})+(?![\d,.]?\d)|\d+(?:[.,]\d+)?|[a-z]+")
_PERCENT_AFTER = re.compile(r"\s*(?:%|percent\b|per\s+cent\b|por\s*ciento\b)")
_UNIT_NUMBER_BEFORE = re.compile(r"(?:\bno|\bnum|\bnumero|\bnumber|#|\bn[ºo°])\.?\s*$")
_ORDINAL_AFTER = re.compile(r"(?:st|nd|rd|th|[ªºo°a])\b|[ªº°]")
# "millones de atenciones", "thousands of patients": an order of magnitude, not a count.
_VAGUE_SCALES = frozenset({"millones", "millions", "miles", "thousands", "cientos", "hundreds"})
# The first bound of a range ("de 40 a 69 años", "between 8 and 10", "from 20 to 59 years"):
# the range says what it bounds after its second number, so the first is never a figure alone.
_RANGE_OPENER = re.compile(r"(?:\bde|\bdesde|\bentre|\bfrom|\bbetween|\baged?)\s+$")
# (a dash was folded to a space, so "40-69" arrives as "40 69")
_RANGE_JOINER = re.compile(r"\s*(?:a|al|hasta|y|to|and|through)\s+|\s+")


@dataclass(frozen=True)
class DateMention:
    start: int
    end: int
    month: int
    days: tuple[int, ...]
    year: int | None


@dataclass(frozen=True)
class NumberMention:
    start: int
    end: int
    value: float
    is_percent: bool
    is_word: bool
    # 'quantity' when it may be a figure; otherwise why it is not (date, year, ordinal, ...)
    role: str


def find_dates(text: str) -> list[DateMention]:
    folded = fold(text)
    found: list[DateMention] = []
    for match in _ISO_DATE.finditer(text):
        found.append(
            DateMention(
                match.start(),
                match.end(),
                int(match.group(2)),
                (int(match.group(3)),),
                int(match.group(1)),
            )
        )
    for pattern in _DATE_PATTERNS:
        for match in pattern.finditer(folded):
            if any(d.start <= match.start() < d.end for d in found):
                continue
            groups = match.groups()
            month_text = groups[0] if groups[0] in MONTHS else groups[1]
            day_text = groups[1] if groups[0] in MONTHS else groups[0]
            days = tuple(int(day) for day in re.findall(r"\d{1,2}", day_text))
            if not days or not all(1 <= day <= 31 for day in days):
                continue
            year = int(groups[2]) if groups[2] else None
            found.append(DateMention(match.start(), match.end(), MONTHS[month_text], days, year))
    return sorted(found, key=lambda d: d.start)


def _word_value(word: str, language: str) -> tuple[int, str] | None:
    """(value, 'small'|'scale') of a number word in the bulletin's language."""
    small, scale = (_EN_SMALL, _EN_SCALE) if language == "en" else (_ES_SMALL, _ES_SCALE)
    if word in small:
        return small[word], "small"
    if word in scale:
        return scale[word], "scale"
    return None


def _digits_value(token: str) -> tuple[float, bool]:
    """(value, is_decimal). '3,242' and '3.242' are thousands; '98.5' is a decimal."""
    if re.fullmatch(r"\d{1,3}(?:[,.]\d{3})+", token):
        return float(re.sub(r"[,.]", "", token)), False
    if re.fullmatch(r"\d+[.,]\d+", token):
        return float(token.replace(",", ".")), True
    return float(token), False


def find_numbers(text: str, language: str) -> list[NumberMention]:
    """Every number in `text` with its value and whether it can be a figure."""
    folded = fold(text)
    tokens = [(m.start(), m.end(), m.group()) for m in _TOKEN.finditer(folded)]
    dates = find_dates(text)
    mentions: list[NumberMention] = []
    index = 0
    while index < len(tokens):
        parsed = _parse_number(tokens, index, folded, language)
        if parsed is None:
            index += 1
            continue
        end_index, value, is_word, is_decimal = parsed
        start, end = tokens[index][0], tokens[end_index][1]
        mention = _classify(text, folded, start, end, value, is_word, is_decimal, dates)
        mentions.append(mention)
        index = end_index + 1
        while index < len(tokens) and tokens[index][0] < mention.end:
            index += 1  # the words of "por ciento" are not numbers of their own
    return _mark_range_starts(folded, mentions)


def _mark_range_starts(folded: str, mentions: list[NumberMention]) -> list[NumberMention]:
    marked = list(mentions)
    for position, (first, second) in enumerate(pairwise(mentions)):
        if first.role != "quantity" or first.is_percent:
            continue
        if _RANGE_OPENER.search(folded[max(0, first.start - 8) : first.start]) and (
            _RANGE_JOINER.fullmatch(" " + folded[first.end : second.start])
        ):
            marked[position] = NumberMention(
                first.start, first.end, first.value, False, first.is_word, "range_start"
            )
    return marked


def _parse_number(
    tokens: list[tuple[int, int, str]], index: int, folded: str, language: str
) -> tuple[int, float, bool, bool] | None:
    """Longest number starting at tokens[index]: (last token index, value, has words, decimal)."""
    total = 0.0
    current = 0.0
    is_word = False
    last = None
    previous_kind = None  # 'digit', 'small', 'scale'
    position = index
    while position < len(tokens):
        start, _end, token = tokens[position]
        if position > index:
            gap = folded[tokens[position - 1][1] : start]
            if gap.strip() or "\n" in gap:
                break
        if token in ("and", "y") and position > index:
            # "one hundred and five", "treinta y dos": a connector only between number words
            joins = (token == "and" and language == "en" and previous_kind == "scale") or (
                token == "y" and language == "es" and previous_kind == "small" and current % 10 == 0
            )
            following = tokens[position + 1][2] if position + 1 < len(tokens) else ""
            if joins and _word_value(following, language) is not None:
                position += 1
                continue
            break
        if token[0].isdigit():
            if previous_kind in ("digit", "small"):
                break
            value, is_decimal = _digits_value(token)
            if is_decimal and position > index:
                break
            if is_decimal:
                return position, value, False, True
            current += value
            previous_kind = "digit"
        else:
            word = _word_value(token, language)
            if word is None or (previous_kind is None and token in _VAGUE_SCALES):
                break
            value, kind = word
            if kind == "small":
                if previous_kind == "digit" or (previous_kind == "small" and current % 10 != 0):
                    break
                if previous_kind == "small" and value >= 100:
                    break
                current += value
            else:
                if previous_kind is None and language == "en":
                    break  # "thousand" alone is not a number in English bulletins
                if value == 100:
                    current = (current or 1) * value
                else:
                    total += (current or 1) * value
                    current = 0
            previous_kind = kind
            is_word = True
        last = position
        position += 1
    if last is None:
        return None
    # A dangling connector ("... and") must not be swallowed: `last` is the last number token.
    return last, total + current, is_word, False


def _classify(
    text: str,
    folded: str,
    start: int,
    end: int,
    value: float,
    is_word: bool,
    is_decimal: bool,
    dates: list[DateMention],
) -> NumberMention:
    def mention(role: str, stop: int = end, percent: bool = False) -> NumberMention:
        return NumberMention(start, stop, value, percent, is_word, role)

    if any(date.start <= start < date.end for date in dates):
        return mention("date")
    percent = _PERCENT_AFTER.match(folded, end)
    if percent:
        return mention("quantity", percent.end(), True)
    if is_decimal:
        return mention("decimal")
    if _UNIT_NUMBER_BEFORE.search(folded[max(0, start - 12) : start]):
        return mention("unit_number")
    if not is_word and _ORDINAL_AFTER.match(text, end):
        return mention("ordinal")
    if re.search(r"covid\s*$", folded[max(0, start - 7) : start]):
        return mention("name")
    if not is_word and re.fullmatch(r"(19|20)\d\d", text[start:end]):
        return mention("year")
    if end < len(text) and text[end] == ":":
        return mention("time")
    return mention("quantity")
