-- National totals per jornada and activity (all units, UMAE included).
with unit_activity as (
    select * from {{ ref('unit_activity') }}
),

activities as (
    select * from {{ ref('dim_activities') }}
),

-- Each unit's total per jornada and activity, over its specialties. Quantities are tested not
-- negative before the marts build, so a unit performs an activity exactly when this total is
-- above zero, and counting those rows counts the units without a hash set per group.
unit_totals as (
    select
        jornada_id,
        activity,
        unit_id,
        sum(quantity) as quantity
    from unit_activity
    group by jornada_id, activity, unit_id
)

select
    unit_totals.jornada_id,
    unit_totals.activity,
    activities.name_es as activity_name_es,
    activities.name_en as activity_name_en,
    activities.category,
    cast(sum(unit_totals.quantity) as bigint) as quantity,
    cast(count(*) filter (where unit_totals.quantity > 0) as bigint) as units_performing
from unit_totals
left join activities on unit_totals.activity = activities.activity
group by
    unit_totals.jornada_id,
    unit_totals.activity,
    activities.name_es,
    activities.name_en,
    activities.category
