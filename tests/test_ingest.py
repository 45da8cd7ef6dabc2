"""Ingest of the landing folder: every format and encoding, every file-level verdict, hashing.

Real files written to a temporary landing folder, landed into a real DuckDB file.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import duckdb
import openpyxl
import pytest

from dagster_project.ingest import IngestError, ingest_kind
from dagster_project.ingest import readers as readers_module

HEADER = "unit_id,jornada_id,service_date,activity,specialty,quantity,submitted_at"
GOAL_HEADER = "unit_id,jornada_id,activity,specialty,target,submitted_at"
SUBMITTED = "2021-12-20T10:00:00-06:00"


def line(unit="NLIMS000001", jornada="2021-14", day="2021-12-17", activity="surgery",
         specialty="urology", quantity="3", submitted=SUBMITTED) -> str:  # fmt: skip
    return ",".join([unit, jornada, day, activity, specialty, quantity, submitted])


@pytest.fixture
def landing(tmp_path: Path) -> Path:
    raw = tmp_path / "raw"
    (raw / "unit_reports").mkdir(parents=True)
    (raw / "goals").mkdir()
    return raw


@pytest.fixture
def db(tmp_path: Path):
    con = duckdb.connect(str(tmp_path / "build.duckdb"))
    yield con
    con.close()


def write(raw: Path, relpath: str, content: str | bytes, encoding: str = "utf-8") -> Path:
    path = raw / relpath
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, str):
        content = content.encode(encoding)
    path.write_bytes(content)
    return path


def ingest_all(con, raw: Path, run_id: str = "run-1"):
    return ingest_kind(con, raw, "unit_report", run_id), ingest_kind(con, raw, "goal", run_id)


def file_row(con, path: str) -> dict:
    cursor = con.execute("select * from raw.files where path = ?", [path])
    names = [d[0] for d in cursor.description]
    row = cursor.fetchone()
    assert row is not None, f"no raw.files row for {path}"
    return dict(zip(names, row, strict=True))


def lines_of(con, path: str, columns: str = "line_no, quantity") -> list[tuple]:
    return con.execute(
        f"select {columns} from raw.unit_report_lines l join raw.files f using (file_hash) "
        "where f.path = ? order by line_no",
        [path],
    ).fetchall()


# --- readable files ------------------------------------------------------------------------


def test_plain_csv_lands_every_line_as_text_with_physical_line_numbers(landing, db):
    rows = [line(quantity=str(q)) for q in (3, 4, 5)] + [line(activity="mammogram", specialty="")]
    write(landing, "unit_reports/oc/a.csv", "\n".join([HEADER, *rows]) + "\n")
    ingest_all(db, landing)
    record = file_row(db, "unit_reports/oc/a.csv")
    assert (record["file_verdict"], record["encoding"], record["lines_in"]) == ("read", "utf-8", 4)
    assert record["kind"] == "unit_report" and record["format"] == "csv"
    assert lines_of(db, "unit_reports/oc/a.csv", "line_no, quantity, specialty") == [
        (2, "3", "urology"),
        (3, "4", "urology"),
        (4, "5", "urology"),
        (5, "3", None),  # an empty cell is missing, not ''
    ]


def test_quoted_fields_and_blank_lines_keep_physical_line_numbers(landing, db):
    content = (
        f"{HEADER}\r\n"
        f'NLIMS000001,2021-14,2021-12-17,surgery,"uro\nlogy",3,{SUBMITTED}\r\n'
        "\r\n"
        f'"NLIMS000001",2021-14,2021-12-18,surgery,urology,"7",{SUBMITTED}\r\n'
    )
    write(landing, "unit_reports/q.csv", content)
    ingest_all(db, landing)
    assert file_row(db, "unit_reports/q.csv")["lines_in"] == 2
    # the first record spans lines 2-3, line 4 is blank, the second record is on line 5
    assert lines_of(db, "unit_reports/q.csv", "line_no, specialty, quantity") == [
        (2, "uro\nlogy", "3"),
        (5, "urology", "7"),
    ]


def test_column_order_is_free_and_extra_columns_are_recorded_not_loaded(landing, db):
    header = "comment,quantity,unit_id,jornada_id,service_date,activity,specialty,submitted_at,x"
    write(
        landing,
        "unit_reports/order.csv",
        f"{header}\nhello,9,NLIMS000001,2021-14,2021-12-17,surgery,urology,{SUBMITTED},y\n",
    )
    ingest_all(db, landing)
    assert file_row(db, "unit_reports/order.csv")["extra_columns"] == "comment,x"
    assert lines_of(db, "unit_reports/order.csv", "unit_id, quantity, activity") == [
        ("NLIMS000001", "9", "surgery")
    ]


@pytest.mark.parametrize(
    ("prefix", "encoding", "expected"),
    [(b"\xef\xbb\xbf", "utf-8", "utf-8-sig"), (b"", "latin-1", "latin-1"), (b"", "utf-8", "utf-8")],
)
def test_csv_encodings_of_the_contract(landing, db, prefix, encoding, expected):
    body = f"{HEADER}\n{line(specialty='urología')}\n".encode(encoding)
    write(landing, "unit_reports/enc.csv", prefix + body)
    ingest_all(db, landing)
    record = file_row(db, "unit_reports/enc.csv")
    assert (record["file_verdict"], record["encoding"]) == ("read", expected)
    assert lines_of(db, "unit_reports/enc.csv", "unit_id, specialty") == [
        ("NLIMS000001", "urología")
    ]


def test_json_array_of_reports_numbers_kept_as_their_json_text(landing, db):
    reports = [
        {
            "unit_id": "NLIMS000001",
            "jornada_id": "2021-14",
            "submitted_at": SUBMITTED,
            "channel": "portal",
            "lines": [
                {
                    "service_date": "2021-12-17",
                    "activity": "surgery",
                    "specialty": "urology",
                    "quantity": 3,
                },  # fmt: skip
                {"service_date": "2021-12-17", "activity": "mammogram", "quantity": 2.5, "n": 1},
            ],
        },
        {
            "unit_id": "NLIMS000002",
            "jornada_id": "2021-13",
            "submitted_at": SUBMITTED,
            "lines": [
                {
                    "service_date": "2021-12-10",
                    "activity": "vasectomy",
                    "specialty": None,
                    "quantity": "4",
                }
            ],
        },  # fmt: skip
    ]
    write(landing, "unit_reports/r.json", json.dumps(reports).replace("2.5", "2.50"))
    ingest_all(db, landing)
    record = file_row(db, "unit_reports/r.json")
    assert (record["file_verdict"], record["lines_in"]) == ("read", 3)
    assert record["extra_columns"] == "channel,lines.n"
    assert lines_of(
        db, "unit_reports/r.json", "line_no, report_no, unit_id, specialty, quantity"
    ) == [
        (1, 1, "NLIMS000001", "urology", "3"),
        (2, 1, "NLIMS000001", None, "2.50"),
        (3, 2, "NLIMS000002", None, "4"),
    ]


def test_json_single_report_object(landing, db):
    report = {"unit_id": "U1", "jornada_id": "2021-14", "submitted_at": SUBMITTED,
              "lines": [{"service_date": "2021-12-17", "activity": "surgery",
                         "specialty": "urology", "quantity": 1}]}  # fmt: skip
    write(landing, "unit_reports/one.json", json.dumps(report))
    ingest_all(db, landing)
    assert lines_of(db, "unit_reports/one.json", "line_no, report_no, unit_id") == [(1, 1, "U1")]


def write_xlsx(path: Path, rows: list[list], sheet: str = "report") -> None:
    workbook = openpyxl.Workbook()
    worksheet = workbook.active
    worksheet.title = sheet
    for row in rows:
        worksheet.append(row)
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook.save(path)


def test_xlsx_sheet_report_with_sheet_row_numbers(landing, db):
    rows = [
        HEADER.split(","),
        ["NLIMS000001", "2021-14", "2021-12-17", "surgery", "urology", 3, SUBMITTED],
        [],
        ["NLIMS000001", "2021-14", "2021-12-18", "mammogram", None, 4.0, SUBMITTED],
        ["NLIMS000001", "2021-14", "2021-12-19", "surgery", "urology", 2.5, SUBMITTED],
    ]
    write_xlsx(landing / "unit_reports/x.xlsx", rows)
    ingest_all(db, landing)
    assert file_row(db, "unit_reports/x.xlsx")["lines_in"] == 3
    assert lines_of(db, "unit_reports/x.xlsx", "line_no, specialty, quantity") == [
        (2, "urology", "3"),
        (4, None, "4"),
        (5, "urology", "2.5"),
    ]


def test_goals_csv_lands_in_goal_lines(landing, db):
    write(
        landing,
        "goals/oc.csv",
        f"{GOAL_HEADER}\nOCIMS000001,2021-11,surgery,urology,24,{SUBMITTED}\n",
    )
    ingest_all(db, landing)
    assert file_row(db, "goals/oc.csv")["kind"] == "goal"
    assert db.execute("select line_no, unit_id, target from raw.goal_lines").fetchall() == [
        (2, "OCIMS000001", "24")
    ]


# --- rejected files ------------------------------------------------------------------------

REJECTED_CASES = {
    "empty": ("unit_reports/e.csv", b"", "empty_file", 0),
    "header only": ("unit_reports/h.csv", f"{HEADER}\n".encode(), "empty_file", 0),
    "utf-16": (
        "unit_reports/u16.csv",
        f"{HEADER}\n{line()}\n".encode("utf-16"),
        "unreadable_encoding",
        1,  # its one data line is counted, so the ledger shows what was refused
    ),
    "binary": ("unit_reports/bin.csv", bytes(range(256)) * 4, "unreadable_encoding", 0),
    "txt": ("unit_reports/notes.txt", b"hello", "unsupported_format", 0),
    "json goals": ("goals/g.json", b"[]", "unsupported_format", 0),
    "ragged": (
        "unit_reports/rag.csv",
        f"{HEADER}\n{line()}\nNLIMS000001,2021-14\n".encode(),
        "malformed_file",
        2,
    ),
    "truncated": (
        "unit_reports/trunc.csv",
        f"{HEADER}\n{line()}\n{line()[:20]}".encode(),
        "malformed_file",
        2,
    ),
    "unbalanced quote": (
        "unit_reports/quote.csv",
        f'{HEADER}\n"NLIMS000001,2021-14\n'.encode(),
        "malformed_file",
        1,
    ),
    "truncated json": (
        "unit_reports/t.json",
        b'[{"unit_id": "U", "lines": [{"activ',
        "malformed_file",
        0,
    ),
    "json scalar": ("unit_reports/s.json", b"42", "malformed_file", 0),
    "json without lines": ("unit_reports/nl.json", b'{"unit_id": "U"}', "malformed_file", 0),
    "corrupt xlsx": ("unit_reports/bad.xlsx", b"PK\x03\x04 not really a zip", "malformed_file", 0),
}


@pytest.mark.parametrize("case", REJECTED_CASES.values(), ids=REJECTED_CASES.keys())
def test_unreadable_files_are_rejected_with_their_reason(landing, db, case):
    relpath, content, code, lines_in = case
    write(landing, relpath, content)
    ingest_all(db, landing)
    record = file_row(db, relpath)
    assert record["file_verdict"] == "rejected"
    assert record["reject_reason"].startswith(f"{code}: ")
    assert len(record["reject_reason"]) > len(code) + 10  # plain words follow the code
    assert record["lines_in"] == lines_in
    assert db.execute("select count(*) from raw.unit_report_lines").fetchone()[0] == 0


def test_missing_required_column_is_named(landing, db):
    write(landing, "unit_reports/m.csv", "unit_id,jornada_id,service_date,activity,specialty,"
          "submitted_at\nU,2021-14,2021-12-17,surgery,urology,x\n")  # fmt: skip
    write(landing, "goals/m.csv", "unit_id,jornada_id,activity,specialty,submitted_at\nU,J,a,,t\n")
    ingest_all(db, landing)
    for path in ("unit_reports/m.csv", "goals/m.csv"):
        reason = file_row(db, path)["reject_reason"]
        assert reason.startswith("missing_required_column: ")
        assert "'quantity'" in reason or "'target'" in reason


def test_xlsx_without_a_report_sheet(landing, db):
    write_xlsx(landing / "unit_reports/s.xlsx", [HEADER.split(",")], sheet="Hoja1")
    ingest_all(db, landing)
    reason = file_row(db, "unit_reports/s.xlsx")["reject_reason"]
    assert reason.startswith("missing_report_sheet: ") and "Hoja1" in reason


def test_a_rejected_file_leaves_valid_files_of_the_batch_alone(landing, db):
    write(landing, "unit_reports/a_good.csv", f"{HEADER}\n{line()}\n")
    write(landing, "unit_reports/b_bad.csv", f"{HEADER}\n{line()},extra\n")
    write(landing, "unit_reports/c_good.csv", f"{HEADER}\n{line(quantity='8')}\n")
    summary, _ = ingest_all(db, landing)
    assert (summary.files_new, summary.files_rejected, summary.lines_landed) == (3, 1, 2)
    verdicts = db.execute("select path, file_verdict from raw.files order by path").fetchall()
    assert verdicts == [
        ("unit_reports/a_good.csv", "read"),
        ("unit_reports/b_bad.csv", "rejected"),
        ("unit_reports/c_good.csv", "read"),
    ]
    # b_bad's CSV error aborts the batch's transaction: a_good is landed again, exactly once.
    assert lines_of(db, "unit_reports/a_good.csv") == [(2, "3")]
    assert lines_of(db, "unit_reports/b_bad.csv") == []
    assert lines_of(db, "unit_reports/c_good.csv") == [(2, "8")]
    sightings = db.execute("select path from raw.file_sightings order by path").fetchall()
    assert sightings == [(p,) for p, _ in verdicts]


# --- identity, incrementality, temporary names ------------------------------------------------


def table_contents(con) -> dict[str, list]:
    return {
        table: con.execute(f"select * from raw.{table} order by all").fetchall()
        for table in ("files", "file_sightings", "unit_report_lines", "goal_lines")
    }


def test_same_bytes_under_two_names_are_one_delivery_with_two_sightings(landing, db):
    content = f"{HEADER}\n{line()}\n"
    write(landing, "unit_reports/first.csv", content)
    write(landing, "unit_reports/again/copy.csv", content)
    summary, _ = ingest_all(db, landing)
    assert (summary.files_new, summary.files_seen) == (1, 1)
    assert db.execute("select path from raw.files").fetchall() == [("unit_reports/again/copy.csv",)]
    assert db.execute("select count(*) from raw.unit_report_lines").fetchone()[0] == 1
    sightings = db.execute("select path from raw.file_sightings order by path").fetchall()
    assert sightings == [("unit_reports/again/copy.csv",), ("unit_reports/first.csv",)]


def test_a_second_refresh_with_nothing_new_changes_nothing(landing, db):
    write(landing, "unit_reports/a.csv", f"{HEADER}\n{line()}\n")
    write(landing, "unit_reports/bad.txt", "x")
    write(landing, "goals/g.csv", f"{GOAL_HEADER}\nU,2021-14,surgery,urology,3,{SUBMITTED}\n")
    ingest_all(db, landing, "run-1")
    before = table_contents(db)
    summary, goals = ingest_all(db, landing, "run-2")
    assert (summary.files_new, summary.files_seen, goals.files_new) == (0, 2, 0)
    assert table_contents(db) == before


def test_a_later_refresh_reads_only_the_new_file(landing, db):
    write(landing, "unit_reports/a.csv", f"{HEADER}\n{line()}\n")
    ingest_all(db, landing, "run-1")
    write(landing, "unit_reports/b.csv", f"{HEADER}\n{line(quantity='11')}\n")
    summary, _ = ingest_all(db, landing, "run-2")
    assert (summary.files_new, summary.files_seen, summary.lines_landed) == (1, 1, 1)
    runs = db.execute("select path, ingest_run_id from raw.files order by path").fetchall()
    assert runs == [("unit_reports/a.csv", "run-1"), ("unit_reports/b.csv", "run-2")]


def test_half_written_temporary_names_are_ignored(landing, db):
    for name in (".a.csv", "b.csv.tmp", "c.csv.part", "~$d.xlsx", ".hidden/e.csv"):
        write(landing, f"unit_reports/{name}", f"{HEADER}\n{line()}\n")
    summary, _ = ingest_all(db, landing)
    assert summary.files_found == 0
    assert db.execute("select count(*) from raw.files").fetchone()[0] == 0


def test_lines_in_is_always_filled(landing, db):
    for relpath, content, _, _ in REJECTED_CASES.values():
        write(landing, relpath, content)
    write(landing, "unit_reports/ok.csv", f"{HEADER}\n{line()}\n")
    ingest_all(db, landing)
    assert db.execute("select count(*) from raw.files where lines_in is null").fetchone()[0] == 0
    accounted = db.execute(
        "select f.lines_in, count(l.line_no) from raw.files f "
        "left join raw.unit_report_lines l using (file_hash) "
        "where f.file_verdict = 'read' group by all"
    ).fetchall()
    assert accounted == [(1, 1)]


def test_an_unexpected_error_fails_the_ingest_and_records_nothing(landing, db, monkeypatch):
    write(landing, "unit_reports/a.csv", f"{HEADER}\n{line()}\n")

    def broken(*args, **kwargs):
        raise OSError("disk went away")

    monkeypatch.setattr(readers_module, "_land_csv_with_duckdb", broken)
    with pytest.raises(IngestError, match="a.csv"):
        ingest_kind(db, landing, "unit_report", "run-1")
    assert db.execute("select count(*) from raw.files").fetchone()[0] == 0


# --- batches: one transaction for many files -------------------------------------------------


def test_a_rejection_mid_batch_keeps_the_sighting_of_a_copy_seen_before_it(landing, db):
    """Same bytes under two paths, then a ragged file, all in one batch: the copy's sighting
    is written with the batch, so the rollback for the ragged file does not lose it."""
    content = f"{HEADER}\n{line()}\n"
    write(landing, "unit_reports/a.csv", content)
    write(landing, "unit_reports/a_copy.csv", content)
    write(landing, "unit_reports/b.csv", f"{HEADER}\n{line()}\nNLIMS000001,2021-14\n")
    ingest_all(db, landing)
    sightings = db.execute("select path from raw.file_sightings order by path").fetchall()
    assert sightings == [
        ("unit_reports/a.csv",),
        ("unit_reports/a_copy.csv",),
        ("unit_reports/b.csv",),
    ]
    assert len(lines_of(db, "unit_reports/a.csv")) == 1


def test_each_file_is_landed_again_at_most_once_however_many_rejections_follow(
    landing, db, monkeypatch
):
    write(landing, "unit_reports/a.csv", f"{HEADER}\n{line()}\n")
    for n in range(5):
        ragged = f"{HEADER}\n{line(quantity=str(n))}\nNLIMS000001,2021-14\n"
        write(landing, f"unit_reports/b{n}.csv", ragged)
    write(landing, "unit_reports/c.csv", f"{HEADER}\n{line(quantity='5')}\n")
    real = readers_module._land_csv_with_duckdb
    reads: dict[str, int] = {}

    def counting(target, path, *args, **kwargs):
        reads[path.name] = reads.get(path.name, 0) + 1
        return real(target, path, *args, **kwargs)

    monkeypatch.setattr(readers_module, "_land_csv_with_duckdb", counting)
    summary, _ = ingest_all(db, landing)
    assert (summary.files_new, summary.files_rejected) == (7, 5)
    assert reads["a.csv"] == 2  # landed, then once more after b0's rollback
    assert reads["c.csv"] == 1
    assert len(lines_of(db, "unit_reports/a.csv")) == 1


def test_committed_batches_survive_an_error_in_a_later_one(landing, db, monkeypatch):
    """Batches of two: files 1-2 are committed before file 3 fails; 3 and 4 are not recorded
    and land on the next ingest."""
    from dagster_project.ingest import landing as landing_module

    monkeypatch.setattr(landing_module, "BATCH_MAX_FILES", 2)
    for n in range(1, 5):
        write(landing, f"unit_reports/{n}.csv", f"{HEADER}\n{line(quantity=str(n))}\n")
    real = readers_module._land_csv_with_duckdb

    def fails_on_the_third(target, path, *args, **kwargs):
        if path.name == "3.csv":
            raise OSError("disk went away")
        return real(target, path, *args, **kwargs)

    monkeypatch.setattr(readers_module, "_land_csv_with_duckdb", fails_on_the_third)
    with pytest.raises(IngestError, match="3.csv"):
        ingest_kind(db, landing, "unit_report", "run-1")
    landed = db.execute("select path from raw.files order by path").fetchall()
    assert landed == [("unit_reports/1.csv",), ("unit_reports/2.csv",)]
    monkeypatch.setattr(readers_module, "_land_csv_with_duckdb", real)
    summary = ingest_kind(db, landing, "unit_report", "run-2")
    assert (summary.files_new, summary.files_seen) == (2, 2)
    quantities = db.execute("select quantity from raw.unit_report_lines order by 1").fetchall()
    assert quantities == [("1",), ("2",), ("3",), ("4",)]


# --- re-ingest of one national day ------------------------------------------------------------


def test_reingest_one_jornada_restores_its_lines_and_leaves_other_days_alone(landing, db):
    content = "\n".join([HEADER, line(), line(quantity="5"),
                         line(jornada="2021-13", day="2021-12-10")]) + "\n"  # fmt: skip
    write(landing, "unit_reports/two_days.csv", content)
    write(landing, "unit_reports/other.csv", f"{HEADER}\n{line(jornada='2021-13', quantity='6')}\n")
    ingest_all(db, landing, "run-1")
    # damage both days so that the test sees which one is landed again
    db.execute("delete from raw.unit_report_lines where jornada_id = '2021-14' and line_no = 3")
    db.execute("update raw.unit_report_lines set quantity = 'marker' where jornada_id = '2021-13'")

    summary = ingest_kind(db, landing, "unit_report", "run-2", reingest_jornada="2021-14")

    assert (summary.relanded_files, summary.relanded_lines) == (1, 2)
    assert lines_of(db, "unit_reports/two_days.csv", "line_no, jornada_id, quantity") == [
        (2, "2021-14", "3"),
        (3, "2021-14", "5"),
        (4, "2021-13", "marker"),
    ]
    assert lines_of(db, "unit_reports/other.csv", "quantity") == [("marker",)]
    assert db.execute("select count(*) from raw.files").fetchone()[0] == 2


def test_reingest_keeps_lines_whose_file_left_the_landing_folder(landing, db):
    path = write(landing, "unit_reports/a.csv", f"{HEADER}\n{line()}\n")
    ingest_all(db, landing)
    path.unlink()
    summary = ingest_kind(db, landing, "unit_report", "run-2", reingest_jornada="2021-14")
    assert len(summary.reland_missing) == 1
    assert db.execute("select count(*) from raw.unit_report_lines").fetchone()[0] == 1


def test_files_landed_by_one_refresh_are_seen_in_path_order(landing, db):
    for name in ("b.csv", "a.csv", "c/d.csv"):
        write(landing, f"unit_reports/{name}", f"{HEADER}\n{line(unit=name)}\n")
    ingest_all(db, landing)
    by_time = db.execute("select path from raw.files order by first_seen_at").fetchall()
    assert by_time == [("unit_reports/a.csv",), ("unit_reports/b.csv",), ("unit_reports/c/d.csv",)]


def test_new_bytes_with_the_same_size_and_mtime_are_read_again(landing, db):
    """A corrected file renamed over the old one with its mtime kept (cp -p) is a new delivery."""
    import os

    path = write(landing, "unit_reports/r.csv", f"{HEADER}\n{line(quantity='27')}\n")
    before = os.stat(path)
    ingest_all(db, landing, "run-1")
    write(landing, "unit_reports/r.csv", f"{HEADER}\n{line(quantity='28')}\n")
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert os.stat(path).st_size == before.st_size
    ingest_all(db, landing, "run-2")
    quantities = db.execute("select quantity from raw.unit_report_lines order by quantity")
    assert [q for (q,) in quantities.fetchall()] == ["27", "28"]


# --- reading ahead: a worker thread examines and reads files while earlier ones land -----------


def write_mixed_landing(raw: Path) -> None:
    """Every kind of verdict, in an order that interleaves the reading paths."""
    write(raw, "unit_reports/01.csv", f"{HEADER}\n{line(quantity='1')}\n{line(quantity='2')}\n")
    write(raw, "unit_reports/02.csv", "unit_id,quantity\nNLIMS000001,3\n")  # missing columns
    write(raw, "unit_reports/03.json", json.dumps({
        "unit_id": "NLIMS000002", "jornada_id": "2021-14", "submitted_at": SUBMITTED,
        "lines": [{"service_date": "2021-12-17", "activity": "mammogram", "quantity": 4}],
    }))  # fmt: skip
    write(raw, "unit_reports/04.csv", f"{HEADER}\n{line()}\nNLIMS000001,2021-14\n")  # ragged
    write_xlsx(raw / "unit_reports/05.xlsx", [HEADER.split(","), ["NLIMS000003", "2021-14",
               "2021-12-18", "surgery", "urology", 5, SUBMITTED]])  # fmt: skip
    write(raw, "unit_reports/06.csv", f'{HEADER}\n{line(quantity="6")},"quoted"\n'.replace(
        HEADER, HEADER + ",note"))  # fmt: skip
    write(
        raw, "unit_reports/07.csv", f"{HEADER}\n{line(quantity='1')}\n{line(quantity='2')}\n"
    )  # 01
    write(raw, "unit_reports/08.json", b"42")  # malformed
    write(raw, "unit_reports/09.csv", f"{HEADER}\n{line(quantity='9')}\n")
    write(
        raw, "goals/g1.csv", f"{GOAL_HEADER}\nNLIMS000001,2021-14,surgery,urology,7,{SUBMITTED}\n"
    )


def ledger_and_sightings(con) -> tuple[list, list]:
    files = con.execute(
        "select path, file_verdict, reject_reason, encoding, lines_in, extra_columns "
        "from raw.files order by first_seen_at"
    ).fetchall()
    sightings = con.execute("select path from raw.file_sightings order by seen_at").fetchall()
    return files, sightings


def landed_tables(con) -> tuple[list, list, list, list]:
    files, sightings = ledger_and_sightings(con)
    lines = con.execute(
        "select f.path, l.* exclude (file_hash) from raw.unit_report_lines l "
        "join raw.files f using (file_hash) order by all"
    ).fetchall()
    goals = con.execute("select * exclude (file_hash) from raw.goal_lines order by all").fetchall()
    return files, sightings, lines, goals


@pytest.mark.parametrize(
    "max_files, max_bytes",
    [(1, 1 << 30), (2, 1), (64, 1 << 30)],
    ids=["one file ahead", "one byte ahead", "far ahead"],
)
def test_how_far_the_worker_reads_ahead_changes_nothing_that_lands(
    tmp_path, monkeypatch, max_files, max_bytes
):
    from dagster_project.ingest import landing as landing_module

    raw = tmp_path / "raw"
    write_mixed_landing(raw)
    with duckdb.connect(str(tmp_path / "first.duckdb")) as con:
        monkeypatch.setattr(landing_module, "READ_AHEAD_MAX_FILES", 1)
        ingest_all(con, raw)
        one_at_a_time = landed_tables(con)
    with duckdb.connect(str(tmp_path / "second.duckdb")) as con:
        monkeypatch.setattr(landing_module, "READ_AHEAD_MAX_FILES", max_files)
        monkeypatch.setattr(landing_module, "READ_AHEAD_MAX_BYTES", max_bytes)
        ingest_all(con, raw)
        read_ahead = landed_tables(con)
    files, sightings, lines, goals = read_ahead
    names = ["01.csv", "02.csv", "03.json", "04.csv", "05.xlsx", "06.csv", "07.csv", "08.json",
             "09.csv"]  # fmt: skip
    assert sightings == [(f"unit_reports/{name}",) for name in names] + [("goals/g1.csv",)]
    # 07.csv holds 01.csv's bytes: one delivery, seen twice
    assert [path for path, *_ in files] == [
        sighting for (sighting,) in sightings if "07" not in sighting
    ]
    assert [verdict for _, verdict, *_ in files].count("rejected") == 3
    assert len(lines) == 6 and len(goals) == 1
    assert read_ahead == one_at_a_time


def physical_order(con) -> list[tuple]:
    """Every landed line's file and line number, in the order DuckDB stored them."""
    return con.execute(
        "select f.path, l.line_no from raw.unit_report_lines l join raw.files f using (file_hash) "
        "order by l.rowid"
    ).fetchall()


