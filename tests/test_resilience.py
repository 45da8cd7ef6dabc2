"""Resilience of `jornadas refresh` on the sample, in real processes (issue 4, promises 4-6).

One warehouse (a copy of the sample's published home and of its landing folder) goes through,
in order:

1. a refresh that lands a correction while a reader process holds two read-only connections
   querying the marts in a loop and `jornadas sql` runs again and again: no error anywhere,
   and new connections see the new data;
2. refreshes killed with SIGKILL (the whole process group, dbt included) at 15 %, 50 % and
   85 % of the duration of the refresh before: the published file is still a complete,
   checked version whose marts agree with its facts, and the next refresh publishes the new
   data and leaves no run "in progress" behind in the Dagster instance;
3. a `jornadas refresh` and a run of the job launched outside the CLI (as the daemon does for
   a schedule tick) at the same time: the second waits for the refresh lock, both succeed and
   their steps never interleave;
4. the final file opens in the DuckDB CLI 1.5 and holds the results of the quality checks;
5. (fast) a schedule tick marks as failed the runs a killed process left "in progress", which
   would otherwise keep the daemon's one-run-at-a-time queue from ever launching it.

Every new datum is a correction: a later version of one unit's report for the latest
national day, each quantity raised, so the expected published figures are known.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pytest

from dagster_project.publish import duckdb_cli
from tests.conftest import SAMPLE_RAW_DIR, RefreshOutcome

LATEST_JORNADA = "2021-14"
# Generous bounds on waits for child processes; they only stop a hung test, never judge speed.
REFRESH_TIMEOUT_SECONDS = 1800
CHILD_WAIT_SECONDS = 120
KILL_FRACTIONS = (0.15, 0.50, 0.85)
KILL_ATTEMPTS = 3
FACTS_VS_JORNADA_MART = """
    select count(*) from (
        select jornada_id, activity, sum(quantity) as quantity
        from core.fct_activities group by all
    ) as facts
    full join marts.jornada_activity as mart using (jornada_id, activity)
    where coalesce(facts.quantity, 0) <> coalesce(mart.quantity, 0)
"""
FACTS_VS_UNIT_MART = """
    select count(*) from (
        select jornada_id, unit_id, activity, coalesce(specialty, '') as specialty,
            sum(quantity) as quantity
        from core.fct_activities group by all
    ) as facts
    full join (
        select jornada_id, unit_id, activity, coalesce(specialty, '') as specialty,
            sum(quantity) as quantity
        from marts.unit_activity group by all
    ) as mart using (jornada_id, unit_id, activity, specialty)
    where coalesce(facts.quantity, 0) <> coalesce(mart.quantity, 0)
"""


# --- the warehouse under test ---------------------------------------------------------------


@dataclass(frozen=True)
class Correction:
    unit_id: str
    submitted_at: dt.datetime
    total: int
    path: Path


@dataclass
class Warehouse:
    raw_dir: Path
    home: Path
    logs: Path
    refresh_seconds: list[float] = field(default_factory=list)
    corrections: list[Correction] = field(default_factory=list)

    @property
    def published_db(self) -> Path:
        return self.home / "jornadas.duckdb"

    @property
    def dagster_home(self) -> Path:
        return self.home / "dagster"

    @property
    def shortest_refresh_seconds(self) -> float:
        """The kill points' yardstick: the shortest complete refresh seen (the machine's load
        varies; a kill point past the end of a faster run would not kill anything)."""
        return min(self.refresh_seconds)

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("JORNADAS_", "DAGSTER_"))}
        env.update(
            JORNADAS_RAW_DIR=str(self.raw_dir),
            JORNADAS_HOME=str(self.home),
            DAGSTER_HOME=str(self.dagster_home),
            PYTHONUNBUFFERED="1",
        )
        return env


def read_only(path: Path) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(str(path), read_only=True)


def assert_complete_checked_version(path: Path) -> str:
    """The published file opens, its marts agree with its facts, and the run that produced it
    recorded quality results without a failed ERROR check. Returns that run's id."""
    with read_only(path) as con:
        run_id = con.execute("select run_id from audit.published_version").fetchone()[0]
        assert con.execute(FACTS_VS_JORNADA_MART).fetchone()[0] == 0
        assert con.execute(FACTS_VS_UNIT_MART).fetchone()[0] == 0
        results, failed_errors = con.execute(
            "select count(*), count(*) filter (where severity = 'ERROR' and not passed) "
            "from audit.quality_results where run_id = ?",
            [run_id],
        ).fetchone()
    assert results > 0, f"no quality results for the published run {run_id}"
    assert failed_errors == 0
    return run_id


