"""Text folding and splitting that keep character offsets aligned with the original."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

_DASHES = "-\u2010\u2011\u2012\u2013\u2014"


def _fold_char(char: str) -> str:
    if char in _DASHES:
        return " "
    if char in "\u00a0\u202f\u2009":
        return " "
    base = unicodedata.normalize("NFD", char)[0].lower()
    # Characters whose base is not a single code point (rare ligatures) stay as they are,
    # because the folded text must keep exactly one character per original character.
    return base if len(base) == 1 else char.lower()


def fold(text: str) -> str:
    """Lower-case, accent-free, hyphens as spaces; same length as `text`, offsets unchanged."""
    return "".join(_fold_char(char) for char in text)


def word_set(words: str) -> frozenset[str]:
    return frozenset(words.split())


@dataclass(frozen=True)
class Span:
    start: int
    end: int


def paragraphs(body: str) -> list[Span]:
    """Blocks separated by blank lines, as offsets into `body`."""
    spans = []
    for match in re.finditer(r"\S(?:.*?\S)?(?=\n\s*\n|\s*\Z)", body, flags=re.DOTALL):
        spans.append(Span(match.start(), match.end()))
    return spans


# Abbreviations after which a full stop does not end a sentence.
_ABBREVIATIONS = {
    "no",
    "num",
    "nº",
    "dr",
    "dra",
    "sr",
    "sra",
    "lic",
    "mtro",
    "mtra",
    "ing",
    "c",
    "p",
}
_SENTENCE_END = re.compile(r"[.!?](?=[\s\"”’)]*(?:\s|$))")


def sentences(text: str, start: int, end: int) -> list[Span]:
    """Sentences inside text[start:end]; a full stop after 'No.' or inside '3.242' is not an end."""
    spans = []
    cursor = start
    for match in _SENTENCE_END.finditer(text, start, end):
        word = re.search(r"(\w+)$", text[cursor : match.start()])
        if word and fold(word.group(1)) in _ABBREVIATIONS:
            continue
        stop = match.end()
        if text[cursor:stop].strip():
            spans.append(_trimmed(text, cursor, stop))
        cursor = stop
    if text[cursor:end].strip():
        spans.append(_trimmed(text, cursor, end))
    return spans


def _trimmed(text: str, start: int, end: int) -> Span:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return Span(start, end)
