"""What `jornadas-dbt` changes in dbt's logging: only the cost, never what is logged.

dbt fires about 7,000 events in a build of this project, most of them at debug level (every
SQL statement, connection and compile step), and each logger formats every event before
Python's `logging` drops the ones under its level. dagster-dbt reads dbt's console as JSON at
info level (about 400 lines), so dbt turned some 6,600 debug events a build into JSON only to
throw them away: about 2-3 s of a sample build (docs/BENCHMARKS_HISTORY.md, eighth round).
Here the console logger first skips the events under its own level (the lines it prints are
the same), and the log file `dbt.log` is written in dbt's own text format rather than the JSON
that dagster-dbt's `DBT_LOG_FORMAT=json` also gives the file (every debug event still goes to
it). And `dbt.log` rolls over, past dbt's size limit, when dbt opens it at the start of a
command, not before each line: Python's `RotatingFileHandler` checks the file (two `stat`
calls, a seek and the line formatted twice) for every one of the build's ~7,000 lines, under
the handler's lock that dbt's two threads share.

All three change private details of dbt-core 1.11 (pinned in pyproject.toml);
tests/test_dbt_event_logging.py fails if an upgrade moves them.
"""

import os
from logging.handlers import RotatingFileHandler
from typing import Any

# dbt's event levels in Python's logging numbers, as dbt's own loggers compare them.
_LEVEL_NUMBERS = {"debug": 10, "test": 10, "info": 20, "warn": 30, "error": 40}


def skip_unshown_console_events() -> None:
    """Make dbt's console logger drop the events under its level before formatting them."""
    import dbt.events.logging as dbt_logging
    from dbt_common.events.logger import PRINT_EVENT_NAMES  # printed whatever the level

    make_stdout_config = dbt_logging.get_stdout_config

    def stdout_config(line_format, use_colors, level, log_cache_events):
        config = make_stdout_config(line_format, use_colors, level, log_cache_events)
        dbt_filter, lowest = config.filter, _LEVEL_NUMBERS[str(level.value)]

        def shown(msg: Any) -> bool:
            at_level = _LEVEL_NUMBERS.get(msg.info.level, 40) >= lowest
            return (at_level or msg.info.name in PRINT_EVENT_NAMES) and dbt_filter(msg)

        config.filter = shown
        return config

    dbt_logging.get_stdout_config = stdout_config


def log_file_in_dbt_text_format() -> None:
    """dbt.log in dbt's usual debug-text lines, unless the caller chose a format."""
    os.environ.setdefault("DBT_LOG_FORMAT_FILE", "debug")


class _RotatingWhenOpened(RotatingFileHandler):
    """dbt's log file handler, with the same size limit and backups, checked once when opened."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        name = self.baseFilename
        if self.maxBytes > 0 and os.path.isfile(name) and os.path.getsize(name) >= self.maxBytes:
            self.doRollover()

    def shouldRollover(self, record: Any) -> bool:  # noqa: ARG002, N802 - logging's API
        return False


def rotate_log_file_when_opened() -> None:
    """Make dbt's log file roll over when dbt opens it, not check before every line."""
    import dbt_common.events.logger as dbt_logger

    dbt_logger.RotatingFileHandler = _RotatingWhenOpened
