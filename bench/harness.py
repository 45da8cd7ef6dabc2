"""`make bench`: the project's refresh against the plain-DuckDB limit, per scale.

For each scale, in one run and on one landing folder:
  1. the plain DuckDB script (bench/plain_duckdb.sql): the practical limit;
  2. `jornadas refresh` into a fresh home: wall time, per-stage time (from the Dagster run's
     step events), lines per second and peak memory of the whole process tree;
  3. the weekly case: the data set's last week (held out of step 2) plus a few hundred
     corrections, refreshed into the same home; its cost as a share of the full refresh;
  4. the plain script again on the final landing folder, whose facts must equal what the
     project published after the weekly refresh (a check that both did the same work).
Then a linear fit of cost against lines over the scales measured.

    python -m bench.harness [--scales sample,national,national-year] [--quick] [--out FILE]

Data sets are generated once with `jornadas generate` and cached under the work folder
(default /tmp/jornadas-bench, or $JORNADAS_BENCH_DIR).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from bench.measure import Measured, run_measured
from bench.stages import STAGES, latest_run_stages
from bench.weekly import WeekPlan, link_tree, plan_last_week, write_corrections

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SEEDS_DIR = PROJECT_ROOT / "dbt" / "seeds"
VENV_BIN = Path(sys.executable).parent
SYNTHETIC_CALENDAR_SCALES = {"national-year"}
DEFAULT_SCALES = "sample,national,national-year"
GIB = 1024**3


# --- the machine --------------------------------------------------------------------------


def machine() -> dict:
    cpu = "unknown"
    with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
        for line in cpuinfo:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo", encoding="utf-8") as meminfo:
        total_kib = int(meminfo.readline().split()[1])
    return {
        "cpu_model": cpu,
        "nproc": os.cpu_count(),
        "memory_gib": round(total_kib / 1024**2, 1),
        "python": platform.python_version(),
        "duckdb": duckdb.__version__,
        "kernel": platform.release(),
    }


# --- data sets ----------------------------------------------------------------------------


def default_work_dir() -> Path:
    """Where the bench tools keep data sets, runs and results: $JORNADAS_BENCH_DIR or /tmp."""
    return Path(os.environ.get("JORNADAS_BENCH_DIR", "/tmp/jornadas-bench"))


def results_file(work: Path, name: str, started_at: datetime) -> Path:
    """WORK/results/<name>-<UTC time>.json, its folder made: where a run's JSON goes by default."""
    out = work / "results" / f"{name}-{started_at:%Y%m%dT%H%M%SZ}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    return out


def ensure_dataset(scale: str, seed: int, work: Path, time_limit: float) -> tuple[Path, dict]:
    """The generated data set for `scale`, generated now unless a complete copy is cached."""
    data_dir = work / "data" / f"{scale}-seed{seed}"
    marker = data_dir / ".generated.json"
    if marker.exists():
        return data_dir, json.loads(marker.read_text(encoding="utf-8"))
    shutil.rmtree(data_dir, ignore_errors=True)
    command = [
        str(VENV_BIN / "jornadas"),
        "generate",
        "--scale",
        scale,
        "--out",
        str(data_dir),
        "--seed",
        str(seed),
    ]
    print(f"[bench] generating {scale} into {data_dir} …", flush=True)
    measured = run_measured(command, cwd=PROJECT_ROOT, time_limit=time_limit)
    if measured.returncode != 0:
        raise RuntimeError(
            f"generation of {scale} failed ({measured.returncode}):\n"
            + (measured.stdout + measured.stderr)[-3000:]
        )
    try:  # the generator prints a JSON summary (lines, reports, bytes) as its last output
        summary = json.loads(measured.stdout[measured.stdout.index("{") :])
    except ValueError:
        summary = None
    info = {
        "generator_summary": summary,
        "scale": scale,
        "seed": seed,
        "generate_seconds": round(measured.seconds, 1),
        "bytes": sum(p.stat().st_size for p in data_dir.rglob("*") if p.is_file()),
        "files": sum(1 for p in data_dir.rglob("*") if p.is_file()),
    }
    marker.write_text(json.dumps(info, indent=2), encoding="utf-8")
    return data_dir, info


