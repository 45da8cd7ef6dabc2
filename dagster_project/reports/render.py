"""Render the weekly report: one page per day with data, one for the latest day, exports.

Layout under JORNADAS_HOME/reports/:
  <jornada>/index.html         Spanish page       <jornada>/index.en.html   English page
  <jornada>/boletin_es.md      Spanish bulletin   <jornada>/bulletin_en.md  English bulletin
  <jornada>/bulletin_figures.json   every bulletin number with the query that gives it
  <jornada>/<table>.csv, <jornada>/report_<jornada>.xlsx   the page's tables
  latest.html / latest.en.html the latest day with data, with trends and links to every day
Files are written to a temporary name and renamed into place so a reader never sees half.

A weekly refresh changes a few days: a day whose page data, bulletin and rendering code are the
same as when its files were last written is not written again (`.rendered.json` keeps a digest
per day). Its data are still read, so a change anywhere in what the page shows re-renders it;
what is skipped is the rendering and writing (templates, charts, XLSX), most of the cost.
With many days to look at, a second process renders every other day (`PARALLEL_MIN_DAYS`).
"""

from __future__ import annotations

import datetime as dt
import fcntl
import hashlib
import json
import logging
import multiprocessing
import os
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import asdict, dataclass, field
from html import escape
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from dagster_project.reports import charts
from dagster_project.reports.bulletin import CONSULTATIONS_COUNTED, TRANSPLANTS, write_bulletin
from dagster_project.reports.content import (
    TREND_ACTIVITIES,
    PageData,
    jornadas_with_data,
    localized,
    read_day,
)
from dagster_project.reports.content import trends as trends_table
from dagster_project.reports.exports import write_csv, write_xlsx
from dagster_project.reports.i18n import (
    LANGUAGES,
    activity_noun,
    category_name,
    date_range,
    reconciliation_reason,
    scope_name,
)
from dagster_project.reports.numbers import percent, table_number
from dagster_project.reports.warehouse import Warehouse, check_jornada_id

_log = logging.getLogger(__name__)
TEMPLATES = Path(__file__).resolve().parent / "templates"
PAGE_NAMES = {"es": "index.html", "en": "index.en.html"}
LATEST_NAMES = {"es": "latest.html", "en": "latest.en.html"}
BULLETIN_NAMES = {"es": "boletin_es.md", "en": "bulletin_en.md"}

