"""End to end: `jornadas refresh` over real landing folders into temporary homes.

Slow: each refresh runs the whole pipeline (ingest, dbt, checks, publish, reports). The
session fixtures run it as few times as possible: the shipped sample once into a fresh home
(published figures), once more into the same home (nothing new changes nothing), once into
another fresh home (deleting the home and refreshing gives the same result); and a faulty
generated set once (every injected fault gets its verdict).
"""

from __future__ import annotations

import copy
import json
import re
import shutil
from pathlib import Path

import duckdb
import pytest

from tests.conftest import RefreshOutcome, run_cli_refresh

pytestmark = pytest.mark.slow

# Tables that record each run rather than the data: they grow by design on every refresh.
RUN_LOG_TABLES = {
    ("audit", "quality_results"),
    ("audit", "publish_log"),
    ("audit", "published_version"),
    ("audit", "quality_scope_log"),  # one row per run: which data each run's checks covered
}
# Columns that say when or by which run something happened, not what the data is.
RUN_COLUMNS = re.compile(r"(^|_)(run_id|seen_at|published_at|run_at|checked_at|ingested_at)$")


def read_only(path: Path) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(str(path), read_only=True)


def table_contents(path: Path, ignore_run_columns: bool) -> dict[str, list]:
    """Every table of the published file, sorted, run logs left out."""
    with read_only(path) as con:
        tables = con.execute(
            "select schema_name, table_name from duckdb_tables() order by all"
        ).fetchall()
        contents = {}
        for schema, table in tables:
            if (schema, table) in RUN_LOG_TABLES:
                continue
            columns = [
                name
                for (name,) in con.execute(
                    "select column_name from duckdb_columns() where schema_name = ? and "
                    "table_name = ? order by column_index",
                    [schema, table],
                ).fetchall()
                if not (ignore_run_columns and RUN_COLUMNS.search(name))
            ]
            select = ", ".join(f'"{c}"' for c in columns)
            contents[f"{schema}.{table}"] = con.execute(
                f'select {select} from "{schema}"."{table}" order by all'
            ).fetchall()
    return contents


def raw_contents(build_db: Path) -> dict[str, list]:
    with read_only(build_db) as con:
        return {
            table: con.execute(f"select * from raw.{table} order by all").fetchall()
            for table in ("files", "file_sightings", "unit_report_lines", "goal_lines")
        }


# --- the sample, published ---------------------------------------------------------------


def test_refresh_of_the_sample_publishes_the_warehouse(sample_refresh: RefreshOutcome):
    assert sample_refresh.exit_code == 0, sample_refresh.output[-4000:]
    assert sample_refresh.published_db.exists()
    assert str(sample_refresh.published_db) in sample_refresh.output
    assert "jornadas sql" in sample_refresh.output  # the example query is printed
    with read_only(sample_refresh.published_db) as con:
        schemas = {
            row[0] for row in con.execute("select schema_name from duckdb_tables()").fetchall()
        }
    assert {"core", "marts", "audit"} <= schemas


def figure_value(con: duckdb.DuckDBPyConnection, figure: dict) -> float | None:
    """What the published marts say for one figure of PUBLISHED_FIGURES."""
    jornada = figure["jornada_id"]
    kind = figure["kind"]
    if kind in ("participation_ooad", "participation_umae"):
        column = "ooad_participating" if kind == "participation_ooad" else "umae_participating"
        row = con.execute(
            f"select {column} from marts.jornada_overview where jornada_id = ?", [jornada]
        ).fetchone()
        return None if row is None else row[0]

    activity = figure["activity"]
    activities = [activity] if isinstance(activity, str) else list(activity or [])
    filters, params = ["jornada_id = ?"], [jornada]
    if activities:
        filters.append(f"activity in ({', '.join('?' for _ in activities)})")
        params += activities
    if figure["specialty"] is not None:
        filters.append("specialty = ?")
        params.append(figure["specialty"])
    if figure["scope"] == "ooad":
        filters.append(f"ooad_id in ({', '.join('?' for _ in figure['ooad_ids'])})")
        params += list(figure["ooad_ids"])
    elif figure["scope"] == "unit":
        filters.append("unit_id = ?")
        params.append(figure["unit_id"])
    where = " and ".join(filters)

    if kind == "performed":
        table = {
            "national": "marts.unit_activity",
            "ooad": "marts.ooad_activity",
            "unit": "marts.unit_activity",
        }[figure["scope"]]
        query = f"select sum(quantity) from {table} where {where}"
    elif kind == "goal":
        query = f"select sum(target) from core.fct_goals where {where}"
    elif kind == "goal_attainment_min_pct":
        query = (
            "select min(attainment_pct) from marts.goal_attainment "
            f"where level = '{figure['scope']}' and {where}"
        )
    else:
        raise AssertionError(f"unknown figure kind {kind!r}")
    return con.execute(query, params).fetchone()[0]


