-- Every (file content, path) pair seen by the ingest.
select
    file_hash,
    path,
    seen_at
from {{ source('raw', 'file_sightings') }}
