"""`--faults RATE`: contract violations and versioning cases injected on purpose, with a
manifest of what was injected where, so a test can check every verdict.

About RATE of the files get a file-level fault, RATE of the reports a line-level fault and
RATE/2 of the reports a versioning case; every kind is injected at least once when RATE > 0.
Reports the sample already versions itself (including its own few bad deliveries) are left
alone and not listed, so that everything the manifest does not mention keeps the verdict it
has without faults.
"""

from __future__ import annotations

import shutil
from datetime import date, timedelta
from pathlib import Path, PurePosixPath

from dagster_project.generator.allocation import derive_rng, shuffled
from dagster_project.generator.reports import LineFault, Report, shift_stamp
from dagster_project.generator.writers import GOAL_COLUMNS, REPORT_COLUMNS, FileFormat, write_file

MANIFEST_NAME = "_faults_manifest.json"

FILE_FAULTS = (
    "empty_file",
    "unreadable_encoding",
    "unsupported_format",
    "malformed_file_csv",
    "malformed_file_json",
    "malformed_file_xlsx",
    "missing_required_column",
    "missing_report_sheet",
)
GOAL_FILE_FAULTS = (
    "empty_file",
    "unreadable_encoding",
    "malformed_file_csv",
    "missing_required_column",
)
# Faults that change a line in place: the whole report is rejected.
INPLACE_FAULTS = (
    "missing_value",
    "unknown_activity",
    "unknown_specialty",
    "specialty_not_allowed",
    "specialty_required",
    "invalid_date",
    "date_outside_jornada",
    "invalid_quantity",
    "fractional_quantity",
    "negative_quantity",
    "duplicate_line",
)
# Faults in a report key column: an extra line that forms its own (rejected) report.
KEY_FAULTS = ("unknown_unit", "unknown_jornada", "invalid_timestamp")
GOAL_LINE_FAULTS = (
    "negative_quantity",
    "fractional_quantity",
    "invalid_quantity",
    "unknown_activity",
    "specialty_required",
    "unknown_unit",
)
VERSION_FAULTS = ("correction", "late_older_version", "conflict", "identical_resend")

_EXTENSIONS = {"csv": "csv", "json": "json", "xlsx": "xlsx"}


def _reason(fault: str) -> str:
    return "malformed_file" if fault.startswith("malformed_file") else fault


