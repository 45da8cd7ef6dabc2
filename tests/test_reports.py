"""The weekly report and the generated bulletin, rendered from a published fixture."""

from __future__ import annotations

import argparse
import csv
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import duckdb
import pytest
from openpyxl import load_workbook

from dagster_project.reports import cli
from dagster_project.reports.numbers import english_number, spanish_number
from dagster_project.reports.render import PAGE_NAMES, render_reports
from tests.test_reports_fixture import (  # noqa: F401
    SEED_2021_14,
    SEED_CONSULTATIONS,
    UMAE_25,
    published_fixture,
)


@pytest.mark.parametrize(
    ("value", "spanish", "english"),
    [
        (0, "0", "0"),
        (7, "7", "7"),
        (736, "736", "736"),
        (1000, "mil", "1,000"),
        (1013, "mil 13", "1,013"),
        (1106, "mil 106", "1,106"),
        (2995, "2 mil 995", "2,995"),
        (3053, "3 mil 53", "3,053"),
        (3242, "3 mil 242", "3,242"),
        (18296, "18 mil 296", "18,296"),
        (65211, "65 mil 211", "65,211"),
        (100000, "100 mil", "100,000"),
        (1_000_000, "un millón", "1,000,000"),
        (1_001_013, "un millón mil 13", "1,001,013"),
        (2_500_000, "2 millones 500 mil", "2,500,000"),
        (25_000_000, "25 millones", "25,000,000"),
        (1_500_000_000, "mil 500 millones", "1,500,000,000"),
    ],
)
def test_bulletin_numbers_in_both_languages(value, spanish, english):
    assert spanish_number(value) == spanish
    assert english_number(value) == english


@pytest.mark.parametrize("bad", [1.5, "12", True])
def test_bulletin_numbers_refuse_non_integers(bad):
    with pytest.raises((ValueError, TypeError)):
        spanish_number(bad)


@pytest.fixture(scope="module")
def rendered(tmp_path_factory, published_fixture):  # noqa: F811
    reports_dir = tmp_path_factory.mktemp("reports")
    result = render_reports(published_fixture, reports_dir)
    return reports_dir, result


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.urls: list[tuple[str, str, str]] = []
        self.tags: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        for name, value in attrs:
            if name in {"src", "href", "srcset", "action", "data", "poster"} and value:
                self.urls.append((tag, name, value))


def test_pages_for_every_day_with_data_and_the_latest(rendered):
    reports_dir, result = rendered
    assert result.jornadas == ["2021-13", "2021-14"]  # 2021-03 has no reports in force
    for name in ("2021-13/index.html", "2021-14/index.html", "2021-14/index.en.html"):
        assert (reports_dir / name).is_file()
    latest = (reports_dir / "latest.html").read_text(encoding="utf-8")
    assert "2021-14" in latest and 'href="2021-13/index.html"' in latest
    assert (reports_dir / "latest.en.html").is_file()


@pytest.mark.parametrize("page", ["2021-14/index.html", "2021-14/index.en.html", "latest.html"])
def test_page_is_self_contained_with_inline_svg(rendered, page):
    reports_dir, _ = rendered
    html = (reports_dir / page).read_text(encoding="utf-8")
    parser = _Links()
    parser.feed(html)
    assert "script" not in parser.tags
    assert "link" not in parser.tags  # no external stylesheet or font
    for tag, attribute, url in parser.urls:
        assert not re.match(r"^(https?:)?//", url), f"<{tag} {attribute}={url}> leaves the page"
        assert not url.startswith("data:") or tag == "img"
        if not url.startswith("#"):
            # Every local link resolves to a file the report wrote.
            assert (reports_dir / page).parent.joinpath(url).resolve().is_file(), url
    assert not re.search(r"url\(\s*['\"]?(https?:)?//", html), "CSS fetches from elsewhere"
    assert "@import" not in html
    assert parser.tags.count("svg") >= 5
    assert parser.tags.count("rect") > 20  # bars were drawn


def test_page_states_the_national_figures(rendered, published_fixture):  # noqa: F811
    reports_dir, _ = rendered
    html = (reports_dir / "2021-14" / "index.html").read_text(encoding="utf-8")
    with duckdb.connect(str(published_fixture), read_only=True) as connection:
        surgeries = connection.execute(
            "select sum(quantity) from core.fct_activities "
            "where jornada_id = '2021-14' and activity = 'surgery'"
        ).fetchone()[0]
    assert f">{surgeries:,}<" in html  # key-figure tile and national table
    assert "3 mil 242 cirugías" in html  # the bulletin, in the page
    english = (reports_dir / "2021-14" / "index.en.html").read_text(encoding="utf-8")
    assert "3,242 surgeries" in english