def land_correction(warehouse: Warehouse) -> Correction:
    """A later version of the biggest report of the latest jornada, every quantity + 1 more
    than the version in force, renamed into place like a producer would."""
    with read_only(warehouse.published_db) as con:
        con.execute("set timezone = 'UTC'")
        (unit_id,) = con.execute(
            "select unit_id from core.fct_activities where jornada_id = ? "
            "group by unit_id order by count(*) desc, unit_id limit 1",
            [LATEST_JORNADA],
        ).fetchone()
        lines = con.execute(
            "select service_date, activity, coalesce(specialty, ''), quantity, submitted_at "
            "from core.fct_activities where jornada_id = ? and unit_id = ? order by all",
            [LATEST_JORNADA, unit_id],
        ).fetchall()
    submitted_at = max(line[4] for line in lines) + dt.timedelta(hours=1)
    bump = len(warehouse.corrections) + 1
    folder = warehouse.raw_dir / "unit_reports" / LATEST_JORNADA / "corrections"
    folder.mkdir(parents=True, exist_ok=True)
    final = folder / f"{LATEST_JORNADA}_{unit_id}_correction_{bump}.csv"
    partial = folder / f".{final.name}.part"
    with partial.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            ["unit_id", "jornada_id", "service_date", "activity", "specialty", "quantity",
             "submitted_at"]
        )  # fmt: skip
        for service_date, activity, specialty, quantity, _ in lines:
            writer.writerow(
                [unit_id, LATEST_JORNADA, service_date.isoformat(), activity, specialty,
                 quantity + 1, submitted_at.isoformat()]
            )  # fmt: skip
    os.replace(partial, final)
    correction = Correction(unit_id, submitted_at, sum(line[3] + 1 for line in lines), final)
    warehouse.corrections.append(correction)
    return correction


def assert_correction_published(path: Path, correction: Correction) -> None:
    with read_only(path) as con:
        total, submitted = con.execute(
            "select sum(quantity), max(submitted_at) from core.fct_activities "
            "where jornada_id = ? and unit_id = ?",
            [LATEST_JORNADA, correction.unit_id],
        ).fetchone()
    assert (total, submitted) == (correction.total, correction.submitted_at)


# --- child processes ----------------------------------------------------------------------