def test_every_dbt_data_test_of_the_build_is_recorded_as_a_quality_result(
    sample_refresh: RefreshOutcome,
):
    """dbt's tests are not Dagster checks; their outcomes reach audit.quality_results."""
    assert sample_refresh.exit_code == 0, sample_refresh.output[-4000:]
    manifest = json.loads(
        (sample_refresh.home / "build" / "dbt_target" / "manifest.json").read_text()
    )
    data_tests = {
        node["name"] for node in manifest["nodes"].values() if node["resource_type"] == "test"
    }
    with read_only(sample_refresh.published_db) as con:
        rows = con.execute(
            "select check_name, asset, passed, severity from audit.quality_results "
            "where suite = 'dbt' and run_id = (select run_id from audit.published_version)"
        ).fetchall()
    assert {name for name, *_ in rows} == data_tests
    assert len(rows) == len(data_tests)
    assert all(passed for _, _, passed, _ in rows)
    assert {severity for *_, severity in rows} <= {"ERROR", "WARN"}
    # Each outcome names the asset its test checks, as Dagster names it.
    assert "core/fct_activities" in {asset for _, asset, _, _ in rows}


def test_a_new_home_reuses_the_parse_of_jornadas_setup(sample_refresh: RefreshOutcome):
    """The session's setup parsed in another home; the sample's first build (a new home, so
    its build folder had no parse of its own) must re-use that parse rather than parse the whole
    project again (dagster_project/dbt_in_build_folder.py)."""
    assert sample_refresh.exit_code == 0, sample_refresh.output[-4000:]
    # dbt's debug-text lines: "03:35:03.746314 [debug] [MainThread]: <message>".
    log = sample_refresh.home / "build" / "dbt_target" / "dbt.log"
    messages = [line.partition("]: ")[2] for line in log.read_text(encoding="utf-8").splitlines()]
    refused = [m for m in messages if m.startswith("Unable to do partial parsing")]
    assert not refused, refused
    assert any(m.startswith("Partial parsing enabled") for m in messages)


def _artefacts(sample_refresh: RefreshOutcome) -> tuple[dict, dict, dict]:
    from dagster_project.defs.dbt import asset_names  # needs the manifest: import after setup
    from dagster_project.quality.dbt_tests import read_build_artifacts

    run_results, manifest = read_build_artifacts(sample_refresh.home / "build" / "dbt_target")
    return run_results, manifest, asset_names(manifest)


def test_a_failed_or_warned_test_is_recorded_as_not_passed(sample_refresh: RefreshOutcome):
    from dagster_project.quality.dbt_tests import dbt_test_outcomes

    assert sample_refresh.exit_code == 0, sample_refresh.output[-4000:]
    run_results, manifest, asset_of = _artefacts(sample_refresh)
    tests = [r for r in run_results["results"] if r["unique_id"].startswith("test.")]
    on_one_model = [
        r["unique_id"] for r in tests if manifest["nodes"][r["unique_id"]].get("attached_node")
    ]
    failed, warned, skipped = on_one_model[:3]
    altered = copy.deepcopy(run_results)
    for result in altered["results"]:
        if result["unique_id"] in (failed, warned):
            result["status"], result["failures"] = (
                ("fail" if result["unique_id"] == failed else "warn"),
                7,
            )
        if result["unique_id"] == skipped:
            result["status"] = "skipped"
    by_id = {o.details["unique_id"]: o for o in dbt_test_outcomes(altered, manifest, asset_of)}
    assert skipped not in by_id  # a skipped test did not run: no outcome
    assert len(by_id) == len(tests) - 1
    assert (by_id[failed].passed, by_id[failed].unexpected_count) == (False, 7)
    assert by_id[failed].observed_value == "7 failing rows"
    assert (by_id[warned].passed, by_id[warned].severity) == (False, "WARN")  # never blocks
    assert by_id[failed].severity == "ERROR"
    untouched = [o for key, o in by_id.items() if key not in (failed, warned)]
    assert untouched and all(o.passed for o in untouched)
    tested_model = manifest["nodes"][failed]["attached_node"]
    assert by_id[failed].asset == asset_of[tested_model]