@pytest.mark.parametrize(
    "lanes, batch_files", [(2, 1), (3, 2), (2, 200)], ids=["2x1", "3x2", "2x200"]
)
def test_how_many_lanes_land_side_by_side_changes_nothing_that_lands(
    tmp_path, monkeypatch, lanes, batch_files
):
    """Batches landed side by side commit in path order: the same verdicts, lines, seen order
    and even the same physical order of the lines as one lane landing one batch at a time."""
    from dagster_project.ingest import landing as landing_module

    raw = tmp_path / "raw"
    write_mixed_landing(raw)
    with duckdb.connect(str(tmp_path / "one_lane.duckdb")) as con:
        monkeypatch.setattr(landing_module, "landing_lanes", lambda: 1)
        ingest_all(con, raw)
        one_lane, one_lane_order = landed_tables(con), physical_order(con)
    with duckdb.connect(str(tmp_path / "lanes.duckdb")) as con:
        monkeypatch.setattr(landing_module, "landing_lanes", lambda: lanes)
        monkeypatch.setattr(landing_module, "BATCH_MAX_FILES", batch_files)
        summary, _ = ingest_all(con, raw)
        assert landed_tables(con) == one_lane
        assert physical_order(con) == one_lane_order
    assert [path for path, _ in summary.rejected] == sorted(path for path, _ in summary.rejected)


