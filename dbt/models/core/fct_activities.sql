-- What units did, per day: the lines of the report versions in force only.
-- Incremental: the facts of every (unit, jornada) pair the build's batch of files touches are
-- deleted and inserted again from the versions now in force (macros/incremental.sql).
-- depends_on: {{ ref('int_unit_report_batch') }}
-- depends_on: {{ ref('int_unit_reports') }}
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    pre_hook="{{ delete_batch_pairs('unit_report') }}",
) }}

with in_force_reports as (
    select
        report_key,
        report_id,
        submitted_at
    from {{ ref('int_unit_report_verdicts') }}
    where
        verdict = 'in_force'
        and {{ in_batch_pairs('unit_report') if is_incremental() else 'true' }}
),

lines as (
    select * from {{ ref('int_unit_report_lines') }}
),

units as (
    select
        unit_id,
        ooad_id
    from {{ ref('dim_units') }}
)

select
    lines.unit_id,
    lines.service_date,
    lines.activity,
    lines.specialty,
    cast(lines.quantity_number as bigint) as quantity,
    lines.jornada_id,
    units.ooad_id,
    in_force_reports.submitted_at,
    lines.file_hash,
    lines.line_no,
    in_force_reports.report_id
from lines
inner join in_force_reports on lines.report_key = in_force_reports.report_key
left join units on lines.unit_id = units.unit_id
