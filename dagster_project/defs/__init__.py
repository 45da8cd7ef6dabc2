"""The Dagster definitions, one module per integration (ingest, dbt, quality, publish, reports).

dagster-dbt is imported here, before any module of the package imports it, without dbt-core
(dagster_project/dagster_dbt_without_dbt_core.py): dbt runs in its own process.
"""

from dagster_project.dagster_dbt_without_dbt_core import import_dagster_dbt

import_dagster_dbt()