def test_a_batch_landed_beside_a_failing_one_is_not_committed_after_it(landing, db, monkeypatch):
    """Batches of one file on two lanes: 3.csv lands while 2.csv is failing, and is rolled
    back, so what is committed stays a prefix of the files in path order (1.csv)."""
    import threading

    from dagster_project.ingest import landing as landing_module

    monkeypatch.setattr(landing_module, "landing_lanes", lambda: 2)
    monkeypatch.setattr(landing_module, "BATCH_MAX_FILES", 1)
    for n in range(1, 4):
        write(landing, f"unit_reports/{n}.csv", f"{HEADER}\n{line(quantity=str(n))}\n")
    real = readers_module._land_csv_with_duckdb
    third_landed = threading.Event()

    def second_fails_once_the_third_landed(target, path, *args, **kwargs):
        if path.name == "2.csv":
            assert third_landed.wait(timeout=30), "3.csv never landed beside 2.csv"
            raise OSError("disk went away")
        landed = real(target, path, *args, **kwargs)
        if path.name == "3.csv":
            third_landed.set()
        return landed

    monkeypatch.setattr(readers_module, "_land_csv_with_duckdb", second_fails_once_the_third_landed)
    with pytest.raises(IngestError, match="2.csv"):
        ingest_kind(db, landing, "unit_report", "run-1")
    assert third_landed.is_set()
    assert db.execute("select path from raw.files").fetchall() == [("unit_reports/1.csv",)]
    assert db.execute("select quantity from raw.unit_report_lines").fetchall() == [("1",)]
    monkeypatch.setattr(readers_module, "_land_csv_with_duckdb", real)
    summary = ingest_kind(db, landing, "unit_report", "run-2")
    assert (summary.files_new, summary.files_seen) == (2, 1)


