-- Staged goal lines with the key of the goals report they belong to: the lines sharing
-- (file, unit, jornada, submitted_at as delivered).
-- Incremental: a build adds the lines of its batch of goal files (macros/incremental.sql).
-- depends_on: {{ ref('int_goal_batch') }}
{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='file_hash',
) }}

select
    {{ surrogate_key(['file_hash', 'unit_id', 'jornada_id', 'submitted_at_text']) }} as report_id,
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
