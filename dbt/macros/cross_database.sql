{#- Small cross-database helpers: DuckDB spellings here, portable defaults beside them, so that
    another adapter only needs a `<adapter>__` variant (issue 6, scale path). -#}

{#- A cast that yields null instead of failing (dbt's own safe_cast is a plain cast on DuckDB). -#}
{% macro try_cast_to(expression, data_type) -%}
    {{ return(adapter.dispatch('try_cast_to', 'jornadas')(expression, data_type)) }}
{%- endmacro %}

{% macro default__try_cast_to(expression, data_type) -%}
    {{ dbt.safe_cast(expression, data_type) }}
{%- endmacro %}

{% macro duckdb__try_cast_to(expression, data_type) -%}
    try_cast({{ expression }} as {{ data_type }})
{%- endmacro %}

{#- True when the whole text matches a regular expression (POSIX-style classes only). -#}
{% macro matches_pattern(expression, pattern) -%}
    {{ return(adapter.dispatch('matches_pattern', 'jornadas')(expression, pattern)) }}
{%- endmacro %}

{% macro default__matches_pattern(expression, pattern) -%}
    ({{ expression }} ~ '{{ pattern }}')
{%- endmacro %}

{% macro duckdb__matches_pattern(expression, pattern) -%}
    regexp_full_match({{ expression }}, '{{ pattern }}')
{%- endmacro %}

{#- A timestamp with time zone seen as wall-clock time in a named zone. -#}
{% macro local_time(expression, time_zone) -%}
    {{ return(adapter.dispatch('local_time', 'jornadas')(expression, time_zone)) }}
{%- endmacro %}

{% macro default__local_time(expression, time_zone) -%}
    ({{ expression }} at time zone '{{ time_zone }}')
{%- endmacro %}

{#- Text that is equal for two groups exactly when they hold the same rows in any order (an
    aggregate); a row is the list of `expressions`, of any types. Portable default: the rows
    as text, sorted and joined. -#}
{% macro multiset_fingerprint(expressions) -%}
    {{ return(adapter.dispatch('multiset_fingerprint', 'jornadas')(expressions)) }}
{%- endmacro %}

{% macro default__multiset_fingerprint(expressions) -%}
    {%- set row_text = [] -%}
    {%- for expression in expressions -%}
        {%- do row_text.append(
            "coalesce(cast(" ~ expression ~ " as " ~ dbt.type_string() ~ "), '<null>')"
        ) -%}
    {%- endfor -%}
    {%- set row = row_text | join(" || '/' || ") %}
    {{ dbt.listagg(row, "';'", "order by " ~ row) }}
{%- endmacro %}

{#- DuckDB: the count and the sum of the rows' 64-bit hashes, in constant memory per group.
    The sorted join held every line of a group at once: on the national-year build (26 M
    lines) it ran out of its 1.5 GB and took 47 s where this takes 5 s. The hash is taken of
    the typed values, not of a text built from them: 3.7 -> 0.9 s for int_unit_reports at
    national-year. Two different groups match only if their hash sums collide. DuckDB's hash
    may change between versions, so the build fingerprint includes DuckDB's version
    (dagster_project/defs/dbt.py). -#}
{% macro duckdb__multiset_fingerprint(expressions) -%}
    cast(count(*) as {{ dbt.type_string() }}) || ':'
    || cast(sum(hash({{ expressions | join(', ') }})) as {{ dbt.type_string() }})
{%- endmacro %}

{#- An md5 key over several columns, null kept apart from any text (dbt_utils' idea). -#}
{% macro surrogate_key(columns) -%}
    {{ return(adapter.dispatch('surrogate_key', 'jornadas')(columns)) }}
{%- endmacro %}

{% macro _surrogate_key_parts(columns) -%}
    {%- set parts = [] -%}
    {%- for column in columns -%}
        {%- do parts.append(
            "coalesce(cast(" ~ column ~ " as " ~ api.Column.translate_type('string')
            ~ "), '<null>')"
        ) -%}
    {%- endfor -%}
    {%- do return(parts) -%}
{%- endmacro %}

{% macro default__surrogate_key(columns) -%}
    {{ dbt.hash(_surrogate_key_parts(columns) | join(" || '|' || ")) }}
{%- endmacro %}

{#- DuckDB: the same text and the same md5, joined by concat_ws, which builds each line's text
    once instead of once per `||`: 2.3 s less of int_unit_report_lines' 16 s at national-year
    (26 M lines, BENCHMARKS.md, tenth round). -#}
{% macro duckdb__surrogate_key(columns) -%}
    {{ dbt.hash("concat_ws('|', " ~ _surrogate_key_parts(columns) | join(", ") ~ ")") }}
{%- endmacro %}

{#- The key that ties a line to its report inside the build, several columns in one: on DuckDB
    its 64-bit hash, an integer to join and group by; the md5 surrogate_key of every line cost
    4.6 of int_unit_report_lines' 15.4 s at national-year (26 M lines, BENCHMARKS.md, fourteenth
    round). Unlike the published report_id (surrogate_key, computed once per report in
    report_rows), two reports could share one: report_rows groups by the key and the columns
    together, so such a pair gives two rows of one report_key, which the unique test of
    int_unit_reports and int_goal_reports reports as an error. It is the pre-filter's hash
    (prefilter_hash, below): on other adapters the md5 of surrogate_key. -#}
{% macro report_key(columns) -%}
    {{ prefilter_hash(columns) }}
{%- endmacro %}

{#- A cheap hash of several expressions, for a pre-filter only: equal values give equal
    hashes, but two different values may share one, so whatever it selects must be compared
    again on the expressions themselves. Portable default: the md5 of surrogate_key. -#}
{% macro prefilter_hash(expressions) -%}
    {{ return(adapter.dispatch('prefilter_hash', 'jornadas')(expressions)) }}
{%- endmacro %}

{% macro default__prefilter_hash(expressions) -%}
    {{ surrogate_key(expressions) }}
{%- endmacro %}

{#- DuckDB: its 64-bit hash, one integer to group by instead of several texts. -#}
{% macro duckdb__prefilter_hash(expressions) -%}
    hash({{ expressions | join(', ') }})
{%- endmacro %}

{#- The program's ISO weekday name (1 = Monday) in Spanish or English. -#}
{% macro weekday_name(iso_weekday_expression, language) -%}
    {%- set names = {
        'es': ['lunes', 'martes', 'miércoles', 'jueves', 'viernes', 'sábado', 'domingo'],
        'en': ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'],
    } -%}
    case {{ iso_weekday_expression }}
        {%- for name in names[language] %}
        when {{ loop.index }} then '{{ name }}'
        {%- endfor %}
    end
{%- endmacro %}

{% macro month_name(month_expression, language) -%}
    {%- set names = {
        'es': ['enero', 'febrero', 'marzo', 'abril', 'mayo', 'junio', 'julio', 'agosto',
               'septiembre', 'octubre', 'noviembre', 'diciembre'],
        'en': ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August',
               'September', 'October', 'November', 'December'],
    } -%}
    case {{ month_expression }}
        {%- for name in names[language] %}
        when {{ loop.index }} then '{{ name }}'
        {%- endfor %}
    end
{%- endmacro %}
