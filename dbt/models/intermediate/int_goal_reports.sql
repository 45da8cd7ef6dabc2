-- One row per goals report (a version of what one unit planned for one jornada, as delivered
-- in one file), with its size, its invalid lines and a fingerprint of its content; assembled as
-- unit reports are (macro report_rows).
-- Incremental: a build adds the reports of its batch of goal files (macros/incremental.sql).
-- depends_on: {{ ref('int_goal_batch') }}
{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='report_id',
) }}

{%- set lines = ref('int_goal_lines') %}
{%- set line_checks = ref('int_goal_line_checks') %}
{%- if is_incremental() %}
    {%- set batch = " where file_hash in (" ~ batch_files('goal') ~ "))" %}
    {%- set lines = "(select * from " ~ lines ~ batch %}
    {%- set line_checks = "(select * from " ~ line_checks ~ batch %}
{%- endif %}

{{ report_rows(lines, line_checks, quantity='target', dated=false, numbered=false) }}
