-- Per OOAD and activity across national days, beside the OOAD's previous national day.
-- UMAE report to the central level, not to an OOAD, so they are not in this table.
with national_days as (
    select
        jornada_id,
        start_date
    from {{ ref('dim_jornadas') }}
    where kind = 'national'
),

ooads as (
    select
        ooad_id,
        ooad_name,
        state_name
    from {{ ref('dim_ooad') }}
),

-- Read from unit_activity: the facts already summed per unit, jornada, activity and
-- specialty (with the unit's OOAD from dim_units, as in the facts), a seventh of the rows.
totals as (
    select
        jornada_id,
        ooad_id,
        activity,
        cast(sum(quantity) as bigint) as quantity
    from {{ ref('unit_activity') }}
    where ooad_id is not null
    group by jornada_id, ooad_id, activity
),

joined as (
    select
        totals.jornada_id,
        national_days.start_date,
        totals.ooad_id,
        ooads.ooad_name,
        ooads.state_name,
        totals.activity,
        totals.quantity
    from totals
    inner join national_days on totals.jornada_id = national_days.jornada_id
    inner join ooads on totals.ooad_id = ooads.ooad_id
)

select
    jornada_id,
    start_date,
    ooad_id,
    ooad_name,
    state_name,
    activity,
    quantity,
    lag(quantity) over (partition by ooad_id, activity order by start_date) as previous_quantity,
    quantity - lag(quantity) over (
        partition by ooad_id, activity order by start_date
    ) as quantity_change
from joined
