-- Every unit with its place in the hierarchy unit -> OOAD -> state. UMAE report to the central
-- level, so they have no OOAD; `reporting_group_id` is what they are counted under instead
-- (UMAE-<two-digit number>), the OOAD for every other unit.
with units as (
    select * from {{ ref('units') }}
),

ooad as (
    select * from {{ ref('dim_ooad') }}
),

typed as (
    select
        cast(unit_id as {{ dbt.type_string() }}) as unit_id,
        cast(unit_name as {{ dbt.type_string() }}) as unit_name,
        cast(unit_type as {{ dbt.type_string() }}) as unit_type,
        cast(nullif(trim(cast(umae_kind as {{ dbt.type_string() }})), '') as {{ dbt.type_string() }})
            as umae_kind,
        cast(umae_number as integer) as umae_number,
        cast(level_of_care as integer) as level_of_care,
        cast(nullif(trim(cast(ooad_id as {{ dbt.type_string() }})), '') as {{ dbt.type_string() }})
            as ooad_id,
        lpad(cast(state_code as {{ dbt.type_string() }}), 2, '0') as state_code,
        cast(state_name as {{ dbt.type_string() }}) as state_name,
        cast(city as {{ dbt.type_string() }}) as city,
        cast(is_synthetic as boolean) as is_synthetic
    from units
)

select
    typed.unit_id,
    typed.unit_name,
    typed.unit_type,
    typed.umae_kind,
    typed.umae_number,
    typed.level_of_care,
    typed.unit_type = 'UMAE' as is_umae,
    typed.ooad_id,
    ooad.ooad_name,
    coalesce(ooad.state_code, typed.state_code) as state_code,
    coalesce(ooad.state_name, typed.state_name) as state_name,
    ooad.state_name_en,
    typed.city,
    case
        when typed.unit_type = 'UMAE' and typed.umae_number is not null
            then 'UMAE-' || lpad(cast(typed.umae_number as {{ dbt.type_string() }}), 2, '0')
        when typed.unit_type = 'UMAE' then typed.unit_id
        else typed.ooad_id
    end as reporting_group_id,
    case
        when typed.unit_type = 'UMAE' then typed.unit_name
        else ooad.ooad_name
    end as reporting_group_name,
    typed.is_synthetic
from typed
left join ooad on typed.ooad_id = ooad.ooad_id
