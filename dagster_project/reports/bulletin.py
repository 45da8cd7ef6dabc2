"""The press bulletin IMSS would publish for a national day, written from the marts.

Every number in the text is fetched by its own query against `marts.*` (names from
`core.dim_*`) and recorded in a `Trace` with that query, so the sidecar JSON lets anyone
re-run the query that produced any figure. Paragraphs follow the IMSS bulletins: national
figures; transplants and donations; prevention and detections; specialties with most
demand; states and units that stand out. A paragraph with nothing to say is left out.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from dagster_project.reports.i18n import activity_noun, date_range, join_words, ordinal
from dagster_project.reports.numbers import bulletin_number, percent
from dagster_project.reports.warehouse import Trace, Warehouse, sql_literal

CONSULTATIONS_COUNTED = (
    "consultation_specialty",
    "consultation_family_medicine",
    "consultation_stomatology",
    "consultation_nutrition",
)
TRANSPLANTS = (
    "transplant_kidney",
    "transplant_cornea",
    "transplant_liver",
    "transplant_bone_marrow",
)
DONATIONS = ("donation_multiorgan", "donation_tissue")
PREVENTION = (
    "mammogram",
    "clinical_breast_exam",
    "vaccination_schedule",
    "vasectomy",
    "tubal_occlusion",
    "family_planning_method",
    "social_work_intervention",
)
DETECTIONS = (
    "detection_diabetes",
    "detection_hypertension",
    "detection_cervical_cancer",
    "detection_hepatitis_c",
)
FAMILY_PLANNING = ("family_planning_method", "vasectomy", "tubal_occlusion")
TOP_SURGICAL_SPECIALTIES = 6
TOP_OUTPATIENT_SPECIALTIES = 9
GOAL_SPECIALTIES_NAMED = 4


@dataclass
class Bulletin:
    jornada_id: str
    texts: dict[str, str] = field(default_factory=dict)  # lang -> markdown
    trace: Trace = field(default_factory=Trace)

    def sidecar(self) -> dict:
        return {
            "jornada_id": self.jornada_id,
            "note": "Every number in boletin_es.md and bulletin_en.md, with the query that "
            "gives it; run any of them with `jornadas sql`.",
            "figures": self.trace.as_json(),
        }


def _in_list(codes: tuple[str, ...]) -> str:
    return "(" + ", ".join(sql_literal(c) for c in codes) + ")"


class _Writer:
    """Collects the facts for one jornada, then writes the text in either language."""

    def __init__(self, warehouse: Warehouse, jornada_id: str):
        self.wh = warehouse
        self.jornada_id = jornada_id
        self.jid = sql_literal(jornada_id)
        self.trace = Trace()

    # --- facts -------------------------------------------------------------------------
    def national(self, activity: str) -> int:
        sql = (
            "select sum(quantity) from marts.jornada_activity "
            f"where jornada_id = {self.jid} and activity = {sql_literal(activity)}"
        )
        return self.wh.traced_scalar(self.trace, f"national.{activity}", sql)

    def national_sum(self, key: str, activities: tuple[str, ...]) -> int:
        sql = (
            "select sum(quantity) from marts.jornada_activity "
            f"where jornada_id = {self.jid} and activity in {_in_list(activities)}"
        )
        return self.wh.traced_scalar(self.trace, key, sql)

    def overview(self, column: str) -> int:
        sql = f"select {column} from marts.jornada_overview where jornada_id = {self.jid}"
        return self.wh.traced_scalar(self.trace, f"overview.{column}", sql)

    def top_specialties(self, activity: str, limit: int) -> list[dict]:
        sql = (
            "select d.specialty, s.name_es, s.name_en, d.quantity, d.demand_rank "
            "from marts.specialty_demand as d "
            "left join core.dim_specialties as s on s.specialty = d.specialty "
            f"where d.jornada_id = {self.jid} and d.activity = {sql_literal(activity)} "
            f"and d.quantity > 0 order by d.demand_rank, d.specialty limit {limit}"
        )
        rows = self.wh.rows(sql)
        self.trace.record(f"specialties.{activity}", [r["specialty"] for r in rows], sql)
        return rows

    def best_goal_state(self) -> dict | None:
        """The state with the highest attainment of its specialty-consultation goals (>= 100 %)."""
        sql = (
            "select o.state_name, "
            "round(100.0 * sum(g.performed) / sum(g.target), 1) as attainment_pct "
            "from marts.goal_attainment as g join core.dim_ooad as o on o.ooad_id = g.ooad_id "
            f"where g.jornada_id = {self.jid} and g.level = 'ooad' "
            "and g.activity = 'consultation_specialty' and g.target > 0 "
            "group by o.state_name having sum(g.performed) >= sum(g.target) "
            "order by attainment_pct desc, o.state_name limit 1"
        )
        rows = self.wh.rows(sql)
        if not rows:
            return None
        self.trace.record("standout.goal.state", rows[0]["state_name"], sql)
        self.trace.record("standout.goal.attainment_pct", float(rows[0]["attainment_pct"]), sql)
        return rows[0]

    def goal_met_specialties(self, state_name: str) -> list[dict]:
        """The state's specialties at >= 100 % of goal, those most above it first."""
        sql = (
            "select g.specialty, s.name_es, s.name_en, "
            "round(100.0 * sum(g.performed) / sum(g.target), 1) as attainment_pct "
            "from marts.goal_attainment as g join core.dim_ooad as o on o.ooad_id = g.ooad_id "
            "left join core.dim_specialties as s on s.specialty = g.specialty "
            f"where g.jornada_id = {self.jid} and g.level = 'ooad' "
            "and g.activity = 'consultation_specialty' and g.target > 0 "
            f"and o.state_name = {sql_literal(state_name)} "
            "group by g.specialty, s.name_es, s.name_en "
            "having sum(g.performed) >= sum(g.target) "
            "order by attainment_pct desc, g.specialty"
        )
        rows = self.wh.rows(sql)
        self.trace.record("standout.goal.specialties", [r["specialty"] for r in rows], sql)
        return rows

    def top_state(self, key: str, activities: tuple[str, ...]) -> dict | None:
        sql = (
            "select state_name, sum(quantity) as quantity from marts.ooad_activity "
            f"where jornada_id = {self.jid} and activity in {_in_list(activities)} "
            "group by state_name having sum(quantity) > 0 "
            "order by quantity desc, state_name limit 1"
        )
        rows = self.wh.rows(sql)
        if not rows:
            return None
        self.trace.record(f"{key}.state", rows[0]["state_name"], sql)
        return rows[0]

    def state_activity(self, key: str, state_name: str, activity: str) -> int:
        sql = (
            "select sum(quantity) from marts.ooad_activity "
            f"where jornada_id = {self.jid} and state_name = {sql_literal(state_name)} "
            f"and activity = {sql_literal(activity)}"
        )
        return self.wh.traced_scalar(self.trace, key, sql)

    # The transplant figures read marts.transplants_donations (per jornada, unit and transplant
    # or donation activity), a sixth of marts.unit_activity's rows at national scale.
    def top_transplant_unit(self) -> dict | None:
        sql = (
            "select unit_id, unit_name, sum(quantity) as quantity "
            "from marts.transplants_donations "
            f"where jornada_id = {self.jid} and activity in {_in_list(TRANSPLANTS)} "
            "group by unit_id, unit_name having sum(quantity) > 0 "
            "order by quantity desc, unit_id limit 1"
        )
        rows = self.wh.rows(sql)
        if not rows:
            return None
        self.trace.record("standout.transplant_unit", rows[0]["unit_id"], sql)
        return rows[0]

    def unit_transplants(self, key: str, unit_id: str, activity: str) -> int:
        sql = (
            "select sum(quantity) from marts.transplants_donations "
            f"where jornada_id = {self.jid} and unit_id = {sql_literal(unit_id)} "
            f"and activity = {sql_literal(activity)}"
        )
        return self.wh.traced_scalar(self.trace, key, sql)

    def calendar(self) -> dict:
        sql = (
            "select jornada_id, start_date, end_date, kind, dates_source "
            f"from core.dim_jornadas where jornada_id = {self.jid}"
        )
        rows = self.wh.rows(sql)
        if not rows:
            raise ValueError(f"jornada {self.jornada_id} is not in core.dim_jornadas")
        row = rows[0]
        self.trace.record("calendar.start_date", str(row["start_date"]), sql)
        self.trace.record("calendar.end_date", str(row["end_date"]), sql)
        return row

    # --- text --------------------------------------------------------------------------
    def n(self, key: str, value: int, activity: str | None, lang: str) -> str:
        """A traced count with its noun, e.g. '3 mil 242 cirugías'."""
        text = bulletin_number(value, lang)
        if key in self.trace.figures:
            self.trace.rendered(key, lang, text)
        return f"{text} {activity_noun(activity, value, lang)}" if activity else text


