-- One row per unit report (a version of what one unit did in one jornada, as delivered in one
-- file), with its size, its invalid lines and a fingerprint of its content (macro report_rows).
-- Incremental: a build adds the reports of its batch of files (macros/incremental.sql).
-- depends_on: {{ ref('int_unit_report_batch') }}
{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='report_id',
) }}

{%- set lines = ref('int_unit_report_lines') %}
{%- set line_checks = ref('int_unit_report_line_checks') %}
{%- if is_incremental() %}
    {%- set batch = " where file_hash in (" ~ batch_files('unit_report') ~ "))" %}
    {%- set lines = "(select * from " ~ lines ~ batch %}
    {%- set line_checks = "(select * from " ~ line_checks ~ batch %}
{%- endif %}

{{ report_rows(lines, line_checks, quantity='quantity', dated=true, numbered=true) }}
