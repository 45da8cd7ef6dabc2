"""A crafted, self-consistent build database for the quality and publish tests.

It has the tables and columns the suites read (docs/ARCHITECTURE.md and interface.md), built
with plain SQL from a small synthetic organisation: 35 OOAD with three units each, 25 UMAE,
six national days. The marts are derived from the facts the way the dbt models derive them,
so every ERROR check passes on it; tests then break one thing and watch the right check fail.
The last jornada's file is the one "ingested by this run" (the bounded batch).
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from dagster_project.raw_schema import ensure_raw_schema

JORNADAS = [  # (jornada_id, start_date)
    ("2021-09", "2021-10-08"),
    ("2021-10", "2021-10-29"),
    ("2021-11", "2021-11-12"),
    ("2021-12", "2021-11-26"),
    ("2021-13", "2021-12-10"),
    ("2021-14", "2021-12-17"),
]
LATEST_JORNADA = JORNADAS[-1][0]
OOAD_IDS = [f"O{n:02d}" for n in range(1, 36)]

_CATALOGS = """
create schema if not exists core;
create schema if not exists marts;
create schema if not exists audit;
create schema if not exists staging;

create or replace table core.dim_activities as
select * from (values
    ('consultation_family_medicine', false), ('consultation_specialty', true),
    ('surgery', true), ('transplant_kidney', false), ('transplant_cornea', false),
    ('transplant_liver', false), ('transplant_bone_marrow', false)
) as t(activity, requires_specialty);

create or replace table core.dim_specialties as
select * from (values ('general_surgery'), ('ophthalmology'), ('urology')) as t(specialty);

create or replace table core.dim_jornadas as
select jornada_id, 'national' as kind, start_date::date as start_date,
       start_date::date + 2 as end_date, false as is_synthetic
from jornadas_list;

create or replace table core.dim_units as
with ooad_units as (
    select o.ooad_id, k.n, k.unit_type, k.level_of_care
    from ooad_list as o
    cross join (values (1, 'UMF', 1), (2, 'UMF', 1), (3, 'HGZ', 2))
        as k(n, unit_type, level_of_care)
)
select 'XXIMS' || lpad((row_number() over (order by ooad_id, n))::varchar, 6, '0') as unit_id,
       unit_type || ' ' || ooad_id || '-' || n as unit_name, unit_type, level_of_care, ooad_id,
       ooad_id as reporting_group_id
from ooad_units
union all
select 'UMIMS' || lpad(n::varchar, 6, '0'), 'UMAE No. ' || n, 'UMAE', 3, null,
       'UMAE-' || lpad(n::varchar, 2, '0')
from range(1, 26) as r(n);
"""

_FACTS = """
create or replace table core.fct_activities as
with plan as (
    select u.unit_id, u.ooad_id, u.unit_type, j.jornada_id, j.start_date,
           row_number() over (order by u.unit_id) as unit_no
    from core.dim_units as u cross join core.dim_jornadas as j
),
lines as (
    select p.*, a.activity, a.specialty
    from plan as p
    join (values
        ('UMF', 'consultation_family_medicine', null),
        ('HGZ', 'surgery', 'general_surgery'),
        ('HGZ', 'consultation_specialty', 'urology'),
        ('UMAE', 'surgery', 'ophthalmology'),
        ('UMAE', 'transplant_kidney', null),
        ('UMAE', 'transplant_cornea', null)
    ) as a(unit_type, activity, specialty) on p.unit_type = a.unit_type
)
select unit_id, start_date + (hash(unit_id) % 3)::integer as service_date, activity, specialty,
       (case when activity like 'transplant%' then 1 else 10 end
        + hash(unit_id || activity || jornada_id) % 3)::bigint as quantity,
       jornada_id, ooad_id,
       (start_date + 4)::timestamptz as submitted_at,
       'file-' || jornada_id as file_hash,
       (row_number() over (partition by jornada_id order by unit_id, activity) + 1)::bigint
           as line_no,
       unit_id || '/' || jornada_id as report_id
from lines;

create or replace table core.fct_goals as
select unit_id, jornada_id, activity, specialty, 10::bigint as target, ooad_id
from core.fct_activities where activity = 'surgery';
"""

_RAW = """
insert into raw.unit_report_lines
select file_hash, line_no, null, unit_id, jornada_id, service_date::varchar, activity,
       specialty, quantity::varchar, strftime(submitted_at, '%Y-%m-%dT%H:%M:%S+00:00')
from core.fct_activities;

insert into raw.goal_lines
select 'goals-' || jornada_id, row_number() over (partition by jornada_id order by unit_id) + 1,
       unit_id, jornada_id, activity, specialty, target::varchar, '2021-10-01T00:00:00+00:00'
from core.fct_goals;

insert into raw.files
select file_hash, file_hash || '.csv', kind, 'csv', 'utf-8', 1000, 'read', null, count(*), null,
       case when jornada_id = $latest then current_timestamp
            else current_timestamp - interval 30 day end,
       case when jornada_id = $latest then $run_id else 'earlier-run' end
from (
    select file_hash, jornada_id, 'unit_report' as kind from raw.unit_report_lines
    union all select file_hash, jornada_id, 'goal' from raw.goal_lines
)
group by file_hash, kind, jornada_id;

create or replace view staging.stg_unit_report_lines as
select file_hash, line_no, report_no, unit_id, jornada_id,
       try_cast(service_date as date) as service_date, activity, specialty,
       try_cast(quantity as double) as quantity_number,
       try_cast(submitted_at as timestamptz) as submitted_at
from raw.unit_report_lines;

