-- The unit-report files this build carries through validation, verdicts and facts: every file
-- read on a full build; otherwise those not yet marked done in int_unit_report_files_built
-- (which the previous build wrote last, so a build that failed halfway is simply redone).
{%- set built = adapter.get_relation(
    database=this.database, schema=this.schema, identifier='int_unit_report_files_built'
) %}

select
    file_hash,
    first_seen_at
from {{ ref('stg_files') }}
where
    kind = 'unit_report'
    and file_verdict = 'read'
{%- if built is not none and not flags.FULL_REFRESH %}
        and file_hash not in (select built.file_hash from {{ built }} as built)
    {%- endif %}
