"""Property-based tests: corrupt valid files at random and check that nothing is ever lost.

Two levels, both on the real path:
- the readers (many examples, fast): every corrupted file is either read, landing exactly the
  lines it counts, or rejected whole with a reason code of the contract, never an error; the
  valid files of the same batch land exactly as they were;
- the warehouse (one batch of corrupted files per example, one dbt build): per file,
  lines_in = lines_loaded + lines_quarantined, every quarantined line of a read file is either
  an invalid line or a line of a held report, and the valid reports of the batch are in force
  with exactly their lines.
"""

from __future__ import annotations

import codecs
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import duckdb
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from dagster_project.ingest import ingest_kind
from dagster_project.settings import PROJECT_ROOT

COLUMNS = ["unit_id", "jornada_id", "service_date", "activity", "specialty", "quantity",
           "submitted_at"]  # fmt: skip
FILE_CODES = {
    "empty_file",
    "unreadable_encoding",
    "unsupported_format",
    "malformed_file",
    "missing_required_column",
    "missing_report_sheet",
}
STAMP = "2021-12-20T10:00:00-06:00"

# Valid reports (2021-14 ran 2021-12-17..19); the first few are the ones that get corrupted,
# the last two stay untouched in every batch and must come through unaffected.
VALID_LINES = [
    ("2021-12-17", "consultation_family_medicine", "", "40"),
    ("2021-12-18", "surgery", "general_surgery", "3"),
    ("2021-12-18", "consultation_specialty", "cardiology", "12"),
    ("2021-12-19", "detection_diabetes", "", "0"),
]
CORRUPTIBLE_UNITS = ["YNIMS000124", "YNIMS000221", "YNIMS000282", "YNIMS000358",
                     "YNIMS000394", "YNIMS000429", "YNIMS000505", "YNIMS000565"]  # fmt: skip
UNTOUCHED_UNITS = ["CSIMS000104", "CSIMS000111"]


def report_rows(unit_id: str) -> list[list[str]]:
    return [[unit_id, "2021-14", d, a, s, q, STAMP] for d, a, s, q in VALID_LINES]


def csv_text(rows: list[list[str]], header: list[str] = COLUMNS) -> str:
    def cell(value: str) -> str:
        return '"' + value.replace('"', '""') + '"' if any(c in value for c in ',"\r\n') else value

    return "".join(",".join(cell(v) for v in row) + "\n" for row in [header, *rows])


def json_text(rows: list[list[str]]) -> str:
    head = dict(zip(["unit_id", "jornada_id"], rows[0][:2], strict=True))
    return json.dumps(
        {
            **head,
            "submitted_at": rows[0][6],
            "lines": [
                {"service_date": r[2], "activity": r[3], "specialty": r[4], "quantity": r[5]}
                for r in rows
            ],
        }
    )


# --- corruptions --------------------------------------------------------------------------

NASTY_VALUES = st.one_of(
    st.sampled_from(
        ["", " ", "-1", "2.5", "1e3", "3.0", "NaN", "abc", "2021-02-30", "17/12/2021",
         "2021-12-20T10:00:00", "2021-15", "surgery", "urology", '"', ",", "\n", "\r\n",
         "99999999999999999999", "ñandú", "\ufeff", "NLIMS000106", "0"]
    ),
    st.text(max_size=12),
)  # fmt: skip


@st.composite
def cell_corruption(draw, unit_id: str) -> tuple[str, bytes]:
    """A valid report with some cells replaced, laid out as CSV or JSON."""
    rows = report_rows(unit_id)
    for _ in range(draw(st.integers(1, 3))):
        row = draw(st.integers(0, len(rows) - 1))
        column = draw(st.integers(0, len(COLUMNS) - 1))
        rows[row][column] = draw(NASTY_VALUES)
    if draw(st.booleans()):
        rows.append(list(rows[draw(st.integers(0, len(rows) - 1))]))  # a duplicated line
    if draw(st.booleans()):
        return "csv", csv_text(rows).encode("utf-8")
    return "json", json_text(rows).encode("utf-8")


