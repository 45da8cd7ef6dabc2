"""The raw contract (../shared/contracts/raw_unit_reports.md), line by line, on a hand-made corpus.

One landing folder is refreshed three times through `jornadas refresh`, as an acceptance judge
would: (1) the corpus, valid and invalid files of every kind the contract names; (2)
corrections, a late older version, a conflict, a resubmission and re-deliveries; (3) nothing
new. After each refresh the *published* warehouse is compared with what the contract says,
computed here independently: every file's verdict and line accounting, every invalid line
(file, line, column, reason), every held report, and the facts (exactly the versions in force).

Every value in the corpus is written by hand below; small serializers only lay the same report
out as CSV (any encoding, column order, quoting, line ending), JSON or XLSX.
"""

from __future__ import annotations

import codecs
import datetime as dt
import hashlib
import io
import json
import shutil
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pytest

from tests.conftest import RefreshOutcome, run_cli_refresh

REPORT_COLUMNS = [
    "unit_id",
    "jornada_id",
    "service_date",
    "activity",
    "specialty",
    "quantity",
    "submitted_at",
]
GOAL_COLUMNS = ["unit_id", "jornada_id", "activity", "specialty", "target", "submitted_at"]
LOADED_VERDICTS = {"in_force", "superseded", "duplicate"}

# --- the corpus model ------------------------------------------------------------------------


@dataclass
class Report:
    """One report (or goals report) as its producer meant it; values are the text sent."""

    unit_id: str
    jornada_id: str
    submitted_at: str
    lines: list[tuple[str, ...]]  # reports: (date, activity, specialty, quantity); goals: no date
    valid: bool = True
    kind: str = "unit_report"

    @property
    def instant(self) -> dt.datetime | None:
        try:
            stamp = dt.datetime.fromisoformat(self.submitted_at)
        except ValueError:
            return None
        return stamp if stamp.tzinfo else None

    @property
    def content(self) -> tuple:
        return (self.unit_id, self.jornada_id, self.instant, tuple(sorted(self.lines)))

    def rows(self) -> list[dict[str, str]]:
        names = ["service_date", "activity", "specialty", "quantity"]
        if self.kind == "goal":
            names = ["activity", "specialty", "target"]
        header = {
            "unit_id": self.unit_id,
            "jornada_id": self.jornada_id,
            "submitted_at": self.submitted_at,
        }
        return [{**header, **dict(zip(names, line, strict=True))} for line in self.lines]


@dataclass
class Delivery:
    """One file dropped into the landing folder and what the contract says happens to it."""

    path: str
    data: bytes
    reports: list[Report] = field(default_factory=list)
    # (line number, column, reason code) of every invalid line
    bad_lines: set[tuple[int, str, str]] = field(default_factory=set)
    rejected_as: str | None = None  # file-level reason code when the whole file is rejected
    lines_in: int | None = None  # only for rejected files (what could be counted)
    extra_columns: str | None = None

    @property
    def kind(self) -> str:
        return "goal" if self.path.startswith("goals/") else "unit_report"


# --- serializers: one report laid out as the contract allows ------------------------------------


def csv_bytes(
    reports: list[Report],
    columns: list[str] | None = None,
    extra: dict[str, list[str]] | None = None,
    encoding: str = "utf-8",
    newline: str = "\n",
    quote_all: bool = False,
    trailing_blank_lines: int = 0,
) -> bytes:
    """CSV of the reports' lines; `extra` adds columns (name -> one value per line, in order)."""
    kind = reports[0].kind
    columns = columns or (GOAL_COLUMNS if kind == "goal" else REPORT_COLUMNS)
    extra = extra or {}
    header = [*columns, *extra]
    rows = [row for report in reports for row in report.rows()]

    def cell(value: str) -> str:
        if quote_all or any(ch in value for ch in ',"\n'):
            return '"' + value.replace('"', '""') + '"'
        return value

    lines = [",".join(cell(name) for name in header)]
    for position, row in enumerate(rows):
        values = [row[c] for c in columns] + [extra[name][position] for name in extra]
        lines.append(",".join(cell(v) for v in values))
    text = newline.join(lines) + newline + newline * trailing_blank_lines
    return text.encode(encoding)


def json_report(report: Report) -> dict:
    lines = []
    for service_date, activity, specialty, quantity in report.lines:
        line: dict = {"service_date": service_date, "activity": activity, "quantity": quantity}
        if specialty:
            line["specialty"] = specialty
        lines.append(line)
    return {
        "unit_id": report.unit_id,
        "jornada_id": report.jornada_id,
        "submitted_at": report.submitted_at,
        "lines": lines,
    }


def xlsx_bytes(reports: list[Report], sheet: str = "report") -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    notes = workbook.active
    notes.title = "notas"
    notes.append(["Reporte capturado por la jefatura de enseñanza"])
    data = workbook.create_sheet(sheet)
    data.append(["observaciones", *REPORT_COLUMNS])
    for report in reports:
        for service_date, activity, specialty, quantity in report.lines:
            data.append(
                [
                    "sin observaciones",
                    report.unit_id,
                    report.jornada_id,
                    dt.date.fromisoformat(service_date),  # a real date cell, as Excel keeps it
                    activity,
                    specialty or None,
                    int(quantity) if quantity.lstrip("-").isdigit() else quantity,
                    report.submitted_at,
                ]
            )
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# --- the corpus -------------------------------------------------------------------------------
# 2021-14 ran 2021-12-17..19, 2021-13 2021-12-10..12, 2021-M01 2021-11-19..21.

FM, SURG, SPEC, DIAB = (
    "consultation_family_medicine",
    "surgery",
    "consultation_specialty",
    "detection_diabetes",
)
SUBMITTED = "2021-12-20T10:00:00-06:00"

