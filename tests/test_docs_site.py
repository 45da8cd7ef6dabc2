"""The dbt docs site opens offline and asks no other host for anything.

Runs on the page dbt itself ships (the one `dbt docs generate` copies), so a dbt upgrade that
moves the tracker fails here rather than in a reader's browser.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from dbt.task.docs import DOCS_INDEX_FILE_PATH

from dagster_project.docs_site import (
    CONTENT_SECURITY_POLICY,
    TRACKER_SCRIPT_HOST,
    UnexpectedDocsBundle,
    make_offline,
    make_site_offline,
)

# A load from another host: an element attribute or CSS url() naming http(s):// or //host.
EXTERNAL_LOAD = re.compile(
    r"""(?:\b(?:src|href)\s*=\s*["']?|url\(\s*["']?)(?:https?:)?//[a-z0-9.-]+""", re.I
)


def dbt_page() -> str:
    return Path(DOCS_INDEX_FILE_PATH).read_text(encoding="utf-8")


def test_dbt_page_would_load_a_tracker_without_our_changes():
    assert TRACKER_SCRIPT_HOST in dbt_page()


def test_offline_page_has_no_tracker_and_forbids_other_hosts():
    page = make_offline(dbt_page())
    assert TRACKER_SCRIPT_HOST not in page
    assert "turn_on_tracking()" not in page
    assert page.count(CONTENT_SECURITY_POLICY) == 1
    head = page[: page.index("</head>")]
    assert CONTENT_SECURITY_POLICY in head
    assert not EXTERNAL_LOAD.findall(page.replace(CONTENT_SECURITY_POLICY, ""))
    assert make_offline(page) == page  # applying it twice changes nothing


def test_a_changed_bundle_is_reported_not_ignored():
    moved = dbt_page().replace("r.turn_on_tracking()", "r.startTracking()")
    with pytest.raises(UnexpectedDocsBundle):
        make_offline(moved)


def test_the_site_folder_is_rewritten_in_place(tmp_path):
    for name in ("index.html", "static_index.html"):
        (tmp_path / name).write_text(dbt_page(), encoding="utf-8")
    page = make_site_offline(tmp_path)
    assert page == tmp_path / "static_index.html"
    for name in ("index.html", "static_index.html"):
        assert TRACKER_SCRIPT_HOST not in (tmp_path / name).read_text(encoding="utf-8")
