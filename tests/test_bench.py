"""The plain-DuckDB limit script does the warehouse's work: its facts equal an independent
Python reading of the same files under the raw contract's rules."""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from datetime import date, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from bench.plain_duckdb import run_plain
from bench.weekly import plan_last_week, write_corrections

ACTIVITIES = {
    "consultation_family_medicine": False,
    "consultation_specialty": True,
    "surgery": True,
    "transplant_kidney": False,
}
SPECIALTIES = ("general_surgery", "urology", "ophthalmology")
JORNADAS = {"2021-13": ("2021-12-10", "2021-12-12"), "2021-14": ("2021-12-17", "2021-12-19")}
UNITS = {  # unit_id -> (unit_type, ooad_id)
    "NLIMS000001": ("UMF", "NL"),
    "NLIMS000002": ("HGZ", "NL"),
    "OCIMS000003": ("UMF", "OC"),
    "DFIMS000004": ("UMAE", ""),
}
REPORT_COLUMNS = [
    "unit_id",
    "jornada_id",
    "service_date",
    "activity",
    "specialty",
    "quantity",
    "submitted_at",
]


def write_seeds(seeds: Path) -> None:
    seeds.mkdir(parents=True)
    write_csv(
        seeds / "units.csv",
        ["unit_id", "unit_name", "unit_type", "level_of_care", "ooad_id", "umae_number"],
        [[u, f"Unit {u}", t, "1", o, "1" if t == "UMAE" else ""] for u, (t, o) in UNITS.items()],
    )
    write_csv(
        seeds / "ooad.csv",
        ["ooad_id", "ooad_name", "state_name"],
        [["NL", "Nuevo León", "Nuevo León"], ["OC", "Oaxaca", "Oaxaca"]],
    )
    write_csv(
        seeds / "activities.csv",
        ["activity", "requires_specialty"],
        [[a, str(r).lower()] for a, r in ACTIVITIES.items()],
    )
    write_csv(seeds / "specialties.csv", ["specialty"], [[s] for s in SPECIALTIES])
    write_csv(
        seeds / "jornadas.csv",
        ["jornada_id", "start_date", "end_date", "dates_source"],
        [[j, s, e, "reported"] for j, (s, e) in JORNADAS.items()],
    )


def write_csv(path: Path, header: list[str], rows: list[list]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)


def report_lines(unit: str, jornada: str, scale: int) -> list[dict]:
    start = date.fromisoformat(JORNADAS[jornada][0])
    lines = []
    for offset in range(3):
        day = (start + timedelta(days=offset)).isoformat()
        lines.append(line(day, "consultation_family_medicine", "", 10 * scale + offset))
        lines.append(line(day, "consultation_specialty", "urology", scale + offset))
        lines.append(line(day, "surgery", "general_surgery", offset))
    return lines


def line(day: str, activity: str, specialty: str, quantity: object) -> dict:
    return {"service_date": day, "activity": activity, "specialty": specialty, "quantity": quantity}


