-- The goal files whose lines, checks, reports, verdicts and facts are built: written after
-- fct_goals and marts.goal_attainment, so a file is marked only once every incremental model
-- downstream of it is in place (a build that stops before one of them carries the same batch
-- again next time).
-- depends_on: {{ ref('fct_goals') }}
-- depends_on: {{ ref('goal_attainment') }}
-- depends_on: {{ ref('int_goal_report_verdicts') }}
{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='file_hash',
) }}

select
    file_hash,
    first_seen_at
from {{ ref('int_goal_batch') }}