def _number_of(jornada_id: str) -> int | None:
    match = re.match(r"^\d{4}-(\d+)$", jornada_id)
    return int(match.group(1)) if match else None


def _as_date(value) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


def write_bulletin(warehouse: Warehouse, jornada_id: str) -> Bulletin:
    writer = _Writer(warehouse, jornada_id)
    calendar = writer.calendar()
    facts = {
        "surgery": writer.national("surgery"),
        "consultations": writer.national_sum("national.consultations", CONSULTATIONS_COUNTED),
        "mental_health": writer.national("consultation_mental_health"),
        "ooad": writer.overview("ooad_participating"),
        "umae": writer.overview("umae_participating"),
    }
    transplants = {a: writer.national(a) for a in TRANSPLANTS + DONATIONS}
    prevention = {a: writer.national(a) for a in PREVENTION + DETECTIONS}
    surgical = writer.top_specialties("surgery", TOP_SURGICAL_SPECIALTIES)
    outpatient = writer.top_specialties("consultation_specialty", TOP_OUTPATIENT_SPECIALTIES)
    goal_state = writer.best_goal_state()
    goal_met = writer.goal_met_specialties(goal_state["state_name"]) if goal_state else []
    surgery_state = writer.top_state("standout.surgery", ("surgery",))
    planning_state = writer.top_state("standout.family_planning", FAMILY_PLANNING)
    planning = {}
    if planning_state:
        planning = {
            a: writer.state_activity(
                f"standout.family_planning.{a}", planning_state["state_name"], a
            )
            for a in FAMILY_PLANNING
        }
    surgery_state_count = 0
    if surgery_state:
        surgery_state_count = writer.state_activity(
            "standout.surgery.quantity", surgery_state["state_name"], "surgery"
        )
    transplant_unit = writer.top_transplant_unit()
    unit_transplants = {}
    if transplant_unit:
        unit_transplants = {
            a: writer.unit_transplants(
                f"standout.transplant_unit.{a}", transplant_unit["unit_id"], a
            )
            for a in TRANSPLANTS
        }

    bulletin = Bulletin(jornada_id=jornada_id, trace=writer.trace)
    start, end = _as_date(calendar["start_date"]), _as_date(calendar["end_date"])
    for lang in ("es", "en"):
        paragraphs = [
            _national_paragraph(writer, lang, jornada_id, calendar["kind"], start, end, facts),
            _transplant_paragraph(writer, lang, transplants),
            _prevention_paragraph(writer, lang, prevention),
            _specialty_paragraph(lang, surgical, outpatient),
            *_standout_paragraphs(
                writer,
                lang,
                goal_state,
                goal_met,
                surgery_state,
                surgery_state_count,
                planning_state,
                planning,
                transplant_unit,
                unit_transplants,
            ),
        ]
        title = _title(lang, jornada_id, calendar["kind"])
        note = _assumed_note(lang) if calendar.get("dates_source") != "reported" else None
        body = "\n\n".join(p for p in paragraphs if p)
        bulletin.texts[lang] = f"# {title}\n\n{body}\n" + (f"\n_{note}_\n" if note else "")
    return bulletin


