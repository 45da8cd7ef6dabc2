-- Every report held back: rejected (it has invalid lines) or in conflict (another valid report
-- has the same unit, jornada and submitted_at but different content). Their lines are
-- quarantined; the unit is asked to resubmit. Unit reports and goals alike.
with verdicts as (
    select
        'unit_report' as kind,
        *
    from {{ ref('int_unit_report_verdicts') }}
    where verdict in ('rejected', 'conflict')

    union all

    select
        'goal' as kind,
        *
    from {{ ref('int_goal_report_verdicts') }}
    where verdict in ('rejected', 'conflict')
),

files as (
    select
        file_hash,
        path
    from {{ ref('stg_files') }}
),

-- Named and routed to an OOAD, so that the weekly report can send the request to resubmit to
-- the right OOAD (macro delivered_units).
units as (
    {{ delivered_units('verdicts') }}
),

conflicting_files as (
    select
        held.report_id,
        {{ dbt.listagg('other_files.path', "', '", 'order by other_files.path') }} as other_paths
    from verdicts as held
    inner join verdicts as same_key
        on
            held.kind = same_key.kind
            and held.unit_id = same_key.unit_id
            and held.jornada_id = same_key.jornada_id
            and held.submitted_at = same_key.submitted_at
            and held.report_id <> same_key.report_id
            and same_key.verdict = 'conflict'
    inner join files as other_files on same_key.file_hash = other_files.file_hash
    where held.verdict = 'conflict'
    group by held.report_id
)

select
    verdicts.kind,
    verdicts.report_id,
    verdicts.unit_id,
    units.unit_name,
    units.ooad_id,
    verdicts.jornada_id,
    verdicts.submitted_at_text,
    -- an invalid submission time has no instant (it was not ISO 8601 with an offset)
    case
        when {{ matches_pattern('verdicts.submitted_at_text', iso_timestamp_with_offset_pattern()) }}
            then verdicts.submitted_at
    end as submitted_at,
    files.path,
    verdicts.file_hash,
    verdicts.report_no,
    verdicts.verdict,
    case
        when verdicts.verdict = 'rejected'
            then
                cast(verdicts.n_invalid_lines as {{ dbt.type_string() }}) || ' of '
                || cast(verdicts.n_lines as {{ dbt.type_string() }})
                || ' lines are invalid (' || verdicts.invalid_reason_codes
                || '); the whole report is held and the previous version, if any, stays in force.'
        else
            'Another report for the same unit, national day and submission time has different content ('
            || coalesce(conflicting_files.other_paths, 'same file')
            || '); both are held and the previous version, if any, stays in force.'
            || ' Send one corrected report with a new submission time.'
    end as reason,
    verdicts.n_lines,
    verdicts.n_invalid_lines
from verdicts
left join files on verdicts.file_hash = files.file_hash
left join units on verdicts.unit_id = units.unit_id
left join conflicting_files on verdicts.report_id = conflicting_files.report_id
