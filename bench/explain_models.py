"""Where dbt's time goes: the slowest nodes of a refresh, and EXPLAIN ANALYZE of the heaviest.

Reads `run_results.json` of the refresh's dbt build (under the home's build folder), lists the
slowest nodes, and re-runs the compiled SELECT of the heaviest models under EXPLAIN ANALYZE
against the build database (read-only), writing each plan to --out.

    python -m bench.explain_models --home /tmp/jornadas-bench/runs/national/home --top 3
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import duckdb


def slowest_nodes(target: Path, count: int) -> list[dict]:
    results = json.loads((target / "run_results.json").read_text(encoding="utf-8"))["results"]
    nodes = sorted(results, key=lambda r: r.get("execution_time") or 0, reverse=True)
    return [
        {
            "unique_id": r["unique_id"],
            "seconds": round(r.get("execution_time") or 0, 2),
            "status": r.get("status"),
        }
        for r in nodes[:count]
    ]


def compiled_sql(target: Path, unique_id: str) -> str | None:
    """The compiled SELECT of a model (dbt writes it under target/compiled/)."""
    name = unique_id.split(".")[-1]
    found = sorted((target / "compiled").rglob(f"{name}.sql"))
    return found[0].read_text(encoding="utf-8") if found else None


def explain(build_db: Path, sql: str) -> dict:
    """EXPLAIN ANALYZE as JSON: wall and CPU time, peak buffer memory, heaviest operators."""
    con = duckdb.connect(str(build_db), read_only=True)
    try:
        profile = json.loads(con.execute(f"explain (analyze, format json) {sql}").fetchall()[0][-1])
    finally:
        con.close()
    operators: list[dict] = []

    def walk(node: dict) -> None:
        operators.append(
            {
                "type": node["type"],
                "seconds": round(node.get("timing", 0.0), 3),
                "rows": node.get("intermediate_rows"),
            }
        )
        for child in node.get("children", []):
            walk(child)

    for node in profile["operator"]:
        walk(node)
    operators.sort(key=lambda op: op["seconds"], reverse=True)
    return {
        "wall_seconds": round(profile["query"]["total_time"], 2),
        "cpu_seconds": round(profile["query"]["cpu_time"], 2),
        "peak_buffer_memory_bytes": profile["system"]["peak_buffer_memory"],
        "heaviest_operators": operators[:5],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", type=Path, required=True)
    parser.add_argument("--top", type=int, default=3, help="models to EXPLAIN ANALYZE")
    parser.add_argument("--list", type=int, default=15, help="slowest nodes to list")
    parser.add_argument("--out", type=Path, default=Path("/tmp/jornadas-bench/explain"))
    args = parser.parse_args(argv)
    target = args.home / "build" / "dbt_target"
    build_db = args.home / "build" / "jornadas_build.duckdb"
    nodes = slowest_nodes(target, args.list)
    total = sum(
        r.get("execution_time") or 0
        for r in json.loads((target / "run_results.json").read_text(encoding="utf-8"))["results"]
    )
    print(f"dbt nodes: {total:.1f} s in all; slowest:")
    for node in nodes:
        print(f"  {node['seconds']:>8.2f} s  {node['unique_id']}")
    args.out.mkdir(parents=True, exist_ok=True)
    models = [n for n in nodes if n["unique_id"].startswith("model.")][: args.top]
    for node in models:
        sql = compiled_sql(target, node["unique_id"])
        if sql is None:
            print(f"no compiled SQL for {node['unique_id']}")
            continue
        summary = explain(build_db, sql)
        path = args.out / f"{node['unique_id'].split('.')[-1]}.json"
        path.write_text(json.dumps(summary, indent=2), encoding="utf-8")
        operators = ", ".join(
            f"{op['type']} {op['seconds']} s" for op in summary["heaviest_operators"][:3]
        )
        print(
            f"EXPLAIN ANALYZE {node['unique_id']}: {summary['wall_seconds']} s wall, "
            f"{summary['cpu_seconds']} s CPU, peak buffer "
            f"{summary['peak_buffer_memory_bytes'] / 1024**3:.2f} GiB; {operators}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
