"""Quality suites as data: the JSON files in `expectations/`.

A suite names the asset it guards, how to fetch its bounded batch from the build database,
the Great Expectations expectations to run on that batch, and "rules": SQL whose result rows
are violations (DHIS2-style validation rules, outliers, freshness), each validated with
`expect_table_row_count_to_equal 0`. Every expectation and rule carries a severity: ERROR
blocks publication, WARN is reported only.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SEVERITIES = ("ERROR", "WARN")
# DHIS2's missing-value strategies for validation rules.
MISSING_VALUE_STRATEGIES = ("NEVER_SKIP", "SKIP_IF_ANY_VALUE_MISSING", "SKIP_IF_ALL_VALUES_MISSING")
OPERATORS = ("==", "!=", "<", "<=", ">", ">=")


class SuiteError(ValueError):
    """A suite file that does not follow the format; names the file and the problem."""


@dataclass(frozen=True)
class Expectation:
    name: str
    type: str
    kwargs: dict[str, Any]
    severity: str
    description: str
    # kwargs whose value is a query, evaluated against the build DB before validation
    # (e.g. a value_set read from a catalog seed).
    kwargs_sql: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class RuleSide:
    sql: str
    label: str


@dataclass(frozen=True)
class Rule:
    """A query whose rows are violations: either raw `sql`, or a comparison of two sides.

    A comparison rule joins `left` and `right` (each returning `keys` + `value`) on the keys
    and keeps the rows where `left operator right` does not hold, after applying the
    missing-value strategy (a missing side counts as 0 unless the strategy skips the row).
    """

    name: str
    severity: str
    description: str
    sql: str | None = None
    left: RuleSide | None = None
    right: RuleSide | None = None
    operator: str | None = None
    keys: tuple[str, ...] = ()
    missing_value_strategy: str = "NEVER_SKIP"
    tolerance: float = 0.0
    # Opt-in, for `==` only: key columns whose groups are first compared by a fingerprint of
    # each side's rows; only the groups whose fingerprints differ are compared key by key
    # (quality/rules.py). Same violations, less work when most groups agree.
    fingerprint_groups_by: tuple[str, ...] = ()


@dataclass(frozen=True)
class Suite:
    name: str
    asset: tuple[str, ...]
    layer: str
    description: str
    batch_sql: str | None
    expectations: tuple[Expectation, ...]
    rules: tuple[Rule, ...]
    path: Path
    # The column the batch profile is grouped by (a file, a jornada); None: the whole batch.
    partition_by: str | None = None

    @property
    def asset_label(self) -> str:
        return "/".join(self.asset)

    @property
    def check_count(self) -> int:
        return len(self.expectations) + len(self.rules)


def _require(condition: bool, path: Path, message: str) -> None:
    if not condition:
        raise SuiteError(f"{path.name}: {message}")


def _severity(raw: dict[str, Any], path: Path, where: str) -> str:
    severity = raw.get("severity")
    _require(severity in SEVERITIES, path, f"{where}: severity must be one of {SEVERITIES}")
    return severity


def _batch_sql(batch: Any, path: Path) -> str | None:
    if batch is None:
        return None
    _require(isinstance(batch, dict), path, "batch must be an object")
    if "sql" in batch:
        return batch["sql"]
    _require("table" in batch, path, "batch needs `sql` or `table` (+ `where`)")
    where = batch.get("where")
    columns = ", ".join(batch.get("columns", ["*"]))
    query = f"select {columns} from {batch['table']}"
    return f"{query} where {where}" if where else query


def _default_name(expectation_type: str, kwargs: dict[str, Any]) -> str:
    target = kwargs.get("column") or "+".join(kwargs.get("column_list", [])) or "table"
    return f"{expectation_type.removeprefix('expect_')}:{target}"


def _expectation(raw: dict[str, Any], path: Path) -> Expectation:
    expectation_type = raw.get("type", "")
    _require(expectation_type.startswith("expect_"), path, f"bad expectation type {raw!r}")
    kwargs = dict(raw.get("kwargs", {}))
    meta = raw.get("meta", {})
    name = raw.get("name") or _default_name(expectation_type, kwargs)
    return Expectation(
        name=name,
        type=expectation_type,
        kwargs=kwargs,
        severity=_severity(raw, path, name),
        description=meta.get("description", ""),
        kwargs_sql=dict(raw.get("kwargs_sql", {})),
    )


def _rule(raw: dict[str, Any], path: Path) -> Rule:
    name = raw.get("name")
    _require(bool(name), path, "every rule needs a name")
    common = {
        "name": name,
        "severity": _severity(raw, path, name),
        "description": raw.get("description", ""),
    }
    if "sql" in raw:
        return Rule(sql=raw["sql"], **common)
    for key in ("left", "right", "operator", "keys"):
        _require(key in raw, path, f"rule {name}: needs `sql`, or {key}")
    _require(bool(raw["keys"]), path, f"rule {name}: needs at least one key column")
    _require(raw["operator"] in OPERATORS, path, f"rule {name}: operator not in {OPERATORS}")
    strategy = raw.get("missing_value_strategy", "NEVER_SKIP")
    _require(strategy in MISSING_VALUE_STRATEGIES, path, f"rule {name}: bad strategy {strategy}")
    group_keys = raw.get("fingerprint_groups_by", [])
    _require(
        not group_keys or (raw["operator"] == "==" and set(group_keys) < set(raw["keys"])),
        path,
        f"rule {name}: fingerprint_groups_by needs operator == and some, not all, of the keys",
    )
    return Rule(
        left=RuleSide(sql=raw["left"]["sql"], label=raw["left"].get("label", "left side")),
        right=RuleSide(sql=raw["right"]["sql"], label=raw["right"].get("label", "right side")),
        operator=raw["operator"],
        keys=tuple(raw["keys"]),
        missing_value_strategy=strategy,
        tolerance=float(raw.get("tolerance", 0)),
        fingerprint_groups_by=tuple(group_keys),
        **common,
    )


def load_suite(path: Path) -> Suite:
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise SuiteError(f"{path.name}: not valid JSON ({error})") from error
    for key in ("name", "asset", "layer"):
        _require(key in raw, path, f"missing `{key}`")
    expectations = tuple(_expectation(item, path) for item in raw.get("expectations", []))
    rules = tuple(_rule(item, path) for item in raw.get("rules", []))
    batch_sql = _batch_sql(raw.get("batch"), path)
    partition_by = (raw.get("batch") or {}).get("partition_by")
    _require(partition_by is None or isinstance(partition_by, str), path, "bad partition_by")
    _require(bool(expectations or rules), path, "a suite needs expectations or rules")
    _require(batch_sql is not None or not expectations, path, "expectations need a batch")
    names = [item.name for item in (*expectations, *rules)]
    duplicates = sorted({name for name in names if names.count(name) > 1})
    _require(not duplicates, path, f"check names must be unique, repeated: {duplicates}")
    return Suite(
        name=raw["name"],
        asset=tuple(raw["asset"]),
        layer=raw["layer"],
        description=raw.get("description", ""),
        batch_sql=batch_sql,
        expectations=expectations,
        rules=rules,
        path=path,
        partition_by=partition_by,
    )


def load_suites(directory: Path) -> list[Suite]:
    """Every `*.json` suite in `directory`, sorted by file name; suite names are unique."""
    suites = [load_suite(path) for path in sorted(directory.glob("*.json"))]
    names = [suite.name for suite in suites]
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise SuiteError(f"suite names must be unique, repeated: {repeated}")
    return suites
