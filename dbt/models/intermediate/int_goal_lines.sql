-- Staged goal lines with the key of the goals report they belong to: the lines sharing
-- (file, unit, jornada, submitted_at as delivered). The key is the build's join key (macro
-- report_key); the published report_id is computed once per report, in int_goal_reports.
-- Incremental: a build adds the lines of its batch of goal files (macros/incremental.sql).
-- depends_on: {{ ref('int_goal_batch') }}
{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='file_hash',
) }}

select
    {{ report_key(report_key_columns(numbered=false)) }} as report_key,
    file_hash,
    line_no,
    unit_id,
    jornada_id,
    activity,
    specialty,
    target_text,
    target_number,
    submitted_at_text,
    submitted_at
from {{ ref('stg_goal_lines') }}
{% if is_incremental() -%}
    where file_hash in ({{ batch_files('goal') }})
{%- endif %}
