"""A dbt process started ahead of the build, so that dbt's import overlaps ingest.

dagster-dbt starts `jornadas-dbt` as a new process for each dbt command, and that process spends
about 1.8 s importing dbt-core before it prints a line (BENCHMARKS.md, "Fixed costs"). `start()`,
called when a run's ingest begins, launches `python -m dagster_project.dbt_warm` on a listening
Unix socket: it imports dbt on the other core while files are read, then waits. The next
`jornadas-dbt` started with this process's environment hands it its command (arguments, folder,
environment, and its own standard streams as file descriptors) and waits for the exit code,
forwarding SIGINT and SIGTERM. The warm process then runs that command exactly as
`jornadas-dbt` would have (`dbt_in_build_folder.run`) and exits: one command per warm process.

`jornadas-dbt` runs dbt itself whenever there is no warm process to take its command: none
started, already used, gone, or from another Python. A warm process that dies after taking a
command makes the command fail (exit code 1, never a second run). A warm process exits unused
when the process that started it ends, and stops (SIGINT) the command it runs when the
`jornadas-dbt` that handed it over dies. A warm process removes its private folder when it
ends; the folder of one killed outright (kill -9) is removed by the next `start()`.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import pickle
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from dagster_project.fast_exit import exit_without_teardown
from dagster_project.settings import PROJECT_ROOT, helper_process_environment

SOCKET_ENV = "JORNADAS_DBT_WARM_SOCKET"
# Each warm process gets a private folder (0700) in the temporary directory, holding its socket
# and the pid file that lets a later start remove the folder of one that was killed.
FOLDER_PREFIX = "jornadas-dbt-"
PID_FILE = "warm.pid"
_UNRECORDED_GRACE_SECONDS = 60
_LENGTH = struct.Struct("!Q")
# The warm process refuses a command (another Python or project) or takes it; the client
# says go; the warm process says the command ended, with its exit code.
_REFUSED, _TAKEN, _GO, _ENDED = b"R", b"T", b"G", b"E"
_CODE = struct.Struct("!i")
_ANSWER_TIMEOUT_SECONDS = 60
_STOP_GRACE_SECONDS = 30


def _receive_exactly(connection: socket.socket, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = connection.recv(size - len(data))
        if not chunk:
            raise EOFError
        data += chunk
    return data


def _identity() -> dict[str, str]:
    """What client and warm process must share for the hand-over to change nothing."""
    return {"python": sys.executable, "project": str(PROJECT_ROOT)}


# --- in the process that runs the build --------------------------------------------------------

_lock = threading.Lock()
_warm: tuple[subprocess.Popen, Path] | None = None


def remove_stale_folders() -> list[Path]:
    """Remove the folders of warm processes that were killed (SIGKILL leaves no chance to clean
    up): this user's `jornadas-dbt-*` folders whose recorded warm process no longer exists, or
    that never recorded one and are older than a minute. A live warm process's folder stays."""
    removed = []
    for folder in Path(tempfile.gettempdir()).glob(f"{FOLDER_PREFIX}*"):
        try:
            if not folder.is_dir() or folder.stat().st_uid != os.getuid():
                continue
            recorded = folder / PID_FILE
            if recorded.exists():
                stale = not _process_exists(int(recorded.read_text()))
            else:
                stale = time.time() - folder.stat().st_mtime > _UNRECORDED_GRACE_SECONDS
        except (OSError, ValueError):
            continue  # being created or removed right now, or not ours to judge
        if stale:
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    return removed


