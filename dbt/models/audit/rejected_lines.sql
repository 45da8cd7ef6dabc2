-- Every invalid line of every unit-report and goals file: one row per (line, failed check),
-- with the reason in words a unit's staff understand, so that the unit can resubmit.
with line_checks as (
    select
        'unit_report' as line_kind,
        *
    from {{ ref('int_unit_report_line_checks') }}

    union all

    select
        'goal' as line_kind,
        *
    from {{ ref('int_goal_line_checks') }}
),

-- The published key of each line's report (the line checks carry the build's report_key).
reports as (
    select
        'unit_report' as line_kind,
        report_key,
        report_id
    from {{ ref('int_unit_reports') }}

    union all

    select
        'goal' as line_kind,
        report_key,
        report_id
    from {{ ref('int_goal_reports') }}
),

files as (
    select
        file_hash,
        path,
        kind
    from {{ ref('stg_files') }}
),

-- Named and routed to an OOAD (macro delivered_units).
units as (
    {{ delivered_units('line_checks') }}
)

select
    files.path,
    line_checks.file_hash,
    line_checks.line_kind as kind,
    line_checks.line_no,
    line_checks.column_name,
    line_checks.reason_code,
    line_checks.reason,
    line_checks.value_delivered,
    line_checks.unit_id,
    units.unit_name,
    units.ooad_id,
    line_checks.jornada_id,
    reports.report_id,
    -- The contract's plain names (interface.md: file, line, column, reason), for analysts
    -- who look for them; `column` is a reserved word, so it must be quoted in queries.
    files.path as file,  -- noqa: RF04
    line_checks.line_no as line,  -- noqa: RF04
    line_checks.column_name as "column"
from line_checks
left join reports
    on
        line_checks.line_kind = reports.line_kind
        and line_checks.report_key = reports.report_key
left join files on line_checks.file_hash = files.file_hash
left join units on line_checks.unit_id = units.unit_id
