{#- The unit keys of `relation` as delivered (one row each), with the unit's name and OOAD, for
    the audit models that route held lines to whom must resubmit. A key not in the catalog still
    names its OOAD by its CLUES prefix (one-OOAD states). -#}
{% macro delivered_units(relation) -%}
select
    delivered.unit_id,
    units.unit_name,
    coalesce(units.reporting_group_id, ooad_prefixes.ooad_id) as ooad_id
from (select distinct unit_id from {{ relation }}) as delivered
left join {{ ref('dim_units') }} as units on delivered.unit_id = units.unit_id
left join {{ ref('ooad') }} as ooad_prefixes
    on
        units.unit_id is null
        and substring(delivered.unit_id, 1, 2) = ooad_prefixes.ooad_id
{%- endmacro %}
