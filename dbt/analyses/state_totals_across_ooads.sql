-- A state's figures with its OOADs added together (Estado de México = Oriente + Poniente):
-- the family-planning paragraph of the 2021-14 bulletin.
select
    jornada_id,
    state_name,
    activity,
    sum(quantity) as quantity
from marts.ooad_activity
where
    jornada_id = '2021-14'
    and state_name = 'Estado de México'
    and activity in ('family_planning_method', 'vasectomy', 'tubal_occlusion', 'surgery')
group by jornada_id, state_name, activity
order by activity
