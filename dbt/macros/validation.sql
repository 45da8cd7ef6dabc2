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
    `from_relation` must carry file_hash, line_no, report_id, unit_id, jornada_id. -#}
{% macro failed_check(from_relation, reason_code, column_name, value, condition, reason) -%}
    select
        file_hash,
        line_no,
        report_id,
        unit_id,
        jornada_id,
        '{{ column_name }}' as column_name,
        '{{ reason_code }}' as reason_code,
        cast({{ value }} as {{ api.Column.translate_type('string') }}) as value_delivered,
        {{ reason }} as reason
    from {{ from_relation }}
    where {{ condition }}
{%- endmacro %}

{#- `missing_value` for each required column that is empty. -#}
{% macro missing_value_checks(from_relation, columns) -%}
    {%- for column in columns %}
    {{ failed_check(
        from_relation, 'missing_value', column.name, 'null', column.expression ~ ' is null',
        "'The column " ~ column.name ~ " is empty, but every line must give it.'"
    ) }}
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
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
    `reports` carries report_id, file_hash, report_no, unit_id, jornada_id, submitted_at,
    first_seen_at, n_invalid_lines, content_fingerprint. -#}
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
