"""Words of the report and the bulletin in Spanish and English.

Activity nouns are kept here with their singular and plural forms because bulletins count
things ("1 trasplante", "11 trasplantes"); the catalog's names (core.dim_activities) are
titles, not countable nouns.
"""

from __future__ import annotations

import datetime as dt

LANGUAGES = ("es", "en")

# activity -> (es singular, es plural, en singular, en plural)
ACTIVITY_NOUNS: dict[str, tuple[str, str, str, str]] = {
    "consultation_family_medicine": (
        "consulta de medicina familiar",
        "consultas de medicina familiar",
        "family-medicine consultation",
        "family-medicine consultations",
    ),
    "consultation_specialty": (
        "consulta de especialidad",
        "consultas de especialidad",
        "specialty consultation",
        "specialty consultations",
    ),
    "consultation_stomatology": (
        "consulta de estomatología",
        "consultas de estomatología",
        "stomatology consultation",
        "stomatology consultations",
    ),
    "consultation_nutrition": (
        "consulta de nutrición",
        "consultas de nutrición",
        "nutrition consultation",
        "nutrition consultations",
    ),
    "consultation_mental_health": (
        "consulta de salud mental",
        "consultas de salud mental",
        "mental-health consultation",
        "mental-health consultations",
    ),
    "surgery": ("cirugía", "cirugías", "surgery", "surgeries"),
    "transplant_kidney": ("de riñón", "de riñón", "kidney", "kidney"),
    "transplant_cornea": ("de córnea", "de córnea", "cornea", "cornea"),
    "transplant_liver": ("de hígado", "de hígado", "liver", "liver"),
    "transplant_bone_marrow": ("de médula ósea", "de médula ósea", "bone marrow", "bone marrow"),
    "donation_multiorgan": (
        "donación multiorgánica",
        "donaciones multiorgánicas",
        "multi-organ donation",
        "multi-organ donations",
    ),
    "donation_tissue": (
        "donación de tejidos",
        "donaciones de tejidos",
        "tissue donation",
        "tissue donations",
    ),
    "mammogram": ("mastografía", "mastografías", "mammogram", "mammograms"),
    "clinical_breast_exam": (
        "exploración clínica de mama",
        "exploraciones clínicas de mama",
        "clinical breast examination",
        "clinical breast examinations",
    ),
    "vaccination_schedule": (
        "esquema de vacunación completo",
        "esquemas de vacunación completos",
        "complete vaccination schedule",
        "complete vaccination schedules",
    ),
    "vasectomy": (
        "vasectomía sin bisturí",
        "vasectomías sin bisturí",
        "no-scalpel vasectomy",
        "no-scalpel vasectomies",
    ),
    "tubal_occlusion": (
        "oclusión tubaria bilateral",
        "oclusiones tubarias bilaterales",
        "bilateral tubal occlusion",
        "bilateral tubal occlusions",
    ),
    "family_planning_method": (
        "método de planificación familiar de alta continuidad",
        "métodos de planificación familiar de alta continuidad",
        "high-continuity family-planning method",
        "high-continuity family-planning methods",
    ),
    "social_work_intervention": (
        "intervención de Trabajo Social",
        "intervenciones de Trabajo Social",
        "social-work intervention",
        "social-work interventions",
    ),
    "detection_diabetes": (
        "detección de diabetes",
        "detecciones de diabetes",
        "diabetes detection",
        "diabetes detections",
    ),
    "detection_hypertension": (
        "detección de hipertensión arterial",
        "detecciones de hipertensión arterial",
        "arterial hypertension detection",
        "arterial hypertension detections",
    ),
    "detection_cervical_cancer": (
        "detección de cáncer cérvico-uterino",
        "detecciones de cáncer cérvico-uterino",
        "cervical cancer detection",
        "cervical cancer detections",
    ),
    "detection_hepatitis_c": (
        "detección de hepatitis C",
        "detecciones de hepatitis C",
        "hepatitis C detection",
        "hepatitis C detections",
    ),
    "diagnostic_endoscopy": ("endoscopia", "endoscopias", "endoscopy", "endoscopies"),
    "diagnostic_mri": (
        "resonancia magnética",
        "resonancias magnéticas",
        "MRI scan",
        "MRI scans",
    ),
}
# The contract's order, used wherever activities are listed.
ACTIVITY_ORDER = list(ACTIVITY_NOUNS)


