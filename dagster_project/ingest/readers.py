"""Readers for the raw contract's formats: they land a file's lines as delivered, or reject it.

Every reader either inserts all data lines of one file into its `raw.*_lines` table (values as
text, empty cells as NULL) and says what it learned, or raises `FileRejected` with one of the
file-level reason codes of docs/ARCHITECTURE.md before anything lands. Anything else that goes
wrong is a real error and propagates.

Reading happens in two steps. `read_file` does everything that needs no database: the checks
of the header, and the parsing of the formats Python reads (JSON, XLSX, CSV with quotes or blank
lines) into an Arrow table. `ReadFile.land` then inserts, and for plain CSV lets DuckDB's own
reader parse the file inside the INSERT (a ragged row is only found there). The first step can
therefore run in another thread while DuckDB, which releases the GIL, lands the previous file.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol
from xml.etree.ElementTree import ParseError

import duckdb
import pyarrow as pa

from dagster_project.ingest.files import KIND_FOLDERS, FileFacts, LandingFile
from dagster_project.raw_schema import GOAL_COLUMNS, UNIT_REPORT_COLUMNS

EMPTY_FILE = "empty_file"
UNREADABLE_ENCODING = "unreadable_encoding"
UNSUPPORTED_FORMAT = "unsupported_format"
MALFORMED_FILE = "malformed_file"
MISSING_REQUIRED_COLUMN = "missing_required_column"
MISSING_REPORT_SHEET = "missing_report_sheet"

_PYTHON_ENCODING = {"utf-8": "utf-8", "utf-8-sig": "utf-8-sig", "latin-1": "latin-1"}
# DuckDB skips a UTF-8 byte-order mark by itself.
_DUCKDB_ENCODING = {"utf-8": "utf-8", "utf-8-sig": "utf-8", "latin-1": "latin-1"}


class FileRejected(Exception):
    """The file cannot be read under the contract; nothing of it lands."""

    def __init__(self, code: str, detail: str, lines_counted: int = 0):
        super().__init__(f"{code}: {detail}")
        self.code = code
        self.detail = detail
        self.lines_counted = lines_counted

    @property
    def reason(self) -> str:
        return f"{self.code}: {self.detail}"


@dataclass(frozen=True)
class TableSpec:
    """Where the lines of one kind of file land."""

    table: str
    columns: tuple[str, ...]
    has_report_no: bool
    # Plain CSV files of this kind land several per INSERT (land_csv_group): worth it for many
    # small files, where a statement per file costs more than its rows (goal files: ~280 lines).
    land_in_groups: bool = False

    @property
    def target_columns(self) -> list[str]:
        report_no = ["report_no"] if self.has_report_no else []
        return ["file_hash", "line_no", *report_no, *self.columns]


UNIT_REPORT_LINES = TableSpec("raw.unit_report_lines", UNIT_REPORT_COLUMNS, has_report_no=True)
GOAL_LINES = TableSpec("raw.goal_lines", GOAL_COLUMNS, has_report_no=False, land_in_groups=True)


@dataclass
class Landed:
    lines_in: int
    lines_landed: int
    encoding: str | None
    extra_columns: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _Source:
    """What reading a file needs to know of its destination (no database)."""

    spec: TableSpec
    only_jornada: str | None


@dataclass(frozen=True)
class _Target:
    """One file's destination in the database: where it lands and under which hash."""

    con: duckdb.DuckDBPyConnection
    source: _Source
    file_hash: str


class ReadFile(Protocol):
    """A file read as far as possible without the database; `land` inserts its lines."""

    def land(self, con: duckdb.DuckDBPyConnection, file_hash: str) -> Landed: ...

    @property
    def group_key(self) -> tuple | None:
        """Files with equal keys can land together in one INSERT (land_csv_group); None: the
        file lands alone."""
        ...


