-- Staged unit-report lines with the key of the report they belong to: a report is the set of
-- lines sharing (file, JSON report position, unit, jornada, submitted_at as delivered). The
-- key is the build's join key (macro report_key); the published report_id is computed once per
-- report, in int_unit_reports.
-- Incremental: a build adds the lines of its batch of files (macros/incremental.sql).
-- depends_on: {{ ref('int_unit_report_batch') }}
{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='file_hash',
) }}

select
    {{ report_key(report_key_columns(numbered=true)) }} as report_key,
    file_hash,
    line_no,
    report_no,
    unit_id,
    jornada_id,
    service_date_text,
    service_date,
    activity,
    specialty,
    quantity_text,
    quantity_number,
    submitted_at_text,
    submitted_at
from {{ ref('stg_unit_report_lines') }}
{% if is_incremental() -%}
    where file_hash in ({{ batch_files('unit_report') }})
{%- endif %}