def _title(lang: str, jornada_id: str, kind: str) -> str:
    number = _number_of(jornada_id)
    if lang == "es":
        if kind == "national" and number:
            return f"{ordinal(number, lang)} Jornada Nacional de Recuperación de Servicios Médicos"
        return f"Jornada monotemática de Recuperación de Servicios Médicos ({jornada_id})"
    if kind == "national" and number:
        return f"{ordinal(number, lang)} National Day of Recovery of Medical Services"
    return f"Monothematic Day of Recovery of Medical Services ({jornada_id})"


def _assumed_note(lang: str) -> str:
    if lang == "es":
        return "Las fechas de esta jornada son supuestas: ningún boletín publicado las confirma."
    return "The dates of this day are assumed: no published bulletin confirms them."


def _national_paragraph(writer, lang, jornada_id, kind, start, end, facts) -> str:
    number = _number_of(jornada_id)
    dates = date_range(start, end, lang)
    surgeries = writer.n("national.surgery", facts["surgery"], "surgery", lang)
    consultations = writer.n("national.consultations", facts["consultations"], None, lang)
    ooad = writer.n("overview.ooad_participating", facts["ooad"], None, lang)
    umae = writer.n("overview.umae_participating", facts["umae"], None, lang)
    mental = facts["mental_health"]
    if lang == "es":
        day = (
            f"la {ordinal(number, lang)} Jornada Nacional de Recuperación de Servicios Médicos"
            if kind == "national" and number
            else "una Jornada monotemática de Recuperación de Servicios Médicos"
        )
        text = (
            f"{dates[0].upper()}{dates[1:]}, el Instituto Mexicano del Seguro Social (IMSS) "
            f"llevó a cabo {day}, en la que se realizaron {surgeries} y {consultations} "
            "consultas de especialidad, medicina familiar, estomatología y nutrición, en "
            f"{ooad} {'Oficina' if facts['ooad'] == 1 else 'Oficinas'} de Representación "
            f"(OOAD) y {umae} "
            f"{'Unidad Médica' if facts['umae'] == 1 else 'Unidades Médicas'} de Alta "
            "Especialidad (UMAE)."
        )
        if mental:
            text += (
                " Además, se otorgaron "
                f"{writer.n('national.consultation_mental_health', mental, 'consultation_mental_health', lang)}."  # noqa: E501
            )
        return text
    day = (
        f"the {ordinal(number, lang)} National Day of Recovery of Medical Services"
        if kind == "national" and number
        else "a Monothematic Day of Recovery of Medical Services"
    )
    text = (
        f"From {dates}, the Mexican Institute of Social Security (IMSS) held {day}, carrying "
        f"out {surgeries} and {consultations} specialty, family-medicine, stomatology and "
        f"nutrition consultations in {ooad} IMSS Representation "
        f"{'Office' if facts['ooad'] == 1 else 'Offices'} (OOAD) and {umae} High Specialty "
        f"Medical {'Unit' if facts['umae'] == 1 else 'Units'} (UMAE)."
    )
    if mental:
        text += (
            " In addition, "
            f"{writer.n('national.consultation_mental_health', mental, 'consultation_mental_health', lang)}"  # noqa: E501
            " were given."
        )
    return text