@st.composite
def byte_corruption(draw, unit_id: str) -> tuple[str, bytes]:
    """A valid file whose bytes were damaged in transit or saved in the wrong way."""
    extension = draw(st.sampled_from(["csv", "json"]))
    rows = report_rows(unit_id)
    data = (csv_text(rows) if extension == "csv" else json_text(rows)).encode("utf-8")
    how = draw(st.sampled_from(["truncate", "insert", "overwrite", "utf16", "bom", "latin1",
                                "drop_column", "crlf", "extension"]))  # fmt: skip
    if how == "truncate":
        data = data[: draw(st.integers(0, len(data) - 1))]
    elif how == "insert":
        at = draw(st.integers(0, len(data)))
        data = data[:at] + draw(st.binary(min_size=1, max_size=8)) + data[at:]
    elif how == "overwrite":
        at = draw(st.integers(0, len(data) - 1))
        chunk = draw(st.binary(min_size=1, max_size=8))
        data = data[:at] + chunk + data[at + len(chunk) :]
    elif how == "utf16":
        data = data.decode().encode("utf-16")
    elif how == "bom":
        data = codecs.BOM_UTF8 + data
    elif how == "latin1":
        data = (
            data.decode()
            .replace("40", "40,Atención")
            .replace("quantity,", "quantity,observación,", 1)
            .encode("latin-1")
            if extension == "csv"
            else data.decode().encode("latin-1")
        )
    elif how == "drop_column":
        dropped = draw(st.integers(0, len(COLUMNS) - 1))
        kept = [c for i, c in enumerate(COLUMNS) if i != dropped]
        trimmed = [[v for i, v in enumerate(r) if i != dropped] for r in rows]
        data = csv_text(trimmed, kept).encode()
        extension = "csv"
    elif how == "crlf":
        data = data.replace(b"\n", b"\r\n")
    else:
        extension = draw(st.sampled_from(["txt", "xls", "CSV", ""]))
    return extension, data


def corruption(unit_id: str):
    return st.one_of(cell_corruption(unit_id), byte_corruption(unit_id))


def write_batch(raw_dir: Path, corrupted: list[tuple[str, bytes]]) -> dict[str, bytes]:
    """The corrupted files plus the untouched valid ones; path -> bytes."""
    files = {
        f"unit_reports/valid/{unit}.csv": csv_text(report_rows(unit)).encode()
        for unit in UNTOUCHED_UNITS[:1]
    }
    files[f"unit_reports/valid/{UNTOUCHED_UNITS[1]}.json"] = json_text(
        report_rows(UNTOUCHED_UNITS[1])
    ).encode()
    for number, (extension, data) in enumerate(corrupted):
        suffix = f".{extension}" if extension else ""
        files[f"unit_reports/corrupted/file_{number:02d}{suffix}"] = data
    for relpath, data in files.items():
        target = raw_dir / relpath
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    return files


# --- the readers ---------------------------------------------------------------------------


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.tuples(*(corruption(unit) for unit in CORRUPTIBLE_UNITS[:2])))
def test_a_corrupted_file_is_read_whole_or_rejected_whole_and_spares_the_batch(corrupted):
    with tempfile.TemporaryDirectory() as folder:
        raw_dir = Path(folder)
        files = write_batch(raw_dir, list(corrupted))
        with duckdb.connect() as con:
            summary = ingest_kind(con, raw_dir, "unit_report", run_id="property")
            ledger = con.execute(
                "select f.path, f.file_verdict, f.reject_reason, f.lines_in, "
                "(select count(*) from raw.unit_report_lines l where l.file_hash = f.file_hash) "
                "from raw.files as f"
            ).fetchall()
            landed = con.execute(
                "select f.path, l.unit_id, l.jornada_id, l.service_date, l.activity, "
                "coalesce(l.specialty, ''), l.quantity, l.submitted_at "
                "from raw.unit_report_lines as l join raw.files as f using (file_hash) "
                "where f.path like 'unit_reports/valid/%' order by f.path, l.line_no"
            ).fetchall()
    distinct_contents = {data: path for path, data in sorted(files.items(), reverse=True)}
    assert summary.files_new == len(ledger) == len(distinct_contents)
    for path, verdict, reason, lines_in, n_landed in ledger:
        if verdict == "read":
            assert lines_in == n_landed >= 1, path
        else:
            assert verdict == "rejected" and n_landed == 0, path
            assert reason.split(":")[0] in FILE_CODES, reason
            assert lines_in >= 0
    expected = [
        (path, *row)
        for path in sorted(p for p in files if p.startswith("unit_reports/valid/"))
        for row in report_rows(path.rsplit("/", 1)[1].split(".")[0])
    ]
    assert landed == expected


