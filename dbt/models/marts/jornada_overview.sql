-- One row per jornada of the calendar: its dates and who took part. A unit reports when it has
-- a report in force; it (and its OOAD, or the UMAE itself) takes part when a report in force
-- has a quantity > 0 (interface.md).
with jornadas as (
    select * from {{ ref('dim_jornadas') }}
),

in_force_reports as (
    select distinct
        jornada_id,
        unit_id
    from {{ ref('int_unit_report_verdicts') }}
    where verdict = 'in_force'
),

-- Read from unit_activity (the facts summed per unit, jornada, activity and specialty, a
-- seventh of the rows): quantities are tested not negative before the marts build, so a unit
-- has a fact above zero exactly when one of its sums is above zero.
performing_units as (
    select distinct
        activities.jornada_id,
        activities.unit_id,
        units.ooad_id,
        units.is_umae
    from {{ ref('unit_activity') }} as activities
    inner join {{ ref('dim_units') }} as units on activities.unit_id = units.unit_id
    where activities.quantity > 0
),

reporting as (
    select
        jornada_id,
        count(*) as units_reporting
    from in_force_reports
    group by jornada_id
),

participation as (
    select
        jornada_id,
        count(*) as units_participating,
        count(distinct case when not is_umae then ooad_id end) as ooad_participating,
        count(distinct case when is_umae then unit_id end) as umae_participating
    from performing_units
    group by jornada_id
),

quantities as (
    select
        jornada_id,
        sum(quantity) as total_quantity
    from {{ ref('unit_activity') }}
    group by jornada_id
)

select
    jornadas.jornada_id,
    jornadas.year,
    jornadas.number,
    jornadas.kind,
    jornadas.name_es,
    jornadas.name_en,
    jornadas.start_date,
    jornadas.end_date,
    jornadas.dates_source,
    cast(coalesce(reporting.units_reporting, 0) as bigint) as units_reporting,
    cast(coalesce(participation.units_participating, 0) as bigint) as units_participating,
    cast(coalesce(participation.ooad_participating, 0) as bigint) as ooad_participating,
    cast(coalesce(participation.umae_participating, 0) as bigint) as umae_participating,
    cast(coalesce(quantities.total_quantity, 0) as bigint) as total_quantity
from jornadas
left join reporting on jornadas.jornada_id = reporting.jornada_id
left join participation on jornadas.jornada_id = participation.jornada_id
left join quantities on jornadas.jornada_id = quantities.jornada_id
