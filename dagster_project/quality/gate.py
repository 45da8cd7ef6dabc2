"""One quality gate end to end: open the build DB, run a suite, record, render, close."""

from __future__ import annotations

from pathlib import Path

import duckdb

from dagster_project.quality.data_docs import render_data_docs, save_validation_json
from dagster_project.quality.engine import SuiteRun, run_suite
from dagster_project.quality.results import append_results
from dagster_project.quality.suites import Suite


def run_quality_gate(build_db: Path, docs_dir: Path, suite: Suite, run_id: str) -> SuiteRun:
    """Validate `suite` on this run's batch, append its results to `audit.quality_results`,
    and refresh the data docs. The connection is closed before returning (one writer)."""
    con = duckdb.connect(str(build_db))
    try:
        suite_run = run_suite(con, suite, run_id)
        append_results(con, run_id, suite_run.outcomes)
        save_validation_json(docs_dir, suite_run)
        render_data_docs(con, docs_dir)
    finally:
        con.close()
    return suite_run
