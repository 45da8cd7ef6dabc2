-- Every fact line lies within the dates of its national day (the validation guarantees it).
select
    activities.unit_id,
    activities.service_date,
    activities.jornada_id
from {{ ref('fct_activities') }} as activities
inner join {{ ref('dim_jornadas') }} as jornadas
    on activities.jornada_id = jornadas.jornada_id
where activities.service_date not between jornadas.start_date and jornadas.end_date
