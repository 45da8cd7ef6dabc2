-- Transplants (kidney, cornea, liver, bone marrow) and donations (multi-organ, tissue) per
-- jornada and unit: where the country's transplant activity happens.
with units as (
    select
        unit_id,
        unit_name,
        unit_type,
        ooad_id,
        state_name
    from {{ ref('dim_units') }}
)

select
    facts.jornada_id,
    facts.unit_id,
    units.unit_name,
    units.unit_type,
    units.ooad_id,
    units.state_name,
    facts.activity,
    case when facts.activity like 'transplant\_%' escape '\' then 'transplant' else 'donation' end
        as kind_of_activity,
    cast(sum(facts.quantity) as bigint) as quantity
-- unit_activity is fct_activities summed per unit, jornada, activity and specialty: summing it
-- over specialties gives the same totals from a seventh of the rows.
from {{ ref('unit_activity') }} as facts
inner join units on facts.unit_id = units.unit_id
where
    facts.activity in (
        'transplant_kidney', 'transplant_cornea', 'transplant_liver', 'transplant_bone_marrow',
        'donation_multiorgan', 'donation_tissue'
    )
group by
    facts.jornada_id,
    facts.unit_id,
    units.unit_name,
    units.unit_type,
    units.ooad_id,
    units.state_name,
    facts.activity
