{#- Like `relationships`, restricted to the child rows matching `from_condition`: for columns
    that reference a catalog only for some kinds of rows (e.g. ooad_id of non-UMAE groups). -#}
{% test relationships_where(model, column_name, to, field, from_condition='1 = 1') %}
    select child.{{ column_name }}
    from {{ model }} as child
    left join {{ to }} as parent
        on child.{{ column_name }} = parent.{{ field }}
    where
        child.{{ column_name }} is not null
        and ({{ from_condition }})
        and parent.{{ field }} is null
{% endtest %}
