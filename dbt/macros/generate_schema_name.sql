{#- A folder's schema is used as named (staging, core, marts, ...), never prefixed with the
    target schema, so that every consumer finds the same names (docs/ARCHITECTURE.md). -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
