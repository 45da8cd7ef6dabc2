"""Ingest of the landing folder: discovery, hashing, readers and file-level verdicts."""

from dagster_project.ingest.files import GOAL, UNIT_REPORT, is_temporary_name
from dagster_project.ingest.landing import IngestError, IngestSummary, ingest_kind

__all__ = [
    "GOAL",
    "UNIT_REPORT",
    "IngestError",
    "IngestSummary",
    "ingest_kind",
    "is_temporary_name",
]
