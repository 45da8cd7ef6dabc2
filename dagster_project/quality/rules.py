"""DHIS2-style validation rules as SQL: `left operator right`, with a missing-value strategy.

Each side is a query returning the rule's key columns and a `value`; the sides are summed per
key (so a missing key is NULL, distinct from a reported 0), as a full outer join of the two
sums would pair them. The result rows are the violations, with both values, their difference
and the rule's labels.

An `==` rule may name `fingerprint_groups_by`, some of its keys: each group of those keys is
first summarized on both sides by one integer, the sum over its rows of a 53-bit hash of the
other keys times the value (linear, so rows that the other side sums already are no matter).
Groups whose sums are equal hold the same totals per key on both sides, but for a hash
coincidence (odds about 2^-53 per differing group); only the other groups, and those with a
value that is not a whole number, are compared key by key. At national-year the marts'
comparisons with the facts (3.7 M keys a side) take 1.1 s instead of 2.8-3.2 s each, by hand
at full scope (docs/BENCHMARKS_HISTORY.md, fourteenth round).
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


# The value as the fingerprint carries it exactly: a whole number of at most 15 digits (the
# quantities); any other value is NULL here and its group is compared key by key.
_WHOLE_VALUE = (
    "case when value = round(value) and abs(value) < 1e15 then cast(value as hugeint) end"
)


def unsettled_groups_cte(rule: Rule) -> str:
    """The groups of `fingerprint_groups_by` whose two sides may differ."""
    assert rule.left and rule.right
    groups = ", ".join(_quoted(key) for key in rule.fingerprint_groups_by)
    others = ", ".join(_quoted(key) for key in rule.keys if key not in rule.fingerprint_groups_by)

    def side_rows(sign: int, sql: str) -> str:
        return (
            f"select {groups}, {others}, value, {sign} as side, {_WHOLE_VALUE} as whole_value "
            f"from ({sql})"
        )

    left_rows, right_rows = side_rows(1, rule.left.sql), side_rows(-1, rule.right.sql)
    # hash >> 11: 53 bits, so that hash × value × rows stays far inside a hugeint.
    return f"""
group_fingerprints as (
    select
        {groups},
        sum(side * cast(hash({others}) >> 11 as hugeint) * whole_value) as fingerprint_difference,
        bool_or(value is not null and whole_value is null) as has_other_values
    from ({left_rows} union all {right_rows})
    group by {groups}
),
unsettled_groups as (
    select {groups} from group_fingerprints
    where fingerprint_difference <> 0 or has_other_values
)"""


def _in_unsettled_groups(rule: Rule, side_sql: str) -> str:
    """`side_sql`'s rows in an unsettled group (NULL keys match NULL keys)."""
    matches = " and ".join(
        f"side_rows.{_quoted(key)} is not distinct from unsettled.{_quoted(key)}"
        for key in rule.fingerprint_groups_by
    )
    return (
        f"select side_rows.* from ({side_sql}) as side_rows "
        f"semi join unsettled_groups as unsettled on {matches}"
    )


def violations_sql(rule: Rule) -> str:
    """The query whose rows break `rule`."""
    if rule.sql is not None:
        return rule.sql
    assert rule.left and rule.right and rule.operator, "comparison rules have both sides"
    keys = [_quoted(key) for key in rule.keys]
    key_list = ", ".join(keys)
    label_left = rule.left.label.replace("'", "''")
    label_right = rule.right.label.replace("'", "''")
    left_sql, right_sql, fingerprints = rule.left.sql, rule.right.sql, ""
    if rule.fingerprint_groups_by:
        fingerprints = unsettled_groups_cte(rule) + ","
        left_sql = _in_unsettled_groups(rule, left_sql)
        right_sql = _in_unsettled_groups(rule, right_sql)
    # Both sides in one aggregate, not two and a full outer join on the keys (NULL keys group
    # together, as `is not distinct from` joins them): the same rows, about 20 % less time on
    # the marts' comparisons with the facts (3.7 M keys a side at national-year).
    return f"""
with {fingerprints}
compared as (
    select {key_list}, sum(left_value) as left_value, sum(right_value) as right_value
    from (
        select {key_list}, value as left_value, null as right_value from ({left_sql})
        union all
        select {key_list}, null as left_value, value as right_value from ({right_sql})
    )
    group by {key_list}
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
