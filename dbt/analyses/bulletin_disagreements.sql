-- Published figures that the unit reports do not back: the press office and the data team
-- check these together.
select
    bulletin_id,
    jornada_id,
    scope_level,
    ooad_id,
    unit_id,
    activity,
    specialty,
    published,
    reported,
    difference,
    verdict
from marts.bulletin_reconciliation
where verdict <> 'match'
order by jornada_id, bulletin_id, abs(difference) desc
