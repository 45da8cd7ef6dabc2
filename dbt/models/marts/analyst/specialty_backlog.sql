-- The specialties carrying the backlog: per jornada, surgery and specialty consultations by
-- specialty, what units planned against what they did, nationally. The shortfall is what
-- was planned and not done; rank 1 is the largest.
with national as (
    select
        jornada_id,
        activity,
        specialty,
        cast(target as bigint) as target,
        cast(performed as bigint) as performed
    from {{ ref('goal_attainment') }}
    where level = 'national' and specialty is not null
)

select
    national.jornada_id,
    national.activity,
    national.specialty,
    national.target,
    national.performed,
    greatest(national.target - national.performed, 0) as shortfall,
    cast(round(100.0 * national.performed / nullif(national.target, 0), 1) as double)
        as attainment_pct,
    cast(rank() over (
        partition by national.jornada_id, national.activity
        order by greatest(national.target - national.performed, 0) desc
    ) as bigint) as shortfall_rank
from national
