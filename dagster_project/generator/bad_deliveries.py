"""The sample's own bad deliveries: a few realistic mistakes that show the whole raw contract
(a rejected file, rejected reports, a conflict) without changing any calibrated figure.

Every mistake is paired with a valid version that is in force instead, so the figures the
sample restates come from the same reports as without them. The reports involved are marked
`has_other_versions` (the `--faults` injector leaves them alone) and carry the verdict the
contract gives them (`expected_verdict`, `faults`), for the generator's tests.
"""

from __future__ import annotations

from datetime import timedelta

from dagster_project.generator.catalogs import HOSPITAL_TYPES, Catalog
from dagster_project.generator.reports import LineFault, Report, shift_stamp
from dagster_project.generator.writers import FileFormat, PlannedFile

# Who makes which mistake (plain CSV senders, so the story reads simply).
FIRST_SEND_OOAD = "VZN"  # two units send a first file with a wrong line each
GOALS_OOAD = "CH"  # a unit sends its goals alone first, with a minus sign typed in
CONFLICT_OOAD = "SL"  # a unit and its OOAD both send a correction stamped the same minute
UNREADABLE_UMAE_FILE = "unit_reports/2021-10/umae/2021-10_UMAE04.csv"  # also sent as UTF-16

# Specialties typed in Spanish instead of the catalog code (*unknown_specialty*).
SPANISH_SPECIALTY = {
    "general_surgery": "cirugia_general",
    "ophthalmology": "oftalmologia",
    "traumatology_orthopedics": "traumatologia",
    "internal_medicine": "medicina_interna",
    "gynecology": "ginecologia",
    "pediatrics": "pediatria",
}


def bad_deliveries(catalog: Catalog, jornada_id: str, planned: list[PlannedFile]) -> list:
    """Extra files for one jornada; marks the valid counterparts in `planned` in place."""
    by_path = {pf.relpath: pf for pf in planned}
    if jornada_id == "2021-10":
        return [_unreadable_copy(by_path[UNREADABLE_UMAE_FILE])]
    if jornada_id != "2021-14":
        return []
    unit_type = {u.unit_id: u.unit_type for u in catalog.units}
    end = catalog.jornadas[jornada_id].end
    return [
        _first_send(
            by_path[f"unit_reports/{jornada_id}/ooad/{jornada_id}_{FIRST_SEND_OOAD}.csv"],
            unit_type,
            end,
        ),
        _negative_goal(by_path[f"goals/{jornada_id}/{jornada_id}_{GOALS_OOAD}_metas.csv"]),
        *_conflict(by_path[f"unit_reports/{jornada_id}/ooad/{jornada_id}_{CONFLICT_OOAD}.csv"]),
    ]


def _keep_in_force(planned: PlannedFile, index: int) -> Report:
    report = planned.reports[index].copy(has_other_versions=True, expected_verdict="in_force")
    planned.reports[index] = report
    return report


def _unreadable_copy(planned: PlannedFile) -> PlannedFile:
    """The UMAE first saved its CSV as "Unicode" from a spreadsheet (UTF-16), then sent it
    again as UTF-8: the first file is rejected whole, the second one counts."""
    for i in range(len(planned.reports)):
        _keep_in_force(planned, i)
    stem = planned.relpath.removesuffix(".csv")
    return PlannedFile(
        f"{stem}_unicode.csv",
        FileFormat(encoding="utf-16"),
        [r.copy(expected_verdict=None) for r in planned.reports],
        rejected_as="unreadable_encoding",
    )


def _first_send(planned: PlannedFile, unit_type: dict[str, str], end) -> PlannedFile:
    """Two units send a first file earlier than the OOAD's, each with one wrong line (a
    specialty typed in Spanish; the capture date typed as the service date): both reports
    are rejected whole, and the OOAD's later file carries them right."""
    reports = planned.reports
    hospital = next(
        i
        for i, r in enumerate(reports)
        if unit_type[r.unit_id] in HOSPITAL_TYPES
        and any(line[2] in SPANISH_SPECIALTY for line in r.lines)
    )
    umf = next(i for i, r in enumerate(reports) if unit_type[r.unit_id] == "UMF")
    first = []
    for i in sorted((hospital, umf)):
        good = _keep_in_force(planned, i)
        lines = list(good.lines)
        if i == hospital:
            at = next(n for n, line in enumerate(lines) if line[2] in SPANISH_SPECIALTY)
            day, activity, specialty, quantity = lines[at]
            wrong = SPANISH_SPECIALTY[specialty]
            lines[at] = (day, activity, wrong, quantity)
            fault = LineFault(at, "specialty", "unknown_specialty", wrong)
        else:
            at = 0
            day, activity, specialty, quantity = lines[at]
            wrong = (end + timedelta(days=1)).isoformat()
            lines[at] = (wrong, activity, specialty, quantity)
            fault = LineFault(at, "service_date", "date_outside_jornada", wrong)
        bad = good.copy(
            lines=lines,
            submitted_at=shift_stamp(good.submitted_at, minutes=-95),
            expected_verdict="rejected",
        )
        bad.faults = [fault]
        first.append(bad)
    stem = planned.relpath.removesuffix(".csv")
    return PlannedFile(f"{stem}_primer_envio.csv", FileFormat(), first)


def _negative_goal(planned: PlannedFile) -> PlannedFile:
    """A unit sends its own goals a day before its OOAD's file, with a minus sign typed
    before its largest target: rejected; the OOAD's file has them right."""
    good = _keep_in_force(planned, 0)
    lines = list(good.lines)
    at = max(range(len(lines)), key=lambda n: (lines[n][2], -n))
    activity, specialty, target = lines[at]
    lines[at] = (activity, specialty, -target)
    bad = good.copy(
        lines=lines,
        submitted_at=shift_stamp(good.submitted_at, days=-1),
        expected_verdict="rejected",
    )
    bad.faults = [LineFault(at, "target", "negative_quantity", -target)]
    folder = planned.relpath.rsplit("/", 1)[0]
    return PlannedFile(
        f"{folder}/{good.jornada_id}_{good.unit_id}_metas.csv", FileFormat(kind="goal"), [bad]
    )


def _conflict(planned: PlannedFile) -> list[PlannedFile]:
    """A unit and its OOAD each send a correction of the unit's report, stamped the same
    minute but different: a conflict, neither is used, and the first report stays in force."""
    index = next(i for i, r in enumerate(planned.reports) if len(r.lines) >= 2)
    good = _keep_in_force(planned, index)
    stamp = shift_stamp(good.submitted_at, days=1, minutes=30)
    day, activity, specialty, quantity = good.lines[0]
    by_unit = good.copy(
        lines=[(day, activity, specialty, quantity + 3)] + list(good.lines[1:]),
        submitted_at=stamp,
        expected_verdict="conflict",
    )
    by_ooad = good.copy(
        lines=list(good.lines[:-1]), submitted_at=stamp, expected_verdict="conflict"
    )
    stem = planned.relpath.removesuffix(".csv")
    return [
        PlannedFile(f"{stem}_correccion_unidad.csv", FileFormat(), [by_unit]),
        PlannedFile(f"{stem}_correccion_ooad.csv", FileFormat(), [by_ooad]),
    ]
