"""The `national` and `national-year` scales: every catalog unit reports every day.

Each unit fills its unit type's whole daily form (cells it does not offer are an explicit 0),
so volumes are realistic for load tests; values are plausible, not calibrated. Files are made
one report at a time and written as they are made: memory stays flat whatever the scale.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

from dagster_project.generator import calibration as cal
from dagster_project.generator.allocation import derive_rng
from dagster_project.generator.catalogs import Catalog, Jornada, Unit
from dagster_project.generator.profiles import (
    ALL_CONSULTATION,
    ALL_SURGERY,
    UMF_CONSULT_SPECIALTIES,
    activity_weight,
    consultation_specialties,
    specialty_weight,
    surgery_specialties,
)
from dagster_project.generator.reports import Report, stamp
from dagster_project.generator.sample import GOAL_ACTIVITIES
from dagster_project.generator.writers import FileFormat, PlannedFile

XLSX_OOADS = ("YN",)
JSON_OOADS = ("QR",)
_SPECIALTY_ACTIVITIES = ("consultation_specialty", "surgery")
# Visiting specialists at UMF see a few patients a day.
_UMF_SPECIALIST_MEAN = 0.4


def _form(unit: Unit, catalog: Catalog) -> list[tuple[str, str]]:
    """The (activity, specialty) cells a unit reports every day."""
    cells = [(a, "") for a in catalog.activities if a not in _SPECIALTY_ACTIVITIES]
    if unit.unit_type == "UMF":
        cells += [("consultation_specialty", s) for s in UMF_CONSULT_SPECIALTIES]
    elif unit.unit_type == "UMAA":
        cells += [("consultation_specialty", s) for s in consultation_specialties(unit)]
        cells += [("surgery", s) for s in surgery_specialties(unit)]
    else:
        cells += [("consultation_specialty", s) for s in catalog.specialties]
        cells += [("surgery", s) for s in catalog.specialties]
    return cells


class DailyForms:
    """Per unit, its form cells with the mean daily quantity of each (0 = not offered)."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        weights: dict[str, float] = {}
        cell_weight: dict[str, list[tuple[str, str, float]]] = {}
        for unit in catalog.units:
            offered_consult = set(consultation_specialties(unit))
            offered_surgery = set(surgery_specialties(unit))
            row = []
            for activity, specialty in _form(unit, catalog):
                w = activity_weight(unit, activity)
                if activity == "consultation_specialty" and unit.unit_type != "UMF":
                    ok = specialty in offered_consult and specialty in ALL_CONSULTATION
                    w = w * specialty_weight(unit, activity, specialty) if ok else 0.0
                elif activity == "surgery":
                    ok = specialty in offered_surgery and specialty in ALL_SURGERY
                    w = w * specialty_weight(unit, activity, specialty) if ok else 0.0
                row.append((activity, specialty, w))
                weights[activity] = weights.get(activity, 0.0) + w
            cell_weight[unit.unit_id] = row
        self.means: dict[str, list[tuple[str, str, float]]] = {}
        for unit in catalog.units:
            row = []
            for activity, specialty, w in cell_weight[unit.unit_id]:
                if activity == "consultation_specialty" and unit.unit_type == "UMF":
                    mean = _UMF_SPECIALIST_MEAN
                elif w:
                    mean = cal.BASELINE_TOTALS[activity] / 3 * w / weights[activity]
                else:
                    mean = 0.0
                row.append((activity, specialty, mean))
            self.means[unit.unit_id] = row

    def report(self, unit: Unit, jornada: Jornada, seed: int) -> Report:
        rng = derive_rng(seed, "daily", jornada.jornada_id, unit.unit_id)
        draw = rng.random
        lines = []
        append = lines.append
        cells = self.means[unit.unit_id]
        for day in jornada.days:
            iso = day.isoformat()
            for activity, specialty, mean in cells:
                quantity = int(mean * (0.5 + draw()) + draw()) if mean else 0
                append((iso, activity, specialty, quantity))
        submitted = stamp(jornada.end + timedelta(days=1), 9 * 60 + int(draw() * 480), unit.offset)
        return Report(unit.unit_id, jornada.jornada_id, submitted, lines)

    def goals(self, unit: Unit, jornada: Jornada, seed: int) -> Report:
        rng = derive_rng(seed, "daily-goals", jornada.jornada_id, unit.unit_id)
        days = len(jornada.days)
        lines = [
            (activity, specialty, max(1, round(mean * days * (0.9 + 0.3 * rng.random()))))
            for activity, specialty, mean in self.means[unit.unit_id]
            if mean >= 1 and activity in GOAL_ACTIVITIES
        ]
        submitted = stamp(jornada.start - timedelta(days=5), 10 * 60, unit.offset)
        return Report(unit.unit_id, jornada.jornada_id, submitted, lines, kind="goal")


def files(catalog: Catalog, seed: int, scale: str, jornada_ids=None) -> list[PlannedFile]:
    calendar = catalog.jornadas if scale == "national" else catalog.synthetic_jornadas
    chosen = [j for j in calendar.values() if jornada_ids is None or j.jornada_id in jornada_ids]
    forms = DailyForms(catalog)
    groups: list[tuple[str, list[Unit]]] = [
        (ooad_id, catalog.units_of(ooad_id)) for ooad_id in catalog.ooads
    ] + [("UMAE", catalog.umae)]
    planned: list[PlannedFile] = []
    for position, jornada in enumerate(calendar.values()):
        if jornada not in chosen:
            continue
        j = jornada.jornada_id
        # openpyxl is slow per cell: one XLSX file every fourth jornada is variety enough.
        xlsx_turn = position % 4 == 0
        for group, units in groups:
            if group == "UMAE":
                relpath = f"unit_reports/{j}/{j}_umae.json"
                spec = FileFormat(fmt="json", json_indent=None)
            elif group in XLSX_OOADS and xlsx_turn:
                relpath, spec = f"unit_reports/{j}/{j}_{group}.xlsx", FileFormat(fmt="xlsx")
            elif group in JSON_OOADS:
                relpath = f"unit_reports/{j}/{j}_{group}.json"
                spec = FileFormat(fmt="json", json_indent=None)
            else:
                relpath, spec = f"unit_reports/{j}/{j}_{group}.csv", FileFormat()
            planned.append(
                PlannedFile(
                    relpath, spec, factory=_reports(forms, units, jornada, seed), count=len(units)
                )
            )
            planned.append(
                PlannedFile(
                    f"goals/{j}/{j}_{group}_metas.csv",
                    FileFormat(kind="goal"),
                    factory=_goals(forms, units, jornada, seed),
                    count=len(units),
                )
            )
    return planned


def _reports(forms: DailyForms, units, jornada, seed):
    def make() -> Iterator[Report]:
        for unit in units:
            yield forms.report(unit, jornada, seed)

    return make


def _goals(forms: DailyForms, units, jornada, seed):
    def make() -> Iterator[Report]:
        for unit in units:
            yield forms.goals(unit, jornada, seed)

    return make


def planned_line_count(catalog: Catalog, scale: str) -> int:
    """Unit-report lines a national scale writes (without faults), computed, not generated."""
    calendar = catalog.jornadas if scale == "national" else catalog.synthetic_jornadas
    days = sum(len(j.days) for j in calendar.values())
    return days * sum(len(_form(u, catalog)) for u in catalog.units)
