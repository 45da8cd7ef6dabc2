-- What units planned for a whole jornada: the lines of the goals versions in force only.
-- Incremental: the goals of every (unit, jornada) pair the build's batch of goal files touches
-- are deleted and inserted again from the versions now in force (macros/incremental.sql).
-- depends_on: {{ ref('int_goal_batch') }}
-- depends_on: {{ ref('int_goal_reports') }}
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    pre_hook="{{ delete_batch_pairs('goal') }}",
) }}

with in_force_reports as (
    select
        report_key,
        report_id,
        submitted_at
    from {{ ref('int_goal_report_verdicts') }}
    where
        verdict = 'in_force'
        and {{ in_batch_pairs('goal') if is_incremental() else 'true' }}
),

lines as (
    select * from {{ ref('int_goal_lines') }}
),

units as (
    select
        unit_id,
        ooad_id
    from {{ ref('dim_units') }}
)

select
    lines.unit_id,
    lines.jornada_id,
    lines.activity,
    lines.specialty,
    cast(lines.target_number as bigint) as target,
    units.ooad_id,
    in_force_reports.submitted_at,
    lines.file_hash,
    lines.line_no,
    in_force_reports.report_id
from lines
inner join in_force_reports on lines.report_key = in_force_reports.report_key
left join units on lines.unit_id = units.unit_id
