"""The instance's event log keeps its SQLite connections open (dagster_project/event_log_storage.py)
and must still give Dagster's other readers, the UI's run watcher among them, what Dagster's own
storage gives them."""

from __future__ import annotations

import shutil
import sqlite3
import threading
import time
import uuid
from pathlib import Path

import dagster as dg
import pytest
from dagster._core.events import DagsterEvent, DagsterEventType, StepMaterializationData
from dagster._core.events.log import EventLogEntry
from dagster._core.storage.event_log.sqlite.sqlite_event_log import (
    INDEX_SHARD_NAME,
    SqliteEventLogStorage,
)

from dagster_project.cli import instance_config
from dagster_project.event_log_storage import KEPT_RUN_SHARDS, PooledSqliteEventLogStorage

JOB = "weekly_refresh"


def _entry(run_id: str, dagster_event: DagsterEvent | None = None) -> EventLogEntry:
    return EventLogEntry(
        error_info=None,
        level=20,
        user_message="" if dagster_event else "a log line",
        run_id=run_id,
        timestamp=time.time(),
        step_key="step",
        job_name=JOB,
        dagster_event=dagster_event,
    )


def _materialization(run_id: str, name: str) -> EventLogEntry:
    data = StepMaterializationData(dg.AssetMaterialization(asset_key=["marts", name]))
    return _entry(
        run_id,
        DagsterEvent(
            event_type_value=DagsterEventType.ASSET_MATERIALIZATION.value,
            job_name=JOB,
            event_specific_data=data,
        ),
    )


def _run_end(run_id: str) -> EventLogEntry:
    return _entry(
        run_id, DagsterEvent(event_type_value=DagsterEventType.RUN_SUCCESS.value, job_name=JOB)
    )


def _store_run(storage, run_id: str, assets: list[str], *, end: bool = True) -> int:
    entries = [_entry(run_id)] + [_materialization(run_id, name) for name in assets]
    if end:
        entries.append(_run_end(run_id))
    for entry in entries:
        storage.store_event(entry)
    return len(entries)


def _events_in_file(path: Path) -> int:
    with sqlite3.connect(path) as connection:
        return connection.execute("select count(*) from event_logs").fetchone()[0]


@pytest.fixture
def pooled(tmp_path):
    storage = PooledSqliteEventLogStorage(str(tmp_path / "runs"))
    yield storage
    storage.dispose()


def test_dagsters_own_storage_reads_every_event_and_asset(pooled, tmp_path):
    run_id = str(uuid.uuid4())
    stored = _store_run(pooled, run_id, ["unit_activity", "goal_attainment"])

    stock = SqliteEventLogStorage(str(tmp_path / "runs"))
    assert len(stock.get_records_for_run(run_id).records) == stored
    keys = {record.asset_entry.asset_key for record in stock.get_asset_records()}
    assert keys == {
        dg.AssetKey(["marts", "unit_activity"]),
        dg.AssetKey(["marts", "goal_attainment"]),
    }


def test_a_finished_runs_events_are_in_its_own_file(pooled, tmp_path):
    """Kept connections leave writes in SQLite's write-ahead log; the run's end checkpoints
    them into the run's file (what a copy of the file carries), even while another process
    (here another storage, as the UI's) keeps the file open."""
    run_id = str(uuid.uuid4())
    pooled.store_event(_entry(run_id))
    reader = PooledSqliteEventLogStorage(str(tmp_path / "runs"))
    try:
        assert reader.get_records_for_run(run_id).records  # keeps its connection open
        stored = 1 + _store_run(pooled, run_id, ["jornada_activity"])
        copy = tmp_path / "copy.db"
        shutil.copyfile(tmp_path / "runs" / f"{run_id}.db", copy)  # the file alone, no -wal
        assert _events_in_file(copy) == stored
    finally:
        reader.dispose()


def test_the_ui_watcher_sees_every_write_of_a_running_run(pooled, tmp_path):
    """The UI follows a run through file-modification events on the run's file."""
    run_id = str(uuid.uuid4())
    pooled.store_event(_entry(run_id))  # the run's file exists before anyone watches it
    watcher = SqliteEventLogStorage(str(tmp_path / "runs"))
    seen: list[str] = []
    all_seen = threading.Event()
    expected = 1 + 3

    def on_event(entry, _cursor):
        seen.append(entry.user_message)
        if len(seen) >= expected:
            all_seen.set()

    watcher.watch(run_id, None, on_event)
    try:
        for name in ("a", "b", "c"):
            pooled.store_event(_materialization(run_id, name))
            time.sleep(0.05)
        assert all_seen.wait(timeout=20), f"the watcher saw {len(seen)} of {expected} events"
    finally:
        watcher.end_watch(run_id, on_event)
        watcher.dispose()


def test_reading_a_run_does_not_look_like_a_write(pooled, tmp_path):
    """A read that touched the file would wake the watcher, whose read would wake it again."""
    run_id = str(uuid.uuid4())
    _store_run(pooled, run_id, ["ooad_activity"], end=False)
    run_file = tmp_path / "runs" / f"{run_id}.db"
    before = run_file.stat().st_mtime_ns
    time.sleep(0.05)
    for _ in range(3):
        assert pooled.get_records_for_run(run_id).records
    assert run_file.stat().st_mtime_ns == before


def test_wipe_closes_the_files_it_deletes(pooled, tmp_path):
    first = str(uuid.uuid4())
    _store_run(pooled, first, ["unit_activity"], end=False)  # its connection stays open
    pooled.wipe()
    stored = _store_run(pooled, first, ["unit_activity"])
    stock = SqliteEventLogStorage(str(tmp_path / "runs"))
    assert len(stock.get_records_for_run(first).records) == stored


def test_connections_kept_are_bounded(pooled):
    runs = [str(uuid.uuid4()) for _ in range(KEPT_RUN_SHARDS + 3)]
    for run_id in runs:
        _store_run(pooled, run_id, ["unit_activity"], end=False)
    kept = [shard for shard in pooled._engines if shard != INDEX_SHARD_NAME]
    assert kept == runs[-KEPT_RUN_SHARDS:]
    for run_id in runs:
        assert len(pooled.get_records_for_run(run_id).records) == 2


def test_a_home_instance_uses_the_pooled_event_log(tmp_path):
    home = tmp_path / 'a home with "quotes" and: colons'
    home.mkdir()
    (home / "dagster.yaml").write_text(instance_config(home), encoding="utf-8")
    with dg.DagsterInstance.from_config(str(home)) as instance:
        storage = instance.event_log_storage
        assert isinstance(storage, PooledSqliteEventLogStorage)
        run_id = str(uuid.uuid4())
        stored = _store_run(storage, run_id, ["unit_activity"])
        assert len(storage.get_records_for_run(run_id).records) == stored
    assert (home / "history" / "runs" / f"{run_id}.db").exists()