PLAIN_V1 = Report(
    "NLIMS000106",
    "2021-14",
    SUBMITTED,
    [
        ("2021-12-17", FM, "", "40"),
        ("2021-12-18", SURG, "general_surgery", "3"),
        ("2021-12-19", DIAB, "", "0"),  # reported zero: a fact, unlike a missing line
    ],
)
BOM = Report(
    "NLIMS000111",
    "2021-14",
    "2021-12-20T11:30:00-06:00",
    [("2021-12-17", SPEC, "cardiology", "12"), ("2021-12-18", "mammogram", "", "25")],
)
LATIN = Report(
    "OCIMS000114",
    "2021-14",
    "2021-12-21T08:15:00-06:00",
    [("2021-12-17", FM, "", "31"), ("2021-12-19", SURG, "ophthalmology", "4")],
)
SHUFFLED_A = Report(
    "OCIMS000130",
    "2021-14",
    "2021-12-20T18:08:00-06:00",
    [("2021-12-18", "vasectomy", "", "2"), ("2021-12-18", SPEC, "pediatrics", "7")],
)
SHUFFLED_B = Report(
    "OCIMS000139",
    "2021-14",
    "2021-12-20T18:09:00-06:00",
    [("2021-12-17", "family_planning_method", "", "14")],
)
QUOTED = Report(
    "CSIMS000104",
    "2021-14",
    "2021-12-20T09:00:00-06:00",
    [("2021-12-17", SURG, "traumatology_orthopedics", "5"), ("2021-12-18", FM, "", "60")],
)
QUOTED_BAD = Report(  # after a value spanning two physical lines: its lines are 5 and 6
    "YNIMS000801",
    "2021-14",
    "2021-12-20T09:05:00-06:00",
    [("2021-12-17", FM, "", "18"), ("2021-12-18", "mamografia", "", "3")],
    valid=False,
)
BLANK = Report(
    "CSIMS000111",
    "2021-14",
    "2021-12-20T12:00:00-06:00",
    [("2021-12-19", "vaccination_schedule", "", "44")],
)
JSON_SINGLE = Report(
    "CSIMS000137",
    "2021-14",
    "2021-12-20T13:00:00-06:00",
    [("2021-12-17", "transplant_kidney", "", "1"), ("2021-12-18", SURG, "urology", "2")],
)
JSON_ARRAY_A = Report(
    "CSIMS000148",
    "2021-14",
    "2021-12-20T14:00:00Z",  # UTC ("Z") is an offset too
    [("2021-12-19", "detection_hypertension", "", "33")],
)
JSON_ARRAY_B = Report(
    "TCIMS000126",
    "2021-13",
    "2021-12-13T09:00:00-06:00",
    [("2021-12-10", FM, "", "21"), ("2021-12-11", "social_work_intervention", "", "6")],
)
JSON_ARRAY_BAD = Report(  # third report of the array: line objects 4 and 5 of the file
    "YNIMS000851",
    "2021-14",
    "2021-12-20T14:30:00-06:00",
    [("2021-12-17", FM, "", "9"), ("2021-12-18", FM, "", "2.5")],
    valid=False,
)
UMAE = Report(
    "NLIMS000004",
    "2021-14",
    "2021-12-21T07:00:00-06:00",
    [("2021-12-18", SURG, "neurosurgery", "6"), ("2021-12-19", "diagnostic_mri", "", "15")],
)
XLSX = Report(
    "TCIMS000138",
    "2021-14",
    "2021-12-20T15:00:00-06:00",
    [("2021-12-17", "clinical_breast_exam", "", "19"), ("2021-12-18", SPEC, "dermatology", "8")],
)
MONO = Report(
    "TCIMS000141",
    "2021-M01",
    "2021-11-22T10:00:00-06:00",
    [("2021-11-19", "detection_cervical_cancer", "", "27")],
)
CONFLICT_V1 = Report(
    "TCIMS000156",
    "2021-14",
    "2021-12-20T16:00:00-06:00",
    [("2021-12-17", FM, "", "50"), ("2021-12-18", "tubal_occlusion", "", "3")],
)
HELD_V1 = Report(  # in force; its next version has one bad line and must not replace it
    "NLIMS000143",
    "2021-14",
    "2021-12-20T09:00:00-06:00",
    [("2021-12-17", FM, "", "70"), ("2021-12-18", "consultation_nutrition", "", "11")],
)
HELD_V2 = Report(
    "NLIMS000143",
    "2021-14",
    "2021-12-21T09:00:00-06:00",
    [("2021-12-17", FM, "", "72"), ("2021-12-18", "consultation_nutrition", "", "-11")],
    valid=False,
)
BATCH_VALID = Report(
    "YNIMS000124",
    "2021-14",
    "2021-12-20T17:00:00-06:00",
    [("2021-12-17", FM, "", "25"), ("2021-12-18", "consultation_stomatology", "", "4")],
)

KEY_FAULT_HOST = Report(  # the valid report a line with an unknown unit key was typed into
    "YNIMS000149",
    "2021-14",
    "2021-12-20T19:00:00-06:00",
    [("2021-12-17", FM, "", "8"), ("2021-12-19", FM, "", "9")],
)
XLSX_BAD = Report(
    "YNIMS000251",
    "2021-14",
    "2021-12-20T19:30:00-06:00",
    [("2021-12-17", FM, "", "8"), ("2021-12-18", "mammogram", "", "-3")],
    valid=False,
)

STAMP = "2021-12-20T12:00:00-06:00"


def bad(unit: str, *lines: tuple[str, ...], jornada: str = "2021-14", stamp: str = STAMP):
    return Report(unit, jornada, stamp, list(lines), valid=False)