LABELS: dict[str, dict[str, str]] = {
    "es": {
        "title": "Reporte semanal — Jornada {jornada}",
        "latest_title": "Reporte semanal — última jornada: {jornada}",
        "subtitle": "Jornadas Nacionales de Recuperación de Servicios Médicos, IMSS · {dates}",
        "assumed_dates": "Fechas supuestas: ningún boletín publicado confirma las fechas de esta "
        "jornada.",
        "key_figures": "Cifras principales",
        "surgeries": "Cirugías",
        "consultations": "Consultas (especialidad, medicina familiar, estomatología y nutrición)",
        "transplants": "Trasplantes",
        "units_reporting": "Unidades que reportaron",
        "ooad": "OOAD participantes",
        "umae": "UMAE participantes",
        "trends": "Tendencia entre jornadas nacionales",
        "all_days": "Todas las jornadas con datos",
        "day": "Jornada",
        "dates": "Fechas",
        "bulletin": "Boletín generado",
        "bulletin_note": "Cada cifra del boletín viene de una consulta a los marts publicados:",
        "national_totals": "Totales nacionales por actividad",
        "activity": "Actividad",
        "category": "Categoría",
        "quantity": "Cantidad",
        "specialty": "Especialidad",
        "top_specialties": "Especialidades con mayor demanda",
        "top_surgery": "Cirugías por especialidad (principales)",
        "top_consultation": "Consultas de especialidad (principales)",
        "goal_attainment": "OOAD por cumplimiento de metas",
        "goal_note": "Realizado ÷ meta, sumando las actividades con meta de cada OOAD "
        "(las UMAE dependen del nivel central y no están aquí). La línea marca el 100 %.",
        "target": "Meta",
        "performed": "Realizado",
        "attainment": "Cumplimiento",
        "surgery_attainment": "Cirugías",
        "specialty_attainment": "Consultas de especialidad",
        "completeness": "Oportunidad y completitud de los reportes",
        "completeness_note": "Completitud = unidades que reportaron ÷ unidades esperadas; "
        "oportunidad = reportes recibidos a tiempo ÷ unidades esperadas.",
        "expected": "Esperadas",
        "reported": "Reportaron",
        "on_time": "A tiempo",
        "completeness_pct": "Completitud",
        "timeliness_pct": "Oportunidad",
        "quarantine": "Reportes en cuarentena (para reenviar)",
        "quarantine_note": "Reportes rechazados o en conflicto, por OOAD y unidad, con lo que "
        "hay que corregir. Mientras tanto sigue vigente la versión anterior de cada reporte.",
        "quarantine_none": "Ningún reporte de esta jornada quedó en cuarentena.",
        "submitted_at": "Enviado",
        "file": "Archivo",
        "verdict": "Dictamen",
        "lines": "Renglones",
        "what_to_fix": "Qué corregir",
        "column": "Columna",
        "line_numbers": "Renglones (primeros)",
        "problem": "Problema",
        "rejected_files": "Archivos que no se pudieron leer (cualquier jornada)",
        "format": "Formato",
        "recorded_reason": "Motivo registrado",
        "reconciliation": "Conciliación con los boletines publicados",
        "reconciliation_note": "Cada cifra publicada frente a lo que dicen los reportes vigentes "
        "de las unidades.",
        "reconciliation_none": "Ningún boletín publicado de esta jornada.",
        "bulletin_id": "Boletín",
        "scope": "Alcance",
        "published": "Publicado",
        "difference": "Diferencia",
        "why": "Por qué",
        "exports": "Descargas",
        "all_tables": "todas las tablas",
        "exports_note": "Las celdas de texto que empiezan con =, +, - o @ llevan un apóstrofo "
        "para que la hoja de cálculo no las ejecute como fórmulas.",
        "footer": "Generado desde el almacén publicado (solo lectura)",
        "none": "Sin datos.",
        "latest": "Última jornada",
        "other_language": "English",
        "verdicts": "rejected=rechazado;conflict=en conflicto;match=coincide;"
        "published_higher=publicado mayor;published_lower=publicado menor;"
        "no_reports=sin reportes;inconsistent=inconsistente",
    },
    "en": {
        "title": "Weekly report — national day {jornada}",
        "latest_title": "Weekly report — latest national day: {jornada}",
        "subtitle": "IMSS National Days of Recovery of Medical Services · {dates}",
        "assumed_dates": "Assumed dates: no published bulletin confirms the dates of this day.",
        "key_figures": "Key figures",
        "surgeries": "Surgeries",
        "consultations": "Consultations (specialty, family medicine, stomatology, nutrition)",
        "transplants": "Transplants",
        "units_reporting": "Units reporting",
        "ooad": "OOAD taking part",
        "umae": "UMAE taking part",
        "trends": "Trend across national days",
        "all_days": "Every day with data",
        "day": "Day",
        "dates": "Dates",
        "bulletin": "Generated bulletin",
        "bulletin_note": "Every figure in the bulletin comes from a query on the published marts:",
        "national_totals": "National totals by activity",
        "activity": "Activity",
        "category": "Category",
        "quantity": "Quantity",
        "specialty": "Specialty",
        "top_specialties": "Specialties with most demand",
        "top_surgery": "Surgeries by specialty (top)",
        "top_consultation": "Specialty consultations (top)",
        "goal_attainment": "OOADs by goal attainment",
        "goal_note": "Performed ÷ target, summing each OOAD's activities that have a target "
        "(UMAE report to the central level and are not here). The line marks 100%.",
        "target": "Target",
        "performed": "Performed",
        "attainment": "Attainment",
        "surgery_attainment": "Surgeries",
        "specialty_attainment": "Specialty consultations",
        "completeness": "Reporting completeness and timeliness",
        "completeness_note": "Completeness = units that reported ÷ units expected; "
        "timeliness = reports received on time ÷ units expected.",
        "expected": "Expected",
        "reported": "Reported",
        "on_time": "On time",
        "completeness_pct": "Completeness",
        "timeliness_pct": "Timeliness",
        "quarantine": "Quarantined reports (to resubmit)",
        "quarantine_note": "Rejected or conflicting reports, by OOAD and unit, with what to "
        "fix. Meanwhile the previous version of each report stays in force.",
        "quarantine_none": "No report of this day was quarantined.",
        "submitted_at": "Submitted",
        "file": "File",
        "verdict": "Verdict",
        "lines": "Lines",
        "what_to_fix": "What to fix",
        "column": "Column",
        "line_numbers": "Line numbers (first)",
        "problem": "Problem",
        "rejected_files": "Files that could not be read (any day)",
        "format": "Format",
        "recorded_reason": "Recorded reason",
        "reconciliation": "Reconciliation with published bulletins",
        "reconciliation_note": "Each published figure against what the units' reports in "
        "force say.",
        "reconciliation_none": "No published bulletin for this day.",
        "bulletin_id": "Bulletin",
        "scope": "Scope",
        "published": "Published",
        "difference": "Difference",
        "why": "Why",
        "exports": "Downloads",
        "all_tables": "every table",
        "exports_note": "Text cells starting with =, +, - or @ carry a leading apostrophe so "
        "spreadsheets do not run them as formulas.",
        "footer": "Generated from the published warehouse (read-only)",
        "none": "No data.",
        "latest": "Latest day",
        "other_language": "Español",
        "verdicts": "rejected=rejected;conflict=conflict;match=match;"
        "published_higher=published higher;published_lower=published lower;"
        "no_reports=no reports;inconsistent=inconsistent",
    },
}


