"""End a process whose work is done without the interpreter's teardown.

Tearing down Dagster's, dbt's or GX's modules and collecting their objects takes 0.5-1 s per
process here, after the work is done and its output written; a refresh waited for three such
teardowns (its own, the GX worker's and the dbt process's). `exit_without_teardown` runs the
atexit handlers, as a normal exit does (helper processes stopped, logging flushed,
multiprocessing's finalizers, which release the semaphores dbt registers), flushes the standard
streams and ends the process. What it skips is the teardown of modules, the last garbage
collection and the finalizers of objects still alive; callers close what they write (DuckDB
connections, files) before they get here. While a thread that a normal exit would wait for is
still running, it exits normally.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import sys
import threading
from typing import NoReturn


def _threads_a_normal_exit_waits_for() -> list[threading.Thread]:
    main = threading.main_thread()
    return [
        thread
        for thread in threading.enumerate()
        if thread is not main and not thread.daemon and thread.is_alive()
    ]


def exit_without_teardown(code: int) -> NoReturn:
    """Exit with `code`: atexit handlers and stream flushes, then no teardown (see above)."""
    if _threads_a_normal_exit_waits_for():
        sys.exit(code)
    atexit._run_exitfuncs()  # noqa: SLF001 - exactly the handlers a normal exit runs
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):  # a closed or broken stream: nothing left to flush
            stream.flush()
    os._exit(code)