# One report per invalid-line kind; the bad line is the report's second line (CSV line 3).
BAD_LINE_CASES = [
    ("unknown_unit", bad("YNIMS999999", ("2021-12-17", FM, "", "5"), ("2021-12-18", FM, "", "6")),
     {(2, "unit_id", "unknown_unit"), (3, "unit_id", "unknown_unit")}),
    ("unknown_jornada", bad("YNIMS000221", ("2021-12-31", FM, "", "5"), ("2022-01-01", FM, "", "6"),
                            jornada="2021-15"),
     {(2, "jornada_id", "unknown_jornada"), (3, "jornada_id", "unknown_jornada")}),
    ("unknown_activity", bad("YNIMS000282", ("2021-12-17", FM, "", "5"),
                             ("2021-12-18", "cirugia_mayor", "", "6")),
     {(3, "activity", "unknown_activity")}),
    ("unknown_specialty", bad("YNIMS000358", ("2021-12-17", FM, "", "5"),
                              ("2021-12-18", SURG, "cardiac_surgery", "6")),
     {(3, "specialty", "unknown_specialty")}),
    ("specialty_not_allowed", bad("YNIMS000394", ("2021-12-17", FM, "", "5"),
                                  ("2021-12-18", "mammogram", "gynecology", "6")),
     {(3, "specialty", "specialty_not_allowed")}),
    ("specialty_required", bad("YNIMS000429", ("2021-12-17", FM, "", "5"),
                               ("2021-12-18", SURG, "", "6")),
     {(3, "specialty", "specialty_required")}),
    ("invalid_date", bad("YNIMS000505", ("2021-12-17", FM, "", "5"),
                         ("18/12/2021", "mammogram", "", "6")),
     {(3, "service_date", "invalid_date")}),
    ("date_outside_jornada", bad("YNIMS000565", ("2021-12-17", FM, "", "5"),
                                 ("2021-12-20", "mammogram", "", "6")),
     {(3, "service_date", "date_outside_jornada")}),
    ("negative_quantity", bad("YNIMS000640", ("2021-12-17", FM, "", "5"),
                              ("2021-12-18", "mammogram", "", "-6")),
     {(3, "quantity", "negative_quantity")}),
    ("fractional_quantity", bad("YNIMS000708", ("2021-12-17", FM, "", "5"),
                                ("2021-12-18", "mammogram", "", "6.5")),
     {(3, "quantity", "fractional_quantity")}),
    ("invalid_quantity", bad("YNIMS000767", ("2021-12-17", FM, "", "5"),
                             ("2021-12-18", "mammogram", "", "seis")),
     {(3, "quantity", "invalid_quantity")}),
    ("duplicate_line", bad("YNIMS000124", ("2021-12-18", SURG, "urology", "5"),
                           ("2021-12-18", SURG, "urology", "6"), stamp="2021-12-20T12:30:00-06:00"),
     {(3, "activity", "duplicate_line")}),
    ("invalid_timestamp", bad("YNIMS000221", ("2021-12-17", FM, "", "5"),
                              ("2021-12-18", FM, "", "6"), stamp="2021-12-20T12:00:00"),
     {(2, "submitted_at", "invalid_timestamp"), (3, "submitted_at", "invalid_timestamp")}),
    # too large for any count (and for a bigint): a verdict, not a failed build
    ("huge_quantity", bad("YNIMS000315", ("2021-12-17", FM, "", "5"),
                          ("2021-12-18", "mammogram", "", "99999999999999999999")),
     {(3, "quantity", "invalid_quantity")}),
    ("missing_value", bad("YNIMS000371", ("2021-12-17", FM, "", "5"),
                          ("2021-12-18", "mammogram", "", "")),
     {(3, "quantity", "missing_value")}),
]  # fmt: skip

GOALS_PLAIN_V1 = Report(
    "NLIMS000106",
    "2021-14",
    "2021-12-10T09:00:00-06:00",
    [(FM, "", "100"), (SURG, "general_surgery", "10"), (DIAB, "", "20")],
    kind="goal",
)
GOALS_BOM = Report(
    "NLIMS000111", "2021-14", "2021-12-10T09:30:00-06:00", [(SPEC, "cardiology", "15")], kind="goal"
)
GOALS_BAD = Report(
    "OCIMS000114",
    "2021-14",
    "2021-12-10T10:00:00-06:00",
    [(FM, "", "40"), (SURG, "ophthalmology", "-5")],
    valid=False,
    kind="goal",
)
UTF16_CONTENT = csv_bytes([BLANK]).decode()