def land_file(
    con: duckdb.DuckDBPyConnection,
    landing_file: LandingFile,
    facts: FileFacts,
    spec: TableSpec,
    only_jornada: str | None = None,
) -> Landed:
    """Land one file's lines (only those of `only_jornada` when given) or raise FileRejected."""
    return read_file(landing_file, facts, spec, only_jornada).land(con, facts.sha256)


def read_file(
    landing_file: LandingFile,
    facts: FileFacts,
    spec: TableSpec,
    only_jornada: str | None = None,
) -> ReadFile:
    """The database-free part of landing a file, or FileRejected. Safe in any thread."""
    if not landing_file.accepted_format:
        accepted = ", ".join(f".{ext}" for ext in KIND_FOLDERS[landing_file.kind][1])
        raise FileRejected(
            UNSUPPORTED_FORMAT,
            f"'.{landing_file.format}' files are not accepted here (accepted: {accepted})",
        )
    if facts.size_bytes == 0:
        raise FileRejected(EMPTY_FILE, "the file has no bytes")
    readers = {"csv": _read_csv, "json": _read_json, "xlsx": _read_xlsx}
    return readers[landing_file.format](_Source(spec, only_jornada), landing_file.path, facts)


# --- CSV ---------------------------------------------------------------------------------


# DuckDB's reader for CSV without quotes or blank lines: every column as text (c0, c1, ...),
# a ragged row an error. Its parameters: $columns and $encoding (_plain_csv_read).
PLAIN_CSV_OPTIONS = (
    "header = true, auto_detect = false, columns = $columns, delim = ',', quote = '', "
    "escape = '', encoding = $encoding, strict_mode = true, null_padding = false"
)


def _plain_csv_read(
    spec: TableSpec, encoding: str, width: int, mapping: dict[str, int]
) -> tuple[str, dict]:
    """The contract's columns as `nullif(cN, '') as name`, and the reader's parameters."""
    values = ", ".join(f"nullif(c{mapping[column]}, '') as {column}" for column in spec.columns)
    params = {
        "columns": {f"c{i}": "VARCHAR" for i in range(width)},
        "encoding": _DUCKDB_ENCODING[encoding],
    }
    return values, params


def _report_no(spec: TableSpec) -> str:
    """The report_no value of a CSV line (CSV carries none), when the table has the column."""
    return ", null" if spec.has_report_no else ""


@dataclass
class _CsvForDuckDB:
    """A CSV file without quotes or blank lines, whose header passed: DuckDB reads it."""

    source: _Source
    path: Path
    encoding: str
    width: int
    mapping: dict[str, int]
    extra_columns: list[str]
    # Physical lines after the header, when examine counted them (kinds that land in groups)
    data_lines: int | None

    def land(self, con: duckdb.DuckDBPyConnection, file_hash: str) -> Landed:
        target = _Target(con, self.source, file_hash)
        landed = _land_csv_with_duckdb(target, self.path, self.encoding, self.width, self.mapping)
        landed.extra_columns = self.extra_columns
        return landed

    @property
    def group_key(self) -> tuple | None:
        if not self.source.spec.land_in_groups or self.source.only_jornada is not None:
            return None
        if not self.data_lines:  # an empty file is left to its own INSERT, which rejects it
            return None
        return (self.source.spec, self.encoding, self.width, tuple(sorted(self.mapping.items())))


class CsvGroupFailed(Exception):
    """One INSERT for several files failed (a ragged row in one of them, say) or landed another
    number of lines than the files hold: the caller lands them one by one instead."""


