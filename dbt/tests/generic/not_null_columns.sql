{#- None of `columns` is null: dbt's not_null for several columns of a model in one scan and
    one test node (each dbt node costs ~85 ms of dbt's own overhead, and 103 per-column not_null
    tests were the largest group of nodes). A failing row shows the columns checked. -#}
{% test not_null_columns(model, columns) %}
    select {{ columns | join(', ') }}
    from {{ model }}
    where
        {%- for column in columns %}
            {{ "or " if not loop.first }}{{ column }} is null
        {%- endfor %}
{% endtest %}