def cached_week_plan(data_dir: Path, synthetic: bool, run_dir: Path) -> WeekPlan:
    """The held-out last week of a data set; worked out once and kept beside the data."""
    cache = data_dir / ".week_plan.json"
    if cache.exists():
        found = json.loads(cache.read_text(encoding="utf-8"))
        return WeekPlan(found["jornadas"], [Path(p) for p in found["files"]], found["lines"])
    print(f"[bench] finding the last week of {data_dir.name} …", flush=True)
    week = plan_last_week(data_dir, SEEDS_DIR, synthetic, run_dir / "week_plan.duckdb")
    cache.write_text(
        json.dumps(
            {"jornadas": week.jornadas, "files": [str(p) for p in week.files], "lines": week.lines}
        ),
        encoding="utf-8",
    )
    return week


# --- the two contenders -------------------------------------------------------------------


def run_plain(
    landing: Path, out_db: Path, synthetic: bool, time_limit: float, log: Path, memory_cap: int
) -> dict:
    command = [
        sys.executable,
        "-m",
        "bench.plain_duckdb",
        "--raw",
        str(landing),
        "--out",
        str(out_db),
    ]
    if synthetic:
        command.append("--synthetic-calendar")
    measured = run_measured(
        command,
        cwd=PROJECT_ROOT,
        time_limit=time_limit,
        log_path=log,
        memory_cap_bytes=memory_cap,
    )
    result = {"measured": _measured_summary(measured)}
    if measured.returncode == 0:
        report = json.loads(log.read_text(encoding="utf-8"))
        result.update(
            {
                "script_seconds": report["seconds"],
                "step_seconds": report["step_seconds"],
                "counts": report["counts"],
            }
        )
    else:
        result["error"] = log.read_text(encoding="utf-8")[-3000:]
    return result


def run_refresh(
    landing: Path, home: Path, synthetic: bool, time_limit: float, log: Path, memory_cap: int
) -> tuple[dict, Measured]:
    command = [str(VENV_BIN / "jornadas"), "refresh", "--raw", str(landing), "--home", str(home)]
    if synthetic:
        command.append("--synthetic-calendar")
    env = {key: value for key, value in os.environ.items() if key != "JORNADAS_BUILD_DB"}
    env.update(
        {
            "JORNADAS_HOME": str(home),
            "DAGSTER_HOME": str(home / "dagster"),
            "DO_NOT_TRACK": "1",
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
            "COLUMNS": "120",
        }
    )
    measured = run_measured(
        command,
        env=env,
        cwd=PROJECT_ROOT,
        time_limit=time_limit,
        log_path=log,
        memory_cap_bytes=memory_cap,
    )
    result: dict = {"measured": _measured_summary(measured)}
    try:
        stages = latest_run_stages(home / "dagster")
    except Exception as error:  # the run is what is measured; a lookup failure is recorded
        result["stages_error"] = f"{type(error).__name__}: {error}"
        stages = None
    if stages is not None:
        per_stage = stages.stage_seconds()
        result["run_id"] = stages.run_id
        result["run_status"] = stages.status
        result["stage_seconds"] = per_stage
        result["stage_peak_rss_bytes"] = {}
        for stage in per_stage:
            window = stages.stage_window(stage)
            if window:
                result["stage_peak_rss_bytes"][stage] = measured.peak_rss_between(*window)
        steps_total = sum(per_stage.values())
        # Process start, imports, Definitions load, dbt manifest check, run launch and exit.
        result["outside_steps_seconds"] = measured.seconds - steps_total
        result["steps"] = [
            {k: step[k] for k in ("step_key", "stage", "status", "seconds")}
            for step in stages.steps
        ]
    if measured.returncode != 0:
        result["error"] = measured.stdout[-3000:] + measured.stderr[-2000:]
    return result, measured