def write_raw(raw: Path) -> None:
    """Valid reports in CSV and JSON, plus each kind of fault the contract names."""
    reports_dir = raw / "unit_reports"
    first = "2021-12-20T09:00:00-06:00"
    later = "2021-12-21T09:00:00-06:00"
    rows = []
    for scale, unit in enumerate(("NLIMS000001", "NLIMS000002", "OCIMS000003"), start=1):
        for jornada in JORNADAS:
            rows += [
                {"unit_id": unit, "jornada_id": jornada, "submitted_at": first, **values}
                for values in report_lines(unit, jornada, scale)
            ]
    write_csv(
        reports_dir / "week1" / "reports.csv",
        list(reversed(REPORT_COLUMNS)),  # column order is free
        [[r[c] for c in reversed(REPORT_COLUMNS)] for r in rows],
    )
    # The same bytes under another name: one delivery.
    (reports_dir / "copy.csv").write_bytes((reports_dir / "week1" / "reports.csv").read_bytes())
    # A correction for OC in 2021-14 (whole replacement, fewer lines) and a late older version.
    correction = report_lines("OCIMS000003", "2021-14", 7)[:4]
    stale = report_lines("OCIMS000003", "2021-14", 9)
    json_reports = [
        {
            "unit_id": "OCIMS000003",
            "jornada_id": "2021-14",
            "submitted_at": later,
            "lines": correction,
        },
        {
            "unit_id": "OCIMS000003",
            "jornada_id": "2021-14",
            "submitted_at": "2021-12-19T20:00:00-06:00",
            "lines": stale,
        },
    ]
    (reports_dir / "corrections.json").write_text(json.dumps(json_reports), encoding="utf-8")
    # The UMAE: one valid report as a single JSON object.
    umae = {
        "unit_id": "DFIMS000004",
        "jornada_id": "2021-14",
        "submitted_at": first,
        "lines": report_lines("DFIMS000004", "2021-14", 5),
    }
    (reports_dir / "umae.json").write_text(json.dumps(umae), encoding="utf-8")
    # A newer NL-1 version for 2021-13 with a negative quantity: rejected, old one stays.
    bad = report_lines("NLIMS000001", "2021-13", 4)
    bad[0]["quantity"] = -1
    # A newer NL-2 version for 2021-14 with a date outside the jornada and a fraction.
    bad_dates = report_lines("NLIMS000002", "2021-14", 4)
    bad_dates[1]["service_date"] = "2021-12-25"
    bad_dates[2]["quantity"] = "1.5"
    # A specialty where none is allowed, an unknown unit, and a duplicate line.
    odd = report_lines("NLIMS000001", "2021-14", 6)
    odd[0]["specialty"] = "urology"
    dupes = report_lines("NLIMS000002", "2021-13", 6)
    dupes.append(dict(dupes[0]))
    faulty = [
        ("NLIMS000001", "2021-13", later, bad),
        ("NLIMS000002", "2021-14", later, bad_dates),
        ("NLIMS000001", "2021-14", later, odd),
        ("XXIMS999999", "2021-14", later, report_lines("XXIMS999999", "2021-14", 1)),
        ("NLIMS000002", "2021-13", later, dupes),
    ]
    write_csv(
        reports_dir / "faulty.csv",
        REPORT_COLUMNS,
        [
            [u, j, v["service_date"], v["activity"], v["specialty"], v["quantity"], s]
            for u, j, s, lines in faulty
            for v in lines
        ],
    )
    # Two different reports at the same instant: a conflict, neither wins.
    conflict_time = "2021-12-22T09:00:00-06:00"
    for name, scale in (("conflict_a.csv", 20), ("conflict_b.csv", 30)):
        write_csv(
            reports_dir / name,
            REPORT_COLUMNS,
            [
                [
                    "OCIMS000003",
                    "2021-13",
                    v["service_date"],
                    v["activity"],
                    v["specialty"],
                    v["quantity"],
                    conflict_time,
                ]
                for v in report_lines("OCIMS000003", "2021-13", scale)
            ],
        )
    # A Latin-1 file (accepted when not UTF-8) with an extra column, which is ignored.
    latin = "\n".join(
        [",".join([*REPORT_COLUMNS, "observaciones"])]
        + [
            ",".join(
                [
                    "DFIMS000004",
                    "2021-13",
                    v["service_date"],
                    v["activity"],
                    v["specialty"],
                    str(v["quantity"]),
                    first,
                    "revisión",
                ]
            )
            for v in report_lines("DFIMS000004", "2021-13", 3)
        ]
    )
    (reports_dir / "latin1.csv").write_bytes(latin.encode("latin-1"))
    write_csv(
        raw / "goals" / "goals.csv",
        ["unit_id", "jornada_id", "activity", "specialty", "target", "submitted_at"],
        [["NLIMS000001", "2021-14", "surgery", "general_surgery", 5, first]],
    )


