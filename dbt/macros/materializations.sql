{#
  The table and view materializations, replaced in one transaction instead of swapped.

  dbt-duckdb builds a table as <name>__dbt_tmp, looks up its indexes, renames the old one to
  <name>__dbt_backup, renames the new one into place, commits and drops the backup: seven
  statements and two macro calls with their own contexts, about 30 ms of dbt's Python per
  node, whatever the data (dbt's view materialization does the same with views). DuckDB's DDL
  is transactional, so dropping the old relation and creating the new one in one transaction
  is as atomic for every other connection: it sees the old relation until the commit, and a
  failed build rolls the drop back. Neither DuckDB nor this project has what the swap exists
  for elsewhere (indexes, grants, foreign keys between models).

  Only what this project configures is handled: SQL models, hooks, contracts (through
  create_table_as and get_create_view_as_sql), persist_docs. Anything else is refused at compile time
  rather than silently ignored.
#}

{# The body of both: the new relation's SQL is rendered inside the statement, after the pre-hooks. #}
{% macro _replace_in_transaction(relation_type) -%}
    {%- if config.get('grants') or config.get('indexes') or config.get('partitioned_by') or config.get('sorted_by') -%}
        {%- do exceptions.raise_compiler_error(
            "dbt/macros/materializations.sql handles neither grants, indexes, partitioned_by nor sorted_by: "
            ~ model.unique_id) -%}
    {%- endif -%}
    {%- set existing_relation = load_cached_relation(this) -%}
    {%- set target_relation = this.incorporate(type=relation_type) -%}
    {{ run_hooks(pre_hooks, inside_transaction=False) }}
    {{ run_hooks(pre_hooks, inside_transaction=True) }}
    {%- if existing_relation is not none -%}
        {#- In the model's transaction (opened here unless a pre-hook opened it), with the create. -#}
        {%- call statement('drop_existing') -%}
            drop {{ existing_relation.type }} {{ existing_relation }} cascade
        {%- endcall -%}
        {%- do adapter.cache_dropped(existing_relation) -%}
    {%- endif -%}
    {% call statement('main') -%}
        {%- if relation_type == 'table' -%}
            {{ create_table_as(False, target_relation, compiled_code) }}
        {%- else -%}
            {{ get_create_view_as_sql(target_relation, compiled_code) }}
        {%- endif -%}
    {%- endcall %}
    {{ run_hooks(post_hooks, inside_transaction=True) }}
    {% do persist_docs(target_relation, model) %}
    {{ adapter.commit() }}
    {{ run_hooks(post_hooks, inside_transaction=False) }}
    {{ return({'relations': [target_relation]}) }}
{%- endmacro %}

{% materialization table, adapter='duckdb' %}
    {{ return(_replace_in_transaction('table')) }}
{% endmaterialization %}

{% materialization view, adapter='duckdb' %}
    {{ return(_replace_in_transaction('view')) }}
{% endmaterialization %}

{#
  Data tests without a transaction. dbt's test materialization opens one (BEGIN) for its one
  SELECT and, never committing it, rolls it back when it releases the connection: two more
  round trips through dbt's adapter per test, about 8 ms of dbt's Python each, for a read that
  DuckDB runs in a transaction of its own anyway. With failures stored (`store_failures`,
  `--store-failures`) the test writes a table, and with an `sql_header` it runs more than one
  statement: then dbt's own materialization runs it.
#}
{% materialization test, adapter='duckdb' %}
    {%- if should_store_failures() or config.get('sql_header') -%}
        {{ return(dbt.materialization_test_default()) }}
    {%- endif -%}
    {% call statement('main', fetch_result=True, auto_begin=False) -%}
        {{ get_test_sql(get_limit_subquery_sql(sql, config.get('limit')), config.get('fail_calc'), config.get('warn_if'), config.get('error_if'), limit=none) }}
    {%- endcall %}
    {{ return({'relations': []}) }}
{% endmaterialization %}
