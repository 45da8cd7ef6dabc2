"""Quality gates end to end: open the build DB, run suites, record, render, close."""

from __future__ import annotations

from pathlib import Path

import duckdb

from dagster_project.quality.data_docs import render_data_docs, save_validation_json
from dagster_project.quality.engine import SuiteRun, run_suites
from dagster_project.quality.results import append_results
from dagster_project.quality.suites import Suite
from dagster_project.settings import duckdb_memory_limit


def run_quality_gates(
    build_db: Path, docs_dir: Path, suites: list[Suite], run_id: str
) -> list[SuiteRun]:
    """Validate `suites` on this run's batches over one connection (one scope), append their
    results to `audit.quality_results`, and refresh the data docs once. The connection is
    closed before returning (one writer)."""
    con = duckdb.connect(str(build_db))
    [(memory_limit,)] = con.execute("select current_setting('memory_limit')").fetchall()
    try:
        # The checks' aggregates (uniqueness keys, medians) spill beyond it.
        con.execute(f"set memory_limit = '{duckdb_memory_limit()}'")
        suite_runs = run_suites(con, suites, run_id)
        append_results(con, run_id, [item for run in suite_runs for item in run.outcomes])
        for suite_run in suite_runs:
            save_validation_json(docs_dir, suite_run)
        render_data_docs(con, docs_dir)
    finally:
        # The database instance may be shared with another connection of this process.
        con.execute(f"set memory_limit = '{memory_limit}'")
        con.close()
    return suite_runs


def run_quality_gate(build_db: Path, docs_dir: Path, suite: Suite, run_id: str) -> SuiteRun:
    """One suite through `run_quality_gates`."""
    [suite_run] = run_quality_gates(build_db, docs_dir, [suite], run_id)
    return suite_run
