"""How much of a dbt build is SQL and how much is dbt's own work per node.

dbt's debug log (`dbt.log`) times every statement it sends ("SQL status: OK in 0.017
seconds") on the thread that runs the node; `run_results.json` has each node's execution time.
Summing the first per node and comparing with the second splits the build's node time into
the database's share and dbt's own (compiling, the materialization's Jinja, events, the
relation cache), which does not shrink with the data.

python -m bench.dbt_time_split --home /tmp/jornadas-bench/runs/national/home
"""

from __future__ import annotations

import argparse
import json
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

# "[0m18:57:25.898346 [debug] [Thread-3 (]: Began running node model.jornadas.x"
_LINE = re.compile(
    r"(\d\d):(\d\d):(\d\d(?:\.\d+)?) \[\s*\w+\s*\] \[(?P<thread>[^\]]+)\]: (?P<text>.*)"
)
_BEGAN = re.compile(r"Began running node (?P<node>\S+)")
_STATUS = re.compile(r"SQL status: .* in (?P<seconds>[\d.]+) seconds")
_ON_NODE = re.compile(r"On (?P<node>[^:]+): (?P<sql>.*)")
_INVOCATION_START = "Running with dbt="


@dataclass
class Statement:
    node: str
    first_words: str
    seconds: float


@dataclass
class TimeSplit:
    """Per dbt resource type (model, test, seed…): nodes, node time and SQL time, seconds."""

    elapsed_seconds: float
    nodes: dict[str, int] = field(default_factory=dict)
    node_seconds: dict[str, float] = field(default_factory=dict)
    sql_seconds: dict[str, float] = field(default_factory=dict)
    statements: list[Statement] = field(default_factory=list)

    def own_ms_per_node(self, kind: str) -> float:
        return 1000 * (self.node_seconds[kind] - self.sql_seconds[kind]) / self.nodes[kind]


def _last_invocation(lines: list[str]) -> list[str]:
    starts = [i for i, line in enumerate(lines) if _INVOCATION_START in line]
    return lines[starts[-1] :] if starts else lines


def _statement_after_comment(lines: list[str], index: int) -> str | None:
    """The first text line after line `index` that is not another log line."""
    for candidate in lines[index + 1 : index + 40]:
        if _LINE.search(candidate):
            return None
        if candidate.strip():
            return candidate.strip()
    return None


def sql_seconds_per_node(dbt_log: Path) -> tuple[dict[str, float], list[Statement]]:
    """SQL time per node of the last dbt invocation in `dbt_log`, and its timed statements."""
    lines = _last_invocation(dbt_log.read_text(encoding="utf-8", errors="replace").splitlines())
    node_on_thread: dict[str, str] = {}
    pending_sql: dict[str, str] = {}
    per_node: dict[str, float] = defaultdict(float)
    statements: list[Statement] = []
    for index, line in enumerate(lines):
        match = _LINE.search(line)
        if not match:
            continue
        thread, text = match["thread"], match["text"]
        if began := _BEGAN.match(text):
            node_on_thread[thread] = began["node"]
        elif on_node := _ON_NODE.match(text):
            sql = on_node["sql"].strip()
            if sql.startswith("/*"):  # dbt's query comment: the statement starts on a later line
                sql = _statement_after_comment(lines, index) or sql
            pending_sql[thread] = " ".join(sql.split()[:6])
        elif (status := _STATUS.search(text)) and thread in node_on_thread:
            node = node_on_thread[thread]
            seconds = float(status["seconds"])
            per_node[node] += seconds
            statements.append(Statement(node, pending_sql.pop(thread, ""), seconds))
    return dict(per_node), statements


def time_split(target_dir: Path) -> TimeSplit:
    """The split of the last build whose artefacts are in dbt's target folder."""
    results = json.loads((target_dir / "run_results.json").read_text(encoding="utf-8"))
    sql, statements = sql_seconds_per_node(target_dir / "dbt.log")
    split = TimeSplit(elapsed_seconds=float(results.get("elapsed_time") or 0.0))
    for result in results["results"]:
        node = result["unique_id"]
        kind = node.split(".", 1)[0]
        split.nodes[kind] = split.nodes.get(kind, 0) + 1
        split.node_seconds[kind] = split.node_seconds.get(kind, 0.0) + result["execution_time"]
        split.sql_seconds[kind] = split.sql_seconds.get(kind, 0.0) + sql.get(node, 0.0)
    split.statements = sorted(statements, key=lambda s: s.seconds, reverse=True)
    return split


def render(split: TimeSplit, top: int) -> str:
    rows = [
        f"dbt build: {sum(split.nodes.values())} nodes, {split.elapsed_seconds:.1f} s elapsed",
        f"{'kind':<8}{'nodes':>7}{'node s':>9}{'SQL s':>8}{'dbt own ms/node':>17}",
    ]
    for kind in sorted(split.nodes):
        rows.append(
            f"{kind:<8}{split.nodes[kind]:>7}{split.node_seconds[kind]:>9.2f}"
            f"{split.sql_seconds[kind]:>8.2f}{split.own_ms_per_node(kind):>17.0f}"
        )
    rows.append(f"the {top} longest statements:")
    rows += [f"{s.seconds:8.3f}  {s.node}  {s.first_words}" for s in split.statements[:top]]
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--home", type=Path, required=True, help="a refreshed JORNADAS_HOME")
    parser.add_argument("--top", type=int, default=15, help="longest statements to list")
    args = parser.parse_args(argv)
    print(render(time_split(args.home / "build" / "dbt_target"), args.top))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