create or replace table audit.file_ledger as
select file_hash, path, kind, 'accepted' as verdict, lines_in, lines_in as lines_loaded,
       0::bigint as lines_quarantined, lines_in as lines_landed
from raw.files;
"""

_MARTS = """
create or replace table marts.unit_activity as
select f.jornada_id, f.unit_id, u.unit_name, u.unit_type, u.ooad_id, f.activity, f.specialty,
       sum(f.quantity)::bigint as quantity
from core.fct_activities as f join core.dim_units as u using (unit_id)
group by all;

create or replace table marts.jornada_activity as
select jornada_id, activity, sum(quantity)::bigint as quantity
from marts.unit_activity group by all;

create or replace table marts.ooad_activity as
select jornada_id, ooad_id, 'State ' || ooad_id as state_name, activity, specialty,
       sum(quantity)::bigint as quantity
from marts.unit_activity group by all;

create or replace table marts.specialty_demand as
select *, rank() over (partition by jornada_id, activity order by quantity desc) as demand_rank
from (select jornada_id, activity, specialty, sum(quantity)::bigint as quantity
      from marts.unit_activity where specialty is not null group by all);

create or replace table marts.goal_attainment as
with unit_level as (
    select coalesce(g.jornada_id, a.jornada_id) as jornada_id,
           coalesce(g.ooad_id, a.ooad_id) as ooad_id, coalesce(g.unit_id, a.unit_id) as unit_id,
           coalesce(g.activity, a.activity) as activity,
           coalesce(g.specialty, a.specialty) as specialty, g.target, a.quantity as performed
    from core.fct_goals as g
    full outer join marts.unit_activity as a
      on g.jornada_id = a.jornada_id and g.unit_id = a.unit_id and g.activity = a.activity
     and g.specialty is not distinct from a.specialty
),
all_levels as (
    select jornada_id, 'unit' as level, ooad_id, unit_id, activity, specialty, target, performed
    from unit_level
    union all
    select jornada_id, 'ooad', ooad_id, null, activity, specialty, sum(target), sum(performed)
    from unit_level where ooad_id is not null group by all
    union all
    select jornada_id, 'national', null, null, activity, specialty, sum(target), sum(performed)
    from unit_level group by all
)
select *, case when target > 0 and performed is not null
               then round(100.0 * performed / target, 2) end as attainment_pct
from all_levels;

create or replace table marts.reporting_completeness as
with status as (
    select j.jornada_id, u.reporting_group_id as ooad_id, u.unit_id,
           exists (select 1 from core.fct_activities as f
                   where f.unit_id = u.unit_id and f.jornada_id = j.jornada_id) as reported
    from core.dim_units as u cross join core.dim_jornadas as j
)
select jornada_id, ooad_id, count(*) as units_expected,
       count(*) filter (where reported) as units_reported,
       count(*) filter (where reported) as units_on_time,
       round(100.0 * count(*) filter (where reported) / count(*), 2) as completeness_pct,
       round(100.0 * count(*) filter (where reported) / count(*), 2) as timeliness_pct
from status group by all;

create or replace table marts.jornada_overview as
select j.jornada_id, j.start_date, j.end_date,
       count(distinct f.unit_id) as units_reporting,
       count(distinct f.unit_id) filter (where f.quantity > 0) as units_participating,
       count(distinct f.ooad_id) filter (where f.quantity > 0) as ooad_participating,
       count(distinct f.unit_id) filter (where f.quantity > 0 and f.ooad_id is null)
           as umae_participating
from core.dim_jornadas as j left join core.fct_activities as f using (jornada_id)
group by all;
"""

MARTS_SQL = _MARTS


def build_crafted_warehouse(path: Path, run_id: str) -> Path:
    """Write the crafted build database at `path`; the latest jornada is `run_id`'s batch."""
    con = duckdb.connect(str(path))
    try:
        con.execute(
            "create or replace temp table jornadas_list as "
            "select * from (values "
            + ", ".join(f"('{j}', '{d}')" for j, d in JORNADAS)
            + ") as t(jornada_id, start_date)"
        )
        con.execute(
            "create or replace temp table ooad_list as select * from (values "
            + ", ".join(f"('{o}')" for o in OOAD_IDS)
            + ") as t(ooad_id)"
        )
        ensure_raw_schema(con)
        con.execute(_CATALOGS)
        con.execute(_FACTS)
        parameters = {"latest": LATEST_JORNADA, "run_id": run_id}
        for statement in filter(str.strip, _RAW.split(";")):
            con.execute(statement, parameters if "$" in statement else None)
        con.execute(_MARTS)
    finally:
        con.close()
    return path


def rebuild_marts(path: Path) -> None:
    """Re-derive the marts after a test changed the facts (as `dbt build` would)."""
    con = duckdb.connect(str(path))
    try:
        con.execute(_MARTS)
    finally:
        con.close()


def execute(path: Path, sql: str, parameters: list | None = None) -> list[tuple]:
    con = duckdb.connect(str(path))
    try:
        return con.execute(sql, parameters or []).fetchall()
    finally:
        con.close()


def test_crafted_warehouse_is_self_consistent(tmp_path: Path) -> None:
    """The fixture itself: the facts and the marts agree, so failures in tests are seeded."""
    db = build_crafted_warehouse(tmp_path / "build.duckdb", "run-a")
    [(facts, mart, units)] = execute(
        db,
        "select (select sum(quantity) from core.fct_activities), "
        "(select sum(quantity) from marts.jornada_activity), "
        "(select count(*) from core.dim_units)",
    )
    assert facts == mart
    assert units == 35 * 3 + 25
