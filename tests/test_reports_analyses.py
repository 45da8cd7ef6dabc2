"""The worked example queries in dbt/analyses/ run, read-only, against a published warehouse."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from dagster_project import sql_console
from dagster_project.settings import DBT_PROJECT_DIR
from tests.test_reports_fixture import published_fixture  # noqa: F401

ANALYSES = sorted((DBT_PROJECT_DIR / "analyses").glob("*.sql"))


def test_there_are_worked_examples():
    assert len(ANALYSES) >= 5


@pytest.mark.parametrize("analysis", ANALYSES, ids=lambda path: path.stem)
def test_example_query_runs_read_only(analysis: Path, published_fixture):  # noqa: F811
    query = analysis.read_text(encoding="utf-8")
    assert "{{" not in query, "examples are plain SQL an analyst can paste into any client"
    sql_console.check_read_only(query)  # would raise for a write
    with duckdb.connect(str(published_fixture), read_only=True) as connection:
        result = connection.execute(query)
        columns = [column[0] for column in result.description]
        rows = result.fetchall()
    assert columns
    assert rows, f"{analysis.name} returned nothing on a warehouse that has the data it asks for"
