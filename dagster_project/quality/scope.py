"""Which data is new in this run: the bounded scope every suite's batch is cut to.

The scope is the set of raw files ingested by this run or first seen after the last
successful publish (so a run that failed its checks is re-validated by the next one), and
the jornadas those files touch. Suites refer to three temporary tables:
`quality_run (run_id, run_at)`, `quality_scope_files (file_hash)` and
`quality_scope_jornadas (jornada_id)`. Marts are small and are validated whole.
"""

from __future__ import annotations

import duckdb

PUBLISH_LOG_DDL = """
create schema if not exists audit;
create table if not exists audit.publish_log (
    run_id varchar not null,
    published_at timestamptz not null,
    published_file varchar not null,
    tables_copied bigint not null,
    action varchar not null
);
"""


def table_exists(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    found = con.execute(
        "select count(*) from duckdb_tables() where schema_name = ? and table_name = ?",
        [schema, table],
    ).fetchone()
    return bool(found and found[0])


def relation_exists(con: duckdb.DuckDBPyConnection, schema: str, name: str) -> bool:
    found = con.execute(
        "select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
        [schema, name],
    ).fetchone()
    return bool(found and found[0])


def create_scope(con: duckdb.DuckDBPyConnection, run_id: str) -> dict[str, int]:
    """Create the scope's temporary tables on `con`; returns their sizes for the record."""
    con.execute(
        "create or replace temp table quality_run as "
        "select ?::varchar as run_id, current_timestamp as run_at",
        [run_id],
    )
    if table_exists(con, "raw", "files"):
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
    else:
        con.execute("create or replace temp table quality_scope_files (file_hash varchar)")

    sources = [
        f"select jornada_id from raw.{table} where file_hash in "
        "(select file_hash from quality_scope_files)"
        for table in ("unit_report_lines", "goal_lines", "bulletin_figures")
        if table_exists(con, "raw", table)
    ]
    union = " union ".join(sources) if sources else "select null::varchar as jornada_id"
    con.execute(
        "create or replace temp table quality_scope_jornadas as "
        f"select distinct jornada_id from ({union}) where jornada_id is not null"
    )
    files = con.execute("select count(*) from quality_scope_files").fetchone()
    jornadas = con.execute("select count(*) from quality_scope_jornadas").fetchone()
    return {
        "scope_files": files[0] if files else 0,
        "scope_jornadas": jornadas[0] if jornadas else 0,
    }