def _counted(writer, lang, values: dict[str, int], activities) -> list[str]:
    return [
        writer.n(f"national.{a}", values[a], a, lang) for a in activities if values.get(a, 0) > 0
    ]


def _transplant_paragraph(writer, lang, values: dict[str, int]) -> str | None:
    kinds = [a for a in TRANSPLANTS if values[a] > 0]
    donations = _counted(writer, lang, values, DONATIONS)
    if not kinds and not donations:
        return None
    total_transplants = sum(values[a] for a in kinds)
    parts = []
    for index, activity in enumerate(kinds):
        count = writer.n(f"national.{activity}", values[activity], None, lang)
        noun = activity_noun(activity, values[activity], lang)
        if lang == "es":
            word = "trasplante" if values[activity] == 1 else "trasplantes"
            parts.append(f"{count} {word} {noun}" if index == 0 else f"{count} {noun}")
        else:
            word = "transplant" if values[activity] == 1 else "transplants"
            parts.append(f"{count} {noun} {word}" if index == 0 else f"{count} {noun}")
    if lang == "es":
        text = "Para mejorar la vida de pacientes con enfermedades crónico-degenerativas, "
        if parts:
            verb = "se realizó" if total_transplants == 1 else "se realizaron"
            text += f"{verb} {join_words(parts, lang)}"
            text += f", así como {join_words(donations, lang)}." if donations else "."
        else:
            text += f"se lograron {join_words(donations, lang)}."
        return text
    text = "To improve the lives of patients with chronic degenerative diseases, "
    if parts:
        verb = "was" if total_transplants == 1 else "were"
        text += f"{join_words(parts, lang)} {verb} carried out"
        text += f", as well as {join_words(donations, lang)}." if donations else "."
    else:
        text += f"{join_words(donations, lang)} were achieved."
    return text


def _prevention_paragraph(writer, lang, values: dict[str, int]) -> str | None:
    prevention = _counted(writer, lang, values, PREVENTION)
    detections = _counted(writer, lang, values, DETECTIONS)
    items = prevention + detections
    if not items:
        return None
    if lang == "es":
        return f"En materia de prevención, se realizaron {join_words(items, lang)}."
    return f"In terms of prevention, {join_words(items, lang)} were carried out."


