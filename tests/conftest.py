"""Shared fixtures. The whole pipeline is expensive, so it runs once per session and landing
folder, into temporary homes; tests read what it published."""

from __future__ import annotations

import contextlib
import io
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from dagster_project.dagster_dbt_without_dbt_core import import_dagster_dbt
from dagster_project.settings import PROJECT_ROOT

SAMPLE_RAW_DIR = PROJECT_ROOT / "raw"

# `make test` exports the developer's own locations; every test chooses its own, so a test can
# never read or write the developer's warehouse by accident.
for _location in ("JORNADAS_HOME", "JORNADAS_RAW_DIR", "JORNADAS_BUILD_DB", "DAGSTER_HOME"):
    os.environ.pop(_location, None)

# Before any test module imports dagster_dbt: the runs tests execute in this process then see
# dagster-dbt as a refresh does, loaded without dbt-core.
import_dagster_dbt()


@contextlib.contextmanager
def isolated_environment() -> Iterator[None]:
    """The CLI exports its locations into os.environ; give them back afterwards."""
    saved = dict(os.environ)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


@pytest.fixture(scope="session")
def dbt_manifest(tmp_path_factory) -> Path:
    """A current dbt manifest (what `jornadas setup` prepares before definitions load)."""
    from dagster_project import cli
    from dagster_project.dbt_parse import dbt_manifest_path

    with isolated_environment():
        settings = cli.apply_locations(home=tmp_path_factory.mktemp("setup_home"))
        cli.setup(settings, echo=lambda _: None)
    return dbt_manifest_path()


@dataclass(frozen=True)
class RefreshOutcome:
    raw_dir: Path
    home: Path
    exit_code: int
    output: str

    @property
    def published_db(self) -> Path:
        return self.home / "jornadas.duckdb"

    @property
    def build_db(self) -> Path:
        return self.home / "build" / "jornadas_build.duckdb"


def run_cli_refresh(raw_dir: Path, home: Path, *extra: str) -> RefreshOutcome:
    """`jornadas refresh --raw RAW --home HOME` in this process, output captured."""
    from dagster_project import cli

    output = io.StringIO()
    with isolated_environment(), contextlib.redirect_stdout(output):
        exit_code = cli.main(["refresh", "--raw", str(raw_dir), "--home", str(home), *extra])
    return RefreshOutcome(raw_dir, home, exit_code, output.getvalue())


@pytest.fixture(scope="session")
def sample_refresh(dbt_manifest, tmp_path_factory) -> RefreshOutcome:
    """The shipped sample, refreshed once into a fresh home."""
    if not any((SAMPLE_RAW_DIR / "unit_reports").rglob("*.*")):
        pytest.skip("the shipped raw/ sample has no unit reports yet")
    return run_cli_refresh(SAMPLE_RAW_DIR, tmp_path_factory.mktemp("home_sample"))
