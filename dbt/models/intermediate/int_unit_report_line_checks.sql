-- Every failed check of every unit-report line: one row per (line, failed check), with the
-- reason code of docs/ARCHITECTURE.md, the column at fault, what was delivered and plain words;
-- the checks are in the macro line_checks.
-- Incremental: a build checks the lines of its batch of files (macros/incremental.sql).
-- depends_on: {{ ref('int_unit_report_batch') }}
{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='file_hash',
) }}

{%- set lines = ref('int_unit_report_lines') %}
{%- if is_incremental() %}
    {%- set lines = "(select * from " ~ lines ~ " where file_hash in (" ~ batch_files('unit_report') ~ "))" %}
{%- endif %}

{{ line_checks(
    lines,
    quantity='quantity',
    whole_hint='count whole services',
    zero_hint='write 0 when nothing was done',
    report_name='report',
    dated=true,
) }}