class FaultInjector:
    def __init__(self, seed: int, rate: float, planned: list, catalog) -> None:
        self.rate = rate
        self.seed = seed
        self.catalog = catalog
        self.unit_ids = {u.unit_id for u in catalog.units}
        self.entries: list[dict] = []
        self._pending: dict[int, tuple[str, LineFault]] = {}
        self._versions: list[tuple[str, Report]] = []
        self._cycle: dict[str, list[str]] = {}
        self._located: dict[int, tuple[str, int | None]] = {}
        # Empty files all have the same bytes (one delivery): inject one per run only.
        self._empty_done = False
        rng = derive_rng(seed, "faults")

        # File-level faults, chosen over files holding no versions of the sample's own.
        copied = {pf.copy_of for pf in planned if pf.copy_of}
        eligible = [
            i
            for i, pf in enumerate(planned)
            if pf.report_count
            and not pf.copy_of
            and not pf.has_versions
            and pf.relpath not in copied
        ]
        self.file_faults: dict[int, str] = {}
        for kind, kinds in (("unit_report", FILE_FAULTS), ("goal", GOAL_FILE_FAULTS)):
            of_kind = [i for i in eligible if planned[i].spec.kind == kind]
            count = max(len(kinds), round(rate * len(of_kind)))
            for i in shuffled(of_kind, rng)[:count]:
                self.file_faults[i] = self._next(kind + "_file", kinds)
        # Report-level faults, by global report index.
        report_slots = []
        for i, pf in enumerate(planned):
            if i in self.file_faults or pf.copy_of:
                continue
            report_slots += [(i, r) for r in range(pf.report_count)]
        picked = shuffled(report_slots, rng)
        n_line = max(len(INPLACE_FAULTS) + len(KEY_FAULTS), round(rate * len(report_slots)))
        n_version = max(len(VERSION_FAULTS), round(rate * len(report_slots) / 2))
        self.line_slots = set(picked[:n_line])
        self.version_slots = set(picked[n_line : n_line + n_version])
        copies = [
            i for i in eligible if i not in self.file_faults and planned[i].spec.kind != "goal"
        ]
        self.copy_files = set(shuffled(copies, rng)[: max(1, round(rate * len(planned) / 4))])

    def _next(self, name: str, kinds: tuple[str, ...], allowed=None) -> str | None:
        """Kinds in turn, so each is used before any repeats; None if none is allowed."""
        queue = self._cycle.setdefault(name, [])
        if not queue:
            # Empty files all have the same bytes (one delivery): inject one per run only.
            queue.extend(kinds)
        for kind in list(queue):
            if kind == "empty_file" and self._empty_done:
                queue.remove(kind)
                continue
            if allowed is None or allowed(kind):
                queue.remove(kind)
                self._empty_done |= kind == "empty_file"
                return kind
        if not queue:
            return self._next(name, tuple(k for k in kinds if k != "empty_file"), allowed)
        usable = [k for k in kinds if allowed is None or allowed(k)]
        return usable[len(self.entries) % len(usable)] if usable else None

    # ------------------------------------------------------------------ files

    def file_spec(self, index: int, relpath: str, spec: FileFormat) -> tuple[str, FileFormat]:
        fault = self.file_faults.get(index)
        if fault is None:
            return relpath, spec
        plain = FileFormat(kind=spec.kind)
        changes = {
            "empty_file": spec.with_changes(empty=True),
            "unreadable_encoding": plain.with_changes(encoding="utf-16"),
            "unsupported_format": plain.with_changes(extension="xls"),
            "malformed_file_csv": plain.with_changes(ragged_line=2),
            "malformed_file_json": FileFormat(fmt="json", truncate=True),
            "malformed_file_xlsx": FileFormat(fmt="xlsx", truncate=True),
            "missing_required_column": plain.with_changes(
                columns=tuple(
                    c
                    for c in (GOAL_COLUMNS if spec.kind == "goal" else REPORT_COLUMNS)
                    if c != ("target" if spec.kind == "goal" else "submitted_at")
                )
            ),
            "missing_report_sheet": FileFormat(fmt="xlsx", sheet_name="Hoja1"),
        }
        new = changes[fault]
        path = PurePosixPath(relpath)
        extension = new.extension or _EXTENSIONS[new.fmt]
        new_path = str(path.with_name(f"{path.stem}.{extension}"))
        self.entries.append(
            {
                "fault": fault,
                "target": spec.kind,
                "file": new_path,
                "line": None,
                "report_no": None,
                "column": ("target" if spec.kind == "goal" else "submitted_at")
                if fault == "missing_required_column"
                else None,
                "reason_code": _reason(fault),
                "file_verdict": "rejected",
                "report_verdict": None,
                "unit_id": None,
                "jornada_id": None,
                "submitted_at": None,
                "value": None,
            }
        )
        return new_path, new

    # ------------------------------------------------------------------ reports

    def reports(self, index: int, relpath: str, spec: FileFormat, reports):
        """Yield the reports to write, with faults placed in the chosen ones."""
        for number, report in enumerate(reports):
            slot = (index, number)
            if report.has_other_versions or index in self.file_faults:
                yield report
                continue
            if slot in self.line_slots:
                yield from self._line_fault(relpath, spec, report)
            elif slot in self.version_slots and report.kind == "unit_report":
                kind = self._next("version", VERSION_FAULTS)
                self._versions.append((kind, report))
                yield report
            else:
                yield report

    def _line_fault(self, relpath: str, spec: FileFormat, report: Report):
        goal = report.kind == "goal"
        lines = report.lines
        with_specialty = [i for i, line in enumerate(lines) if line[2 if not goal else 1]]
        without = [i for i, line in enumerate(lines) if not line[2 if not goal else 1]]

        def allowed(kind: str) -> bool:
            if kind in KEY_FAULTS:
                return spec.fmt in ("csv", "xlsx")
            if kind in ("unknown_specialty", "specialty_required"):
                return bool(with_specialty)
            if kind in ("specialty_not_allowed", "unknown_activity"):
                return bool(without)
            return bool(lines)

        kind = (
            self._next("goal_line", GOAL_LINE_FAULTS, allowed)
            if goal
            else self._next("line", INPLACE_FAULTS + KEY_FAULTS, allowed)
        )
        if kind is None:
            yield report
            return
        rng = derive_rng(self.seed, "line-fault", relpath, report.unit_id)
        if kind in KEY_FAULTS:
            yield report
            yield self._key_fault(kind, report, rng)
            return
        report = report.copy()
        report.faults = []
        if kind in ("unknown_specialty", "specialty_required"):
            i = with_specialty[int(rng.random() * len(with_specialty))]
        elif kind in ("specialty_not_allowed", "unknown_activity"):
            i = without[int(rng.random() * len(without))]
        else:
            i = int(rng.random() * len(lines))
        line = list(lines[i])
        a, s, q = (0, 1, 2) if goal else (1, 2, 3)
        quantity_column = "target" if goal else "quantity"
        if kind == "missing_value":
            line[q], column = None, quantity_column
        elif kind == "unknown_activity":
            line[a], column = "consulta_general", "activity"
        elif kind == "unknown_specialty":
            line[s], column = "oftalmologia_pediatrica", "specialty"
        elif kind == "specialty_not_allowed":
            line[s], column = "cardiology", "specialty"
        elif kind == "specialty_required":
            line[s], column = "", "specialty"
        elif kind == "invalid_date":
            day = date.fromisoformat(line[0])
            line[0], column = day.strftime("%d/%m/%Y"), "service_date"
        elif kind == "date_outside_jornada":
            end = self.catalog.jornadas[report.jornada_id].end
            line[0], column = (end + timedelta(days=1)).isoformat(), "service_date"
        elif kind == "invalid_quantity":
            line[q], column = "doce", quantity_column
        elif kind == "fractional_quantity":
            line[q], column = (2.5 if spec.fmt == "json" else "2.5"), quantity_column
        elif kind == "negative_quantity":
            line[q], column = -3, quantity_column
        else:  # duplicate_line: the same date/activity/specialty again, another quantity
            original = line[q] if isinstance(line[q], int) else 0
            line = list(lines[i])
            line[q] = original + 1
            new_lines = list(lines)
            new_lines.insert(i + 1, tuple(line))
            report.lines = new_lines
            report.faults.append(LineFault(i + 1, "activity", "duplicate_line", line[a]))
            yield report
            return
        new_lines = list(lines)
        new_lines[i] = tuple(line)
        report.lines = new_lines
        value = {"specialty": line[s], "activity": line[a], "service_date": line[0]}.get(
            column, line[q]
        )
        report.faults.append(LineFault(i, column, kind, value))
        yield report

    def _key_fault(self, kind: str, report: Report, rng) -> Report:
        extra = report.copy(lines=[report.lines[0]])
        if kind == "unknown_unit":
            candidate = report.unit_id
            number = 999000 + int(rng.random() * 999)
            while candidate in self.unit_ids:
                candidate = f"{report.unit_id[:5]}{number:06d}"
                number += 1
            extra.unit_id, column, value = candidate, "unit_id", candidate
        elif kind == "unknown_jornada":
            extra.jornada_id, column, value = "2021-15", "jornada_id", "2021-15"
        else:  # invalid_timestamp: no UTC offset
            value = report.submitted_at[:19]
            extra.submitted_at, column = value, "submitted_at"
        extra.key_fault = LineFault(0, column, kind, value)
        return extra

    def on_report(self, relpath: str, report: Report, first_line: int, report_no) -> None:
        if report.expected_verdict is not None:
            return  # one of the sample's own bad deliveries or their counterparts: not injected
        faults = list(report.faults) + ([report.key_fault] if report.key_fault else [])
        for fault in faults:
            self.entries.append(
                {
                    "fault": fault.reason_code,
                    "target": report.kind,
                    "file": relpath,
                    "line": first_line + fault.index,
                    "report_no": report_no,
                    "column": fault.column,
                    "reason_code": fault.reason_code,
                    "file_verdict": "read",
                    "report_verdict": "rejected",
                    "unit_id": report.unit_id,
                    "jornada_id": report.jornada_id,
                    "submitted_at": report.submitted_at,
                    "value": None if fault.value is None else str(fault.value),
                }
            )
        if any(pending is report for _, pending in self._versions):
            self._located[id(report)] = (relpath, report_no)

    # ------------------------------------------------------------------ after a file

    def after_file(self, out: Path, index: int, relpath: str, on_report_factory) -> None:
        if index in self.copy_files:
            path = PurePosixPath(relpath)
            copy = str(path.with_name(f"{path.stem}_copia{path.suffix}"))
            shutil.copyfile(out / relpath, out / copy)
            self.entries.append(
                {
                    "fault": "same_bytes_redelivery",
                    "target": "unit_report",
                    "file": copy,
                    "duplicate_of": relpath,
                    "line": None,
                    "report_no": None,
                    "column": None,
                    "reason_code": None,
                    "file_verdict": "read",
                    "report_verdict": None,
                    "unit_id": None,
                    "jornada_id": None,
                    "submitted_at": None,
                    "value": None,
                    "expected": "one delivery: same content hash as duplicate_of (a sighting)",
                }
            )
        versions, self._versions = self._versions, []
        located, self._located = self._located, {}
        for kind, report in versions:
            self._write_version(out, relpath, kind, report, located[id(report)], on_report_factory)

    def _write_version(self, out, relpath, kind, report, location, on_report_factory) -> None:
        original_file, original_no = location
        rng = derive_rng(self.seed, "version", relpath, report.unit_id)
        changed = [(d, a, s, q + 1 + int(rng.random() * 4)) for d, a, s, q in report.lines]
        if kind == "correction":
            new = report.copy(
                lines=changed[:-1] if len(changed) > 1 else changed,
                submitted_at=shift_stamp(report.submitted_at, days=1, minutes=17),
            )
            verdicts = ("superseded", "in_force")
            tag = "correccion"
        elif kind == "late_older_version":
            new = report.copy(lines=changed, submitted_at=shift_stamp(report.submitted_at, days=-1))
            verdicts = ("in_force", "superseded")
            tag = "reenvio_atrasado"
        elif kind == "conflict":
            new = report.copy(lines=changed)
            verdicts = ("conflict", "conflict")
            tag = "otra_captura"
        else:
            new = report.copy()
            verdicts = ("in_force", "duplicate")
            tag = "reenvio"
        path = PurePosixPath(relpath)
        new_path = str(path.with_name(f"{path.stem}_{tag}_{report.unit_id}.csv"))
        write_file(out, new_path, FileFormat(), [new], on_report_factory(new_path))
        base = {
            "fault": kind,
            "target": "unit_report",
            "line": None,
            "column": None,
            "reason_code": None,
            "file_verdict": "read",
            "unit_id": report.unit_id,
            "jornada_id": report.jornada_id,
            "value": None,
        }
        self.entries.append(
            dict(
                base,
                file=original_file,
                report_no=original_no,
                submitted_at=report.submitted_at,
                report_verdict=verdicts[0],
                role="original",
            )
        )
        self.entries.append(
            dict(
                base,
                file=new_path,
                report_no=None,
                submitted_at=new.submitted_at,
                report_verdict=verdicts[1],
                role="injected",
            )
        )

    def manifest(self, scale: str, seed: int) -> dict:
        kinds: dict[str, int] = {}
        for entry in self.entries:
            if entry.get("role") != "original":
                kinds[entry["fault"]] = kinds.get(entry["fault"], 0) + 1
        return {
            "scale": scale,
            "seed": seed,
            "rate": self.rate,
            "note": "line numbers: CSV physical line (header = 1), XLSX sheet row, JSON "
            "1-based position of the line object in the file; report_no: JSON report position",
            "counts": dict(sorted(kinds.items())),
            "entries": self.entries,
        }
