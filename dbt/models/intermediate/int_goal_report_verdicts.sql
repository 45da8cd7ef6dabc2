-- The verdict of every goals report version (rejected, conflict, duplicate, in_force,
-- superseded); the same rules as unit reports (macro report_verdicts).
-- Incremental: a version's verdict depends on every version of its (unit, jornada) pair, so a
-- build judges again all versions of the pairs its batch of goal files touches.
-- depends_on: {{ ref('int_goal_batch') }}
{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='report_id',
) }}

{% if is_incremental() -%}
    {{ report_verdicts(
        "(select reports.* from " ~ ref('int_goal_reports') ~ " as reports"
        ~ " where exists (select 1 from (" ~ batch_pairs('goal') ~ ") as pairs"
        ~ " where pairs.unit_id is not distinct from reports.unit_id"
        ~ " and pairs.jornada_id is not distinct from reports.jornada_id))"
    ) }}
{%- else -%}
    {{ report_verdicts(ref('int_goal_reports')) }}
{%- endif %}
