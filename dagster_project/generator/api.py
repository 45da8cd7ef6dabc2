"""`generate()`: write raw unit reports and goals for a scale, deterministically."""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

from dagster_project.generator import national, sample
from dagster_project.generator.catalogs import load_catalog
from dagster_project.generator.faults import MANIFEST_NAME, FaultInjector
from dagster_project.generator.writers import write_file

SCALES = ("sample", "national", "national-year")
# What generate() owns under `out` (and replaces); bulletins/ and anything else are left alone.
GENERATED_DIRS = ("unit_reports", "goals")


def generate(
    scale: str,
    out: Path,
    seed: int = 2021,
    faults: float = 0.0,
    *,
    jornadas: tuple[str, ...] | None = None,
) -> dict:
    """Write `out/unit_reports/**` and `out/goals/**` (replacing what a previous run wrote
    there) and, with faults > 0, `out/_faults_manifest.json`. `jornadas` limits the national
    scales to some jornadas (for tests). Returns a summary."""
    if scale not in SCALES:
        raise ValueError(f"unknown scale {scale!r}; expected one of {', '.join(SCALES)}")
    if not 0.0 <= faults <= 1.0:
        raise ValueError("faults is a rate between 0 and 1")
    started = time.perf_counter()
    out = Path(out)
    for name in GENERATED_DIRS:
        shutil.rmtree(out / name, ignore_errors=True)
    (out / MANIFEST_NAME).unlink(missing_ok=True)
    catalog = load_catalog()
    if scale == "sample":
        planned = sample.files(catalog, seed)
    else:
        planned = national.files(catalog, seed, scale, jornadas)
    injector = FaultInjector(seed, faults, planned, catalog) if faults > 0 else None

    summary = {
        "scale": scale,
        "seed": seed,
        "faults": faults,
        "files": 0,
        "unit_report_lines": 0,
        "goal_lines": 0,
        "reports": 0,
        "bytes": 0,
    }

    def on_report_for(relpath: str):
        if injector is None:
            return lambda report, first_line, report_no: None
        return lambda report, first_line, report_no: injector.on_report(
            relpath, report, first_line, report_no
        )

    for index, planned_file in enumerate(planned):
        if planned_file.copy_of:
            shutil.copyfile(out / planned_file.copy_of, out / planned_file.relpath)
            relpath, written = planned_file.relpath, None
        else:
            relpath, spec = planned_file.relpath, planned_file.spec
            reports = planned_file.iter_reports()
            if injector is not None:
                relpath, spec = injector.file_spec(index, relpath, spec)
                reports = injector.reports(index, relpath, spec, reports)
            written = write_file(out, relpath, spec, reports, on_report_for(relpath))
            if injector is not None:
                injector.after_file(out, index, relpath, on_report_for)
        if written:
            key = "goal_lines" if planned_file.spec.kind == "goal" else "unit_report_lines"
            summary[key] += written["lines"]
            summary["reports"] += written["reports"]
    if injector is not None:
        manifest = injector.manifest(scale, seed)
        (out / MANIFEST_NAME).write_text(json.dumps(manifest, indent=1, ensure_ascii=False) + "\n")
        summary["faults_injected"] = manifest["counts"]
    for name in GENERATED_DIRS:
        for path in (out / name).rglob("*"):
            if path.is_file():
                summary["files"] += 1
                summary["bytes"] += path.stat().st_size
    summary["seconds"] = round(time.perf_counter() - started, 2)
    return summary
