-- What each unit did in each jornada, per activity and specialty (report versions in force).
with activities as (
    select * from {{ ref('fct_activities') }}
),

units as (
    select * from {{ ref('dim_units') }}
)

select
    activities.jornada_id,
    activities.unit_id,
    units.unit_name,
    units.unit_type,
    units.ooad_id,
    units.reporting_group_id,
    activities.activity,
    activities.specialty,
    cast(sum(activities.quantity) as bigint) as quantity,
    cast(count(distinct activities.service_date) as bigint) as service_days
from activities
left join units on activities.unit_id = units.unit_id
group by
    activities.jornada_id,
    activities.unit_id,
    units.unit_name,
    units.unit_type,
    units.ooad_id,
    units.reporting_group_id,
    activities.activity,
    activities.specialty
