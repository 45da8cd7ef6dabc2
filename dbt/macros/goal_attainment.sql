{#
  Incremental goal_attainment (marts/goal_attainment.sql). A build recomputes the unit rows of
  every (unit, jornada) pair whose inputs changed, and the OOAD and national rows of every
  jornada such a pair belongs to. A pair changed when a report of this build's batch touches it
  (performance, or whether the unit reported), or a goals report of its batch of goal files does
  (the targets in force). Units, the calendar and the rules change only with the dbt project,
  which makes the next build a full one.
#}

{# The temporary table that holds the changed pairs for the rest of the model's build. #}
{% macro goal_attainment_changed_pairs() -%}
    goal_attainment_changed_pairs
{%- endmacro %}

{# Pre-hook: find the changed pairs, then delete the rows the build writes again. #}
{% macro prepare_goal_attainment_changes() -%}
    {%- if is_incremental() -%}
        create or replace temporary table {{ goal_attainment_changed_pairs() }} as
        {{ batch_pairs('unit_report') }}
        union
        {{ batch_pairs('goal') }}
    {%- endif -%}
{%- endmacro %}

{# Two deletes, not one with `or`: DuckDB then runs each as a semi-join (0.05 s against 1.7 s
   for the `or` at national-year). #}
{% macro delete_goal_attainment_unit_rows() -%}
    {%- if is_incremental() -%}
        delete from {{ this }}
        where level = 'unit' and {{ in_goal_attainment_changes() }}
    {%- endif -%}
{%- endmacro %}

{% macro delete_goal_attainment_rollups() -%}
    {%- if is_incremental() -%}
        delete from {{ this }}
        where level <> 'unit' and {{ in_goal_attainment_changed_jornadas() }}
    {%- endif -%}
{%- endmacro %}

{# True for the rows (with unit_id and jornada_id) of a changed pair; one line, for lint. #}
{% macro in_goal_attainment_changes() -%}
    (unit_id, jornada_id) in (select changed.unit_id, changed.jornada_id from {{ goal_attainment_changed_pairs() }} as changed)
{%- endmacro %}

{# True for the rows of a jornada a changed pair belongs to. #}
{% macro in_goal_attainment_changed_jornadas() -%}
    jornada_id in (select changed.jornada_id from {{ goal_attainment_changed_pairs() }} as changed)
{%- endmacro %}

{# The goals in force summed per jornada, unit, activity and specialty; `where` (optional)
   chooses the rows of fct_goals. #}
{% macro goal_targets(where=none) -%}
    select
        jornada_id,
        unit_id,
        activity,
        specialty,
        sum(target) as target
    from {{ ref('fct_goals') }}
    {% if where is not none -%}
        where {{ where }}
    {%- endif %}
    group by jornada_id, unit_id, activity, specialty
{%- endmacro %}
