-- OOADs that did less than they planned in specialty consultations, worst first.
select
    goals.jornada_id,
    goals.ooad_id,
    ooads.ooad_name,
    sum(goals.target) as target,
    sum(goals.performed) as performed,
    round(100.0 * sum(goals.performed) / nullif(sum(goals.target), 0), 1) as attainment_pct
from marts.goal_attainment as goals
left join core.dim_ooad as ooads on goals.ooad_id = ooads.ooad_id
where
    goals.level = 'ooad'
    and goals.activity = 'consultation_specialty'
    and goals.jornada_id = '2021-14'
group by goals.jornada_id, goals.ooad_id, ooads.ooad_name
having sum(goals.performed) < sum(goals.target)
order by attainment_pct