def _measured_summary(measured: Measured) -> dict:
    return {
        "returncode": measured.returncode,
        "seconds": round(measured.seconds, 2),
        "timed_out": measured.timed_out,
        "memory_capped": measured.memory_capped,
        "peak_tree_rss_bytes": measured.peak_tree_rss_bytes,
        "peak_process_hwm_bytes": measured.peak_process_hwm_bytes,
        "load_average_before_after": [measured.load_before, measured.load_after],
    }


# --- did both do the same work? -----------------------------------------------------------


MARTS = (
    "jornada_activity",
    "jornada_overview",
    "ooad_activity",
    "unit_activity",
    "specialty_demand",
    "goal_attainment",
    "reporting_completeness",
)


def compare_facts(published_db: Path, plain_db: Path) -> dict:
    """The published facts and marts against the plain script's, row for row.

    Facts: per (jornada, activity) totals and row counts. Marts: the rows over the columns
    both tables have, compared as multisets (EXCEPT ALL both ways).
    """
    if not published_db.exists() or not plain_db.exists():
        return {"compared": False, "reason": "a database is missing"}
    con = duckdb.connect()
    try:
        con.execute(f"attach '{published_db}' as published (read_only)")
        con.execute(f"attach '{plain_db}' as plain (read_only)")
        differences = con.execute(
            """
            with p as (
                select jornada_id, activity, sum(quantity)::bigint as quantity
                from published.core.fct_activities group by all
            ),
            l as (
                select jornada_id, activity, sum(quantity)::bigint as quantity
                from plain.fct_activities group by all
            )
            select coalesce(p.jornada_id, l.jornada_id), coalesce(p.activity, l.activity),
                   p.quantity, l.quantity
            from p full join l on p.jornada_id = l.jornada_id and p.activity = l.activity
            where p.quantity is distinct from l.quantity
            order by 1, 2
            """
        ).fetchall()
        rows = con.execute(
            "select (select count(*) from published.core.fct_activities),"
            " (select count(*) from plain.fct_activities)"
        ).fetchone()
        marts = {mart: _compare_mart(con, mart) for mart in MARTS}
    except duckdb.Error as error:
        return {"compared": False, "reason": f"{type(error).__name__}: {error}"}
    finally:
        con.close()
    return {
        "compared": True,
        "agree": not differences
        and rows[0] == rows[1]
        and all(m.get("differing_rows") == 0 for m in marts.values()),
        "fact_rows_project": rows[0],
        "fact_rows_plain": rows[1],
        "fact_differences": [list(map(str, d)) for d in differences[:10]],
        "marts": marts,
    }


def _compare_mart(con: duckdb.DuckDBPyConnection, mart: str) -> dict:
    def columns(catalog: str, schema: str) -> list[str]:
        return [
            r[0]
            for r in con.execute(
                "select column_name from duckdb_columns() where database_name = ? "
                "and schema_name = ? and table_name = ? order by column_index",
                [catalog, schema, mart],
            ).fetchall()
        ]

    published, plain = columns("published", "marts"), columns("plain", "main")
    shared = [c for c in published if c in plain]
    if not shared:
        return {"compared_columns": [], "reason": "missing in one of the databases"}
    listed = ", ".join(shared)
    left = f"select {listed} from published.marts.{mart}"
    right = f"select {listed} from plain.main.{mart}"
    differing = con.execute(
        f"select (select count(*) from ({left} except all {right}))"
        f" + (select count(*) from ({right} except all {left}))"
    ).fetchone()[0]
    return {
        "rows": con.execute(f"select count(*) from published.marts.{mart}").fetchone()[0],
        "compared_columns": shared,
        "differing_rows": differing,
    }


# --- one scale ----------------------------------------------------------------------------


