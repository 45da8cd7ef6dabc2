"""A small, independent reading of raw files under the raw contract, for the generator's
tests: file verdicts, line reason codes, report verdicts and the versions in force.

Written from the contract (shared/contracts/raw_unit_reports.md and the reason codes of
docs/ARCHITECTURE.md), not from the generator, so the tests compare two readings.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import zipfile
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from openpyxl import load_workbook

REPORT_COLUMNS = (
    "unit_id",
    "jornada_id",
    "service_date",
    "activity",
    "specialty",
    "quantity",
    "submitted_at",
)
GOAL_COLUMNS = ("unit_id", "jornada_id", "activity", "specialty", "target", "submitted_at")
KEY = ("unit_id", "jornada_id", "submitted_at")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ISO_STAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$")


@dataclass
class Catalogs:
    units: set[str]
    ooad_of: dict[str, str]
    unit_type: dict[str, str]
    activities: dict[str, bool]  # activity -> requires specialty
    specialties: set[str]
    jornadas: dict[str, tuple[date, date]]

    @classmethod
    def load(cls, seeds: Path) -> Catalogs:
        def rows(name):
            with (seeds / name).open(encoding="utf-8", newline="") as handle:
                return list(csv.DictReader(handle))

        units = rows("units.csv")
        jornadas = rows("jornadas.csv") + rows("jornadas_synthetic.csv")
        return cls(
            units={u["unit_id"] for u in units},
            ooad_of={u["unit_id"]: u["ooad_id"] for u in units},
            unit_type={u["unit_id"]: u["unit_type"] for u in units},
            activities={
                a["activity"]: a["requires_specialty"] == "true" for a in rows("activities.csv")
            },
            specialties={s["specialty"] for s in rows("specialties.csv")},
            jornadas={
                j["jornada_id"]: (
                    date.fromisoformat(j["start_date"]),
                    date.fromisoformat(j["end_date"]),
                )
                for j in jornadas
            },
        )


@dataclass
class RawLine:
    file: str
    line_no: int
    report_no: int | None
    values: dict[str, str | None]


@dataclass
class Reading:
    file_verdicts: dict[str, tuple[str, str | None]] = field(default_factory=dict)
    line_issues: set[tuple[str, int, str, str]] = field(default_factory=set)
    # report identity (kind, file, report_no, unit, jornada, submitted_at) -> verdict
    report_verdicts: dict[tuple, str] = field(default_factory=dict)
    in_force_lines: list[dict] = field(default_factory=list)  # unit-report lines in force
    in_force_goals: list[dict] = field(default_factory=list)


def _text(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float) and value.is_integer() is False:
        return repr(value)
    text = str(value)
    return text if text != "" else None


def _decode(data: bytes) -> str:
    if data.startswith(b"\xff\xfe") or data.startswith(b"\xfe\xff") or b"\x00" in data:
        raise ValueError("unreadable_encoding")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def read_file(path: Path, rel: str, kind: str) -> list[RawLine]:
    """Lines of one file, or ValueError(reason_code) when the file is rejected whole."""
    data = path.read_bytes()
    required = GOAL_COLUMNS if kind == "goal" else REPORT_COLUMNS
    if not data:
        raise ValueError("empty_file")
    suffix = path.suffix.lower()
    if suffix == ".csv":
        rows = list(csv.reader(io.StringIO(_decode(data), newline="")))
        header = rows[0]
        if any(len(row) != len(header) for row in rows[1:]):
            raise ValueError("malformed_file")
        if any(c not in header for c in required):
            raise ValueError("missing_required_column")
        return [
            RawLine(rel, n, None, {c: (row[header.index(c)] or None) for c in required})
            for n, row in enumerate(rows[1:], start=2)
        ]
    if suffix == ".json" and kind != "goal":
        try:
            document = json.loads(_decode(data))
        except json.JSONDecodeError as error:
            raise ValueError("malformed_file") from error
        reports = document if isinstance(document, list) else [document]
        out, position = [], 0
        for number, report in enumerate(reports, start=1):
            for line in report["lines"]:
                position += 1
                values = {c: _text(report.get(c)) for c in KEY}
                values.update(
                    {
                        c: _text(line.get(c))
                        for c in ("service_date", "activity", "specialty", "quantity")
                    }
                )
                out.append(RawLine(rel, position, number, values))
        return out
    if suffix == ".xlsx" and kind != "goal":
        try:
            workbook = load_workbook(io.BytesIO(data), read_only=True)
        except (zipfile.BadZipFile, KeyError, OSError) as error:
            raise ValueError("malformed_file") from error
        if "report" not in workbook.sheetnames:
            raise ValueError("missing_report_sheet")
        rows = list(workbook["report"].iter_rows(values_only=True))
        header = [str(c) for c in rows[0]]
        if any(c not in header for c in required):
            raise ValueError("missing_required_column")
        return [
            RawLine(rel, n, None, {c: _text(row[header.index(c)]) for c in required})
            for n, row in enumerate(rows[1:], start=2)
        ]
    raise ValueError("unsupported_format")


def line_reasons(values: dict, kind: str, cat: Catalogs) -> list[tuple[str, str]]:
    """(column, reason_code) of every violation on one line."""
    reasons = []
    quantity_column = "target" if kind == "goal" else "quantity"
    required = ["unit_id", "jornada_id", "activity", quantity_column, "submitted_at"]
    if kind != "goal":
        required.insert(2, "service_date")
    for column in required:
        if values.get(column) is None:
            reasons.append((column, "missing_value"))
    unit, jornada, activity = (
        values.get("unit_id"),
        values.get("jornada_id"),
        values.get("activity"),
    )
    specialty = values.get("specialty")
    if unit is not None and unit not in cat.units:
        reasons.append(("unit_id", "unknown_unit"))
    if jornada is not None and jornada not in cat.jornadas:
        reasons.append(("jornada_id", "unknown_jornada"))
    if activity is not None and activity not in cat.activities:
        reasons.append(("activity", "unknown_activity"))
    if specialty is not None and specialty not in cat.specialties:
        reasons.append(("specialty", "unknown_specialty"))
    elif activity in cat.activities:
        if cat.activities[activity] and specialty is None:
            reasons.append(("specialty", "specialty_required"))
        if not cat.activities[activity] and specialty is not None:
            reasons.append(("specialty", "specialty_not_allowed"))
    if kind != "goal" and values.get("service_date") is not None:
        text = values["service_date"]
        try:
            if not _ISO_DATE.match(text):
                raise ValueError
            day = date.fromisoformat(text)
        except ValueError:
            reasons.append(("service_date", "invalid_date"))
        else:
            if jornada in cat.jornadas and not (
                cat.jornadas[jornada][0] <= day <= cat.jornadas[jornada][1]
            ):
                reasons.append(("service_date", "date_outside_jornada"))
    quantity = values.get(quantity_column)
    if quantity is not None:
        try:
            number = float(quantity)
        except ValueError:
            reasons.append((quantity_column, "invalid_quantity"))
        else:
            if not number.is_integer():
                reasons.append((quantity_column, "fractional_quantity"))
            elif number < 0:
                reasons.append((quantity_column, "negative_quantity"))
    stamp = values.get("submitted_at")
    if stamp is not None and not _ISO_STAMP.match(stamp):
        reasons.append(("submitted_at", "invalid_timestamp"))
    return reasons


def read_landing(root: Path, seeds: Path) -> Reading:
    cat = Catalogs.load(seeds)
    reading = Reading()
    seen_hashes: set[str] = set()
    reports: dict[tuple, list[RawLine]] = defaultdict(list)
    for kind, folder in (("unit_report", "unit_reports"), ("goal", "goals")):
        for path in sorted((root / folder).rglob("*")):
            if not path.is_file():
                continue
            rel = path.relative_to(root).as_posix()
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
            if digest in seen_hashes:
                reading.file_verdicts[rel] = ("same_bytes", None)
                continue
            seen_hashes.add(digest)
            try:
                lines = read_file(path, rel, kind)
            except ValueError as error:
                reading.file_verdicts[rel] = ("rejected", str(error))
                continue
            reading.file_verdicts[rel] = ("read", None)
            for line in lines:
                key = (kind, rel, line.report_no) + tuple(line.values.get(c) for c in KEY)
                reports[key].append(line)

    valid: dict[tuple, list] = {}
    for key, lines in reports.items():
        kind = key[0]
        bad = False
        seen_cells = set()
        for line in lines:
            for column, reason in line_reasons(line.values, kind, cat):
                reading.line_issues.add((line.file, line.line_no, column, reason))
                bad = True
            cell = ((line.values.get("service_date"),) if kind != "goal" else ()) + (
                line.values.get("activity"),
                line.values.get("specialty"),
            )
            if cell in seen_cells:
                reading.line_issues.add((line.file, line.line_no, "activity", "duplicate_line"))
                bad = True
            seen_cells.add(cell)
        if bad:
            reading.report_verdicts[key] = "rejected"
        else:
            valid[key] = lines

    # versions: group valid reports by (kind, unit, jornada)
    groups: dict[tuple, list[tuple]] = defaultdict(list)
    for key in valid:
        groups[(key[0], key[3], key[4])].append(key)
    quantity = {"unit_report": "quantity", "goal": "target"}
    for (kind, _unit, _jornada), keys in groups.items():

        def content(key, kind=kind):
            cols = ("service_date", "activity", "specialty", quantity[kind])
            return tuple(
                sorted(
                    tuple(
                        str(int(float(ln.values[c])))
                        if c == quantity[kind]
                        else (ln.values.get(c) or "")
                        for c in cols
                    )
                    for ln in valid[key]
                )
            )

        by_stamp: dict[datetime, list[tuple]] = defaultdict(list)
        for key in sorted(keys, key=lambda k: (k[1], k[2] or 0)):
            by_stamp[datetime.fromisoformat(key[5].replace("Z", "+00:00"))].append(key)
        candidates = []
        for stamp, same in by_stamp.items():
            contents = {}
            for key in same:
                c = content(key)
                if c in contents:
                    reading.report_verdicts[key] = "duplicate"
                else:
                    contents[c] = key
            if len(contents) > 1:
                for key in contents.values():
                    reading.report_verdicts[key] = "conflict"
            else:
                candidates.append((stamp, next(iter(contents.values()))))
        candidates.sort()
        for i, (_stamp, key) in enumerate(candidates):
            force = i == len(candidates) - 1
            reading.report_verdicts[key] = "in_force" if force else "superseded"
            if force:
                target = reading.in_force_goals if kind == "goal" else reading.in_force_lines
                for line in valid[key]:
                    row = dict(line.values)
                    row[quantity[kind]] = int(float(row[quantity[kind]]))
                    row["ooad_id"] = cat.ooad_of[row["unit_id"]]
                    row["unit_type"] = cat.unit_type[row["unit_id"]]
                    target.append(row)
    return reading
