-- The activity catalog (contract codes, Spanish and English names).
select
    cast(activity as {{ dbt.type_string() }}) as activity,
    cast(name_es as {{ dbt.type_string() }}) as name_es,
    cast(name_en as {{ dbt.type_string() }}) as name_en,
    cast(category as {{ dbt.type_string() }}) as category,
    cast(requires_specialty as boolean) as requires_specialty,
    cast(sort_order as integer) as sort_order
from {{ ref('activities') }}
