"""A warm dbt process runs the command `jornadas-dbt` hands it exactly as `jornadas-dbt` would
have, once; without one, `jornadas-dbt` runs dbt itself (dagster_project/dbt_warm.py)."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from dagster_project import dbt_warm
from dagster_project.settings import BUILD_DB_ENV, DBT_PROJECT_DIR, dbt_executable

# `dbt ls` parses the project with its profile and prints the selected nodes: a real dbt
# command that needs the folder, the environment and the standard output handed over.
LIST_SEEDS = ["ls", "--resource-type", "seed", "--output", "name", "--log-format", "text"]


def _environment(tmp_path: Path, warm_socket: str | None) -> dict[str, str]:
    # The parse of `jornadas setup`, so that dbt parses only what changed since.
    parsed = DBT_PROJECT_DIR / "target" / "partial_parse.msgpack"
    if parsed.exists():
        (tmp_path / "target").mkdir(parents=True, exist_ok=True)
        shutil.copy(parsed, tmp_path / "target" / parsed.name)
    environment = {key: value for key, value in os.environ.items() if key != dbt_warm.SOCKET_ENV}
    environment[BUILD_DB_ENV] = str(tmp_path / "jornadas_build.duckdb")
    environment["DO_NOT_TRACK"] = "1"
    environment["DBT_TARGET_PATH"] = str(tmp_path / "target")
    environment["DBT_LOG_PATH"] = str(tmp_path / "logs")
    if warm_socket is not None:
        environment[dbt_warm.SOCKET_ENV] = warm_socket
    return environment


def _jornadas_dbt(arguments: list[str], environment: dict[str, str]):
    return subprocess.run(
        [dbt_executable(), *arguments],
        cwd=DBT_PROJECT_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
    )


def _ended(pid: int, within_seconds: float = 20) -> bool:
    """Whether process `pid` has ended (or is a zombie) within a generous bound."""
    deadline = time.monotonic() + within_seconds
    while time.monotonic() < deadline:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except (FileNotFoundError, ProcessLookupError):
            return True
        if state in ("Z", "X"):
            return True
        time.sleep(0.1)
    return False


@pytest.fixture
def warm_process(tmp_path: Path):
    """A warm dbt process started by this process; its socket is removed from the test's own
    environment afterwards."""
    assert dbt_warm.start() is None
    started = dbt_warm.started()
    assert started is not None
    process, socket_path = started
    yield process.pid, socket_path
    os.environ.pop(dbt_warm.SOCKET_ENV, None)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=1)


def _lines(output: str) -> list[str]:
    return [line for line in output.splitlines() if line.strip()]


def test_a_command_handed_over_prints_and_exits_as_plain_jornadas_dbt(
    tmp_path: Path, warm_process
) -> None:
    pid, socket_path = warm_process
    plain = _jornadas_dbt(LIST_SEEDS, _environment(tmp_path / "plain", None))
    handed_over = _jornadas_dbt(LIST_SEEDS, _environment(tmp_path / "warm", str(socket_path)))
    assert plain.returncode == 0, plain.stderr
    assert handed_over.returncode == 0, handed_over.stderr
    seeds = [line for line in _lines(plain.stdout) if line.isidentifier()]
    assert "units" in seeds and "activities" in seeds
    assert [line for line in _lines(handed_over.stdout) if line.isidentifier()] == seeds
    assert handed_over.stderr == plain.stderr
    # The warm process took it: its socket is gone and it ended with the command.
    assert not socket_path.exists()
    assert _ended(pid)


def test_a_failing_command_handed_over_fails_with_the_same_code_and_message(
    tmp_path: Path, warm_process
) -> None:
    pid, socket_path = warm_process
    plain = _jornadas_dbt(["no-such-command"], _environment(tmp_path, None))
    handed_over = _jornadas_dbt(["no-such-command"], _environment(tmp_path, str(socket_path)))
    assert plain.returncode == 2
    assert handed_over.returncode == plain.returncode
    assert "no-such-command" in handed_over.stderr
    assert handed_over.stderr == plain.stderr
    assert _ended(pid)


def test_a_warm_process_takes_one_command_and_later_ones_run_cold(
    tmp_path: Path, warm_process
) -> None:
    pid, socket_path = warm_process
    environment = _environment(tmp_path, str(socket_path))
    first = _jornadas_dbt(["--help"], environment)
    second = _jornadas_dbt(["--help"], environment)
    assert first.returncode == second.returncode == 0
    assert first.stdout == second.stdout
    assert _ended(pid)
    # The next start launches a new one.
    assert dbt_warm.start() is None
    renewed = dbt_warm.started()
    assert renewed is not None and renewed[0].pid != pid and renewed[1].exists()


def test_an_interrupted_jornadas_dbt_stops_the_command_it_handed_over(
    tmp_path: Path, warm_process
) -> None:
    pid, socket_path = warm_process
    # Without the project's parse, `dbt ls` parses it all: seconds in which to interrupt it,
    # as dagster-dbt does when a run is terminated.
    environment = _environment(tmp_path, str(socket_path))
    (tmp_path / "target" / "partial_parse.msgpack").unlink(missing_ok=True)
    client = subprocess.Popen(
        [dbt_executable(), *LIST_SEEDS],
        cwd=DBT_PROJECT_DIR,
        env=environment,
        stdout=subprocess.PIPE,
        text=True,
    )
    # Interrupted once dbt runs (its first line), not after a fixed delay: on a loaded machine
    # the hand-over itself can take longer than any such delay.
    assert client.stdout is not None
    first_line = client.stdout.readline()
    assert "Running with dbt" in first_line, first_line
    client.send_signal(signal.SIGINT)
    rest, _ = client.communicate(timeout=60)
    assert client.returncode != 0, (signal.getsignal(signal.SIGINT), rest)
    assert _ended(pid)


def test_an_interrupt_forwarded_while_the_command_is_handed_over_stops_it(
    tmp_path: Path, warm_process, monkeypatch
) -> None:
    """`jornadas-dbt` forwards SIGINT from the moment it has sent "go", which can be before the
    warm process has read it: an interrupt that arrives then is kept for the command. Here it
    is sent once the warm process has taken the command and before "go" (the race, made
    certain); an interrupt that was ignored would let `dbt ls` run and exit 0."""
    pid, socket_path = warm_process
    receive = dbt_warm._receive_exactly

    def interrupt_once_taken(connection, size: int) -> bytes:
        received = receive(connection, size)
        if size == dbt_warm._CODE.size:  # the warm process's pid: it has taken the command
            os.kill(pid, signal.SIGINT)
            time.sleep(0.5)
        return received

    monkeypatch.setattr(dbt_warm, "_receive_exactly", interrupt_once_taken)
    monkeypatch.chdir(DBT_PROJECT_DIR)
    for key, value in _environment(tmp_path, str(socket_path)).items():
        monkeypatch.setenv(key, value)
    # hand_over forwards this process's interrupts to the warm process while it waits.
    handlers = {number: signal.getsignal(number) for number in (signal.SIGINT, signal.SIGTERM)}
    try:
        code = dbt_warm.hand_over(str(socket_path), [dbt_executable(), *LIST_SEEDS])
    finally:
        for number, handler in handlers.items():
            signal.signal(number, handler)
    assert code == 130
    assert _ended(pid)


def test_without_a_warm_process_jornadas_dbt_runs_dbt_itself(tmp_path: Path) -> None:
    gone = tmp_path / "no-warm-process.sock"
    ran = _jornadas_dbt(["--help"], _environment(tmp_path, str(gone)))
    assert ran.returncode == 0, ran.stderr
    assert "Usage" in ran.stdout


def test_a_warm_process_refuses_a_client_of_another_python(
    tmp_path: Path, warm_process, monkeypatch
) -> None:
    pid, socket_path = warm_process
    monkeypatch.setattr(
        dbt_warm, "_identity", lambda: {"python": "/another/python", "project": "elsewhere"}
    )
    assert dbt_warm.hand_over(str(socket_path), ["jornadas-dbt", "--help"]) is None
    assert _ended(pid)


def test_an_unused_warm_process_ends_with_the_process_that_started_it(tmp_path: Path) -> None:
    # The starting process dies without its exit handlers, as a killed run would.
    starter = textwrap.dedent(
        """
        import os
        from dagster_project import dbt_warm
        assert dbt_warm.start() is None
        process, path = dbt_warm.started()
        print(process.pid, path, flush=True)
        os._exit(0)
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", starter],
        capture_output=True,
        text=True,
        timeout=60,
        env={k: v for k, v in os.environ.items() if k != dbt_warm.SOCKET_ENV},
    )
    assert done.returncode == 0, done.stderr
    pid_text, path_text = done.stdout.split()
    assert _ended(int(pid_text))
    assert not Path(path_text).parent.exists()


