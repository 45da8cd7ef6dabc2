"""`jornadas`: the operator's command line (see ../shared/contracts/interface.md).

Subcommands that belong to other components (generate, sql, report, rollback) import them
only when chosen, so the CLI starts fast and one broken component does not break the rest.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import NoReturn

from dagster_project.dbt_parse import parse_dbt_project_if_stale
from dagster_project.fast_exit import exit_without_teardown
from dagster_project.settings import (
    BUILD_DB_ENV,
    DBT_PROJECT_DIR,
    HOME_ENV,
    INSTANCE_TEMPLATE,
    RAW_DIR_ENV,
    Settings,
    dbt_executable,
    export_environment,
    get_settings,
)

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2

JOB_NAME = "weekly_refresh"
EXAMPLE_QUERY = (
    "select jornada_id, activity, quantity from marts.jornada_activity "
    "where jornada_id = '2021-14' order by quantity desc limit 5"
)


# --- locations and setup ----------------------------------------------------------------


def apply_locations(raw: Path | None = None, home: Path | None = None) -> Settings:
    """Point this process (and its children) at a landing folder and a home."""
    if raw is not None:
        os.environ[RAW_DIR_ENV] = str(Path(raw).resolve())
    if home is not None:
        home = Path(home).resolve()
        os.environ[HOME_ENV] = str(home)
        # An explicit home owns its build database and Dagster instance.
        os.environ.pop(BUILD_DB_ENV, None)
        os.environ["DAGSTER_HOME"] = str(home / "dagster")
    settings = get_settings()
    export_environment(settings)
    return settings


def dagster_home() -> Path:
    return Path(os.environ["DAGSTER_HOME"]).resolve()


def setup(settings: Settings, echo: Callable[[str], None] = print) -> None:
    """Create the home and the Dagster instance; parse the dbt project when it changed."""
    export_environment(settings)
    for folder in (settings.home, settings.build_dir, dagster_home()):
        folder.mkdir(parents=True, exist_ok=True)
    instance_yaml = dagster_home() / "dagster.yaml"
    text = instance_config(dagster_home())
    if not instance_yaml.exists() or instance_yaml.read_text(encoding="utf-8") != text:
        instance_yaml.write_text(text, encoding="utf-8")
    parse_dbt_project_if_stale(settings, echo)


def instance_config(home: Path) -> str:
    """The instance's dagster.yaml for this Dagster home: the template, with the event log's
    folder (Dagster's default one, `history/runs`) written in as a quoted YAML string."""
    event_log_dir = json.dumps(str(home / "history" / "runs"))
    template = INSTANCE_TEMPLATE.read_text(encoding="utf-8")
    return template.replace('"{event_log_dir}"', event_log_dir)


# --- refresh: the weekly job in process ---------------------------------------------------


@dataclass
class RunReport:
    """What the progress listener learned from the run's events."""

    failed_checks: list[tuple[str, str, str]] = field(default_factory=list)  # check, severity, why
    failed_steps: list[tuple[str, str]] = field(default_factory=list)  # step, error
    materialized: int = 0
    checks_passed: int = 0
    warnings_shown: dict[str, int] = field(default_factory=dict)


class ProgressPrinter:
    """Prints one line per step and per notable event as the run's events arrive."""

    MAX_WARNINGS_PER_STEP = 12

    def __init__(self, console):
        self.console = console
        self.report = RunReport()
        self.step_started: dict[str, float] = {}

    def __call__(self, entry) -> None:
        try:
            self._show(entry)
        except Exception as error:  # a display problem must not fail the refresh; say so
            print(f"(progress display error: {type(error).__name__}: {error})", file=sys.stderr)

    def _show(self, entry) -> None:
        from rich.markup import escape

        event = entry.dagster_event
        if event is None:
            self._user_log(entry, escape)
            return
        kind = event.event_type_value
        step = escape(event.step_key or "")
        if kind == "STEP_START":
            self.step_started[event.step_key] = time.monotonic()
            self.console.print(f"[bold]▶ {step}[/bold]")
        elif kind == "STEP_SUCCESS":
            took = time.monotonic() - self.step_started.get(event.step_key, time.monotonic())
            self.console.print(f"[green]✓ {step}[/green] [dim]({took:.1f} s)[/dim]")
        elif kind == "STEP_SKIPPED":
            self.console.print(f"[yellow]↷ {step} skipped[/yellow] (an upstream step failed)")
        elif kind == "STEP_FAILURE":
            error = _step_error_text(event)
            self.report.failed_steps.append((event.step_key or "", error))
            self.console.print(f"[red]✗ {step} failed:[/red] {escape(error)}")
        elif kind == "ASSET_MATERIALIZATION":
            self.report.materialized += 1
            key = event.event_specific_data.materialization.asset_key.to_user_string()
            self.console.print(f"  [dim]materialized[/dim] {escape(key)}")
        elif kind == "ASSET_CHECK_EVALUATION":
            self._check(event.event_specific_data, escape)

    def _check(self, evaluation, escape) -> None:
        name = f"{evaluation.asset_key.to_user_string()}:{evaluation.check_name}"
        if evaluation.passed:
            self.report.checks_passed += 1
            return
        severity = getattr(evaluation.severity, "value", str(evaluation.severity))
        why = evaluation.description or _metadata_text(evaluation.metadata)
        self.report.failed_checks.append((name, severity, why))
        colour = "red" if severity == "ERROR" else "yellow"
        self.console.print(
            f"  [{colour}]check failed ({severity}): {escape(name)}[/{colour}] {escape(why)}"
        )

    def _user_log(self, entry, escape) -> None:
        import logging

        if entry.level < logging.WARNING:
            return
        not_run = _NOT_RUN.match(entry.user_message or "")
        if not_run:
            self.console.print(f"[yellow]↷ {escape(not_run[1])} not run[/yellow] (upstream failed)")
            return
        step = entry.step_key or "run"
        shown = self.report.warnings_shown.get(step, 0)
        self.report.warnings_shown[step] = shown + 1
        if shown < self.MAX_WARNINGS_PER_STEP:
            self.console.print(f"  [yellow]![/yellow] {escape(entry.user_message[:300])}")
        elif shown == self.MAX_WARNINGS_PER_STEP:
            self.console.print("  [yellow]![/yellow] … more warnings in the Dagster run log")


_NOT_RUN = re.compile(r"Dependencies for step (\S+?)(?: failed| were not executed)")


def _step_error_text(event) -> str:
    data = event.event_specific_data
    error = getattr(data, "error", None)
    if error is None:
        return event.message or "unknown error"
    # The cause is usually the informative part (e.g. the dbt or DuckDB message).
    while getattr(error, "cause", None) is not None:
        error = error.cause
    return error.message.strip()


def _metadata_text(metadata) -> str:
    parts = []
    for key, value in (metadata or {}).items():
        text = str(getattr(value, "value", value))
        parts.append(f"{key}={text[:120]}")
    return "; ".join(parts[:6]) or "no details given"


class _DbtChatterFilter(io.TextIOBase):
    """Drops dagster-dbt's echo of routine dbt log lines; passes everything else through.

    dbt's full log stays in the run's dbt target folder; failures and warnings still show.
    """

    ROUTINE = re.compile(
        r"^\s*$|^\d+ of \d+ (START|OK|PASS)\b|^(Running with dbt|Registered adapter|Found \d+ "
        r"|Concurrency:|Finished running|Completed successfully|Done\. PASS=\d+ WARN=0 ERROR=0)"
    )

    def __init__(self, target):
        self.target = target
        self.pending = ""

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        self.pending += text
        *lines, self.pending = self.pending.split("\n")
        for line in lines:
            if not self.ROUTINE.search(_ANSI.sub("", line)):
                self.target.write(line + "\n")
        return len(text)

    def flush(self) -> None:
        self.target.flush()


_ANSI = re.compile(r"\x1b\[[0-9;]*m")


@contextlib.contextmanager
def _refresh_lock_saying_when_waiting(settings: Settings, console):
    """The refresh lock; when another refresh holds it, say so, then wait for it."""
    from dagster_project.publish import RefreshInProgress, refresh_lock

    with contextlib.ExitStack() as stack:
        try:
            stack.enter_context(refresh_lock(settings, wait=False))
        except RefreshInProgress as busy:
            console.print(f"[yellow]Waiting for the running refresh to finish[/yellow] ({busy})")
            stack.enter_context(refresh_lock(settings))
        yield


def run_refresh(
    settings: Settings,
    run_config: dict | None = None,
    console=None,
    definitions=None,
) -> int:
    """Run the weekly job in this process against the persistent instance; returns exit code."""
    import uuid
    import warnings

    from dagster import DagsterInstance
    from rich.console import Console

    from dagster_project.quality import gx_worker

    started = time.monotonic()
    # GX loads in its own process on the other core while this one loads the definitions.
    gx_worker.start()
    console = console or Console(file=sys.stdout, highlight=False, soft_wrap=True)
    warnings.filterwarnings("ignore", module="dagster.*")
    console.print(f"[bold]Refreshing[/bold] from {settings.raw_dir}")
    console.print(f"  home {settings.home}; build database {settings.build_db}")
    if definitions is None:
        from dagster_project.definitions import defs as definitions
    job = definitions.resolve_job_def(JOB_NAME)
    config = {"loggers": {"console": {"config": {"log_level": "CRITICAL"}}}}
    for key, value in (run_config or {}).items():
        config[key] = value
    run_id = str(uuid.uuid4())
    printer = ProgressPrinter(console)
    with (
        _refresh_lock_saying_when_waiting(settings, console),
        DagsterInstance.get() as instance,
        contextlib.redirect_stdout(_DbtChatterFilter(sys.stdout)),
    ):
        instance.add_event_listener(run_id, printer)
        result = job.execute_in_process(
            run_config=config,
            instance=instance,
            run_id=run_id,
            raise_on_error=False,
            tags={"jornadas/trigger": "cli"},
        )
    took = time.monotonic() - started
    report = printer.report
    published = result.success and settings.published_db.exists()
    console.print()
    if published:
        console.print(
            f"[bold green]Published[/bold green] in {took:.0f} s: {settings.published_db} "
            f"({report.materialized} assets, {report.checks_passed} checks passed)"
        )
        if settings.reports_dir.exists():
            console.print(f"Reports: {settings.reports_dir}")
        console.print("Query it (read-only) with, for example:")
        console.print(f'  uv run jornadas sql "{EXAMPLE_QUERY}"')
        console.print(f"  or: duckdb -readonly {settings.published_db}")
        return EXIT_OK
    blocking = [check for check in report.failed_checks if check[1] == "ERROR"]
    console.print(f"[bold red]Refresh failed[/bold red] after {took:.0f} s (run {run_id}).")
    for name, _, why in blocking:
        console.print(f"  blocking check failed: {name}: {why}", markup=False)
    for step, error in report.failed_steps:
        console.print(f"  step failed: {step}: {error[:2000]}", markup=False)
    if settings.published_db.exists():
        console.print(f"The previously published warehouse is unchanged: {settings.published_db}")
    else:
        console.print("Nothing has been published yet.")
    return EXIT_FAILED


# --- subcommands --------------------------------------------------------------------------


def _cmd_setup(args: argparse.Namespace) -> int:
    settings = apply_locations(home=args.home)
    setup(settings)
    print(f"Ready: home {settings.home}, Dagster instance {dagster_home()}")
    return EXIT_OK


def _cmd_refresh(args: argparse.Namespace) -> int:
    settings = apply_locations(raw=args.raw, home=args.home)
    if not settings.raw_dir.is_dir():
        print(f"error: the landing folder {settings.raw_dir} does not exist", file=sys.stderr)
        return EXIT_USAGE
    setup(settings)
    run_config: dict = {"ops": {}}
    if args.reingest:
        ingest = {"config": {"jornada_id": args.reingest, "reingest": True}}
        run_config["ops"]["raw__unit_report_lines"] = ingest
        run_config["ops"]["raw__goal_lines"] = ingest
    if args.synthetic_calendar:
        run_config["ops"]["dbt_build"] = {"config": {"synthetic_calendar": True}}
    return run_refresh(settings, run_config if run_config["ops"] else None)


def _cmd_docs(args: argparse.Namespace) -> int:
    settings = apply_locations(home=args.home)
    setup(settings)
    out = settings.home / "dbt_docs"
    command = [
        dbt_executable(),
        "docs",
        "generate",
        "--project-dir",
        str(DBT_PROJECT_DIR),
        "--profiles-dir",
        str(DBT_PROJECT_DIR),
        "--target-path",
        str(out),
        "--log-path",
        str(settings.build_dir / "dbt_logs"),
        "--static",
    ]
    if not settings.build_db.exists():
        # Without a build database there is nothing to catalog; document the models alone.
        command.append("--empty-catalog")
    completed = subprocess.run(command, check=False)
    if completed.returncode != 0:
        return EXIT_FAILED
    from dagster_project.docs_site import make_site_offline

    page = make_site_offline(out)
    print(f"dbt docs (models, columns, lineage graph), open offline: {page}")
    print(f"  or serve them: uv run python -m http.server -b 127.0.0.1 -d {out} 8080")
    return EXIT_OK


def _add_generate(parser: argparse.ArgumentParser) -> Callable[[argparse.Namespace], int]:
    from dagster_project.generator.cli import add_generate_arguments, run_generate

    add_generate_arguments(parser)
    return run_generate


def _add_sql(parser: argparse.ArgumentParser) -> Callable[[argparse.Namespace], int]:
    from dagster_project.sql_console import add_sql_arguments, main

    add_sql_arguments(parser)
    return main


def _add_report(parser: argparse.ArgumentParser) -> Callable[[argparse.Namespace], int]:
    from dagster_project.reports.cli import add_report_arguments, run_report

    add_report_arguments(parser)
    return run_report


def _add_rollback(parser: argparse.ArgumentParser) -> Callable[[argparse.Namespace], int]:
    parser.add_argument("--home", type=Path, help="the warehouse home (default JORNADAS_HOME)")

    def run(args: argparse.Namespace) -> int:
        from dagster_project.publish import rollback

        settings = apply_locations(home=args.home)
        now_published, now_previous = rollback(settings)
        print(
            f"Rolled back: {settings.published_db} is now run {now_published}; "
            f"the displaced version (run {now_previous}) is kept as {settings.previous_db}. "
            "Run `jornadas rollback` again to undo."
        )
        return EXIT_OK

    return run


def _add_setup(parser: argparse.ArgumentParser) -> Callable[[argparse.Namespace], int]:
    parser.add_argument("--home", type=Path, help="the warehouse home (default JORNADAS_HOME)")
    return _cmd_setup


def _add_refresh(parser: argparse.ArgumentParser) -> Callable[[argparse.Namespace], int]:
    parser.add_argument("--raw", type=Path, help="the landing folder (default JORNADAS_RAW_DIR)")
    parser.add_argument("--home", type=Path, help="the warehouse home (default JORNADAS_HOME)")
    parser.add_argument(
        "--reingest",
        metavar="JORNADA_ID",
        help="delete and land again the raw lines of one national day (e.g. 2021-14) from the "
        "files that hold it; other days are untouched",
    )
    parser.add_argument(
        "--synthetic-calendar",
        action="store_true",
        help="include the synthetic benchmark calendar (for `generate --scale national-year`)",
    )
    return _cmd_refresh


def _add_docs(parser: argparse.ArgumentParser) -> Callable[[argparse.Namespace], int]:
    parser.add_argument("--home", type=Path, help="the warehouse home (default JORNADAS_HOME)")
    return _cmd_docs


@dataclass(frozen=True)
class Command:
    help: str
    add: Callable[[argparse.ArgumentParser], Callable[[argparse.Namespace], int]]


COMMANDS: dict[str, Command] = {
    "setup": Command("create the warehouse home and Dagster instance; parse dbt", _add_setup),
    "refresh": Command(
        "ingest, build, check, publish and report, in process (exit 0 only when published)",
        _add_refresh,
    ),
    "generate": Command("write synthetic raw unit reports and goals", _add_generate),
    "sql": Command("query the published warehouse read-only", _add_sql),
    "report": Command("render the reports from the published marts", _add_report),
    "rollback": Command("swap the published warehouse with the previous version", _add_rollback),
    "docs": Command("generate the dbt documentation site into JORNADAS_HOME/dbt_docs", _add_docs),
}


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    chosen = next((arg for arg in argv if not arg.startswith("-")), None)
    parser = argparse.ArgumentParser(
        prog="jornadas",
        description="The IMSS national-days warehouse: refresh it, query it, report from it.",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    handler = None
    for name, command in COMMANDS.items():
        subparser = subparsers.add_parser(name, help=command.help, description=command.help)
        if name == chosen:
            try:
                handler = command.add(subparser)
            except ImportError as error:
                print(f"error: `jornadas {name}` is not available: {error}", file=sys.stderr)
                return EXIT_USAGE
    args = parser.parse_args(argv)
    if handler is None:  # argparse has already printed help or an error for anything else
        parser.print_help()
        return EXIT_USAGE
    result = handler(args)
    return EXIT_OK if result is None else int(result)


def console_main() -> NoReturn:
    """The `jornadas` console script: `main`, then an exit without the interpreter's teardown of
    Dagster's and dbt's modules (about 1 s after a refresh; dagster_project/fast_exit.py)."""
    exit_without_teardown(main())


if __name__ == "__main__":
    console_main()
