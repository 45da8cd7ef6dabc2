"""A bulletin file: optional front matter (title, date, language, source) and its body."""

from __future__ import annotations

import re
from dataclasses import dataclass

_FRONT_MATTER = re.compile(r"\A\ufeff?---[ \t]*\r?\n(.*?)\r?\n---[ \t]*(?:\r?\n|\Z)", re.DOTALL)
_FIELD = re.compile(r"^([A-Za-z_]+)[ \t]*:[ \t]*(.*?)[ \t]*$")


@dataclass(frozen=True)
class Bulletin:
    title: str | None
    published_date: str | None
    language: str | None
    source: str | None
    body: str


def parse_bulletin(text: str) -> Bulletin:
    """Split the front matter from the body; unknown keys are ignored, comments dropped."""
    fields: dict[str, str] = {}
    body = text.lstrip("\ufeff")
    match = _FRONT_MATTER.match(text)
    if match:
        body = text[match.end() :]
        for line in match.group(1).splitlines():
            field = _FIELD.match(_without_comment(line))
            if field:
                fields[field.group(1).lower()] = field.group(2).strip().strip("\"'")
    return Bulletin(
        title=fields.get("title") or None,
        published_date=fields.get("date") or fields.get("published") or None,
        language=(fields.get("language") or fields.get("lang") or "").lower() or None,
        source=fields.get("source") or None,
        body=body,
    )


def _without_comment(line: str) -> str:
    # YAML-style trailing comment, as in the raw contract's example (`date: 2021-12-22  # ...`).
    return re.sub(r"\s+#.*$", "", line)
