"""The generator's in-memory shape of what goes into raw files."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date


@dataclass
class LineFault:
    """A contract violation placed on one line of a report (for the manifest)."""

    index: int  # position of the line within the report's lines
    column: str
    reason_code: str
    value: object


@dataclass
class Report:
    """One unit report (lines: service_date, activity, specialty, quantity) or one unit's goals
    for a jornada (lines: activity, specialty, target). Values are usually str/int; faults may
    put other values (None, floats, bad strings) in place."""

    unit_id: str
    jornada_id: str
    submitted_at: str
    lines: list[tuple]
    kind: str = "unit_report"  # or "goal"
    # Set when the sample itself holds other versions of this (unit, jornada).
    has_other_versions: bool = False
    faults: list[LineFault] = field(default_factory=list)
    # Faults that make this report's key differ from its unit's (an extra, bad line).
    key_fault: LineFault | None = None
    # The verdict the sample means this report to get (its own bad deliveries and their
    # counterparts, see sample.bad_deliveries); None: whatever versioning gives it.
    expected_verdict: str | None = None

    def copy(self, **changes) -> Report:
        values = {
            "unit_id": self.unit_id,
            "jornada_id": self.jornada_id,
            "submitted_at": self.submitted_at,
            "lines": list(self.lines),
            "kind": self.kind,
            "has_other_versions": self.has_other_versions,
        }
        values.update(changes)
        return Report(**values)


def stamp(day: date, minute_of_day: int, offset: str) -> str:
    """ISO 8601 local time with the unit's UTC offset, e.g. 2021-12-20T09:15:00-06:00."""
    hours, minutes = divmod(minute_of_day, 60)
    return f"{day.isoformat()}T{hours:02d}:{minutes:02d}:00{offset}"


def shift_stamp(stamp_text: str, days: int = 0, minutes: int = 0) -> str:
    from datetime import datetime, timedelta

    moment = datetime.fromisoformat(stamp_text) + timedelta(days=days, minutes=minutes)
    return moment.isoformat()