def independent_totals(raw: Path) -> dict[tuple, int]:
    """Read the files with csv/json and apply the contract's rules, report by report."""
    reports: dict[tuple, list[dict]] = defaultdict(list)
    seen_contents: set[bytes] = set()
    for path in sorted(p for p in (raw / "unit_reports").rglob("*") if p.is_file()):
        content = path.read_bytes()
        if content in seen_contents:
            continue
        seen_contents.add(content)
        if path.suffix == ".csv":
            try:
                text = content.decode("utf-8-sig")
            except UnicodeDecodeError:
                text = content.decode("latin-1")
            for row in csv.DictReader(text.splitlines()):
                key = (path, None, row["unit_id"], row["jornada_id"], row["submitted_at"])
                reports[key].append(row)
        else:
            document = json.loads(content)
            for report_no, report in enumerate(
                document if isinstance(document, list) else [document], start=1
            ):
                key = (
                    path,
                    report_no,
                    report["unit_id"],
                    report["jornada_id"],
                    report["submitted_at"],
                )
                reports[key] += [{**ln, "quantity": str(ln["quantity"])} for ln in report["lines"]]

    def valid(key: tuple, lines: list[dict]) -> bool:
        _, _, unit, jornada, _ = key
        if unit not in UNITS or jornada not in JORNADAS:
            return False
        start, end = (date.fromisoformat(d) for d in JORNADAS[jornada])
        seen = set()
        for ln in lines:
            needs = ACTIVITIES.get(ln["activity"])
            quantity = float(ln["quantity"])
            ident = (ln["service_date"], ln["activity"], ln["specialty"])
            if (
                needs is None
                or needs != bool(ln["specialty"])
                or (ln["specialty"] and ln["specialty"] not in SPECIALTIES)
                or not start <= date.fromisoformat(ln["service_date"]) <= end
                or quantity < 0
                or quantity != int(quantity)
                or ident in seen
            ):
                return False
            seen.add(ident)
        return True

    by_time: dict[tuple, set] = defaultdict(set)
    valid_reports = {k: v for k, v in reports.items() if valid(k, v)}
    for (_, _, unit, jornada, submitted), lines in valid_reports.items():
        content = frozenset(
            (ln["service_date"], ln["activity"], ln["specialty"], ln["quantity"]) for ln in lines
        )
        by_time[(unit, jornada, datetime.fromisoformat(submitted))].add(content)
    latest: dict[tuple, datetime] = {}
    for (unit, jornada, submitted), contents in by_time.items():
        if len(contents) == 1 and submitted > latest.get(
            (unit, jornada), datetime.min.replace(tzinfo=submitted.tzinfo)
        ):
            latest[(unit, jornada)] = submitted
    totals: dict[tuple, int] = defaultdict(int)
    counted: set[tuple] = set()
    for (_, _, unit, jornada, submitted), lines in valid_reports.items():
        stamp = datetime.fromisoformat(submitted)
        if latest.get((unit, jornada)) != stamp or (unit, jornada) in counted:
            continue
        counted.add((unit, jornada))
        for ln in lines:
            totals[(unit, jornada, ln["activity"], ln["specialty"] or None)] += int(
                float(ln["quantity"])
            )
    return dict(totals)


@pytest.fixture
def landing(tmp_path: Path) -> tuple[Path, Path]:
    raw, seeds = tmp_path / "raw", tmp_path / "seeds"
    write_seeds(seeds)
    write_raw(raw)
    return raw, seeds


def test_plain_script_facts_equal_an_independent_reading(landing, tmp_path):
    raw, seeds = landing
    run_plain(raw, tmp_path / "plain.duckdb", seeds_dir=seeds)
    with duckdb.connect(str(tmp_path / "plain.duckdb"), read_only=True) as con:
        rows = con.execute(
            "select unit_id, jornada_id, activity, specialty, sum(quantity)::bigint "
            "from fct_activities group by all"
        ).fetchall()
    expected = independent_totals(raw)
    assert {tuple(r[:4]): r[4] for r in rows} == expected
    # The faults above must have bitten: the corrected OC report and the rejected ones.
    assert expected[("OCIMS000003", "2021-14", "consultation_family_medicine", None)] == 70 + 71
    assert ("NLIMS000002", "2021-14", "surgery", "general_surgery") in expected
    assert ("DFIMS000004", "2021-13", "surgery", "general_surgery") in expected  # Latin-1


