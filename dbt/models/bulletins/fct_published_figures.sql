{{ config(schema='core', materialized='table') }}

-- One row per figure stated by one bulletin (extracted in Python into raw.bulletin_figures).
-- A state or unit figure above the national figure of the same bulletin, day, activity and
-- kind is a contradiction inside the bulletin: it is flagged here and its confidence lowered.
with figures as (
    select
        file_hash,
        bulletin_id,
        cast(published_date as date) as published_date,
        language,
        jornada_id,
        scope_level,
        nullif(ooad_id, '') as ooad_id,
        nullif(unit_id, '') as unit_id,
        nullif(activity, '') as activity,
        nullif(specialty, '') as specialty,
        cast(quantity as bigint) as quantity,
        figure_kind,
        evidence,
        cast(confidence as double) as confidence,
        nullif(flags, '') as flags
    from {{ source('raw', 'bulletin_figures') }}
),

identified as (
    select
        *,
        md5(
            concat_ws(
                '|', file_hash, scope_level, ooad_id, unit_id, activity, specialty,
                quantity, figure_kind, evidence
            )
        ) as figure_key
    from figures
),

numbered as (
    select
        *,
        -- identical statements in one bulletin stay distinct rows
        figure_key || '-' || row_number() over (partition by figure_key order by figure_key)
            as figure_id
    from identified
),

-- the bulletin's own national figures, unflagged ones only
national as (
    select
        file_hash,
        jornada_id,
        activity,
        specialty,
        figure_kind,
        min(quantity) as national_quantity
    from numbered
    where scope_level = 'national' and activity is not null and flags is null
    group by file_hash, jornada_id, activity, specialty, figure_kind
),

contradictions as (
    select
        numbered.figure_id,
        min(national.national_quantity) as national_quantity
    from numbered
    inner join national
        on
            numbered.file_hash = national.file_hash
            and numbered.jornada_id is not distinct from national.jornada_id
            and numbered.activity = national.activity
            and numbered.figure_kind = national.figure_kind
            -- a national total without specialty bounds every specialty's figure
            and (
                national.specialty is null
                or numbered.specialty is not distinct from national.specialty
            )
    where
        numbered.scope_level in ('ooad', 'unit')
        and numbered.figure_kind in ('performed', 'planned')
        and numbered.quantity > national.national_quantity
    group by numbered.figure_id
)

select
    numbered.figure_id,
    numbered.bulletin_id,
    numbered.file_hash,
    numbered.published_date,
    numbered.language,
    numbered.jornada_id,
    numbered.scope_level,
    numbered.ooad_id,
    numbered.unit_id,
    numbered.activity,
    numbered.specialty,
    numbered.quantity,
    numbered.figure_kind,
    numbered.evidence,
    case
        when contradictions.figure_id is not null then least(numbered.confidence, 0.3)
        else numbered.confidence
    end as confidence,
    case
        when contradictions.figure_id is not null
            then concat_ws(
                '; ',
                numbered.flags,
                'exceeds_national_figure: ' || contradictions.national_quantity
                || ' stated nationally in the same bulletin'
            )
        else numbered.flags
    end as flags,
    contradictions.figure_id is not null as exceeds_national
from numbered
left join contradictions on numbered.figure_id = contradictions.figure_id