def _names(rows: list[dict], lang: str) -> list[str]:
    key = "name_es" if lang == "es" else "name_en"
    return [(row.get(key) or row["specialty"]).lower() for row in rows]


def _specialty_paragraph(lang, surgical: list[dict], outpatient: list[dict]) -> str | None:
    sentences = []
    if lang == "es":
        if surgical:
            sentences.append(
                "La mayor demanda de atención quirúrgica se atendió en las especialidades de "
                f"{join_words(_names(surgical, lang), lang)}."
            )
        if outpatient:
            sentences.append(
                "En Consulta Externa, la mayor demanda fue en "
                f"{join_words(_names(outpatient, lang), lang)}."
            )
    else:
        if surgical:
            sentences.append(
                "The greatest demand for surgical care was met in the specialties of "
                f"{join_words(_names(surgical, lang), lang)}."
            )
        if outpatient:
            sentences.append(
                "In the outpatient clinic, demand was highest in "
                f"{join_words(_names(outpatient, lang), lang)}."
            )
    return " ".join(sentences) or None


def _en_state(state: str) -> str:
    """'En Chiapas', 'En el Estado de México' (the state's name takes an article)."""
    return f"En el {state}" if state.startswith("Estado de ") else f"En {state}"


def _standout_paragraphs(
    writer,
    lang,
    goal_state,
    goal_met,
    surgery_state,
    surgery_state_count,
    planning_state,
    planning,
    transplant_unit,
    unit_transplants,
) -> list[str]:
    paragraphs: list[str] = []
    if goal_state and goal_met:
        state = goal_state["state_name"]
        overall = percent(goal_state["attainment_pct"], lang)
        writer.trace.rendered("standout.goal.attainment_pct", lang, overall)
        names = _names(goal_met[:GOAL_SPECIALTIES_NAMED], lang)
        more = len(goal_met) > GOAL_SPECIALTIES_NAMED
        if lang == "es":
            listed = join_words(names, lang) + (", entre otras" if more else "")
            paragraphs.append(
                f"{_en_state(state)} se alcanzó {overall} de la meta de consultas de especialidad; "
                f"se cumplió {percent(100, lang)} o más en {listed}."
            )
        else:
            listed = join_words(names, lang) + (", among others" if more else "")
            paragraphs.append(
                f"In {state}, {overall} of the specialty-consultation goal was reached; "
                f"{percent(100, lang)} or more was met in {listed}."
            )
    if planning_state and any(planning.values()):
        items = [
            writer.n(f"standout.family_planning.{a}", planning[a], a, lang)
            for a in FAMILY_PLANNING
            if planning[a] > 0
        ]
        state = planning_state["state_name"]
        if lang == "es":
            paragraphs.append(f"{_en_state(state)} se aplicaron {join_words(items, lang)}.")
        else:
            paragraphs.append(f"In {state}, {join_words(items, lang)} were applied.")
    if surgery_state and surgery_state_count:
        count = writer.n("standout.surgery.quantity", surgery_state_count, "surgery", lang)
        state = surgery_state["state_name"]
        if lang == "es":
            paragraphs.append(
                f"{_en_state(state)} se realizaron más cirugías que en ningún otro estado: {count}."
            )
        else:
            paragraphs.append(f"{state} was the state with the most surgeries: {count}.")
    if transplant_unit and any(unit_transplants.values()):
        parts = []
        for activity in TRANSPLANTS:
            value = unit_transplants[activity]
            if value <= 0:
                continue
            count = writer.n(f"standout.transplant_unit.{activity}", value, None, lang)
            noun = activity_noun(activity, value, lang)
            if lang == "es":
                parts.append(f"{count} {'trasplante' if value == 1 else 'trasplantes'} {noun}")
            else:
                parts.append(f"{count} {noun} {'transplant' if value == 1 else 'transplants'}")
        name = transplant_unit["unit_name"]
        if lang == "es":
            article = "la" if name.split(" ")[0] in {"UMAE", "UMF", "UMAA", "Unidad"} else "el"
            paragraphs.append(f"En {article} {name} se realizaron {join_words(parts, lang)}.")
        else:
            paragraphs.append(f"At the {name}, {join_words(parts, lang)} were carried out.")
    return paragraphs
