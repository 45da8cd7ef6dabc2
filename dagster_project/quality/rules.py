"""DHIS2-style validation rules as SQL: `left operator right`, with a missing-value strategy.

Each side is a query returning the rule's key columns and a `value`; the sides are summed per
key (so a missing key is NULL, distinct from a reported 0) and full-outer-joined. The result
rows are the violations, with both values, their difference and the rule's labels.
"""

from __future__ import annotations

from dagster_project.quality.suites import Rule


def _quoted(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _missing_filter(strategy: str) -> str:
    if strategy == "SKIP_IF_ANY_VALUE_MISSING":
        return "left_value is not null and right_value is not null"
    if strategy == "SKIP_IF_ALL_VALUES_MISSING":
        return "(left_value is not null or right_value is not null)"
    return "true"


def _holds(operator: str, tolerance: float) -> str:
    left, right = "coalesce(left_value, 0)", "coalesce(right_value, 0)"
    if operator == "==":
        return f"abs({left} - {right}) <= {tolerance}"
    if operator == "!=":
        return f"abs({left} - {right}) > {tolerance}"
    # Tolerance loosens inequalities in the lenient direction.
    slack = {"<": "+", "<=": "+", ">": "-", ">=": "-"}[operator]
    return f"{left} {operator} {right} {slack} {tolerance}"


def violations_sql(rule: Rule) -> str:
    """The query whose rows break `rule`."""
    if rule.sql is not None:
        return rule.sql
    assert rule.left and rule.right and rule.operator, "comparison rules have both sides"
    keys = [_quoted(key) for key in rule.keys]
    key_list = ", ".join(keys)
    joined_keys = ", ".join(f"coalesce(l.{key}, r.{key}) as {key}" for key in keys)
    on = " and ".join(f"l.{key} is not distinct from r.{key}" for key in keys) or "true"
    label_left = rule.left.label.replace("'", "''")
    label_right = rule.right.label.replace("'", "''")
    return f"""
with left_side as (
    select {key_list}, sum(value) as value from ({rule.left.sql}) group by all
),
right_side as (
    select {key_list}, sum(value) as value from ({rule.right.sql}) group by all
),
compared as (
    select {joined_keys}, l.value as left_value, r.value as right_value
    from left_side as l full outer join right_side as r on {on}
)
select
    *,
    coalesce(left_value, 0) - coalesce(right_value, 0) as difference,
    '{label_left} {rule.operator} {label_right}' as rule_expression
from compared
where {_missing_filter(rule.missing_value_strategy)}
  and not ({_holds(rule.operator, rule.tolerance)})
order by {key_list}
"""
