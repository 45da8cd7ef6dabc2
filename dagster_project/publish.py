"""Write-audit-publish: build the analysts' file beside the published one, check it, swap it in.

The published warehouse (`JORNADAS_HOME/jornadas.duckdb`) is never opened for writing. A
publish copies the schemas `core`, `marts` and `audit` of the build database (views become
tables) into a new file `jornadas.duckdb.new-<run>`, written with DuckDB storage version
v1.5.0 so that DuckDB >= 1.5 clients open it. When a published file exists, the new file
starts as a byte copy of it and only what differs is written: the big tables (facts and
unit-level marts) row by row, per (unit, jornada) group whose rows changed, found by
comparing each group's row count and hash sum; the others whole (see `_write_new_file`).
Then the publish checks the new file; fsyncs it; keeps the
current version as `jornadas.previous.duckdb` (a hard link, so the published file is never
touched); and only then makes it visible with one `os.replace`. A process killed at any
moment therefore leaves either the old or the new complete version in place; leftovers are
removed by the next holder of the refresh lock.

Readers that hold the old file open keep reading their snapshot (POSIX rename semantics);
new connections open the new file. See docs/QUALITY.md for the caveats (Windows, and
DuckDB's per-process instance cache).

One refresh at a time: `refresh_lock` is an exclusive `fcntl.flock` on
`JORNADAS_HOME/refresh.lock`, re-entrant within a process, released by the kernel when the
holder dies (kill -9 included).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb

from dagster_project.quality.results import failed_error_checks, suites_with_results
from dagster_project.quality.scope import table_exists
from dagster_project.settings import Settings

PUBLISHED_SCHEMAS = ("core", "marts", "audit")
STORAGE_VERSION = "v1.5.0"
# Tables with at least this many rows, and these key columns, are updated row by row in a new
# file that starts as a copy of the published one: rewriting 26 M fact rows costs ~11 s, a
# week's changed groups ~5 s. Smaller tables are rewritten whole (cheaper than comparing).
ROW_LEVEL_MIN_ROWS = 1_000_000
ROW_LEVEL_KEY = ("unit_id", "jornada_id")
# Deleted rows leave free blocks behind; past this share the new file is written from scratch
# (compact) instead of from a copy of the published one.
MAX_FREE_BLOCK_SHARE = 0.25
NEW_FILE_PREFIX = "jornadas.duckdb.new-"
PREVIOUS_TMP_PREFIX = "jornadas.previous.duckdb.tmp-"
ROLLBACK_TMP_PREFIX = "jornadas.duckdb.rollback-"

PUBLISH_LOG_DDL = """
create schema if not exists audit;
create table if not exists audit.publish_log (
    run_id varchar not null,
    published_at timestamptz not null,
    published_file varchar not null,
    tables_copied bigint not null,
    action varchar not null
);
"""

# A hook called at each stage boundary; tests use it to kill a publish at a known point.
StageHook = Callable[[str], None]


class PublishRefused(RuntimeError):
    """Publication refused: a blocking check failed, or the checks did not all run."""


class PublishCheckFailed(RuntimeError):
    """The new file did not pass the sanity check; nothing was published."""


class RefreshInProgress(RuntimeError):
    """Another process holds the refresh lock (only raised when not waiting for it)."""


@dataclass(frozen=True)
class PublishResult:
    run_id: str
    published_file: Path
    previous_file: Path | None
    tables: dict[str, int]
    checked_with_cli: bool
    # Per table: key groups replaced row by row in a copy of the previous version, or None
    # when the table was written whole.
    written: dict[str, int | None]
    # Why the new file was written from scratch, or None when it started as a copy of the
    # published one.
    written_from_scratch_because: str | None


# ---------------------------------------------------------------------------------------
# The refresh lock


_lock_guard = threading.Lock()
_held_locks: dict[Path, list[int]] = {}  # lock path -> [file descriptor, depth]


def _lock_holder_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8").strip() or "unknown holder"
    except OSError:
        return "unknown holder"


@contextlib.contextmanager
def refresh_lock(settings: Settings, *, wait: bool = True) -> Iterator[None]:
    """Hold the exclusive refresh lock of `settings.home` for the duration of the block.

    Waits for a running refresh to finish (or raises `RefreshInProgress` when `wait` is
    false). Re-entrant within one process, so the CLI can hold it around a Dagster run whose
    resources take it again. On first acquisition, leftovers of crashed publishes are removed.
    """
    path = settings.lock_file.resolve()
    path.parent.mkdir(parents=True, exist_ok=True)
    with _lock_guard:
        held = _held_locks.get(path)
        if held:
            held[1] += 1
    if not held:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError as error:
            os.close(fd)
            raise RefreshInProgress(
                f"another refresh holds {path}: {_lock_holder_text(path)}"
            ) from error
        os.ftruncate(fd, 0)
        os.write(fd, f"pid {os.getpid()} since {dt.datetime.now(dt.UTC).isoformat()}\n".encode())
        with _lock_guard:
            _held_locks[path] = [fd, 1]
        clean_leftovers(settings)
    try:
        yield
    finally:
        with _lock_guard:
            entry = _held_locks[path]
            entry[1] -= 1
            release = entry[1] == 0
            if release:
                del _held_locks[path]
        if release:
            fcntl.flock(entry[0], fcntl.LOCK_UN)
            os.close(entry[0])


def clean_leftovers(settings: Settings) -> list[Path]:
    """Remove what a killed publish or rollback left behind. Call only under the lock."""
    removed: list[Path] = []
    home = settings.home
    if not home.is_dir():
        return removed
    for path in sorted(home.iterdir()):
        name = path.name
        if name.startswith(ROLLBACK_TMP_PREFIX) and not settings.previous_db.exists():
            # A rollback died between its two renames: this link is the version it displaced.
            os.replace(path, settings.previous_db)
            continue
        if name.startswith((NEW_FILE_PREFIX, PREVIOUS_TMP_PREFIX, ROLLBACK_TMP_PREFIX)):
            path.unlink()
            removed.append(path)
    if removed:
        _fsync_directory(home)
    return removed


# ---------------------------------------------------------------------------------------
# Publish


def _fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_directory(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _quoted(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _relations_to_publish(
    con: duckdb.DuckDBPyConnection, catalog: str | None = None
) -> list[tuple[str, str]]:
    """The tables and views of the published schemas in `catalog` (default: the build)."""
    placeholders = ", ".join("?" for _ in PUBLISHED_SCHEMAS)
    where_catalog = "?" if catalog else "current_database()"
    return con.execute(
        "select table_schema, table_name from information_schema.tables "
        f"where table_catalog = {where_catalog} and table_schema in ({placeholders}) "
        "order by table_schema, table_name",
        [*([catalog] if catalog else []), *PUBLISHED_SCHEMAS],
    ).fetchall()


def _refuse_if_checks_failed(
    con: duckdb.DuckDBPyConnection, run_id: str, required_suites: Iterable[str]
) -> None:
    failed = failed_error_checks(con, run_id)
    if failed:
        listed = "; ".join(f"{name} ({observed})" for name, observed in failed)
        raise PublishRefused(f"blocking checks failed in run {run_id}: {listed}")
    missing = sorted(set(required_suites) - suites_with_results(con, run_id))
    if missing:
        raise PublishRefused(f"quality suites without results in run {run_id}: {missing}")


def _attach_seeded(con: duckdb.DuckDBPyConnection, published: Path, new_file: Path) -> str | None:
    """Copy the published file to `new_file` and attach the copy as `publish_target`.

    Returns why the copy cannot seed the new version (then nothing is attached and the copy is
    gone), or None when it is attached and ready to be brought up to date."""
    if not published.exists():
        return "no published file yet"
    shutil.copyfile(published, new_file)  # a copy: the published file is never written
    con.execute(f"attach '{new_file}' as publish_target (read_write)")
    version = con.execute(
        "select tags['storage_version'] from duckdb_databases() "
        "where database_name = 'publish_target'"
    ).fetchone()
    blocks = con.execute(
        "select total_blocks, free_blocks from pragma_database_size() "
        "where database_name = 'publish_target'"
    ).fetchone()
    why = None
    if not version or (version[0] or "").rstrip("+") != STORAGE_VERSION:
        why = f"the published file has storage version {version[0] if version else None}"
    elif blocks and blocks[0] and blocks[1] / blocks[0] > MAX_FREE_BLOCK_SHARE:
        why = f"{blocks[1]} of the published file's {blocks[0]} blocks are free: compacting"
    if why is not None:
        con.execute("detach publish_target")
        new_file.unlink()
    return why


def _columns(con: duckdb.DuckDBPyConnection, catalog: str, schema: str, table: str) -> list:
    return con.execute(
        "select column_name, data_type from information_schema.columns "
        "where table_catalog = ? and table_schema = ? and table_name = ? "
        "order by ordinal_position",
        [catalog, schema, table],
    ).fetchall()


def _row_level_tables(
    con: duckdb.DuckDBPyConnection, relations: list[tuple[str, str]]
) -> set[tuple[str, str]]:
    """Published tables worth updating row by row in the seeded file: big, keyed, and with
    the same columns in the build and in the published version."""
    found = con.execute(
        "select schema_name, table_name from duckdb_tables() "
        "where database_name = current_database() and estimated_size >= ?",
        [ROW_LEVEL_MIN_ROWS],
    ).fetchall()
    build = con.execute("select current_database()").fetchone()[0]
    chosen = set()
    for schema, table in set(found) & set(relations):
        columns = _columns(con, build, schema, table)
        if {name for name, _ in columns} >= set(ROW_LEVEL_KEY) and columns == _columns(
            con, "publish_target", schema, table
        ):
            chosen.add((schema, table))
    return chosen


def _update_changed_groups(con: duckdb.DuckDBPyConnection, qualified: str) -> int:
    """Make publish_target's copy of `qualified` equal to the build's by replacing the rows of
    every key group whose row count or row-hash sum differs. Returns the groups replaced."""
    key = ", ".join(ROW_LEVEL_KEY)
    same_key = " and ".join(f"t.{c} is not distinct from c.{c}" for c in ROW_LEVEL_KEY)
    groups = f"select {key}, count(*) as n, sum(hash(t)) as h from {{}} as t group by all"
    con.execute(
        "create or replace temp table publish_changed_groups as "
        f"select {', '.join(f'coalesce(b.{c}, p.{c}) as {c}' for c in ROW_LEVEL_KEY)} "
        f"from ({groups.format(qualified)}) as b "
        f"full join ({groups.format('publish_target.' + qualified)}) as p on "
        + " and ".join(f"b.{c} is not distinct from p.{c}" for c in ROW_LEVEL_KEY)
        + " where b.n is distinct from p.n or b.h is distinct from p.h"
    )
    found = con.execute("select count(*) from publish_changed_groups").fetchone()
    changed = found[0] if found else 0
    if changed:
        con.execute(
            f"delete from publish_target.{qualified} as t "
            f"using publish_changed_groups as c where {same_key}"
        )
        con.execute(
            f"insert into publish_target.{qualified} by name select t.* from {qualified} as t "
            f"semi join publish_changed_groups as c on {same_key}"
        )
    con.execute("drop table publish_changed_groups")
    return changed


def _write_new_file(
    con: duckdb.DuckDBPyConnection,
    settings: Settings,
    new_file: Path,
    relations: list[tuple[str, str]],
    run_id: str,
    on_stage: StageHook,
) -> tuple[dict[str, int], dict[str, int | None], str | None]:
    """Write the new version; returns every table's row count, how each was written (the
    number of key groups replaced row by row, or None: whole), and why the file was not
    started from a copy of the published one (None when it was)."""
    why_not_seeded = _attach_seeded(con, settings.published_db, new_file)
    seeded = why_not_seeded is None
    if not seeded:
        con.execute(
            f"attach '{new_file}' as publish_target "
            f"(storage_version '{STORAGE_VERSION}', read_write)"
        )
    counts: dict[str, int] = {}
    written: dict[str, int | None] = {}
    try:
        for schema in PUBLISHED_SCHEMAS:
            con.execute(f"create schema if not exists publish_target.{schema}")
        row_level: set[tuple[str, str]] = set()
        if seeded:
            row_level = _row_level_tables(con, relations)
            # What the build no longer has must not outlive it in the published file (which
            # holds tables only: a publish writes views as tables).
            wanted = {*relations, ("audit", "published_version")}
            for schema, table in _relations_to_publish(con, "publish_target"):
                if (schema, table) not in wanted:
                    con.execute(f"drop table publish_target.{_quoted(schema)}.{_quoted(table)}")
        for schema, table in relations:
            qualified = f"{_quoted(schema)}.{_quoted(table)}"
            if (schema, table) in row_level:
                written[f"{schema}.{table}"] = _update_changed_groups(con, qualified)
            else:
                con.execute(
                    f"create or replace table publish_target.{qualified} "
                    f"as select * from {qualified}"
                )
                written[f"{schema}.{table}"] = None
            found = con.execute(f"select count(*) from publish_target.{qualified}").fetchone()
            counts[f"{schema}.{table}"] = found[0] if found else 0
            on_stage(f"copied:{schema}.{table}")
        # The published file says which run it is, for analysts and for rollback.
        con.execute(
            "create or replace table publish_target.audit.published_version as "
            "select ?::varchar as run_id, current_timestamp as published_at, ? as tables",
            [run_id, len(relations)],
        )
        con.execute("checkpoint publish_target")
    finally:
        con.execute("detach publish_target")
    return counts, written, why_not_seeded


def duckdb_cli() -> Path | None:
    """The DuckDB CLI installed beside this interpreter (duckdb-cli from PyPI), if any."""
    candidate = Path(sys.executable).parent / "duckdb"
    return candidate if candidate.exists() else None


def check_published_file(path: Path, expected_counts: dict[str, int]) -> bool:
    """Open `path` read-only and compare every table's row count with the build; also open it
    with the DuckDB CLI when installed (proves older clients can read it). Returns whether
    the CLI check ran. Raises PublishCheckFailed on any difference."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        for name, expected in expected_counts.items():
            schema, table = name.split(".", 1)
            found = con.execute(f"select count(*) from {_quoted(schema)}.{_quoted(table)}")
            actual = found.fetchone()
            if not actual or actual[0] != expected:
                raise PublishCheckFailed(f"{name}: {actual} rows in the new file, {expected} built")
    finally:
        con.close()
    cli = duckdb_cli()
    if cli is None:
        return False
    query = "select count(*) from duckdb_tables() where schema_name in ('core','marts','audit')"
    completed = subprocess.run(
        [str(cli), "-readonly", "-noheader", "-csv", str(path), "-c", query],
        capture_output=True,
        text=True,
        check=False,
    )
    expected_tables = len(expected_counts) + 1  # + audit.published_version
    if completed.returncode != 0 or completed.stdout.strip() != str(expected_tables):
        raise PublishCheckFailed(
            f"DuckDB CLI {cli} could not read the new file as expected: "
            f"exit {completed.returncode}, out {completed.stdout.strip()!r}, "
            f"err {completed.stderr.strip()!r}"
        )
    return True