def test_plain_script_records_every_fault_and_balances_every_file(landing, tmp_path):
    raw, seeds = landing
    run_plain(raw, tmp_path / "plain.duckdb", seeds_dir=seeds)
    with duckdb.connect(str(tmp_path / "plain.duckdb"), read_only=True) as con:
        reasons = {r[0] for r in con.execute("select reason_code from rejected_lines").fetchall()}
        verdicts = dict(
            con.execute("select verdict, count(*) from reports group by all").fetchall()
        )
        unbalanced = con.execute(
            "select count(*) from file_ledger where lines_in <> lines_loaded + lines_quarantined"
        ).fetchone()[0]
        files = con.execute("select count(*) from file_ledger").fetchone()[0]
        located = con.execute(
            "select reason_code, line_no from rejected_lines where path like '%faulty.csv'"
        ).fetchall()
    assert reasons == {
        "negative_quantity",
        "date_outside_jornada",
        "fractional_quantity",
        "specialty_not_allowed",
        "unknown_unit",
        "duplicate_line",
    }
    assert verdicts["rejected"] == 5
    assert verdicts["conflict"] == 2
    assert unbalanced == 0
    # Line numbers are physical lines (header = 1), as found by reading the file again.
    faulty_lines = (raw / "unit_reports" / "faulty.csv").read_text(encoding="utf-8").splitlines()
    expected_at = {
        "negative_quantity": next(n for n, t in enumerate(faulty_lines, 1) if ",-1," in t),
        "fractional_quantity": next(n for n, t in enumerate(faulty_lines, 1) if ",1.5," in t),
        "date_outside_jornada": next(n for n, t in enumerate(faulty_lines, 1) if "12-25" in t),
    }
    assert {(code, line) for code, line in located if code in expected_at} == set(
        expected_at.items()
    )
    distinct_contents = {p.read_bytes() for p in raw.rglob("*") if p.is_file()}
    assert files == len(distinct_contents)  # the copy under another name is one delivery


def test_weekly_batch_holds_out_the_last_week_and_corrections_take_force(landing, tmp_path):
    raw, seeds = landing
    week = plan_last_week(raw, seeds, False, tmp_path / "plan.duckdb")
    assert week.jornadas == ["2021-14"]
    # Only files whose every report is of 2021-14; files mixing 2021-13 stay in the base.
    assert {p.name for p in week.files} == {"corrections.json", "umae.json"}

    run_plain(raw, tmp_path / "before.duckdb", seeds_dir=seeds)
    corrections = raw / "unit_reports" / "corrections" / "bench.csv"
    written = write_corrections(tmp_path / "before.duckdb", corrections, count=2)
    run_plain(raw, tmp_path / "after.duckdb", seeds_dir=seeds)
    with duckdb.connect(str(tmp_path / "after.duckdb"), read_only=True) as con:
        in_force_from_corrections = con.execute(
            "select count(*), sum(lines) from reports join raw_files using (file_hash) "
            "where verdict = 'in_force' and path like '%bench.csv'"
        ).fetchone()
    assert in_force_from_corrections == (2, written)
    with duckdb.connect(str(tmp_path / "before.duckdb"), read_only=True) as con:
        before = con.execute("select sum(quantity) from fct_activities").fetchone()[0]
    with duckdb.connect(str(tmp_path / "after.duckdb"), read_only=True) as con:
        after = con.execute("select sum(quantity) from fct_activities").fetchone()[0]
    assert after == before + 2  # each corrected report adds one to its first line


def test_corrections_from_the_projects_facts_are_the_plain_scripts(landing, tmp_path):
    """bench.weekly_parts picks its corrections from the project's published facts; they must
    be the harness's, picked from the plain script's."""
    raw, seeds = landing
    run_plain(raw, tmp_path / "plain.duckdb", seeds_dir=seeds)
    published = tmp_path / "published.duckdb"
    with duckdb.connect(str(published)) as con:
        con.execute(f"attach '{tmp_path / 'plain.duckdb'}' as plain (read_only)")
        con.execute("create schema core")
        # Another physical order than the plain file's: the pick must not depend on it.
        con.execute(
            "create table core.fct_activities as "
            "select * from plain.fct_activities order by quantity desc, unit_id desc"
        )
    from_plain, from_project = tmp_path / "plain.csv", tmp_path / "project.csv"
    written = write_corrections(tmp_path / "plain.duckdb", from_plain, count=3)
    assert written > 3
    assert written == write_corrections(
        published, from_project, count=3, facts_table="core.fct_activities"
    )
    assert from_project.read_bytes() == from_plain.read_bytes()
    with pytest.raises(ValueError, match="unknown facts table"):
        write_corrections(published, from_project, count=3, facts_table="x; drop table y")


def test_weekly_parts_land_the_week_only_where_a_part_holds_it(landing, tmp_path):
    from bench.weekly_parts import PARTS, link_part_landings

    raw, seeds = landing
    week = plan_last_week(raw, seeds, False, tmp_path / "plan.duckdb")
    landings = link_part_landings(raw, tmp_path / "parts", week.files)
    everything = {p.relative_to(raw) for p in raw.rglob("*") if p.is_file()}

    def files(folder: Path) -> set[Path]:
        return {p.relative_to(folder) for p in folder.rglob("*") if p.is_file()}

    assert week.files and set(week.files) < everything
    assert files(landings["base"]) == everything - set(week.files)
    for part, holds in PARTS.items():
        expected = everything if holds["week"] else everything - set(week.files)
        assert files(landings[part]) == expected, part
    # Hard links: the parts' files are the data set's files (same inodes), so the ingest's stat
    # signatures recorded by the full refresh hold for every part.
    folder = landings["week alone"]
    sample = next(iter(files(folder)))
    assert (folder / sample).stat().st_ino == (raw / sample).stat().st_ino


