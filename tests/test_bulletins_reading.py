"""How the bulletin reader handles numbers, dates, language, front matter, scope and doubt."""

from __future__ import annotations

import datetime as dt

import pytest

from dagster_project.bulletins import extract_figures, parse_bulletin
from dagster_project.bulletins.jornada import load_calendar, recognise_jornada
from dagster_project.bulletins.language import detect_language
from dagster_project.bulletins.numbers import find_numbers


@pytest.mark.parametrize(
    ("text", "language", "value"),
    [
        ("3 thousand 53 mammograms", "en", 3053),
        ("one thousand 13 schedules", "en", 1013),
        ("18 thousand 296 detections", "en", 18296),
        ("nine corneal", "en", 9),
        ("twenty-three units", "en", 23),
        ("one hundred and five", "en", 105),
        ("3,242 surgeries", "en", 3242),
        ("3 mil 242 cirugías", "es", 3242),
        ("mil 106 consultas", "es", 1106),
        ("2 mil 995 cirugías", "es", 2995),
        ("once de córnea", "es", 11),
        ("treinta y dos consultas", "es", 32),
        ("doscientos cuarenta y cinco", "es", 245),
        ("un total de 3.242", "es", 1),
    ],
)
def test_numbers_in_every_written_form(text, language, value):
    assert find_numbers(text, language)[0].value == value


def test_once_is_a_number_only_in_spanish():
    assert find_numbers("once de córnea", "es")[0].value == 11
    assert find_numbers("once again", "en") == []


@pytest.mark.parametrize(
    ("text", "role"),
    [
        ("the 14th National Day", "ordinal"),
        ("December 17 to 19", "date"),
        ("del 10 al 12 de diciembre", "date"),
        ("Hospital de Especialidades No. 25 de Monterrey", "unit_number"),
        ("the COVID-19 pandemic", "name"),
        ("in 2021", "year"),
    ],
)
def test_numbers_that_are_not_figures(text, role):
    assert [n.role for n in find_numbers(text, "en" if "del" not in text else "es")][0] == role


def test_percentages_are_recognised():
    (mention,) = find_numbers("el 100 por ciento de la meta", "es")
    assert mention.is_percent and mention.value == 100


def test_language_is_detected_when_front_matter_has_none():
    assert detect_language("Se realizaron 3 mil cirugías en las unidades del Instituto.") == "es"
    assert detect_language("The institute carried out 3,242 surgeries in the units.") == "en"


def test_front_matter_is_optional_and_split_from_the_body():
    with_front = parse_bulletin("---\ntitle: T\ndate: 2021-12-22  # published\n---\nBody.\n")
    assert (with_front.title, with_front.published_date, with_front.body) == (
        "T",
        "2021-12-22",
        "Body.\n",
    )
    assert parse_bulletin("Just a body.").body == "Just a body."


@pytest.mark.parametrize(
    ("text", "published", "jornada"),
    [
        ("held the 14th National Day of Recovery", "2021-12-22", "2021-14"),
        ("will hold the Eleventh National Day", "2021-11-10", "2021-11"),
        ("realizó la Décima Primera Jornada Nacional", "2021-11-16", "2021-11"),
        ("la Décimo Cuarta Jornada Nacional", "2021-12-21", "2021-14"),
        ("del 10 al 12 de diciembre se realizó", "2021-12-14", "2021-13"),
        ("From December 17 to 19, the IMSS", "2022-01-04", "2021-14"),
        ("From November 19 to 21, a monothematic day", "2021-11-23", "2021-M01"),
    ],
)
def test_national_day_from_ordinal_or_dates(text, published, jornada):
    found = recognise_jornada(text, dt.date.fromisoformat(published), load_calendar())
    assert found.jornada_id == jornada


def _figures(body: str, language: str = "en"):
    text = f"---\ndate: 2021-12-22\nlanguage: {language}\n---\n{body}"
    return extract_figures("t", parse_bulletin(text))


def test_a_garbled_sentence_is_flagged_not_guessed():
    figures = _figures(
        "The 14th National Day. The institute carried out 3,242 surgeries and 65,000 surgeries "
        "in 33 IMSS Representation Offices. 211 Specialty, Family Medicine, Stomatology and "
        "Nutrition consultations."
    )
    by_quantity = {f.quantity: f for f in figures}
    assert set(by_quantity) == {3242, 65000, 211}
    assert by_quantity[3242].flags == () and by_quantity[3242].activity == "surgery"
    assert "same_activity_twice" in by_quantity[65000].flags_text
    assert by_quantity[211].activity is None and "several_activities" in by_quantity[211].flags_text
    assert max(by_quantity[65000].confidence, by_quantity[211].confidence) <= 0.3


def test_counts_of_units_days_and_people_are_not_figures():
    figures = _figures(
        "The 14th National Day. In its 23 Family Medicine Units and four hospitals, during "
        "three days, 334 operated patients received 120 surgeries."
    )
    assert [(f.quantity, f.activity) for f in figures] == [(120, "surgery")]


def test_planned_and_goal_figures():
    figures = _figures(
        "La Décima Cuarta Jornada Nacional. Se realizarán 250 consultas de especialidad. "
        "En Chiapas se alcanzó el 100 por ciento de la meta en consultas de especialidad de "
        "Urología y Nefrología.",
        "es",
    )
    kinds = sorted((f.figure_kind, f.ooad_id or "", f.specialty or "") for f in figures)
    assert kinds == [
        ("goal_pct", "CS", "nephrology"),
        ("goal_pct", "CS", "urology"),
        ("planned", "", ""),
    ]


def test_a_state_with_two_ooads_and_a_umae_by_number_and_city():
    figures = _figures(
        "The 14th National Day. In the State of Mexico, 70 vasectomies were performed.\n\n"
        "At the UMAE Hospital de Especialidades No. 25 de Monterrey, Nuevo León, two liver "
        "transplants were carried out."
    )
    assert [(f.scope_level, f.ooad_id, f.unit_id, f.activity) for f in figures] == [
        ("ooad", "MCO+MCP", None, "vasectomy"),
        ("unit", None, "NLIMS000004", "transplant_liver"),
    ]


def test_a_unit_missing_from_the_catalog_is_flagged():
    (figure,) = _figures(
        "The 14th National Day. At the Hospital General de Zona No. 99 of Comitán, "
        "27 surgeries were carried out."
    )
    assert figure.scope_level == "unit" and figure.unit_id is None
    assert "unit_not_in_catalog" in figure.flags_text


def test_a_bulletin_without_a_recognisable_day_keeps_its_figures_with_a_flag():
    (figure,) = _figures("The institute carried out 3,242 surgeries.")
    assert figure.jornada_id is None and "jornada_not_recognised" in figure.flags_text
    assert figure.confidence < 0.9


def test_a_place_named_after_the_figure_and_plans_stop_at_a_contrast():
    figures = _figures(
        "La Décima Cuarta Jornada Nacional. Se estima otorgar 2 mil 500 consultas de "
        "especialidad en el Estado de México Oriente.\n\n"
        "En Baja California Sur se logró el 95 por ciento de la meta de cirugías, mientras que "
        "se otorgaron 3 mil 100 consultas de Medicina Familiar.",
        "es",
    )
    assert [(f.ooad_id, f.quantity, f.figure_kind) for f in figures] == [
        ("MCO", 2500, "planned"),
        ("BS", 95, "goal_pct"),
        ("BS", 3100, "performed"),
    ]