def bench_scale(scale: str, args: argparse.Namespace, work: Path) -> dict:
    synthetic = scale in SYNTHETIC_CALENDAR_SCALES
    data_dir, data_info = ensure_dataset(scale, args.seed, work, args.time_limit)
    run_dir = work / "runs" / scale
    shutil.rmtree(run_dir, ignore_errors=True)
    landing, home, logs = run_dir / "landing", run_dir / "home", run_dir / "logs"
    logs.mkdir(parents=True)
    result: dict = {"scale": scale, "data": data_info, "synthetic_calendar": synthetic}

    week = None
    if args.weekly:
        week = cached_week_plan(data_dir, synthetic, run_dir)
    held = set(week.files) if week else set()
    link_tree(data_dir, landing, skip=held)
    if week:
        result["week"] = {"jornadas": week.jornadas, "files": len(week.files), "lines": week.lines}

    print(f"[bench] {scale}: plain DuckDB script …", flush=True)
    limits = {"time_limit": args.time_limit, "memory_cap": args.memory_cap_bytes}
    plain = run_plain(
        landing, run_dir / "plain.duckdb", synthetic, log=logs / "plain.json", **limits
    )
    result["plain"] = plain
    lines = plain.get("counts", {}).get("raw_unit_report_lines")
    result["lines"] = lines

    print(f"[bench] {scale}: jornadas refresh (full) …", flush=True)
    full, _ = run_refresh(landing, home, synthetic, log=logs / "refresh_full.log", **limits)
    result["full"] = full
    result["full_agreement"] = compare_facts(home / "jornadas.duckdb", run_dir / "plain.duckdb")
    if plain["measured"]["returncode"] == 0 and full["measured"]["returncode"] == 0:
        result["ratio_project_to_limit"] = (
            full["measured"]["seconds"] / plain["measured"]["seconds"]
        )

    if week and full["measured"]["returncode"] == 0 and plain["measured"]["returncode"] == 0:
        for relative in week.files:
            destination = landing / relative
            destination.parent.mkdir(parents=True, exist_ok=True)
            os.link(data_dir / relative, destination)
        correction_file = landing / "unit_reports" / "corrections" / "bench-corrections.csv"
        correction_lines = write_corrections(
            run_dir / "plain.duckdb", correction_file, args.corrections
        )
        result["week"]["corrections"] = args.corrections
        result["week"]["correction_lines"] = correction_lines
        print(f"[bench] {scale}: jornadas refresh (weekly batch) …", flush=True)
        weekly, _ = run_refresh(landing, home, synthetic, log=logs / "refresh_weekly.log", **limits)
        result["weekly"] = weekly
        if weekly["measured"]["returncode"] == 0:
            result["weekly_share_of_full"] = (
                weekly["measured"]["seconds"] / full["measured"]["seconds"]
            )
        print(f"[bench] {scale}: plain DuckDB script on the final landing folder …", flush=True)
        plain_final = run_plain(
            landing,
            run_dir / "plain_final.duckdb",
            synthetic,
            log=logs / "plain_final.json",
            **limits,
        )
        result["plain_final"] = plain_final
        result["weekly_agreement"] = compare_facts(
            home / "jornadas.duckdb", run_dir / "plain_final.duckdb"
        )
    if not args.keep:
        shutil.rmtree(home / "build", ignore_errors=True)
    return result


# --- fit and table ------------------------------------------------------------------------


def linear_fit(points: list[tuple[float, float]]) -> dict | None:
    """Least squares seconds = fixed + per_line × lines, with r²."""
    if len(points) < 2:
        return None
    n = len(points)
    mean_x = sum(x for x, _ in points) / n
    mean_y = sum(y for _, y in points) / n
    sxx = sum((x - mean_x) ** 2 for x, _ in points)
    if sxx == 0:
        return None
    slope = sum((x - mean_x) * (y - mean_y) for x, y in points) / sxx
    intercept = mean_y - slope * mean_x
    ss_tot = sum((y - mean_y) ** 2 for _, y in points)
    ss_res = sum((y - intercept - slope * x) ** 2 for x, y in points)
    return {
        "points": n,
        "fixed_seconds": intercept,
        "microseconds_per_line": slope * 1e6,
        "r2": 1 - ss_res / ss_tot if ss_tot else 1.0,
    }


