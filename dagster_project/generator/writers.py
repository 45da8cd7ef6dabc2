"""Writing raw files (CSV, JSON, XLSX, goals CSV) one report at a time.

Writers stream: they take an iterable of reports and never hold more than one report.
XLSX files are made byte-identical for identical content by fixing the archive's timestamps
and the workbook's creation/modification dates.
"""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from pathlib import Path

from openpyxl import Workbook

from dagster_project.generator.reports import Report
from dagster_project.raw_schema import GOAL_COLUMNS, UNIT_REPORT_COLUMNS

# The raw contract's columns, in the order the generator writes them.
REPORT_COLUMNS = UNIT_REPORT_COLUMNS
FIXED_ZIP_TIME = (2021, 1, 1, 0, 0, 0)
FIXED_DOC_TIME = "2021-01-01T00:00:00Z"


@dataclass(frozen=True)
class FileFormat:
    fmt: str = "csv"  # csv | json | xlsx
    kind: str = "unit_report"  # unit_report | goal
    encoding: str = "utf-8"  # utf-8 | utf-8-sig | latin-1 | utf-16
    columns: tuple[str, ...] | None = None  # order; None = the contract's order
    extra_column: tuple[str, str] | None = None  # (name, value) ignored by the warehouse
    json_form: str = "array"  # array | object
    json_indent: int | None = 1  # None: compact (national scales)
    sheet_name: str = "report"
    ragged_line: int | None = None  # CSV line (1-based, physical) given one extra field
    truncate: bool = False  # cut the file short after writing
    empty: bool = False
    extension: str | None = None  # override the file extension

    def column_order(self) -> tuple[str, ...]:
        if self.columns is not None:
            return self.columns
        return GOAL_COLUMNS if self.kind == "goal" else REPORT_COLUMNS

    def with_changes(self, **changes) -> FileFormat:
        return replace(self, **changes)


@dataclass
class PlannedFile:
    """A raw file to write: its reports in memory (sample) or made on demand (national)."""

    relpath: str
    spec: FileFormat
    reports: list[Report] | None = None
    factory: Callable[[], Iterable[Report]] | None = None
    count: int | None = None  # number of reports when made on demand
    copy_of: str | None = None  # the same bytes delivered again under this name
    rejected_as: str | None = None  # file-level reason code the sample means it to get

    @property
    def report_count(self) -> int:
        return len(self.reports) if self.reports is not None else (self.count or 0)

    @property
    def has_versions(self) -> bool:
        return self.reports is not None and any(r.has_other_versions for r in self.reports)

    def iter_reports(self) -> Iterable[Report]:
        return iter(self.reports) if self.reports is not None else self.factory()


# Called once per written report: (report, first line number, report number in the file).
OnReport = Callable[[Report, int, int | None], None]


def _row_values(report: Report, line: tuple, kind: str) -> dict[str, object]:
    if kind == "goal":
        activity, specialty, target = line[:3]
        values = {"activity": activity, "specialty": specialty, "target": target}
    else:
        service_date, activity, specialty, quantity = line[:4]
        values = {
            "service_date": service_date,
            "activity": activity,
            "specialty": specialty,
            "quantity": quantity,
        }
    values.update(
        unit_id=report.unit_id, jornada_id=report.jornada_id, submitted_at=report.submitted_at
    )
    return values


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    return str(value)


