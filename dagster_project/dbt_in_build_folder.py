"""`jornadas-dbt`: dbt, started in the build database's folder, with the profile naming the file
by its name alone.

dbt re-uses an earlier parse only if the profile's connection details are the same, and the
DuckDB path is one of them. With an absolute path every new home (every test, every benchmark
run, a new clone's first refresh) parsed the whole project again, about 10 s on this machine.
Named relative to the folder dbt runs in, the path is the same in every home, so the parse that
`jornadas setup` leaves in dbt/target (dagster-dbt copies it into the build's target folder) is
re-used. Paths given on the command line or in dbt's environment variables, and the folders
dbt would otherwise find in the current folder, are made absolute first, so the change of
folder moves nothing else. Without JORNADAS_BUILD_DB, or its folder, this is plain `dbt` as
far as paths go. In every case, dbt's logging costs less (dagster_project/dbt_event_logging.py),
and a warm dbt process started by the run takes the command when there is one
(dagster_project/dbt_warm.py).
"""

import os
import sys
from pathlib import Path

from dagster_project.dbt_event_logging import (
    log_file_in_dbt_text_format,
    rotate_log_file_when_opened,
    skip_unshown_console_events,
)
from dagster_project.dbt_warm import SOCKET_ENV, hand_over
from dagster_project.settings import BUILD_DB_ENV

# dbt's environment variables and options whose value is a path (relative to the folder dbt
# was started in).
_PATH_VARIABLES = ("DBT_PROJECT_DIR", "DBT_PROFILES_DIR", "DBT_TARGET_PATH", "DBT_LOG_PATH")
_PATH_OPTIONS = (
    "--project-dir",
    "--profiles-dir",
    "--target-path",
    "--log-path",
    "--state",
    "--defer-state",
)


def absolute_path_arguments(arguments: list[str], start: Path) -> list[str]:
    """`arguments` with the values of dbt's path options made absolute against `start`."""
    out: list[str] = []
    expects_path = False
    for argument in arguments:
        if expects_path:
            out.append(str(start / argument))
            expects_path = False
            continue
        option, equals, value = argument.partition("=")
        if option in _PATH_OPTIONS:
            if equals:
                argument = f"{option}={start / value}"
            else:
                expects_path = True
        out.append(argument)
    return out


def run() -> None:
    """Run the dbt command in `sys.argv` (exits with dbt's exit code, as dbt's own CLI does)."""
    build_db = os.environ.get(BUILD_DB_ENV)
    path = Path(build_db).resolve() if build_db else None
    # A missing folder is left for dbt to report, as plain dbt would.
    if path is not None and path.parent.is_dir():
        start = Path.cwd()
        sys.argv[1:] = absolute_path_arguments(sys.argv[1:], start)
        for variable in _PATH_VARIABLES:
            if os.environ.get(variable):
                os.environ[variable] = str(start / os.environ[variable])
        # dbt looks for the project (and a profiles.yml) in the folder it starts in.
        os.environ.setdefault("DBT_PROJECT_DIR", str(start))
        if (start / "profiles.yml").exists():
            os.environ.setdefault("DBT_PROFILES_DIR", str(start))
        os.chdir(path.parent)
        os.environ[BUILD_DB_ENV] = path.name
    log_file_in_dbt_text_format()
    skip_unshown_console_events()
    rotate_log_file_when_opened()
    from dbt.cli.main import cli

    sys.exit(cli())


def main() -> None:
    # A warm dbt process started by this run takes the command when it can (dbt_warm.py).
    warm_socket = os.environ.pop(SOCKET_ENV, None)
    if warm_socket:
        code = hand_over(warm_socket, sys.argv)
        if code is not None:
            sys.exit(code)
    run()


if __name__ == "__main__":
    main()
