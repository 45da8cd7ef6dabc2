"""Bulletin assets: published press bulletins landed in `raw`, and the figures they state.

`raw/bulletins` registers new bulletin files (by content hash) in the ledger and lands their
text; `raw/bulletin_figures` re-extracts every landed bulletin so that a vocabulary fix in
`dbt/seeds/bulletin_synonyms.csv` applies to old bulletins too (extraction is cheap and
deterministic). dbt reads `raw.bulletin_figures` into `core.fct_published_figures`.
"""

from collections import Counter

import dagster as dg
import duckdb

from dagster_project.bulletins.landing import extract_all, land_bulletins, write_figures
from dagster_project.settings import get_settings


def _connect() -> duckdb.DuckDBPyConnection:
    settings = get_settings()
    settings.build_db.parent.mkdir(parents=True, exist_ok=True)
    return duckdb.connect(str(settings.build_db))


@dg.asset(
    key=["raw", "bulletins"],
    group_name="ingest",
    description="Press bulletins from the landing folder's bulletins/ (front matter split from "
    "the body), registered in raw.files by content hash; files already seen are skipped.",
)
def raw_bulletins(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
    settings = get_settings()
    con = _connect()
    try:
        summary = land_bulletins(con, settings.raw_dir, context.run_id)
        total = con.execute("select count(*) from raw.bulletins").fetchone()[0]
    finally:
        con.close()
    context.log.info(
        f"bulletins: {summary.files_new} new ({summary.files_rejected} rejected), "
        f"{summary.files_seen} already seen"
    )
    return dg.MaterializeResult(
        metadata={
            "files_new": summary.files_new,
            "files_rejected": summary.files_rejected,
            "files_already_seen": summary.files_seen,
            "bulletins_total": total,
        }
    )


@dg.asset(
    key=["raw", "bulletin_figures"],
    deps=[raw_bulletins],
    group_name="ingest",
    description="Every figure stated by every landed bulletin, with scope, activity, kind, "
    "evidence sentence, confidence and flags (rule-based extraction).",
)
def raw_bulletin_figures(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
    con = _connect()
    try:
        figures = extract_all(con)
        written = write_figures(con, figures)
    finally:
        con.close()
    flagged = sum(1 for _, figure in figures if figure.flags)
    kinds = Counter(figure.figure_kind for _, figure in figures)
    context.log.info(f"bulletin figures: {written} ({flagged} flagged)")
    return dg.MaterializeResult(
        metadata={
            "figures": written,
            "figures_flagged": flagged,
            "bulletins": len({file_hash for file_hash, _ in figures}),
            **{f"figures_{kind}": count for kind, count in sorted(kinds.items())},
        }
    )


defs = dg.Definitions(assets=[raw_bulletins, raw_bulletin_figures])