def round_one() -> list[Delivery]:
    valid_dir, bad_dir, unreadable_dir = (
        "unit_reports/corpus",
        "unit_reports/corpus/lineas_invalidas",
        "unit_reports/corpus/ilegibles",
    )
    quoted = (
        # CRLF endings, every field quoted, a comma inside a value, a value over two lines.
        '"unit_id","jornada_id","service_date","activity","specialty","quantity",'
        '"submitted_at","notas"\r\n'
        '"CSIMS000104","2021-14","2021-12-17","surgery","traumatology_orthopedics","5",'
        '"2021-12-20T09:00:00-06:00","turno matutino, quirófano 2"\r\n'
        '"CSIMS000104","2021-14","2021-12-18","consultation_family_medicine","","60",'
        '"2021-12-20T09:00:00-06:00","primera línea\r\nsegunda línea"\r\n'
        '"YNIMS000801","2021-14","2021-12-17","consultation_family_medicine","","18",'
        '"2021-12-20T09:05:00-06:00",""\r\n'
        '"YNIMS000801","2021-14","2021-12-18","mamografia","","3",'
        '"2021-12-20T09:05:00-06:00",""\r\n'
    ).encode()
    deliveries = [
        Delivery(f"{valid_dir}/nl/utf8_plain.csv", csv_bytes([PLAIN_V1]), [PLAIN_V1]),
        # the same bytes under another name, in another folder: one delivery
        Delivery(f"{valid_dir}/copia/reenvio_utf8_plain.csv", csv_bytes([PLAIN_V1]), [PLAIN_V1]),
        Delivery(f"{valid_dir}/nl/utf8_bom.csv", codecs.BOM_UTF8 + csv_bytes([BOM]), [BOM]),
        Delivery(
            f"{valid_dir}/oc/latin1.csv",
            csv_bytes(
                [LATIN],
                extra={"observaciones": ["Atención en sábado", "Quirófano único, señalización"]},
                encoding="latin-1",
            ),
            [LATIN],
            extra_columns="observaciones",
        ),
        Delivery(
            f"{valid_dir}/oc/shuffled_extra.csv",
            csv_bytes(
                [SHUFFLED_A, SHUFFLED_B],
                columns=[
                    "submitted_at",
                    "quantity",
                    "specialty",
                    "unit_id",
                    "activity",
                    "service_date",
                    "jornada_id",
                ],
                extra={"capturista": ["ana", "luis", "ana"], "folio": ["1", "2", "3"]},
            ),
            [SHUFFLED_A, SHUFFLED_B],
            extra_columns="capturista,folio",
        ),
        Delivery(
            f"{valid_dir}/cs/quoted_crlf.csv",
            quoted,
            [QUOTED, QUOTED_BAD],
            bad_lines={(6, "activity", "unknown_activity")},
            extra_columns="notas",
        ),
        Delivery(
            f"{valid_dir}/cs/trailing_blank.csv",
            csv_bytes([BLANK], trailing_blank_lines=2),
            [BLANK],
        ),
        Delivery(
            f"{valid_dir}/cs/single.json",
            json.dumps(json_report(JSON_SINGLE), indent=2, ensure_ascii=False).encode(),
            [JSON_SINGLE],
        ),
        Delivery(
            f"{valid_dir}/cs/array.json",
            json.dumps([json_report(r) for r in (JSON_ARRAY_A, JSON_ARRAY_B, JSON_ARRAY_BAD)])
            .replace('"2.5"', "2.5")  # a JSON number, as a unit's system would write it
            .encode(),
            [JSON_ARRAY_A, JSON_ARRAY_B, JSON_ARRAY_BAD],
            bad_lines={(5, "quantity", "fractional_quantity")},
        ),
        Delivery(
            f"{valid_dir}/umae/umae.json",
            json.dumps([json_report(UMAE)]).encode(),
            [UMAE],
        ),
        Delivery(
            f"{valid_dir}/tc/report.xlsx", xlsx_bytes([XLSX]), [XLSX], extra_columns="observaciones"
        ),  # fmt: skip
        Delivery(f"{valid_dir}/tc/monotematica.csv", csv_bytes([MONO]), [MONO]),
        Delivery(f"{valid_dir}/tc/conflict_v1.csv", csv_bytes([CONFLICT_V1]), [CONFLICT_V1]),
        Delivery(f"{valid_dir}/nl/held_v1.csv", csv_bytes([HELD_V1]), [HELD_V1]),
        Delivery(
            f"{valid_dir}/nl/held_v2_one_bad_line.csv",
            csv_bytes([HELD_V2]),
            [HELD_V2],
            bad_lines={(3, "quantity", "negative_quantity")},
        ),
        # one valid and one invalid report in one file: only the invalid one is held
        Delivery(
            f"{bad_dir}/batch_mixed.csv",
            csv_bytes([BATCH_VALID, BAD_LINE_CASES[8][1]]),
            [BATCH_VALID, BAD_LINE_CASES[8][1]],
            bad_lines={(5, "quantity", "negative_quantity")},
        ),
    ]
    key_fault = Report(  # line 3: a typo in the unit key, so it is a report of its own
        "YNIMS000x49", KEY_FAULT_HOST.jornada_id, KEY_FAULT_HOST.submitted_at,
        [("2021-12-18", FM, "", "7")], valid=False,
    )  # fmt: skip
    host_text = csv_bytes([KEY_FAULT_HOST]).decode().splitlines()
    key_fault_row = csv_bytes([key_fault]).decode().splitlines()[1]
    latin_bad = Report(
        "YNIMS000399", "2021-14", STAMP,
        [("2021-12-17", FM, "", "5"), ("2021-12-18", SURG, "oftalmología", "2")], valid=False,
    )  # fmt: skip
    deliveries += [
        Delivery(
            f"{bad_dir}/key_fault.csv",
            "\n".join([host_text[0], host_text[1], key_fault_row, host_text[2], ""]).encode(),
            [KEY_FAULT_HOST, key_fault],
            bad_lines={(3, "unit_id", "unknown_unit")},
        ),
        Delivery(f"{bad_dir}/report_bad_row.xlsx", xlsx_bytes([XLSX_BAD]), [XLSX_BAD],
                 bad_lines={(3, "quantity", "negative_quantity")},
                 extra_columns="observaciones"),
        Delivery(f"{bad_dir}/latin1_bad_specialty.csv", csv_bytes([latin_bad], encoding="latin-1"),
                 [latin_bad], bad_lines={(3, "specialty", "unknown_specialty")}),
    ]  # fmt: skip
    for name, report, bad_lines in BAD_LINE_CASES:
        if name == "negative_quantity":
            continue  # in batch_mixed.csv above
        deliveries.append(Delivery(f"{bad_dir}/{name}.csv", csv_bytes([report]), [report],
                                   bad_lines=bad_lines))  # fmt: skip

    header = ",".join(REPORT_COLUMNS)
    row = "CSIMS000111,2021-14,2021-12-19,vaccination_schedule,,44,2021-12-20T12:00:00-06:00"
    deliveries += [
        Delivery(f"{unreadable_dir}/utf16.csv", UTF16_CONTENT.encode("utf-16"),
                 rejected_as="unreadable_encoding", lines_in=1),
        Delivery(f"{unreadable_dir}/binary.csv", bytes(range(256)) * 8,
                 rejected_as="unreadable_encoding", lines_in=0),
        Delivery(f"{unreadable_dir}/empty.csv", b"", rejected_as="empty_file", lines_in=0),
        Delivery(f"{unreadable_dir}/header_only.csv", f"{header}\n".encode(),
                 rejected_as="empty_file", lines_in=0),
        Delivery(f"{unreadable_dir}/truncated.json",
                 json.dumps(json_report(BLANK)).encode()[:-25],
                 rejected_as="malformed_file", lines_in=0),
        Delivery(f"{unreadable_dir}/ragged.csv",
                 f"{header}\n{row}\n{row},sobra\n{row}\n".encode(),
                 rejected_as="malformed_file", lines_in=3),
        Delivery(f"{unreadable_dir}/missing_column.csv",
                 f"{header.replace(',quantity', '')}\n{row.replace(',44', '')}\n".encode(),
                 rejected_as="missing_required_column", lines_in=1),
        Delivery(f"{unreadable_dir}/sin_hoja.xlsx", xlsx_bytes([XLSX], sheet="Hoja1"),
                 rejected_as="missing_report_sheet", lines_in=0),
        Delivery(f"{unreadable_dir}/reporte.txt", f"{header}\n{row}\n".encode(),
                 rejected_as="unsupported_format", lines_in=0),
        Delivery("goals/corpus/metas_nl.csv", csv_bytes([GOALS_PLAIN_V1]), [GOALS_PLAIN_V1]),
        Delivery("goals/corpus/metas_bom.csv", codecs.BOM_UTF8 + csv_bytes([GOALS_BOM]),
                 [GOALS_BOM]),
        Delivery("goals/corpus/metas_oc.csv", csv_bytes([GOALS_BAD]), [GOALS_BAD],
                 bad_lines={(3, "target", "negative_quantity")}),
    ]  # fmt: skip
    return deliveries


