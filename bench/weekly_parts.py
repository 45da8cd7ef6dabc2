"""The weekly batch in parts: what the week costs without the corrections, and the reverse.

The harness's weekly batch is the held-out last week plus a few hundred corrected reports spread
over the whole history. This splits it: one home is refreshed with everything but the week (the
harness's full refresh), then copies of that home are refreshed with the week and the
corrections, the week alone, and the corrections alone, `--runs` times each in turn. Each
part's cost is set against the full refresh, as the harness sets the whole batch.

    python -m bench.weekly_parts --scale national-year --runs 2

Figures go to WORK_DIR/results/weekly-parts-<scale>-<time>.json (or --out) and to the console.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from datetime import UTC, datetime
from pathlib import Path

from bench.harness import (
    GIB,
    SYNTHETIC_CALENDAR_SCALES,
    add_run_options,
    cached_week_plan,
    ensure_dataset,
    machine,
    results_file,
    run_refresh,
)
from bench.weekly import link_tree, write_corrections

# What each part's landing folder holds besides the full refresh's files.
PARTS = {
    "week and corrections": {"week": True, "corrections": True},
    "week alone": {"week": True, "corrections": False},
    "corrections alone": {"week": False, "corrections": True},
}
CORRECTIONS_FILE = Path("unit_reports") / "corrections" / "bench-corrections.csv"


def link_part_landings(data_dir: Path, part_dir: Path, week_files: list[Path]) -> dict[str, Path]:
    """The full refresh's landing folder ('base') and one per part, all hard links into the
    data set, made before any refresh: a new link changes the file's ctime, which is part of
    the ingest's stat signature, so a link made later would have every file hashed again."""
    held = set(week_files)
    landings = {"base": part_dir / "landing-base"}
    link_tree(data_dir, landings["base"], skip=held)
    for number, (part, holds) in enumerate(PARTS.items(), start=1):
        landings[part] = part_dir / f"landing-part{number}"
        link_tree(data_dir, landings[part], skip=set() if holds["week"] else held)
    return landings


def _restore(home_copy: Path, home: Path) -> None:
    # The copy goes back to the same path: the home's Dagster instance names its own folder.
    shutil.rmtree(home, ignore_errors=True)
    shutil.copytree(home_copy, home, symlinks=True)


def measure_parts(args: argparse.Namespace) -> dict:
    work = args.work_dir.resolve()
    limits = {"time_limit": args.time_limit, "memory_cap": int(args.memory_cap_gib * GIB)}
    data_dir, data_info = ensure_dataset(args.scale, args.seed, work, args.time_limit)
    synthetic = args.scale in SYNTHETIC_CALENDAR_SCALES
    part_dir = work / "parts" / args.scale
    shutil.rmtree(part_dir, ignore_errors=True)
    part_dir.mkdir(parents=True)
    week = cached_week_plan(data_dir, synthetic, part_dir)
    landings = link_part_landings(data_dir, part_dir, week.files)
    home, home_copy, logs = part_dir / "home", part_dir / "home-after-full", part_dir / "logs"
    logs.mkdir()

    print(f"[parts] {args.scale}: full refresh without the week …", flush=True)
    full, _ = run_refresh(landings["base"], home, synthetic, log=logs / "full.log", **limits)
    if full["measured"]["returncode"] != 0:
        raise RuntimeError(f"the full refresh failed: {full.get('error', '')[-2000:]}")
    # The same corrections as the harness's: picked once from the facts the full refresh
    # published, then copied to every part that brings them.
    with_corrections = [landings[part] for part, holds in PARTS.items() if holds["corrections"]]
    correction_lines = write_corrections(
        home / "jornadas.duckdb",
        with_corrections[0] / CORRECTIONS_FILE,
        args.corrections,
        facts_table="core.fct_activities",
    )
    for landing in with_corrections[1:]:
        (landing / CORRECTIONS_FILE).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(with_corrections[0] / CORRECTIONS_FILE, landing / CORRECTIONS_FILE)
    # Kept as it is after the full refresh; each part's refresh starts from a copy of it.
    home.rename(home_copy)

    runs = []
    for run in range(1, args.runs + 1):
        for part in PARTS:
            print(f"[parts] {args.scale}: {part}, run {run} …", flush=True)
            _restore(home_copy, home)
            log = logs / f"{part.replace(' ', '-')}-{run}.log"
            result, _ = run_refresh(landings[part], home, synthetic, log=log, **limits)
            runs.append({"part": part, "run": run, **result})
    return {
        "scale": args.scale,
        "data": data_info,
        "week": {"jornadas": week.jornadas, "files": len(week.files), "lines": week.lines},
        "corrections": args.corrections,
        "correction_lines": correction_lines,
        "full": full,
        "runs": runs,
    }


def table(result: dict) -> str:
    full_seconds = result["full"]["measured"]["seconds"]
    week = result["week"]
    lines = [
        f"== {result['scale']}: the weekly batch in parts (week {', '.join(week['jornadas'])}: "
        f"{week['lines']:,} lines in {week['files']} files; {result['corrections']} corrected "
        f"reports, {result['correction_lines']:,} lines) ==",
        f"full refresh without the week: {full_seconds:.1f} s",
        f"{'part':<22} {'run':>3} {'seconds':>8} {'of full':>8}  steps (s)",
    ]
    for run in result["runs"]:
        measured = run["measured"]
        if measured["returncode"] != 0:
            lines.append(f"{run['part']:<22} {run['run']:>3}   failed ({measured['returncode']})")
            continue
        steps = " ".join(f"{k} {v:.1f}" for k, v in run.get("stage_seconds", {}).items())
        share = 100 * measured["seconds"] / full_seconds
        lines.append(
            f"{run['part']:<22} {run['run']:>3} {measured['seconds']:>8.1f} {share:>7.1f}%  {steps}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="The weekly batch's cost, part by part.")
    parser.add_argument("--scale", default="national", help="a generator scale (default national)")
    parser.add_argument("--runs", type=int, default=2, help="refreshes of each part, in turn")
    parser.add_argument("--out", type=Path, help="JSON file (default WORK_DIR/results/...)")
    add_run_options(parser)
    args = parser.parse_args(argv)
    started_at = datetime.now(UTC)
    out: Path = args.out or results_file(
        args.work_dir.resolve(), f"weekly-parts-{args.scale}", started_at
    )
    report = {
        "started_at": started_at.isoformat(timespec="seconds"),
        "command": " ".join(["python -m bench.weekly_parts", *(argv or sys.argv[1:])]),
        "machine": machine(),
        **measure_parts(args),
    }
    out.write_text(json.dumps(report, indent=2, default=str), encoding="utf-8")
    print(table(report))
    print(f"All figures: {out}")
    failed = [run for run in report["runs"] if run["measured"]["returncode"] != 0]
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