def test_harness_records_its_figures_by_default_even_when_a_scale_fails(tmp_path, capsys):
    """`make bench` passes no --out: the run's JSON (machine, command, date, each scale's
    figures or error) still lands under the work folder, and a failed scale fails the run."""
    from bench.harness import main

    work = tmp_path / "bench"
    assert main(["--scales", "no-such-scale", "--work-dir", str(work), "--no-weekly"]) == 1

    written = list((work / "results").glob("bench-*.json"))
    assert len(written) == 1
    report = json.loads(written[0].read_text(encoding="utf-8"))
    assert report["command"].endswith("--no-weekly")
    assert report["machine"]["nproc"] >= 1
    [scale] = report["scales"]
    assert scale["scale"] == "no-such-scale"
    assert "generation of no-such-scale failed" in scale["error"]
    assert f"All figures: {written[0]}" in capsys.readouterr().out


def _dbt_log_line(clock: str, thread: str, text: str) -> str:
    return f"\x1b[0m{clock} [debug] [{thread}]: {text}"


def test_dbt_time_split_counts_the_last_build_per_thread(tmp_path):
    """Two builds in one dbt.log (a home refreshed twice): only the last one counts, and each
    statement goes to the node running on its own thread while the other thread interleaves."""
    from bench.dbt_time_split import time_split

    comment = '/* {"app": "dbt", "node_id": "model.jornadas.a"} */'
    lines = [
        _dbt_log_line("10:00:00.0", "MainThread", "Running with dbt=1.11.16"),
        _dbt_log_line("10:00:01.0", "Thread-1 (", "Began running node model.jornadas.a"),
        _dbt_log_line("10:00:01.1", "Thread-1 (", "On model.jornadas.a: create table x"),
        _dbt_log_line("10:00:09.0", "Thread-1 (", "SQL status: OK in 8.000 seconds"),
        _dbt_log_line("11:00:00.0", "MainThread", "Running with dbt=1.11.16"),
        _dbt_log_line("11:00:01.0", "Thread-1 (", "Began running node model.jornadas.a"),
        _dbt_log_line("11:00:01.0", "Thread-2 (", "Began running node test.jornadas.t"),
        _dbt_log_line("11:00:01.1", "Thread-1 (", f"On model.jornadas.a: {comment}"),
        "    ",
        "  create  table",
        '    "jornadas_build"."marts"."a__dbt_tmp"',
        _dbt_log_line("11:00:01.2", "Thread-2 (", "On test.jornadas.t: select"),
        _dbt_log_line("11:00:01.3", "Thread-2 (", "SQL status: OK in 0.050 seconds"),
        _dbt_log_line("11:00:01.5", "Thread-1 (", "SQL status: OK in 0.300 seconds"),
        _dbt_log_line("11:00:01.6", "Thread-1 (", "On model.jornadas.a: COMMIT"),
        _dbt_log_line("11:00:01.7", "Thread-1 (", "SQL status: OK in 0.020 seconds"),
    ]
    (tmp_path / "dbt.log").write_text("\n".join(lines) + "\n", encoding="utf-8")
    results = [
        {"unique_id": "model.jornadas.a", "execution_time": 0.5},
        {"unique_id": "test.jornadas.t", "execution_time": 0.1},
    ]
    (tmp_path / "run_results.json").write_text(
        json.dumps({"elapsed_time": 0.6, "results": results}), encoding="utf-8"
    )

    split = time_split(tmp_path)

    assert split.nodes == {"model": 1, "test": 1}
    assert split.sql_seconds == {"model": pytest.approx(0.32), "test": pytest.approx(0.05)}
    assert split.own_ms_per_node("model") == pytest.approx(180)
    assert [(s.node, s.first_words, s.seconds) for s in split.statements] == [
        ("model.jornadas.a", "create table", 0.3),
        ("test.jornadas.t", "select", 0.05),
        ("model.jornadas.a", "COMMIT", 0.02),
    ]
