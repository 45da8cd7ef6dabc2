-- Every failed check of every goal line: one row per (line, failed check), with the reason code
-- of docs/ARCHITECTURE.md (quantity codes apply to `target`), the column at fault, what was
-- delivered and plain words.
with lines as (
    select * from {{ ref('int_goal_lines') }}
),

units as (
    select unit_id from {{ ref('units') }}
),

calendar as (
    select jornada_id from {{ ref('int_jornada_calendar') }}
),

activities as (
    select
        activity,
        cast(requires_specialty as boolean) as requires_specialty
    from {{ ref('activities') }}
),

specialties as (
    select specialty from {{ ref('specialties') }}
),

checked_lines as (
    select
        lines.*,
        units.unit_id is not null as is_known_unit,
        calendar.jornada_id is not null as is_known_jornada,
        activities.activity is not null as is_known_activity,
        activities.requires_specialty,
        specialties.specialty is not null as is_known_specialty,
        coalesce(
            {{ matches_pattern('lines.target_text', number_pattern()) }}
            and lines.target_number is not null
            -- beyond any real count, and beyond what a bigint (the facts' type) holds
            and abs(lines.target_number) < 1e12,
            false
        ) as is_number,
        coalesce(
            {{ matches_pattern('lines.submitted_at_text', iso_timestamp_with_offset_pattern()) }}
            and lines.submitted_at is not null,
            false
        ) as is_valid_timestamp,
        row_number() over (
            partition by lines.report_id, lines.activity, lines.specialty
            order by lines.line_no
        ) as occurrence_no,
        min(lines.line_no) over (
            partition by lines.report_id, lines.activity, lines.specialty
        ) as first_occurrence_line_no
    from lines
    left join units on lines.unit_id = units.unit_id
    left join calendar on lines.jornada_id = calendar.jornada_id
    left join activities on lines.activity = activities.activity
    left join specialties on lines.specialty = specialties.specialty
),

failed_checks as (
    {{ missing_value_checks('checked_lines', [
        {'name': 'unit_id', 'expression': 'unit_id'},
        {'name': 'jornada_id', 'expression': 'jornada_id'},
        {'name': 'activity', 'expression': 'activity'},
        {'name': 'target', 'expression': 'target_text'},
        {'name': 'submitted_at', 'expression': 'submitted_at_text'},
    ]) }}

    union all

    {{ failed_check(
        'checked_lines', 'unknown_unit', 'unit_id', 'unit_id',
        'unit_id is not null and not is_known_unit',
        "'The unit ' || unit_id || ' is not in the IMSS units catalog; check the unit key (CLUES).'"
    ) }}

    union all

    {{ failed_check(
        'checked_lines', 'unknown_jornada', 'jornada_id', 'jornada_id',
        'jornada_id is not null and not is_known_jornada',
        "'The national day ' || jornada_id || ' is not in the calendar; write it as year-number, e.g. 2021-14.'"
    ) }}

    union all

    {{ failed_check(
        'checked_lines', 'unknown_activity', 'activity', 'activity',
        'activity is not null and not is_known_activity',
        "'The activity ' || activity || ' is not one of the activity codes.'"
    ) }}

    union all

    {{ failed_check(
        'checked_lines', 'unknown_specialty', 'specialty', 'specialty',
        'specialty is not null and not is_known_specialty',
        "'The specialty ' || specialty || ' is not one of the specialty codes.'"
    ) }}

    union all

    {{ failed_check(
        'checked_lines', 'specialty_not_allowed', 'specialty', 'specialty',
        'specialty is not null and is_known_activity and not requires_specialty',
        "'The activity ' || activity || ' takes no specialty, but ' || specialty || ' was given; leave the specialty empty.'"
    ) }}

    union all

    {{ failed_check(
        'checked_lines', 'specialty_required', 'specialty', 'specialty',
        'specialty is null and is_known_activity and requires_specialty',
        "'The activity ' || activity || ' needs a specialty (for example general_surgery), but none was given.'"
    ) }}

    union all

    {{ failed_check(
        'checked_lines', 'invalid_quantity', 'target', 'target_text',
        'target_text is not null and not is_number',
        "'The target ' || target_text || case when abs(target_number) >= 1e12"
        ~ " then ' is too large to be a count.' else ' is not a number.' end"
    ) }}

    union all

    {{ failed_check(
        'checked_lines', 'fractional_quantity', 'target', 'target_text',
        'is_number and target_number <> floor(target_number)',
        "'The target ' || target_text || ' is not a whole number; plan whole services.'"
    ) }}

    union all

    {{ failed_check(
        'checked_lines', 'negative_quantity', 'target', 'target_text',
        'is_number and target_number < 0',
        "'The target ' || target_text || ' is negative; write 0 when nothing is planned.'"
    ) }}

    union all

    {{ failed_check(
        'checked_lines', 'invalid_timestamp', 'submitted_at', 'submitted_at_text',
        'submitted_at_text is not null and not is_valid_timestamp',
        "'The submission time ' || submitted_at_text || ' is not an ISO 8601 time with its UTC offset, e.g. 2021-12-20T10:00:00-06:00.'"
    ) }}

    union all

    {{ failed_check(
        'checked_lines', 'duplicate_line', 'activity', 'activity',
        'occurrence_no > 1 and activity is not null',
        "'This line repeats the activity and specialty of line ' || cast(first_occurrence_line_no as "
        ~ dbt.type_string() ~ ") || ' of the same goals report; send each combination once.'"
    ) }}
)

select
    file_hash,
    line_no,
    report_id,
    unit_id,
    jornada_id,
    column_name,
    reason_code,
    value_delivered,
    reason
from failed_checks