# --- the warehouse -------------------------------------------------------------------------


def dbt_build(build_db: Path, work: Path) -> None:
    """The dbt models from raw to the ledger and the facts, as the refresh builds them."""
    dbt = Path(sys.executable).with_name("dbt")
    command = [
        str(dbt), "build", "--project-dir", str(PROJECT_ROOT / "dbt"),
        "--profiles-dir", str(PROJECT_ROOT / "dbt"),
        "--target-path", str(work / "target"), "--log-path", str(work / "logs"),
        "--exclude-resource-type", "unit_test", "--indirect-selection", "cautious",
        "--select", "+file_ledger", "+fct_activities", "+quarantined_reports", "+rejected_lines",
    ]  # fmt: skip
    environment = {
        **os.environ,
        "JORNADAS_BUILD_DB": str(build_db),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
    done = subprocess.run(command, env=environment, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout[-4000:]


# One dbt build per example (minutes on a busy machine), so one example and no shrinking.
@settings(max_examples=1, deadline=None, database=None, phases=[Phase.explicit, Phase.generate],
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])  # fmt: skip
@given(st.tuples(*(corruption(unit) for unit in CORRUPTIBLE_UNITS)))
def test_every_line_of_a_corrupted_batch_is_accounted_for_and_valid_reports_stand(corrupted):
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        raw_dir, build_db = work / "raw", work / "build.duckdb"
        write_batch(raw_dir, list(corrupted))
        with duckdb.connect(str(build_db)) as con:
            ingest_kind(con, raw_dir, "unit_report", run_id="property")
            ingest_kind(con, raw_dir, "goal", run_id="property")
        dbt_build(build_db, work)
        with duckdb.connect(str(build_db), read_only=True) as con:
            ledger = con.execute(
                "select path, lines_in, lines_loaded, lines_quarantined, verdict "
                "from audit.file_ledger"
            ).fetchall()
            unexplained = con.execute(
                # a quarantined line of a read file has a failed check or belongs to a held report
                "select l.file_hash, l.line_no from intermediate.int_unit_report_lines as l "
                "join intermediate.int_unit_report_verdicts as v using (report_key) "
                "where not v.is_loaded and v.verdict not in ('rejected', 'conflict')"
            ).fetchall()
            rejected_without_reason = con.execute(
                "select v.report_id from intermediate.int_unit_report_verdicts as v "
                "where v.verdict = 'rejected' and not exists (select 1 from audit.rejected_lines "
                "as r where r.report_id = v.report_id)"
            ).fetchall()
            facts = con.execute(
                "select unit_id, cast(service_date as varchar), activity, "
                "coalesce(specialty, ''), cast(quantity as varchar) from core.fct_activities "
                f"where unit_id in {tuple(UNTOUCHED_UNITS)} order by all"
            ).fetchall()
    for path, lines_in, loaded, quarantined, verdict in ledger:
        assert lines_in == loaded + quarantined, path
        assert verdict in {"accepted", "partially_accepted", "rejected"}
    assert unexplained == []
    assert rejected_without_reason == []
    expected = sorted(
        (unit, d, a, s, q) for unit in UNTOUCHED_UNITS for _, _, d, a, s, q, _ in report_rows(unit)
    )
    assert facts == expected
