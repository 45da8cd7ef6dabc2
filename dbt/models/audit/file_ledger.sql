-- One row per distinct file content ever delivered: what happened to it and to its lines.
-- lines_in = lines_loaded + lines_quarantined for every file (tested). A rejected file loads
-- nothing: every line counted in it is quarantined with the file.
with files as (
    select * from {{ ref('stg_files') }}
),

sightings as (
    select
        file_hash,
        count(*) as n_sightings,
        count(distinct path) as n_paths,
        max(seen_at) as last_seen_at
    from {{ ref('stg_file_sightings') }}
    group by file_hash
),

-- One row per report version with its lines (n_lines): the lines of a file are those of its
-- reports, so the ledger counts them from the verdicts rather than reading every line again.
verdicts as (
    select
        file_hash,
        n_lines,
        verdict,
        is_loaded
    from {{ ref('int_unit_report_verdicts') }}

    union all

    select
        file_hash,
        n_lines,
        verdict,
        is_loaded
    from {{ ref('int_goal_report_verdicts') }}
),

report_outcomes as (
    select
        file_hash,
        sum(n_lines) as lines_landed,
        sum(case when is_loaded then n_lines else 0 end) as lines_loaded,
        sum(case when is_loaded then 0 else n_lines end) as lines_quarantined,
        count(*) as n_reports,
        sum(case when verdict = 'in_force' then 1 else 0 end) as reports_in_force,
        sum(case when verdict = 'superseded' then 1 else 0 end) as reports_superseded,
        sum(case when verdict = 'duplicate' then 1 else 0 end) as reports_duplicate,
        sum(case when verdict = 'rejected' then 1 else 0 end) as reports_rejected,
        sum(case when verdict = 'conflict' then 1 else 0 end) as reports_conflict
    from verdicts
    group by file_hash
),

ledger as (
    select
        files.*,
        coalesce(report_outcomes.lines_landed, 0) as lines_landed,
        case
            when files.file_verdict = 'rejected' then 0
            when files.kind = 'bulletin' then files.lines_in
            else coalesce(report_outcomes.lines_loaded, 0)
        end as lines_loaded,
        case
            when files.file_verdict = 'rejected' then files.lines_in
            when files.kind = 'bulletin' then 0
            else coalesce(report_outcomes.lines_quarantined, 0)
        end as lines_quarantined,
        coalesce(report_outcomes.n_reports, 0) as n_reports,
        coalesce(report_outcomes.reports_in_force, 0) as reports_in_force,
        coalesce(report_outcomes.reports_superseded, 0) as reports_superseded,
        coalesce(report_outcomes.reports_duplicate, 0) as reports_duplicate,
        coalesce(report_outcomes.reports_rejected, 0) as reports_rejected,
        coalesce(report_outcomes.reports_conflict, 0) as reports_conflict,
        coalesce(sightings.n_sightings, 1) as n_sightings,
        coalesce(sightings.n_paths, 1) as n_paths,
        coalesce(sightings.last_seen_at, files.first_seen_at) as last_seen_at
    from files
    left join report_outcomes on files.file_hash = report_outcomes.file_hash
    left join sightings on files.file_hash = sightings.file_hash
)

select
    file_hash,
    path,
    kind,
    format,
    encoding,
    size_bytes,
    case
        when file_verdict = 'rejected' then 'rejected'
        when lines_quarantined = 0 then 'accepted'
        when lines_loaded = 0 then 'rejected'
        else 'partially_accepted'
    end as verdict,
    case
        when file_verdict = 'rejected' then {{ dbt.split_part('reject_reason', "':'", 1) }}
        when lines_quarantined > 0 then 'reports_quarantined'
    end as reason_code,
    case
        when file_verdict = 'rejected' then reject_reason
        when lines_quarantined > 0
            then
                cast(reports_rejected + reports_conflict as {{ dbt.type_string() }}) || ' of '
                || cast(n_reports as {{ dbt.type_string() }}) || ' reports held ('
                || cast(reports_rejected as {{ dbt.type_string() }}) || ' rejected for invalid lines, '
                || cast(reports_conflict as {{ dbt.type_string() }})
                || ' in conflict); see audit.quarantined_reports and audit.rejected_lines.'
    end as reason,
    cast(lines_in as bigint) as lines_in,
    cast(lines_loaded as bigint) as lines_loaded,
    cast(lines_quarantined as bigint) as lines_quarantined,
    cast(lines_landed as bigint) as lines_landed,
    cast(n_reports as bigint) as n_reports,
    cast(reports_in_force as bigint) as reports_in_force,
    cast(reports_superseded as bigint) as reports_superseded,
    cast(reports_duplicate as bigint) as reports_duplicate,
    cast(reports_rejected as bigint) as reports_rejected,
    cast(reports_conflict as bigint) as reports_conflict,
    extra_columns,
    first_seen_at,
    last_seen_at,
    cast(n_sightings as bigint) as n_sightings,
    cast(n_paths as bigint) as n_paths,
    ingest_run_id,
    -- The contract's plain name (interface.md: "hash, path, format, verdict, ...").
    file_hash as hash  -- noqa: RF04
from ledger
