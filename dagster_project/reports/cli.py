"""`jornadas report [--jornada ID] [--lang en|es]`: re-render reports from the published marts."""

from __future__ import annotations

import argparse
import sys

from dagster_project.reports.i18n import LANGUAGES
from dagster_project.reports.render import render_reports
from dagster_project.reports.warehouse import NotPublishedError
from dagster_project.settings import get_settings


def add_report_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--jornada",
        help="render only this national day (e.g. 2021-14); default: every day with data "
        "plus the latest-week page",
    )
    parser.add_argument(
        "--lang",
        choices=LANGUAGES,
        help="render only this language (default: Spanish and English)",
    )


def run_report(args: argparse.Namespace) -> int:
    settings = get_settings()
    languages = [args.lang] if args.lang else list(LANGUAGES)
    try:
        result = render_reports(
            settings.published_db,
            settings.reports_dir,
            jornada=args.jornada,
            languages=languages,
            force=True,  # asked for: render even days whose files are up to date
        )
    except NotPublishedError as error:
        print(f"{error}", file=sys.stderr)
        return 3
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if not result.jornadas:
        print("no national day has reports in force yet; nothing to render", file=sys.stderr)
        return 0
    print(
        f"rendered {len(result.pages)} pages, {len(result.bulletins)} bulletins and "
        f"{len(result.exports)} exports for {', '.join(result.jornadas)} under "
        f"{settings.reports_dir}"
    )
    latest = [p for p in result.pages if p.parent == settings.reports_dir]
    for page in latest:
        print(f"  {page}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="jornadas report", description=__doc__.splitlines()[0])
    add_report_arguments(parser)
    return run_report(parser.parse_args(argv))


if __name__ == "__main__":
    raise SystemExit(main())
