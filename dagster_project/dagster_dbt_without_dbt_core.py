"""Import dagster-dbt without importing dbt-core: the Dagster process never runs dbt itself.

dbt runs in its own process (`jornadas-dbt`, `dbt_warm.py`). dagster-dbt imports dbt-core
whenever it can (2-2.5 s of every refresh's start here: dbt's adapters, artifacts, agate), only
for the enums of node types and statuses, which it also defines itself for installations without
dbt-core (the dbt Fusion engine). Hiding `dbt.version` while dagster-dbt is first imported
makes it take that path. Which engine it drives is decided apart, by the dbt version it asks
the resource for (`JornadasDbtCli._cli_version` in defs/dbt.py reads it from the package
metadata), so it still runs and reads dbt-core.
"""

from __future__ import annotations

import importlib
import sys
from types import ModuleType

# The module whose ImportError sends dagster_dbt.compat down its no-dbt-core path.
HIDDEN_MODULE = "dbt.version"


def import_dagster_dbt() -> ModuleType:
    """`dagster_dbt`, imported without dbt-core if this is its first import in the process."""
    if "dagster_dbt" in sys.modules:
        return sys.modules["dagster_dbt"]
    previous = sys.modules.get(HIDDEN_MODULE)
    # A None entry in sys.modules makes `import dbt.version` raise ImportError (documented).
    sys.modules[HIDDEN_MODULE] = None  # type: ignore[assignment]
    try:
        return importlib.import_module("dagster_dbt")
    finally:
        if previous is None:
            del sys.modules[HIDDEN_MODULE]
        else:
            sys.modules[HIDDEN_MODULE] = previous
