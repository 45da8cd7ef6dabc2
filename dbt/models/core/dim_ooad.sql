-- The 35 representation offices (OOAD) and their state.
with ooad as (
    select * from {{ ref('ooad') }}
),

units_per_ooad as (
    select
        ooad_id,
        count(*) as n_units
    from {{ ref('units') }}
    where ooad_id is not null
    group by ooad_id
)

select
    cast(ooad.ooad_id as {{ dbt.type_string() }}) as ooad_id,
    cast(ooad.ooad_name as {{ dbt.type_string() }}) as ooad_name,
    lpad(cast(ooad.state_code as {{ dbt.type_string() }}), 2, '0') as state_code,
    cast(ooad.state_name as {{ dbt.type_string() }}) as state_name,
    cast(ooad.state_name_en as {{ dbt.type_string() }}) as state_name_en,
    cast(ooad.population_2020 as bigint) as population_2020,
    coalesce(units_per_ooad.n_units, 0) as n_units
from ooad
left join units_per_ooad on ooad.ooad_id = units_per_ooad.ooad_id