def test_published_marts_restate_every_published_figure(sample_refresh: RefreshOutcome):
    calibration = pytest.importorskip("dagster_project.generator.calibration")
    assert sample_refresh.exit_code == 0, sample_refresh.output[-4000:]
    mismatches = []
    with read_only(sample_refresh.published_db) as con:
        for figure in calibration.PUBLISHED_FIGURES:
            value = figure_value(con, figure)
            if figure["kind"] == "goal_attainment_min_pct":
                holds = value is not None and value >= figure["quantity"]
            else:
                holds = value == figure["quantity"]
            if not holds:
                mismatches.append((figure["jornada_id"], figure["kind"], figure["scope"],
                                   figure["activity"], figure["specialty"],
                                   figure["quantity"], value))  # fmt: skip
    assert not mismatches, "\n".join(map(str, mismatches))


def test_the_ledger_accounts_for_every_line_of_the_sample(sample_refresh: RefreshOutcome):
    with read_only(sample_refresh.published_db) as con:
        unbalanced = con.execute(
            "select count(*) from audit.file_ledger "
            "where lines_in <> lines_loaded + lines_quarantined"
        ).fetchone()[0]
        files = con.execute("select count(*) from audit.file_ledger").fetchone()[0]
    landed = sum(1 for p in (sample_refresh.raw_dir / "unit_reports").rglob("*") if p.is_file())
    assert unbalanced == 0
    assert files >= landed > 0


# --- idempotence -------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def sample_refreshed_twice(sample_refresh: RefreshOutcome, tmp_path_factory):
    """Contents after the first refresh, then the same home refreshed again."""
    assert sample_refresh.exit_code == 0, sample_refresh.output[-4000:]
    before = (
        table_contents(sample_refresh.published_db, ignore_run_columns=False),
        raw_contents(sample_refresh.build_db),
    )
    again = run_cli_refresh(sample_refresh.raw_dir, sample_refresh.home)
    return before, again


def test_a_refresh_with_nothing_new_changes_nothing(sample_refreshed_twice):
    (published_before, raw_before), again = sample_refreshed_twice
    assert again.exit_code == 0, again.output[-4000:]
    assert raw_contents(again.build_db) == raw_before
    after = table_contents(again.published_db, ignore_run_columns=False)
    assert after.keys() == published_before.keys()
    changed = [name for name in after if after[name] != published_before[name]]
    assert not changed, f"tables changed by a refresh with nothing new: {changed}"


def test_deleting_the_home_and_refreshing_gives_the_same_result(
    sample_refresh: RefreshOutcome, tmp_path_factory
):
    assert sample_refresh.exit_code == 0, sample_refresh.output[-4000:]
    fresh = run_cli_refresh(sample_refresh.raw_dir, tmp_path_factory.mktemp("home_rebuilt"))
    assert fresh.exit_code == 0, fresh.output[-4000:]
    first = table_contents(sample_refresh.published_db, ignore_run_columns=True)
    second = table_contents(fresh.published_db, ignore_run_columns=True)
    assert first.keys() == second.keys()
    differing = [name for name in first if first[name] != second[name]]
    assert not differing, f"a rebuild from scratch differs in: {differing}"
    shutil.rmtree(fresh.home, ignore_errors=True)


# --- a faulty generated set: every injected fault gets its verdict ------------------------------


@pytest.fixture(scope="session")
def faulty_refresh(dbt_manifest, tmp_path_factory) -> tuple[RefreshOutcome, dict]:
    pytest.importorskip("dagster_project.generator.faults")
    from dagster_project import cli

    raw = tmp_path_factory.mktemp("raw_faulty")
    exit_code = cli.main(
        ["generate", "--scale", "sample", "--out", str(raw), "--seed", "7", "--faults", "0.02"]
    )
    assert exit_code == 0
    manifests = list(raw.rglob("_faults_manifest.json"))
    assert len(manifests) == 1, manifests
    manifest = json.loads(manifests[0].read_text(encoding="utf-8"))
    return run_cli_refresh(raw, tmp_path_factory.mktemp("home_faulty")), manifest


