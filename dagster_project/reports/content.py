"""The tables of the weekly report, read from the published marts.

Each table is a `Table` (name, columns, rows) so the same object feeds the HTML page and
the CSV/XLSX exports. Audit tables are read defensively by column discovery only where the
contract leaves a column name open (the file column of `audit.rejected_lines`, the reason
column of `audit.file_ledger`).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field, replace
from typing import Any

from dagster_project.reports.i18n import ACTIVITY_ORDER, plain_reason
from dagster_project.reports.warehouse import Warehouse, sql_literal

TOP_SPECIALTIES = 10
TREND_ACTIVITIES = ("surgery", "consultation_specialty", "consultation_family_medicine")


@dataclass
class Table:
    name: str
    columns: list[str]
    rows: list[dict[str, Any]] = field(default_factory=list)
    sql: str = ""

    def values(self) -> list[list[Any]]:
        return [[row.get(c) for c in self.columns] for row in self.rows]


@dataclass
class PageData:
    jornada_id: str
    calendar: dict[str, Any]
    overview: dict[str, Any]
    tables: dict[str, Table]
    has_reconciliation: bool


def _table(wh: Warehouse, name: str, sql: str) -> Table:
    rows = wh.rows(sql)
    columns = list(rows[0]) if rows else _columns_of(wh, sql)
    return Table(name=name, columns=columns, rows=rows, sql=" ".join(sql.split()))


def _columns_of(wh: Warehouse, sql: str) -> list[str]:
    result = wh.connection.execute(f"select * from ({sql}) limit 0")
    return [column[0] for column in result.description]


def _first_present(candidates: list[str], present: list[str]) -> str | None:
    return next((c for c in candidates if c in present), None)


def jornadas_with_data(wh: Warehouse) -> list[dict[str, Any]]:
    """Jornadas that have reports in force, oldest first."""
    return wh.rows(
        "select j.jornada_id, j.start_date, j.end_date, j.kind, j.dates_source, "
        "o.units_reporting, o.ooad_participating, o.umae_participating "
        "from marts.jornada_overview as o join core.dim_jornadas as j using (jornada_id) "
        "where o.units_reporting > 0 order by j.start_date, j.jornada_id"
    )


def read_day(wh: Warehouse, jornada_id: str) -> PageData:
    """The day's tables as the warehouse holds them, in no language: every query of the page
    runs once however many languages it is rendered in (see `localized`)."""
    jid = sql_literal(jornada_id)
    calendar_rows = wh.rows(
        "select jornada_id, start_date, end_date, kind, dates_source "
        f"from core.dim_jornadas where jornada_id = {jid}"
    )
    if not calendar_rows:
        raise ValueError(f"jornada {jornada_id} is not in core.dim_jornadas")
    overview_rows = wh.rows(f"select * from marts.jornada_overview where jornada_id = {jid}")
    tables: dict[str, Table] = {}

    national = _table(
        wh,
        "national_totals",
        "select a.activity, a.name_es, a.name_en, a.category, a.quantity "
        "from (select ja.activity, d.name_es, d.name_en, d.category, ja.quantity "
        "from marts.jornada_activity as ja "
        "left join core.dim_activities as d on d.activity = ja.activity "
        f"where ja.jornada_id = {jid}) as a",
    )
    order = {code: index for index, code in enumerate(ACTIVITY_ORDER)}
    national.rows.sort(key=lambda r: (order.get(r["activity"], len(order)), r["activity"]))
    tables["national_totals"] = national

    tables["top_specialties"] = _table(
        wh,
        "top_specialties",
        "select d.activity, d.specialty, s.name_es, s.name_en, d.quantity, d.demand_rank "
        "from marts.specialty_demand as d "
        "left join core.dim_specialties as s on s.specialty = d.specialty "
        f"where d.jornada_id = {jid} and d.activity in ('surgery', 'consultation_specialty') "
        f"and d.demand_rank <= {TOP_SPECIALTIES} order by d.activity desc, d.demand_rank",
    )

    tables["ooad_goal_attainment"] = _table(
        wh,
        "ooad_goal_attainment",
        "select g.ooad_id, coalesce(o.ooad_name, 'UMAE') as ooad_name, o.state_name, "
        "sum(g.target) as target, sum(g.performed) as performed, "
        "round(100.0 * sum(g.performed) / nullif(sum(g.target), 0), 1) as attainment_pct, "
        "round(100.0 * sum(g.performed) filter (where g.activity = 'surgery') "
        "/ nullif(sum(g.target) filter (where g.activity = 'surgery'), 0), 1) "
        "as surgery_attainment_pct, "
        "round(100.0 * sum(g.performed) filter (where g.activity = 'consultation_specialty') "
        "/ nullif(sum(g.target) filter (where g.activity = 'consultation_specialty'), 0), 1) "
        "as specialty_attainment_pct "
        "from marts.goal_attainment as g left join core.dim_ooad as o on o.ooad_id = g.ooad_id "
        f"where g.jornada_id = {jid} and g.level = 'ooad' and g.target > 0 "
        "group by g.ooad_id, o.ooad_name, o.state_name "
        "order by attainment_pct desc nulls last, g.ooad_id",
    )

    # UMAE are their own rows (ooad_id like 'UMAE-25'); name them from dim_units when it
    # carries the reporting group's name.
    groups_join, group_name = "", "null"
    if "reporting_group_name" in wh.columns("core", "dim_units"):
        groups_join = (
            "left join (select distinct reporting_group_id, reporting_group_name "
            "from core.dim_units) as g on g.reporting_group_id = r.ooad_id "
        )
        group_name = "g.reporting_group_name"
    tables["reporting_completeness"] = _table(
        wh,
        "reporting_completeness",
        f"select r.ooad_id, coalesce(o.ooad_name, {group_name}, r.ooad_id, 'UMAE') "
        "as ooad_name, r.units_expected, r.units_reported, r.units_on_time, "
        "r.completeness_pct, r.timeliness_pct "
        "from marts.reporting_completeness as r "
        f"left join core.dim_ooad as o on o.ooad_id = r.ooad_id {groups_join}"
        f"where r.jornada_id = {jid} "
        # Worst first; among equals, the OOADs by name, then the UMAE (their own rows).
        "order by r.completeness_pct, r.timeliness_pct, o.ooad_id is null, ooad_name",
    )

    tables.update(_quarantine_tables(wh, jid))

    has_reconciliation = wh.has_table("marts", "bulletin_reconciliation")
    if has_reconciliation:
        # Beyond the contract's columns, what says why a figure reconciles as it does.
        present = wh.columns("marts", "bulletin_reconciliation")
        extras = ", ".join(
            f"r.{column}" if column in present else f"null as {column}"
            for column in ("figure_kind", "verdict_reason", "confidence")
        )
        tables["bulletin_reconciliation"] = _table(
            wh,
            "bulletin_reconciliation",
            "select r.bulletin_id, r.scope_level, r.ooad_id, r.unit_id, u.unit_name, "
            "r.activity, r.specialty, s.name_es as specialty_name_es, "
            "s.name_en as specialty_name_en, r.published, r.reported, "
            f"r.difference, r.verdict, {extras} "
            "from marts.bulletin_reconciliation as r "
            "left join core.dim_units as u on u.unit_id = r.unit_id "
            "left join core.dim_specialties as s on s.specialty = r.specialty "
            f"where r.jornada_id = {jid} "
            "order by case r.verdict when 'match' then 1 else 0 end, r.bulletin_id, "
            "r.scope_level, r.activity, r.specialty",
        )
    return PageData(
        jornada_id=jornada_id,
        calendar=calendar_rows[0],
        overview=overview_rows[0] if overview_rows else {},
        tables=tables,
        has_reconciliation=has_reconciliation,
    )


def _file_reason(row: dict[str, Any]) -> tuple[Any, Any]:
    reason = row.get("reason") or ""
    return reason, reason


# Per table with rejections: a row's (reason code, detail) for `plain_reason`.
_REASONS = {
    "quarantined_reports": lambda row: (row["verdict"], row.get("reason")),
    "rejected_lines": lambda row: (row["reason_code"], row.get("reason")),
    "rejected_files": _file_reason,
}


def localized(day: PageData, lang: str) -> PageData:
    """A copy of `day` (from `read_day`) with each row's name in `lang` and each rejection's
    reason in plain words; `day` itself is left as it is."""
    name = "name_es" if lang == "es" else "name_en"
    tables: dict[str, Table] = {}
    for key, table in day.tables.items():
        rows = copy.deepcopy(table.rows)
        columns = list(table.columns)
        for row in rows:
            if "name_es" in row:
                row["name"] = row.get(name) or row.get("activity") or row.get("specialty")
        reason_of = _REASONS.get(key)
        if reason_of is not None and rows:
            for row in rows:
                code, detail = reason_of(row)
                row["reason_plain"] = plain_reason(code, lang, detail)
            columns.append("reason_plain")
        tables[key] = replace(table, columns=columns, rows=rows)
    return replace(day, tables=tables)


def _quarantine_tables(wh: Warehouse, jid: str) -> dict[str, Table]:
    """Rejected and conflicting reports of the day, with their invalid lines and reasons."""
    tables: dict[str, Table] = {}
    reports = _table(
        wh,
        "quarantined_reports",
        "select coalesce(o.ooad_name, case when u.unit_type = 'UMAE' then 'UMAE' end, "
        "q.ooad_id, '?') as ooad_name, q.unit_id, u.unit_name, q.submitted_at, q.path, "
        "q.verdict, q.reason, q.n_lines "
        "from audit.quarantined_reports as q "
        "left join core.dim_units as u on u.unit_id = q.unit_id "
        "left join core.dim_ooad as o on o.ooad_id = q.ooad_id "
        f"where q.jornada_id = {jid} order by ooad_name, q.unit_id, q.submitted_at",
    )
    tables["quarantined_reports"] = reports

    line_columns = wh.columns("audit", "rejected_lines")
    file_column = _first_present(["path", "file_path", "file", "file_hash"], line_columns)
    lines = _table(
        wh,
        "rejected_lines",
        f"select unit_id, {file_column} as path, reason_code, column_name, "
        "count(*) as n_lines, "
        "array_to_string(array_slice(list(line_no order by line_no), 1, 8), ', ') "
        "as first_line_numbers, min(reason) as reason "
        f"from audit.rejected_lines where jornada_id = {jid} "
        f"group by unit_id, {file_column}, reason_code, column_name "
        "order by unit_id, path, n_lines desc",
    )
    tables["rejected_lines"] = lines

    ledger_columns = wh.columns("audit", "file_ledger")
    reason_column = _first_present(
        ["reject_reason", "reason", "verdict_reason", "file_reason"], ledger_columns
    )
    verdict_column = _first_present(["verdict", "file_verdict"], ledger_columns)
    # A file that was read but whose reports were all held is listed with its reports above.
    unread_only = (
        "and reason_code is distinct from 'reports_quarantined' "
        if "reason_code" in ledger_columns
        else ""
    )
    if verdict_column:
        files = _table(
            wh,
            "rejected_files",
            f"select path, {'format' if 'format' in ledger_columns else 'null'} as format, "
            f"{reason_column or 'null'} as reason, "
            f"{'lines_in' if 'lines_in' in ledger_columns else 'null'} as lines_in "
            f"from audit.file_ledger where {verdict_column} = 'rejected' {unread_only}"
            "order by path",
        )
        tables["rejected_files"] = files
    return tables


def trends(wh: Warehouse) -> Table:
    """Key activities across the national days that have data, oldest first."""
    codes = ", ".join(sql_literal(c) for c in TREND_ACTIVITIES)
    return _table(
        wh,
        "trends",
        "select ja.jornada_id, j.start_date, ja.activity, ja.quantity "
        "from marts.jornada_activity as ja join core.dim_jornadas as j using (jornada_id) "
        f"where j.kind = 'national' and ja.activity in ({codes}) "
        "order by j.start_date, ja.activity",
    )
