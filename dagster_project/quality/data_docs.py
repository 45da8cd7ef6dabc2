"""Data docs: the quality results as static HTML under `JORNADAS_HOME/data_docs`, offline.

GX's own Data Docs templates load Bootstrap, Font Awesome, Vega and bootstrap-table from
public CDNs (cdnjs, jsdelivr, bootstrapcdn, unpkg), so they render blank without network.
We write our own small pages instead: plain HTML with inline CSS and no script, no external
reference of any kind, built from `audit.quality_results`. GX's raw validation results are
kept beside them as JSON (`validations/<run>/<suite>.json`) for anyone who wants the detail.
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path
from typing import Any

import duckdb

from dagster_project.quality.engine import SuiteRun

RUNS_LISTED = 20
STYLE = """
body { font-family: sans-serif; margin: 2em; color: #222; }
table { border-collapse: collapse; margin: 1em 0; font-size: 0.9em; }
th, td { border: 1px solid #ccc; padding: 0.3em 0.6em; text-align: left; vertical-align: top; }
th { background: #f0f0f0; }
.pass { color: #1a7f37; font-weight: bold; }
.fail-error { color: #b00020; font-weight: bold; }
.fail-warn { color: #9a6700; font-weight: bold; }
pre { white-space: pre-wrap; max-width: 60em; font-size: 0.85em; }
"""


def _safe_name(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]", "_", text)


def _page(title: str, body: str) -> str:
    return (
        "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
        f"<title>{html.escape(title)}</title><style>{STYLE}</style></head>"
        f"<body><h1>{html.escape(title)}</h1>{body}</body></html>\n"
    )


def _status(passed: bool, severity: str) -> str:
    if passed:
        return "<span class='pass'>passed</span>"
    css = "fail-error" if severity == "ERROR" else "fail-warn"
    return f"<span class='{css}'>failed ({html.escape(severity)})</span>"


def _rows_table(rows: list[dict[str, Any]]) -> str:
    if not rows:
        return ""
    columns = list(rows[0])
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in columns)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(str(row.get(c)))}</td>" for c in columns) + "</tr>"
        for row in rows
    )
    return f"<table><tr>{head}</tr>{body}</table>"


def save_validation_json(docs_dir: Path, suite_run: SuiteRun) -> Path:
    target = docs_dir / "validations" / _safe_name(suite_run.run_id)
    target.mkdir(parents=True, exist_ok=True)
    path = target / f"{_safe_name(suite_run.suite.name)}.json"
    path.write_text(json.dumps(suite_run.gx_results, indent=1, default=str), encoding="utf-8")
    return path


def _run_page(con: duckdb.DuckDBPyConnection, run_id: str) -> str:
    rows = con.execute(
        "select suite, check_name, asset, severity, passed, observed_value, description, details "
        "from audit.quality_results where run_id = ? order by suite, check_name",
        [run_id],
    ).fetchall()
    items = []
    for suite, check, asset, severity, passed, observed, description, details in rows:
        parsed = json.loads(details) if details else {}
        offending = parsed.pop("offending_rows", [])
        items.append(
            f"<tr><td>{html.escape(suite)}</td><td>{html.escape(check)}</td>"
            f"<td>{html.escape(asset)}</td><td>{_status(passed, severity)}</td>"
            f"<td>{html.escape(str(observed))}</td><td>{html.escape(description or '')}"
            f"{_rows_table(offending)}<details><summary>details</summary>"
            f"<pre>{html.escape(json.dumps(parsed, indent=1, default=str))}</pre></details>"
            "</td></tr>"
        )
    table = (
        "<table><tr><th>suite</th><th>check</th><th>asset</th><th>result</th>"
        "<th>observed</th><th>what and offending rows</th></tr>" + "".join(items) + "</table>"
    )
    return _page(
        f"Quality results of run {run_id}", "<p><a href='../index.html'>all runs</a></p>" + table
    )


def render_data_docs(con: duckdb.DuckDBPyConnection, docs_dir: Path) -> Path:
    """(Re)write the index and the page of each recent run; returns the index path."""
    runs = con.execute(
        "select run_id, min(run_at) as started, count(*) as checks, "
        "count(*) filter (where not passed and severity = 'ERROR') as errors, "
        "count(*) filter (where not passed and severity = 'WARN') as warnings "
        "from audit.quality_results group by run_id order by started desc limit ?",
        [RUNS_LISTED],
    ).fetchall()
    (docs_dir / "runs").mkdir(parents=True, exist_ok=True)
    lines = []
    for run_id, started, checks, errors, warnings in runs:
        page = f"runs/{_safe_name(run_id)}.html"
        (docs_dir / page).write_text(_run_page(con, run_id), encoding="utf-8")
        lines.append(
            f"<tr><td><a href='{page}'>{html.escape(run_id)}</a></td><td>{started}</td>"
            f"<td>{checks}</td><td>{errors}</td><td>{warnings}</td></tr>"
        )
    body = (
        "<p>Every Great Expectations check of the warehouse, per refresh run. ERROR failures "
        "block publication; WARN failures are flagged for follow-up.</p>"
        "<table><tr><th>run</th><th>started</th><th>checks</th><th>failed ERROR</th>"
        "<th>failed WARN</th></tr>" + "".join(lines) + "</table>"
    )
    index = docs_dir / "index.html"
    index.write_text(_page("Jornadas warehouse: data quality", body), encoding="utf-8")
    return index
