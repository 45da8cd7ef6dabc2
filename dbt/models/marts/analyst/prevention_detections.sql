-- Preventive actions and detections per jornada and OOAD, with a rate per 100,000 people
-- of the state (2020 census) so that states of different size compare. A state with two
-- OOADs shares one population, so the rate is for the state, summed over its OOADs.
with ooads as (
    select
        ooad_id,
        state_name,
        population_2020
    from {{ ref('dim_ooad') }}
),

state_population as (
    select
        state_name,
        cast(max(population_2020) as bigint) as population_2020
    from ooads
    group by state_name
),

per_ooad as (
    select
        facts.jornada_id,
        facts.ooad_id,
        ooads.state_name,
        facts.activity,
        case when facts.activity like 'detection\_%' escape '\' then 'detection' else 'prevention' end
            as kind_of_activity,
        cast(sum(facts.quantity) as bigint) as quantity
    -- unit_activity: the facts summed per unit, jornada, activity and specialty (with the
    -- unit's OOAD from dim_units, as in the facts), a seventh of the rows.
    from {{ ref('unit_activity') }} as facts
    inner join ooads on facts.ooad_id = ooads.ooad_id
    where
        facts.activity in (
            'mammogram', 'clinical_breast_exam', 'vaccination_schedule', 'vasectomy',
            'tubal_occlusion', 'family_planning_method', 'social_work_intervention',
            'detection_diabetes', 'detection_hypertension', 'detection_cervical_cancer',
            'detection_hepatitis_c'
        )
    group by facts.jornada_id, facts.ooad_id, ooads.state_name, facts.activity
)

select
    per_ooad.jornada_id,
    per_ooad.ooad_id,
    per_ooad.state_name,
    per_ooad.activity,
    per_ooad.kind_of_activity,
    per_ooad.quantity,
    cast(sum(per_ooad.quantity) over (
        partition by per_ooad.jornada_id, per_ooad.state_name, per_ooad.activity
    ) as bigint) as state_quantity,
    state_population.population_2020 as state_population,
    cast(round(
        100000.0 * sum(per_ooad.quantity) over (
            partition by per_ooad.jornada_id, per_ooad.state_name, per_ooad.activity
        ) / nullif(state_population.population_2020, 0),
        2
    ) as double) as state_per_100k
from per_ooad
left join state_population on per_ooad.state_name = state_population.state_name