def land_csv_group(
    con: duckdb.DuckDBPyConnection, files: Sequence[tuple[_CsvForDuckDB, str]]
) -> list[Landed]:
    """Land plain CSV files of one `group_key`, each given with its hash, in one INSERT.

    The same rows, line numbers and insertion order as one `_land_csv_with_duckdb` per file, in
    the given order: DuckDB's reader keeps the files' order and each file's row order, so a
    row's line is its position in the scan less its file's first position, plus 2 (the header
    is line 1). Each file's lines are known from its bytes (`data_lines`); a total that differs
    raises CsvGroupFailed, as a failed statement does, since the files then cannot be told
    apart. Nothing is committed here; after CsvGroupFailed the caller must roll back.
    """
    first = files[0][0]
    spec = first.source.spec
    values, read_params = _plain_csv_read(spec, first.encoding, first.width, first.mapping)
    scanned = ", ".join(f"scan.{column}" for column in spec.columns)
    params = {
        "paths": [str(read.path) for read, _ in files],
        "hashes": [file_hash for _, file_hash in files],
        **read_params,
    }
    # The file list goes in as parameters, not a registered table: a failed statement aborts
    # the transaction, and nothing may be left to clean up on the connection then.
    try:
        inserted = con.execute(
            f"""
            insert into {spec.table} ({", ".join(spec.target_columns)})
            select files.file_hash, scan.line_no{_report_no(spec)}, {scanned}
            from (
                select
                    filename,
                    scan_order - min(scan_order) over (partition by filename) + 2 as line_no,
                    * exclude (filename, scan_order)
                from (
                    select filename, row_number() over () as scan_order, {values}
                    from read_csv($paths, {PLAIN_CSV_OPTIONS}, filename = true,
                                  hive_partitioning = false)
                )
            ) as scan
            inner join (
                select
                    unnest($paths) as path,
                    unnest($hashes) as file_hash,
                    unnest(range(len($paths))) as position
            ) as files on scan.filename = files.path
            order by files.position, scan.line_no
            """,
            params,
        ).fetchone()[0]
    except duckdb.InvalidInputException as error:
        raise CsvGroupFailed(" ".join(str(error).splitlines()[:2])) from None
    expected = sum(read.data_lines for read, _ in files)
    if inserted != expected:
        raise CsvGroupFailed(f"{inserted} lines landed where the files hold {expected}")
    return [
        Landed(read.data_lines, read.data_lines, read.encoding, list(read.extra_columns))
        for read, _ in files
    ]


def _read_csv(source: _Source, path: Path, facts: FileFacts) -> ReadFile:
    encoding = facts.encoding
    if encoding is None:
        # A UTF-16 file's lines can still be counted, so the ledger shows every line refused.
        counted = _count_data_lines(path, "utf-16") if facts.utf16_bom else 0
        raise FileRejected(UNREADABLE_ENCODING, facts.encoding_problem(), counted)
    header, blank_lines_before_header = _csv_header(path, encoding)
    if header is None:
        raise FileRejected(EMPTY_FILE, "the file holds no text")
    try:
        mapping, extra = _map_columns(header, source.spec.columns)
    except FileRejected as rejection:
        rejection.lines_counted = _count_data_lines(path, encoding)
        raise
    if facts.has_quote or facts.has_blank_line or blank_lines_before_header:
        return _read_csv_with_python(source, path, encoding, mapping, extra)
    # No blank lines in this path: every physical line after the header is a data line.
    data_lines = None if facts.physical_lines is None else max(facts.physical_lines - 1, 0)
    return _CsvForDuckDB(source, path, encoding, len(header), mapping, extra, data_lines)


def _csv_header(path: Path, encoding: str) -> tuple[list[str] | None, int]:
    """The first non-blank record and how many blank lines came before it."""
    with path.open(encoding=_PYTHON_ENCODING[encoding], newline="") as handle:
        reader = csv.reader(handle, strict=True)
        blank = 0
        try:
            for record in reader:
                if record:
                    return record, blank
                blank += 1
        except csv.Error as error:
            raise FileRejected(MALFORMED_FILE, f"the header cannot be parsed: {error}") from None
    return None, blank


