"""Column expectations as SQL: DuckDB profiles the batch, Great Expectations judges the profile.

Fetching a batch into pandas costs memory and time in proportion to its rows, so the row-level
work of the usual column expectations is done by DuckDB instead. One aggregate query per suite
returns, per partition of the batch (a file, a jornada, or the whole batch), the rows, the rows
each expectation considers and the rows it finds unexpected, with exactly GX's semantics
("outside": out of the range, not in the set, or no match of the regex searched anywhere in
the text, as GX's pandas engine's `str.contains`):

| expectation | rows considered | unexpected |
| --- | --- | --- |
| `column_values_to_not_be_null` | all | NULL |
| `column_values_to_be_between`, `_in_set`, `_match_regex` | non-NULL | outside |
| `column_values_to_be_unique` | non-NULL | every row of a repeated value |
| `compound_columns_to_be_unique` | per `ignore_row_if` | every row of a repeated combination |

That profile (a few hundred rows at most) is what GX validates: without `mostly`, "every
partition has 0 unexpected rows" (`expect_column_values_to_be_between` on the unexpected
counts, so GX also names the failing partitions); with `mostly`, "the unexpected rows sum to
at most (1 - mostly) x the rows considered" (`expect_column_sum_to_be_between`), which is
GX's own `mostly` rule. A few offending rows are fetched where there are unexpected rows.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from dagster_project.quality.suites import Expectation

PROFILED_TYPES = (
    "expect_column_values_to_not_be_null",
    "expect_column_values_to_be_between",
    "expect_column_values_to_be_in_set",
    "expect_column_values_to_match_regex",
    "expect_column_values_to_be_unique",
    "expect_compound_columns_to_be_unique",
)
WHOLE_BATCH = "'(whole batch)'"


def quoted(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def literal(value: Any) -> str:
    """A SQL literal for a kwarg value (strings, numbers, booleans)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    return "'" + str(value).replace("'", "''") + "'"


@dataclass(frozen=True)
class ProfiledExpectation:
    """One expectation compiled to SQL over the batch's rows."""

    expectation: Expectation
    kwargs: dict[str, Any]
    index: int
    considered: str  # predicate: the row counts towards this expectation
    unexpected: str | None  # predicate for row-wise expectations; None for uniqueness
    key_columns: tuple[str, ...] = ()  # uniqueness: the columns whose values must not repeat

    @property
    def considered_column(self) -> str:
        return f"considered_{self.index}"

    @property
    def unexpected_column(self) -> str:
        return f"unexpected_{self.index}"

    @property
    def mostly(self) -> float | None:
        value = self.kwargs.get("mostly")
        return None if value is None or float(value) >= 1 else float(value)

    @property
    def target_column(self) -> str | None:
        column = self.kwargs.get("column")
        return str(column) if column else None


def is_profiled(expectation: Expectation) -> bool:
    return expectation.type in PROFILED_TYPES


def _between(column: str, kwargs: dict[str, Any]) -> str:
    bounds = []
    if kwargs.get("min_value") is not None:
        operator = "<=" if kwargs.get("strict_min") else "<"
        bounds.append(f"{column} {operator} {literal(kwargs['min_value'])}")
    if kwargs.get("max_value") is not None:
        operator = ">=" if kwargs.get("strict_max") else ">"
        bounds.append(f"{column} {operator} {literal(kwargs['max_value'])}")
    return " or ".join(bounds) or "false"


def _in_set(column: str, kwargs: dict[str, Any], value_set_relation: str | None) -> str:
    values = [value for value in kwargs.get("value_set") or [] if value is not None]
    if not values:
        return "true"
    if value_set_relation:
        # A literal list is tested value by value; a relation is a hash join (engine.py).
        return f"{column} not in (select value from {value_set_relation})"
    return f"{column} not in ({', '.join(literal(value) for value in values)})"


def _ignored_rows(columns: list[str], ignore_row_if: str) -> str:
    if ignore_row_if == "never":
        return "false"
    nulls = [f"{column} is null" for column in columns]
    joiner = " or " if ignore_row_if == "any_value_is_missing" else " and "
    return joiner.join(nulls)


