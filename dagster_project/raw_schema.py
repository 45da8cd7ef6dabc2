"""DDL of the `raw` schema: what the ingest assets land, exactly as delivered.

One definition, used by every asset that writes to `raw` (unit reports, goals, bulletins),
so that the ledger tables have one shape. See docs/ARCHITECTURE.md.
"""

from __future__ import annotations

import duckdb

RAW_TABLES_DDL = """
create schema if not exists raw;

create table if not exists raw.files (
    file_hash varchar primary key,
    path varchar not null,
    kind varchar not null,
    format varchar,
    encoding varchar,
    size_bytes bigint,
    file_verdict varchar not null,
    reject_reason varchar,
    lines_in bigint not null,
    extra_columns varchar,
    first_seen_at timestamptz not null,
    ingest_run_id varchar
);

create table if not exists raw.file_sightings (
    file_hash varchar not null,
    path varchar not null,
    seen_at timestamptz not null
);

create table if not exists raw.unit_report_lines (
    file_hash varchar not null,
    line_no bigint not null,
    report_no bigint,
    unit_id varchar,
    jornada_id varchar,
    service_date varchar,
    activity varchar,
    specialty varchar,
    quantity varchar,
    submitted_at varchar
);

create table if not exists raw.goal_lines (
    file_hash varchar not null,
    line_no bigint not null,
    unit_id varchar,
    jornada_id varchar,
    activity varchar,
    specialty varchar,
    target varchar,
    submitted_at varchar
);

create table if not exists raw.bulletins (
    file_hash varchar primary key,
    path varchar not null,
    title varchar,
    published_date varchar,
    language varchar,
    source varchar,
    body varchar
);

create table if not exists raw.bulletin_figures (
    file_hash varchar not null,
    bulletin_id varchar not null,
    published_date date,
    language varchar,
    jornada_id varchar,
    scope_level varchar,
    ooad_id varchar,
    unit_id varchar,
    activity varchar,
    specialty varchar,
    quantity bigint,
    figure_kind varchar,
    evidence varchar,
    confidence double,
    flags varchar
);
"""

# Required columns per raw file kind (raw contract); a file missing one is rejected whole.
UNIT_REPORT_COLUMNS = (
    "unit_id",
    "jornada_id",
    "service_date",
    "activity",
    "specialty",
    "quantity",
    "submitted_at",
)
GOAL_COLUMNS = ("unit_id", "jornada_id", "activity", "specialty", "target", "submitted_at")


def ensure_raw_schema(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(RAW_TABLES_DDL)
