"""Where the warehouse reads and writes.

Read at call time, never at import time, so that tests and the CLI can point a
process at another landing folder or home before anything runs.
"""

from __future__ import annotations

import os
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DBT_PROJECT_DIR = PROJECT_ROOT / "dbt"
EXPECTATIONS_DIR = PROJECT_ROOT / "expectations"
INSTANCE_TEMPLATE = Path(__file__).resolve().parent / "instance" / "dagster.yaml"
# Folders dbt writes into; nothing in them changes what a build produces.
DBT_GENERATED_DIRS = frozenset({"target", "logs", "dbt_packages"})

RAW_DIR_ENV = "JORNADAS_RAW_DIR"
HOME_ENV = "JORNADAS_HOME"
# The one variable that names the build database for Dagster and dbt's profiles.yml alike.
BUILD_DB_ENV = "JORNADAS_BUILD_DB"
# DuckDB's own memory in every writer of the build database (ingest, dbt, checks): beyond it
# DuckDB spills to disk, so a refresh's peak memory does not grow with the data (DuckDB's
# default is 80 % of RAM). dbt's profiles.yml reads the same variable, with the same default.
DUCKDB_MEMORY_LIMIT_ENV = "JORNADAS_DUCKDB_MEMORY_LIMIT"
DEFAULT_DUCKDB_MEMORY_LIMIT = "1536MB"
# "true" unions the synthetic benchmark calendar into the jornada calendar (national-year data).
# An environment variable, not a dbt var: a changed var makes dbt parse the whole project again
# (about 4.5 s), a changed env_var only the one model that reads it.
SYNTHETIC_CALENDAR_ENV = "JORNADAS_SYNTHETIC_CALENDAR"


@dataclass(frozen=True)
class Settings:
    raw_dir: Path
    home: Path

    @property
    def build_dir(self) -> Path:
        return self.home / "build"

    @property
    def build_db(self) -> Path:
        override = os.environ.get(BUILD_DB_ENV)
        return Path(override).resolve() if override else self.build_dir / "jornadas_build.duckdb"

    @property
    def published_db(self) -> Path:
        """The file analysts open read-only; replaced only by a complete, checked build."""
        return self.home / "jornadas.duckdb"

    @property
    def previous_db(self) -> Path:
        """The version published before the current one, kept for `jornadas rollback`."""
        return self.home / "jornadas.previous.duckdb"

    @property
    def reports_dir(self) -> Path:
        return self.home / "reports"

    @property
    def dagster_home(self) -> Path:
        return self.home / "dagster"

    @property
    def data_docs_dir(self) -> Path:
        return self.home / "data_docs"

    @property
    def lock_file(self) -> Path:
        return self.home / "refresh.lock"


def get_settings() -> Settings:
    raw = os.environ.get(RAW_DIR_ENV) or str(PROJECT_ROOT / "raw")
    home = os.environ.get(HOME_ENV) or str(PROJECT_ROOT / "warehouse")
    return Settings(raw_dir=Path(raw).resolve(), home=Path(home).resolve())


def duckdb_memory_limit() -> str:
    """DuckDB's memory_limit for the build database's writers, e.g. '1536MB'."""
    return os.environ.get(DUCKDB_MEMORY_LIMIT_ENV) or DEFAULT_DUCKDB_MEMORY_LIMIT


def helper_process_environment() -> dict[str, str]:
    """This process's environment with the project importable, for the helper processes it
    starts as `python -m dagster_project.…` (the GX worker, the warm dbt process)."""
    environment = dict(os.environ)
    environment["PYTHONPATH"] = os.pathsep.join(
        filter(None, [str(PROJECT_ROOT), environment.get("PYTHONPATH")])
    )
    return environment


def export_environment(settings: Settings) -> None:
    """Make the paths visible to child processes (dbt runs as a subprocess)."""
    os.environ[RAW_DIR_ENV] = str(settings.raw_dir)
    os.environ[HOME_ENV] = str(settings.home)
    os.environ[BUILD_DB_ENV] = str(settings.build_db)
    os.environ.setdefault("DAGSTER_HOME", str(settings.dagster_home))
    os.environ.setdefault("DO_NOT_TRACK", "1")
    os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")


def dbt_executable() -> str:
    """`jornadas-dbt` (dbt run in the build database's folder, which lets a new home re-use the
    project's parse: dagster_project/dbt_in_build_folder.py) beside this Python, whose virtual
    environment need not be on PATH (cron, `.venv/bin/jornadas`); else plain dbt."""
    for name in ("jornadas-dbt", "dbt"):
        beside_python = Path(sys.executable).parent / name
        if beside_python.exists():
            return str(beside_python)
    return shutil.which("dbt") or "dbt"


def source_files(root: Path) -> list[Path]:
    """The files under `root` that decide what it builds, sorted: dbt's own output folders
    and hidden files left out."""
    return sorted(
        path
        for path in root.rglob("*")
        if path.is_file()
        and path.relative_to(root).parts[0] not in DBT_GENERATED_DIRS
        and not path.name.startswith(".")
    )


def digest_source_files(digest: Any, root: Path, prefix: str = "") -> None:
    """Feed each of `root`'s source files into `digest`: its name (after `prefix`), then its
    bytes."""
    for path in source_files(root):
        digest.update(f"{prefix}{path.relative_to(root).as_posix()}".encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
