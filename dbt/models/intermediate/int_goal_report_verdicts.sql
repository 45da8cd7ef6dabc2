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

{{ chain_report_verdicts('goal') }}