def test_a_rejection_found_while_reading_does_not_land_the_batch_again(landing, db, monkeypatch):
    """A file refused for its header never reached the database, so the files landed before it
    in the batch stay landed (only a failed INSERT, as for a ragged file, rolls them back)."""
    write(landing, "unit_reports/a.csv", f"{HEADER}\n{line()}\n")
    write(landing, "unit_reports/b.csv", "unit_id,quantity\nNLIMS000001,3\n")
    write(landing, "unit_reports/c.csv", f"{HEADER}\n{line(quantity='5')}\n")
    real = readers_module._land_csv_with_duckdb
    reads: list[str] = []

    def counting(target, path, *args, **kwargs):
        reads.append(path.name)
        return real(target, path, *args, **kwargs)

    monkeypatch.setattr(readers_module, "_land_csv_with_duckdb", counting)
    summary, _ = ingest_all(db, landing)
    assert (summary.files_new, summary.files_rejected) == (3, 1)
    assert reads == ["a.csv", "c.csv"]
    assert file_row(db, "unit_reports/b.csv")["reject_reason"].startswith("missing_required")


def test_a_failed_ingest_stops_the_worker_and_restores_the_switch_interval(
    landing, db, monkeypatch
):
    import sys
    import threading

    for n in range(5):
        write(landing, f"unit_reports/{n}.csv", f"{HEADER}\n{line(quantity=str(n))}\n")

    def broken(*args, **kwargs):
        raise OSError("disk went away")

    monkeypatch.setattr(readers_module, "_land_csv_with_duckdb", broken)
    default = sys.getswitchinterval()
    sys.setswitchinterval(0.004)
    try:
        with pytest.raises(IngestError, match="0.csv"):
            ingest_kind(db, landing, "unit_report", "run-1")
        assert sys.getswitchinterval() == pytest.approx(0.004)
    finally:
        sys.setswitchinterval(default)
    assert not [t for t in threading.enumerate() if t.name.startswith("ingest-read")]