def compile_expectation(
    expectation: Expectation,
    kwargs: dict[str, Any],
    index: int,
    value_set_relation: str | None = None,
) -> ProfiledExpectation:
    """The SQL predicates of a profiled expectation type (see the module's table).
    `value_set_relation` names a relation (column `value`, no NULL) holding `value_set`."""
    kind = expectation.type
    if kind == "expect_compound_columns_to_be_unique":
        names = list(kwargs["column_list"])
        columns = [quoted(name) for name in names]
        ignore = _ignored_rows(columns, kwargs.get("ignore_row_if", "all_values_are_missing"))
        return ProfiledExpectation(
            expectation, kwargs, index, f"not ({ignore})", None, tuple(names)
        )
    column = quoted(kwargs["column"])
    if kind == "expect_column_values_to_not_be_null":
        return ProfiledExpectation(expectation, kwargs, index, "true", f"{column} is null")
    considered = f"{column} is not null"
    if kind == "expect_column_values_to_be_unique":
        return ProfiledExpectation(
            expectation, kwargs, index, considered, None, (str(kwargs["column"]),)
        )
    if kind == "expect_column_values_to_be_between":
        unexpected = _between(column, kwargs)
    elif kind == "expect_column_values_to_be_in_set":
        unexpected = _in_set(column, kwargs, value_set_relation)
    elif kind == "expect_column_values_to_match_regex":
        unexpected = f"not regexp_matches({column}::varchar, {literal(kwargs['regex'])})"
    else:
        raise ValueError(f"{kind} is not a profiled expectation type")
    return ProfiledExpectation(
        expectation, kwargs, index, considered, f"{considered} and ({unexpected})"
    )


def partition_expression(partition_by: str | None, alias: str = "") -> str:
    return f"{alias}{quoted(partition_by)}::varchar" if partition_by else WHOLE_BATCH


def profile_sql(batch_sql: str, partition_by: str | None, items: list[ProfiledExpectation]) -> str:
    """Rows, rows considered and rows unexpected per partition (uniqueness counted apart)."""
    columns = ["count(*) as batch_rows"]
    for item in items:
        columns.append(f"count(*) filter (where {item.considered}) as {item.considered_column}")
        if item.unexpected is not None:
            columns.append(f"count(*) filter (where {item.unexpected}) as {item.unexpected_column}")
    return (
        f"with batch as ({batch_sql})\n"
        f"select {partition_expression(partition_by)} as batch_partition, "
        + ", ".join(columns)
        + "\nfrom batch group by all order by batch_partition"
    )


def _repeated_keys_cte(batch_sql: str, item: ProfiledExpectation) -> str:
    # Grouping one 64-bit hash of the key is about twice as fast as grouping the key's columns
    # on the big tables; only keys whose hash repeats are then grouped for real. Rows sharing
    # a key share its hash, so `repeated` is exactly the keys that repeat.
    keys = ", ".join(quoted(name) for name in item.key_columns)
    return (
        f"with batch as ({batch_sql}),\n"
        f"repeated_hashes as (select hash({keys}) as key_hash from batch "
        f"where {item.considered} group by all having count(*) > 1),\n"
        f"repeated as (select {keys}, count(*) as repeats from batch "
        f"where {item.considered} "
        f"and hash({keys}) in (select repeated_hashes.key_hash from repeated_hashes) "
        "group by all having count(*) > 1)"
    )


def duplicates_total_sql(batch_sql: str, item: ProfiledExpectation) -> str:
    """Rows whose key repeats, in total (one hash aggregate; usually 0)."""
    return _repeated_keys_cte(batch_sql, item) + "\nselect coalesce(sum(repeats), 0) from repeated"


def _repeated_rows(item: ProfiledExpectation) -> str:
    on = " and ".join(
        f"b.{quoted(name)} is not distinct from r.{quoted(name)}" for name in item.key_columns
    )
    # `repeated` holds no ignored key (all-NULL, or with a NULL), so no ignored row matches.
    return f"from batch as b semi join repeated as r on {on}"


def duplicates_by_partition_sql(
    batch_sql: str, partition_by: str | None, item: ProfiledExpectation
) -> str:
    """Rows whose key repeats, per partition (run only when some key repeats)."""
    partition = partition_expression(partition_by, alias="b.")
    return (
        _repeated_keys_cte(batch_sql, item)
        + f"\nselect {partition} as batch_partition, count(*) as repeats "
        + _repeated_rows(item)
        + " group by all"
    )


def offending_rows_sql(batch_sql: str, item: ProfiledExpectation, limit: int) -> str:
    """A few of the rows an expectation finds unexpected."""
    if item.unexpected is not None:
        return (
            f"with batch as ({batch_sql})\n"
            f"select * from batch where {item.unexpected} limit {limit}"
        )
    keys = ", ".join(f"b.{quoted(name)}" for name in item.key_columns)
    return (
        _repeated_keys_cte(batch_sql, item)
        + f"\nselect b.* {_repeated_rows(item)} order by {keys} limit {limit}"
    )


def allowed_unexpected(considered: int, mostly: float) -> int:
    """The most unexpected rows GX's `mostly` rule accepts: (n - u) / n >= mostly."""
    allowed = math.floor(considered * (1 - mostly) + 1e-9)
    while allowed > 0 and (considered - allowed) / considered < mostly:
        allowed -= 1
    return max(allowed, 0)
