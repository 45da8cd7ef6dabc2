-- National totals per jornada and activity (all units, UMAE included).
with unit_activity as (
    select * from {{ ref('unit_activity') }}
),

activities as (
    select * from {{ ref('dim_activities') }}
)

select
    unit_activity.jornada_id,
    unit_activity.activity,
    activities.name_es as activity_name_es,
    activities.name_en as activity_name_en,
    activities.category,
    cast(sum(unit_activity.quantity) as bigint) as quantity,
    cast(count(distinct case when unit_activity.quantity > 0 then unit_activity.unit_id end) as bigint)
        as units_performing
from unit_activity
left join activities on unit_activity.activity = activities.activity
group by
    unit_activity.jornada_id,
    unit_activity.activity,
    activities.name_es,
    activities.name_en,
    activities.category
