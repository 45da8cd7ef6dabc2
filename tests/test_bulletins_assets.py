"""The bulletin assets on the real path: landing folder -> raw.files/raw.bulletins ->
raw.bulletin_figures in a temporary build database."""

from __future__ import annotations

import shutil
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from dagster_project.bulletins import extract_figures, parse_bulletin
from dagster_project.defs.bulletins import raw_bulletin_figures, raw_bulletins

REPO = Path(__file__).resolve().parent.parent
SEEDS = sorted((REPO / "raw" / "bulletins").glob("*.txt"))


@pytest.fixture
def landing(tmp_path, monkeypatch):
    raw = tmp_path / "raw"
    (raw / "bulletins").mkdir(parents=True)
    for seed in SEEDS:
        shutil.copy(seed, raw / "bulletins" / seed.name)
    monkeypatch.setenv("JORNADAS_RAW_DIR", str(raw))
    monkeypatch.setenv("JORNADAS_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("JORNADAS_BUILD_DB", raising=False)
    return raw, tmp_path / "home" / "build" / "jornadas_build.duckdb"


def _refresh() -> None:
    result = dg.materialize([raw_bulletins, raw_bulletin_figures])
    assert result.success


def _query(db: Path, sql: str):
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_assets_land_bulletins_and_write_every_figure(landing):
    raw, db = landing
    _refresh()
    files = _query(
        db, "select path, kind, format, file_verdict, lines_in from raw.files order by 1"
    )
    assert [(p, k, f, v) for p, k, f, v, _ in files] == [
        (f"bulletins/{seed.name}", "bulletin", "txt", "read") for seed in SEEDS
    ]
    assert all(lines_in > 0 for *_, lines_in in files)
    expected = sum(
        len(extract_figures(seed.stem, parse_bulletin(seed.read_text(encoding="utf-8"))))
        for seed in SEEDS
    )
    (written,) = _query(db, "select count(*) from raw.bulletin_figures")[0]
    assert written == expected
    vasectomies = _query(
        db,
        "select scope_level, ooad_id, quantity from raw.bulletin_figures "
        "where activity = 'vasectomy' order by quantity",
    )
    assert vasectomies == [("national", None, 49), ("ooad", "MCO+MCP", 70)]


def test_a_second_refresh_skips_known_files_and_counts_a_new_name_as_a_sighting(landing):
    raw, db = landing
    _refresh()
    before = _query(db, "select * from raw.bulletin_figures order by all")
    shutil.copy(SEEDS[0], raw / "bulletins" / "same_bytes_again.txt")
    _refresh()
    assert _query(db, "select count(*) from raw.files")[0][0] == len(SEEDS)
    assert _query(db, "select count(*) from raw.bulletins")[0][0] == len(SEEDS)
    assert _query(db, "select count(*) from raw.file_sightings")[0][0] == len(SEEDS) + 1
    assert _query(db, "select * from raw.bulletin_figures order by all") == before


def test_unreadable_and_wrongly_typed_files_get_a_recorded_verdict(landing):
    raw, db = landing
    (raw / "bulletins" / "empty.txt").write_bytes(b"")
    (raw / "bulletins" / "utf16.txt").write_bytes("Boletín".encode("utf-16"))
    (raw / "bulletins" / "scan.pdf").write_bytes(b"%PDF-1.4 not text")
    (raw / "bulletins" / "half_written.txt.tmp").write_bytes(b"partial")
    _refresh()
    verdicts = dict(
        _query(
            db,
            "select path, split_part(reject_reason, ':', 1) from raw.files "
            "where file_verdict = 'rejected'",
        )
    )
    assert verdicts == {
        "bulletins/empty.txt": "empty_file",
        "bulletins/utf16.txt": "unreadable_encoding",
        "bulletins/scan.pdf": "unsupported_format",
    }
    assert _query(db, "select count(*) from raw.files where path like '%.tmp'")[0][0] == 0