PLAIN_V2 = Report(  # correction: later submitted_at, the zero line dropped, one quantity changed
    "NLIMS000106",
    "2021-14",
    "2021-12-22T10:00:00-06:00",
    [("2021-12-17", FM, "", "45"), ("2021-12-18", SURG, "general_surgery", "3")],
)
BOM_OLDER = Report(  # a late older version: must never replace the one in force
    "NLIMS000111",
    "2021-14",
    "2021-12-19T20:00:00-06:00",
    [("2021-12-17", SPEC, "cardiology", "99")],
)
CONFLICT_A = Report(
    "TCIMS000156",
    "2021-14",
    "2021-12-23T08:00:00-06:00",
    [("2021-12-17", FM, "", "55"), ("2021-12-18", "tubal_occlusion", "", "3")],
)
CONFLICT_B = Report(  # same key and instant (written in UTC), different content
    "TCIMS000156",
    "2021-14",
    "2021-12-23T14:00:00+00:00",
    [("2021-12-17", FM, "", "56"), ("2021-12-18", "tubal_occlusion", "", "3")],
)
LATIN_AGAIN = Report(  # identical content, other file and format: a duplicate, not a conflict
    LATIN.unit_id, LATIN.jornada_id, LATIN.submitted_at, list(LATIN.lines)
)
RESUBMITTED = Report(  # the unit fixes its rejected report (negative quantity) and sends again
    "YNIMS000640",
    "2021-14",
    "2021-12-22T12:00:00-06:00",
    [("2021-12-17", FM, "", "5"), ("2021-12-18", "mammogram", "", "6")],
)
GOALS_PLAIN_V2 = Report(
    "NLIMS000106",
    "2021-14",
    "2021-12-14T09:00:00-06:00",
    [(FM, "", "110"), (SURG, "general_surgery", "10")],
    kind="goal",
)


def round_two() -> list[Delivery]:
    folder = "unit_reports/corpus/segunda_entrega"
    return [
        Delivery(f"{folder}/correction.csv", csv_bytes([PLAIN_V2], newline="\r\n"), [PLAIN_V2]),
        Delivery(f"{folder}/late_older.csv", csv_bytes([BOM_OLDER]), [BOM_OLDER]),
        Delivery(f"{folder}/conflict_a.csv", csv_bytes([CONFLICT_A]), [CONFLICT_A]),
        Delivery(
            f"{folder}/conflict_b.json", json.dumps(json_report(CONFLICT_B)).encode(), [CONFLICT_B]
        ),  # fmt: skip
        Delivery(
            f"{folder}/latin_again.json",
            json.dumps([json_report(LATIN_AGAIN)]).encode(),
            [LATIN_AGAIN],
        ),  # fmt: skip
        Delivery(f"{folder}/resubmitted.csv", csv_bytes([RESUBMITTED]), [RESUBMITTED]),
        # round one's bytes again under a third name: still one delivery
        Delivery(f"{folder}/otra_vez.csv", csv_bytes([PLAIN_V1]), [PLAIN_V1]),
        Delivery(
            "goals/corpus/segunda/metas_nl_v2.csv", csv_bytes([GOALS_PLAIN_V2]), [GOALS_PLAIN_V2]
        ),  # fmt: skip
    ]


def round_three() -> list[Delivery]:
    """Nothing new: a file written again with the same bytes (no new name)."""
    return [Delivery("unit_reports/corpus/nl/utf8_plain.csv", csv_bytes([PLAIN_V1]), [PLAIN_V1])]


def half_written(raw_dir: Path) -> None:
    """Files still being written, under the names producers use before renaming: ignored."""
    (raw_dir / "unit_reports/corpus/nl/medio.csv.part").write_bytes(b"unit_id,jorn")
    (raw_dir / "unit_reports/corpus/nl/~$reporte.xlsx").write_bytes(b"lock")
    (raw_dir / "goals/corpus/.metas.csv.tmp").write_bytes(b"\x00\x01")


