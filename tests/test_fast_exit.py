"""`exit_without_teardown`: what a normal exit does that matters, without the teardown."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path


def _run(code: str, tmp_path: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=60,
        check=False,
    )


def test_the_exit_code_atexit_handlers_and_buffered_output_survive(tmp_path):
    completed = _run(
        """
        import atexit, sys
        from pathlib import Path
        from dagster_project.fast_exit import exit_without_teardown
        atexit.register(lambda: Path("handler_ran").write_text("yes"))
        sys.stdout.write("buffered, not flushed")
        exit_without_teardown(3)
        """,
        tmp_path,
    )
    assert completed.returncode == 3, completed.stderr
    assert completed.stdout == "buffered, not flushed"
    assert (tmp_path / "handler_ran").read_text() == "yes"


def test_the_teardown_is_skipped(tmp_path):
    """An object's finalizer, which a normal exit's teardown would run, does not run."""
    completed = _run(
        """
        from pathlib import Path
        from dagster_project.fast_exit import exit_without_teardown
        class Marker:
            def __del__(self):
                Path("finalized").write_text("yes")
        kept = Marker()
        exit_without_teardown(0)
        """,
        tmp_path,
    )
    assert completed.returncode == 0, completed.stderr
    assert not (tmp_path / "finalized").exists()


def test_a_running_thread_gets_a_normal_exit(tmp_path):
    """A non-daemon thread still at work is waited for, as a normal exit waits for it."""
    completed = _run(
        """
        import threading, time
        from pathlib import Path
        from dagster_project.fast_exit import exit_without_teardown
        def work():
            time.sleep(0.5)
            Path("thread_done").write_text("yes")
        threading.Thread(target=work).start()
        exit_without_teardown(5)
        """,
        tmp_path,
    )
    assert completed.returncode == 5, completed.stderr
    assert (tmp_path / "thread_done").read_text() == "yes"
