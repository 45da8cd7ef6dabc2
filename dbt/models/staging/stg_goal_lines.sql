-- Goal lines as delivered, trimmed, '' read as missing, and typed where the text allows;
-- the text stays beside each typed column so that validation can quote what was sent.
with source as (
    select * from {{ source('raw', 'goal_lines') }}
),

trimmed as (
    select
        file_hash,
        line_no,
        nullif(trim(unit_id), '') as unit_id,
        nullif(trim(jornada_id), '') as jornada_id,
        nullif(trim(activity), '') as activity,
        nullif(trim(specialty), '') as specialty,
        nullif(trim(target), '') as target_text,
        nullif(trim(submitted_at), '') as submitted_at_text
    from source
)

select
    file_hash,
    line_no,
    unit_id,
    jornada_id,
    activity,
    specialty,
    target_text,
    {{ try_cast_to('target_text', 'double') }} as target_number,
    submitted_at_text,
    {{ try_cast_to('submitted_at_text', 'timestamp with time zone') }} as submitted_at
from trimmed
