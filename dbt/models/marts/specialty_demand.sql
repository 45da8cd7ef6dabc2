-- Which specialties carried the demand of each jornada, per activity that takes a specialty
-- (specialty consultations, surgeries): demand_rank 1 = the most; ties share a rank.
with unit_activity as (
    select * from {{ ref('unit_activity') }}
    where specialty is not null
),

specialties as (
    select * from {{ ref('dim_specialties') }}
),

totals as (
    select
        jornada_id,
        activity,
        specialty,
        cast(sum(quantity) as bigint) as quantity
    from unit_activity
    group by jornada_id, activity, specialty
)

select
    totals.jornada_id,
    totals.activity,
    totals.specialty,
    specialties.name_es as specialty_name_es,
    specialties.name_en as specialty_name_en,
    totals.quantity,
    cast(rank() over (
        partition by totals.jornada_id, totals.activity
        order by totals.quantity desc
    ) as bigint) as demand_rank
from totals
left join specialties on totals.specialty = specialties.specialty
