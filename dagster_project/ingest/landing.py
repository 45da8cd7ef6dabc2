"""Landing one kind of raw file into the build database, incrementally by content hash.

New files are landed in batches, each batch one transaction holding its files' lines, their
`raw.files` verdicts and their sightings, so an interrupted refresh never leaves half a file (or
a file without its verdict) behind: the next refresh lands the whole batch again. (A transaction
per file cost ~15 ms of commit and ledger statements per file, a third of ingest at the sample.)
A file rejected by a failed DuckDB statement (a ragged CSV row) rolls the batch back, since the
failure aborts the transaction; the batch's earlier files are landed again, and the batch is
committed with the rejection at once, so no file is landed more than twice. A file rejected
while it was read never reached the database and rolls nothing back. Goal files (small, many)
land several per INSERT when they share a layout; a failed group INSERT rolls the batch back
the same way, and its files are then landed one by one, each committed alone. A file whose hash is
already known only gets a sighting (once per path), so a refresh with nothing new writes
nothing.

Hashing every file on every refresh would cost as much as reading the whole landing folder,
so `raw.landing_stat_cache` remembers the hash last computed for each path with its stat
signature (size, mtime, ctime, inode): a file whose signature is unchanged is not read again.
ctime and inode are part of it because a producer's write-then-rename (or a copy that keeps
mtime, like `cp -p`) can bring new bytes of the same size and mtime; any write or rename changes
ctime. The hash stays the file's identity; the cache only avoids recomputing it.

Hashing a new file and reading it as far as no database is needed (`read_file`: the header,
and JSON and XLSX parsed in Python) runs in one worker thread, up to READ_AHEAD_MAX_FILES files
ahead of the thread that lands them, in path order. DuckDB releases the GIL while it inserts.

An INSERT of one file runs on one core, so batches land side by side, one per core (up to
MAX_LANDING_LANES), each in its own transaction on its own cursor (`_LandingLanes`). A batch
commits only after the batch before it has committed, so what is committed at any moment is
still a prefix of the new files in path order, as with one lane, and a batch whose predecessor
failed is rolled back. Verdicts are reported in path order (docs/BENCHMARKS_HISTORY.md,
fifteenth round).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import queue
import sys
from collections import deque
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

import duckdb
import pyarrow as pa

from dagster_project.ingest.files import (
    GOAL,
    UNIT_REPORT,
    FileFacts,
    LandingFile,
    discover,
    examine,
)
from dagster_project.ingest.readers import (
    GOAL_LINES,
    UNIT_REPORT_LINES,
    CsvGroupFailed,
    FileRejected,
    Landed,
    ReadFile,
    TableSpec,
    land_csv_group,
    land_file,
    read_file,
)
from dagster_project.raw_schema import ensure_raw_schema

SPEC_BY_KIND: dict[str, TableSpec] = {UNIT_REPORT: UNIT_REPORT_LINES, GOAL: GOAL_LINES}

_log = logging.getLogger(__name__)


class IngestError(RuntimeError):
    """A file could not be processed for a reason that is not a verdict on the file."""


@dataclass
class IngestSummary:
    kind: str
    files_found: int = 0
    files_new: int = 0
    files_seen: int = 0
    files_rejected: int = 0
    lines_landed: int = 0
    rejected: list[tuple[str, str]] = field(default_factory=list)  # (path, reason)
    relanded_files: int = 0
    relanded_lines: int = 0
    reland_missing: list[str] = field(default_factory=list)  # hashes no longer on disk


def ingest_kind(
    con: duckdb.DuckDBPyConnection,
    raw_dir: Path,
    kind: str,
    run_id: str | None,
    reingest_jornada: str | None = None,
    log: logging.Logger | logging.LoggerAdapter | None = None,
) -> IngestSummary:
    """Land every new file of `kind`; optionally re-land one jornada's lines of known files."""
    log = log or _log
    ensure_raw_schema(con)
    spec = SPEC_BY_KIND[kind]
    summary = IngestSummary(kind=kind)
    known_hashes = {row[0] for row in con.execute("select file_hash from raw.files").fetchall()}
    sightings = set(con.execute("select file_hash, path from raw.file_sightings").fetchall())
    stat_cache = _StatCache(con)
    clock = _SeenClock()
    on_disk: dict[str, LandingFile] = {}
    landed_now: set[str] = set()

    def record_verdict(landing_file: LandingFile, verdict: Landed | FileRejected) -> None:
        if isinstance(verdict, FileRejected):
            summary.files_rejected += 1
            summary.rejected.append((landing_file.relpath, verdict.reason))
            log.warning(f"rejected {landing_file.relpath}: {verdict.reason}")
        else:
            summary.lines_landed += verdict.lines_landed

    lanes = _LandingLanes(con, spec, run_id, record_verdict)

    # (file, its size, its hash if the stat cache knows it as landed): the files without a
    # known hash are examined and read.
    checked = []
    for landing_file in discover(raw_dir, kind):
        stat = landing_file.path.stat()
        cached_hash = stat_cache.hash_of(landing_file, stat)
        known_hash = cached_hash if cached_hash in known_hashes else None
        checked.append((landing_file, stat.st_size, known_hash))
    unknown = [(f, size) for f, size, known_hash in checked if known_hash is None]
    with lanes, _ReadAhead(unknown, spec) as read_ahead:
        for landing_file, _, known_hash in checked:
            summary.files_found += 1
            if known_hash is not None:
                file_hash, facts, read = known_hash, None, None
            else:
                facts, read = read_ahead.take(landing_file)
                file_hash = facts.sha256
            on_disk.setdefault(file_hash, landing_file)
            if file_hash in known_hashes:  # a copy of a known file: its read is not needed
                summary.files_seen += 1
                if (file_hash, landing_file.relpath) not in sightings:
                    lanes.add_sighting(file_hash, landing_file.relpath, clock.now())
                    sightings.add((file_hash, landing_file.relpath))
                if facts is not None:
                    stat_cache.remember(landing_file, file_hash)
                continue
            lanes.land(_NewFile(landing_file, facts, read, clock.now()))
            stat_cache.remember(landing_file, file_hash)
            known_hashes.add(facts.sha256)
            sightings.add((facts.sha256, landing_file.relpath))
            landed_now.add(facts.sha256)
            summary.files_new += 1
        lanes.finish()
    stat_cache.save()
    if reingest_jornada is not None:
        _reland_jornada(con, spec, reingest_jornada, on_disk, landed_now, summary, log)
    return summary


