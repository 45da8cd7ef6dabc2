-- Every failed check of every goal line: one row per (line, failed check), with the reason code
-- of docs/ARCHITECTURE.md (quantity codes apply to `target`), the column at fault, what was
-- delivered and plain words; the checks are those of unit-report lines (macro line_checks),
-- less the service date.
-- Incremental: a build checks the lines of its batch of goal files (macros/incremental.sql).
-- depends_on: {{ ref('int_goal_batch') }}
{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='file_hash',
) }}

{%- set lines = ref('int_goal_lines') %}
{%- if is_incremental() %}
    {%- set lines = "(select * from " ~ lines ~ " where file_hash in (" ~ batch_files('goal') ~ "))" %}
{%- endif %}

{{ line_checks(
    lines,
    quantity='target',
    whole_hint='plan whole services',
    zero_hint='write 0 when nothing is planned',
    report_name='goals report',
    dated=false,
) }}