def test_the_folder_of_a_killed_warm_process_goes_at_the_next_start(warm_process) -> None:
    """kill -9 leaves the warm process no chance to remove its folder; the next start does,
    and leaves the folder of a warm process that still runs."""
    pid, socket_path = warm_process
    folder = socket_path.parent
    assert (folder / dbt_warm.PID_FILE).read_text() == str(pid)
    assert folder not in dbt_warm.remove_stale_folders()  # alive: kept
    os.kill(pid, signal.SIGKILL)
    assert _ended(pid)
    started = dbt_warm.started()
    assert started is not None
    started[0].wait(timeout=5)  # reaped, so that no process has its pid any more
    assert folder.exists()
    assert folder in dbt_warm.remove_stale_folders()
    assert not folder.exists()


def test_only_stale_folders_are_removed(tmp_path: Path, monkeypatch) -> None:
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    dead_pid = subprocess.Popen([sys.executable, "-c", "pass"])
    dead_pid.wait()  # reaped: no process has its pid any more

    def folder(name: str, pid: int | None) -> Path:
        path = tmp_path / f"{dbt_warm.FOLDER_PREFIX}{name}"
        path.mkdir()
        if pid is not None:
            (path / dbt_warm.PID_FILE).write_text(str(pid))
        return path

    dead = folder("dead", dead_pid.pid)
    alive = folder("alive", os.getpid())
    just_made = folder("just_made", None)
    abandoned = folder("abandoned", None)
    an_hour_ago = time.time() - 3600
    os.utime(abandoned, (an_hour_ago, an_hour_ago))
    other = tmp_path / "someone-elses-folder"
    other.mkdir()

    assert sorted(dbt_warm.remove_stale_folders()) == sorted([dead, abandoned])
    assert alive.exists() and just_made.exists() and other.exists()
