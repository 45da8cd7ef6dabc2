{{ config(schema='marts', materialized='table') }}

-- Each published figure against what the unit reports in force say for the same scope, day,
-- activity and specialty. A figure without specialty is compared with all specialties.
-- performed -> fct_activities.quantity (as summed in unit_activity); planned -> fct_goals.target;
-- goal_pct -> 100 * performed / target over the same units.
with figures as (
    select * from {{ ref('fct_published_figures') }}
),

units as (
    select
        unit_id,
        ooad_id
    from {{ ref('dim_units') }}
),

-- which units each figure speaks for; 'MCO+MCP' stands for both OOADs of a state
figure_units as (
    select
        figures.figure_id,
        units.unit_id
    from figures
    inner join units
        on
            figures.scope_level = 'national'
            or (
                figures.scope_level = 'ooad'
                and list_contains(string_split(figures.ooad_id, '+'), units.ooad_id)
            )
            or (figures.scope_level = 'unit' and figures.unit_id = units.unit_id)
),

-- unit_activity is fct_activities already summed per unit, jornada, activity and specialty.
performed as (
    select
        unit_id,
        jornada_id,
        activity,
        specialty,
        quantity
    from {{ ref('unit_activity') }}
),

targets as (
    select
        unit_id,
        jornada_id,
        activity,
        specialty,
        sum(target) as target
    from {{ ref('fct_goals') }}
    group by unit_id, jornada_id, activity, specialty
),

matched_performed as (
    select
        figures.figure_id,
        sum(performed.quantity) as quantity
    from figures
    inner join figure_units on figures.figure_id = figure_units.figure_id
    inner join performed
        on
            figure_units.unit_id = performed.unit_id
            and figures.jornada_id = performed.jornada_id
            and (figures.activity = 'all_activities' or figures.activity = performed.activity)
            and (figures.specialty is null or figures.specialty = performed.specialty)
    group by figures.figure_id
),

matched_targets as (
    select
        figures.figure_id,
        sum(targets.target) as target
    from figures
    inner join figure_units on figures.figure_id = figure_units.figure_id
    inner join targets
        on
            figure_units.unit_id = targets.unit_id
            and figures.jornada_id = targets.jornada_id
            and (figures.activity = 'all_activities' or figures.activity = targets.activity)
            and (figures.specialty is null or figures.specialty = targets.specialty)
    group by figures.figure_id
),

compared as (
    select
        figures.*,
        cast(figures.quantity as double) as published,
        case figures.figure_kind
            when 'performed' then cast(matched_performed.quantity as double)
            when 'planned' then cast(matched_targets.target as double)
            when 'goal_pct' then
                case
                    when matched_targets.target > 0
                        then round(
                            100.0 * coalesce(matched_performed.quantity, 0)
                            / matched_targets.target,
                            1
                        )
                end
        end as reported
    from figures
    left join matched_performed on figures.figure_id = matched_performed.figure_id
    left join matched_targets on figures.figure_id = matched_targets.figure_id
),

judged as (
    select
        *,
        published - reported as difference,
        case
            when flags is not null and activity is null then 'inconsistent'
            when exceeds_national or flags like '%same_activity_twice%' then 'inconsistent'
            when reported is null then 'no_reports'
            when figure_kind = 'goal_pct' and published >= 100 and reported >= published
                then 'match'
            when figure_kind = 'goal_pct' and abs(published - reported) < 0.5 then 'match'
            when published = reported then 'match'
            when published > reported then 'published_higher'
            else 'published_lower'
        end as verdict
    from compared
)

select
    figure_id,
    bulletin_id,
    jornada_id,
    scope_level,
    ooad_id,
    unit_id,
    activity,
    specialty,
    figure_kind,
    published,
    reported,
    difference,
    verdict,
    case
        when verdict = 'inconsistent' then flags
        when verdict = 'no_reports' and jornada_id is null
            then 'the bulletin does not say which national day'
        when verdict = 'no_reports' and scope_level = 'unit' and unit_id is null
            then 'the unit named is not in the units catalog'
        when verdict = 'no_reports' and figure_kind in ('planned', 'goal_pct')
            then 'no goals in force for this scope, day and activity'
        when verdict = 'no_reports' then 'no reports in force for this scope, day and activity'
        when verdict = 'match' and figure_kind = 'goal_pct' and published >= 100
            then 'goal met: reports reach ' || reported || ' percent'
    end as verdict_reason,
    confidence,
    evidence
from judged
