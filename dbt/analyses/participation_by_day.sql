-- How many units reported and how many OOAD and UMAE took part, day by day
-- (for 2021-14 the bulletin says 33 OOAD and 23 UMAE).
select
    jornada_id,
    start_date,
    end_date,
    units_reporting,
    ooad_participating,
    umae_participating
from marts.jornada_overview
where units_reporting > 0
order by start_date
