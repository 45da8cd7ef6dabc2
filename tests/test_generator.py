"""The generator: catalogs, determinism, the committed sample, calibration against the
published figures, streaming at national scale, and a truthful faults manifest.

Calibration is checked with an independent reading of the raw files under the contract
(tests/generator_reader.py), not with the warehouse: a spec check of the sample itself.
"""

from __future__ import annotations

import csv
import hashlib
import json
import math
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from dagster_project.generator import calibration as cal
from dagster_project.generator import catalogs, generate, national, sample
from dagster_project.generator.faults import (
    FILE_FAULTS,
    INPLACE_FAULTS,
    KEY_FAULTS,
    MANIFEST_NAME,
    VERSION_FAULTS,
)
from dagster_project.settings import PROJECT_ROOT
from tests.generator_figures import demand_top, holds, observed, unit_count
from tests.generator_reader import read_landing

SEEDS = PROJECT_ROOT / "dbt" / "seeds"
RAW = PROJECT_ROOT / "raw"
HOSPITALS = {"HGZ", "HGR", "HGSZ", "HR", "HGO", "HGP"}


def tree_digest(root: Path) -> dict[str, str]:
    """relative path -> sha256 of every generated file under root."""
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for folder in ("unit_reports", "goals")
        for p in sorted((root / folder).rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def fresh_sample(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("sample_2021")
    generate("sample", out, seed=2021)
    return out


@pytest.fixture(scope="module")
def committed_reading():
    return read_landing(RAW, SEEDS)


@pytest.fixture(scope="module")
def other_seed_reading(tmp_path_factory):
    out = tmp_path_factory.mktemp("sample_7")
    generate("sample", out, seed=7)
    return out, read_landing(out, SEEDS)


def seed_rows(name: str) -> list[dict]:
    with (SEEDS / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


# ------------------------------------------------------------------------------ catalogs


def test_committed_seeds_are_what_the_catalog_builder_makes(tmp_path):
    catalogs.write_seeds(tmp_path)
    for name in (
        "ooad.csv",
        "units.csv",
        "activities.csv",
        "specialties.csv",
        "jornadas.csv",
        "jornadas_synthetic.csv",
    ):
        assert (tmp_path / name).read_bytes() == (SEEDS / name).read_bytes(), name


def test_units_catalog_has_the_shape_the_issue_asks_for():
    units = seed_rows("units.csv")
    ooads = {row["ooad_id"] for row in seed_rows("ooad.csv")}
    assert len(ooads) == 35
    assert {"DFN", "DFS", "MCO", "MCP", "VZN", "VZS", "NL", "OC", "CS", "TC"} <= ooads
    assert len({u["unit_id"] for u in units}) == len(units)
    assert all(re.fullmatch(r"[A-Z]{2}IMS\d{6}", u["unit_id"]) for u in units)
    types = Counter(u["unit_type"] for u in units)
    assert types["UMAE"] == 25
    assert 1400 <= types["UMF"] <= 1600
    assert 200 <= sum(types[t] for t in HOSPITALS) <= 300
    assert set(types) <= HOSPITALS | {"UMF", "UMAA", "UMAE"}
    umae = [u for u in units if u["unit_type"] == "UMAE"]
    assert all(u["ooad_id"] == "" and u["level_of_care"] == "3" for u in umae)
    assert {int(u["umae_number"]) for u in umae} == set(range(1, 26))
    he25 = next(u for u in umae if u["unit_id"] == cal.UMAE_HE25_MONTERREY)
    assert he25["unit_name"] == "UMAE Hospital de Especialidades No. 25, Monterrey"
    assert all(u["is_synthetic"] == "true" for u in units if u["unit_type"] != "UMAE")
    assert all(u["ooad_id"] in ooads for u in units if u["unit_type"] != "UMAE")
    per_ooad = Counter(
        (u["ooad_id"], "hospital" if u["unit_type"] in HOSPITALS else u["unit_type"]) for u in units
    )
    assert per_ooad[("OC", "UMF")] == 23 and per_ooad[("OC", "hospital")] >= 4
    assert per_ooad[("MCO", "UMF")] + per_ooad[("MCP", "UMF")] >= 45


def test_calendars_cover_2021_and_a_synthetic_year():
    jornadas = {row["jornada_id"]: row for row in seed_rows("jornadas.csv")}
    assert set(jornadas) == {f"2021-{n:02d}" for n in range(1, 15)} | {"2021-M01"}
    assumed = {j for j, row in jornadas.items() if row["dates_source"] == "assumed"}
    assert assumed == {"2021-01", "2021-02", "2021-03", "2021-05", "2021-06", "2021-08"}
    assert jornadas["2021-14"]["start_date"] == "2021-12-17"
    assert jornadas["2021-M01"]["kind"] == "monothematic"
    synthetic = seed_rows("jornadas_synthetic.csv")
    assert len(synthetic) == 52 and {r["dates_source"] for r in synthetic} == {"synthetic"}
    assert synthetic[0]["start_date"] == "2022-01-01" and synthetic[-1]["end_date"] == "2022-12-31"


# ------------------------------------------------------------------------- determinism


def test_same_seed_gives_identical_bytes_and_another_seed_differs(
    fresh_sample, other_seed_reading, tmp_path
):
    generate("sample", tmp_path, seed=2021)
    again = tree_digest(tmp_path)
    assert again == tree_digest(fresh_sample)
    assert any(p.endswith(".xlsx") for p in again)  # XLSX bytes are fixed too
    other = tree_digest(other_seed_reading[0])
    assert other != again


def test_committed_raw_is_the_generators_sample_output(fresh_sample):
    assert tree_digest(RAW) == tree_digest(fresh_sample)
    assert not (RAW / MANIFEST_NAME).exists()


def test_sample_is_commit_friendly():
    digest = tree_digest(RAW)
    size = sum((RAW / p).stat().st_size for p in digest)
    assert size <= 20 * 1024 * 1024
    assert len(digest) < 1000
    formats = Counter(Path(p).suffix for p in digest)
    assert formats[".csv"] > formats[".json"] > 0 and formats[".xlsx"] > 0


# ------------------------------------------------------------------------- calibration


def _figure_id(figure: dict) -> str:
    activity = figure["activity"]
    if isinstance(activity, tuple):
        activity = "+".join(activity)
    where = figure["unit_id"] or ",".join(figure["ooad_ids"]) or "national"
    return f"{figure['jornada_id']}-{where}-{figure['kind']}-{activity}-{figure['specialty']}"


@pytest.mark.parametrize("figure", cal.PUBLISHED_FIGURES, ids=_figure_id)
def test_committed_sample_restates_published_figure(committed_reading, figure):
    assert holds(committed_reading, figure), (
        f"observed {observed(committed_reading, figure)} for {figure['source']}"
    )


def test_calibration_does_not_depend_on_the_seed(other_seed_reading):
    _, reading = other_seed_reading
    failing = [_figure_id(f) for f in cal.PUBLISHED_FIGURES if not holds(reading, f)]
    assert failing == []


@pytest.mark.parametrize("count", cal.PUBLISHED_UNIT_COUNTS, ids=lambda c: c["source"][-40:])
def test_committed_sample_restates_unit_counts(committed_reading, count):
    assert unit_count(committed_reading, count) == count["count"]


@pytest.mark.parametrize("activity", sorted(cal.PUBLISHED_DEMAND_TOP))
def test_most_demanded_specialties_of_the_14th_day(committed_reading, activity):
    top = cal.PUBLISHED_DEMAND_TOP[activity]
    assert demand_top(committed_reading, "2021-14", activity, len(top)) == set(top)


def test_national_figure_wins_over_the_state_of_mexicos_vasectomies(committed_reading):
    state = dict(
        cal.PUBLISHED_FIGURES[0],
        jornada_id="2021-14",
        scope="ooad",
        ooad_ids=cal.STATE_OF_MEXICO,
        activity="vasectomy",
        specialty=None,
        kind="performed",
    )
    assert observed(committed_reading, state) < cal.STATE_OF_MEXICO_VASECTOMIES_NOT_RESTATED
    assert observed(committed_reading, state) <= 49


def test_combined_figures_are_consistent_with_the_chosen_splits():
    totals = cal.national_totals()
    for figure in cal.PUBLISHED_FIGURES:
        if (
            figure["kind"] == "performed"
            and figure["scope"] == "national"
            and isinstance(figure["activity"], tuple)
        ):
            assert (
                sum(totals[figure["jornada_id"]][a] for a in figure["activity"])
                == figure["quantity"]
            )


def _sample_intentions(seed: int = 2021):
    """What the sample means its own bad deliveries to get, from the generator's plan:
    rejected files, invalid lines (CSV physical line, header = 1) and report verdicts."""
    rejected_files, line_issues, verdicts = {}, set(), {}
    for planned in sample.files(catalogs.load_catalog(), seed):
        if planned.rejected_as:
            rejected_files[planned.relpath] = planned.rejected_as
            continue
        line_no = 2
        for report in planned.reports or ():
            assert report.faults == [] or planned.spec.fmt == "csv"
            for fault in report.faults:
                line_issues.add(
                    (planned.relpath, line_no + fault.index, fault.column, fault.reason_code)
                )
            if report.expected_verdict:
                key = (report.kind, planned.relpath, None, report.unit_id, report.jornada_id)
                verdicts[key + (report.submitted_at,)] = report.expected_verdict
            line_no += len(report.lines)
    return rejected_files, line_issues, verdicts


@pytest.fixture(scope="module")
def sample_intentions():
    return _sample_intentions()


def test_committed_sample_carries_versioning_cases_and_a_few_bad_deliveries(
    committed_reading, sample_intentions
):
    rejected_files, line_issues, verdicts = sample_intentions
    files = Counter(v for v, _ in committed_reading.file_verdicts.values())
    assert files["same_bytes"] >= 1
    found_rejected = {
        f: reason
        for f, (verdict, reason) in committed_reading.file_verdicts.items()
        if verdict == "rejected"
    }
    assert (
        found_rejected
        == rejected_files
        == {"unit_reports/2021-10/umae/2021-10_UMAE04_unicode.csv": "unreadable_encoding"}
    )
    assert committed_reading.line_issues == line_issues
    assert {reason for *_, reason in line_issues} == {
        "unknown_specialty",
        "date_outside_jornada",
        "negative_quantity",
    }
    for key, verdict in verdicts.items():
        assert committed_reading.report_verdicts.get(key) == verdict, key
    found = Counter(committed_reading.report_verdicts.values())
    assert set(found) == {"in_force", "superseded", "rejected", "conflict"}
    assert found["superseded"] >= 10  # corrections and a late older version
    assert found["rejected"] == 3 and found["conflict"] == 2
    bad_files = {k[1] for k, v in verdicts.items() if v != "in_force"} | set(rejected_files)
    assert len(bad_files) <= 6


def test_bad_deliveries_leave_their_counterparts_in_force(committed_reading):
    """Each rejected or conflicting report has a valid version of its unit and jornada in
    force, so the calibrated figures are untouched (they are checked above on that reading)."""
    held = [
        k for k, v in committed_reading.report_verdicts.items() if v in ("rejected", "conflict")
    ]
    in_force = {
        (k[0], k[3], k[4]) for k, v in committed_reading.report_verdicts.items() if v == "in_force"
    }
    assert held and all((k[0], k[3], k[4]) in in_force for k in held)


def test_bad_deliveries_do_not_depend_on_the_seed(other_seed_reading):
    _, reading = other_seed_reading
    rejected_files, line_issues, verdicts = _sample_intentions(seed=7)
    assert {
        f: reason for f, (verdict, reason) in reading.file_verdicts.items() if verdict == "rejected"
    } == rejected_files
    assert reading.line_issues == line_issues
    assert all(reading.report_verdicts.get(k) == v for k, v in verdicts.items())


# --------------------------------------------------------------------- national scales


def test_national_year_has_at_least_25_million_lines_and_national_millions():
    catalog = catalogs.load_catalog()
    assert national.planned_line_count(catalog, "national-year") >= 25_000_000
    assert national.planned_line_count(catalog, "national") >= 2_000_000


_MEASURE = """
import json, resource, sys
from dagster_project.generator import generate
summary = generate("national", sys.argv[1], seed=3, jornadas=tuple(sys.argv[2:]))
summary["max_rss_bytes"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
print(json.dumps(summary))
"""


def _generate_measured(out: Path, jornadas: tuple[str, ...]) -> dict:
    """Generate in a fresh process and return its summary with its peak resident memory."""
    done = subprocess.run(
        [sys.executable, "-c", _MEASURE, str(out), *jornadas],
        check=True,
        capture_output=True,
        text=True,
        cwd=PROJECT_ROOT,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_national_streams_with_flat_memory(tmp_path):
    one = _generate_measured(tmp_path / "one", ("2021-14",))
    five = _generate_measured(
        tmp_path / "five", ("2021-10", "2021-11", "2021-12", "2021-13", "2021-14")
    )
    catalog = catalogs.load_catalog()
    per_jornada = national.planned_line_count(catalog, "national") // len(catalog.jornadas)
    assert one["unit_report_lines"] == per_jornada
    assert five["unit_report_lines"] == 5 * per_jornada
    # Five times the data (about 100 MB), about the same memory: it is written as it is made.
    growth = five["max_rss_bytes"] - one["max_rss_bytes"]
    assert growth < 0.1 * (five["bytes"] - one["bytes"]), (one, five)
    # every unit of the catalog reports, every day of each jornada
    with (tmp_path / "one" / "unit_reports" / "2021-14" / "2021-14_OC.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    oc_units = [u for u in catalog.units if u.ooad_id == "OC"]
    assert {r["unit_id"] for r in rows} == {u.unit_id for u in oc_units}
    assert {r["service_date"] for r in rows} == {"2021-12-17", "2021-12-18", "2021-12-19"}


# -------------------------------------------------------------------------------- faults


@pytest.fixture(scope="module")
def faulty(tmp_path_factory):
    out = tmp_path_factory.mktemp("faulty")
    generate("sample", out, seed=2021, faults=0.02)
    manifest = json.loads((out / MANIFEST_NAME).read_text())
    return out, manifest, read_landing(out, SEEDS)


def test_every_fault_kind_is_injected(faulty):
    _, manifest, _ = faulty
    kinds = set(manifest["counts"])
    assert set(FILE_FAULTS) | set(INPLACE_FAULTS) | set(KEY_FAULTS) | set(VERSION_FAULTS) <= kinds
    assert "same_bytes_redelivery" in kinds


def test_manifest_names_exactly_the_rejected_files(faulty, sample_intentions):
    _, manifest, reading = faulty
    expected = {
        e["file"]: e["reason_code"] for e in manifest["entries"] if e["file_verdict"] == "rejected"
    }
    assert not set(expected) & set(sample_intentions[0])
    expected.update(sample_intentions[0])  # the sample's own, which faults leave alone
    found = {
        f: reason for f, (verdict, reason) in reading.file_verdicts.items() if verdict == "rejected"
    }
    assert found == expected


def test_manifest_names_exactly_the_invalid_lines(faulty, sample_intentions):
    _, manifest, reading = faulty
    expected = {
        (e["file"], e["line"], e["column"], e["reason_code"])
        for e in manifest["entries"]
        if e["line"] is not None
    }
    assert not expected & sample_intentions[1]
    assert reading.line_issues == expected | sample_intentions[1]


def test_manifest_report_verdicts_are_true(faulty, committed_reading):
    out, manifest, reading = faulty
    by_location = {}
    for key, verdict in reading.report_verdicts.items():
        kind, file, report_no, unit, jornada, submitted = key
        by_location[(kind, file, report_no, unit, jornada, submitted)] = verdict
    mentioned = set()
    for entry in manifest["entries"]:
        if entry["report_verdict"] is None:
            continue
        key = (
            entry["target"],
            entry["file"],
            entry["report_no"],
            entry["unit_id"],
            entry["jornada_id"],
            entry["submitted_at"],
        )
        assert by_location.get(key) == entry["report_verdict"], entry
        mentioned.add(key)
    copies = {e["file"] for e in manifest["entries"] if e["fault"] == "same_bytes_redelivery"}
    assert all(reading.file_verdicts[c][0] == "same_bytes" for c in copies)
    # Everything the manifest does not mention keeps its verdict without faults.
    clean = committed_reading.report_verdicts
    for key, verdict in reading.report_verdicts.items():
        if key not in mentioned:
            assert verdict == clean.get(key, "in_force"), key


def test_manifest_is_outside_the_ingested_folders(faulty):
    out, _, _ = faulty
    assert (out / MANIFEST_NAME).is_file()
    assert not list((out / "unit_reports").rglob("*manifest*"))
    assert not list((out / "goals").rglob("*manifest*"))


def test_no_faults_means_no_manifest_and_nan_free_attainment(committed_reading):
    chiapas = [f for f in cal.PUBLISHED_FIGURES if f["kind"] == "goal_attainment_min_pct"]
    assert chiapas and all(not math.isnan(observed(committed_reading, f)) for f in chiapas)