# --- goal files land several per INSERT --------------------------------------------------------


def goal_line(unit="NLIMS000001", target="7", activity="surgery", specialty="urology") -> str:
    return ",".join([unit, "2021-14", activity, specialty, target, SUBMITTED])


def write_goal_landing(raw: Path) -> None:
    """Goal files of every layout and verdict, in path order: groups form, break and fail."""
    rows = [goal_line(target=str(n)) for n in range(1, 4)]
    write(raw, "goals/01.csv", "\n".join([GOAL_HEADER, *rows]) + "\n")
    write(raw, "goals/02.csv", "\r\n".join([GOAL_HEADER, goal_line(target="8")]) + "\r\n")
    write(raw, "goals/03.csv", f"{GOAL_HEADER}\n{goal_line(target='9')}")  # no last newline
    reordered = "submitted_at,target,specialty,activity,jornada_id,unit_id,note"
    write(raw, "goals/04.csv", f"{reordered}\n{SUBMITTED},10,urology,surgery,2021-14,NLIMS1,x\n")
    write(raw, "goals/05.csv", f"{GOAL_HEADER}\n{goal_line(target='11')}\n")
    write(raw, "goals/06.csv", f"{GOAL_HEADER}\n{goal_line()}\nNLIMS000001,2021-14\n")  # ragged
    write(raw, "goals/07.csv", f"{GOAL_HEADER}\n{goal_line(target='12')}\n")
    write(raw, "goals/08.csv", f"{GOAL_HEADER}\n")  # a header and no data lines
    write(raw, "goals/09.csv", f"{GOAL_HEADER}\n{goal_line(unit='NLIMS00000Ñ')}\n", "latin-1")
    write(raw, "goals/10.csv", f'{GOAL_HEADER}\n{goal_line(specialty="urology")},"x"\n'.replace(
        GOAL_HEADER, GOAL_HEADER + ",note"))  # fmt: skip
    write(raw, "goals/11.csv", f"{GOAL_HEADER}\n{goal_line(target='13')}\n")