def fits(results: list[dict]) -> dict:
    def points(getter) -> list[tuple[float, float]]:
        found = []
        for r in results:
            try:
                value = getter(r)
            except (KeyError, TypeError):
                continue
            if r.get("lines") and value is not None:
                found.append((float(r["lines"]), float(value)))
        return found

    def ok_seconds(part: dict) -> float | None:
        measured = part["measured"]
        return measured["seconds"] if measured["returncode"] == 0 else None

    return {
        "project_full_seconds": linear_fit(points(lambda r: ok_seconds(r["full"]))),
        "plain_seconds": linear_fit(points(lambda r: ok_seconds(r["plain"]))),
        "project_peak_rss_bytes": linear_fit(
            points(lambda r: r["full"]["measured"]["peak_tree_rss_bytes"])
        ),
    }


def _fmt_seconds(value: float | None) -> str:
    return "-" if value is None else f"{value:,.1f}"


def _fmt_rate(lines: int | None, seconds: float | None) -> str:
    return "-" if not lines or not seconds else f"{lines / seconds:,.0f}"


def _fmt_gib(value: int | None) -> str:
    return "-" if not value else f"{value / GIB:.2f}"


def table(results: list[dict], fit: dict) -> str:
    out = []
    for r in results:
        lines = r.get("lines")
        out.append(
            f"\n== {r['scale']}: {lines or '?':,} unit-report lines =="
            if lines
            else f"\n== {r['scale']} =="
        )
        out.append(f"{'stage':<26}{'seconds':>10}{'lines/s':>14}{'peak RSS GiB':>14}")
        full = r.get("full", {})
        for stage in (*STAGES, "other"):
            seconds = full.get("stage_seconds", {}).get(stage)
            if seconds is None or (stage == "other" and not seconds):
                continue
            peak = full.get("stage_peak_rss_bytes", {}).get(stage)
            rate = _fmt_rate(lines, seconds)
            out.append(f"{stage:<26}{_fmt_seconds(seconds):>10}{rate:>14}{_fmt_gib(peak):>14}")
        if "outside_steps_seconds" in full:
            outside = _fmt_seconds(full["outside_steps_seconds"])
            out.append(f"{'start-up/outside steps':<26}{outside:>10}")
        for label, part in (
            ("project full refresh", full),
            ("plain DuckDB (limit)", r.get("plain")),
            ("project weekly refresh", r.get("weekly")),
            ("plain DuckDB, final set", r.get("plain_final")),
        ):
            if not part:
                continue
            m = part["measured"]
            if m["returncode"] == 0:
                status = ""
            elif m.get("memory_capped"):
                status = " STOPPED AT THE MEMORY CAP"
            elif m["timed_out"]:
                status = " TIMED OUT"
            else:
                status = f" FAILED ({m['returncode']})"
            out.append(
                f"{label:<26}{_fmt_seconds(m['seconds']):>10}"
                f"{_fmt_rate(lines, m['seconds']):>14}{_fmt_gib(m['peak_tree_rss_bytes']):>14}"
                f"{status}"
            )
        if "ratio_project_to_limit" in r:
            out.append(f"HEADLINE project ÷ limit = {r['ratio_project_to_limit']:.2f}×")
        if "weekly_share_of_full" in r:
            week = r["week"]
            out.append(
                f"weekly batch ({week['lines']:,} new lines in {week['files']} files of "
                f"{', '.join(week['jornadas'])}, {week['corrections']} corrected reports) = "
                f"{100 * r['weekly_share_of_full']:.1f} % of the full refresh"
            )
        for key in ("full_agreement", "weekly_agreement"):
            agreement = r.get(key)
            if agreement:
                if not agreement.get("compared"):
                    verdict = f"not compared: {agreement.get('reason')}"
                elif agreement.get("agree"):
                    verdict = "facts and marts agree row for row"
                else:
                    differing = {
                        mart: found.get("differing_rows", "?")
                        for mart, found in agreement["marts"].items()
                        if found.get("differing_rows") != 0
                    }
                    verdict = (
                        f"DIFFER: facts {agreement['fact_differences'][:3]}, marts {differing}"
                    )
                out.append(f"{key}: {verdict}")
    out.append("\n== cost against lines (least squares over the scales measured) ==")
    for name, f in fit.items():
        if f:
            unit = "bytes" if "rss" in name else "s"
            out.append(
                f"{name:<26} fixed {f['fixed_seconds']:,.1f} {unit} + "
                f"{f['microseconds_per_line']:,.3f} µ{unit}/line (r² {f['r2']:.3f}, "
                f"{f['points']} points)"
            )
    return "\n".join(out)


