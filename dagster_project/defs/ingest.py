"""Ingest assets: the landing folder's unit reports and goals, landed as delivered in `raw.*`.

Incremental by content hash: a refresh reads only files it has not seen. To re-ingest one
national day (e.g. after a reader fix), run the job with this config on both assets:

    ops:
      raw__unit_report_lines: {config: {jornada_id: "2021-14", reingest: true}}
      raw__goal_lines: {config: {jornada_id: "2021-14", reingest: true}}

which deletes that day's raw lines and lands them again from the files that hold them,
leaving every other day untouched (`jornadas refresh --reingest 2021-14` does the same).
"""

import dagster as dg
import duckdb
from pydantic import Field

from dagster_project import dbt_warm
from dagster_project.ingest import GOAL, UNIT_REPORT, IngestSummary, ingest_kind
from dagster_project.quality import gx_worker
from dagster_project.settings import duckdb_memory_limit, get_settings


class IngestConfig(dg.Config):
    jornada_id: str | None = Field(
        default=None, description="The national day to re-ingest, e.g. '2021-14' (with reingest)."
    )
    reingest: bool = Field(
        default=False,
        description="Delete and land again the raw lines of `jornada_id` from the files that "
        "hold it; other days are untouched.",
    )


# The bulletin asset registers bulletin files in the same ledger.
BULLETINS_KEY = dg.AssetKey(["raw", "bulletins"])


def _run_ingest(context: dg.AssetExecutionContext, config: IngestConfig, kind: str):
    if config.reingest and not config.jornada_id:
        raise dg.Failure("reingest needs a jornada_id, e.g. '2021-14'")
    if config.jornada_id and not config.reingest:
        raise dg.Failure("jornada_id is only used to re-ingest a day: set reingest: true")
    # The quality checks after ingest need Great Expectations, and the build dbt, whose
    # imports take seconds: start their processes now (no-ops when they are running already),
    # so that the imports run on the other core while files are read.
    gx_worker.start()
    if why_cold := dbt_warm.start():
        context.log.warning(f"{why_cold}; dbt will start cold")
    settings = get_settings()
    settings.build_db.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(settings.build_db))
    try:
        con.execute(f"set memory_limit = '{duckdb_memory_limit()}'")
        summary = ingest_kind(
            con,
            settings.raw_dir,
            kind,
            run_id=context.run_id,
            reingest_jornada=config.jornada_id if config.reingest else None,
            log=context.log,
        )
        table = "raw.unit_report_lines" if kind == UNIT_REPORT else "raw.goal_lines"
        lines_total = con.execute(f"select count(*) from {table}").fetchone()[0]
    finally:
        con.close()
    context.log.info(
        f"{kind}: {summary.files_new} new files ({summary.files_rejected} rejected), "
        f"{summary.files_seen} already seen, {summary.lines_landed} lines landed"
    )
    return dg.MaterializeResult(metadata=_metadata(summary, settings.raw_dir, lines_total))


def _metadata(summary: IngestSummary, raw_dir, lines_total: int) -> dict:
    metadata = {
        "landing_folder": dg.MetadataValue.path(str(raw_dir)),
        "files_found": summary.files_found,
        "files_new": summary.files_new,
        "files_seen": summary.files_seen,
        "files_rejected": summary.files_rejected,
        "lines_landed": summary.lines_landed,
        "lines_total": lines_total,
    }
    if summary.rejected:
        lines = "\n".join(f"| `{path}` | {reason} |" for path, reason in summary.rejected[:50])
        metadata["rejected_files"] = dg.MetadataValue.md(f"| file | reason |\n|---|---|\n{lines}")
    if summary.relanded_files or summary.reland_missing:
        metadata["relanded_files"] = summary.relanded_files
        metadata["relanded_lines"] = summary.relanded_lines
        metadata["reland_missing_files"] = len(summary.reland_missing)
    return metadata


@dg.asset(
    key=["raw", "unit_report_lines"],
    group_name="ingest",
    kinds={"python", "duckdb"},
    description="Every data line of every readable unit-report file (CSV, JSON, XLSX), as "
    "delivered; one row per line, with its file hash and physical line number. Also writes "
    "the file verdicts (raw.files) and sightings (raw.file_sightings).",
)
def raw_unit_report_lines(context: dg.AssetExecutionContext, config: IngestConfig):
    return _run_ingest(context, config, UNIT_REPORT)


@dg.asset(
    key=["raw", "goal_lines"],
    group_name="ingest",
    kinds={"python", "duckdb"},
    description="Every data line of every readable goals file (CSV), as delivered.",
)
def raw_goal_lines(context: dg.AssetExecutionContext, config: IngestConfig):
    return _run_ingest(context, config, GOAL)


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            ["raw", "files"],
            group_name="ingest",
            kinds={"duckdb"},
            description="One row per distinct file content ever seen, with its verdict.",
            deps=[raw_unit_report_lines, raw_goal_lines, BULLETINS_KEY],
        ),
        dg.AssetSpec(
            ["raw", "file_sightings"],
            group_name="ingest",
            kinds={"duckdb"},
            description="Every (file hash, path) pair seen in the landing folder.",
            deps=[raw_unit_report_lines, raw_goal_lines, BULLETINS_KEY],
        ),
    ],
)
def raw_file_ledger(context: dg.AssetExecutionContext):
    """The file ledger, complete once both ingest assets ran; records its state as metadata."""
    settings = get_settings()
    con = duckdb.connect(str(settings.build_db), read_only=True)
    try:
        by_verdict = con.execute(
            "select kind, file_verdict, count(*), coalesce(sum(lines_in), 0) from raw.files "
            "group by all order by all"
        ).fetchall()
        sightings = con.execute("select count(*) from raw.file_sightings").fetchone()[0]
    finally:
        con.close()
    table = "\n".join(f"| {k} | {v} | {n} | {lines} |" for k, v, n, lines in by_verdict)
    yield dg.MaterializeResult(
        asset_key=["raw", "files"],
        metadata={
            "files": sum(row[2] for row in by_verdict),
            "files_rejected": sum(row[2] for row in by_verdict if row[1] == "rejected"),
            "by_verdict": dg.MetadataValue.md(
                f"| kind | verdict | files | lines in |\n|---|---|---|---|\n{table}"
            ),
        },
    )
    yield dg.MaterializeResult(asset_key=["raw", "file_sightings"], metadata={"rows": sightings})


defs = dg.Definitions(assets=[raw_unit_report_lines, raw_goal_lines, raw_file_ledger])
