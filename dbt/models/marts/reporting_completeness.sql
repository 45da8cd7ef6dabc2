-- Reporting completeness and timeliness per jornada and OOAD, each UMAE being its own row
-- (ooad_id = 'UMAE-<two-digit UMAE number>', see dim_units.reporting_group_id).
-- Expected: every unit that set goals for the jornada or sent any report for it (whatever its
--   verdict): a unit that planned or tried to report owes a valid report.
-- Reported: units with a report in force.
-- On time: units whose first valid report was submitted by the end of the local day
--   `timeliness_days` (7) days after the jornada's last day (America/Mexico_City).
with jornadas as (
    select
        jornada_id,
        end_date
    from {{ ref('dim_jornadas') }}
),

units as (
    select
        unit_id,
        is_umae,
        reporting_group_id,
        reporting_group_name,
        state_name
    from {{ ref('dim_units') }}
),

verdicts as (
    select * from {{ ref('int_unit_report_verdicts') }}
),

expected_units as (
    select
        jornada_id,
        unit_id
    from {{ ref('fct_goals') }}

    union

    select
        jornada_id,
        unit_id
    from verdicts
),

first_valid_reports as (
    select
        jornada_id,
        unit_id,
        min(submitted_at) as first_submitted_at
    from verdicts
    where is_loaded
    group by jornada_id, unit_id
),

reported_units as (
    select distinct
        jornada_id,
        unit_id
    from verdicts
    where verdict = 'in_force'
),

unit_status as (
    select
        expected_units.jornada_id,
        units.reporting_group_id,
        units.reporting_group_name,
        units.is_umae,
        units.state_name,
        expected_units.unit_id,
        reported_units.unit_id is not null as has_reported,
        coalesce(
            {{ local_time('first_valid_reports.first_submitted_at', var('program_time_zone')) }}
            < {{ dbt.dateadd('day', var('timeliness_days') + 1, 'jornadas.end_date') }},
            false
        ) as is_on_time
    from expected_units
    inner join jornadas on expected_units.jornada_id = jornadas.jornada_id
    inner join units on expected_units.unit_id = units.unit_id
    left join reported_units
        on
            expected_units.jornada_id = reported_units.jornada_id
            and expected_units.unit_id = reported_units.unit_id
    left join first_valid_reports
        on
            expected_units.jornada_id = first_valid_reports.jornada_id
            and expected_units.unit_id = first_valid_reports.unit_id
),

counts as (
    select
        jornada_id,
        reporting_group_id as ooad_id,
        reporting_group_name as ooad_name,
        case when is_umae then 'umae' else 'ooad' end as group_kind,
        state_name,
        count(*) as units_expected,
        sum(case when has_reported then 1 else 0 end) as units_reported,
        sum(case when is_on_time then 1 else 0 end) as units_on_time
    from unit_status
    group by jornada_id, reporting_group_id, reporting_group_name, is_umae, state_name
)

select
    jornada_id,
    ooad_id,
    ooad_name,
    group_kind,
    state_name,
    cast(units_expected as bigint) as units_expected,
    cast(units_reported as bigint) as units_reported,
    cast(units_on_time as bigint) as units_on_time,
    cast(round(100.0 * units_reported / units_expected, 2) as double) as completeness_pct,
    cast(round(100.0 * units_on_time / units_expected, 2) as double) as timeliness_pct
from counts
