"""A small published warehouse built from crafted rows, for the report and console tests.

It has the contract's tables (interface.md) with the columns the reports read. The facts are
crafted so that 2021-14's national totals are the seed bulletin's figures, spread over a few
units; the marts are derived from the facts by SQL here, the way the dbt marts define them,
so the tests exercise the reports' own queries and arithmetic, not copied answers.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pytest

# The seed bulletin's national figures for 2021-14 (domain.md).
SEED_2021_14 = {
    "surgery": 3242,
    "consultation_specialty": 20211,
    "consultation_family_medicine": 42000,
    "consultation_stomatology": 2000,
    "consultation_nutrition": 1000,
    "transplant_kidney": 11,
    "transplant_cornea": 9,
    "transplant_liver": 2,
    "transplant_bone_marrow": 1,
    "donation_multiorgan": 9,
    "donation_tissue": 8,
    "mammogram": 3053,
    "clinical_breast_exam": 6398,
    "vaccination_schedule": 1013,
    "vasectomy": 49,
    "tubal_occlusion": 42,
    "family_planning_method": 288,
    "social_work_intervention": 736,
    "detection_diabetes": 18296,
    "detection_hypertension": 20172,
    "detection_cervical_cancer": 3225,
    "detection_hepatitis_c": 5214,
}
SEED_CONSULTATIONS = 65211

ACTIVITIES = [
    ("consultation_family_medicine", "Consultas de medicina familiar", "Family medicine", "c"),
    ("consultation_specialty", "Consultas de especialidad", "Specialty consultations", "c"),
    ("consultation_stomatology", "Consultas de estomatología", "Stomatology", "c"),
    ("consultation_nutrition", "Consultas de nutrición", "Nutrition", "c"),
    ("consultation_mental_health", "Consultas de salud mental", "Mental health", "c"),
    ("surgery", "Cirugías", "Surgeries", "surgery"),
    ("transplant_kidney", "Trasplantes de riñón", "Kidney transplants", "transplant"),
    ("transplant_cornea", "Trasplantes de córnea", "Cornea transplants", "transplant"),
    ("transplant_liver", "Trasplantes de hígado", "Liver transplants", "transplant"),
    ("transplant_bone_marrow", "Trasplantes de médula ósea", "Bone marrow", "transplant"),
    ("donation_multiorgan", "Donaciones multiorgánicas", "Multi-organ donations", "donation"),
    ("donation_tissue", "Donaciones de tejidos", "Tissue donations", "donation"),
    ("mammogram", "Mastografías", "Mammograms", "prevention"),
    ("clinical_breast_exam", "Exploraciones clínicas de mama", "Breast exams", "prevention"),
    ("vaccination_schedule", "Esquemas de vacunación", "Vaccination schedules", "prevention"),
    ("vasectomy", "Vasectomías", "Vasectomies", "prevention"),
    ("tubal_occlusion", "Oclusión tubaria bilateral", "Tubal occlusion", "prevention"),
    ("family_planning_method", "Planificación familiar", "Family planning", "prevention"),
    ("social_work_intervention", "Trabajo social", "Social work", "prevention"),
    ("detection_diabetes", "Detección de diabetes", "Diabetes detection", "detection"),
    ("detection_hypertension", "Detección de hipertensión", "Hypertension", "detection"),
    ("detection_cervical_cancer", "Detección de cáncer cérvico-uterino", "Cervical", "detection"),
    ("detection_hepatitis_c", "Detección de hepatitis C", "Hepatitis C", "detection"),
    ("diagnostic_endoscopy", "Endoscopias", "Endoscopies", "diagnostic"),
    ("diagnostic_mri", "Resonancias magnéticas", "MRI", "diagnostic"),
]
SPECIALTIES = [
    ("general_surgery", "Cirugía general", "General surgery"),
    ("plastic_surgery", "Cirugía plástica y reconstructiva", "Plastic surgery"),
    ("gynecology", "Ginecología", "Gynecology"),
    ("ophthalmology", "Oftalmología", "Ophthalmology"),
    ("traumatology_orthopedics", "Traumatología y ortopedia", "Traumatology and orthopedics"),
    ("urology", "Urología", "Urology"),
    ("internal_medicine", "Medicina interna", "Internal medicine"),
    ("neurology", "Neurología", "Neurology"),
    ("pediatric_surgery", "Cirugía pediátrica", "Pediatric surgery"),
    ("nephrology", "Nefrología", "Nephrology"),
]
OOADS = [
    ("CS", "Chiapas", "Chiapas"),
    ("MCO", "Estado de México Oriente", "Estado de México"),
    ("MCP", "Estado de México Poniente", "Estado de México"),
    ("TC", "Tabasco", "Tabasco"),
    ("NL", "Nuevo León", "Nuevo León"),
]
UMAE_25 = "NLIMS900025"
UNITS = [
    ("CSIMS000001", "UMF No. 1 Tuxtla Gutiérrez", "UMF", None, 1, "CS", "Chiapas"),
    ("CSIMS000002", "HGZ No. 2 Tuxtla Gutiérrez", "HGZ", None, 2, "CS", "Chiapas"),
    ("MCIMS000003", "UMF No. 3 Nezahualcóyotl", "UMF", None, 1, "MCO", "Estado de México"),
    ("MCIMS000004", "HGR No. 4 Tlalnepantla", "HGR", None, 2, "MCP", "Estado de México"),
    ("TCIMS000005", "HGZ No. 5 Villahermosa", "HGZ", None, 2, "TC", "Tabasco"),
    ("NLIMS000006", "=HGZ No. 6 Monterrey", "HGZ", None, 2, "NL", "Nuevo León"),
    (UMAE_25, "UMAE Hospital de Especialidades No. 25, Monterrey", "UMAE", "HE", 3, None, None),
    ("TCIMS000007", "UMF No. 7 Cárdenas", "UMF", None, 1, "TC", "Tabasco"),  # never reports
]
JORNADAS = [
    ("2021-03", dt.date(2021, 6, 11), dt.date(2021, 6, 13), "national", "assumed"),
    ("2021-13", dt.date(2021, 12, 10), dt.date(2021, 12, 12), "national", "reported"),
    ("2021-14", dt.date(2021, 12, 17), dt.date(2021, 12, 19), "national", "reported"),
]
TRANSPLANTS_AT_UMAE_25 = {
    "transplant_liver": 2,
    "transplant_bone_marrow": 1,
    "transplant_kidney": 3,
    "transplant_cornea": 5,
}
REPORTING_UNITS = [u[0] for u in UNITS if u[0] not in {"TCIMS000007", UMAE_25}]


def _split(total: int, parts: int) -> list[int]:
    """`total` over `parts` shares, unequal on purpose, summing exactly to total."""
    weights = list(range(parts, 0, -1))
    shares = [total * w // sum(weights) for w in weights]
    shares[0] += total - sum(shares)
    return shares


def _fact_rows(jornada_id: str, start: dt.date, totals: dict[str, int]) -> list[tuple]:
    rows: list[tuple] = []
    for activity, total in totals.items():
        if activity.startswith("transplant_"):
            at_umae = min(TRANSPLANTS_AT_UMAE_25.get(activity, 0), total)
            rows.append((UMAE_25, start, jornada_id, None, activity, None, at_umae))
            rest = total - at_umae
            if rest:
                rows.append(("NLIMS000006", start, jornada_id, "NL", activity, None, rest))
            continue
        specialties: list[str | None] = [None]
        if activity in {"surgery", "consultation_specialty"}:
            specialties = [s[0] for s in SPECIALTIES]
        for specialty, per_specialty in zip(
            specialties, _split(total, len(specialties)), strict=True
        ):
            for unit_index, quantity in enumerate(_split(per_specialty, len(REPORTING_UNITS))):
                unit_id = REPORTING_UNITS[unit_index]
                ooad_id = next(u[5] for u in UNITS if u[0] == unit_id)
                day = start + dt.timedelta(days=unit_index % 3)
                rows.append((unit_id, day, jornada_id, ooad_id, activity, specialty, quantity))
    return rows


def build_published_fixture(path: Path) -> Path:
    """Write a published-warehouse-shaped DuckDB file at `path` and close it."""
    con = duckdb.connect(str(path))
    try:
        _build(con)
    finally:
        con.close()
    return path


def _build(con: duckdb.DuckDBPyConnection) -> None:
    for schema in ("core", "marts", "audit"):
        con.execute(f"create schema {schema}")
    con.execute(
        "create table core.dim_activities (activity varchar, name_es varchar, "
        "name_en varchar, category varchar)"
    )
    con.executemany("insert into core.dim_activities values (?, ?, ?, ?)", ACTIVITIES)
    con.execute(
        "create table core.dim_specialties (specialty varchar, name_es varchar, name_en varchar)"
    )
    con.executemany("insert into core.dim_specialties values (?, ?, ?)", SPECIALTIES)
    con.execute(
        "create table core.dim_ooad (ooad_id varchar, ooad_name varchar, state_name varchar)"
    )
    con.executemany("insert into core.dim_ooad values (?, ?, ?)", OOADS)
    con.execute(
        "create table core.dim_units (unit_id varchar, unit_name varchar, unit_type varchar, "
        "umae_kind varchar, level_of_care integer, ooad_id varchar, state_name varchar)"
    )
    con.executemany("insert into core.dim_units values (?, ?, ?, ?, ?, ?, ?)", UNITS)
    con.execute(
        "create table core.dim_jornadas (jornada_id varchar, start_date date, end_date date, "
        "kind varchar, dates_source varchar)"
    )
    con.executemany("insert into core.dim_jornadas values (?, ?, ?, ?, ?)", JORNADAS)
    con.execute(
        "create table core.fct_activities (unit_id varchar, service_date date, "
        "jornada_id varchar, ooad_id varchar, activity varchar, specialty varchar, "
        "quantity bigint)"
    )
    earlier = {a: q * 9 // 10 for a, q in SEED_2021_14.items()}
    for jornada_id, start, *_ in JORNADAS[1:]:
        totals = SEED_2021_14 if jornada_id == "2021-14" else earlier
        con.executemany(
            "insert into core.fct_activities values (?, ?, ?, ?, ?, ?, ?)",
            _fact_rows(jornada_id, start, totals),
        )
    # Goals: Chiapas does more than it planned in four specialties (125 %) and exactly its
    # goal elsewhere; the other OOADs fall short of theirs.
    con.execute(
        """
        create table core.fct_goals as
        select unit_id, jornada_id, activity, specialty,
               case when ooad_id <> 'CS' or ooad_id is null then sum(quantity) * 5 // 4 + 1
                    when specialty in ('traumatology_orthopedics', 'pediatric_surgery',
                                       'urology', 'nephrology')
                    then sum(quantity) * 4 // 5
                    else sum(quantity) end as target
        from core.fct_activities
        where activity in ('surgery', 'consultation_specialty', 'consultation_family_medicine')
        group by unit_id, jornada_id, ooad_id, activity, specialty
        """
    )
    _build_marts(con)
    _build_audit(con)


def _build_marts(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(
        """
        create table marts.unit_activity as
        select jornada_id, unit_id, activity, specialty, sum(quantity) as quantity
        from core.fct_activities group by all;
        create table marts.transplants_donations as
        select f.jornada_id, f.unit_id, u.unit_name, f.activity, sum(f.quantity) as quantity
        from core.fct_activities as f join core.dim_units as u using (unit_id)
        where f.activity like 'transplant%' or f.activity like 'donation%' group by all;
        create table marts.jornada_activity as
        select jornada_id, activity, sum(quantity) as quantity
        from core.fct_activities group by all;
        create table marts.ooad_activity as
        select f.jornada_id, f.ooad_id, o.state_name, f.activity, f.specialty,
               sum(f.quantity) as quantity
        from core.fct_activities as f join core.dim_ooad as o using (ooad_id) group by all;
        create table marts.specialty_demand as
        select *, rank() over (partition by jornada_id, activity order by quantity desc)
                  as demand_rank
        from (select jornada_id, activity, specialty, sum(quantity) as quantity
              from core.fct_activities where specialty is not null group by all);
        create table marts.jornada_overview as
        select j.jornada_id, j.start_date, j.end_date,
               count(distinct f.unit_id) filter (where f.quantity > 0) as units_reporting,
               count(distinct f.ooad_id) filter (where f.quantity > 0) as ooad_participating,
               count(distinct f.unit_id) filter (where f.quantity > 0 and u.unit_type = 'UMAE')
                   as umae_participating
        from core.dim_jornadas as j
        left join core.fct_activities as f using (jornada_id)
        left join core.dim_units as u using (unit_id)
        group by all;
        create table marts.goal_attainment as
        with unit_level as (
            select g.jornada_id, 'unit' as level, u.ooad_id, g.unit_id, g.activity, g.specialty,
                   g.target, coalesce(sum(f.quantity), 0) as performed
            from core.fct_goals as g
            join core.dim_units as u using (unit_id)
            left join core.fct_activities as f
              on f.unit_id = g.unit_id and f.jornada_id = g.jornada_id
             and f.activity = g.activity and f.specialty is not distinct from g.specialty
            group by all
        ), rolled as (
            select * from unit_level
            union all
            select jornada_id, 'ooad', ooad_id, null, activity, specialty,
                   sum(target), sum(performed) from unit_level group by all
            union all
            select jornada_id, 'national', null, null, activity, specialty,
                   sum(target), sum(performed) from unit_level group by all
        )
        select *, round(100.0 * performed / nullif(target, 0), 1) as attainment_pct
        from rolled;
        create table marts.reporting_completeness as
        select jornada_id, coalesce(u.ooad_id, 'UMAE') as ooad_id,
               count(*) as units_expected,
               count(r.unit_id) as units_reported,
               count(r.unit_id) filter (where u.unit_id <> 'MCIMS000004') as units_on_time,
               round(100.0 * count(r.unit_id) / count(*), 1) as completeness_pct,
               round(100.0 * count(r.unit_id) filter (where u.unit_id <> 'MCIMS000004')
                     / count(*), 1) as timeliness_pct
        from core.dim_units as u
        cross join (select jornada_id from core.dim_jornadas where dates_source = 'reported')
        left join (select distinct jornada_id, unit_id from core.fct_activities) as r
            using (jornada_id, unit_id)
        group by all;
        """
    )
    con.execute(
        """
        create table marts.bulletin_reconciliation as
        select * from (values
          ('000_d0153cb57deb33f7', '2021-14', 'national', null, null, 'surgery', null,
           3242, 3242, 0, 'match'),
          ('000_d0153cb57deb33f7', '2021-14', 'ooad', 'MCO', null, 'vasectomy', null,
           70, 20, 50, 'inconsistent')
        ) as t(bulletin_id, jornada_id, scope_level, ooad_id, unit_id, activity, specialty,
               published, reported, difference, verdict)
        """
    )


def _build_audit(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(
        """
        create table audit.file_ledger as select * from (values
          ('a1', 'unit_reports/2021-14/cs_0001.csv', 'csv', 'read', null, 10, 10, 0),
          ('b2', 'unit_reports/2021-14/tc_0007.csv', 'csv', 'read', null, 4, 0, 4),
          ('c3', 'unit_reports/broken.json', 'json', 'rejected',
           'malformed_file: truncated JSON at byte 120', 0, 0, 0),
          ('d4', 'unit_reports/=cmd|calc.csv', 'csv', 'rejected',
           'empty_file: no bytes', 0, 0, 0)
        ) as t(file_hash, path, format, verdict, reject_reason, lines_in, lines_loaded,
               lines_quarantined);
        create table audit.quarantined_reports as select * from (values
          ('TCIMS000007', 'TC', '2021-14', timestamptz '2021-12-20 10:00:00-06',
           'unit_reports/2021-14/tc_0007.csv', 'rejected', '2 invalid lines', 4),
          ('CSIMS000001', 'CS', '2021-14', timestamptz '2021-12-20 11:00:00-06',
           'unit_reports/2021-14/cs_dup.csv', 'conflict', 'same submitted_at', 3)
        ) as t(unit_id, ooad_id, jornada_id, submitted_at, path, verdict, reason, n_lines);
        create table audit.rejected_lines as select * from (values
          ('unit_reports/2021-14/tc_0007.csv', 3, 'service_date', 'date_outside_jornada',
           'service_date 2021-12-25 is outside 2021-12-17..2021-12-19', 'TCIMS000007', '2021-14'),
          ('unit_reports/2021-14/tc_0007.csv', 4, 'quantity', 'negative_quantity',
           'quantity -3 is negative', 'TCIMS000007', '2021-14')
        ) as t(path, line_no, column_name, reason_code, reason, unit_id, jornada_id);
        create table audit.quality_results (check_name varchar, asset varchar,
            severity varchar, passed boolean, observed_value varchar, run_time timestamptz);
        """
    )


@pytest.fixture(scope="session")
def published_fixture(tmp_path_factory) -> Path:
    """A published warehouse file built from the crafted rows above."""
    home = tmp_path_factory.mktemp("reports_home")
    return build_published_fixture(home / "jornadas.duckdb")
