-- The verdict of every unit report version (rejected, conflict, duplicate, in_force,
-- superseded); the rules are in the macro report_verdicts.
-- Incremental: a version's verdict depends on every version of its (unit, jornada) pair, so a
-- build judges again all versions of the pairs its batch of files touches.
-- depends_on: {{ ref('int_unit_report_batch') }}
{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='report_id',
) }}

{% if is_incremental() -%}
    {{ report_verdicts(
        "(select reports.* from " ~ ref('int_unit_reports') ~ " as reports"
        ~ " where exists (select 1 from (" ~ batch_pairs('unit_report') ~ ") as pairs"
        ~ " where pairs.unit_id is not distinct from reports.unit_id"
        ~ " and pairs.jornada_id is not distinct from reports.jornada_id))"
    ) }}
{%- else -%}
    {{ report_verdicts(ref('int_unit_reports')) }}
{%- endif %}
