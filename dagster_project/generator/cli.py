"""`jornadas generate …`: the generator's command-line face (wired into the `jornadas`
console script by dagster_project/cli.py, and runnable as `python -m dagster_project.generator`)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from dagster_project.generator.api import SCALES, generate


def add_generate_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--scale",
        required=True,
        choices=SCALES,
        help="sample (calibrated 2021 days 10-14), national (every unit, every "
        "2021 day) or national-year (every unit daily for a synthetic year)",
    )
    parser.add_argument(
        "--out",
        required=True,
        type=Path,
        help="landing folder to write unit_reports/ and goals/ into "
        "(both are replaced; bulletins/ is left alone)",
    )
    parser.add_argument("--seed", type=int, default=2021, help="random seed (default 2021)")
    parser.add_argument(
        "--faults",
        type=float,
        default=0.0,
        metavar="RATE",
        help="inject contract violations at about this rate (0-1) and write "
        "OUT/_faults_manifest.json",
    )


def run_generate(args: argparse.Namespace) -> int:
    summary = generate(args.scale, args.out, seed=args.seed, faults=args.faults)
    print(json.dumps(summary, indent=1))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="jornadas generate", description="Write raw unit reports and goals."
    )
    add_generate_arguments(parser)
    return run_generate(parser.parse_args(argv))