@dataclass
class RenderResult:
    pages: list[Path]
    exports: list[Path]
    bulletins: list[Path]
    jornadas: list[str]
    # Days whose files were already up to date (a subset of `jornadas`; their files are not
    # in pages/exports/bulletins).
    unchanged: list[str] = field(default_factory=list)


RENDER_STATE = ".rendered.json"
RENDER_STATE_LOCK = ".rendered.lock"


def _code_digest() -> str:
    """The report code and templates: any change re-renders every day."""
    digest = hashlib.sha256()
    package = Path(__file__).resolve().parent
    for path in sorted([*package.glob("*.py"), *TEMPLATES.rglob("*")]):
        if path.is_file():
            digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def _day_digest(code: str, languages: list[str], names: dict, bulletin, day: PageData) -> str:
    """What a day's files are made of. The pages are `day` localized by the report code, so
    `day` (in no language) stands for them."""
    content = {
        "code": code,
        "languages": languages,
        "activity_names": names,
        "bulletin": bulletin.sidecar(),
        "bulletin_texts": bulletin.texts,
        "day": asdict(day),
    }
    return hashlib.sha256(json.dumps(content, sort_keys=True, default=str).encode()).hexdigest()


def _load_render_state(reports_dir: Path) -> dict[str, str]:
    try:
        state = json.loads((reports_dir / RENDER_STATE).read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        return {}
    return state if isinstance(state, dict) else {}  # anything else: render every day


def _set_render_state(reports_dir: Path, jornada_id: str, digest: str | None) -> None:
    """Record (or, with None, forget) the digest of a day's files. Two processes may render at
    once, so each change re-reads the file under an exclusive lock."""
    reports_dir.mkdir(parents=True, exist_ok=True)
    with (reports_dir / RENDER_STATE_LOCK).open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        state = _load_render_state(reports_dir)
        if digest is None:
            state.pop(jornada_id, None)
        else:
            state[jornada_id] = digest
        _write_text(reports_dir / RENDER_STATE, json.dumps(state, indent=1, sort_keys=True))


def _day_files(out_dir: Path, jornada_id: str, pages: dict[str, PageData]) -> list[Path]:
    """The files a day's rendering writes, to tell that a skipped day's files are all there."""
    files = [out_dir / "bulletin_figures.json", out_dir / f"report_{jornada_id}.xlsx"]
    files += [out_dir / BULLETIN_NAMES[lang] for lang in LANGUAGES]
    files += [out_dir / PAGE_NAMES[lang] for lang in pages]
    for data in pages.values():
        files += [out_dir / f"{name}.csv" for name in data.tables]
    return files


def _write_text(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.partial")
    partial.write_text(text, encoding="utf-8")
    os.replace(partial, path)


def _environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        autoescape=select_autoescape(["html", "j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )


def markdown_to_html(text: str) -> Markup:
    """The small markdown the bulletin uses: a '# ' title, paragraphs, an _emphasis_ line."""
    blocks = [block.strip() for block in text.strip().split("\n\n") if block.strip()]
    html = []
    for block in blocks:
        if block.startswith("# "):
            html.append(f"<h3>{escape(block[2:])}</h3>")
        elif block.startswith("_") and block.endswith("_"):
            html.append(f"<p><em>{escape(block[1:-1])}</em></p>")
        else:
            html.append(f"<p>{escape(block)}</p>")
    return Markup("\n".join(html))


def _date(value: Any) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


def _sum(rows: Iterable[dict], activities: Iterable[str]) -> int:
    wanted = set(activities)
    return int(sum(row["quantity"] or 0 for row in rows if row["activity"] in wanted))


def _verdict_namer(lang: str):
    pairs = dict(item.split("=", 1) for item in LABELS[lang]["verdicts"].split(";"))
    return lambda verdict: pairs.get(verdict, verdict or "")


def _group_quarantine(data: PageData) -> list[dict]:
    lines_by_unit: dict[str, list[dict]] = {}
    for line in data.tables["rejected_lines"].rows:
        lines_by_unit.setdefault(line["unit_id"], []).append(line)
    groups: dict[str, dict[str, dict]] = {}
    for report in data.tables["quarantined_reports"].rows:
        units = groups.setdefault(report["ooad_name"], {})
        unit = units.setdefault(
            report["unit_id"],
            {
                "unit_id": report["unit_id"],
                "unit_name": report["unit_name"],
                "reports": [],
                "lines": lines_by_unit.get(report["unit_id"], []),
            },
        )
        unit["reports"].append(report)
    return [
        {"ooad_name": name, "units": list(units.values())} for name, units in sorted(groups.items())
    ]


def _page_context(
    data: PageData,
    lang: str,
    bulletin_text: str,
    base: str,
    nav: list[dict],
    activity_names: dict[str, str],
) -> dict[str, Any]:
    labels = LABELS[lang]
    start, end = _date(data.calendar["start_date"]), _date(data.calendar["end_date"])
    national = data.tables["national_totals"].rows
    overview = data.overview

    def activity_name(code: str | None) -> str:
        return activity_names.get(code or "", code or "")

    tiles = [
        (labels["surgeries"], table_number(_sum(national, ["surgery"]))),
        (labels["consultations"], table_number(_sum(national, CONSULTATIONS_COUNTED))),
        (labels["transplants"], table_number(_sum(national, TRANSPLANTS))),
        (labels["units_reporting"], table_number(overview.get("units_reporting"))),
        (labels["ooad"], table_number(overview.get("ooad_participating"))),
        (labels["umae"], table_number(overview.get("umae_participating"))),
    ]
    top = data.tables["top_specialties"].rows
    goals = data.tables["ooad_goal_attainment"].rows
    completeness = data.tables["reporting_completeness"].rows

    def pct(value) -> str:
        return percent(value, lang)

    national_chart = charts.hbar_chart(
        labels["national_totals"],
        [
            charts.Bar(row["name"] or row["activity"], (float(row["quantity"] or 0),))
            for row in national
        ],
        # Room for the longest activity names ("Cirugías (intervenciones quirúrgicas)").
        width=940,
        label_width=370,
    )
    surgery_chart = charts.hbar_chart(
        labels["top_surgery"],
        [
            charts.Bar(row["name"] or row["specialty"], (float(row["quantity"] or 0),))
            for row in top
            if row["activity"] == "surgery"
        ],
        width=560,
        label_width=200,
    )
    specialty_chart = charts.hbar_chart(
        labels["top_consultation"],
        [
            charts.Bar(row["name"] or row["specialty"], (float(row["quantity"] or 0),))
            for row in top
            if row["activity"] == "consultation_specialty"
        ],
        width=560,
        label_width=200,
    )
    goal_chart = charts.hbar_chart(
        labels["goal_attainment"],
        [
            charts.Bar(row["ooad_name"], (float(row["attainment_pct"] or 0),))
            for row in goals
            if row["attainment_pct"] is not None
        ],
        value_format=pct,
        reference=100.0,
        reference_label=pct(100),
    )
    completeness_chart = charts.hbar_chart(
        labels["completeness"],
        [
            charts.Bar(
                row["ooad_name"],
                (float(row["completeness_pct"] or 0), float(row["timeliness_pct"] or 0)),
            )
            for row in completeness
        ],
        series=(labels["completeness_pct"], labels["timeliness_pct"]),
        value_format=pct,
        reference=100.0,
    )
    reconciliation = None
    counts: list[tuple[str, int]] = []
    if data.has_reconciliation:
        reconciliation = data.tables["bulletin_reconciliation"].rows
        tally: dict[str, int] = {}
        for row in reconciliation:
            tally[row["verdict"]] = tally.get(row["verdict"], 0) + 1
        counts = sorted(tally.items())
    return {
        "lang": lang,
        "L": labels,
        "base": base,
        "nav": nav,
        "subtitle": labels["subtitle"].format(dates=date_range(start, end, lang)),
        "assumed_dates": data.calendar.get("dates_source") == "assumed",
        "tiles": [{"label": label, "value": value} for label, value in tiles],
        "bulletin_html": markdown_to_html(bulletin_text),
        "bulletin_file": BULLETIN_NAMES[lang],
        "national": national,
        "national_chart": Markup(national_chart),
        "top_specialties": top,
        "surgery_chart": Markup(surgery_chart),
        "specialty_chart": Markup(specialty_chart),
        "goals": goals,
        "goal_chart": Markup(goal_chart),
        "completeness": completeness,
        "completeness_chart": Markup(completeness_chart),
        "quarantine_groups": _group_quarantine(data),
        "rejected_files": data.tables.get("rejected_files").rows
        if "rejected_files" in data.tables
        else [],
        "reconciliation": reconciliation,
        "reconciliation_counts": counts,
        "export_names": list(data.tables),
        "xlsx_file": f"report_{data.jornada_id}.xlsx",
        "fmt": table_number,
        "pct": pct,
        "activity_name": activity_name,
        "category_name": lambda code: category_name(code, lang),
        "scope_name": lambda code: scope_name(code, lang),
        "reconciliation_reason": lambda text: reconciliation_reason(text, lang),
        "specialty_column": "specialty_name_es" if lang == "es" else "specialty_name_en",
        "verdict_name": _verdict_namer(lang),
        "generated_at": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "trend_charts": [],
        "days": [],
    }


def _activity_names(wh: Warehouse, lang: str) -> dict[str, str]:
    column = "name_es" if lang == "es" else "name_en"
    rows = wh.rows(f"select activity, {column} as name from core.dim_activities")
    return {row["activity"]: row["name"] or row["activity"] for row in rows}


def _trend_charts(wh: Warehouse, lang: str) -> list[Markup]:
    table = trends_table(wh)
    days = sorted({(row["start_date"], row["jornada_id"]) for row in table.rows})
    out = []
    for index, activity in enumerate(TREND_ACTIVITIES):
        by_day = {
            row["jornada_id"]: row["quantity"] for row in table.rows if row["activity"] == activity
        }
        title = activity_noun(activity, 2, lang)
        out.append(
            Markup(
                charts.column_chart(
                    title[0].upper() + title[1:],
                    [jornada for _, jornada in days],
                    [float(by_day.get(jornada) or 0) for _, jornada in days],
                    color=charts.PALETTE[index],
                )
            )
        )
    return out


# Rendering a day is Python on one core (queries aside): templates, charts, XLSX. With this
# many days or more to look at, a second process renders every other day. Starting it (an
# interpreter, DuckDB, Jinja) costs about a second, more than it saves on fewer days.
PARALLEL_MIN_DAYS = 16


@dataclass(frozen=True)
class _RenderJob:
    """What rendering a day needs besides its warehouse connection; picklable."""

    reports_dir: Path
    languages: list[str]
    names: dict[str, dict[str, str]]
    code: str
    latest: str | None  # the day that also gets the latest pages, if any
    days: list[dict]  # every day with data, for the latest pages
    force: bool


@dataclass
class _DayResult:
    pages: list[Path] = field(default_factory=list)
    exports: list[Path] = field(default_factory=list)
    bulletins: list[Path] = field(default_factory=list)
    unchanged: bool = False


def render_reports(
    published_db: Path,
    reports_dir: Path,
    jornada: str | None = None,
    languages: Iterable[str] = LANGUAGES,
    force: bool = False,
) -> RenderResult:
    """Render pages, bulletins and exports from the published warehouse (read-only); days
    whose files are up to date are left as they are unless `force`."""
    languages = [lang for lang in LANGUAGES if lang in set(languages)]
    with Warehouse(published_db) as wh:
        days = jornadas_with_data(wh)
        available = [row["jornada_id"] for row in days]
        if jornada is not None:
            check_jornada_id(jornada)
            if jornada not in available:
                raise ValueError(
                    f"no reports in force for jornada {jornada}; days with data: "
                    + (", ".join(available) or "none")
                )
            targets = [jornada]
        else:
            targets = available
        job = _RenderJob(
            reports_dir=reports_dir,
            languages=languages,
            names={lang: _activity_names(wh, lang) for lang in languages},
            code=_code_digest(),
            latest=available[-1] if available and jornada is None else None,
            days=days,
            force=force,
        )
        if len(targets) < PARALLEL_MIN_DAYS:
            rendered = _render_days(wh, job, targets)
        else:
            # Every other day but the latest (whose pages read the trends) to a second process.
            theirs = [day for day in targets if day != job.latest][::2]
            mine = [day for day in targets if day not in theirs]
            spawn = multiprocessing.get_context("spawn")
            with ProcessPoolExecutor(max_workers=1, mp_context=spawn) as pool:
                future = pool.submit(_render_days_in_process, published_db, job, theirs)
                rendered = _render_days(wh, job, mine)
                try:
                    rendered.update(future.result())
                except BrokenProcessPool as error:
                    # The process could not start or died (e.g. a script without a
                    # `__main__` guard, or killed): its days are rendered here instead.
                    _log.warning(f"the second render process stopped ({error}); rendering here")
                    rendered.update(_render_days(wh, job, theirs))
    result = RenderResult(pages=[], exports=[], bulletins=[], jornadas=list(targets))
    for day in targets:
        done = rendered[day]
        result.pages += done.pages
        result.exports += done.exports
        result.bulletins += done.bulletins
        if done.unchanged:
            result.unchanged.append(day)
    return result


def _render_days_in_process(
    published_db: Path, job: _RenderJob, jornada_ids: list[str]
) -> dict[str, _DayResult]:
    parent = os.getppid()
    with Warehouse(published_db) as wh:
        return _render_days(wh, job, jornada_ids, parent_alive=lambda: os.getppid() == parent)


def _render_days(
    wh: Warehouse, job: _RenderJob, jornada_ids: list[str], parent_alive=lambda: True
) -> dict[str, _DayResult]:
    template = _environment().get_template("report.html.j2")
    state = _load_render_state(job.reports_dir)
    rendered = {}
    for day in jornada_ids:
        # A second process whose refresh died stops: it holds no refresh lock, and must not
        # write reports beside the next refresh.
        if not parent_alive():
            raise SystemExit("the refresh that started this render process has ended")
        rendered[day] = _render_day(wh, job, template, state.get(day), day)
    return rendered


def _render_day(
    wh: Warehouse, job: _RenderJob, template, rendered_digest: str | None, jornada_id: str
) -> _DayResult:
    done = _DayResult()
    out_dir = job.reports_dir / jornada_id
    bulletin = write_bulletin(wh, jornada_id)
    day = read_day(wh, jornada_id)
    pages = {lang: localized(day, lang) for lang in job.languages}
    digest = _day_digest(job.code, job.languages, job.names, bulletin, day)
    is_latest = jornada_id == job.latest
    up_to_date = rendered_digest == digest and all(
        path.exists() for path in _day_files(out_dir, jornada_id, pages)
    )
    if up_to_date and not is_latest and not job.force:
        done.unchanged = True
        return done
    # A day half-written by an interrupted run must not pass as up to date.
    if rendered_digest is not None:
        _set_render_state(job.reports_dir, jornada_id, None)
    _write_text(
        out_dir / "bulletin_figures.json",
        json.dumps(bulletin.sidecar(), ensure_ascii=False, indent=2, default=str),
    )
    for lang in LANGUAGES:
        path = out_dir / BULLETIN_NAMES[lang]
        _write_text(path, bulletin.texts[lang])
        done.bulletins.append(path)
    exported = False
    for lang in job.languages:
        data = pages[lang]
        if not exported:
            done.exports.extend(_write_exports(out_dir, data))
            exported = True
        nav = _nav(lang, jornada_id, prefix="../", own=PAGE_NAMES)
        names = job.names[lang]
        context = _page_context(data, lang, bulletin.texts[lang], "", nav, names)
        context["title"] = LABELS[lang]["title"].format(jornada=jornada_id)
        page = out_dir / PAGE_NAMES[lang]
        _write_text(page, template.render(**context))
        done.pages.append(page)
        if is_latest:
            context = dict(context)
            context["title"] = LABELS[lang]["latest_title"].format(jornada=jornada_id)
            context["base"] = f"{jornada_id}/"
            context["nav"] = _nav(lang, jornada_id, prefix="", own=LATEST_NAMES)
            context["trend_charts"] = _trend_charts(wh, lang)
            context["days"] = [
                {
                    "jornada_id": row["jornada_id"],
                    "href": f"{row['jornada_id']}/{PAGE_NAMES[lang]}",
                    "dates": date_range(_date(row["start_date"]), _date(row["end_date"]), lang),
                    "units": table_number(row["units_reporting"]),
                    "ooad": table_number(row["ooad_participating"]),
                    "umae": table_number(row["umae_participating"]),
                }
                for row in reversed(job.days)
            ]
            latest_page = job.reports_dir / LATEST_NAMES[lang]
            _write_text(latest_page, template.render(**context))
            done.pages.append(latest_page)
    _set_render_state(job.reports_dir, jornada_id, digest)
    return done


def _nav(lang: str, jornada_id: str, prefix: str, own: dict[str, str]) -> list[dict]:
    other = "en" if lang == "es" else "es"
    return [
        {"href": f"{prefix}{LATEST_NAMES[lang]}", "text": LABELS[lang]["latest"]},
        {"href": own[other], "text": LABELS[lang]["other_language"]},
    ]


def _write_exports(out_dir: Path, data: PageData) -> list[Path]:
    paths = []
    sheets = []
    for name, table in data.tables.items():
        columns = [c for c in table.columns if c != "name"]
        rows = [[row.get(c) for c in columns] for row in table.rows]
        path = out_dir / f"{name}.csv"
        write_csv(path, columns, rows)
        paths.append(path)
        sheets.append((name, columns, rows))
    workbook = out_dir / f"report_{data.jornada_id}.xlsx"
    write_xlsx(workbook, sheets)
    paths.append(workbook)
    return paths