def _map_columns(header: Sequence[str], required: Sequence[str]) -> tuple[dict[str, int], list]:
    """Required column -> its position in the header; plus the extra columns, in file order.

    Names are matched without surrounding spaces and case-insensitively.
    """
    positions: dict[str, int] = {}
    extra: list[str] = []
    for position, raw_name in enumerate(header):
        name = raw_name.strip().lower()
        if name in required:
            if name in positions:
                raise FileRejected(MALFORMED_FILE, f"column '{name}' appears twice in the header")
            positions[name] = position
        else:
            extra.append(raw_name.strip() or f"(unnamed column {position + 1})")
    missing = [column for column in required if column not in positions]
    if missing:
        found = ", ".join(h.strip() for h in header if h.strip()) or "nothing"
        raise FileRejected(
            MISSING_REQUIRED_COLUMN,
            f"the header has no column {', '.join(repr(m) for m in missing)} (found: {found})",
        )
    return positions, extra


def _land_csv_with_duckdb(
    target: _Target, path: Path, encoding: str, width: int, mapping: dict[str, int]
) -> Landed:
    """Fast path for files without quotes or blank lines: data row n is physical line n + 1.

    One INSERT straight from DuckDB's reader; a ragged row makes the statement fail, and the
    caller rolls the file's transaction back.
    """
    spec = target.source.spec
    values, read_params = _plain_csv_read(spec, encoding, width, mapping)
    where, filter_params = _jornada_filter(target)
    params = {"path": str(path), "file_hash": target.file_hash, **read_params, **filter_params}
    try:
        inserted = target.con.execute(
            f"""
            insert into {spec.table} ({", ".join(spec.target_columns)})
            select $file_hash, line_no{_report_no(spec)}, {", ".join(spec.columns)}
            from (
                select row_number() over () + 1 as line_no, {values}
                from read_csv($path, {PLAIN_CSV_OPTIONS})
            ) {where}
            order by line_no
            """,
            params,
        ).fetchone()[0]
    except duckdb.InvalidInputException as error:
        # DuckDB's CSV errors name the physical line; keep its first lines as the reason.
        message = " ".join(str(error).removeprefix("Invalid Input Error: ").splitlines()[:3])
        raise FileRejected(
            MALFORMED_FILE,
            f"ragged or truncated CSV: {message}",
            lines_counted=_count_data_lines(path, encoding),
        ) from None
    lines_in = inserted if target.source.only_jornada is None else _count_data_lines(path, encoding)
    if lines_in == 0:
        raise FileRejected(EMPTY_FILE, "the file has a header but no data lines")
    return Landed(lines_in, inserted, encoding)


def _jornada_filter(target: _Target) -> tuple[str, dict]:
    only_jornada = target.source.only_jornada
    if only_jornada is None:
        return "", {}
    return "where jornada_id = $jornada", {"jornada": only_jornada}


def _count_data_lines(path: Path, encoding: str) -> int:
    """Non-blank physical lines after the header, for the ledger of a rejected file."""
    try:
        with path.open(encoding=_PYTHON_ENCODING.get(encoding, encoding), newline="") as handle:
            non_blank = sum(1 for line in handle if line.strip("\r\n"))
    except UnicodeError:
        return 0  # not even countable as text
    return max(non_blank - 1, 0)


def _read_csv_with_python(
    source: _Source, path: Path, encoding: str, mapping: dict[str, int], extra: list[str]
) -> _ParsedRows:
    """Files with quotes or blank lines: Python's csv module tells where each record starts."""
    columns = source.spec.columns
    rows: list[tuple] = []
    header_width: int | None = None
    with path.open(encoding=_PYTHON_ENCODING[encoding], newline="") as handle:
        reader = csv.reader(handle, strict=True)
        previous_end = 0
        try:
            for record in reader:
                first_line, previous_end = previous_end + 1, reader.line_num
                if not record:  # a blank line holds no data
                    continue
                if header_width is None:
                    header_width = len(record)
                    continue
                if len(record) != header_width:
                    raise FileRejected(
                        MALFORMED_FILE,
                        f"ragged or truncated CSV: line {first_line} has {len(record)} fields, "
                        f"the header has {header_width}",
                        lines_counted=_count_data_lines(path, encoding),
                    )
                rows.append((first_line, *(record[mapping[c]] or None for c in columns)))
        except csv.Error as error:
            raise FileRejected(
                MALFORMED_FILE,
                f"cannot be parsed at line {reader.line_num} (unbalanced quotes?): {error}",
                lines_counted=_count_data_lines(path, encoding),
            ) from None
    if not rows:
        raise FileRejected(EMPTY_FILE, "the file has a header but no data lines")
    return _parsed_rows(source, rows, report_nos=None, encoding=encoding, extra_columns=extra)


