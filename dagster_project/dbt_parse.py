"""The dbt manifest the code location loads: `dbt parse` when dbt/ changed.

`jornadas setup` runs this before anything loads the Definitions; under `dagster dev` the dbt
definitions run it on every reload, so that model edits show up (defs/dbt.py). Both parse the
same way, through `jornadas-dbt`, so the parse left in dbt/target is one every home can re-use
(dagster_project/dbt_in_build_folder.py).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

from dagster_project.settings import (
    DBT_PROJECT_DIR,
    SYNTHETIC_CALENDAR_ENV,
    Settings,
    dbt_executable,
    source_files,
)


def dbt_manifest_path() -> Path:
    return DBT_PROJECT_DIR / "target" / "manifest.json"


def dbt_manifest_is_stale() -> bool:
    manifest = dbt_manifest_path()
    if not manifest.exists():
        return True
    built = manifest.stat().st_mtime
    return any(path.stat().st_mtime > built for path in source_files(DBT_PROJECT_DIR))


def parse_dbt_project_if_stale(settings: Settings, echo: Callable[[str], None] = print) -> None:
    if dbt_manifest_is_stale():
        echo("Parsing the dbt project (the manifest is missing or older than dbt/)…")
        parse_dbt_project(settings)


def parse_dbt_project(settings: Settings) -> None:
    """`dbt parse` into a private folder, then swap the manifest in atomically.

    Concurrent parses (two terminals, parallel tests) therefore never leave a half-written
    manifest for the code location to load.
    """
    target = DBT_PROJECT_DIR / "target"
    scratch = target / f".parse-{os.getpid()}"
    command = [
        dbt_executable(),
        "parse",
        "--quiet",
        "--project-dir",
        str(DBT_PROJECT_DIR),
        "--profiles-dir",
        str(DBT_PROJECT_DIR),
        "--target-path",
        str(scratch),
        "--log-path",
        str(settings.build_dir / "dbt_logs"),
    ]
    partial_parse = "partial_parse.msgpack"
    try:
        scratch.mkdir(parents=True, exist_ok=True)
        if (target / partial_parse).exists():
            # dbt re-parses only the files that changed since the last parse.
            shutil.copy2(target / partial_parse, scratch / partial_parse)
        # Parse as a refresh builds: dbt records the env_var values a model read, and a refresh
        # that sets one the parse did not (even to its default) re-parses that model each time.
        environment = {**os.environ}
        environment.setdefault(SYNTHETIC_CALENDAR_ENV, "false")
        completed = subprocess.run(
            command, capture_output=True, text=True, check=False, env=environment
        )
        if completed.returncode != 0:
            raise RuntimeError(
                "dbt parse failed:\n" + (completed.stdout + completed.stderr).strip()[-4000:]
            )
        if (scratch / partial_parse).exists():
            os.replace(scratch / partial_parse, target / partial_parse)
        os.replace(scratch / "manifest.json", target / "manifest.json")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