class _StatCache:
    """The hash last computed for a path with a given stat signature (size, mtime, ctime, inode)."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con
        con.execute(
            "create table if not exists raw.landing_stat_cache (path VARCHAR primary key, "
            "stat_signature VARCHAR, file_hash VARCHAR)"
        )
        self.entries = {
            path: (signature, file_hash)
            for path, signature, file_hash in con.execute(
                "select path, stat_signature, file_hash from raw.landing_stat_cache"
            ).fetchall()
        }
        self.changed: set[str] = set()

    @staticmethod
    def _signature(stat: os.stat_result) -> str:
        return f"{stat.st_size}:{stat.st_mtime_ns}:{stat.st_ctime_ns}:{stat.st_ino}"

    def hash_of(self, landing_file: LandingFile, stat: os.stat_result) -> str | None:
        """The hash remembered for the file, if `stat` (the file's, now) is unchanged."""
        entry = self.entries.get(landing_file.relpath)
        if entry is None or entry[0] != self._signature(stat):
            return None
        return entry[1]

    def remember(self, landing_file: LandingFile, file_hash: str) -> None:
        signature = self._signature(landing_file.path.stat())
        self.entries[landing_file.relpath] = (signature, file_hash)
        self.changed.add(landing_file.relpath)

    def save(self) -> None:
        """One statement for all new entries (an entry lost to a crash only costs a re-hash)."""
        if not self.changed:
            return
        paths = sorted(self.changed)
        rows = pa.table(
            {
                "path": paths,
                "stat_signature": [self.entries[p][0] for p in paths],
                "file_hash": [self.entries[p][1] for p in paths],
            }
        )
        self.con.register("_stat_cache_rows", rows)
        try:
            self.con.execute(
                "insert or replace into raw.landing_stat_cache select * from _stat_cache_rows"
            )
        finally:
            self.con.unregister("_stat_cache_rows")
        self.changed.clear()


# What the worker thread hands over for one file: its facts, and its read, or the exception
# reading it raised (FileRejected is a verdict; anything else fails the ingest when landed).
_ReadOutcome = tuple[FileFacts, ReadFile | Exception]
# How far the worker reads ahead, in files and in their bytes on disk (whichever bound comes
# first, but always one file). Far enough that an XLSX workbook (seconds of openpyxl) is parsed
# while DuckDB lands the CSV files that come after it; near enough that the parsed files
# waiting stay small: a parsed workbook takes about five times its size on disk (a 0.28 MB
# workbook of 10,234 lines is 1.25 MB of Arrow), so 64 MB of workbooks wait as about 300 MB.
READ_AHEAD_MAX_FILES = 64
READ_AHEAD_MAX_BYTES = 64 * 1024 * 1024
# The landing lanes need the GIL back for a moment after each DuckDB statement; at Python's
# default switch interval (5 ms) the one landing thread of the eighth round spent a quarter of
# its time waiting for the worker to hand it over (py-spy, national-year). A shorter interval
# while reading ahead hands it over sooner; with two lanes still 36.2-36.5 s against 37.7-37.8 s
# for the unit reports of national-year (docs/BENCHMARKS_HISTORY.md, fifteenth round).
READ_AHEAD_SWITCH_INTERVAL_S = 0.0002


def _examine_and_read(landing_file: LandingFile, spec: TableSpec) -> _ReadOutcome:
    facts = examine(landing_file.path, count_lines=spec.land_in_groups)
    try:
        return facts, read_file(landing_file, facts, spec)
    except Exception as error:  # handed over, raised where the file lands
        return facts, error


class _ReadAhead:
    """`files` (each with its size on disk) examined and read in one worker thread, in
    order, ahead of `take`."""

    def __init__(self, files: Iterable[tuple[LandingFile, int]], spec: TableSpec) -> None:
        self.files = deque(files)
        self.spec = spec
        self.pending: deque[tuple[LandingFile, int, Future[_ReadOutcome]]] = deque()
        self.pending_bytes = 0
        self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ingest-read")

    def __enter__(self) -> _ReadAhead:
        self.switch_interval = sys.getswitchinterval()
        sys.setswitchinterval(min(self.switch_interval, READ_AHEAD_SWITCH_INTERVAL_S))
        self._submit_more()
        return self

    def __exit__(self, *exc_info) -> None:
        self.executor.shutdown(wait=True, cancel_futures=True)
        sys.setswitchinterval(self.switch_interval)

    def _submit_more(self) -> None:
        while self.files and len(self.pending) < READ_AHEAD_MAX_FILES:
            landing_file, size = self.files[0]
            if self.pending and self.pending_bytes + size > READ_AHEAD_MAX_BYTES:
                return
            self.files.popleft()
            future = self.executor.submit(_examine_and_read, landing_file, self.spec)
            self.pending.append((landing_file, size, future))
            self.pending_bytes += size

    def take(self, landing_file: LandingFile) -> _ReadOutcome:
        """The outcome for `landing_file`, which must be the next file in order. An error
        examining it (the file vanished, say) is raised here, as it was before reading ahead."""
        expected, size, future = self.pending.popleft()
        if expected is not landing_file:
            raise RuntimeError(f"read ahead {expected.relpath}, asked for {landing_file.relpath}")
        self.pending_bytes -= size
        self._submit_more()
        return future.result()


class _SeenClock:
    """When each file was seen: strictly increasing within a run, in the order files are read.

    Files are read in path order, so of two deliveries landed by one refresh the one with the
    earlier path counts as seen first (dbt orders deliveries by first_seen_at).
    """

    def __init__(self) -> None:
        self.last = dt.datetime.min.replace(tzinfo=dt.UTC)

    def now(self) -> dt.datetime:
        current = dt.datetime.now(dt.UTC)
        self.last = max(current, self.last + dt.timedelta(microseconds=1))
        return self.last


class _NewFile(NamedTuple):
    """A file to land: where it is, what examining it found, its read (or the exception
    reading it raised) and when it was seen."""

    landing_file: LandingFile
    facts: FileFacts
    read: ReadFile | Exception
    seen_at: dt.datetime


# A batch commits after this many files or lines, whichever comes first: large enough that the
# commit and the ledger statements stop mattering, small enough that DuckDB's uncommitted rows
# stay well inside its memory limit and a crash costs little to redo.
BATCH_MAX_FILES = 200
BATCH_MAX_LINES = 1_000_000


class _LandingBatch:
    """New files landed in one open transaction, with their ledger rows and sightings.

    Plain CSV files of a kind that lands in groups (goal files) wait in `group` until a file of
    another layout or kind of read comes, or the batch commits, and then land in one INSERT
    (readers.land_csv_group): a statement per small file cost more than its rows. Files land
    in path order either way. Each file's verdict goes to `on_verdict` once it is final.
    """

    def __init__(
        self,
        con,
        spec: TableSpec,
        run_id: str | None,
        on_verdict: Callable[[LandingFile, Landed | FileRejected], None],
        before_commit: Callable[[], None] = lambda: None,
    ) -> None:
        self.con, self.spec, self.run_id = con, spec, run_id
        self.on_verdict = on_verdict
        # Called before every commit; raises to refuse it (the caller then calls `abandon`).
        self.before_commit = before_commit
        self.open = False
        # (landing_file, facts, seen_at, Landed | FileRejected), in landing order
        self.members: list[tuple] = []
        # Plain CSV files waiting to land together, all of one read.group_key
        self.group: list[_NewFile] = []
        # Sightings of known files under a new path: written with the batch, so a rollback of
        # the batch cannot lose them.
        self.sightings: list[tuple[str, str, dt.datetime]] = []
        self.lines = 0

    def land(self, new_file: _NewFile) -> None:
        """Land a new file now or with its group."""
        read = new_file.read
        key = None if isinstance(read, Exception) else read.group_key
        if key is not None:
            if self.group and key != self.group[-1].read.group_key:
                self._land_group()
            self.group.append(new_file)
        else:
            self._land_group()
            self._land_one(new_file)
        waiting = len(self.group)
        waiting_lines = sum(waiting_file.read.data_lines for waiting_file in self.group)
        if (
            len(self.members) + waiting >= BATCH_MAX_FILES
            or self.lines + waiting_lines >= BATCH_MAX_LINES
        ):
            self.commit()

    def _land_one(self, new_file: _NewFile) -> None:
        landing_file, facts, read, now = new_file
        self._begin()
        try:
            if isinstance(read, Exception):
                raise read
            verdict: Landed | FileRejected = read.land(self.con, facts.sha256)
        except FileRejected as rejection:
            # Only a statement that failed (DuckDB's reader meeting a ragged row) aborted the
            # transaction; a rejection found while reading never reached the database.
            if rejection is not read:
                self._roll_back_and_land_again()
            verdict = rejection
        except Exception as error:
            self.abandon()
            raise IngestError(f"could not ingest {landing_file.relpath}: {error}") from error
        self._add_member(landing_file, facts, now, verdict)
        # After a rejection the batch is committed at once, so that a file is landed again at
        # most once however many rejections follow it.
        if isinstance(verdict, FileRejected):
            self.commit()

    def _land_group(self) -> None:
        group, self.group = self.group, []
        if not group:
            return
        self._begin()
        try:
            verdicts = land_csv_group(
                self.con, [(member.read, member.facts.sha256) for member in group]
            )
        except CsvGroupFailed:
            # Which file failed is not known: land the batch's earlier files again and commit
            # them, then each file of the group alone, committed one by one, so that a
            # rejection among them rolls back no other file.
            self._roll_back_and_land_again()
            self.commit()
            for member in group:
                self._land_one(member)
                self.commit()
            return
        except Exception as error:
            self.abandon()
            paths = f"{group[0].landing_file.relpath} … {group[-1].landing_file.relpath}"
            raise IngestError(f"could not ingest the files {paths}: {error}") from error
        for member, verdict in zip(group, verdicts, strict=True):
            self._add_member(member.landing_file, member.facts, member.seen_at, verdict)

    def _add_member(
        self,
        landing_file: LandingFile,
        facts: FileFacts,
        now: dt.datetime,
        verdict: Landed | FileRejected,
    ) -> None:
        self.members.append((landing_file, facts, now, verdict))
        if isinstance(verdict, Landed):
            self.lines += verdict.lines_landed
        self.on_verdict(landing_file, verdict)

    def _begin(self) -> None:
        if not self.open:
            self.con.begin()
            self.open = True

    def _roll_back_and_land_again(self) -> None:
        self.con.rollback()
        self.open = False
        self._begin()
        for landing_file, facts, _, verdict in self.members:
            if isinstance(verdict, Landed):
                try:
                    again = land_file(self.con, landing_file, facts, self.spec)
                    if again.lines_landed != verdict.lines_landed:
                        raise RuntimeError(
                            f"{again.lines_landed} lines now, {verdict.lines_landed} a moment "
                            "ago: the file changed while it was being read"
                        )
                except Exception as error:  # it was landed a moment ago: not a verdict
                    self.abandon()
                    raise IngestError(
                        f"could not land {landing_file.relpath} again after a rejection in its "
                        f"batch: {error}"
                    ) from error

    def add_sighting(self, file_hash: str, relpath: str, now: dt.datetime) -> None:
        self.sightings.append((file_hash, relpath, now))

    def commit(self) -> None:
        """The batch's waiting group, ledger rows and sightings, then the commit."""
        self._land_group()
        if not self.members and not self.sightings:
            if self.open:
                self.before_commit()
                self.con.commit()
                self.open = False
            return
        self._begin()
        self.before_commit()
        if self.members:
            _record_files(self.con, self.members, self.run_id)
        if self.sightings:
            self.con.executemany(
                "insert into raw.file_sightings (file_hash, path, seen_at) values (?, ?, ?)",
                self.sightings,
            )
        self.con.commit()
        self.open, self.members, self.sightings, self.lines = False, [], [], 0

    def abandon(self) -> None:
        """Roll back whatever is not committed (nothing to roll back when no transaction is
        open) and forget the batch's files."""
        if self.open:
            self.con.rollback()
        self.open, self.members, self.sightings, self.lines = False, [], [], 0
        self.group = []


# Files are handed to a lane in batches of at most BATCH_MAX_FILES files and BATCH_MAX_BYTES
# bytes on disk (about 750,000 unit-report lines: within the batch's own BATCH_MAX_LINES, so a
# lane seldom commits mid-batch).
BATCH_MAX_BYTES = 64 * 1024 * 1024
# More lanes than cores only add open transactions; each lane holds one batch's uncommitted rows.
MAX_LANDING_LANES = 4


def landing_lanes() -> int:
    """One lane per core this process may run on, at most MAX_LANDING_LANES."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return max(1, min(MAX_LANDING_LANES, cores or 1))


@dataclass
class _BatchWork:
    """What the lanes land as one batch: files in path order, each with its read and when it
    was seen, and the sightings of known files met among them."""

    files: list[_NewFile] = field(default_factory=list)
    sightings: list[tuple[str, str, dt.datetime]] = field(default_factory=list)
    size_bytes: int = 0


class _LandingLanes:
    """Batches landed side by side, each by a `_LandingBatch` on its own cursor; every batch
    commits after the one before it, and verdicts reach `on_verdict` in path order.

    Use as a context manager around the files' loop and call `finish` at its end: leaving the
    block without `finish` (an error) waits for the batches already handed over, which commit
    or roll back as their predecessors did, so no transaction outlives the ingest.
    """

    def __init__(
        self,
        con: duckdb.DuckDBPyConnection,
        spec: TableSpec,
        run_id: str | None,
        on_verdict: Callable[[LandingFile, Landed | FileRejected], None],
    ) -> None:
        self.spec, self.run_id, self.on_verdict = spec, run_id, on_verdict
        self.lanes = landing_lanes()
        self.cursors: queue.SimpleQueue[duckdb.DuckDBPyConnection] = queue.SimpleQueue()
        self.opened = [con.cursor() for _ in range(self.lanes)]
        for cursor in self.opened:
            self.cursors.put(cursor)
        self.executor = ThreadPoolExecutor(max_workers=self.lanes, thread_name_prefix="ingest-land")
        self.in_flight: deque[Future[list]] = deque()
        self.current = _BatchWork()

    def __enter__(self) -> _LandingLanes:
        return self

    def __exit__(self, *exc_info) -> None:
        wait(self.in_flight)
        self.executor.shutdown(wait=True)
        for cursor in self.opened:
            cursor.close()

    def land(self, new_file: _NewFile) -> None:
        self.current.files.append(new_file)
        self.current.size_bytes += new_file.facts.size_bytes
        if len(self.current.files) >= BATCH_MAX_FILES or self.current.size_bytes >= BATCH_MAX_BYTES:
            self._hand_over()

    def add_sighting(self, file_hash: str, relpath: str, now: dt.datetime) -> None:
        self.current.sightings.append((file_hash, relpath, now))

    def finish(self) -> None:
        """Hand over the last batch and wait for every batch; raises the first batch's error."""
        self._hand_over()
        while self.in_flight:
            self._collect_oldest()

    def _hand_over(self) -> None:
        work, self.current = self.current, _BatchWork()
        if not work.files and not work.sightings:
            return
        # One batch waiting beyond those landing, so a lane that finishes finds the next one;
        # no more, so the reads held by waiting batches stay bounded.
        while len(self.in_flight) > self.lanes:
            self._collect_oldest()
        predecessor = self.in_flight[-1] if self.in_flight else None
        self.in_flight.append(self.executor.submit(self._land_batch, work, predecessor))

    def _collect_oldest(self) -> None:
        for landing_file, verdict in self.in_flight[0].result():
            self.on_verdict(landing_file, verdict)
        self.in_flight.popleft()

    def _land_batch(self, work: _BatchWork, predecessor: Future | None) -> list:
        def after_predecessor() -> None:
            # Raises the predecessor's error: this batch must not commit after a failed one.
            if predecessor is not None:
                predecessor.result()

        verdicts: list[tuple[LandingFile, Landed | FileRejected]] = []
        cursor = self.cursors.get()
        batch = _LandingBatch(
            cursor,
            self.spec,
            self.run_id,
            lambda landing_file, verdict: verdicts.append((landing_file, verdict)),
            before_commit=after_predecessor,
        )
        try:
            for new_file in work.files:
                batch.land(new_file)
            for sighting in work.sightings:
                batch.add_sighting(*sighting)
            batch.commit()
        except BaseException:
            batch.abandon()
            raise
        finally:
            self.cursors.put(cursor)
        return verdicts


def _record_files(con, members: list[tuple], run_id: str | None) -> None:
    """`raw.files` verdicts and `raw.file_sightings` of a batch's files, two statements."""
    rows = []
    for landing_file, facts, now, verdict in members:
        landed = verdict if isinstance(verdict, Landed) else None
        rejection = verdict if isinstance(verdict, FileRejected) else None
        # A file rejected for its bytes has no encoding; one rejected for its layout keeps it.
        encoding = landed.encoding if landed else None
        text_format = landing_file.format in ("csv", "json")
        if rejection is not None and text_format and rejection.code != "unreadable_encoding":
            encoding = facts.encoding
        extra = ",".join(landed.extra_columns) if landed and landed.extra_columns else None
        rows.append(
            {
                "file_hash": facts.sha256,
                "path": landing_file.relpath,
                "kind": landing_file.kind,
                "format": landing_file.format,
                "encoding": encoding,
                "size_bytes": facts.size_bytes,
                "file_verdict": "read" if landed else "rejected",
                "reject_reason": rejection.reason if rejection else None,
                "lines_in": landed.lines_in if landed else rejection.lines_counted,
                "extra_columns": extra,
                "first_seen_at": now,
                "ingest_run_id": run_id,
            }
        )
    con.register("_batch_files", pa.Table.from_pylist(rows))
    try:
        con.execute("insert into raw.files by name select * from _batch_files")
        con.execute(
            "insert into raw.file_sightings (file_hash, path, seen_at) "
            "select file_hash, path, first_seen_at from _batch_files"
        )
    finally:
        con.unregister("_batch_files")


def _reland_jornada(con, spec, jornada_id, on_disk, landed_now, summary, log) -> None:
    """Delete and land again the lines of one jornada from the files that hold it."""
    holders = [
        row[0]
        for row in con.execute(
            f"select distinct file_hash from {spec.table} where jornada_id = ? order by 1",
            [jornada_id],
        ).fetchall()
        if row[0] not in landed_now
    ]
    for file_hash in holders:
        landing_file = on_disk.get(file_hash)
        if landing_file is None:
            # Without the bytes the lines cannot be landed again; keeping them loses nothing.
            summary.reland_missing.append(file_hash)
            log.warning(
                f"re-ingest {jornada_id}: file {file_hash[:12]}… is no longer in the landing "
                "folder; its lines stay as they were"
            )
            continue
        facts = examine(landing_file.path)
        con.begin()
        try:
            con.execute(
                f"delete from {spec.table} where file_hash = ? and jornada_id = ?",
                [file_hash, jornada_id],
            )
            landed = land_file(con, landing_file, facts, spec, only_jornada=jornada_id)
        except Exception as error:
            con.rollback()
            raise IngestError(
                f"re-ingest {jornada_id}: {landing_file.relpath} could not be read again: {error}"
            ) from error
        con.commit()
        summary.relanded_files += 1
        summary.relanded_lines += landed.lines_landed
    log.info(
        f"re-ingest {jornada_id}: {summary.relanded_lines} lines landed again from "
        f"{summary.relanded_files} files"
    )