# --- JSON --------------------------------------------------------------------------------

_REPORT_FIELDS = ("unit_id", "jornada_id", "submitted_at")
_LINE_FIELDS = ("service_date", "activity", "specialty", "quantity")


def _read_json(source: _Source, path: Path, facts: FileFacts) -> _ParsedRows:
    encoding = facts.encoding
    if encoding is None:
        raise FileRejected(UNREADABLE_ENCODING, facts.encoding_problem())
    text = path.read_bytes().decode(_PYTHON_ENCODING[encoding])
    if not text.strip():
        raise FileRejected(EMPTY_FILE, "the file holds no text")
    try:
        # Numbers keep their JSON spelling, so staging can tell 3 from 3.0 from 3e0.
        document = json.loads(text, parse_int=str, parse_float=str, parse_constant=str)
    except json.JSONDecodeError as error:
        raise FileRejected(
            MALFORMED_FILE,
            f"not valid JSON (truncated?): {error.msg} at line {error.lineno} column {error.colno}",
        ) from None
    if isinstance(document, dict):
        reports = [document]
    elif isinstance(document, list):
        reports = document
    else:
        raise FileRejected(MALFORMED_FILE, "the JSON is neither a report object nor an array")

    line_objects = sum(
        len(r["lines"]) for r in reports if isinstance(r, dict) and isinstance(r.get("lines"), list)
    )
    rows: list[tuple] = []
    report_nos: list[int] = []
    extra: dict[str, None] = {}  # an ordered set
    line_no = 0
    for report_no, report in enumerate(reports, start=1):
        if not isinstance(report, dict):
            raise FileRejected(
                MALFORMED_FILE, f"report {report_no} is not a JSON object", line_objects
            )
        lines = report.get("lines")
        if not isinstance(lines, list):
            raise FileRejected(
                MALFORMED_FILE, f"report {report_no} has no 'lines' array", line_objects
            )
        extra.update(dict.fromkeys(k for k in report if k not in (*_REPORT_FIELDS, "lines")))
        header = {name: _json_text(report.get(name)) for name in _REPORT_FIELDS}
        for line in lines:
            line_no += 1
            if not isinstance(line, dict):
                raise FileRejected(
                    MALFORMED_FILE,
                    f"line {line_no} (in report {report_no}) is not a JSON object",
                    line_objects,
                )
            extra.update(dict.fromkeys(f"lines.{k}" for k in line if k not in _LINE_FIELDS))
            values = {**header, **{name: _json_text(line.get(name)) for name in _LINE_FIELDS}}
            rows.append((line_no, *(values[c] for c in source.spec.columns)))
            report_nos.append(report_no)
    if not rows:
        raise FileRejected(EMPTY_FILE, "the file holds no report lines")
    return _parsed_rows(source, rows, report_nos, encoding, extra_columns=list(extra))


