-- Unit-report lines as delivered, trimmed, '' read as missing, and typed where the text allows;
-- the text stays beside each typed column so that validation can quote what was sent.
with source as (
    select * from {{ source('raw', 'unit_report_lines') }}
),

trimmed as (
    select
        file_hash,
        line_no,
        report_no,
        nullif(trim(unit_id), '') as unit_id,
        nullif(trim(jornada_id), '') as jornada_id,
        nullif(trim(service_date), '') as service_date_text,
        nullif(trim(activity), '') as activity,
        nullif(trim(specialty), '') as specialty,
        nullif(trim(quantity), '') as quantity_text,
        nullif(trim(submitted_at), '') as submitted_at_text
    from source
)

select
    file_hash,
    line_no,
    report_no,
    unit_id,
    jornada_id,
    service_date_text,
    {{ try_cast_to('service_date_text', 'date') }} as service_date,
    activity,
    specialty,
    quantity_text,
    {{ try_cast_to('quantity_text', 'double') }} as quantity_number,
    submitted_at_text,
    {{ try_cast_to('submitted_at_text', 'timestamp with time zone') }} as submitted_at
from trimmed