def start(warehouse: Warehouse, command: list[str], log_name: str) -> subprocess.Popen:
    """A child in its own process group (so that kill -9 reaches its dbt too), output to a log."""
    log = (warehouse.logs / log_name).open("w", encoding="utf-8")
    try:
        return subprocess.Popen(
            command,
            env=warehouse.env(),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    finally:
        log.close()


def refresh_command(warehouse: Warehouse) -> list[str]:
    return [sys.executable, "-m", "dagster_project.cli", "refresh", "--raw",
            str(warehouse.raw_dir), "--home", str(warehouse.home)]  # fmt: skip


def log_tail(warehouse: Warehouse, log_name: str, lines: int = 40) -> str:
    text = (warehouse.logs / log_name).read_text(encoding="utf-8", errors="replace")
    return "\n".join(text.splitlines()[-lines:])


def last_step_started(warehouse: Warehouse, log_name: str) -> str:
    text = (warehouse.logs / log_name).read_text(encoding="utf-8", errors="replace")
    started = [line[2:].strip() for line in text.splitlines() if line.startswith("▶ ")]
    return started[-1] if started else "(before the first step)"


def run_refresh(warehouse: Warehouse, log_name: str) -> int:
    """A complete refresh; records its duration for the kill points."""
    began = time.monotonic()
    process = start(warehouse, refresh_command(warehouse), log_name)
    exit_code = process.wait(timeout=REFRESH_TIMEOUT_SECONDS)
    warehouse.refresh_seconds.append(time.monotonic() - began)
    return exit_code


def live_group_members(group: int) -> list[int]:
    """Processes of a process group that are not zombies (a container's init may not reap)."""
    members = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        state, _, pgrp = text[text.rindex(")") + 2 :].split()[:3]
        if int(pgrp) == group and state != "Z":
            members.append(int(stat.parent.name))
    return members


def kill_process_group(process: subprocess.Popen) -> None:
    os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=CHILD_WAIT_SECONDS)
    deadline = time.monotonic() + CHILD_WAIT_SECONDS
    while live_group_members(process.pid):
        assert time.monotonic() < deadline, f"survivors: {live_group_members(process.pid)}"
        time.sleep(0.1)


def runs_in_progress(warehouse: Warehouse) -> list[str]:
    import dagster as dg

    with dg.DagsterInstance.from_config(str(warehouse.dagster_home)) as instance:
        return [
            run.run_id
            for run in instance.get_runs(
                filters=dg.RunsFilter(
                    statuses=[
                        dg.DagsterRunStatus.NOT_STARTED,
                        dg.DagsterRunStatus.STARTING,
                        dg.DagsterRunStatus.STARTED,
                    ]
                )
            )
        ]


# --- fixtures -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def warehouse(sample_refresh: RefreshOutcome, tmp_path_factory) -> Warehouse:
    """The published sample (first version), copied with its landing folder, to be changed."""
    assert sample_refresh.exit_code == 0, sample_refresh.output[-4000:]
    root = tmp_path_factory.mktemp("resilience")
    raw_dir, home, logs = root / "raw", root / "home", root / "logs"
    shutil.copytree(SAMPLE_RAW_DIR, raw_dir)
    shutil.copytree(sample_refresh.home, home)
    logs.mkdir()
    return Warehouse(raw_dir=raw_dir, home=home, logs=logs)


READER = textwrap.dedent(
    """
    import json, sys, traceback
    from pathlib import Path
    import duckdb

    published, ready, stop, report = map(Path, sys.argv[1:5])
    checks = json.loads(sys.argv[5])
    errors, held_runs, fresh_runs, disagreements, queries = [], [], [], [], 0

    def query(con):
        run_id = con.execute("select run_id from audit.published_version").fetchone()[0]
        for name, sql in checks.items():
            if con.execute(sql).fetchone()[0] != 0:
                disagreements.append([run_id, name])
        return run_id

    def fresh_read():
        # DuckDB caches database instances per path within a process: attach the file to a
        # fresh in-memory database to open the version published now.
        con = duckdb.connect()
        try:
            con.execute(f"attach '{published}' as warehouse (read_only)")
            con.execute("use warehouse")
            return query(con)
        finally:
            con.close()

    held = [duckdb.connect(str(published), read_only=True) for _ in range(2)]
    ready.write_text("ready")
    while not stop.exists():
        for con in held:
            try:
                run_id = query(con)
                queries += 1
                if run_id not in held_runs:
                    held_runs.append(run_id)
            except Exception:
                errors.append(traceback.format_exc())
        try:
            run_id = fresh_read()
            if run_id not in fresh_runs:
                fresh_runs.append(run_id)
        except Exception:
            errors.append(traceback.format_exc())
    final = fresh_read()
    for con in held:
        con.close()
    report.write_text(json.dumps({
        "errors": errors, "held_runs": held_runs, "fresh_runs": fresh_runs,
        "final_run": final, "disagreements": disagreements, "queries": queries,
    }))
    """
)


