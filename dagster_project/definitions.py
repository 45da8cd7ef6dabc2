"""The Dagster code location: one `defs`, merged from one module per integration."""

from __future__ import annotations

import dagster as dg

from dagster_project.defs import (
    bulletins,
    dbt,
    ingest,
    publish,
    quality,
    reports,
    schedules,
)

defs = dg.Definitions.merge(
    ingest.defs,
    bulletins.defs,
    dbt.defs,
    quality.defs,
    publish.defs,
    reports.defs,
    schedules.defs,
)
