"""Which data is new in this run: the bounded scope every suite's batch is cut to.

The scope is the set of raw files ingested by this run or first seen after the last
successful publish (so a run that failed its checks is re-validated by the next one), and
the (unit, jornada) pairs and the jornadas those files touch. Suites refer to four temporary
tables: `quality_run (run_id, run_at)`, `quality_scope_files (file_hash)`,
`quality_scope_units (unit_id, jornada_id)` and `quality_scope_jornadas (jornada_id)`.

Row-level expectations read the lines of the scope files or the rows of the scope pairs; sums
across units (OOAD and national rows) are compared in SQL for the scope jornadas.

The scope is everything (every file, pair and jornada) when what was published was not
validated by the same code: no publish yet, a change to the dbt project or the suites since
the last publish (a model change can alter the history), or a run that brings no new file at
all (a re-run is a re-check). Each run's scope is recorded in `audit.quality_scope_log`.
"""

from __future__ import annotations

import hashlib

import duckdb

from dagster_project.settings import DBT_PROJECT_DIR, EXPECTATIONS_DIR, digest_source_files


def table_exists(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    found = con.execute(
        "select count(*) from duckdb_tables() where schema_name = ? and table_name = ?",
        [schema, table],
    ).fetchone()
    return bool(found and found[0])


SCOPE_LOG_DDL = """
create schema if not exists audit;
create table if not exists audit.quality_scope_log (
    run_id varchar not null,
    code_fingerprint varchar not null,
    full_scope boolean not null,
    why varchar,
    scope_files bigint,
    scope_units bigint,
    scope_jornadas bigint,
    recorded_at timestamptz not null
);
"""


def code_fingerprint() -> str:
    """A digest of the dbt project and the suites: what decides the marts and their checks."""
    digest = hashlib.sha256()
    for root in (DBT_PROJECT_DIR, EXPECTATIONS_DIR):
        digest_source_files(digest, root, prefix=f"{root.name}/")
    return digest.hexdigest()


def _full_scope_reason(con: duckdb.DuckDBPyConnection, fingerprint: str) -> str | None:
    """Why this run must validate everything, or None when the new data are enough."""
    if not table_exists(con, "audit", "publish_log"):
        return "nothing published yet"
    published = con.execute(
        "select run_id from audit.publish_log where action = 'publish' "
        "order by published_at desc limit 1"
    ).fetchone()
    if not published:
        return "nothing published yet"
    if table_exists(con, "audit", "quality_scope_log"):
        found = con.execute(
            "select code_fingerprint from audit.quality_scope_log where run_id = ? limit 1",
            [published[0]],
        ).fetchone()
        if found and found[0] != fingerprint:
            return "the dbt project or the suites changed since the last publish"
    return None


def create_scope(con: duckdb.DuckDBPyConnection, run_id: str) -> dict[str, int]:
    """Create the scope's temporary tables on `con`; returns their sizes for the record."""
    con.execute(
        "create or replace temp table quality_run as "
        "select ?::varchar as run_id, current_timestamp as run_at",
        [run_id],
    )
    fingerprint = code_fingerprint()
    why = _full_scope_reason(con, fingerprint)
    if table_exists(con, "raw", "files") and why is not None:
        con.execute(
            "create or replace temp table quality_scope_files as select file_hash from raw.files"
        )
    elif table_exists(con, "raw", "files"):
        last_publish = "null::timestamptz"
        if table_exists(con, "audit", "publish_log"):
            last_publish = (
                "(select max(published_at) from audit.publish_log where action = 'publish')"
            )
        con.execute(
            f"""
            create or replace temp table quality_scope_files as
            select file_hash from raw.files
            where ingest_run_id = ?
               or {last_publish} is null
               or first_seen_at > {last_publish}
            """,
            [run_id],
        )
        new_files = con.execute("select count(*) from quality_scope_files").fetchone()
        if not (new_files and new_files[0]):
            why = "no new file since the last publish: a re-run re-checks everything"
            con.execute(
                "create or replace temp table quality_scope_files as "
                "select file_hash from raw.files"
            )
    else:
        con.execute("create or replace temp table quality_scope_files (file_hash varchar)")

    line_tables = [
        table for table in ("unit_report_lines", "goal_lines") if table_exists(con, "raw", table)
    ]
    pairs = " union ".join(
        f"select trim(unit_id) as unit_id, trim(jornada_id) as jornada_id from raw.{table} "
        "where file_hash in (select file_hash from quality_scope_files)"
        for table in line_tables
    )
    con.execute(
        "create or replace temp table quality_scope_units as "
        + (
            f"select distinct unit_id, jornada_id from ({pairs}) "
            "where unit_id is not null and jornada_id is not null"
            if pairs
            else "select null::varchar as unit_id, null::varchar as jornada_id limit 0"
        )
    )
    jornadas = ["select jornada_id from quality_scope_units"]
    if table_exists(con, "raw", "bulletin_figures"):
        jornadas.append(
            "select trim(jornada_id) from raw.bulletin_figures "
            "where file_hash in (select file_hash from quality_scope_files)"
        )
    con.execute(
        "create or replace temp table quality_scope_jornadas as select distinct jornada_id "
        f"from ({' union '.join(jornadas)}) as j(jornada_id) where jornada_id is not null"
    )
    sizes = con.execute(
        "select (select count(*) from quality_scope_files), "
        "(select count(*) from quality_scope_units), "
        "(select count(*) from quality_scope_jornadas)"
    ).fetchone()
    files, units, jornada_count = sizes if sizes else (0, 0, 0)
    con.execute(SCOPE_LOG_DDL)
    con.execute(
        "insert into audit.quality_scope_log select ?, ?, ?, ?, ?, ?, ?, current_timestamp "
        "where not exists (select 1 from audit.quality_scope_log where run_id = ?)",
        [run_id, fingerprint, why is not None, why, files, units, jornada_count, run_id],
    )
    return {"scope_files": files, "scope_units": units, "scope_jornadas": jornada_count}
