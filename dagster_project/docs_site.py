"""The dbt documentation site (models, columns, lineage graph), made to work offline.

`dbt docs generate --static` writes `static_index.html`, one file with the manifest and the
catalog inside, which a browser opens straight from disk (the plain `index.html` fetches
`manifest.json`, which browsers refuse over `file://`; it works under `dbt docs serve`).

dbt's page bundle carries a usage tracker that loads a script from a CDN when the manifest
allows tracking. Ours never does (`send_anonymous_usage_stats: false`), but the pages are
made safe regardless: the tracker's start is removed, and a Content-Security-Policy forbids
any request to another host.
"""

from __future__ import annotations

from pathlib import Path

# In dbt-docs' bundle: `init` turns the tracker on when the manifest says `track: true`.
TRACKER_START = "r.turn_on_tracking()"
TRACKER_SCRIPT_HOST = "d1fc8wv8zag5ca.cloudfront.net"
# Inline scripts and styles (the bundle is inline); images and fonts only as data URIs;
# `connect-src 'self'` lets `dbt docs serve` fetch manifest.json and catalog.json.
CONTENT_SECURITY_POLICY = (
    '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
    "script-src 'unsafe-inline' 'unsafe-eval'; style-src 'unsafe-inline'; "
    "img-src data: blob:; font-src data:; connect-src 'self'\">"
)
DOCS_PAGES = ("index.html", "static_index.html")


class UnexpectedDocsBundle(RuntimeError):
    """dbt's docs page no longer looks as expected: the tracker could not be removed."""


def make_offline(html: str) -> str:
    """The page without its tracker and with a policy that forbids other hosts."""
    if TRACKER_START not in html and TRACKER_SCRIPT_HOST in html:
        raise UnexpectedDocsBundle(
            f"dbt's docs page loads {TRACKER_SCRIPT_HOST} but its start "
            f"{TRACKER_START!r} was not found; update dagster_project/docs_site.py"
        )
    html = html.replace(TRACKER_START, "void 0").replace(TRACKER_SCRIPT_HOST, "")
    if CONTENT_SECURITY_POLICY not in html:
        html = html.replace("<head>", "<head>" + CONTENT_SECURITY_POLICY, 1)
    return html


def make_site_offline(site_dir: Path) -> Path:
    """Rewrite the docs pages of `site_dir` in place; returns the page to open from disk."""
    for name in DOCS_PAGES:
        page = site_dir / name
        if page.is_file():
            page.write_text(make_offline(page.read_text(encoding="utf-8")), encoding="utf-8")
    return site_dir / "static_index.html"
