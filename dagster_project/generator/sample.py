"""The calibrated `sample` scale: national days 2021-10..14 and the monothematic day.

Totals are decided first (published figures, chosen splits, or plausible draws for what the
sources do not give), then spread exactly over units, specialties and days. Small enough to
plan in memory; `files()` then lays the reports out in raw files, with a few realistic
versioning cases (corrections, a late older version, a redelivered copy) and a few bad
deliveries whose valid counterparts are in force (bad_deliveries.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from dagster_project.generator import calibration as cal
from dagster_project.generator.allocation import (
    allocate,
    derive_rng,
    pick_weighted,
    shuffled,
    uniform,
)
from dagster_project.generator.bad_deliveries import bad_deliveries
from dagster_project.generator.catalogs import HOSPITAL_TYPES, Catalog, Unit
from dagster_project.generator.profiles import (
    CELL_SIZE,
    activity_weight,
    consultation_specialties,
    specialty_weight,
    surgery_specialties,
)
from dagster_project.generator.reports import Report, shift_stamp, stamp
from dagster_project.generator.writers import FileFormat, PlannedFile

GOAL_ACTIVITIES = (
    "consultation_family_medicine",
    "consultation_specialty",
    "consultation_stomatology",
    "surgery",
    "mammogram",
    "clinical_breast_exam",
    "vasectomy",
    "tubal_occlusion",
    "family_planning_method",
    "detection_diabetes",
    "detection_hypertension",
    "detection_cervical_cancer",
    "detection_hepatitis_c",
)
# Units' notes in the extra column some OOADs add (ignored by the warehouse, recorded).
OBSERVACIONES = "Jornada sin incidencias; atención a derechohabientes en sábado y domingo"

# How some OOADs deliver (the rest send UTF-8 CSV in the contract's column order).
XLSX_OOADS = ("SR", "YN", "GR")
JSON_OOADS = ("QR",)
BOM_OOADS = ("TS",)
LATIN1_EXTRA_OOADS = ("MN",)
UTF8_EXTRA_OOADS = ("GT",)
REORDERED_OOADS = ("HG",)
UMAE_OWN_CSV = 4  # HE No. 25 Monterrey sends its own CSV
UMAE_OWN_JSON = 8  # HE No. 2 Ciudad Obregón sends a single-object JSON

# Unit that must show something in a jornada: (unit, activity, specialty).
_FORCED_2021_14 = (
    [
        (cal.UMAE_HE25_MONTERREY, "consultation_specialty", s)
        for s in ("general_surgery", "ophthalmology", "medical_oncology", "genetics")
    ]
    + [
        (cal.UMAE_HE25_MONTERREY, "surgery", "ophthalmology"),
        (cal.UMAE_HE25_MONTERREY, "diagnostic_endoscopy", ""),
        (cal.UMAE_HE25_MONTERREY, "diagnostic_mri", ""),
    ]
    + [
        (cal.UMAE_HE2_OBREGON, "consultation_specialty", s)
        for s in (
            "ophthalmology",
            "nephrology",
            "internal_medicine",
            "cardiology",
            "neurology",
            "urology",
        )
    ]
    + [
        (cal.UMAE_HE2_OBREGON, "surgery", s)
        for s in (
            "traumatology_orthopedics",
            "angiology",
            "general_surgery",
            "ophthalmology",
            "otorhinolaryngology",
        )
    ]
)
CHIAPAS_SPECIALTIES = ("traumatology_orthopedics", "pediatric_surgery", "urology", "nephrology")


@dataclass
class JornadaPlan:
    jornada_id: str
    units: list[Unit]  # units that report, in catalog order
    days: dict[str, list[str]]  # unit_id -> ISO service dates it reports
    cells: dict[tuple[str, str, str], int] = field(default_factory=dict)  # quantity per jornada
    by_unit: dict[str, list[tuple[str, str, int]]] = field(default_factory=dict)
    goals_by_unit: dict[str, list[tuple[str, str, int]]] = field(default_factory=dict)
    goals: dict[tuple[str, str, str], int] = field(default_factory=dict)
    zero_units: list[Unit] = field(default_factory=list)  # report zeros only


def _taking_part(catalog: Catalog, jornada_id: str) -> tuple[list[str], list[int]]:
    if jornada_id == "2021-M01":
        return list(cal.MONOTHEMATIC_TAKING_PART["ooad"]), list(
            cal.MONOTHEMATIC_TAKING_PART["umae"]
        )
    out = cal.NOT_TAKING_PART[jornada_id]
    ooads = [o for o in catalog.ooads if o not in out["ooad"]]
    umae = [u.umae_number for u in catalog.umae if u.umae_number not in out["umae"]]
    return ooads, umae


def _select_units(catalog: Catalog, seed: int, jornada_id: str, ooad_id: str) -> list[Unit]:
    units = catalog.units_of(ooad_id)
    rng = derive_rng(seed, "select", jornada_id, ooad_id)
    if jornada_id == "2021-11" and ooad_id == "OC":
        return units  # Oaxaca's plan covers all its 23 UMF and 4 hospitals
    pinned = jornada_id == "2021-14" and ooad_id in ("TC", "CS", "MCO", "MCP")
    chosen: list[Unit] = []
    for unit_type, share in (("UMF", uniform(rng, 0.45, 0.65)), ("UMAA", 0.5)):
        of_type = [u for u in units if u.unit_type == unit_type]
        keep = max(3 if unit_type == "UMF" else 0, round(len(of_type) * share))
        chosen += shuffled(of_type, rng)[:keep]
    hospitals = [u for u in units if u.unit_type in HOSPITAL_TYPES]
    keep = len(hospitals) if pinned else max(1, round(len(hospitals) * 0.85))
    chosen += shuffled(hospitals, rng)[:keep]
    ids = {u.unit_id for u in chosen}
    return [u for u in units if u.unit_id in ids]


def _days(unit: Unit, dates: list[str], rng) -> list[str]:
    if unit.unit_type in ("UMF", "UMAA"):
        patterns = ([1], [0, 1], [0, 1, 2], [1, 2], [1], [0, 1, 2])
        pattern = patterns[int(rng.random() * len(patterns))]
        return [dates[i] for i in pattern if i < len(dates)]
    return list(dates)


def _cells_for(unit: Unit, activity: str) -> list[str]:
    """Specialties of the cells a unit has for an activity ('' for none)."""
    if activity == "consultation_specialty":
        return list(consultation_specialties(unit))
    if activity == "surgery":
        return list(surgery_specialties(unit))
    return [""]


def _unstated_total(activity: str, jornada_id: str, share: float, rng) -> int:
    return max(0, round(cal.BASELINE_TOTALS[activity] * share * uniform(rng, 0.85, 1.15)))


def plan_jornada(catalog: Catalog, seed: int, jornada_id: str) -> JornadaPlan:
    jornada = catalog.jornadas[jornada_id]
    dates = [d.isoformat() for d in jornada.days]
    ooads, umae_numbers = _taking_part(catalog, jornada_id)
    units: list[Unit] = []
    for ooad_id in ooads:
        units += _select_units(catalog, seed, jornada_id, ooad_id)
    units += [catalog.umae_by_number(n) for n in umae_numbers]
    rng = derive_rng(seed, "plan", jornada_id)
    plan = JornadaPlan(
        jornada_id=jornada_id,
        units=units,
        days={
            u.unit_id: _days(u, dates, derive_rng(seed, "days", jornada_id, u.unit_id))
            for u in units
        },
    )
    zero_ooad = cal.ZERO_REPORTS.get(jornada_id)
    if zero_ooad:
        plan.zero_units = [u for u in catalog.units_of(zero_ooad) if u.unit_type == "UMF"][:3]

    size = {u.unit_id: uniform(rng, 0.4, 1.6) ** 1.5 for u in units}
    by_id = {u.unit_id: u for u in units}
    share = len(ooads) / len(catalog.ooads)
    totals = cal.national_totals()[jornada_id]
    forced = _FORCED_2021_14 if jornada_id == "2021-14" else []

    for activity in catalog.activities:
        total = totals.get(activity)
        if total is None:
            total = _unstated_total(activity, jornada_id, share, rng)
        cells = [
            (u.unit_id, s)
            for u in units
            for s in _cells_for(u, activity)
            if activity_weight(u, activity) > 0
        ]
        weight = {
            (uid, s): size[uid]
            * activity_weight(by_id[uid], activity)
            * (specialty_weight(by_id[uid], activity, s) if s else 1.0)
            for uid, s in cells
        }
        consumed: set[tuple[str, str]] = set()
        placed = 0
        for pin in _pins(jornada_id, activity):
            in_group = [c for c in cells if _in_group(by_id[c[0]], pin)]
            if pin["specialty"] is not None:
                in_group = [c for c in in_group if c[1] == pin["specialty"]]
            consumed.update(in_group)
            placed += pin["quantity"]
            for cell, quantity in _place_pin(pin, in_group, weight, by_id, rng).items():
                plan.cells[(cell[0], activity, cell[1])] = quantity
        rest = total - placed
        if rest < 0:
            raise ValueError(f"{jornada_id} {activity}: pins exceed the national total")
        pool = [c for c in cells if c not in consumed]
        mandatory = [c for c in pool if _mandatory(by_id[c[0]], activity, c[1], plan)]
        mandatory += [
            (uid, s)
            for uid, a, s in forced
            if a == activity
            and (uid, s) in weight
            and (uid, s) not in mandatory
            and (uid, s) not in consumed
        ]
        wanted = max(len(mandatory), round(rest / CELL_SIZE[activity]))
        mandatory_set = set(mandatory)
        others = [c for c in pool if c not in mandatory_set]
        chosen = mandatory + pick_weighted(
            others, [weight[c] for c in others], max(0, wanted - len(mandatory)), rng
        )
        if rest and not chosen:
            raise ValueError(f"{jornada_id} {activity}: no unit can take {rest}")
        if rest < len(mandatory):
            raise ValueError(f"{jornada_id} {activity}: {rest} cannot cover every reporting unit")
        quantities = allocate(rest - len(mandatory), [weight[c] for c in chosen], rng)
        for i, cell in enumerate(chosen):
            quantity = quantities[i] + (1 if i < len(mandatory) else 0)
            if quantity:
                plan.cells[(cell[0], activity, cell[1])] = quantity
    _plan_goals(plan, seed, by_id)
    for (unit_id, activity, specialty), quantity in plan.cells.items():
        plan.by_unit.setdefault(unit_id, []).append((activity, specialty, quantity))
    for (unit_id, activity, specialty), target in plan.goals.items():
        plan.goals_by_unit.setdefault(unit_id, []).append((activity, specialty, target))
    return plan


def _mandatory(unit: Unit, activity: str, specialty: str, plan: JornadaPlan) -> bool:
    """Every reporting unit shows at least one consultation: it took part."""
    if unit.unit_type == "UMF":
        return activity == "consultation_family_medicine"
    if activity != "consultation_specialty":
        return False
    return specialty == consultation_specialties(unit)[0]


def _pins(jornada_id: str, activity: str) -> list[dict]:
    """Published state/unit figures of this jornada and activity, as groups to fill exactly."""
    pins = []
    for figure in cal.PUBLISHED_FIGURES:
        if (
            figure["jornada_id"] == jornada_id
            and figure["activity"] == activity
            and figure["scope"] in ("ooad", "unit")
            and figure["kind"] == "performed"
        ):
            pins.append(dict(figure))
        if (
            figure["jornada_id"] == jornada_id
            and figure["activity"] == activity
            and figure["kind"] == "goal_attainment_min_pct"
        ):
            # Chiapas performs a modest number in each named specialty; goals follow below.
            rng = derive_rng(0, "chiapas", jornada_id, figure["specialty"])
            pins.append(dict(figure, kind="performed", quantity=12 + int(rng.random() * 30)))
    for count in cal.PUBLISHED_UNIT_COUNTS:
        if count["jornada_id"] == jornada_id and count["kind"] == "performed_units":
            for pin in pins:
                if pin["activity"] == count["activity"] and pin["ooad_ids"] == count["ooad_ids"]:
                    pin["unit_count"] = count["count"]
    return pins


def _in_group(unit: Unit, pin: dict) -> bool:
    if pin["scope"] == "unit":
        return unit.unit_id == pin["unit_id"]
    return unit.ooad_id in pin["ooad_ids"]


def _place_pin(pin: dict, cells: list, weight: dict, by_id: dict, rng) -> dict:
    quantity = pin["quantity"]
    if not cells:
        raise ValueError(f"no unit can take the published {pin['source']}")
    if pin.get("unit_count"):
        umf = [c for c in cells if by_id[c[0]].unit_type == "UMF"]
        if len(umf) < pin["unit_count"]:
            raise ValueError(f"fewer than {pin['unit_count']} UMF for {pin['source']}")
        chosen = pick_weighted(umf, [weight[c] for c in umf], pin["unit_count"], rng)
        return dict(
            zip(chosen, allocate(quantity, [weight[c] for c in chosen], rng, 1), strict=True)
        )
    if pin["activity"] == "surgery" and pin["ooad_ids"] == ("TC",):
        eye = [c for c in cells if c[1] == "ophthalmology"]
        other = [c for c in cells if c[1] != "ophthalmology"]
        eye_total = round(quantity * cal.TABASCO_OPHTHALMOLOGY_SURGERY_SHARE)
        placed = dict(zip(eye, allocate(eye_total, [weight[c] for c in eye], rng), strict=True))
        placed.update(
            zip(other, allocate(quantity - eye_total, [weight[c] for c in other], rng), strict=True)
        )
        return {c: q for c, q in placed.items() if q}
    wanted = max(1, min(len(cells), round(quantity / 4)))
    chosen = pick_weighted(cells, [weight[c] for c in cells], wanted, rng)
    placed = dict(zip(chosen, allocate(quantity, [weight[c] for c in chosen], rng), strict=True))
    return {c: q for c, q in placed.items() if q}


def _plan_goals(plan: JornadaPlan, seed: int, by_id: dict) -> None:
    rng = derive_rng(seed, "goals", plan.jornada_id)
    chiapas = plan.jornada_id == "2021-14"
    for (unit_id, activity, specialty), quantity in plan.cells.items():
        if activity not in GOAL_ACTIVITIES:
            continue
        unit = by_id[unit_id]
        if (
            chiapas
            and unit.ooad_id == "CS"
            and activity == "consultation_specialty"
            and (specialty in CHIAPAS_SPECIALTIES)
        ):
            low, high = cal.CHIAPAS_GOAL_FACTOR
            target = max(1, int(quantity * uniform(rng, low, high)))
        else:
            target = max(1, round(quantity * uniform(rng, 0.8, 1.25)))
        plan.goals[(unit_id, activity, specialty)] = target
    if plan.jornada_id == "2021-11":
        for key in [k for k in plan.goals if by_id[k[0]].ooad_id == "OC"]:
            del plan.goals[key]
        plan.goals.update(_oaxaca_goals([u for u in plan.units if u.ooad_id == "OC"], rng))


def _oaxaca_goals(units: list[Unit], rng) -> dict:
    """Oaxaca's plan for the 11th day: 678 in all, 24 surgeries, 250 specialty consultations."""
    figures = {
        f["activity"]: f["quantity"]
        for f in cal.PUBLISHED_FIGURES
        if f["kind"] == "goal" and f["ooad_ids"] == ("OC",)
    }
    umf = [u for u in units if u.unit_type == "UMF"]
    hospitals = [u for u in units if u.unit_type in HOSPITAL_TYPES]
    goals: dict[tuple[str, str, str], int] = {}
    first_level = figures[None] - figures["surgery"] - figures["consultation_specialty"]
    first_cells = [(u.unit_id, "consultation_family_medicine", "") for u in umf]
    for activity in (
        "detection_diabetes",
        "detection_hypertension",
        "mammogram",
        "detection_cervical_cancer",
    ):
        first_cells += [(u.unit_id, activity, "") for u in umf if rng.random() < 0.6]
    weights = [3.0 if c[1] == "consultation_family_medicine" else 1.0 for c in first_cells]
    mandatory = len(umf)
    spread = allocate(first_level - mandatory, weights, rng)
    for i, cell in enumerate(first_cells):
        goals[cell] = spread[i] + (1 if i < mandatory else 0)
    plans = (
        (
            "surgery",
            ("traumatology_orthopedics", "general_surgery", "gynecology", "surgical_oncology"),
        ),
        (
            "consultation_specialty",
            (
                "internal_medicine",
                "traumatology_orthopedics",
                "medical_oncology",
                "ophthalmology",
                "urology",
                "cardiology",
                "gynecology",
                "general_surgery",
            ),
        ),
    )
    for activity, specialties in plans:
        cells = [
            (u.unit_id, activity, s)
            for u in hospitals
            for s in specialties
            if s in _cells_for(u, activity)
        ]
        # every hospital plans something: its first cell of each activity gets at least 1
        firsts = []
        for u in hospitals:
            own = [c for c in cells if c[0] == u.unit_id]
            if own:
                firsts.append(own[0])
        first_set = set(firsts)
        order = firsts + [c for c in cells if c not in first_set]
        spread = allocate(figures[activity] - len(firsts), [1.0] * len(order), rng)
        for i, cell in enumerate(order):
            goals[cell] = spread[i] + (1 if i < len(firsts) else 0)
    return {k: v for k, v in goals.items() if v}