# --- what the contract says: computed here, independently of the warehouse -------------------


@dataclass
class Expected:
    report_verdicts: dict[tuple[str, int], str]  # (path of first delivery, report index) -> verdict
    activities: list[tuple]
    goals: list[tuple]
    files: dict[str, dict]  # path of first delivery -> ledger expectations
    rejected_lines: set[tuple]
    held_reports: set[tuple]


def first_deliveries(deliveries: list[Delivery]) -> list[Delivery]:
    seen: set[bytes] = set()
    firsts = []
    for delivery in sorted(deliveries, key=lambda d: d.path):
        if delivery.data not in seen:
            seen.add(delivery.data)
            firsts.append(delivery)
    return firsts


def expected_state(rounds: list[list[Delivery]]) -> Expected:
    """The contract's outcome of the rounds delivered so far (each round in path order)."""
    ordered: list[tuple[Delivery, int, Report]] = []
    seen: set[bytes] = set()
    firsts: list[Delivery] = []
    for deliveries in rounds:
        for delivery in first_deliveries(deliveries):
            if delivery.data in seen:
                continue
            seen.add(delivery.data)
            firsts.append(delivery)
            ordered += [(delivery, i, r) for i, r in enumerate(delivery.reports)]

    verdicts: dict[tuple[str, int], str] = {}
    by_key: dict[tuple, set] = defaultdict(set)
    for _, _, report in ordered:
        if report.valid:
            by_key[(report.kind, report.unit_id, report.jornada_id, report.instant)].add(
                report.content
            )
    latest: dict[tuple, dt.datetime] = {}
    for _, _, report in ordered:
        key = (report.kind, report.unit_id, report.jornada_id)
        if report.valid and len(by_key[(*key, report.instant)]) == 1:
            latest[key] = max(latest.get(key, report.instant), report.instant)
    contents_seen: set[tuple] = set()
    in_force: list[Report] = []
    for delivery, index, report in ordered:
        key = (report.kind, report.unit_id, report.jornada_id)
        if not report.valid:
            verdict = "rejected"
        elif len(by_key[(*key, report.instant)]) > 1:
            verdict = "conflict"
        elif (report.kind, report.content) in contents_seen:
            verdict = "duplicate"
        elif report.instant == latest[key]:
            verdict = "in_force"
            in_force.append(report)
        else:
            verdict = "superseded"
        if report.valid:
            contents_seen.add((report.kind, report.content))
        verdicts[(delivery.path, index)] = verdict

    activities = sorted(
        (r.unit_id, dt.date.fromisoformat(d), a, s or None, int(q))
        for r in in_force
        if r.kind == "unit_report"
        for d, a, s, q in r.lines
    )
    goals = sorted(
        (r.unit_id, r.jornada_id, a, s or None, int(t))
        for r in in_force
        if r.kind == "goal"
        for a, s, t in r.lines
    )
    files, rejected_lines, held = {}, set(), set()
    for delivery in firsts:
        if delivery.rejected_as:
            files[delivery.path] = {
                "verdict": "rejected",
                "reason_code": delivery.rejected_as,
                "lines_in": delivery.lines_in,
                "lines_loaded": 0,
                "lines_quarantined": delivery.lines_in,
            }
            continue
        loaded = quarantined = 0
        for index, report in enumerate(delivery.reports):
            verdict = verdicts[(delivery.path, index)]
            if verdict in LOADED_VERDICTS:
                loaded += len(report.lines)
            else:
                quarantined += len(report.lines)
                held.add((delivery.path, report.unit_id, report.jornada_id, report.submitted_at,
                          verdict))  # fmt: skip
        files[delivery.path] = {
            "verdict": "accepted" if not quarantined else
                       "rejected" if not loaded else "partially_accepted",
            "reason_code": "reports_quarantined" if quarantined else None,
            "lines_in": loaded + quarantined,
            "lines_loaded": loaded,
            "lines_quarantined": quarantined,
            "extra_columns": delivery.extra_columns,
        }  # fmt: skip
        rejected_lines |= {(delivery.path, *line) for line in delivery.bad_lines}
    return Expected(verdicts, activities, goals, files, rejected_lines, held)


# --- the three refreshes --------------------------------------------------------------------

PUBLISHED_SCHEMAS = ("core", "marts", "audit")
# Tables that record the refreshes themselves (checks run, publications, `*_log`): they
# legitimately grow with every run. Everything else must stay as it was.
RUN_RECORDS = {("audit", "quality_results"), ("audit", "published_version")}


def is_run_record(key: tuple[str, str]) -> bool:
    return key in RUN_RECORDS or (key[0] == "audit" and key[1].endswith("_log"))


@dataclass
class Snapshot:
    outcome: RefreshOutcome
    expected: Expected
    tables: dict[tuple[str, str], tuple[tuple[str, ...], list[tuple]]]  # (columns, rows)
    ledger: dict[str, dict]
    rejected_lines: set[tuple]
    held_reports: set[tuple]
    activities: list[tuple]
    goals: list[tuple]
    sightings: dict[str, int]


def drop(raw_dir: Path, deliveries: list[Delivery]) -> None:
    for delivery in deliveries:
        target = raw_dir / delivery.path
        target.parent.mkdir(parents=True, exist_ok=True)
        # write then rename into place, as producers do
        partial = target.with_name(target.name + ".part")
        partial.write_bytes(delivery.data)
        partial.rename(target)