@dataclass(frozen=True)
class SqlCall:
    exit_code: int
    output: str
    refresh_running_after: bool


def jornadas_sql_in_a_loop(
    warehouse: Warehouse, refresh: subprocess.Popen, stop: threading.Event, calls: list[SqlCall]
) -> None:
    query = "select run_id from audit.published_version"
    while not stop.is_set():
        completed = subprocess.run(
            [sys.executable, "-m", "dagster_project.cli", "sql", query],
            env=warehouse.env(),
            capture_output=True,
            text=True,
            timeout=CHILD_WAIT_SECONDS,
            check=False,
        )
        calls.append(
            SqlCall(
                completed.returncode, completed.stdout + completed.stderr, refresh.poll() is None
            )
        )


@dataclass(frozen=True)
class ReadersOutcome:
    refresh_exit: int
    run_before: str
    reader_exit: int
    reader: dict
    sql_calls: list[SqlCall]
    correction: Correction


@pytest.fixture(scope="module")
def refresh_under_readers(warehouse: Warehouse, tmp_path_factory) -> Iterator[ReadersOutcome]:
    """A refresh that publishes a correction while analysts query the published file."""
    run_before = assert_complete_checked_version(warehouse.published_db)
    correction = land_correction(warehouse)
    signals = tmp_path_factory.mktemp("reader")
    ready, stop_file, report = signals / "ready", signals / "stop", signals / "report.json"
    checks = json.dumps(
        {"jornada_activity": FACTS_VS_JORNADA_MART, "unit_activity": FACTS_VS_UNIT_MART}
    )
    reader = subprocess.Popen(
        [sys.executable, "-c", READER, str(warehouse.published_db), str(ready), str(stop_file),
         str(report), checks],
        stderr=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    deadline = time.monotonic() + CHILD_WAIT_SECONDS
    while not ready.exists():
        assert reader.poll() is None, reader.communicate()
        assert time.monotonic() < deadline, "the reader never started"
        time.sleep(0.05)

    began = time.monotonic()
    refresh = start(warehouse, refresh_command(warehouse), "refresh_under_readers.log")
    stop_sql, sql_calls = threading.Event(), []
    sql_loop = threading.Thread(
        target=jornadas_sql_in_a_loop, args=(warehouse, refresh, stop_sql, sql_calls)
    )
    sql_loop.start()
    try:
        refresh_exit = refresh.wait(timeout=REFRESH_TIMEOUT_SECONDS)
        warehouse.refresh_seconds.append(time.monotonic() - began)
    finally:
        stop_sql.set()
        sql_loop.join()
        stop_file.write_text("stop")
    reader_exit = reader.wait(timeout=CHILD_WAIT_SECONDS)
    outcome = (
        json.loads(report.read_text()) if report.exists() else {"stderr": reader.stderr.read()}
    )
    yield ReadersOutcome(refresh_exit, run_before, reader_exit, outcome, sql_calls, correction)


# --- 1. analysts are never blocked ---------------------------------------------------------


@pytest.mark.slow
def test_readers_and_jornadas_sql_see_no_error_through_a_refresh_that_publishes_new_data(
    warehouse: Warehouse, refresh_under_readers: ReadersOutcome
) -> None:
    outcome = refresh_under_readers
    assert outcome.refresh_exit == 0, log_tail(warehouse, "refresh_under_readers.log")
    assert outcome.reader_exit == 0, outcome.reader
    reader = outcome.reader
    assert reader["errors"] == []
    assert reader["disagreements"] == []
    assert reader["queries"] > 0

    run_after = assert_complete_checked_version(warehouse.published_db)
    assert run_after != outcome.run_before
    assert_correction_published(warehouse.published_db, outcome.correction)
    # The held connections kept the version they opened; new ones opened the new version.
    assert reader["held_runs"] == [outcome.run_before]
    assert reader["fresh_runs"][0] == outcome.run_before
    assert reader["final_run"] == run_after

    calls = outcome.sql_calls
    during = [call for call in calls if call.refresh_running_after]
    assert len(during) >= 2, f"`jornadas sql` ran {len(during)} times during the refresh"
    assert [call for call in calls if call.exit_code != 0] == []
    for call in calls:
        assert outcome.run_before in call.output or run_after in call.output, call.output


# --- 2. crash safety ------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("fraction", KILL_FRACTIONS, ids=lambda f: f"{f:.0%}")
def test_a_refresh_killed_midway_leaves_a_checked_version_and_the_next_one_publishes(
    warehouse: Warehouse, refresh_under_readers: ReadersOutcome, fraction: float
) -> None:
    assert refresh_under_readers.refresh_exit == 0
    for attempt in range(1, KILL_ATTEMPTS + 1):
        run_before = assert_complete_checked_version(warehouse.published_db)
        correction = land_correction(warehouse)
        kill_after = fraction * warehouse.shortest_refresh_seconds
        log_name = f"killed_at_{fraction:.0%}_attempt_{attempt}.log"
        began = time.monotonic()
        refresh = start(warehouse, refresh_command(warehouse), log_name)
        try:
            exit_code = refresh.wait(timeout=kill_after)
        except subprocess.TimeoutExpired:
            break
        # Faster than every refresh before it: it ended before the kill point. It was a
        # complete refresh, so it is one more yardstick; try again with another correction.
        assert exit_code == 0, log_tail(warehouse, log_name)
        warehouse.refresh_seconds.append(time.monotonic() - began)
    else:
        pytest.fail(
            f"{KILL_ATTEMPTS} refreshes in a row ended before {fraction:.0%} of the shortest"
        )
    kill_process_group(refresh)
    where = last_step_started(warehouse, log_name)
    print(f"killed at {fraction:.0%} ({kill_after:.0f} s) during {where}")

    # The published file is still a complete, checked version: the old one, or (had the kill
    # come after the rename) the new one, never a mix.
    run_after_kill = assert_complete_checked_version(warehouse.published_db)

    next_log = f"after_kill_at_{fraction:.0%}.log"
    assert run_refresh(warehouse, next_log) == 0, log_tail(warehouse, next_log)
    run_now = assert_complete_checked_version(warehouse.published_db)
    assert run_now not in (run_before, run_after_kill)
    assert_correction_published(warehouse.published_db, correction)
    assert not list(warehouse.home.glob("jornadas.duckdb.new-*"))
    # The killed run does not stay "in progress": it would stall the daemon's run queue.
    assert runs_in_progress(warehouse) == []


# --- 3. one refresh at a time -----------------------------------------------------------------


def lock_holder_pid(warehouse: Warehouse) -> int | None:
    try:
        text = (warehouse.home / "refresh.lock").read_text(encoding="utf-8")
    except OSError:
        return None
    words = text.split()
    return int(words[1]) if len(words) > 1 and words[0] == "pid" else None


def step_window(instance, run_id: str) -> tuple[float, float]:
    """(first step event, last step event) of a run, from the Dagster event log."""
    times = [
        entry.timestamp
        for entry in instance.all_logs(run_id)
        if entry.dagster_event is not None and entry.dagster_event.is_step_event
    ]
    assert times, f"run {run_id} executed no step"
    return min(times), max(times)


@pytest.mark.slow
def test_a_job_run_launched_outside_the_cli_waits_for_a_running_refresh(
    warehouse: Warehouse, refresh_under_readers: ReadersOutcome
) -> None:
    import dagster as dg

    assert refresh_under_readers.refresh_exit == 0
    correction = land_correction(warehouse)
    launched_after = dt.datetime.now(dt.UTC)
    manual = start(warehouse, refresh_command(warehouse), "manual_refresh.log")
    deadline = time.monotonic() + REFRESH_TIMEOUT_SECONDS
    while lock_holder_pid(warehouse) != manual.pid:
        assert manual.poll() is None, log_tail(warehouse, "manual_refresh.log")
        assert time.monotonic() < deadline, "the manual refresh never took the refresh lock"
        time.sleep(0.2)
    # What the daemon's run worker does for a schedule tick: execute the job, no CLI around it.
    scheduled = start(
        warehouse,
        [sys.executable, "-m", "dagster", "job", "execute", "-m", "dagster_project.definitions",
         "-j", "weekly_refresh", "--tags", json.dumps({"resilience/launched_by": "job execute"})],
        "scheduled_run.log",
    )  # fmt: skip
    assert manual.wait(timeout=REFRESH_TIMEOUT_SECONDS) == 0, log_tail(
        warehouse, "manual_refresh.log"
    )
    assert scheduled.wait(timeout=REFRESH_TIMEOUT_SECONDS) == 0, log_tail(
        warehouse, "scheduled_run.log"
    )

    with dg.DagsterInstance.from_config(str(warehouse.dagster_home)) as instance:
        runs = instance.get_runs(filters=dg.RunsFilter(created_after=launched_after))
        by_launcher = {
            "cli" if run.tags.get("jornadas/trigger") == "cli" else "job": run for run in runs
        }
        assert len(runs) == 2 and set(by_launcher) == {"cli", "job"}, [r.tags for r in runs]
        assert all(run.status == dg.DagsterRunStatus.SUCCESS for run in runs)
        manual_window = step_window(instance, by_launcher["cli"].run_id)
        scheduled_window = step_window(instance, by_launcher["job"].run_id)
        scheduled_began = min(e.timestamp for e in instance.all_logs(by_launcher["job"].run_id))
    # The job's run had begun while the refresh was still going (so it had to wait) ...
    assert scheduled_began < manual_window[1], (scheduled_began, manual_window)
    # ... and its first step came after the refresh's last: serialized, not interleaved.
    assert manual_window[1] <= scheduled_window[0], (manual_window, scheduled_window)
    assert assert_complete_checked_version(warehouse.published_db) == by_launcher["job"].run_id
    assert_correction_published(warehouse.published_db, correction)


# --- 4. what analysts open ----------------------------------------------------------------


@pytest.mark.slow
def test_the_published_file_opens_in_the_duckdb_cli_1_5(warehouse: Warehouse) -> None:
    cli = duckdb_cli()
    assert cli is not None, "duckdb-cli (DuckDB 1.5) is a project dependency"
    version = subprocess.run([str(cli), "-version"], capture_output=True, text=True, check=True)
    assert version.stdout.startswith("v1.5"), version.stdout
    query = "select sum(quantity) from marts.jornada_activity"
    completed = subprocess.run(
        [str(cli), "-readonly", "-noheader", "-csv", str(warehouse.published_db), "-c", query],
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    with read_only(warehouse.published_db) as con:
        expected = con.execute(query).fetchone()[0]
    assert int(completed.stdout.strip()) == expected


@pytest.mark.slow
def test_the_published_quality_results_cover_twenty_checks_over_two_severities(
    warehouse: Warehouse,
) -> None:
    with read_only(warehouse.published_db) as con:
        run_id = con.execute("select run_id from audit.published_version").fetchone()[0]
        by_severity = dict(
            con.execute(
                "select severity, count(distinct check_name) from audit.quality_results "
                "where run_id = ? group by severity",
                [run_id],
            ).fetchall()
        )
    assert sum(by_severity.values()) >= 20, by_severity
    assert {"ERROR", "WARN"} <= set(by_severity), by_severity


# --- 5. runs left "in progress" by a kill -9 do not stall the daemon's queue -------------------


@pytest.fixture
def instance_with_runs(dbt_manifest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """A Dagster instance holding runs in every situation the clean-up must tell apart."""
    import socket

    import dagster as dg

    from dagster_project.defs.publish import LOCK_HOST_TAG, LOCK_PID_TAG

    monkeypatch.setenv("JORNADAS_HOME", str(tmp_path / "home"))
    finished = subprocess.Popen([sys.executable, "-c", "pass"])
    finished.wait()
    host = socket.gethostname()
    runs = {
        "killed_cli": (dg.DagsterRunStatus.STARTED, {"jornadas/trigger": "cli"}),
        "killed_worker": (
            dg.DagsterRunStatus.STARTED,
            {LOCK_PID_TAG: str(finished.pid), LOCK_HOST_TAG: host},
        ),
        "live_worker": (
            dg.DagsterRunStatus.STARTED,
            {LOCK_PID_TAG: str(os.getpid()), LOCK_HOST_TAG: host},
        ),
        "other_host": (
            dg.DagsterRunStatus.STARTED,
            {LOCK_PID_TAG: str(finished.pid), LOCK_HOST_TAG: f"not-{host}"},
        ),
        "created_elsewhere": (dg.DagsterRunStatus.NOT_STARTED, {}),
        "starting_worker": (dg.DagsterRunStatus.STARTING, {}),
    }
    with dg.instance_for_test() as instance:
        for name, (status, tags) in runs.items():
            instance.add_run(
                dg.DagsterRun(job_name="weekly_refresh", run_id=name, status=status, tags=tags)
            )
        yield instance


def statuses(instance) -> dict[str, str]:
    return {run.run_id: run.status.value for run in instance.get_runs()}


def test_a_schedule_tick_fails_the_runs_a_killed_process_left_in_progress(
    instance_with_runs,
) -> None:
    import dagster as dg

    from dagster_project.defs.schedules import weekly_refresh_schedule

    request = weekly_refresh_schedule(dg.build_schedule_context(instance=instance_with_runs))
    assert isinstance(request, dg.RunRequest)
    assert statuses(instance_with_runs) == {
        "killed_cli": "FAILURE",
        "killed_worker": "FAILURE",
        "live_worker": "STARTED",
        "other_host": "STARTED",
        "created_elsewhere": "NOT_STARTED",
        "starting_worker": "STARTING",
    }


HOLD_THE_LOCK = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from dagster_project.publish import refresh_lock
    from dagster_project.settings import get_settings

    ready, stop = map(Path, sys.argv[1:3])
    with refresh_lock(get_settings()):
        ready.write_text("held")
        while not stop.exists():
            time.sleep(0.05)
    """
)


def test_a_schedule_tick_during_a_refresh_leaves_the_runs_alone(
    instance_with_runs, tmp_path: Path
) -> None:
    import dagster as dg

    from dagster_project.defs.schedules import weekly_refresh_schedule

    before = statuses(instance_with_runs)
    ready, stop = tmp_path / "ready", tmp_path / "stop"
    holder = subprocess.Popen([sys.executable, "-c", HOLD_THE_LOCK, str(ready), str(stop)])
    try:
        deadline = time.monotonic() + CHILD_WAIT_SECONDS
        while not ready.exists():
            assert holder.poll() is None, "the lock holder died"
            assert time.monotonic() < deadline, "the lock holder never took the lock"
            time.sleep(0.05)
        # A refresh holds the lock: a CLI run "in progress" may be that refresh, so keep it.
        request = weekly_refresh_schedule(dg.build_schedule_context(instance=instance_with_runs))
    finally:
        stop.write_text("stop")
        holder.wait(timeout=CHILD_WAIT_SECONDS)
    assert isinstance(request, dg.RunRequest)
    assert statuses(instance_with_runs) == before
