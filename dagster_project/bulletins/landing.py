"""Land bulletin files in `raw.bulletins` and their figures in `raw.bulletin_figures`.

Ledger accounting for bulletins (raw.files): a bulletin is not line-based, so `lines_in`
counts its text blocks (paragraphs). A readable bulletin lands whole (the ledger counts every
block as loaded, none quarantined); an unreadable one is `rejected` with `lines_in = 0`.
Files already seen (same sha256) are skipped; each new (hash, path) pair is a sighting.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from pathlib import Path

import duckdb

from dagster_project.bulletins.extract import BulletinFigure, extract_figures
from dagster_project.bulletins.frontmatter import Bulletin, parse_bulletin
from dagster_project.bulletins.text import paragraphs
from dagster_project.raw_schema import ensure_raw_schema

BULLETIN_FORMATS = ("txt", "md")
# Producers write then rename: names like these are still being written.
_TEMPORARY_SUFFIXES = (".tmp", ".part", ".partial", ".crdownload", "~")


@dataclass(frozen=True)
class LandingSummary:
    files_new: int
    files_rejected: int
    files_seen: int


def bulletin_files(raw_dir: Path) -> list[Path]:
    folder = raw_dir / "bulletins"
    if not folder.is_dir():
        return []
    return sorted(
        path
        for path in folder.rglob("*")
        if path.is_file()
        and not path.name.startswith(".")
        and not path.name.endswith(_TEMPORARY_SUFFIXES)
        and path.name.lower() != "readme.md"
    )


def decode(data: bytes) -> tuple[str | None, str | None, str | None]:
    """(text, encoding, reject reason)."""
    if not data.strip():
        return None, None, "empty_file: the file has no text"
    if b"\x00" in data:
        return None, None, "unreadable_encoding: binary or UTF-16 content, not UTF-8/Latin-1 text"
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="strict"), "utf-8-sig", None
    try:
        return data.decode("utf-8"), "utf-8", None
    except UnicodeDecodeError:
        return data.decode("latin-1"), "latin-1", None


def land_bulletins(con: duckdb.DuckDBPyConnection, raw_dir: Path, run_id: str) -> LandingSummary:
    ensure_raw_schema(con)
    known = {row[0] for row in con.execute("select file_hash from raw.files").fetchall()}
    sighted = set(con.execute("select file_hash, path from raw.file_sightings").fetchall())
    now = dt.datetime.now(dt.UTC)
    new = rejected = seen = 0
    for path in bulletin_files(raw_dir):
        data = path.read_bytes()
        file_hash = hashlib.sha256(data).hexdigest()
        relative = path.relative_to(raw_dir).as_posix()
        if (file_hash, relative) not in sighted:
            con.execute(
                "insert into raw.file_sightings values (?, ?, ?)", [file_hash, relative, now]
            )
            sighted.add((file_hash, relative))
        if file_hash in known:
            seen += 1
            continue
        known.add(file_hash)
        new += 1
        extension = path.suffix.lower().lstrip(".")
        text, encoding, reason = decode(data)
        if reason is None and extension not in BULLETIN_FORMATS:
            reason = f"unsupported_format: bulletins are .txt or .md, not .{extension or '?'}"
        blocks = 0
        if reason is None:
            bulletin = parse_bulletin(text)
            blocks = len(paragraphs(bulletin.body))
            con.execute(
                "insert into raw.bulletins values (?, ?, ?, ?, ?, ?, ?)",
                [
                    file_hash,
                    relative,
                    bulletin.title,
                    bulletin.published_date,
                    bulletin.language,
                    bulletin.source,
                    bulletin.body,
                ],
            )
        else:
            rejected += 1
        con.execute(
            "insert into raw.files values (?, ?, 'bulletin', ?, ?, ?, ?, ?, ?, null, ?, ?)",
            [
                file_hash,
                relative,
                extension,
                encoding if reason is None else None,
                len(data),
                "read" if reason is None else "rejected",
                reason,
                blocks,
                now,
                run_id,
            ],
        )
    return LandingSummary(new, rejected, seen)


def extract_all(con: duckdb.DuckDBPyConnection) -> list[tuple[str, BulletinFigure]]:
    """Figures of every landed bulletin, re-read each time so vocabulary fixes apply to all."""
    ensure_raw_schema(con)
    rows = con.execute(
        "select file_hash, path, title, published_date, language, source, body "
        "from raw.bulletins order by path, file_hash"
    ).fetchall()
    figures = []
    for file_hash, path, title, published, language, source, body in rows:
        bulletin = Bulletin(title, published, language, source, body)
        for figure in extract_figures(Path(path).stem, bulletin):
            figures.append((file_hash, figure))
    return figures


def write_figures(con: duckdb.DuckDBPyConnection, figures: list[tuple[str, BulletinFigure]]) -> int:
    rows = [
        [
            file_hash,
            f.bulletin_id,
            f.published_date,
            f.language,
            f.jornada_id,
            f.scope_level,
            f.ooad_id,
            f.unit_id,
            f.activity,
            f.specialty,
            round(f.quantity),
            f.figure_kind,
            f.evidence,
            f.confidence,
            f.flags_text,
        ]
        for file_hash, f in figures
    ]
    con.execute("begin transaction")
    try:
        con.execute("delete from raw.bulletin_figures")
        if rows:
            con.executemany(
                "insert into raw.bulletin_figures values "
                "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                rows,
            )
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
    return len(rows)
