-- The five specialties with most demand, for surgery and for specialty consultations.
select
    demand.jornada_id,
    demand.activity,
    demand.demand_rank,
    demand.specialty,
    specialties.name_es,
    demand.quantity
from marts.specialty_demand as demand
left join core.dim_specialties as specialties on demand.specialty = specialties.specialty
where
    demand.jornada_id = '2021-14'
    and demand.activity in ('surgery', 'consultation_specialty')
    and demand.demand_rank <= 5
order by demand.activity, demand.demand_rank
