{#- Shapes the raw contract accepts, as full-match regular expressions. -#}
{% macro iso_date_pattern() -%}
    [0-9]{4}-[0-9]{2}-[0-9]{2}
{%- endmacro %}

{% macro number_pattern() -%}
    [+-]?([0-9]+([.][0-9]*)?|[.][0-9]+)([eE][+-]?[0-9]+)?
{%- endmacro %}

{% macro iso_timestamp_with_offset_pattern() -%}
    [0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}(:[0-9]{2}([.][0-9]+)?)?([Zz]|[+-][0-9]{2}(:?[0-9]{2})?)
{%- endmacro %}

{#- One failed check as rows of the line-checks shape: one row per line that fails it.
    `from_relation` must carry file_hash, line_no, report_key, unit_id, jornada_id. -#}
{% macro failed_check(from_relation, reason_code, column_name, value, condition, reason) -%}
    select
        file_hash,
        line_no,
        report_key,
        unit_id,
        jornada_id,
        '{{ column_name }}' as column_name,
        '{{ reason_code }}' as reason_code,
        cast({{ value }} as {{ api.Column.translate_type('string') }}) as value_delivered,
        {{ reason }} as reason
    from {{ from_relation }}
    where {{ condition }}
{%- endmacro %}

{#- The union of `failed_check` over `checks`, each a dict of its arguments but the relation. -#}
{% macro failed_checks(from_relation, checks) -%}
    {%- for check in checks %}
    {{ failed_check(
        from_relation, check.code, check.column, check.value, check.condition, check.reason
    ) }}
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
{%- endmacro %}

{#- Every failed check of contract lines, goals and unit reports alike: one row per (line, failed
    check), with the reason code of docs/ARCHITECTURE.md, the column at fault, what was delivered
    and plain words.
    `lines` carries file_hash, line_no, report_key, unit_id, jornada_id, activity, specialty,
    submitted_at_text, submitted_at and the count as `<quantity>_text` and `<quantity>_number`
    (quantity: 'quantity' or 'target'; whole_hint and zero_hint end its messages). `dated`
    lines also carry service_date_text and service_date: the date is checked, and is part of
    what makes a line a repeat within its report (`report_name` in the message). -#}
{% macro line_checks(lines, quantity, whole_hint, zero_hint, report_name, dated) -%}
{#- What makes a line a repeat within its report, besides the report: (name, expression over
    the line aliased `lines`). -#}
{%- set line_key = [] -%}
{%- if dated -%}
    {%- do line_key.append((
        'service_date_key',
        'coalesce(cast(lines.service_date as ' ~ dbt.type_string() ~ '), lines.service_date_text)',
    )) -%}
{%- endif -%}
{%- do line_key.extend([('activity', 'lines.activity'), ('specialty', 'lines.specialty')]) -%}
{%- set required = [
    {'name': 'unit_id', 'expression': 'unit_id'},
    {'name': 'jornada_id', 'expression': 'jornada_id'},
] -%}
{%- if dated -%}
    {%- do required.append({'name': 'service_date', 'expression': 'service_date_text'}) -%}
{%- endif -%}
{%- do required.extend([
    {'name': 'activity', 'expression': 'activity'},
    {'name': quantity, 'expression': quantity ~ '_text'},
    {'name': 'submitted_at', 'expression': 'submitted_at_text'},
]) -%}
{#- The checks, in the order of docs/ARCHITECTURE.md's reason codes: the code, the column at
    fault, what was delivered, when a line fails it, and the reason in plain words (SQL). -#}
{%- set checks = [] -%}
{%- for column in required -%}
    {%- do checks.append({
        'code': 'missing_value', 'column': column.name, 'value': 'null',
        'condition': column.expression ~ ' is null',
        'reason': "'The column " ~ column.name ~ " is empty, but every line must give it.'",
    }) -%}
{%- endfor -%}
{%- do checks.extend([
    {
        'code': 'unknown_unit', 'column': 'unit_id', 'value': 'unit_id',
        'condition': 'unit_id is not null and not is_known_unit',
        'reason': "'The unit ' || unit_id || ' is not in the IMSS units catalog; check the unit key (CLUES).'",
    },
    {
        'code': 'unknown_jornada', 'column': 'jornada_id', 'value': 'jornada_id',
        'condition': 'jornada_id is not null and not is_known_jornada',
        'reason': "'The national day ' || jornada_id || ' is not in the calendar; write it as year-number, e.g. 2021-14.'",
    },
    {
        'code': 'unknown_activity', 'column': 'activity', 'value': 'activity',
        'condition': 'activity is not null and not is_known_activity',
        'reason': "'The activity ' || activity || ' is not one of the activity codes.'",
    },
    {
        'code': 'unknown_specialty', 'column': 'specialty', 'value': 'specialty',
        'condition': 'specialty is not null and not is_known_specialty',
        'reason': "'The specialty ' || specialty || ' is not one of the specialty codes.'",
    },
    {
        'code': 'specialty_not_allowed', 'column': 'specialty', 'value': 'specialty',
        'condition': 'specialty is not null and is_known_activity and not requires_specialty',
        'reason': "'The activity ' || activity || ' takes no specialty, but ' || specialty || ' was given; leave the specialty empty.'",
    },
    {
        'code': 'specialty_required', 'column': 'specialty', 'value': 'specialty',
        'condition': 'specialty is null and is_known_activity and requires_specialty',
        'reason': "'The activity ' || activity || ' needs a specialty (for example general_surgery), but none was given.'",
    },
]) -%}
{%- if dated -%}
    {%- do checks.extend([
        {
            'code': 'invalid_date', 'column': 'service_date', 'value': 'service_date_text',
            'condition': 'service_date_text is not null and not is_valid_date',
            'reason': "'The service date ' || service_date_text || ' is not a real date written as YYYY-MM-DD.'",
        },
        {
            'code': 'date_outside_jornada', 'column': 'service_date', 'value': 'service_date_text',
            'condition': 'is_valid_date and is_known_jornada and (service_date < jornada_start_date or service_date > jornada_end_date)',
            'reason': "'The service date ' || service_date_text || ' is outside the national day ' || jornada_id || ', which ran from '"
                ~ " || cast(jornada_start_date as " ~ dbt.type_string() ~ ") || ' to '"
                ~ " || cast(jornada_end_date as " ~ dbt.type_string() ~ ") || '.'",
        },
    ]) -%}
{%- endif -%}
{%- do checks.extend([
    {
        'code': 'invalid_quantity', 'column': quantity, 'value': quantity ~ '_text',
        'condition': quantity ~ '_text is not null and not is_number',
        'reason': "'The " ~ quantity ~ " ' || " ~ quantity ~ "_text || case when abs(" ~ quantity ~ "_number) >= 1e12"
            ~ " then ' is too large to be a count.' else ' is not a number.' end",
    },
    {
        'code': 'fractional_quantity', 'column': quantity, 'value': quantity ~ '_text',
        'condition': 'is_number and ' ~ quantity ~ '_number <> floor(' ~ quantity ~ '_number)',
        'reason': "'The " ~ quantity ~ " ' || " ~ quantity ~ "_text || ' is not a whole number; " ~ whole_hint ~ ".'",
    },
    {
        'code': 'negative_quantity', 'column': quantity, 'value': quantity ~ '_text',
        'condition': 'is_number and ' ~ quantity ~ '_number < 0',
        'reason': "'The " ~ quantity ~ " ' || " ~ quantity ~ "_text || ' is negative; " ~ zero_hint ~ ".'",
    },
    {
        'code': 'invalid_timestamp', 'column': 'submitted_at', 'value': 'submitted_at_text',
        'condition': 'submitted_at_text is not null and not is_valid_timestamp',
        'reason': "'The submission time ' || submitted_at_text || ' is not an ISO 8601 time with its UTC offset, e.g. 2021-12-20T10:00:00-06:00.'",
    },
    {
        'code': 'duplicate_line', 'column': 'activity', 'value': 'activity',
        'condition': 'is_repeated_line and activity is not null',
        'reason': "'This line repeats the " ~ ('date, ' if dated else '') ~ "activity and specialty of line ' || "
            ~ "cast(first_occurrence_line_no as " ~ dbt.type_string() ~ ") || ' of the same " ~ report_name
            ~ "; send each combination once.'",
    },
]) -%}
{#- Every reader of `lines` scans it itself: a CTE read twice is materialized by DuckDB (4 GB
    at national-year, spilled to disk), which took 13 of this model's 28 s. -#}
{%- set key_expressions = ['lines.report_key'] -%}
{%- for name, expression in line_key -%}
    {%- do key_expressions.append(expression) -%}
{%- endfor -%}
{%- set line_key_hash = prefilter_hash(key_expressions) %}
with units as (
    select unit_id from {{ ref('units') }}
),

calendar as (
    select
        jornada_id,
        start_date,
        end_date
    from {{ ref('int_jornada_calendar') }}
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

-- The keys shared by more than one line of a report, with the first of those lines, in two
-- hash aggregates: the first over one hash per line finds the few keys that can repeat (7 s
-- less than grouping every line by its texts, at national-year), the second confirms them on
-- the texts themselves. A window over every line was once the heaviest step of the build.
repeated_key_hashes as (
    select {{ line_key_hash }} as key_hash
    from {{ lines }} as lines
    group by {{ line_key_hash }}
    having count(*) > 1
),

repeated_lines as (
    select
        lines.report_key,
        {%- for name, expression in line_key %}
        {{ expression }} as {{ name }},
        {%- endfor %}
        min(lines.line_no) as first_occurrence_line_no
    from {{ lines }} as lines
    where {{ line_key_hash }} in (select key_hash from repeated_key_hashes)
    group by
        lines.report_key
        {%- for name, expression in line_key %},
        {{ expression }}
        {%- endfor %}
    having count(*) > 1
),

checked_lines as (
    select
        lines.*,
        units.unit_id is not null as is_known_unit,
        calendar.jornada_id is not null as is_known_jornada,
        calendar.start_date as jornada_start_date,
        calendar.end_date as jornada_end_date,
        activities.activity is not null as is_known_activity,
        activities.requires_specialty,
        specialties.specialty is not null as is_known_specialty,
        {%- if dated %}
        coalesce(
            {{ matches_pattern('lines.service_date_text', iso_date_pattern()) }}
            and lines.service_date is not null,
            false
        ) as is_valid_date,
        {%- endif %}
        coalesce(
            {{ matches_pattern('lines.' ~ quantity ~ '_text', number_pattern()) }}
            and lines.{{ quantity }}_number is not null
            -- beyond any real count, and beyond what a bigint (the facts' type) holds
            and abs(lines.{{ quantity }}_number) < 1e12,
            false
        ) as is_number,
        coalesce(
            {{ matches_pattern('lines.submitted_at_text', iso_timestamp_with_offset_pattern()) }}
            and lines.submitted_at is not null,
            false
        ) as is_valid_timestamp,
        coalesce(lines.line_no > repeated.first_occurrence_line_no, false) as is_repeated_line,
        repeated.first_occurrence_line_no
    from {{ lines }} as lines
    left join repeated_lines as repeated
        on
            lines.report_key = repeated.report_key
            {%- for name, expression in line_key %}
            and {{ expression }} is not distinct from repeated.{{ name }}
            {%- endfor %}
    left join units on lines.unit_id = units.unit_id
    left join calendar on lines.jornada_id = calendar.jornada_id
    left join activities on lines.activity = activities.activity
    left join specialties on lines.specialty = specialties.specialty
),

failed_checks as (
    {{ failed_checks('checked_lines', checks) }}
)

select
    file_hash,
    line_no,
    report_key,
    unit_id,
    jornada_id,
    column_name,
    reason_code,
    value_delivered,
    reason
from failed_checks
{%- endmacro %}

{#- The columns that make a report: its file, its position in the file when `numbered` (JSON
    unit reports), and unit, jornada and submission time as delivered. The lines' report_key and
    the reports' report_id are both taken over these, in this order. -#}
{% macro report_key_columns(numbered) -%}
    {{ return(
        ['file_hash'] + (['report_no'] if numbered else [])
        + ['unit_id', 'jornada_id', 'submitted_at_text']
    ) }}
{%- endmacro %}

{#- One row per report (a version of what one unit did or planned for one jornada, as delivered
    in one file), with its size, its invalid lines and a fingerprint of its content: the input
    of report_verdicts. `lines` and `line_checks` are as line_checks takes and gives them
    (quantity, dated alike); `numbered` lines carry report_no, the report's position in its
    file (JSON), which is part of the report's key; the other reports get a null report_no.
    The lines' report_key (macro report_key) is grouped with the columns it stands for, and the
    published report_id (surrogate_key of those columns, in that order) is computed here, once
    per report instead of once per line. -#}
{% macro report_rows(lines, line_checks, quantity, dated, numbered) -%}
{%- set key_columns = report_key_columns(numbered) -%}
{%- set key = ['report_key'] + key_columns -%}
{#- What a line holds: each value as read, or the text sent when it could not be read. -#}
{%- set line_content = [
    'activity',
    'specialty',
    quantity ~ '_number',
    'case when ' ~ quantity ~ '_number is null then ' ~ quantity ~ '_text end',
] -%}
{%- if dated -%}
    {%- set line_content = [
        'service_date', 'case when service_date is null then service_date_text end'
    ] + line_content -%}
{%- endif -%}
with lines as (
    select * from {{ lines }}
),

line_checks as (
    select * from {{ line_checks }}
),

files as (
    select
        file_hash,
        first_seen_at
    from {{ ref('stg_files') }}
),

invalid_lines as (
    select
        report_key,
        count(distinct line_no) as n_invalid_lines
    from line_checks
    group by report_key
),

reason_codes as (
    select
        report_key,
        {{ dbt.listagg('reason_code', "', '", 'order by reason_code') }} as invalid_reason_codes
    from (
        select distinct
            report_key,
            reason_code
        from line_checks
    ) as distinct_codes
    group by report_key
),

reports as (
    select
        {{ key | join(',\n        ') }},
        {{ surrogate_key(key_columns) }} as report_id,
        min(submitted_at) as submitted_at,
        count(*) as n_lines,
        -- Same unit, jornada, instant and lines (in any order) = same content.
        {{ dbt.hash(
            "coalesce(unit_id, '') || '|' || coalesce(jornada_id, '') || '|'"
            ~ " || coalesce(cast(min(submitted_at) as " ~ dbt.type_string() ~ "), submitted_at_text, '') || '|'"
            ~ " || " ~ multiset_fingerprint(line_content)
        ) }} as content_fingerprint
    from lines
    group by {{ key | join(', ') }}
)

select
    reports.report_id,
    reports.report_key,
    reports.file_hash,
    {% if numbered -%}
        reports.report_no,
    {%- else -%}
        cast(null as bigint) as report_no,
    {%- endif %}
    reports.unit_id,
    reports.jornada_id,
    reports.submitted_at_text,
    reports.submitted_at,
    files.first_seen_at,
    reports.n_lines,
    coalesce(invalid_lines.n_invalid_lines, 0) as n_invalid_lines,
    reason_codes.invalid_reason_codes,
    reports.content_fingerprint
from reports
left join files on reports.file_hash = files.file_hash
left join invalid_lines on reports.report_key = invalid_lines.report_key
left join reason_codes on reports.report_key = reason_codes.report_key
{%- endmacro %}

{#- Verdict of every report version, per the raw contract (docs/ARCHITECTURE.md):
      rejected   - any invalid line;
      conflict   - a valid report whose (unit, jornada, submitted_at) is shared by a valid
                   report with different content: all of them are held;
      duplicate  - identical content (same key, same lines) already delivered;
      in_force   - the latest submitted_at of the remaining versions of (unit, jornada);
      superseded - an earlier version, replaced whole.
    An older version arriving later loses on submitted_at, whatever its arrival time, and a
    held conflict leaves the previous valid version in force.
    `reports` carries report_id, report_key, file_hash, report_no, unit_id, jornada_id,
    submitted_at, first_seen_at, n_invalid_lines, content_fingerprint. -#}
{% macro report_verdicts(reports) -%}
with reports as (
    select * from {{ reports }}
),

valid_reports as (
    select * from reports
    where n_invalid_lines = 0
),

contents_per_key as (
    select
        unit_id,
        jornada_id,
        submitted_at,
        count(distinct content_fingerprint) as n_contents,
        count(*) as n_reports
    from valid_reports
    group by unit_id, jornada_id, submitted_at
),

deliveries as (
    select
        valid_reports.report_id,
        valid_reports.unit_id,
        valid_reports.jornada_id,
        valid_reports.submitted_at,
        contents_per_key.n_contents > 1 as is_conflict,
        contents_per_key.n_reports - 1 as n_same_key_reports,
        row_number() over (
            partition by valid_reports.content_fingerprint
            order by valid_reports.first_seen_at, valid_reports.file_hash, valid_reports.report_no
        ) as delivery_no,
        first_value(valid_reports.report_id) over (
            partition by valid_reports.content_fingerprint
            order by valid_reports.first_seen_at, valid_reports.file_hash, valid_reports.report_no
        ) as first_delivery_report_id
    from valid_reports
    inner join contents_per_key
        on
            valid_reports.unit_id = contents_per_key.unit_id
            and valid_reports.jornada_id = contents_per_key.jornada_id
            and valid_reports.submitted_at = contents_per_key.submitted_at
),

latest_versions as (
    select
        unit_id,
        jornada_id,
        max(submitted_at) as in_force_submitted_at
    from deliveries
    where not is_conflict and delivery_no = 1
    group by unit_id, jornada_id
),

judged as (
    select
        reports.*,
        deliveries.n_same_key_reports,
        latest_versions.in_force_submitted_at,
        case
            when reports.n_invalid_lines > 0 then 'rejected'
            when deliveries.is_conflict then 'conflict'
            when deliveries.delivery_no > 1 then 'duplicate'
            when reports.submitted_at = latest_versions.in_force_submitted_at then 'in_force'
            else 'superseded'
        end as verdict,
        case
            when deliveries.delivery_no > 1 then deliveries.first_delivery_report_id
        end as duplicate_of_report_id
    from reports
    left join deliveries on reports.report_id = deliveries.report_id
    left join latest_versions
        on
            reports.unit_id = latest_versions.unit_id
            and reports.jornada_id = latest_versions.jornada_id
)

select
    report_id,
    report_key,
    file_hash,
    report_no,
    unit_id,
    jornada_id,
    submitted_at_text,
    submitted_at,
    first_seen_at,
    n_lines,
    n_invalid_lines,
    invalid_reason_codes,
    content_fingerprint,
    verdict,
    verdict in ('in_force', 'superseded', 'duplicate') as is_loaded,
    duplicate_of_report_id,
    case when verdict = 'superseded' then in_force_submitted_at end as superseded_by_submitted_at,
    case when verdict = 'conflict' then n_same_key_reports end as n_conflicting_reports
from judged
{%- endmacro %}