def test_quarantine_grouped_by_ooad_and_unit_in_plain_words(rendered):
    reports_dir, _ = rendered
    html = (reports_dir / "2021-14" / "index.html").read_text(encoding="utf-8")
    section = html[html.index('id="quarantine"') : html.index('id="reconciliation"')]
    assert "Tabasco" in section and "UMF No. 7 Cárdenas" in section
    assert "la fecha de servicio cae fuera de los días de la jornada" in section
    assert "la cantidad es negativa" in section
    assert "el archivo está dañado o incompleto" in section  # the unreadable file
    english = (reports_dir / "2021-14" / "index.en.html").read_text(encoding="utf-8")
    assert "the service date falls outside the days of the national day" in english


def test_reconciliation_section(rendered):
    reports_dir, _ = rendered
    html = (reports_dir / "2021-14" / "index.en.html").read_text(encoding="utf-8")
    section = html[html.index('id="reconciliation"') : html.index('id="exports"')]
    assert "inconsistent" in section and "000_d0153cb57deb33f7" in section


def test_exports_are_neutralized_and_match_the_page(rendered):
    reports_dir, _ = rendered
    day = reports_dir / "2021-14"
    with (day / "national_totals.csv").open(encoding="utf-8", newline="") as handle:
        rows = {row["activity"]: row for row in csv.DictReader(handle)}
    assert int(rows["surgery"]["quantity"]) == SEED_2021_14["surgery"]
    with (day / "rejected_files.csv").open(encoding="utf-8", newline="") as handle:
        paths = [row["path"] for row in csv.DictReader(handle)]
    assert "'unit_reports/=cmd|calc.csv" not in paths  # starts with "u": left alone
    workbook = load_workbook(day / "report_2021-14.xlsx", read_only=True)
    assert {"national_totals", "quarantined_reports", "rejected_lines"} <= set(workbook.sheetnames)
    cells = [
        cell
        for sheet in workbook.worksheets
        for row in sheet.iter_rows(values_only=True)
        for cell in row
        if isinstance(cell, str)
    ]
    assert not [c for c in cells if c[:1] in {"=", "+", "-", "@"}]


def test_bulletin_restates_the_marts_in_both_languages(rendered):
    reports_dir, _ = rendered
    spanish = (reports_dir / "2021-14" / "boletin_es.md").read_text(encoding="utf-8")
    english = (reports_dir / "2021-14" / "bulletin_en.md").read_text(encoding="utf-8")
    consultations_es = spanish_number(SEED_CONSULTATIONS)
    assert "3 mil 242 cirugías" in spanish
    assert f"{consultations_es} consultas de especialidad, medicina familiar" in spanish
    assert "11 trasplantes de riñón, 9 de córnea, 2 de hígado y 1 de médula ósea" in spanish
    assert "3 mil 53 mastografías" in spanish and "mil 13 esquemas" in spanish
    assert "18 mil 296 detecciones de diabetes" in spanish
    assert "3,242 surgeries" in english and "65,211" in english
    assert "11 kidney transplants, 9 cornea, 2 liver and 1 bone marrow" in english
    # Chiapas is the only state at its goal overall, most above it in four specialties: it
    # is the state named, with those four specialties first.
    chiapas = spanish.split("En Chiapas se alcanzó ")[1].split("\n")[0]
    for specialty in ("cirugía pediátrica", "nefrología", "urología", "traumatología"):
        assert specialty in chiapas


