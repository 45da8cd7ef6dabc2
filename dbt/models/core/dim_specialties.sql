-- The specialty catalog (contract codes, Spanish and English names).
select
    cast(specialty as {{ dbt.type_string() }}) as specialty,
    cast(name_es as {{ dbt.type_string() }}) as name_es,
    cast(name_en as {{ dbt.type_string() }}) as name_en,
    cast(is_surgical as boolean) as is_surgical,
    cast(sort_order as integer) as sort_order
from {{ ref('specialties') }}
