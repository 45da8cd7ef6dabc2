-- One row per distinct file content, typed and trimmed.
select
    file_hash,
    path,
    kind,
    lower(trim(format)) as format,
    encoding,
    size_bytes,
    file_verdict,
    nullif(trim(reject_reason), '') as reject_reason,
    lines_in,
    nullif(trim(extra_columns), '') as extra_columns,
    first_seen_at,
    ingest_run_id
from {{ source('raw', 'files') }}
