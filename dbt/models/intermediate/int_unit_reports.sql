-- One row per unit report (a version of what one unit did in one jornada, as delivered in one
-- file), with its size, its invalid lines and a fingerprint of its content.
-- Incremental: a build adds the reports of its batch of files (macros/incremental.sql).
-- depends_on: {{ ref('int_unit_report_batch') }}
{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='report_id',
) }}

with lines as (
    select * from {{ ref('int_unit_report_lines') }}
    {% if is_incremental() -%}
        where file_hash in ({{ unit_report_batch_files() }})
    {%- endif %}
),

files as (
    select
        file_hash,
        first_seen_at
    from {{ ref('stg_files') }}
),

invalid_lines as (
    select
        report_id,
        count(distinct line_no) as n_invalid_lines
    from {{ ref('int_unit_report_line_checks') }}
    {% if is_incremental() -%}
        where file_hash in ({{ unit_report_batch_files() }})
    {%- endif %}
    group by report_id
),

reason_codes as (
    select
        report_id,
        {{ dbt.listagg('reason_code', "', '", 'order by reason_code') }} as invalid_reason_codes
    from (
        select distinct
            report_id,
            reason_code
        from {{ ref('int_unit_report_line_checks') }}
        {% if is_incremental() -%}
            where file_hash in ({{ unit_report_batch_files() }})
        {%- endif %}
    ) as distinct_codes
    group by report_id
),

reports as (
    select
        report_id,
        file_hash,
        report_no,
        unit_id,
        jornada_id,
        submitted_at_text,
        min(submitted_at) as submitted_at,
        count(*) as n_lines,
        -- Same unit, jornada, instant and lines (in any order) = same content.
        {{ dbt.hash(
            "coalesce(unit_id, '') || '|' || coalesce(jornada_id, '') || '|'"
            ~ " || coalesce(cast(min(submitted_at) as " ~ dbt.type_string() ~ "), submitted_at_text, '') || '|'"
            ~ " || " ~ dbt.listagg(
                "coalesce(cast(service_date as " ~ dbt.type_string() ~ "), service_date_text, '')"
                ~ " || '/' || coalesce(activity, '') || '/' || coalesce(specialty, '')"
                ~ " || '/' || coalesce(cast(quantity_number as " ~ dbt.type_string() ~ "), quantity_text, '')",
                "';'",
                "order by coalesce(cast(service_date as " ~ dbt.type_string() ~ "), service_date_text, ''),"
                ~ " activity, specialty, quantity_text"
            )
        ) }} as content_fingerprint
    from lines
    group by report_id, file_hash, report_no, unit_id, jornada_id, submitted_at_text
)

select
    reports.report_id,
    reports.file_hash,
    reports.report_no,
    reports.unit_id,
    reports.jornada_id,
    reports.submitted_at_text,
    reports.submitted_at,
    files.first_seen_at,
    reports.n_lines,
    coalesce(invalid_lines.n_invalid_lines, 0) as n_invalid_lines,
    reason_codes.invalid_reason_codes,
    reports.content_fingerprint
from reports
left join files on reports.file_hash = files.file_hash
left join invalid_lines on reports.report_id = invalid_lines.report_id
left join reason_codes on reports.report_id = reason_codes.report_id
