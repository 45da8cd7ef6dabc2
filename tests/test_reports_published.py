"""Reports, bulletin and console on the real published sample (`make run`'s warehouse).

Runs the whole pipeline once (conftest's `sample_refresh`), so it is marked slow.
"""

from __future__ import annotations

import argparse
import json

import duckdb
import pytest

from dagster_project import sql_console
from dagster_project.settings import DBT_PROJECT_DIR

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def published(sample_refresh):
    assert sample_refresh.exit_code == 0, sample_refresh.output
    return sample_refresh


def test_refresh_rendered_the_reports(published):
    reports = published.home / "reports"
    assert (reports / "latest.html").is_file()
    assert (reports / "latest.en.html").is_file()
    for name in ("index.html", "index.en.html", "boletin_es.md", "bulletin_en.md"):
        assert (reports / "2021-14" / name).is_file(), name


def test_2021_14_restates_the_seed_bulletin(published):
    day = published.home / "reports" / "2021-14"
    spanish = (day / "boletin_es.md").read_text(encoding="utf-8")
    english = (day / "bulletin_en.md").read_text(encoding="utf-8")
    assert "3 mil 242 cirugías" in spanish
    assert "65 mil 211 consultas de especialidad, medicina familiar" in spanish
    assert "33 Oficinas de Representación" in spanish
    assert "23 Unidades Médicas de Alta Especialidad" in spanish
    assert "11 trasplantes de riñón, 9 de córnea, 2 de hígado y 1 de médula ósea" in spanish
    assert "9 donaciones multiorgánicas y 8 donaciones de tejidos" in spanish
    for phrase in (
        "3 mil 53 mastografías",
        "6 mil 398 exploraciones clínicas de mama",
        "mil 13 esquemas de vacunación completos",
        "49 vasectomías",
        "736 intervenciones de Trabajo Social",
        "18 mil 296 detecciones de diabetes",
        "20 mil 172 detecciones de hipertensión arterial",
        "3 mil 225 detecciones de cáncer cérvico-uterino",
        "5 mil 214 detecciones de hepatitis C",
    ):
        assert phrase in spanish, phrase
    assert "3,242 surgeries and 65,211 specialty" in english
    assert "33 IMSS Representation Offices" in english and "23 High Specialty" in english
    assert "Chiapas" in spanish  # 100 % of its goal in four specialties
    html = (day / "index.en.html").read_text(encoding="utf-8")
    assert ">3,242<" in html and "<svg" in html


def test_bulletin_numbers_rerun_on_the_published_marts(published):
    sidecar = json.loads(
        (published.home / "reports" / "2021-14" / "bulletin_figures.json").read_text("utf-8")
    )
    with duckdb.connect(str(published.published_db), read_only=True) as connection:
        for figure in sidecar["figures"]:
            if isinstance(figure["value"], int):
                value = connection.execute(figure["sql"]).fetchone()[0] or 0
                assert value == figure["value"], figure["key"]


def test_sql_console_on_the_published_sample(published, capsys, monkeypatch):
    monkeypatch.setenv("JORNADAS_HOME", str(published.home))
    parser = argparse.ArgumentParser()
    sql_console.add_sql_arguments(parser)
    query = (
        "select quantity from marts.jornada_activity "
        "where jornada_id = '2021-14' and activity = 'surgery'"
    )
    assert sql_console.main(parser.parse_args([query])) == 0
    assert "3242" in capsys.readouterr().out
    assert sql_console.main(parser.parse_args(["drop table marts.jornada_activity"])) == 2


@pytest.mark.parametrize(
    "analysis", sorted((DBT_PROJECT_DIR / "analyses").glob("*.sql")), ids=lambda p: p.stem
)
def test_worked_examples_on_the_published_sample(published, analysis):
    with duckdb.connect(str(published.published_db), read_only=True) as connection:
        result = connection.execute(analysis.read_text(encoding="utf-8"))
        assert result.description


def test_analyst_marts_are_published_and_filled(published):
    with duckdb.connect(str(published.published_db), read_only=True) as connection:
        for table in (
            "activity_trend",
            "ooad_trend",
            "transplants_donations",
            "prevention_detections",
            "specialty_backlog",
        ):
            count = connection.execute(f"select count(*) from marts.{table}").fetchone()[0]
            assert count > 0, table
        surgeries = connection.execute(
            "select quantity from marts.activity_trend "
            "where jornada_id = '2021-14' and activity = 'surgery'"
        ).fetchone()[0]
        assert surgeries == 3242