def _keep_previous(settings: Settings, run_id: str) -> Path | None:
    published = settings.published_db
    if not published.exists():
        return None
    temporary = settings.home / f"{PREVIOUS_TMP_PREFIX}{run_id}"
    try:
        os.link(published, temporary)
    except OSError:
        # File systems without hard links: a copy, still never touching the published file.
        shutil.copy2(published, temporary)
    os.replace(temporary, settings.previous_db)
    # rename(2) does nothing when both names already link the same file (a publish killed
    # after this step left previous == published): the temporary name is then still there.
    temporary.unlink(missing_ok=True)
    return settings.previous_db


def _record_publish(build_db: Path, run_id: str, published: Path, tables: int) -> None:
    con = duckdb.connect(str(build_db))
    try:
        con.execute(PUBLISH_LOG_DDL)
        con.execute(
            "insert into audit.publish_log values (?, current_timestamp, ?, ?, 'publish')",
            [run_id, str(published), tables],
        )
    finally:
        con.close()


def _no_hook(_: str) -> None:
    return None


def publish_warehouse(
    settings: Settings,
    run_id: str,
    *,
    required_suites: Iterable[str] = (),
    on_stage: StageHook = _no_hook,
) -> PublishResult:
    """Publish the build database's core, marts and audit schemas as the analysts' file.

    Refuses (PublishRefused) when any ERROR check of `run_id` failed, or when a suite of
    `required_suites` has no result in this run. Takes the refresh lock (re-entrant).
    """
    with refresh_lock(settings):
        settings.home.mkdir(parents=True, exist_ok=True)
        new_file = settings.home / f"{NEW_FILE_PREFIX}{run_id}"
        con = duckdb.connect(str(settings.build_db), read_only=True)
        try:
            _refuse_if_checks_failed(con, run_id, required_suites)
            relations = _relations_to_publish(con)
            if not any(schema == "marts" for schema, _ in relations):
                raise PublishRefused("the build database has no marts to publish")
            on_stage("copying")
            counts, written, from_scratch_because = _write_new_file(
                con, settings, new_file, relations, run_id, on_stage
            )
        except BaseException:
            con.close()
            new_file.unlink(missing_ok=True)
            raise
        con.close()
        on_stage("copied")
        try:
            checked_with_cli = check_published_file(new_file, counts)
        except BaseException:
            new_file.unlink(missing_ok=True)
            raise
        _fsync_file(new_file)
        on_stage("checked")
        previous = _keep_previous(settings, run_id)
        on_stage("previous_kept")
        os.replace(new_file, settings.published_db)
        _fsync_directory(settings.home)
        on_stage("replaced")
        _record_publish(settings.build_db, run_id, settings.published_db, len(relations))
        on_stage("recorded")
        return PublishResult(
            run_id=run_id,
            published_file=settings.published_db,
            previous_file=previous,
            tables=counts,
            checked_with_cli=checked_with_cli,
            written=written,
            written_from_scratch_because=from_scratch_because,
        )


def published_run_id(path: Path) -> str | None:
    """The run that produced a published file (from `audit.published_version`)."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        if not table_exists(con, "audit", "published_version"):
            return None
        found = con.execute("select run_id from audit.published_version").fetchone()
        return found[0] if found else None
    finally:
        con.close()


def rollback(settings: Settings) -> tuple[str | None, str | None]:
    """Swap the published and previous versions; returns (now published, now previous) run ids.

    Running it twice undoes it. Waits for a running refresh (the lock). The published file is
    replaced by rename only, so readers are never blocked.
    """
    with refresh_lock(settings):
        published, previous = settings.published_db, settings.previous_db
        if not previous.exists():
            raise FileNotFoundError(f"no previous version to roll back to: {previous}")
        displaced = settings.home / f"{ROLLBACK_TMP_PREFIX}{os.getpid()}"
        if published.exists():
            os.link(published, displaced)
        os.replace(previous, published)
        if displaced.exists():
            os.replace(displaced, previous)
        _fsync_directory(settings.home)
        now_previous = published_run_id(previous) if previous.exists() else None
        return published_run_id(published), now_previous
