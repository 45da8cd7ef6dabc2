"""Analysts are never blocked: readers keep querying the published file through publishes.

A separate reader process holds two read-only connections and queries in a loop while this
process publishes several new versions. Every query must succeed; the held connections keep
a consistent snapshot, and a connection opened after a publish sees the new version.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from dagster_project.publish import publish_warehouse, published_run_id
from dagster_project.settings import BUILD_DB_ENV, HOME_ENV, Settings
from tests.test_publish import CHILD_WAIT_SECONDS, change_the_data
from tests.test_quality_data import build_crafted_warehouse

READER = textwrap.dedent(
    """
    import json, sys, traceback
    from pathlib import Path
    import duckdb

    published, ready, stop, report = map(Path, sys.argv[1:5])
    QUERY = (
        "select (select run_id from audit.published_version), "
        "(select sum(quantity) from core.fct_activities), "
        "(select sum(quantity) from marts.jornada_activity)"
    )
    errors, held_runs, fresh_runs, inconsistent, queries = [], set(), set(), [], 0

    def fresh_read():
        # A new connection in a process that still holds others: DuckDB caches database
        # instances per path, so attach the file to a fresh in-memory database instead.
        con = duckdb.connect()
        try:
            con.execute(f"attach '{published}' as warehouse (read_only)")
            con.execute("use warehouse")
            return con.execute(QUERY).fetchone()
        finally:
            con.close()

    held = [duckdb.connect(str(published), read_only=True) for _ in range(2)]
    ready.write_text("ready")
    while not stop.exists():
        for con in held:
            try:
                run_id, facts, marts = con.execute(QUERY).fetchone()
                held_runs.add(run_id)
                queries += 1
                if facts != marts:
                    inconsistent.append([run_id, facts, marts])
            except Exception:
                errors.append(traceback.format_exc())
        try:
            run_id, facts, marts = fresh_read()
            fresh_runs.add(run_id)
            if facts != marts:
                inconsistent.append([run_id, facts, marts])
        except Exception:
            errors.append(traceback.format_exc())
    final = fresh_read()
    for con in held:
        con.close()
    report.write_text(json.dumps({
        "errors": errors, "held_runs": sorted(held_runs), "fresh_runs": sorted(fresh_runs),
        "final_run": final[0], "inconsistent": inconsistent, "queries": queries,
    }))
    """
)


@pytest.fixture
def settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    home = tmp_path / "home"
    build_db = tmp_path / "build.duckdb"
    monkeypatch.setenv(HOME_ENV, str(home))
    monkeypatch.setenv(BUILD_DB_ENV, str(build_db))
    build_crafted_warehouse(build_db, "run-0")
    return Settings(raw_dir=tmp_path / "raw", home=home)


def test_readers_see_no_error_through_publishes_and_new_connections_see_new_data(
    settings: Settings, tmp_path: Path
) -> None:
    publish_warehouse(settings, "run-0")
    ready, stop, report = tmp_path / "ready", tmp_path / "stop", tmp_path / "report.json"
    reader = subprocess.Popen(
        [sys.executable, "-c", READER, str(settings.published_db), str(ready), str(stop),
         str(report)],
        env=os.environ.copy(),
        stderr=subprocess.PIPE,
    )  # fmt: skip
    deadline = time.monotonic() + CHILD_WAIT_SECONDS
    while not ready.exists():
        assert reader.poll() is None, reader.communicate()
        assert time.monotonic() < deadline, "reader never started"
        time.sleep(0.05)

    for week in (1, 2, 3):
        change_the_data(settings, week)
        publish_warehouse(settings, f"run-{week}")

    stop.write_text("stop")
    assert reader.wait(timeout=CHILD_WAIT_SECONDS) == 0, reader.communicate()
    outcome = json.loads(report.read_text())
    assert outcome["errors"] == []
    assert outcome["inconsistent"] == []
    assert outcome["queries"] > 0
    # Held connections keep the snapshot they opened; new connections see the last publish.
    assert outcome["held_runs"] == ["run-0"]
    assert outcome["final_run"] == "run-3"
    assert published_run_id(settings.published_db) == "run-3"