def activity_noun(activity: str, count: int, lang: str) -> str:
    nouns = ACTIVITY_NOUNS.get(activity)
    if nouns is None:
        return activity.replace("_", " ")
    es_one, es_many, en_one, en_many = nouns
    if lang == "es":
        return es_one if count == 1 else es_many
    return en_one if count == 1 else en_many


MONTHS_ES = [
    "enero",
    "febrero",
    "marzo",
    "abril",
    "mayo",
    "junio",
    "julio",
    "agosto",
    "septiembre",
    "octubre",
    "noviembre",
    "diciembre",
]
MONTHS_EN = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]


def date_range(start: dt.date, end: dt.date, lang: str) -> str:
    """'del 17 al 19 de diciembre de 2021' / 'December 17 to 19, 2021'."""
    if lang == "es":
        if (start.year, start.month) == (end.year, end.month):
            return f"del {start.day} al {end.day} de {MONTHS_ES[end.month - 1]} de {end.year}"
        return (
            f"del {start.day} de {MONTHS_ES[start.month - 1]} al {end.day} de "
            f"{MONTHS_ES[end.month - 1]} de {end.year}"
        )
    if (start.year, start.month) == (end.year, end.month):
        return f"{MONTHS_EN[end.month - 1]} {start.day} to {end.day}, {end.year}"
    return (
        f"{MONTHS_EN[start.month - 1]} {start.day} to {MONTHS_EN[end.month - 1]} {end.day}, "
        f"{end.year}"
    )


