-- Reports held in quarantine, with the unit's name and what went wrong, so that the unit
-- can be asked to fix and resubmit them.
select
    quarantined.jornada_id,
    quarantined.ooad_id,
    quarantined.unit_id,
    units.unit_name,
    quarantined.submitted_at,
    quarantined.path,
    quarantined.verdict,
    quarantined.reason
from audit.quarantined_reports as quarantined
left join core.dim_units as units on quarantined.unit_id = units.unit_id
order by quarantined.jornada_id, quarantined.ooad_id, quarantined.unit_id