# --------------------------------------------------------------------------- reports


def _submitted(unit: Unit, base_day, rng) -> str:
    from datetime import timedelta

    day = base_day + timedelta(days=int(rng.random() * 3))
    return stamp(day, 8 * 60 + int(rng.random() * 11 * 60), unit.offset)


def unit_report(plan: JornadaPlan, unit: Unit, seed: int, catalog: Catalog) -> Report:
    from datetime import timedelta

    jornada = catalog.jornadas[plan.jornada_id]
    rng = derive_rng(seed, "report", plan.jornada_id, unit.unit_id)
    days = plan.days[unit.unit_id]
    lines = []
    for activity, specialty, quantity in plan.by_unit.get(unit.unit_id, []):
        day_weights = [1.3 if d == days[len(days) // 2] else 1.0 for d in days]
        for day, q in zip(days, allocate(quantity, day_weights, rng), strict=True):
            if q:
                lines.append((day, activity, specialty, q))
    if (
        unit.unit_type == "UMF"
        and rng.random() < 0.05
        and not any(line[1] == "vasectomy" for line in lines)
    ):
        lines.append((days[0], "vasectomy", "", 0))  # a reported zero, not a missing line
    lines.sort(key=lambda line: (line[0], line[1], line[2]))
    submitted = _submitted(unit, jornada.end + timedelta(days=1), rng)
    return Report(unit.unit_id, plan.jornada_id, submitted, lines)


def zero_report(plan: JornadaPlan, unit: Unit, seed: int, catalog: Catalog) -> Report:
    from datetime import timedelta

    jornada = catalog.jornadas[plan.jornada_id]
    rng = derive_rng(seed, "zero", plan.jornada_id, unit.unit_id)
    day = jornada.days[1].isoformat()
    lines = [(day, a, "", 0) for a in ("consultation_family_medicine", "detection_diabetes")]
    return Report(
        unit.unit_id, plan.jornada_id, _submitted(unit, jornada.end + timedelta(days=1), rng), lines
    )


def goal_report(plan: JornadaPlan, unit: Unit, seed: int, catalog: Catalog) -> Report | None:
    from datetime import timedelta

    jornada = catalog.jornadas[plan.jornada_id]
    rng = derive_rng(seed, "goal", plan.jornada_id, unit.unit_id)
    lines = sorted(plan.goals_by_unit.get(unit.unit_id, []))
    if not lines:
        return None
    submitted = _submitted(unit, jornada.start - timedelta(days=6), rng)
    return Report(unit.unit_id, plan.jornada_id, submitted, lines, kind="goal")


# --------------------------------------------------------------------------- files


def _ooad_format(ooad_id: str) -> tuple[str, FileFormat]:
    if ooad_id in XLSX_OOADS:
        return "xlsx", FileFormat(fmt="xlsx")
    if ooad_id in JSON_OOADS:
        return "json", FileFormat(fmt="json")
    if ooad_id in BOM_OOADS:
        return "csv", FileFormat(encoding="utf-8-sig")
    if ooad_id in LATIN1_EXTRA_OOADS:
        return "csv", FileFormat(encoding="latin-1", extra_column=("observaciones", OBSERVACIONES))
    if ooad_id in UTF8_EXTRA_OOADS:
        return "csv", FileFormat(extra_column=("observaciones", OBSERVACIONES))
    if ooad_id in REORDERED_OOADS:
        return "csv", FileFormat(
            columns=(
                "submitted_at",
                "unit_id",
                "jornada_id",
                "activity",
                "specialty",
                "service_date",
                "quantity",
            )
        )
    return "csv", FileFormat()


def _wrong_version(report: Report, rng, earlier_minutes: int) -> Report:
    """An earlier version with mistakes the unit later corrects: a typed-in extra digit and
    a line that should not be there."""
    lines = list(report.lines)
    if lines:
        day, activity, specialty, quantity = lines[0]
        lines[0] = (day, activity, specialty, quantity * 10 + 1)
    present = {(line[0], line[1], line[2]) for line in lines}
    for activity in (
        "consultation_mental_health",
        "consultation_nutrition",
        "social_work_intervention",
    ):
        if lines and (lines[-1][0], activity, "") not in present:
            lines.append((lines[-1][0], activity, "", 2 + int(rng.random() * 5)))
            break
    return report.copy(
        lines=lines,
        submitted_at=shift_stamp(report.submitted_at, minutes=-earlier_minutes),
        has_other_versions=True,
    )


def files(catalog: Catalog, seed: int) -> list[PlannedFile]:
    planned: list[PlannedFile] = []
    for jornada_id in cal.SAMPLE_JORNADAS:
        plan = plan_jornada(catalog, seed, jornada_id)
        jornada_files = _jornada_files(catalog, seed, plan)
        planned += jornada_files + bad_deliveries(catalog, jornada_id, jornada_files)
    return planned


def _jornada_files(catalog: Catalog, seed: int, plan: JornadaPlan) -> list[PlannedFile]:
    j = plan.jornada_id
    rng = derive_rng(seed, "files", j)
    out: list[PlannedFile] = []
    by_ooad: dict[str, list[Unit]] = {}
    for unit in plan.units:
        by_ooad.setdefault(unit.ooad_id, []).append(unit)
    for ooad_id, units in by_ooad.items():
        if not ooad_id:
            continue
        ext, spec = _ooad_format(ooad_id)
        reports = [unit_report(plan, u, seed, catalog) for u in units]
        relpath = f"unit_reports/{j}/ooad/{j}_{ooad_id}.{ext}"
        extra: list[PlannedFile] = []
        if j == "2021-13" and ooad_id == "JC":
            # A correction: four units resend their report the next day.
            corrected = shuffled(list(range(len(reports))), rng)[:4]
            fixes = []
            for i in sorted(corrected):
                fixes.append(reports[i].copy(has_other_versions=True))
                reports[i] = _wrong_version(reports[i], rng, earlier_minutes=24 * 60 + 95)
            extra.append(
                PlannedFile(
                    f"unit_reports/{j}/ooad/{j}_{ooad_id}_correccion.csv", FileFormat(), fixes
                )
            )
        if j == "2021-14" and ooad_id == "PL":
            # A late resend of older versions of three reports: they must not win.
            older = []
            for i in sorted(shuffled(list(range(len(reports))), rng)[:3]):
                reports[i] = reports[i].copy(has_other_versions=True)
                older.append(_wrong_version(reports[i], rng, earlier_minutes=2 * 24 * 60))
            extra.append(
                PlannedFile(
                    f"unit_reports/{j}/ooad/reenvios/{j}_{ooad_id}_reenvio.csv", FileFormat(), older
                )
            )
        out.append(PlannedFile(relpath, spec, reports))
        if j == "2021-11" and ooad_id == "CL":
            out.append(
                PlannedFile(
                    f"unit_reports/{j}/ooad/{j}_{ooad_id}_copia.{ext}",
                    spec,
                    reports,
                    copy_of=relpath,
                )
            )
        out += extra
    if plan.zero_units:
        ooad_id = plan.zero_units[0].ooad_id
        out.append(
            PlannedFile(
                f"unit_reports/{j}/ooad/{j}_{ooad_id}.csv",
                FileFormat(),
                [zero_report(plan, u, seed, catalog) for u in plan.zero_units],
            )
        )
    # UMAE: the central level sends most in one JSON array; two UMAE send their own file.
    umae = [u for u in plan.units if u.unit_type == "UMAE"]
    array = []
    for unit in umae:
        report = unit_report(plan, unit, seed, catalog)
        name = f"unit_reports/{j}/umae/{j}_UMAE{unit.umae_number:02d}"
        if unit.umae_number == UMAE_OWN_CSV:
            out.append(PlannedFile(name + ".csv", FileFormat(), [report]))
        elif unit.umae_number == UMAE_OWN_JSON:
            out.append(
                PlannedFile(name + ".json", FileFormat(fmt="json", json_form="object"), [report])
            )
        elif j == "2021-12" and unit.umae_number == 2:
            # Sent alone, then corrected with a second file.
            single = FileFormat(fmt="json", json_form="object")
            first = _wrong_version(report, rng, earlier_minutes=26 * 60)
            out.append(PlannedFile(name + ".json", single, [first]))
            out.append(
                PlannedFile(
                    name + "_correccion.json", single, [report.copy(has_other_versions=True)]
                )
            )
        else:
            array.append(report)
    out.append(PlannedFile(f"unit_reports/{j}/umae/{j}_umae.json", FileFormat(fmt="json"), array))
    out += _goal_files(catalog, seed, plan, rng)
    return out


def _goal_files(catalog: Catalog, seed: int, plan: JornadaPlan, rng) -> list[PlannedFile]:
    j = plan.jornada_id
    spec = FileFormat(kind="goal")
    groups: dict[str, list[Report]] = {}
    for unit in plan.units:
        report = goal_report(plan, unit, seed, catalog)
        if report:
            groups.setdefault(unit.ooad_id or "UMAE", []).append(report)
    out = []
    for group, reports in groups.items():
        out.append(PlannedFile(f"goals/{j}/{j}_{group}_metas.csv", spec, reports))
        if j == "2021-12" and group == "JC":
            # Goals corrected three days later for three units.
            first = []
            fixes = []
            for i in sorted(shuffled(list(range(len(reports))), rng)[:3]):
                report = reports[i]
                fixes.append(
                    report.copy(
                        submitted_at=shift_stamp(report.submitted_at, days=3),
                        has_other_versions=True,
                    )
                )
                wrong = [(a, s, t + 5) for a, s, t in report.lines]
                extra = next(
                    a
                    for a in ("detection_hepatitis_c", "detection_cervical_cancer", "vasectomy")
                    if all(line[0] != a for line in wrong)
                )
                wrong.append((extra, "", 30))  # a line the correction drops
                reports[i] = report.copy(lines=sorted(wrong), has_other_versions=True)
                first.append(reports[i])
            out.append(PlannedFile(f"goals/{j}/{j}_{group}_metas_correccion.csv", spec, fixes))
    return out
