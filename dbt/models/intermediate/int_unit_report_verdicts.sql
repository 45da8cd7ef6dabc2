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

{{ chain_report_verdicts('unit_report') }}