def snapshot(outcome: RefreshOutcome, expected: Expected) -> Snapshot:
    assert outcome.exit_code == 0, outcome.output[-3000:]
    with duckdb.connect(str(outcome.published_db), read_only=True) as con:
        tables = {}
        for schema, name in con.execute(
            "select table_schema, table_name from information_schema.tables "
            "where table_schema in ('core', 'marts', 'audit') order by 1, 2"
        ).fetchall():
            cursor = con.execute(f'select * from "{schema}"."{name}"')
            columns = tuple(d[0] for d in cursor.description)
            tables[(schema, name)] = (columns, sorted(cursor.fetchall(), key=repr))
        ledger = {
            row[0]: dict(
                zip(
                    ["verdict", "reason_code", "lines_in", "lines_loaded", "lines_quarantined",
                     "extra_columns", "n_sightings", "kind"],
                    row[1:],
                    strict=True,
                )
            )
            for row in con.execute(
                "select path, verdict, reason_code, lines_in, lines_loaded, lines_quarantined, "
                "extra_columns, n_sightings, kind from audit.file_ledger"
            ).fetchall()
        }  # fmt: skip
        rejected = set(
            con.execute(
                "select path, line_no, column_name, reason_code from audit.rejected_lines"
            ).fetchall()
        )
        held = set(
            con.execute(
                "select path, unit_id, jornada_id, submitted_at_text, verdict "
                "from audit.quarantined_reports"
            ).fetchall()
        )
        activities = sorted(
            con.execute(
                "select unit_id, service_date, activity, specialty, quantity "
                "from core.fct_activities"
            ).fetchall()
        )
        goals = sorted(
            con.execute(
                "select unit_id, jornada_id, activity, specialty, target from core.fct_goals"
            ).fetchall()
        )
    return Snapshot(outcome, expected, tables, ledger, rejected, held, activities, goals,
                    {p: v["n_sightings"] for p, v in ledger.items()})  # fmt: skip


@pytest.fixture(scope="module")
def refreshes(dbt_manifest, tmp_path_factory) -> list[Snapshot]:
    """Round 1 (the corpus), round 2 (corrections, late, conflict), round 3 (nothing new)."""
    raw_dir = tmp_path_factory.mktemp("corpus_raw")
    home = tmp_path_factory.mktemp("corpus_home")
    (raw_dir / "bulletins").mkdir()
    rounds = [round_one(), round_two(), round_three()]
    snapshots = []
    for number, deliveries in enumerate(rounds, start=1):
        drop(raw_dir, deliveries)
        if number == 3:
            half_written(raw_dir)
        outcome = run_cli_refresh(raw_dir, home)
        snapshots.append(snapshot(outcome, expected_state(rounds[:number])))
    yield snapshots
    shutil.rmtree(raw_dir, ignore_errors=True)


ROUNDS = [pytest.param(0, id="round1"), pytest.param(1, id="round2"), pytest.param(2, id="round3")]


@pytest.mark.parametrize("round_index", ROUNDS)
def test_every_file_gets_the_contract_verdict_and_accounts_for_every_line(refreshes, round_index):
    state = refreshes[round_index]
    for path, expected in state.expected.files.items():
        found = state.ledger.get(path)
        assert found is not None, f"{path} is missing from audit.file_ledger"
        for column, value in expected.items():
            assert found[column] == value, f"{path}: {column} is {found[column]!r}, not {value!r}"
    # one ledger row per distinct content: a re-delivery under another name adds none
    corpus_paths = {p for p, v in state.ledger.items() if v["kind"] != "bulletin"}
    assert corpus_paths == set(state.expected.files)
    for path, row in state.ledger.items():
        assert row["lines_in"] == row["lines_loaded"] + row["lines_quarantined"], path


def test_the_same_bytes_under_other_names_are_one_delivery(refreshes):
    first, second = refreshes[0], refreshes[1]
    path = "unit_reports/corpus/copia/reenvio_utf8_plain.csv"  # first in path order
    assert first.sightings[path] == 2
    assert second.sightings[path] == 3
    assert refreshes[2].sightings[path] == 3  # written again under a known name: nothing new
    assert "unit_reports/corpus/nl/utf8_plain.csv" not in first.ledger


@pytest.mark.parametrize("round_index", ROUNDS)
def test_every_invalid_line_is_recorded_with_file_line_column_and_reason(refreshes, round_index):
    state = refreshes[round_index]
    assert state.rejected_lines == state.expected.rejected_lines


@pytest.mark.parametrize("round_index", ROUNDS)
def test_rejected_and_conflicting_reports_are_held_and_listed(refreshes, round_index):
    state = refreshes[round_index]
    assert state.held_reports == state.expected.held_reports


@pytest.mark.parametrize("round_index", ROUNDS)
def test_facts_hold_exactly_the_versions_in_force(refreshes, round_index):
    state = refreshes[round_index]
    assert state.activities == state.expected.activities
    assert state.goals == state.expected.goals


def test_round_two_versions_follow_the_contract(refreshes):
    """The cases round two was made for, spelled out (the general check is above)."""
    verdicts = refreshes[1].expected.report_verdicts
    folder = "unit_reports/corpus/segunda_entrega"
    assert verdicts[(f"{folder}/correction.csv", 0)] == "in_force"
    assert verdicts[(f"{folder}/late_older.csv", 0)] == "superseded"
    assert verdicts[(f"{folder}/conflict_a.csv", 0)] == "conflict"
    assert verdicts[(f"{folder}/conflict_b.json", 0)] == "conflict"
    assert verdicts[(f"{folder}/latin_again.json", 0)] == "duplicate"
    facts = set(refreshes[1].activities)
    # the correction's dropped zero line is gone; the conflict leaves version 1 in force
    assert ("NLIMS000106", dt.date(2021, 12, 19), DIAB, None, 0) in set(refreshes[0].activities)
    assert not any(f[0] == "NLIMS000106" and f[2] == DIAB for f in facts)
    assert ("TCIMS000156", dt.date(2021, 12, 17), FM, None, 50) in facts
    assert ("NLIMS000111", dt.date(2021, 12, 17), SPEC, "cardiology", 12) in facts
    assert ("NLIMS000143", dt.date(2021, 12, 17), FM, None, 70) in facts


