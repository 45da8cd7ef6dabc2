-- Units of the catalog that have never had a report in force, with what is known about them:
-- whether they set goals, and whether they sent reports that were quarantined. These are the
-- units to call first.
with units as (
    select
        unit_id,
        unit_name,
        unit_type,
        level_of_care,
        ooad_id,
        state_name
    from {{ ref('dim_units') }}
),

-- A unit has facts exactly when it has rows in unit_activity (their sums), a seventh of the rows.
reporting as (
    select distinct unit_id from {{ ref('unit_activity') }}
),

goals as (
    select
        unit_id,
        count(distinct jornada_id) as jornadas_with_goals
    from {{ ref('fct_goals') }}
    group by unit_id
),

quarantined as (
    select
        unit_id,
        count(*) as reports_quarantined
    from {{ ref('quarantined_reports') }}
    group by unit_id
)

select
    units.unit_id,
    units.unit_name,
    units.unit_type,
    cast(units.level_of_care as integer) as level_of_care,
    units.ooad_id,
    units.state_name,
    cast(coalesce(goals.jornadas_with_goals, 0) as bigint) as jornadas_with_goals,
    cast(coalesce(quarantined.reports_quarantined, 0) as bigint) as reports_quarantined
from units
left join goals on units.unit_id = goals.unit_id
left join quarantined on units.unit_id = quarantined.unit_id
where units.unit_id not in (select reporting.unit_id from reporting)