def _json_text(value) -> str | None:
    """A JSON value as text; null and "" are missing. Nested values keep their JSON form."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


# --- XLSX --------------------------------------------------------------------------------

_XLSX_ERRORS = (zipfile.BadZipFile, KeyError, ParseError, ValueError, EOFError)


def _read_xlsx(source: _Source, path: Path, facts: FileFacts) -> _ParsedRows:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, *_XLSX_ERRORS) as error:
        raise FileRejected(
            MALFORMED_FILE, f"not a readable .xlsx workbook ({type(error).__name__}: {error})"
        ) from None
    try:
        sheet_name = next((n for n in workbook.sheetnames if n.strip().lower() == "report"), None)
        if sheet_name is None:
            raise FileRejected(
                MISSING_REPORT_SHEET,
                f"no sheet named 'report' (sheets: {', '.join(workbook.sheetnames)})",
            )
        try:
            rows, extra = _xlsx_rows(workbook[sheet_name], source.spec.columns)
        except _XLSX_ERRORS as error:
            raise FileRejected(
                MALFORMED_FILE, f"the sheet cannot be read ({type(error).__name__}: {error})"
            ) from None
    finally:
        workbook.close()
    return _parsed_rows(source, rows, None, encoding=None, extra_columns=extra)


def _xlsx_rows(sheet, columns: Sequence[str]) -> tuple[list[tuple], list[str]]:
    cells_by_row = sheet.iter_rows(values_only=True)
    header_cells = next(cells_by_row, None)
    if header_cells is None:
        raise FileRejected(EMPTY_FILE, "the sheet 'report' is empty")
    header = ["" if cell is None else str(cell) for cell in header_cells]
    # Trailing empty header cells are formatting, not columns.
    while header and not header[-1].strip():
        header.pop()
    try:
        mapping, extra = _map_columns(header, columns)
    except FileRejected as rejection:
        # The rows are still there to count, so the ledger shows every line refused.
        rejection.lines_counted = sum(
            1 for cells in cells_by_row if any(c is not None and c != "" for c in cells)
        )
        raise
    rows: list[tuple] = []
    for row_number, cells in enumerate(cells_by_row, start=2):
        if all(cell is None or cell == "" for cell in cells):
            continue
        padded = (*cells, *([None] * (len(header) - len(cells))))
        rows.append((row_number, *(_cell_text(padded[mapping[c]]) for c in columns)))
    if not rows:
        raise FileRejected(EMPTY_FILE, "the sheet 'report' has a header but no data rows")
    return rows, extra


def _cell_text(value) -> str | None:
    """A cell as the text a person typed: whole numbers without '.0', dates in ISO form."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        if value.tzinfo is None and value.time() == dt.time(0, 0):
            return value.date().isoformat()
        return value.isoformat()
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value)


# --- landing rows built in Python ----------------------------------------------------------


@dataclass
class _ParsedRows:
    """Lines parsed in Python, as the Arrow table that lands (jornada filter applied)."""

    source: _Source
    table: pa.Table
    lines_in: int
    encoding: str | None
    extra_columns: list[str]

    # Parsed files land alone: each is one Arrow table already.
    group_key = None

    def land(self, con: duckdb.DuckDBPyConnection, file_hash: str) -> Landed:
        spec = self.source.spec
        columns = [c if c != "file_hash" else "$file_hash" for c in spec.target_columns]
        con.register("_incoming_rows", self.table)
        try:
            con.execute(
                f"insert into {spec.table} ({', '.join(spec.target_columns)}) "
                f"select {', '.join(columns)} from _incoming_rows order by line_no",
                {"file_hash": file_hash},
            )
        finally:
            con.unregister("_incoming_rows")
        return Landed(self.lines_in, self.table.num_rows, self.encoding, self.extra_columns)


def _parsed_rows(
    source: _Source,
    rows: list[tuple],
    report_nos: list[int] | None,
    encoding: str | None,
    extra_columns: list[str],
) -> _ParsedRows:
    spec = source.spec
    jornada_at = 1 + spec.columns.index("jornada_id")
    keep = [
        i
        for i, row in enumerate(rows)
        if source.only_jornada is None or row[jornada_at] == source.only_jornada
    ]
    columns = {
        "line_no": pa.array([rows[i][0] for i in keep], pa.int64()),
        "report_no": pa.array(
            [report_nos[i] for i in keep] if report_nos else [None] * len(keep)
        ).cast(pa.int64()),
    }
    for offset, column in enumerate(spec.columns, start=1):
        columns[column] = pa.array([rows[i][offset] for i in keep], pa.string())
    return _ParsedRows(source, pa.table(columns), len(rows), encoding, extra_columns)
