-- The calendar of national days: the reported/assumed 2021 calendar, plus the synthetic
-- benchmark calendar when the environment variable JORNADAS_SYNTHETIC_CALENDAR is true (an
-- env_var, not a var: changing it re-parses this model only, not the whole project).
{%- set with_synthetic = env_var('JORNADAS_SYNTHETIC_CALENDAR', 'false') | lower in ['true', '1', 'yes'] %}

with calendar as (
    select
        jornada_id,
        year,
        number,
        kind,
        start_date,
        end_date,
        dates_source,
        name_es,
        name_en,
        notes,
        false as is_synthetic
    from {{ ref('jornadas') }}
    {%- if with_synthetic %}

    union all

    select
        jornada_id,
        year,
        number,
        kind,
        start_date,
        end_date,
        dates_source,
        name_es,
        name_en,
        notes,
        true as is_synthetic
    from {{ ref('jornadas_synthetic') }}
    {%- endif %}
)

select
    cast(jornada_id as {{ dbt.type_string() }}) as jornada_id,
    cast(year as integer) as year,
    cast(number as {{ dbt.type_string() }}) as number,
    cast(kind as {{ dbt.type_string() }}) as kind,
    cast(start_date as date) as start_date,
    cast(end_date as date) as end_date,
    cast(dates_source as {{ dbt.type_string() }}) as dates_source,
    cast(name_es as {{ dbt.type_string() }}) as name_es,
    cast(name_en as {{ dbt.type_string() }}) as name_en,
    cast(notes as {{ dbt.type_string() }}) as notes,
    is_synthetic
from calendar
