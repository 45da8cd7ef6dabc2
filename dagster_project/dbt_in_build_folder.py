"""`jornadas-dbt`: dbt, started in the build database's folder, with the profile naming the file
by its name alone.

dbt re-uses an earlier parse only if the profile's connection details are the same, and the
DuckDB path is one of them. With an absolute path every new home (every test, every benchmark
run, a new clone's first refresh) parsed the whole project again, about 10 s on this machine.
Named relative to the folder dbt runs in, the path is the same in every home, so the parse that
`jornadas setup` leaves in dbt/target (dagster-dbt copies it into the build's target folder) is
re-used. Every path the project gives dbt is absolute, so the change of folder moves nothing
else. Without JORNADAS_BUILD_DB, or its folder, this is plain `dbt`.
"""

import os
import sys
from pathlib import Path

from dagster_project.settings import BUILD_DB_ENV


def main() -> None:
    build_db = os.environ.get(BUILD_DB_ENV)
    path = Path(build_db).resolve() if build_db else None
    # A missing folder is left for dbt to report, as plain dbt would.
    if path is not None and path.parent.is_dir():
        os.chdir(path.parent)
        os.environ[BUILD_DB_ENV] = path.name
    from dbt.cli.main import cli

    sys.exit(cli())


if __name__ == "__main__":
    main()
