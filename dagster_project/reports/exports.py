"""Tables written to files analysts open in spreadsheets: CSV, XLSX and Parquet.

Spreadsheet programs execute a text cell that starts with `=`, `+`, `-` or `@` as a formula
(CSV/formula injection). Unit names and file paths come from outside, so every text cell of a
CSV or XLSX export that starts with one of those (or with a tab or carriage return, which
some programs strip first) is prefixed with a single quote. Numbers stay numbers. Parquet is
typed, not interpreted, so it is written as is.
"""

from __future__ import annotations

import csv
import datetime as dt
import decimal
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
EXPORT_FORMATS = {".csv": "csv", ".parquet": "parquet", ".xlsx": "xlsx"}


def neutralize(value: Any) -> Any:
    """Return a text value made inert for spreadsheets; any other value unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def export_format(path: Path) -> str:
    fmt = EXPORT_FORMATS.get(path.suffix.lower())
    if fmt is None:
        known = ", ".join(sorted(EXPORT_FORMATS))
        raise ValueError(f"cannot tell the format of {path.name!r}: use one of {known}")
    return fmt


def _csv_cell(value: Any) -> Any:
    if value is None:
        return ""
    return neutralize(value)


def write_csv(path: Path, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow([neutralize(c) for c in columns])
        for row in rows:
            writer.writerow([_csv_cell(v) for v in row])


def _xlsx_cell(value: Any) -> Any:
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        # Excel has no time zones: keep the instant as ISO text rather than drop the offset.
        return value.isoformat()
    if isinstance(value, list | dict | tuple):
        return neutralize(str(value))
    return neutralize(value)


def write_xlsx(path: Path, sheets: Sequence[tuple[str, Sequence[str], Iterable[Sequence[Any]]]]):
    """One workbook, one sheet per (name, columns, rows)."""
    from openpyxl import Workbook

    path.parent.mkdir(parents=True, exist_ok=True)
    workbook = Workbook(write_only=True)
    for name, columns, rows in sheets:
        # Sheet titles are at most 31 characters and may not contain []:*?/\
        title = "".join(ch for ch in name if ch not in "[]:*?/\\")[:31] or "sheet"
        sheet = workbook.create_sheet(title=title)
        sheet.append([neutralize(c) for c in columns])
        for row in rows:
            sheet.append([_xlsx_cell(v) for v in row])
    workbook.save(path)


def write_parquet(path: Path, arrow_table: Any) -> None:
    import pyarrow.parquet as pq

    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(arrow_table, path)
