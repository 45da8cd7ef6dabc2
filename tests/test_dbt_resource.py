"""The dbt resource's shortcuts.

`JornadasDbtCli` overrides two private members of dagster-dbt's `DbtCliResource`; these tests
fail when an upgrade of dagster-dbt makes the overrides wrong or pointless. dbt itself runs as
`jornadas-dbt` (dagster_project/dbt_in_build_folder.py), which changes folder before dbt starts.
"""

from __future__ import annotations

import inspect
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from dagster_dbt import DbtCliResource

from dagster_project.dbt_in_build_folder import absolute_path_arguments
from dagster_project.settings import DBT_PROJECT_DIR, PROJECT_ROOT, dbt_executable


def test_the_version_shortcut_agrees_with_the_dbt_executable(dbt_manifest):
    from dagster_project.defs.dbt import JornadasDbtCli  # loads the manifest

    printed = subprocess.run(
        [dbt_executable(), "--version"], capture_output=True, text=True, check=True
    ).stdout
    installed = re.search(r"installed: (\d+\.\d+\.\d+)", printed).group(1)
    assert str(JornadasDbtCli(project_dir=str(DBT_PROJECT_DIR))._cli_version) == installed


def test_the_overridden_members_are_still_what_dagster_dbt_calls_before_each_command(
    dbt_manifest,
):
    from dagster_project.defs.dbt import JornadasDbtCli

    source = inspect.getsource(DbtCliResource.cli)
    assert "self._cli_version" in source
    assert "self._initialize_dbt_core_adapter(" in source
    # The overrides live on the subclass, so they take effect.
    assert "_cli_version" in vars(JornadasDbtCli)
    assert "_initialize_dbt_core_adapter" in vars(JornadasDbtCli)


def test_the_definitions_load_without_the_virtual_environment_on_path(dbt_manifest):
    """Run as `.venv/bin/jornadas` (cron, a harness) the dbt beside Python is used."""
    code = (
        "from dagster_project.definitions import defs\n"
        "from pathlib import Path; import sys\n"
        "dbt = defs.resources['dbt'].dbt_executable\n"
        "assert Path(dbt).parent == Path(sys.executable).parent, dbt\n"
    )
    env = {**os.environ, "PATH": "/usr/bin:/bin"}
    completed = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=False
    )
    assert completed.returncode == 0, completed.stderr[-3000:]


def test_the_definitions_load_without_importing_dbt_core(dbt_manifest):
    """dbt runs in its own process: the Dagster process does not import dbt-core (about 2 s of
    every refresh's start), and still drives the dbt it runs as dbt-core."""
    code = (
        "import sys\n"
        "from dagster_project.definitions import defs\n"
        "loaded = sorted(m for m in sys.modules if m == 'dbt' or m.startswith(('dbt.', 'dbt_')))\n"
        "assert not loaded, loaded[:5]\n"
        "assert defs.resources['dbt']._cli_version.major == 1\n"
    )
    completed = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False
    )
    assert completed.returncode == 0, completed.stderr[-3000:]


def test_jornadas_dbt_keeps_relative_paths_pointing_where_they_were_given():
    """It changes folder before dbt starts; the paths typed relative to the old one must still
    name the same places."""
    start = Path("/work/project")
    given = [
        "build", "--select", "marts", "--project-dir", "dbt", "--target-path=target",
        "--profiles-dir", "/etc/dbt", "--vars", "{'a': 1}", "--state", "../prod",
    ]  # fmt: skip
    assert absolute_path_arguments(given, start) == [
        "build", "--select", "marts", "--project-dir", "/work/project/dbt",
        "--target-path=/work/project/target", "--profiles-dir", "/etc/dbt",
        "--vars", "{'a': 1}", "--state", "/work/project/../prod",
    ]  # fmt: skip


def test_jornadas_dbt_runs_the_project_from_its_folder_with_relative_paths(dbt_manifest, tmp_path):
    """By hand, from the repository, with relative paths (an option, an environment variable):
    dbt still finds the project and its profile."""
    build = tmp_path / "build"
    build.mkdir()
    env = {
        **os.environ,
        "JORNADAS_BUILD_DB": str(build / "jornadas_build.duckdb"),
        "DBT_PROFILES_DIR": "dbt",
    }
    completed = subprocess.run(
        [dbt_executable(), "ls", "--project-dir", "dbt",
         "--target-path", str(tmp_path / "target"), "--log-path", str(tmp_path / "logs"),
         "--select", "fct_activities", "--resource-type", "model", "--output", "name", "--quiet"],
        cwd=PROJECT_ROOT, capture_output=True, text=True, env=env, check=False,
    )  # fmt: skip
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-3000:]
    assert completed.stdout.split() == ["fct_activities"]


@pytest.mark.parametrize(
    ("chain", "first_reader"),
    [("unit_report", "model.jornadas.fct_activities"), ("goal", "model.jornadas.fct_goals")],
)
def test_the_batch_is_marked_built_only_after_every_model_that_reads_it(
    dbt_manifest, chain, first_reader
):
    """A build that stops early must carry the same batch again: so every model that reads a
    chain's batch is upstream of the model that marks its files built."""
    import json

    nodes = json.loads(dbt_manifest.read_text())["nodes"]
    batch = f"model.jornadas.int_{chain}_batch"
    marker = f"model.jornadas.int_{chain}_files_built"

    def ancestors(uid: str) -> set[str]:
        seen: set[str] = set()
        stack = [uid]
        while stack:
            for parent in nodes.get(stack.pop(), {}).get("depends_on", {}).get("nodes", []):
                if parent not in seen:
                    seen.add(parent)
                    stack.append(parent)
        return seen

    readers = {
        uid
        for uid, node in nodes.items()
        if node["resource_type"] == "model"
        and uid != marker
        and batch in node["depends_on"]["nodes"]
    }
    assert {first_reader, "model.jornadas.goal_attainment"} <= readers
    assert readers <= ancestors(marker)
