-- The facts hold one report version per unit and jornada.
select
    unit_id,
    jornada_id
from {{ ref('fct_activities') }}
group by unit_id, jornada_id
having count(distinct report_id) > 1
