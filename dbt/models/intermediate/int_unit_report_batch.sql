-- The unit-report files this build carries through validation, verdicts and facts: every file
-- read on a full build; otherwise those not yet marked done in int_unit_report_files_built
-- (which the previous build wrote last, so a build that failed halfway is simply redone).
{%- set built = adapter.get_relation(
    database=this.database, schema=this.schema, identifier='int_unit_report_files_built'
) %}
{#- A condition either way, so that the model reads (and lints) the same in both cases. -#}
{%- set not_yet_built = 'true' if built is none or flags.FULL_REFRESH
    else 'file_hash not in (select built.file_hash from ' ~ built ~ ' as built)' %}

select
    file_hash,
    first_seen_at
from {{ ref('stg_files') }}
where
    kind = 'unit_report'
    and file_verdict = 'read'
    and {{ not_yet_built }}