def test_every_bulletin_number_is_traced_to_a_query(rendered, published_fixture):  # noqa: F811
    reports_dir, _ = rendered
    day = reports_dir / "2021-14"
    sidecar = json.loads((day / "bulletin_figures.json").read_text(encoding="utf-8"))
    figures = {f["key"]: f for f in sidecar["figures"]}
    # Re-running each recorded query gives the recorded value.
    with duckdb.connect(str(published_fixture), read_only=True) as connection:
        for figure in figures.values():
            if isinstance(figure["value"], int):
                value = connection.execute(figure["sql"]).fetchone()[0] or 0
                assert value == figure["value"], figure["key"]
                assert "marts." in figure["sql"], figure["key"]
    assert figures["national.surgery"]["rendered"] == {"es": "3 mil 242", "en": "3,242"}
    rendered_texts = {
        lang: {f["rendered"][lang] for f in figures.values() if lang in f["rendered"]}
        for lang in ("es", "en")
    }
    number = {
        "es": r"\b(?:\d+ (?:mil|millones)(?: \d+)?|mil(?: \d+)?|\d+)\b",
        "en": r"\b\d[\d,]*\b",
    }
    for lang, name in (("es", "boletin_es.md"), ("en", "bulletin_en.md")):
        text = (day / name).read_text(encoding="utf-8")
        # Drop the title, dates and the "100 %" goal threshold: not figures of the marts.
        body = "\n".join(text.split("\n")[1:])
        body = re.sub(r"\d+(ª|st|nd|rd|th)\b", "", body)
        body = re.sub(
            r"(del \d+ al \d+ de \w+ de \d{4})|(\w+ \d+ to \d+, \d{4})", "", body, flags=re.I
        )
        body = re.sub(r"No\. \d+", "", body)  # unit names carry their number
        for match in re.finditer(r"\d+(?:\.\d+)? ?%", body):
            assert match.group(0) in rendered_texts[lang] or match.group(0).startswith("100")
        body = re.sub(r"\d+(?:\.\d+)? ?%", "", body)
        for match in re.finditer(number[lang], body):
            assert match.group(0) in rendered_texts[lang], (lang, match.group(0))


def test_report_cli_renders_one_day_and_language(monkeypatch, tmp_path, published_fixture):  # noqa: F811
    home = tmp_path / "home"
    home.mkdir()
    (home / "jornadas.duckdb").write_bytes(published_fixture.read_bytes())
    monkeypatch.setenv("JORNADAS_HOME", str(home))
    parser = argparse.ArgumentParser()
    cli.add_report_arguments(parser)
    assert cli.run_report(parser.parse_args(["--jornada", "2021-14", "--lang", "en"])) == 0
    assert (home / "reports" / "2021-14" / "index.en.html").is_file()
    assert not (home / "reports" / "2021-14" / "index.html").exists()
    assert not (home / "reports" / "2021-13").exists()
    assert cli.run_report(parser.parse_args(["--jornada", "2021-03"])) == 2  # no data
    assert cli.run_report(parser.parse_args(["--jornada", "nope"])) == 2


