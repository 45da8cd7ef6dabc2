"""Report assets: the weekly report and bulletins, rendered from the published warehouse.

They read the published file read-only (never the build database), after publish.
"""

import dagster as dg

from dagster_project.reports.render import render_reports
from dagster_project.settings import get_settings

PUBLISHED_WAREHOUSE = dg.AssetKey(["publish", "published_warehouse"])


@dg.asset(
    key=dg.AssetKey(["reports", "weekly_report"]),
    deps=[PUBLISHED_WAREHOUSE],
    group_name="reports",
    description="Weekly report per national day (HTML, CSV, XLSX) and the generated press "
    "bulletins in Spanish and English, under JORNADAS_HOME/reports/.",
)
def weekly_report(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
    settings = get_settings()
    result = render_reports(settings.published_db, settings.reports_dir)
    context.log.info(
        f"rendered {len(result.pages)} pages for {len(result.jornadas) - len(result.unchanged)} "
        f"days under {settings.reports_dir}; {len(result.unchanged)} days were up to date"
    )
    latest = settings.reports_dir / "latest.html"
    return dg.MaterializeResult(
        metadata={
            "jornadas": ", ".join(result.jornadas),
            "jornadas_up_to_date": ", ".join(result.unchanged),
            "pages": len(result.pages),
            "bulletins": len(result.bulletins),
            "exports": len(result.exports),
            "latest": dg.MetadataValue.path(str(latest)),
        }
    )


defs = dg.Definitions(assets=[weekly_report])
