"""Finding the files in the landing folder and learning what their bytes are.

A file is identified by the sha256 of its bytes; the same pass that hashes it also learns what
the readers need to choose a path: its encoding, whether it holds NUL bytes, quotes or blank
lines. Files are never modified.
"""

from __future__ import annotations

import codecs
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

UNIT_REPORT = "unit_report"
GOAL = "goal"

# Kind of file -> (folder under the landing folder, extensions the contract accepts there).
KIND_FOLDERS = {
    UNIT_REPORT: ("unit_reports", ("csv", "json", "xlsx")),
    GOAL: ("goals", ("csv",)),
}

_CHUNK = 16 * 1024 * 1024
_UTF8_BOM = codecs.BOM_UTF8
_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


def is_temporary_name(name: str) -> bool:
    """Names producers use while a file is still being written (they rename it when done)."""
    lowered = name.lower()
    return (
        name.startswith(".")
        or name.startswith("~$")
        or lowered.endswith(".tmp")
        or lowered.endswith(".part")
    )


@dataclass(frozen=True)
class LandingFile:
    path: Path
    relpath: str  # relative to the landing folder, with forward slashes
    kind: str

    @property
    def format(self) -> str:
        """The extension found, lower case (`csv`, `json`, `xlsx`, or whatever else came)."""
        suffix = self.path.suffix.lower().lstrip(".")
        return suffix or "(none)"

    @property
    def accepted_format(self) -> bool:
        return self.format in KIND_FOLDERS[self.kind][1]


def discover(raw_dir: Path, kind: str) -> list[LandingFile]:
    """Every settled file of one kind under the landing folder, in a stable order."""
    folder = raw_dir / KIND_FOLDERS[kind][0]
    if not folder.is_dir():
        return []
    found: list[LandingFile] = []
    for path in _walk(folder):
        relpath = path.relative_to(raw_dir).as_posix()
        found.append(LandingFile(path=path, relpath=relpath, kind=kind))
    return sorted(found, key=lambda f: f.relpath)


def _walk(folder: Path) -> Iterator[Path]:
    for entry in sorted(folder.iterdir()):
        if is_temporary_name(entry.name):
            continue
        if entry.is_dir():
            yield from _walk(entry)
        elif entry.is_file():
            yield entry


@dataclass(frozen=True)
class FileFacts:
    """What one pass over the bytes learned."""

    sha256: str
    size_bytes: int
    utf8_bom: bool
    utf16_bom: bool
    has_nul: bool
    valid_utf8: bool
    has_quote: bool
    has_blank_line: bool
    starts_with: bytes
    # "\n" bytes, plus one for a last line without its own; counted only when asked
    physical_lines: int | None = None

    @property
    def encoding(self) -> str | None:
        """The contract's encoding rule; None when the text is in none of them."""
        if self.utf16_bom or self.has_nul:
            return None
        if self.utf8_bom:
            return "utf-8-sig" if self.valid_utf8 else None
        return "utf-8" if self.valid_utf8 else "latin-1"

    def encoding_problem(self) -> str:
        if self.utf16_bom:
            return "the file starts with a UTF-16 byte-order mark; save it as UTF-8"
        if self.has_nul:
            return "the file contains NUL bytes (binary data or UTF-16/32 text); save it as UTF-8"
        return "the file starts with a UTF-8 byte-order mark but is not valid UTF-8"


def examine(path: Path, count_lines: bool = False) -> FileFacts:
    """One pass over the file's bytes. `count_lines` also counts its physical lines, for the
    kinds whose files land in groups (bytes.count holds the GIL: about 1.4 s over the 2.2 GB
    of national-year unit reports, which need no count)."""
    digest = hashlib.sha256()
    decoder = codecs.getincrementaldecoder("utf-8")()
    valid_utf8 = True
    has_nul = has_quote = has_blank_line = False
    size = newlines = 0
    head = b""
    tail = b""  # the end of the previous chunk, so blank lines across chunk borders are seen
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            if not head:
                head = chunk[:8]
            size += len(chunk)
            digest.update(chunk)
            has_nul = has_nul or b"\x00" in chunk
            has_quote = has_quote or b'"' in chunk
            if count_lines:
                newlines += chunk.count(b"\n")
            joined = tail + chunk
            has_blank_line = has_blank_line or b"\n\n" in joined or b"\n\r\n" in joined
            tail = chunk[-2:]
            if valid_utf8:
                try:
                    decoder.decode(chunk)
                except UnicodeDecodeError:
                    valid_utf8 = False
    if valid_utf8:
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            valid_utf8 = False
    return FileFacts(
        sha256=digest.hexdigest(),
        size_bytes=size,
        utf8_bom=head.startswith(_UTF8_BOM),
        utf16_bom=head.startswith(_UTF16_BOMS),
        has_nul=has_nul,
        valid_utf8=valid_utf8,
        has_quote=has_quote,
        has_blank_line=has_blank_line,
        starts_with=head,
        physical_lines=(
            newlines + (0 if tail.endswith(b"\n") or size == 0 else 1) if count_lines else None
        ),
    )