def test_report_cli_without_published_warehouse(monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("JORNADAS_HOME", str(tmp_path))
    parser = argparse.ArgumentParser()
    cli.add_report_arguments(parser)
    assert cli.run_report(parser.parse_args([])) != 0
    assert "jornadas refresh" in capsys.readouterr().err


def test_umae_transplants_standout(rendered):
    reports_dir, _ = rendered
    english = (reports_dir / "2021-14" / "bulletin_en.md").read_text(encoding="utf-8")
    # The unit with most transplants is named with its own figures.
    assert "At the " in english and "transplants were carried out" in english
    assert UMAE_25  # the fixture's UMAE exists; its figures feed the national paragraph


def test_report_asset_reads_published_file(monkeypatch, tmp_path, published_fixture):  # noqa: F811
    import dagster as dg

    from dagster_project.defs.reports import weekly_report

    home = tmp_path / "home"
    home.mkdir()
    (home / "jornadas.duckdb").write_bytes(published_fixture.read_bytes())
    monkeypatch.setenv("JORNADAS_HOME", str(home))
    assert weekly_report.key == dg.AssetKey(["reports", "weekly_report"])
    assert dg.AssetKey(["publish", "published_warehouse"]) in weekly_report.dependency_keys
    result = dg.materialize([weekly_report])
    assert result.success
    assert (home / "reports" / "latest.html").is_file()
    assert Path(home / "reports" / "2021-14" / "boletin_es.md").is_file()


# --- a weekly render writes only the days that changed ----------------------------------------


def _day_mtimes(reports_dir: Path, jornada_id: str) -> dict[str, int]:
    return {p.name: p.stat().st_mtime_ns for p in (reports_dir / jornada_id).iterdir()}


def test_a_second_render_rewrites_only_the_days_whose_data_changed(tmp_path, published_fixture):  # noqa: F811
    published = tmp_path / "jornadas.duckdb"
    published.write_bytes(published_fixture.read_bytes())
    reports_dir = tmp_path / "reports"
    first = render_reports(published, reports_dir)
    days = first.jornadas
    assert len(days) >= 2 and first.unchanged == []
    latest, earlier = days[-1], days[0]
    before = {day: _day_mtimes(reports_dir, day) for day in days}

    again = render_reports(published, reports_dir)
    # Every day but the latest (whose page lists all days) is up to date and left alone.
    assert again.unchanged == [day for day in days if day != latest]
    for day in again.unchanged:
        assert _day_mtimes(reports_dir, day) == before[day]

    # A change in what an earlier day's page shows re-renders that day, with the new figure.
    with duckdb.connect(str(published)) as con:
        [(activity, quantity)] = con.execute(
            "select activity, quantity from marts.jornada_activity where jornada_id = ? "
            "order by quantity desc limit 1",
            [earlier],
        ).fetchall()
        con.execute(
            "update marts.jornada_activity set quantity = quantity + 1000000 "
            "where jornada_id = ? and activity = ?",
            [earlier, activity],
        )
    changed = render_reports(published, reports_dir)
    assert earlier not in changed.unchanged
    assert set(changed.unchanged) == set(days) - {earlier, latest}
    exported = (reports_dir / earlier / "national_totals.csv").read_text(encoding="utf-8")
    assert str(quantity + 1000000) in exported.replace(",", "")

    # A day whose files were removed is written again, whatever the digest says.
    (reports_dir / earlier / PAGE_NAMES["en"]).unlink()
    restored = render_reports(published, reports_dir)
    assert earlier not in restored.unchanged
    assert (reports_dir / earlier / PAGE_NAMES["en"]).exists()


def test_forced_render_rewrites_every_day(tmp_path, published_fixture):  # noqa: F811
    reports_dir = tmp_path / "reports"
    render_reports(published_fixture, reports_dir)
    forced = render_reports(published_fixture, reports_dir, force=True)
    assert forced.unchanged == []
    assert len(forced.pages) >= 2 * len(forced.jornadas)


# --- many days: a second process renders every other day ----------------------------------


_FOOTER_TIME = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC")


def _rendered_files(reports_dir: Path) -> dict[str, object]:
    """Every rendered file's content, with the generation time masked and workbooks as cells."""
    files: dict[str, object] = {}
    for path in sorted(reports_dir.rglob("*")):
        if not path.is_file() or path.name.startswith(".rendered"):
            continue
        name = str(path.relative_to(reports_dir))
        if path.suffix == ".xlsx":
            workbook = load_workbook(path, read_only=True)
            files[name] = {
                sheet.title: [list(row) for row in sheet.iter_rows(values_only=True)]
                for sheet in workbook.worksheets
            }
            workbook.close()
        else:
            files[name] = _FOOTER_TIME.sub("<time>", path.read_text(encoding="utf-8"))
    return files


def test_two_processes_render_what_one_renders(
    tmp_path,
    published_fixture,  # noqa: F811
    monkeypatch,
    caplog,
):
    from dagster_project.reports import render

    serial = render_reports(published_fixture, tmp_path / "serial")
    monkeypatch.setattr(render, "PARALLEL_MIN_DAYS", 2)
    parallel = render_reports(published_fixture, tmp_path / "parallel")
    # The second process did render its days (no fallback to this one).
    assert "second render process stopped" not in caplog.text

    assert len(parallel.jornadas) >= 2  # so the second process has at least one day
    assert parallel.jornadas == serial.jornadas
    for listing in ("pages", "exports", "bulletins"):
        relative = [
            [str(p.relative_to(root)) for p in getattr(result, listing)]
            for result, root in ((serial, tmp_path / "serial"), (parallel, tmp_path / "parallel"))
        ]
        assert relative[0] == relative[1], listing
    assert _rendered_files(tmp_path / "parallel") == _rendered_files(tmp_path / "serial")

    # Both processes recorded their days: a second render leaves all but the latest alone.
    again = render_reports(published_fixture, tmp_path / "parallel")
    assert again.unchanged == parallel.jornadas[:-1]


def test_days_of_a_second_process_that_died_are_rendered_here(
    tmp_path,
    published_fixture,  # noqa: F811
    monkeypatch,
    caplog,
):
    from concurrent.futures import Future
    from concurrent.futures.process import BrokenProcessPool

    from dagster_project.reports import render

    class DeadPool:
        """A pool whose process died before answering (killed, or could not start)."""

        def __init__(self, **_):
            pass

        def __enter__(self):
            return self

        def __exit__(self, *_):
            return False

        def submit(self, *_):
            future = Future()
            future.set_exception(BrokenProcessPool("killed"))
            return future

    serial = render_reports(published_fixture, tmp_path / "serial")
    monkeypatch.setattr(render, "PARALLEL_MIN_DAYS", 2)
    monkeypatch.setattr(render, "ProcessPoolExecutor", DeadPool)
    recovered = render_reports(published_fixture, tmp_path / "recovered")
    assert "second render process stopped" in caplog.text
    assert recovered.jornadas == serial.jornadas and recovered.unchanged == []
    assert _rendered_files(tmp_path / "recovered") == _rendered_files(tmp_path / "serial")
