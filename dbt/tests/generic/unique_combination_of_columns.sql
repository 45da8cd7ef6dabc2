{#- No two rows share these columns (nulls compare equal, as a grain should). -#}
{% test unique_combination_of_columns(model, combination_of_columns) %}
    {{ return(adapter.dispatch('test_unique_combination_of_columns', 'jornadas')(
        model, combination_of_columns
    )) }}
{% endtest %}
