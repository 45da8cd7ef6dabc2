-- One row per calendar day of every year that has a jornada, with the national day it
-- belongs to (national days first when a date is in two).
with years as (
    select distinct year from {{ ref('dim_jornadas') }}
),

day_offsets as (
    {{ dbt.generate_series(366) }}
),

days as (
    select
        cast(
            {{ dbt.dateadd(
                'day',
                'day_offsets.generated_number - 1',
                "cast(cast(years.year as " ~ dbt.type_string() ~ ") || '-01-01' as date)"
            ) }}
            as date
        ) as date_day,
        years.year
    from years
    cross join day_offsets
),

jornada_days as (
    select
        days.date_day,
        jornadas.jornada_id,
        jornadas.kind,
        row_number() over (
            partition by days.date_day
            order by case when jornadas.kind = 'national' then 0 else 1 end, jornadas.jornada_id
        ) as preference
    from days
    inner join {{ ref('dim_jornadas') }} as jornadas
        on days.date_day between jornadas.start_date and jornadas.end_date
),

calendar_days as (
    select
        date_day,
        extract(isodow from date_day) as iso_weekday,
        cast(extract(month from date_day) as integer) as month
    from days
    where extract(year from date_day) = year
)

select
    calendar_days.date_day,
    cast(extract(year from calendar_days.date_day) as integer) as year,
    cast(extract(quarter from calendar_days.date_day) as integer) as quarter,
    calendar_days.month,
    {{ month_name('calendar_days.month', 'es') }} as month_name_es,
    {{ month_name('calendar_days.month', 'en') }} as month_name_en,
    cast(extract(day from calendar_days.date_day) as integer) as day_of_month,
    cast(extract(doy from calendar_days.date_day) as integer) as day_of_year,
    cast(calendar_days.iso_weekday as integer) as iso_weekday,
    {{ weekday_name('calendar_days.iso_weekday', 'es') }} as day_name_es,
    {{ weekday_name('calendar_days.iso_weekday', 'en') }} as day_name_en,
    cast(extract(isoyear from calendar_days.date_day) as integer) as iso_year,
    cast(extract(week from calendar_days.date_day) as integer) as iso_week,
    calendar_days.iso_weekday >= 6 as is_weekend,
    jornada_days.jornada_id,
    jornada_days.kind as jornada_kind,
    jornada_days.jornada_id is not null as is_jornada_day
from calendar_days
left join jornada_days
    on
        calendar_days.date_day = jornada_days.date_day
        and jornada_days.preference = 1
