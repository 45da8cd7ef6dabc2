-- Planned (goals in force) against performed (reports in force), per unit and rolled up to the
-- OOAD and the nation, per jornada, activity and specialty.
-- performed is null when the unit has no report in force for the jornada (not reported), and 0
-- when its report in force has no such line; target is null when no goal was set.
-- OOAD rows sum the units of the OOAD (UMAE belong to none); national rows sum every unit.
-- Incremental: a build recomputes the pairs whose inputs changed and the OOAD and national rows
-- of their jornadas (macros/goal_attainment.sql); rebuilding it whole cost 7 s of a weekly build.
-- depends_on: {{ ref('int_unit_report_batch') }}
-- depends_on: {{ ref('int_unit_reports') }}
-- depends_on: {{ ref('int_goal_batch') }}
-- depends_on: {{ ref('int_goal_reports') }}
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    on_schema_change='fail',
    pre_hook=[
        "{{ prepare_goal_attainment_changes() }}",
        "{{ delete_goal_attainment_unit_rows() }}",
        "{{ delete_goal_attainment_rollups() }}",
    ],
) }}

with goals as (
    {{ goal_targets(where=in_goal_attainment_changes() if is_incremental() else none) }}
),

-- unit_activity is fct_activities already summed per jornada, unit, activity and specialty.
performed as (
    select
        jornada_id,
        unit_id,
        activity,
        specialty,
        quantity as performed
    from {{ ref('unit_activity') }}
    {% if is_incremental() -%}
        where {{ in_goal_attainment_changes() }}
    {%- endif %}
),

reporting_units as (
    select distinct
        jornada_id,
        unit_id
    from {{ ref('int_unit_report_verdicts') }}
    where
        verdict = 'in_force'
        and {{ in_goal_attainment_changes() if is_incremental() else 'true' }}
),

units as (
    select
        unit_id,
        ooad_id
    from {{ ref('dim_units') }}
),

goals_and_performed as (
    select
        coalesce(goals.jornada_id, performed.jornada_id) as jornada_id,
        coalesce(goals.unit_id, performed.unit_id) as unit_id,
        coalesce(goals.activity, performed.activity) as activity,
        coalesce(goals.specialty, performed.specialty) as specialty,
        goals.target,
        performed.performed
    from goals
    full outer join performed
        on
            goals.jornada_id = performed.jornada_id
            and goals.unit_id = performed.unit_id
            and goals.activity = performed.activity
            and goals.specialty is not distinct from performed.specialty
),

unit_level as (
    select
        goals_and_performed.jornada_id,
        units.ooad_id,
        goals_and_performed.unit_id,
        goals_and_performed.activity,
        goals_and_performed.specialty,
        goals_and_performed.target,
        case
            when goals_and_performed.performed is not null then goals_and_performed.performed
            when reporting_units.unit_id is not null then 0
        end as performed
    from goals_and_performed
    left join units on goals_and_performed.unit_id = units.unit_id
    left join reporting_units
        on
            goals_and_performed.jornada_id = reporting_units.jornada_id
            and goals_and_performed.unit_id = reporting_units.unit_id
),

-- What the OOAD and national rows sum: on an incremental build, the changed pairs' new rows and
-- the stored unit rows of their jornadas (the pre-hook deleted the changed pairs' old ones).
{% set rollup_columns = ['jornada_id', 'ooad_id', 'activity', 'specialty', 'target', 'performed'] %}
rollup_base as (
    select
        {{ rollup_columns | join(', ') }}
    from unit_level
    {% if is_incremental() %}
        union all
        select
            {{ rollup_columns | join(', ') }}
        from {{ this }}
        where level = 'unit' and {{ in_goal_attainment_changed_jornadas() }}
    {% endif %}
),

all_levels as (
    select
        jornada_id,
        'unit' as level,
        ooad_id,
        unit_id,
        activity,
        specialty,
        target,
        performed
    from unit_level

    union all

    select
        jornada_id,
        'ooad' as level,
        ooad_id,
        cast(null as {{ dbt.type_string() }}) as unit_id,
        activity,
        specialty,
        sum(target) as target,
        sum(performed) as performed
    from rollup_base
    where ooad_id is not null
    group by jornada_id, ooad_id, activity, specialty

    union all

    select
        jornada_id,
        'national' as level,
        cast(null as {{ dbt.type_string() }}) as ooad_id,
        cast(null as {{ dbt.type_string() }}) as unit_id,
        activity,
        specialty,
        sum(target) as target,
        sum(performed) as performed
    from rollup_base
    group by jornada_id, activity, specialty
)

select
    jornada_id,
    level,
    ooad_id,
    unit_id,
    activity,
    specialty,
    cast(target as bigint) as target,
    cast(performed as bigint) as performed,
    cast(
        case
            when target > 0 and performed is not null
                then round(100.0 * performed / target, 2)
        end
        as double
    ) as attainment_pct
from all_levels