def write_file(
    root: Path, relpath: str, spec: FileFormat, reports: Iterable[Report], on_report: OnReport
) -> dict:
    """Write one raw file under root; returns {'path', 'lines', 'reports', 'bytes'}."""
    path = root / relpath
    path.parent.mkdir(parents=True, exist_ok=True)
    if spec.empty:
        path.write_bytes(b"")
        count = sum(1 for _ in reports)  # consumed so the caller's streams stay aligned
        return {"path": relpath, "lines": 0, "reports": count, "bytes": 0}
    if spec.fmt == "csv":
        lines, count = _write_csv(path, spec, reports, on_report)
    elif spec.fmt == "json":
        lines, count = _write_json(path, spec, reports, on_report)
    elif spec.fmt == "xlsx":
        lines, count = _write_xlsx(path, spec, reports, on_report)
    else:
        raise ValueError(f"unknown format {spec.fmt}")
    if spec.truncate:
        size = path.stat().st_size
        with path.open("r+b") as handle:
            handle.truncate(max(1, size * 2 // 3))
    return {"path": relpath, "lines": lines, "reports": count, "bytes": path.stat().st_size}


def _write_csv(path: Path, spec: FileFormat, reports, on_report) -> tuple[int, int]:
    columns = spec.column_order()
    header = list(columns) + ([spec.extra_column[0]] if spec.extra_column else [])
    extra = [spec.extra_column[1]] if spec.extra_column else []
    line_no = 1
    count = 0
    with path.open("w", newline="", encoding=spec.encoding) as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        # The common case (contract order, nothing extra) builds rows straight from tuples.
        fast = spec.columns is None and not spec.extra_column and spec.ragged_line is None
        for report in reports:
            count += 1
            on_report(report, line_no + 1, None)
            if fast:
                head, tail = (report.unit_id, report.jornada_id), (report.submitted_at,)
                writer.writerows([head + line + tail for line in report.lines])
                line_no += len(report.lines)
                continue
            rows = []
            for line in report.lines:
                line_no += 1
                values = _row_values(report, line, spec.kind)
                row = [_cell_text(values[c]) for c in columns] + extra
                if spec.ragged_line == line_no:
                    row.append("sin dato")
                rows.append(row)
            writer.writerows(rows)
    return line_no - 1, count


def _write_json(path: Path, spec: FileFormat, reports, on_report) -> tuple[int, int]:
    position = 0
    count = 0
    with path.open("w", encoding="utf-8", newline="\n") as handle:
        if spec.json_form == "array":
            handle.write("[\n")
        for report in reports:
            count += 1
            if spec.json_form == "object" and count > 1:
                raise ValueError("a single-object JSON file holds one report")
            on_report(report, position + 1, count)
            lines = []
            for line in report.lines:
                position += 1
                service_date, activity, specialty, quantity = line[:4]
                lines.append(
                    {
                        "service_date": service_date,
                        "activity": activity,
                        "specialty": specialty if specialty != "" else None,
                        "quantity": quantity,
                    }
                )
            document = {
                "unit_id": report.unit_id,
                "jornada_id": report.jornada_id,
                "submitted_at": report.submitted_at,
                "lines": lines,
            }
            if count > 1:
                handle.write(",\n")
            handle.write(json.dumps(document, ensure_ascii=False, indent=spec.json_indent))
        if spec.json_form == "array":
            handle.write("\n]\n")
        else:
            handle.write("\n")
    return position, count


def _write_xlsx(path: Path, spec: FileFormat, reports, on_report) -> tuple[int, int]:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(spec.sheet_name)
    columns = spec.column_order()
    sheet.append(list(columns))
    row_no = 1
    count = 0
    for report in reports:
        count += 1
        on_report(report, row_no + 1, None)
        for line in report.lines:
            row_no += 1
            values = _row_values(report, line, spec.kind)
            # Quantities as numbers (as staff type them); everything else as text.
            sheet.append([values[c] for c in columns])
    workbook.properties.creator = "jornadas generator"
    buffer = io.BytesIO()
    workbook.save(buffer)
    path.write_bytes(normalize_xlsx(buffer.getvalue()))
    return row_no - 1, count


_DOC_TIME = re.compile(rb"(<dcterms:(created|modified)[^>]*>)[^<]*(</dcterms:\2>)")


def normalize_xlsx(data: bytes) -> bytes:
    """Same content -> same bytes: fixed entry timestamps and document dates."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == "docProps/core.xml":
                content = _DOC_TIME.sub(rb"\g<1>" + FIXED_DOC_TIME.encode() + rb"\g<3>", content)
            entry = zipfile.ZipInfo(info.filename, date_time=FIXED_ZIP_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            target.writestr(entry, content)
    return out.getvalue()
