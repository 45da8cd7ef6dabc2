"""Profile one `jornadas refresh` with pyinstrument, in this process.

pyinstrument's own command line cannot profile the CLI: the refresh ends its process without
the interpreter's teardown (`fast_exit.py`), before pyinstrument writes its report. Here the
refresh runs as a function call, the profiler stops when it returns, and the report is written.
dbt and the GX worker run in their own processes and show as waiting (on dbt's event stream,
on the worker's answers).

    python -m bench.profile_refresh --raw /tmp/jornadas-bench/runs/national/landing \
        --home /tmp/profile-home --out profile_national.txt
"""

from __future__ import annotations

import argparse
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--raw", type=Path, required=True, help="the landing folder")
    parser.add_argument("--home", type=Path, required=True, help="the warehouse home")
    parser.add_argument("--out", type=Path, required=True, help="the text report")
    parser.add_argument("--synthetic-calendar", action="store_true")
    parser.add_argument(
        "--all-frames", action="store_true", help="also the frames of libraries (Dagster, dbt)"
    )
    parser.add_argument("--interval", type=float, default=0.001, help="seconds between samples")
    args = parser.parse_args(argv)

    from pyinstrument import Profiler

    refresh = ["refresh", "--raw", str(args.raw), "--home", str(args.home)]
    if args.synthetic_calendar:
        refresh.append("--synthetic-calendar")
    profiler = Profiler(interval=args.interval)
    profiler.start()
    from dagster_project import cli  # its imports are part of what a refresh costs

    code = cli.main(refresh)
    profiler.stop()
    args.out.write_text(
        profiler.output_text(unicode=True, show_all=args.all_frames), encoding="utf-8"
    )
    print(f"refresh exit {code}; profile: {args.out}")
    return code


if __name__ == "__main__":
    raise SystemExit(main())
