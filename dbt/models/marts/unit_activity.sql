-- What each unit did in each jornada, per activity and specialty (report versions in force).
-- Incremental like fct_activities: the rows of every (unit, jornada) pair the build's batch of
-- files touches are deleted and aggregated again (macros/incremental.sql); it is the one mart
-- that grows with units × jornadas, so rebuilding it whole made most of a weekly build.
-- depends_on: {{ ref('int_unit_report_batch') }}
-- depends_on: {{ ref('int_unit_reports') }}
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    on_schema_change='fail',
    pre_hook="{{ delete_batch_pairs('unit_report') }}",
) }}

with activities as (
    select * from {{ ref('fct_activities') }}
    {% if is_incremental() -%}
        where {{ in_batch_pairs('unit_report') }}
    {%- endif %}
),

units as (
    select * from {{ ref('dim_units') }}
)

select
    activities.jornada_id,
    activities.unit_id,
    units.unit_name,
    units.unit_type,
    units.ooad_id,
    units.reporting_group_id,
    activities.activity,
    activities.specialty,
    cast(sum(activities.quantity) as bigint) as quantity,
    -- fct_activities has one row per unit, day, activity and specialty (tested, with
    -- service_date not null, before this model builds), so a group's rows are its distinct
    -- days: count(*) gives count(distinct service_date) without a hash set per group (about
    -- 5x faster on the national data).
    cast(count(*) as bigint) as service_days
from activities
left join units on activities.unit_id = units.unit_id
group by
    activities.jornada_id,
    activities.unit_id,
    units.unit_name,
    units.unit_type,
    units.ooad_id,
    units.reporting_group_id,
    activities.activity,
    activities.specialty