# --- main ---------------------------------------------------------------------------------


def add_run_options(parser: argparse.ArgumentParser) -> None:
    """The options the harness shares with bench.weekly_parts: where, which data, which batch,
    and the limits of each run."""
    parser.add_argument("--work-dir", type=Path, default=default_work_dir())
    parser.add_argument("--seed", type=int, default=2021)
    parser.add_argument(
        "--corrections", type=int, default=300, help="reports corrected in the weekly batch"
    )
    parser.add_argument(
        "--time-limit",
        type=float,
        default=3 * 3600,
        help="seconds allowed to each generation, refresh and plain run",
    )
    parser.add_argument(
        "--memory-cap-gib",
        type=float,
        default=12.0,
        help="stop a run whose process tree's RSS passes this (the machine is shared)",
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Benchmark the refresh against plain DuckDB.")
    parser.add_argument("--scales", default=DEFAULT_SCALES, help=f"default {DEFAULT_SCALES}")
    parser.add_argument("--quick", action="store_true", help="sample scale only: a smoke test")
    parser.add_argument(
        "--out",
        type=Path,
        help="write every figure to this JSON file (default: WORK_DIR/results/bench-<time>.json)",
    )
    add_run_options(parser)
    parser.add_argument("--no-weekly", dest="weekly", action="store_false")
    parser.add_argument(
        "--fixed-costs",
        action="store_true",
        help="also measure process start, imports and dbt parse",
    )
    parser.add_argument("--keep", action="store_true", help="keep the build databases")
    args = parser.parse_args(argv)
    args.memory_cap_bytes = int(args.memory_cap_gib * GIB)
    scales = ["sample"] if args.quick else [s.strip() for s in args.scales.split(",") if s.strip()]
    if args.quick:
        args.corrections = min(args.corrections, 30)

    work = args.work_dir.resolve()
    work.mkdir(parents=True, exist_ok=True)
    started_at = datetime.now(UTC)
    # Every run leaves its figures (machine, command, date included) even when nobody passed
    # --out: the printed table alone is lost with the terminal.
    out: Path = args.out or results_file(work, "bench", started_at)
    report: dict = {
        "started_at": started_at.isoformat(timespec="seconds"),
        "command": " ".join(["python -m bench.harness", *(argv or sys.argv[1:])]),
        "machine": machine(),
        "work_dir": str(work),
        "scales": [],
    }
    for scale in scales:
        started = time.perf_counter()
        try:
            scale_result = bench_scale(scale, args, work)
        except Exception as error:  # one failed scale must not hide the others' figures
            scale_result = {"scale": scale, "error": f"{type(error).__name__}: {error}"}
            print(f"[bench] {scale} failed: {scale_result['error']}", file=sys.stderr)
        scale_result["bench_seconds"] = time.perf_counter() - started
        report["scales"].append(scale_result)
        # After every scale, so a long run leaves what it measured so far.
        out.write_text(json.dumps(report, indent=2, default=str), encoding="utf-8")
    report["fits"] = fits(report["scales"])
    if args.fixed_costs:
        from bench.fixed_costs import measure_fixed_costs

        report["fixed_costs"] = measure_fixed_costs()
    print(table(report["scales"], report["fits"]))
    if "fixed_costs" in report:
        print("\n== fixed costs (seconds, fresh process each) ==")
        for name, value in report["fixed_costs"].items():
            print(f"{name:<40}{value if isinstance(value, str) else f'{value:.2f}'}")
    out.write_text(json.dumps(report, indent=2, default=str), encoding="utf-8")
    print(f"\nAll figures: {out}")
    failed = [s for s in report["scales"] if "error" in s]
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
