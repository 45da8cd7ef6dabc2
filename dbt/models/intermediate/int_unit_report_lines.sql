-- Staged unit-report lines with the key of the report they belong to: a report is the set of
-- lines sharing (file, JSON report position, unit, jornada, submitted_at as delivered).
select
    {{ surrogate_key(['file_hash', 'report_no', 'unit_id', 'jornada_id', 'submitted_at_text']) }}
        as report_id,
    file_hash,
    line_no,
    report_no,
    unit_id,
    jornada_id,
    service_date_text,
    service_date,
    activity,
    specialty,
    quantity_text,
    quantity_number,
    submitted_at_text,
    submitted_at
from {{ ref('stg_unit_report_lines') }}