def ordinal(number: int, lang: str) -> str:
    if lang == "es":
        return f"{number}ª"
    if 10 <= number % 100 <= 20:
        suffix = "th"
    else:
        suffix = {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    return f"{number}{suffix}"


def join_words(items: list[str], lang: str) -> str:
    """'a, b y c' / 'a, b and c'."""
    if not items:
        return ""
    if len(items) == 1:
        return items[0]
    conjunction = " y " if lang == "es" else " and "
    return ", ".join(items[:-1]) + conjunction + items[-1]


# Plain words for the unit staff who must fix and resubmit a report (audit reason codes).
REASONS: dict[str, tuple[str, str]] = {
    "missing_value": (
        "falta un dato obligatorio en la columna indicada",
        "a required value is missing in the column shown",
    ),
    "unknown_unit": (
        "la clave de unidad no existe en el catálogo de unidades (revise la CLUES)",
        "the unit key is not in the units catalog (check the CLUES key)",
    ),
    "unknown_jornada": (
        "la jornada no existe en el calendario (use AAAA-NN, p. ej. 2021-14)",
        "the national day is not in the calendar (use YYYY-NN, e.g. 2021-14)",
    ),
    "unknown_activity": (
        "la actividad no está en el catálogo de actividades",
        "the activity is not in the activities catalog",
    ),
    "unknown_specialty": (
        "la especialidad no está en el catálogo de especialidades",
        "the specialty is not in the specialties catalog",
    ),
    "specialty_not_allowed": (
        "se anotó una especialidad en una actividad que no la lleva; deje la columna vacía",
        "a specialty was given for an activity that takes none; leave it empty",
    ),
    "specialty_required": (
        "falta la especialidad: consultas de especialidad y cirugías la requieren",
        "the specialty is missing: specialty consultations and surgeries require one",
    ),
    "invalid_date": (
        "la fecha no es válida; use AAAA-MM-DD",
        "the date is not valid; use YYYY-MM-DD",
    ),
    "date_outside_jornada": (
        "la fecha de servicio cae fuera de los días de la jornada",
        "the service date falls outside the days of the national day",
    ),
    "invalid_quantity": (
        "la cantidad no es un número",
        "the quantity is not a number",
    ),
    "fractional_quantity": (
        "la cantidad tiene decimales; debe ser un número entero",
        "the quantity has decimals; it must be a whole number",
    ),
    "negative_quantity": (
        "la cantidad es negativa",
        "the quantity is negative",
    ),
    "invalid_timestamp": (
        "la fecha y hora de envío no es válida; use ISO 8601 con zona horaria",
        "the submission time is not valid; use ISO 8601 with a UTC offset",
    ),
    "duplicate_line": (
        "la misma fecha, actividad y especialidad aparece dos veces en el reporte",
        "the same date, activity and specialty appears twice in the report",
    ),
    "empty_file": ("el archivo está vacío", "the file is empty"),
    "unreadable_encoding": (
        "el archivo no está en UTF-8 ni Latin-1; guárdelo como CSV UTF-8",
        "the file is neither UTF-8 nor Latin-1; save it as CSV UTF-8",
    ),
    "unsupported_format": (
        "el formato no se acepta; envíe CSV, JSON o XLSX",
        "the format is not accepted; send CSV, JSON or XLSX",
    ),
    "malformed_file": (
        "el archivo está dañado o incompleto y no se pudo leer",
        "the file is damaged or incomplete and could not be read",
    ),
    "missing_required_column": (
        "falta una columna obligatoria en el encabezado",
        "a required column is missing from the header",
    ),
    "missing_report_sheet": (
        "el libro de Excel no tiene una hoja llamada «report»",
        "the Excel workbook has no sheet named 'report'",
    ),
    "rejected": (
        "el reporte tiene renglones inválidos y se rechazó completo; corrija y reenvíe",
        "the report has invalid lines and was rejected whole; fix them and resubmit",
    ),
    "conflict": (
        "dos reportes distintos con la misma unidad, jornada y hora de envío; "
        "reenvíe el correcto con una hora de envío posterior",
        "two different reports with the same unit, day and submission time; "
        "resubmit the right one with a later submission time",
    ),
}


def plain_reason(code: str | None, lang: str, fallback: str | None = None) -> str:
    """The reason in words a unit's staff understand; the recorded text when the code is new."""
    words = REASONS.get((code or "").split(":")[0].strip())
    if words is None:
        return fallback or code or ""
    return words[0] if lang == "es" else words[1]


# Activity categories of core.dim_activities, for the tables of the report.
CATEGORIES: dict[str, tuple[str, str]] = {
    "consultation": ("Consulta", "Consultation"),
    "surgery": ("Cirugía", "Surgery"),
    "transplant": ("Trasplante", "Transplant"),
    "donation": ("Donación", "Donation"),
    "prevention": ("Prevención", "Prevention"),
    "detection": ("Detección", "Detection"),
    "family_planning": ("Planificación familiar", "Family planning"),
    "social_work": ("Trabajo social", "Social work"),
    "diagnostic": ("Diagnóstico", "Diagnostics"),
}

SCOPES: dict[str, tuple[str, str]] = {
    "national": ("Nacional", "National"),
    "ooad": ("OOAD", "OOAD"),
    "unit": ("Unidad", "Unit"),
}

# Why a published figure reconciles as it does (marts.bulletin_reconciliation.verdict_reason,
# a code, then ": " and its details).
RECONCILIATION_REASONS: dict[str, tuple[str, str]] = {
    "same_activity_twice_in_sentence": (
        "la oración del boletín da dos cifras para la misma actividad",
        "the bulletin's sentence gives two figures for the same activity",
    ),
    "several_activities_in_one_figure": (
        "una sola cifra para varias actividades",
        "one figure for several activities",
    ),
    "exceeds_national_figure": (
        "mayor que la cifra nacional del mismo boletín",
        "larger than the national figure of the same bulletin",
    ),
    "goal met": ("meta cumplida según los reportes", "goal met according to the reports"),
}


def _pick(table: dict[str, tuple[str, str]], code: str | None, lang: str) -> str:
    words = table.get(code or "")
    if words is None:
        return code or ""
    return words[0] if lang == "es" else words[1]


def category_name(code: str | None, lang: str) -> str:
    return _pick(CATEGORIES, code, lang)


def scope_name(code: str | None, lang: str) -> str:
    return _pick(SCOPES, code, lang)


def reconciliation_reason(text: str | None, lang: str) -> str:
    """The reason in plain words (the recorded text, with its figures, is in the export)."""
    if not text:
        return ""
    code = text.partition(":")[0].strip()
    return _pick(RECONCILIATION_REASONS, code, lang) if code in RECONCILIATION_REASONS else text