def landed_goal_tables(con) -> tuple[list, list, list]:
    files, sightings = ledger_and_sightings(con)
    # rowid: the order the lines were inserted in
    lines = con.execute(
        "select f.path, l.* exclude (file_hash) from raw.goal_lines l "
        "join raw.files f using (file_hash) order by l.rowid"
    ).fetchall()
    return files, sightings, lines


def test_goal_files_landed_in_groups_land_as_each_file_alone(tmp_path, monkeypatch):
    """Grouped or alone, the same verdicts, lines, line numbers and order; a ragged file fails
    its group's INSERT and is then rejected alone, with the same reason."""
    from dagster_project.ingest import landing as landing_module

    raw = tmp_path / "raw"
    write_goal_landing(raw)
    with duckdb.connect(str(tmp_path / "grouped.duckdb")) as con:
        summary = ingest_kind(con, raw, "goal", "run-1")
        grouped = landed_goal_tables(con)
    alone_spec = dataclasses.replace(readers_module.GOAL_LINES, land_in_groups=False)
    monkeypatch.setitem(landing_module.SPEC_BY_KIND, "goal", alone_spec)
    with duckdb.connect(str(tmp_path / "alone.duckdb")) as con:
        ingest_kind(con, raw, "goal", "run-1")
        alone = landed_goal_tables(con)
    assert grouped == alone
    files, _, lines = grouped
    verdicts = {
        path.removeprefix("goals/"): (verdict, reason) for path, verdict, reason, *_ in files
    }
    assert verdicts["06.csv"][0] == "rejected" and "ragged" in verdicts["06.csv"][1]
    assert verdicts["08.csv"][1].startswith("empty_file")
    assert (summary.files_new, summary.files_rejected) == (11, 2)
    assert summary.lines_landed == len(lines) == 11
    assert [line_no for path, line_no, *_ in lines if path == "goals/01.csv"] == [2, 3, 4]


