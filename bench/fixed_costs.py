"""The fixed costs every refresh pays before it touches a line: each measured in a fresh process.

python -m bench.fixed_costs
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path

from bench.measure import run_measured

PROJECT_ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent

# name -> Python statement run in a fresh interpreter (the interpreter start is subtracted).
IMPORTS = {
    "import duckdb": "import duckdb",
    "import dagster": "import dagster",
    "import dagster_dbt (with dbt-core)": "import dagster_dbt",
    "import dagster_dbt (without dbt-core, as the Definitions do)": (
        "from dagster_project.dagster_dbt_without_dbt_core import import_dagster_dbt; "
        "import_dagster_dbt()"
    ),
    "load the Definitions": "from dagster_project.definitions import defs",
    "import dbt (dbt.cli.main)": "import dbt.cli.main",
    "import great_expectations": "import great_expectations",
}


class FixedCostFailed(RuntimeError):
    """A measured command failed, so its cost is unknown (the reason says why)."""


def _seconds(command: list[str], env: dict[str, str]) -> float:
    measured = run_measured(command, env=env, cwd=PROJECT_ROOT)
    if measured.returncode != 0:
        last_line = (measured.stdout + measured.stderr).strip().splitlines()[-1:]
        raise FixedCostFailed(f"{' '.join(command[-2:])} failed: {' '.join(last_line)}")
    return measured.seconds


def measure_fixed_costs(repeat: int = 2) -> dict[str, float | str]:
    """Best of `repeat` runs of each, in seconds; the file cache is warm after the first.

    A cost that cannot be measured (its command failed) is recorded as the failure's text.
    """
    env = {**os.environ, "DO_NOT_TRACK": "1", "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    costs: dict[str, float | str] = {}
    costs["python start"] = min(
        _seconds([sys.executable, "-c", "pass"], env) for _ in range(repeat)
    )
    for name, statement in IMPORTS.items():
        try:
            best = min(_seconds([sys.executable, "-c", statement], env) for _ in range(repeat))
            costs[name] = best - costs["python start"]
        except FixedCostFailed as failure:
            costs[name] = str(failure)
    with tempfile.TemporaryDirectory(prefix="jornadas-fixed-") as scratch:
        dbt_env = {
            **env,
            "JORNADAS_BUILD_DB": str(Path(scratch) / "build.duckdb"),
            "JORNADAS_HOME": scratch,
        }
        dbt_args = [
            "--project-dir",
            str(PROJECT_ROOT / "dbt"),
            "--profiles-dir",
            str(PROJECT_ROOT / "dbt"),
            "--target-path",
            str(Path(scratch) / "target"),
            "--log-path",
            str(Path(scratch) / "logs"),
        ]
        dbt = str(VENV_BIN / "dbt")
        try:
            costs["dbt parse (cold)"] = _seconds([dbt, "parse", *dbt_args], dbt_env)
            costs["dbt parse (partial parse)"] = _seconds([dbt, "parse", *dbt_args], dbt_env)
        except FixedCostFailed as failure:
            costs["dbt parse"] = str(failure)
    return costs


def main() -> int:
    print(json.dumps(measure_fixed_costs(), indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