def _process_exists(pid: int) -> bool:
    """False once no process has `pid`; another user's process raises PermissionError."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def start() -> str | None:
    """Start a warm dbt process for this process's next `jornadas-dbt`, unless an unused one
    is running already. Returns why none could start (dbt then starts cold), or None."""
    global _warm
    with _lock:
        if _warm is not None:
            process, path = _warm
            if process.poll() is None and path.exists():
                return None
        remove_stale_folders()
        folder = Path(tempfile.mkdtemp(prefix=FOLDER_PREFIX))
        path = folder / "dbt.sock"
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        environment = helper_process_environment()
        environment.pop(SOCKET_ENV, None)
        try:
            # Bound here, so that the socket exists before the child has even started.
            listener.bind(str(path))
            listener.listen(1)
            process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    __name__,
                    str(os.getpid()),
                    str(listener.fileno()),
                    str(path),
                ],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                env=environment,
                pass_fds=[listener.fileno()],
            )
        except OSError as error:  # e.g. a socket path too long for AF_UNIX
            shutil.rmtree(folder, ignore_errors=True)
            return f"no warm dbt process: {error}"
        finally:
            listener.close()
        # Whose folder this is, for remove_stale_folders() after a kill -9.
        (folder / PID_FILE).write_text(str(process.pid))
        _warm = (process, path)
        os.environ[SOCKET_ENV] = str(path)
        return None


def started() -> tuple[subprocess.Popen, Path] | None:
    """The warm process this process started last, and its socket, if any."""
    return _warm


@atexit.register
def _stop_unused() -> None:
    if _warm is None:
        return
    process, path = _warm
    if path.exists() and process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
    shutil.rmtree(path.parent, ignore_errors=True)


# --- in `jornadas-dbt` -----------------------------------------------------------------------


def hand_over(socket_path: str, argv: list[str]) -> int | None:
    """Run the command `argv` in the warm process at `socket_path`; its exit code, or None when
    no warm process took the command (the caller then runs dbt itself)."""
    connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        connection.connect(socket_path)
        command = pickle.dumps(
            {
                "identity": _identity(),
                "argv": argv,
                "folder": os.getcwd(),
                "environment": dict(os.environ),
            }
        )
        socket.send_fds(connection, [_LENGTH.pack(len(command))], [0, 1, 2])
        connection.sendall(command)
        # The warm process answers once it has imported dbt (about 2 s after it started).
        connection.settimeout(_ANSWER_TIMEOUT_SECONDS)
        if _receive_exactly(connection, 1) != _TAKEN:
            raise EOFError  # refused: another Python or project
        warm_pid = _CODE.unpack(_receive_exactly(connection, _CODE.size))[0]
        # Only now does the warm process run the command: a client that gave up before this
        # point (and runs dbt itself) can never see its command run twice.
        connection.sendall(_GO)
    except (OSError, EOFError):
        connection.close()
        return None

    def forward(signal_number: int, _frame) -> None:
        os.kill(warm_pid, signal_number)

    for signal_number in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signal_number, forward)
    try:
        connection.settimeout(None)
        ended = _receive_exactly(connection, 1 + _CODE.size)
    except (OSError, EOFError):
        print("jornadas-dbt: the warm dbt process died during the command", file=sys.stderr)
        connection.close()
        return 1
    # Then wait for it to exit, as dagster-dbt waits for a dbt process (and its output).
    with contextlib.suppress(OSError):
        connection.recv(1)
    connection.close()
    return _CODE.unpack(ended[1:])[0]


# --- the warm process ------------------------------------------------------------------------


def _exit_code(error: SystemExit) -> int:
    if error.code is None:
        return 0
    if isinstance(error.code, int):
        return error.code
    print(error.code, file=sys.stderr)
    return 1


def _stop_when_client_dies(connection: socket.socket, finished: threading.Event) -> None:
    """The client never writes after "go": end of file means it has gone."""
    with contextlib.suppress(OSError):
        connection.recv(1)
    if finished.is_set():
        return
    os.kill(os.getpid(), signal.SIGINT)
    time.sleep(_STOP_GRACE_SECONDS)
    os._exit(1)


# An interrupt that reaches the warm process before its command runs: the client forwards
# SIGINT as soon as it has sent "go", which can be before this process has read it.
_interrupt_pending = threading.Event()


def _remember_interrupt(_signal_number: int, _frame) -> None:
    _interrupt_pending.set()


def _take_command(connection: socket.socket) -> None:
    """Run the command sent on `connection` in this process, then exit with its code; returns
    only if none was run."""
    try:
        header, descriptors, _flags, _address = socket.recv_fds(connection, _LENGTH.size, 3)
        command = pickle.loads(_receive_exactly(connection, _LENGTH.unpack(header)[0]))
        if command["identity"] != _identity() or len(descriptors) != 3:
            connection.sendall(_REFUSED)
            return
        _interrupt_pending.clear()  # a Ctrl-C of the idle wait was not meant for this command
        connection.sendall(_TAKEN + _CODE.pack(os.getpid()))
        if _receive_exactly(connection, 1) != _GO:
            return
    except (OSError, EOFError):
        return  # the client went away before "go": nothing ran
    for target, descriptor in zip((0, 1, 2), descriptors, strict=True):
        os.dup2(descriptor, target)
        os.close(descriptor)
    os.chdir(command["folder"])
    os.environ.clear()
    os.environ.update(command["environment"])
    sys.argv = list(command["argv"])
    # Click names the program after __main__: `python -m dagster_project.…` in this process,
    # where the command's own is the script in argv[0].
    sys.modules["__main__"].__package__ = None
    signal.signal(signal.SIGINT, signal.default_int_handler)
    finished = threading.Event()
    threading.Thread(
        target=_stop_when_client_dies, args=(connection, finished), daemon=True
    ).start()

    from dagster_project.dbt_in_build_folder import run

    try:
        if _interrupt_pending.is_set():
            raise KeyboardInterrupt  # forwarded while the command was being set up
        run()
        code = 0
    except SystemExit as error:
        code = _exit_code(error)
    except KeyboardInterrupt:
        code = 130
    finished.set()
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    sys.stdout.flush()
    sys.stderr.flush()
    connection.sendall(_ENDED + _CODE.pack(code))
    # The client waits for this exit. The atexit handlers release what dbt's multiprocessing
    # locks registered; the teardown of dbt's modules that follows a normal exit is skipped.
    exit_without_teardown(code)


def _accept_while(listener: socket.socket, parent: int) -> socket.socket | None:
    """The first client's connection, or None once process `parent` has gone."""
    listener.settimeout(1.0)
    while os.getppid() == parent:
        try:
            connection, _ = listener.accept()
        except TimeoutError:
            continue
        connection.settimeout(None)
        return connection
    return None


def serve(parent: int, listener_fd: int, path: Path) -> None:
    """Import dbt, then take one command, or exit once the starting process `parent` has gone."""
    listener = socket.socket(fileno=listener_fd)
    # An interrupt (Ctrl-C reaches the whole process group) is for the command, once there
    # is one; until then the warm process just ends with the process that started it. It is
    # remembered, not ignored: one forwarded during the hand-over must stop the command.
    signal.signal(signal.SIGINT, _remember_interrupt)
    try:
        import dbt.adapters.duckdb  # noqa: F401 - imported ahead: the point of this process
        import dbt.cli.main  # noqa: F401

        connection = _accept_while(listener, parent)
    finally:
        # One command per warm process: later clients find no socket and run dbt themselves.
        listener.close()
        path.unlink(missing_ok=True)
        shutil.rmtree(path.parent, ignore_errors=True)
    if connection is not None:
        _take_command(connection)


if __name__ == "__main__":
    serve(int(sys.argv[1]), int(sys.argv[2]), Path(sys.argv[3]))