def test_goal_files_of_one_layout_land_in_one_insert(landing, db, monkeypatch):
    for n in range(5):
        write(landing, f"goals/{n}.csv", f"{GOAL_HEADER}\n{goal_line(target=str(n))}\n")
    real_group = readers_module.land_csv_group
    groups: list[int] = []

    def counting(con, files):
        groups.append(len(files))
        return real_group(con, files)

    def alone(*args, **kwargs):
        raise AssertionError("a goal file landed alone")

    from dagster_project.ingest import landing as landing_module

    monkeypatch.setattr(landing_module, "land_csv_group", counting)
    monkeypatch.setattr(readers_module, "_land_csv_with_duckdb", alone)
    summary = ingest_kind(db, landing, "goal", "run-1")
    assert groups == [5]
    assert (summary.files_new, summary.lines_landed) == (5, 5)
    targets = db.execute("select target from raw.goal_lines order by rowid").fetchall()
    assert targets == [(str(n),) for n in range(5)]


def test_a_group_that_lands_another_number_of_lines_than_its_files_hold_fails(landing, db):
    """The line counts come from the files' bytes; a group whose INSERT disagrees is not
    trusted (its files are then landed one by one)."""

    from dagster_project.ingest.files import LandingFile, examine

    reads = []
    for n in range(2):
        path = write(landing, f"goals/{n}.csv", f"{GOAL_HEADER}\n{goal_line()}\n{goal_line()}\n")
        facts = examine(path, count_lines=True)
        landing_file = LandingFile(path=path, relpath=f"goals/{n}.csv", kind="goal")
        read = readers_module.read_file(landing_file, facts, readers_module.GOAL_LINES)
        reads.append((read, facts.sha256))
    assert [read.data_lines for read, _ in reads] == [2, 2]
    from dagster_project.raw_schema import ensure_raw_schema

    ensure_raw_schema(db)
    miscounted = [(dataclasses.replace(reads[0][0], data_lines=3), reads[0][1]), reads[1]]
    db.begin()
    with pytest.raises(readers_module.CsvGroupFailed, match="4 lines landed where"):
        readers_module.land_csv_group(db, miscounted)
    db.rollback()
    landed = readers_module.land_csv_group(db, reads)
    assert [item.lines_landed for item in landed] == [2, 2]
