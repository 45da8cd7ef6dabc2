"""The Dagster instance's event log: Dagster's SQLite storage, with its connections kept open.

Dagster's `SqliteEventLogStorage` creates an SQLAlchemy engine and opens and closes a SQLite
connection for every event it writes and every query it makes; closing the last connection to a
file checkpoints SQLite's write-ahead log into it with an fsync. A refresh writes about 290
events (step starts and outputs, materializations, check results) and reads asset records for
every output's provenance: 3.6 ms a log event and 7.7 ms a materialization on the benchmark
machine, about 1.3 s of a sample refresh. This storage keeps one engine with one pooled
connection per shard file (the index and the most recent runs), with `synchronous=NORMAL`,
which SQLite documents as safe from corruption in WAL mode (Dagster's journal mode for these
files): a power cut may lose the last events, never the file.

What the per-event connection gave the rest of Dagster, this storage keeps:
- the UI follows a run by watching its shard file (watchdog, `SqliteEventLogStorageWatchdog`);
  a write that stays in the write-ahead log does not modify the file, so every write to a run
  shard touches the file's modification time (a read does not: the watcher reads);
- a finished run's events are in its own file: its last run event checkpoints the log into
  the file (whoever else keeps the file open, the UI for one) and closes the connection.

Configured in `dagster_project/instance/dagster.yaml` (`event_log_storage`); the run and schedule
storages stay Dagster's defaults, in the same folders.
"""

from __future__ import annotations

import os
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as db
from dagster._core.events import DagsterEventType
from dagster._core.events.log import EventLogEntry
from dagster._core.storage.event_log.sqlite.sqlite_event_log import (
    INDEX_SHARD_NAME,
    SqliteEventLogStorage,
)
from dagster._core.storage.sql import create_engine
from dagster._core.storage.sqlite import SQLITE_BUSY_TIMEOUT_SECONDS
from dagster._serdes import ConfigurableClassData
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.pool import QueuePool

# Run shards whose connections stay open besides the index's: a process writes one run at a
# time; the UI reads a few. The last connection to a file to close checkpoints its log into it.
KEPT_RUN_SHARDS = 4

RUN_END_EVENTS = frozenset(
    {DagsterEventType.RUN_SUCCESS, DagsterEventType.RUN_FAILURE, DagsterEventType.RUN_CANCELED}
)


class PooledSqliteEventLogStorage(SqliteEventLogStorage):
    """`SqliteEventLogStorage` with one kept connection per shard file (see the module)."""

    def __init__(self, base_dir: str, inst_data: ConfigurableClassData | None = None):
        # Before the parent's __init__: a new index shard is created and indexed through _connect.
        self._engines: OrderedDict[str, Engine] = OrderedDict()
        super().__init__(base_dir, inst_data=inst_data)

    @classmethod
    def from_config_value(  # ty: ignore[invalid-method-override]
        cls, inst_data: ConfigurableClassData | None, config_value: Any
    ) -> PooledSqliteEventLogStorage:
        return cls(inst_data=inst_data, **config_value)

    @contextmanager
    def _connect(self, shard: str) -> Iterator[Connection]:
        # The parent's lock: one connection in use at a time, whichever thread asks.
        with self._db_lock:
            engine = self._engine(shard)
            with engine.connect() as conn:
                changes_before = _total_changes(conn)
                with conn.begin():
                    yield conn
                wrote = _total_changes(conn) != changes_before
            if wrote and shard != INDEX_SHARD_NAME:
                os.utime(self.path_for_shard(shard))

    def store_event(self, event: EventLogEntry) -> None:
        super().store_event(event)
        if event.is_dagster_event and event.dagster_event_type in RUN_END_EVENTS:
            with self._db_lock:
                self._checkpoint_and_close(event.run_id)

    def wipe(self) -> None:
        # The parent deletes the run shards' files: no connection may keep writing to them.
        self._close_all()
        super().wipe()

    def dispose(self) -> None:
        self._close_all()
        super().dispose()

    def _engine(self, shard: str) -> Engine:
        engine = self._engines.get(shard)
        if engine is not None:
            self._engines.move_to_end(shard)
            return engine
        engine = create_engine(
            self.conn_string_for_shard(shard),
            poolclass=QueuePool,
            # One connection is kept; the parent's _initdb opens a second one to inspect tables.
            pool_size=1,
            max_overflow=1,
            # Kept connections serve whichever thread holds the lock.
            connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS, "check_same_thread": False},
        )
        db.event.listen(engine, "connect", _synchronous_normal)
        if shard not in self._initialized_dbs:
            self._initdb(engine)
            self._initialized_dbs.add(shard)
        self._engines[shard] = engine
        run_shards = [name for name in self._engines if name != INDEX_SHARD_NAME]
        for oldest in run_shards[: max(0, len(run_shards) - KEPT_RUN_SHARDS)]:
            self._close(oldest)
        return engine

    def _checkpoint_and_close(self, shard: str) -> None:
        engine = self._engines.get(shard)
        if engine is not None:
            # Another process may keep the file open (the UI reads the run), and then closing
            # this connection would not be the last close that checkpoints.
            with engine.connect() as conn:
                conn.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)")
        self._close(shard)

    def _close_all(self) -> None:
        with self._db_lock:
            for shard in list(self._engines):
                self._close(shard)

    def _close(self, shard: str) -> None:
        engine = self._engines.pop(shard, None)
        if engine is not None:
            engine.dispose()


def _synchronous_normal(dbapi_connection: Any, _connection_record: Any) -> None:
    dbapi_connection.execute("PRAGMA synchronous=NORMAL")


def _total_changes(conn: Connection) -> int:
    return conn.connection.dbapi_connection.total_changes  # type: ignore[union-attr]
