-- National totals per activity across national days, each beside the previous national day
-- of the same year's series, so analysts see the change from one day to the next.
with national_days as (
    select
        jornada_id,
        year,
        start_date
    from {{ ref('dim_jornadas') }}
    where kind = 'national'
),

-- Read from unit_activity: the facts already summed per unit, jornada, activity and
-- specialty (with the unit's OOAD from dim_units, as in the facts), a seventh of the rows.
totals as (
    select
        jornada_id,
        activity,
        sum(quantity) as quantity
    from {{ ref('unit_activity') }}
    group by jornada_id, activity
),

with_days as (
    select
        national_days.jornada_id,
        national_days.year,
        national_days.start_date,
        totals.activity,
        cast(totals.quantity as bigint) as quantity
    from totals
    inner join national_days on totals.jornada_id = national_days.jornada_id
)

select
    with_days.jornada_id,
    with_days.year,
    with_days.start_date,
    with_days.activity,
    with_days.quantity,
    lag(with_days.jornada_id) over (
        partition by with_days.activity order by with_days.start_date
    ) as previous_jornada_id,
    lag(with_days.quantity) over (
        partition by with_days.activity order by with_days.start_date
    ) as previous_quantity,
    with_days.quantity - lag(with_days.quantity) over (
        partition by with_days.activity order by with_days.start_date
    ) as quantity_change,
    cast(round(
        100.0 * (
            with_days.quantity - lag(with_days.quantity) over (
                partition by with_days.activity order by with_days.start_date
            )
        ) / nullif(lag(with_days.quantity) over (
            partition by with_days.activity order by with_days.start_date
        ), 0),
        1
    ) as double) as change_pct
from with_days