def test_every_injected_fault_gets_its_verdict(faulty_refresh):
    outcome, manifest = faulty_refresh
    # Faults are quarantined, never blocking: the refresh publishes.
    assert outcome.exit_code == 0, outcome.output[-4000:]
    assert manifest["entries"], "the generator injected nothing"
    problems: list[str] = []
    with read_only(outcome.build_db) as build, read_only(outcome.published_db) as published:
        files = {
            path: (file_hash, verdict, reason)
            for file_hash, path, verdict, reason in build.execute(
                "select f.file_hash, s.path, f.file_verdict, f.reject_reason "
                "from raw.files f join raw.file_sightings s using (file_hash)"
            ).fetchall()
        }
        for entry in manifest["entries"]:
            problems += check_fault(entry, files, build, published)
        unbalanced = published.execute(
            "select count(*) from audit.file_ledger "
            "where lines_in <> lines_loaded + lines_quarantined"
        ).fetchone()[0]
    if unbalanced:
        problems.append(f"{unbalanced} files where lines_in <> loaded + quarantined")
    assert not problems, "\n".join(problems[:50])


def check_fault(entry: dict, files: dict, build, published) -> list[str]:
    path = entry["file"]
    if path not in files:
        return [f"{entry['fault']}: {path} is not in the ledger"]
    file_hash, verdict, reason = files[path]
    where = f"{entry['fault']} in {path}"
    if verdict != entry["file_verdict"]:
        return [f"{where}: file verdict {verdict}, expected {entry['file_verdict']}"]
    if entry["file_verdict"] == "rejected":
        if not (reason or "").startswith(f"{entry['reason_code']}: "):
            return [f"{where}: reason {reason!r}, expected {entry['reason_code']}"]
        if entry["column"] and entry["column"] not in reason:
            return [f"{where}: reason {reason!r} does not name {entry['column']}"]
        return []
    if entry.get("duplicate_of"):
        original = files.get(entry["duplicate_of"])
        if original is None or original[0] != file_hash:
            return [f"{where}: not recognised as the same bytes as {entry['duplicate_of']}"]
        return []
    problems = []
    if entry["reason_code"]:
        found = published.execute(
            "select count(*) from audit.rejected_lines where file_hash = ? and line_no = ? "
            "and reason_code = ? and column_name is not distinct from ?",
            [file_hash, entry["line"], entry["reason_code"], entry["column"]],
        ).fetchone()[0]
        if not found:
            problems.append(
                f"{where}: line {entry['line']} not rejected as {entry['reason_code']} "
                f"on column {entry['column']}"
            )
    if entry["report_verdict"]:
        verdicts = report_verdicts(build, file_hash, entry)
        if verdicts != {entry["report_verdict"]}:
            problems.append(
                f"{where}: report of {entry['unit_id']} {entry['jornada_id']} has verdicts "
                f"{sorted(verdicts)}, expected {entry['report_verdict']}"
            )
    return problems


def report_verdicts(build, file_hash: str, entry: dict) -> set[str]:
    """Verdicts of the report(s) in a file with the entry's unit, jornada and submitted_at."""
    table = "int_goal_report_verdicts" if entry["target"] == "goal" else "int_unit_report_verdicts"
    rows = build.execute(
        f"select distinct verdict from intermediate.{table} "
        "where file_hash = ? and unit_id is not distinct from ? "
        "and jornada_id is not distinct from ? "
        "and (?::varchar is null or submitted_at_text is not distinct from ?) "
        "and (?::bigint is null or report_no is not distinct from ?)",
        [
            file_hash,
            entry["unit_id"],
            entry["jornada_id"],
            entry["submitted_at"],
            entry["submitted_at"],
            entry["report_no"],
            entry["report_no"],
        ],
    ).fetchall()
    return {row[0] for row in rows}


def test_the_dbt_time_split_accounts_for_every_node_of_the_build(sample_refresh: RefreshOutcome):
    """bench.dbt_time_split (BENCHMARKS.md, "Inside the dbt step") reads the build's own
    dbt.log and run_results.json: every node counted once, SQL found for every kind, and the
    SQL of a node never more than the node's time."""
    from bench.dbt_time_split import time_split

    assert sample_refresh.exit_code == 0, sample_refresh.output[-4000:]
    target = sample_refresh.home / "build" / "dbt_target"
    results = json.loads((target / "run_results.json").read_text())["results"]

    split = time_split(target)

    assert sum(split.nodes.values()) == len(results)
    assert {"model", "seed", "test"} <= set(split.nodes)
    for kind in split.nodes:
        assert 0 < split.sql_seconds[kind] <= split.node_seconds[kind], kind
    node_times = {r["unique_id"]: r["execution_time"] for r in results}
    per_node: dict[str, float] = {}
    for statement in split.statements:
        assert statement.node in node_times  # only this build's nodes, not an earlier one's
        per_node[statement.node] = per_node.get(statement.node, 0.0) + statement.seconds
    assert all(seconds <= node_times[node] + 0.01 for node, seconds in per_node.items())
    assert any(s.first_words.startswith("create") for s in split.statements)
