-- The national days (and monothematic days) of the calendar, with where their dates come from.
select
    jornada_id,
    year,
    number,
    kind,
    start_date,
    end_date,
    cast({{ dbt.datediff('start_date', 'end_date', 'day') }} + 1 as integer) as n_days,  -- noqa: LT05
    dates_source,
    name_es,
    name_en,
    notes,
    is_synthetic
from {{ ref('int_jornada_calendar') }}