def test_a_refresh_with_nothing_new_changes_nothing_published(refreshes):
    second, third = refreshes[1], refreshes[2]
    assert set(second.tables) == set(third.tables)
    changed = [
        key
        for key in second.tables
        if not is_run_record(key) and second.tables[key] != third.tables[key]
    ]
    assert changed == []


# When a delivery was seen and by which run: they differ between two builds, and only they.
VOLATILE_COLUMNS = {"first_seen_at", "last_seen_at", "ingest_run_id"}


def without_volatile(table: tuple[tuple[str, ...], list[tuple]]) -> tuple:
    columns, rows = table
    keep = [i for i, name in enumerate(columns) if name not in VOLATILE_COLUMNS]
    return sorted((tuple(row[i] for i in keep) for row in rows), key=repr)


@pytest.fixture(scope="module")
def rebuilt(refreshes, tmp_path_factory) -> Snapshot:
    """The warehouse deleted and built again from the same landing folder, in one refresh."""
    outcome = run_cli_refresh(refreshes[2].outcome.raw_dir, tmp_path_factory.mktemp("rebuilt"))
    return snapshot(outcome, refreshes[2].expected)


def test_deleting_the_warehouse_and_refreshing_again_gives_the_same_result(refreshes, rebuilt):
    incremental = refreshes[2]
    tables = {key for key in incremental.tables if not is_run_record(key)}
    assert tables == {key for key in rebuilt.tables if not is_run_record(key)}
    changed = [
        key
        for key in tables
        if without_volatile(incremental.tables[key]) != without_volatile(rebuilt.tables[key])
    ]
    assert changed == []


def test_the_weekly_report_lists_what_to_resubmit_by_ooad_and_unit(refreshes):
    home = refreshes[1].outcome.home
    page = (home / "reports" / "2021-14" / "index.en.html").read_text(encoding="utf-8")
    # held reports appear with their unit, grouped under their OOAD, with a plain reason
    for unit_id in ("YNIMS000282", "NLIMS000143", "TCIMS000156", "YNIMS000801"):
        assert unit_id in page, unit_id
    assert "Yucat" in page and "Nuevo Le" in page
    rejected_files = (home / "reports" / "2021-14" / "rejected_files.csv").read_text("utf-8")
    for name in ("utf16.csv", "truncated.json", "ragged.csv", "sin_hoja.xlsx"):
        assert name in rejected_files, name
    # a file that was read, but whose only report was held, is listed with that report instead
    assert "unknown_activity.csv" not in rejected_files
    # an unknown unit key is still grouped under the OOAD its CLUES prefix names
    columns, held = refreshes[1].tables[("audit", "quarantined_reports")]
    unknown = [dict(zip(columns, row, strict=True)) for row in held if "YNIMS999999" in row]
    assert [row["ooad_id"] for row in unknown] == ["YN"]


def test_what_an_invalid_line_sent_is_quoted_as_sent(refreshes):
    with duckdb.connect(str(refreshes[0].outcome.published_db), read_only=True) as con:
        sent = con.execute(
            "select value_delivered from audit.rejected_lines "
            "where path like '%latin1_bad_specialty.csv' and line_no = 3"
        ).fetchall()
    assert sent == [("oftalmología",)]


def delivered_report_id(*key_parts: object) -> str:
    """A report's published key from what it was delivered as: the md5 of its key's parts
    joined by '|', a missing part written '<null>' (docs/ARCHITECTURE.md, report_id)."""
    text = "|".join("<null>" if part is None else str(part) for part in key_parts)
    return hashlib.md5(text.encode("utf-8")).hexdigest()


def rows_of(state: Snapshot, schema: str, table: str) -> list[dict]:
    columns, rows = state.tables[(schema, table)]
    return [dict(zip(columns, row, strict=True)) for row in rows]


def test_published_report_ids_are_the_md5_of_each_report_as_delivered(refreshes):
    """The build joins lines to reports on its own 64-bit key; what is published must still be
    the md5 report_id, per line of the facts, of the rejected lines and of the held reports."""
    final = refreshes[-1]
    with duckdb.connect(str(final.outcome.build_db), read_only=True) as con:
        line_report_ids = {
            ("unit_report", file_hash, line_no): delivered_report_id(file_hash, *key)
            for file_hash, line_no, *key in con.execute(
                "select file_hash, line_no, report_no, unit_id, jornada_id, submitted_at_text "
                "from intermediate.int_unit_report_lines"
            ).fetchall()
        }
        line_report_ids |= {
            ("goal", file_hash, line_no): delivered_report_id(file_hash, *key)
            for file_hash, line_no, *key in con.execute(
                "select file_hash, line_no, unit_id, jornada_id, submitted_at_text "
                "from intermediate.int_goal_lines"
            ).fetchall()
        }
    facts = rows_of(final, "core", "fct_activities")
    goals = rows_of(final, "core", "fct_goals")
    rejected = rows_of(final, "audit", "rejected_lines")
    held = rows_of(final, "audit", "quarantined_reports")
    assert facts and goals and rejected and held
    assert any(row["report_no"] is not None for row in held)  # a report of a JSON array
    for kind, rows in (("unit_report", facts), ("goal", goals)):
        for row in rows:
            assert row["report_id"] == line_report_ids[(kind, row["file_hash"], row["line_no"])]
    for row in rejected:
        assert row["report_id"] == line_report_ids[(row["kind"], row["file_hash"], row["line_no"])]
    for row in held:
        numbered = [row["report_no"]] if row["kind"] == "unit_report" else []
        key = [row["file_hash"], *numbered, row["unit_id"], row["jornada_id"]]
        assert row["report_id"] == delivered_report_id(*key, row["submitted_at_text"])
