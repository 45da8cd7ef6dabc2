"""`jornadas-dbt` makes dbt's logging cheaper without changing what it logs
(dagster_project/dbt_event_logging.py).

dbt's real event loggers are set up in a child process (dbt's logging is process-wide state),
once as plain dbt and once with the change; the same events are fired at every level. What
the console prints must be the same; what the console formats must shrink to what it prints.
If an upgrade of dbt moves the functions the change relies on, these tests fail.
"""

import json
import subprocess
import sys
from pathlib import Path

import pytest

_FIRE_EVENTS = """
import json, sys
from argparse import Namespace
from dbt.events.logging import setup_event_logger
from dbt_common.events.base_types import EventLevel
from dbt_common.events.event_manager_client import get_event_manager
from dbt_common.events.functions import fire_event
from dbt_common.events.types import Note, PrintEvent

changed, log_path, console_level, quiet = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
if changed == "changed":
    from dagster_project.dbt_event_logging import skip_unshown_console_events

    skip_unshown_console_events()
setup_event_logger(Namespace(
    LOG_PATH=log_path, LOG_LEVEL=console_level, LOG_FORMAT="json", QUIET=quiet == "quiet",
    DEBUG=False, USE_COLORS=False, LOG_CACHE_EVENTS=False, LOG_LEVEL_FILE="debug",
    LOG_FORMAT_FILE="debug", USE_COLORS_FILE=False, LOG_FILE_MAX_BYTES=10_000_000,
))
console = next(lg for lg in get_event_manager().loggers if lg.name == "stdout_log")
formatted = []
create_line = console.create_line
console.create_line = lambda msg: formatted.append(msg.info.msg) or create_line(msg)
for level in ("debug", "info", "warn", "error"):
    fire_event(Note(msg=f"a {level} note"), level=EventLevel(level))
fire_event(PrintEvent(msg="printed whatever the level"))
print(json.dumps(formatted), file=sys.stderr)
"""


def _fire_events(changed: bool, log_path: Path, console_level: str, quiet: bool):
    """(what the console printed, what it formatted, the log file's lines)."""
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            _FIRE_EVENTS,
            "changed" if changed else "plain",
            str(log_path),
            console_level,
            "quiet" if quiet else "loud",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    printed = [
        (event["info"]["level"], event["info"]["msg"])
        for event in map(json.loads, done.stdout.splitlines())
    ]
    formatted = json.loads(done.stderr.strip().splitlines()[-1])
    log_lines = (log_path / "dbt.log").read_text(encoding="utf-8").splitlines()
    return printed, formatted, log_lines


@pytest.mark.parametrize(
    ("console_level", "quiet"), [("info", False), ("debug", False), ("warn", False), ("info", True)]
)
def test_the_console_prints_the_same_and_formats_only_what_it_prints(
    tmp_path: Path, console_level: str, quiet: bool
):
    plain, plain_formatted, plain_log = _fire_events(
        False, tmp_path / "plain", console_level, quiet
    )
    changed, changed_formatted, changed_log = _fire_events(
        True, tmp_path / "changed", console_level, quiet
    )
    assert changed == plain
    assert "printed whatever the level" in [msg for _, msg in changed]
    # Plain dbt formats every event; the change formats what the console prints.
    assert len(plain_formatted) == 5
    assert changed_formatted == [msg for _, msg in changed]
    # The log file still gets every event, whatever the console shows.
    for log in (plain_log, changed_log):
        for level in ("debug", "info", "warn", "error"):
            assert any(f"a {level} note" in line for line in log), log


_FILL_THE_LOG = """
import sys
from argparse import Namespace
from dbt.events.logging import setup_event_logger
from dbt_common.events.base_types import EventLevel
from dbt_common.events.functions import fire_event
from dbt_common.events.types import Note

changed, log_path, max_bytes = sys.argv[1], sys.argv[2], int(sys.argv[3])
if changed == "changed":
    from dagster_project.dbt_event_logging import rotate_log_file_when_opened

    rotate_log_file_when_opened()
setup_event_logger(Namespace(
    LOG_PATH=log_path, LOG_LEVEL="warn", LOG_FORMAT="json", QUIET=True, DEBUG=False,
    USE_COLORS=False, LOG_CACHE_EVENTS=False, LOG_LEVEL_FILE="debug", LOG_FORMAT_FILE="debug",
    USE_COLORS_FILE=False, LOG_FILE_MAX_BYTES=max_bytes,
))
for number in range(200):
    fire_event(Note(msg=f"note {number:03d} of this command"), level=EventLevel.DEBUG)
"""


def _fill_the_log(changed: bool, log_path: Path, max_bytes: int) -> dict[str, list[str]]:
    """dbt's file logger after 200 debug notes: each log file's notes, by file name."""
    done = subprocess.run(
        [sys.executable, "-c", _FILL_THE_LOG, "changed" if changed else "plain", str(log_path),
         str(max_bytes)],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    return {
        file.name: [
            line.split("]: ")[-1] for line in file.read_text().splitlines() if "note " in line
        ]
        for file in sorted(log_path.glob("dbt.log*"))
    }


def test_the_log_file_rolls_over_when_opened_and_keeps_every_line(tmp_path: Path) -> None:
    """dbt checks the file's size before every line; the change checks once, when dbt opens
    the file at the start of a command: a file already past the limit becomes dbt.log.1, and
    the command's lines, all of them, go to dbt.log."""
    max_bytes = 2_000  # 200 notes take about 16 KB
    plain = _fill_the_log(False, tmp_path / "plain", max_bytes)
    changed = _fill_the_log(True, tmp_path / "changed", max_bytes)
    notes = [f"note {number:03d} of this command" for number in range(200)]

    # Plain dbt rolled over during the command and kept its five backups (the oldest lost).
    assert sorted(plain) == ["dbt.log", *(f"dbt.log.{n}" for n in range(1, 6))]
    # Changed: one file, every line in order.
    assert changed == {"dbt.log": notes}

    # The next command finds dbt.log past the limit: it rolls over once, then writes.
    again = _fill_the_log(True, tmp_path / "changed", max_bytes)
    assert again == {"dbt.log": notes, "dbt.log.1": notes}
    # Under the limit, the next command appends to it.
    _fill_the_log(True, tmp_path / "below", 10_000_000)
    below = _fill_the_log(True, tmp_path / "below", 10_000_000)
    assert below == {"dbt.log": notes + notes}
