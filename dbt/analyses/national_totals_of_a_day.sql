-- National totals of one national day by activity, with the activity's Spanish and English
-- names: the figures of the press bulletin (for 2021-14: 3,242 surgeries).
select
    totals.activity,
    activities.name_es,
    activities.name_en,
    totals.quantity
from marts.jornada_activity as totals
left join core.dim_activities as activities on totals.activity = activities.activity
where totals.jornada_id = '2021-14'
order by totals.quantity desc
