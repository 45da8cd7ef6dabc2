"""The published warehouse against interface.md, as an analyst reads it.

The tables and columns below are a structured copy of the contract
(../shared/contracts/interface.md, "Tables in the published warehouse"), not of our dbt YAML:
the contract is the reference. Each column says how filled it must be on the shipped sample:
ALL (never null), SOME (null where the contract allows it, e.g. `specialty` outside
consultations and surgery, but not empty), or EXISTS (may be empty on a clean sample).
Where the contract names a concept rather than a column (a date, a state, a UMAE's kind), the
comment names the column that carries it.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from dagster_project.settings import DBT_PROJECT_DIR
from tests.conftest import RefreshOutcome

pytestmark = pytest.mark.slow

ALL, SOME, EXISTS = "all", "some", "exists"

CONTRACT_TABLES: dict[str, dict[str, str]] = {
    # Core
    "core.fct_activities": {
        "unit_id": ALL,
        "service_date": ALL,  # "service date"
        "activity": ALL,
        "specialty": SOME,
        "quantity": ALL,
    },
    "core.fct_goals": {
        "unit_id": ALL,
        "jornada_id": ALL,
        "activity": ALL,
        "specialty": SOME,
        "target": ALL,
    },
    "core.dim_units": {
        "unit_id": ALL,
        "unit_name": ALL,
        "unit_type": ALL,
        "level_of_care": ALL,
        "ooad_id": SOME,  # UMAE have no OOAD
        "state_name": ALL,  # "its ... state"
        "umae_kind": SOME,  # "a UMAE's own kind ... in another column"
    },
    "core.dim_specialties": {"specialty": ALL, "name_es": ALL, "name_en": ALL},
    "core.dim_activities": {"activity": ALL, "name_es": ALL, "name_en": ALL},
    "core.dim_days": {"date_day": ALL, "jornada_id": SOME},
    "core.dim_jornadas": {
        "jornada_id": ALL,
        "start_date": ALL,
        "end_date": ALL,
        "dates_source": ALL,
    },
    # Marts
    "marts.jornada_overview": {
        "jornada_id": ALL,
        "start_date": ALL,
        "end_date": ALL,
        "units_reporting": ALL,
        "ooad_participating": ALL,
        "umae_participating": ALL,
    },
    "marts.jornada_activity": {"jornada_id": ALL, "activity": ALL, "quantity": ALL},
    "marts.ooad_activity": {
        "jornada_id": ALL,
        "ooad_id": ALL,
        "state_name": ALL,
        "activity": ALL,
        "specialty": SOME,
        "quantity": ALL,
    },
    "marts.unit_activity": {
        "jornada_id": ALL,
        "unit_id": ALL,
        "activity": ALL,
        "specialty": SOME,
        "quantity": ALL,
    },
    "marts.specialty_demand": {
        "jornada_id": ALL,
        "activity": ALL,
        "specialty": ALL,
        "quantity": ALL,
        "demand_rank": ALL,
    },
    "marts.goal_attainment": {
        "jornada_id": ALL,
        "level": ALL,
        "ooad_id": SOME,
        "unit_id": SOME,
        "activity": ALL,
        "specialty": SOME,
        "target": SOME,
        "performed": ALL,
        "attainment_pct": SOME,
    },
    "marts.reporting_completeness": {
        "jornada_id": ALL,
        "ooad_id": ALL,
        "units_expected": ALL,
        "units_reported": ALL,
        "units_on_time": ALL,
        "completeness_pct": ALL,
        "timeliness_pct": ALL,
    },
    # Published figures
    "core.fct_published_figures": {
        "bulletin_id": ALL,
        "published_date": ALL,
        "language": ALL,
        "jornada_id": ALL,
        "scope_level": ALL,
        "ooad_id": SOME,
        "unit_id": SOME,
        "activity": SOME,
        "specialty": SOME,
        "quantity": ALL,
        "figure_kind": ALL,
        "evidence": ALL,
        "confidence": ALL,
        "flags": EXISTS,
    },
    "marts.bulletin_reconciliation": {
        "bulletin_id": ALL,
        "jornada_id": ALL,
        "scope_level": ALL,
        "ooad_id": SOME,
        "unit_id": SOME,
        "activity": SOME,
        "specialty": SOME,
        "published": ALL,
        "reported": SOME,
        "difference": SOME,
        "verdict": ALL,
    },
    # Audit
    "audit.file_ledger": {
        "hash": ALL,
        "path": ALL,
        "format": ALL,
        "verdict": ALL,
        "lines_in": ALL,
        "lines_loaded": ALL,
        "lines_quarantined": ALL,
    },
    # Nothing is rejected in the clean sample; the faulty refresh of test_e2e fills it.
    "audit.rejected_lines": {"file": EXISTS, "line": EXISTS, "column": EXISTS, "reason": EXISTS},
    "audit.quality_results": {
        "check_name": ALL,  # "check"
        "asset": ALL,
        "severity": ALL,
        "passed": ALL,
        "observed_value": SOME,  # "observed value"
        "run_at": ALL,  # "run time"
    },
}

UNIT_TYPES = {"UMF", "UMAA", "HGZ", "HGR", "HGSZ", "HR", "HGO", "HGP", "UMAE"}
ACTIVITIES = {
    "consultation_family_medicine",
    "consultation_specialty",
    "consultation_stomatology",
    "consultation_nutrition",
    "consultation_mental_health",
    "surgery",
    "transplant_kidney",
    "transplant_cornea",
    "transplant_liver",
    "transplant_bone_marrow",
    "donation_multiorgan",
    "donation_tissue",
    "mammogram",
    "clinical_breast_exam",
    "vaccination_schedule",
    "vasectomy",
    "tubal_occlusion",
    "family_planning_method",
    "social_work_intervention",
    "detection_diabetes",
    "detection_hypertension",
    "detection_cervical_cancer",
    "detection_hepatitis_c",
    "diagnostic_endoscopy",
    "diagnostic_mri",
}
SPECIALTIES = {
    "general_surgery",
    "plastic_surgery",
    "surgical_oncology",
    "gynecology",
    "ophthalmology",
    "traumatology_orthopedics",
    "urology",
    "cardiology",
    "internal_medicine",
    "rehabilitation",
    "neurology",
    "pulmonology",
    "nephrology",
    "pediatrics",
    "pediatric_surgery",
    "psychiatry",
    "anesthesiology",
    "neurosurgery",
    "otorhinolaryngology",
    "dermatology",
    "geriatrics",
    "rheumatology",
    "endocrinology",
    "gastroenterology",
    "angiology",
    "genetics",
    "medical_oncology",
}
ACTIVITIES_WITH_SPECIALTY = {"consultation_specialty", "surgery"}
# Grains of the marts, as the contract states them.
MART_GRAINS = {
    "marts.jornada_overview": ["jornada_id"],
    "marts.jornada_activity": ["jornada_id", "activity"],
    "marts.ooad_activity": ["jornada_id", "ooad_id", "activity", "specialty"],
    "marts.unit_activity": ["jornada_id", "unit_id", "activity", "specialty"],
    "marts.specialty_demand": ["jornada_id", "activity", "specialty"],
    "marts.goal_attainment": ["jornada_id", "level", "ooad_id", "unit_id", "activity", "specialty"],
    "marts.reporting_completeness": ["jornada_id", "ooad_id"],
}


@pytest.fixture(scope="module")
def warehouse(sample_refresh: RefreshOutcome):
    assert sample_refresh.exit_code == 0, sample_refresh.output
    with duckdb.connect(str(sample_refresh.published_db), read_only=True) as con:
        yield con


def column_names(con: duckdb.DuckDBPyConnection, table: str) -> set[str]:
    schema, name = table.split(".")
    rows = con.execute(
        "select column_name from information_schema.columns "
        "where table_schema = ? and table_name = ?",
        [schema, name],
    ).fetchall()
    return {row[0] for row in rows}


def values(con: duckdb.DuckDBPyConnection, sql: str) -> set:
    return {row[0] for row in con.execute(sql).fetchall()}


@pytest.mark.parametrize("table", sorted(CONTRACT_TABLES))
def test_every_contract_column_exists_and_is_filled(warehouse, table):
    columns = CONTRACT_TABLES[table]
    missing = set(columns) - column_names(warehouse, table)
    assert not missing, f"{table} lacks the contract's columns {sorted(missing)}"
    rows = warehouse.execute(f"select count(*) from {table}").fetchone()[0]
    must_be_filled = any(rule != EXISTS for rule in columns.values())
    assert rows > 0 or not must_be_filled, f"{table} is empty"
    for column, rule in columns.items():
        filled = warehouse.execute(f'select count("{column}") from {table}').fetchone()[0]
        if rule == ALL:
            assert filled == rows, f'{table}."{column}" is null in {rows - filled} of {rows} rows'
        elif rule == SOME:
            assert filled > 0, f'{table}."{column}" is null in every row'


@pytest.mark.parametrize("table", sorted(MART_GRAINS))
def test_marts_have_the_contract_grain(warehouse, table):
    key = ", ".join(MART_GRAINS[table])
    duplicates = warehouse.execute(
        f"select count(*) from (select {key} from {table} group by all having count(*) > 1)"
    ).fetchone()[0]
    assert duplicates == 0, f"{table} has {duplicates} keys ({key}) on more than one row"


def test_codes_are_the_contract_codes(warehouse):
    assert values(warehouse, "select activity from core.dim_activities") == ACTIVITIES
    assert values(warehouse, "select specialty from core.dim_specialties") == SPECIALTIES
    assert values(warehouse, "select distinct activity from core.fct_activities") <= ACTIVITIES
    used = values(warehouse, "select distinct specialty from core.fct_activities")
    assert used - {None} <= SPECIALTIES
    misplaced = warehouse.execute(
        "select activity, count(*) from core.fct_activities "
        "where (specialty is null) = (activity in ('consultation_specialty', 'surgery')) "
        "group by activity"
    ).fetchall()
    assert not misplaced, f"specialty required only for {ACTIVITIES_WITH_SPECIALTY}: {misplaced}"


def test_units_follow_the_contract_hierarchy(warehouse):
    assert values(warehouse, "select distinct unit_type from core.dim_units") <= UNIT_TYPES
    umae = warehouse.execute(
        "select unit_name, ooad_id, umae_kind from core.dim_units where unit_type = 'UMAE'"
    ).fetchall()
    assert umae, "no UMAE in core.dim_units"
    assert all(ooad_id is None for _, ooad_id, _ in umae), "a UMAE has an OOAD"
    assert all(kind for _, _, kind in umae), "a UMAE lacks its own kind"
    # Its name keeps its number and city, as the contract's example.
    names = {name for name, _, _ in umae}
    assert "UMAE Hospital de Especialidades No. 25, Monterrey" in names
    assert all(", " in name for name in names), "a UMAE name lacks its city"
    others = warehouse.execute(
        "select count(*) from core.dim_units where unit_type <> 'UMAE' and ooad_id is null"
    ).fetchone()[0]
    assert others == 0, "units other than UMAE must have an OOAD"


def test_a_state_with_two_ooads_has_one_state_name(warehouse):
    """The contract's example: both OOADs of the State of Mexico say "Estado de México"."""
    ooads = values(
        warehouse,
        "select distinct ooad_id from marts.ooad_activity where state_name = 'Estado de México'",
    )
    assert len(ooads) == 2, ooads
    named_in_catalog = values(
        warehouse,
        "select distinct ooad_id from core.dim_units where state_name = 'Estado de México' "
        "and ooad_id is not null",
    )
    assert ooads == named_in_catalog


def test_goal_attainment_rolls_up_unit_ooad_national(warehouse):
    levels = dict(
        warehouse.execute(
            "select level, count(*) from marts.goal_attainment group by level"
        ).fetchall()
    )
    assert set(levels) == {"unit", "ooad", "national"}
    misplaced = warehouse.execute(
        "select level, count(*) from marts.goal_attainment where "
        "(level = 'unit' and unit_id is null) "
        "or (level = 'ooad' and (ooad_id is null or unit_id is not null)) "
        "or (level = 'national' and (ooad_id is not null or unit_id is not null)) "
        "group by level"
    ).fetchall()
    assert not misplaced, misplaced
    # The national row performs what its units performed.
    mismatched = warehouse.execute(
        """
        with units as (
            select jornada_id, activity, specialty, sum(performed) as performed
            from marts.goal_attainment where level = 'unit' group by all
        ),
        national as (
            select jornada_id, activity, specialty, performed
            from marts.goal_attainment where level = 'national'
        )
        select count(*)
        from national
        full join units
            on national.jornada_id = units.jornada_id
            and national.activity = units.activity
            and national.specialty is not distinct from units.specialty
        where national.performed is distinct from units.performed
        """
    ).fetchone()[0]
    assert mismatched == 0


def test_reporting_completeness_has_umae_as_their_own_rows(warehouse):
    ooads = values(warehouse, "select ooad_id from core.dim_units where ooad_id is not null")
    groups = values(warehouse, "select distinct ooad_id from marts.reporting_completeness")
    umae_groups = groups - ooads
    assert umae_groups, "no UMAE row in marts.reporting_completeness"
    umae_in_catalog = warehouse.execute(
        "select count(*) from core.dim_units where unit_type = 'UMAE'"
    ).fetchone()[0]
    assert len(umae_groups) <= umae_in_catalog
    out_of_range = warehouse.execute(
        "select count(*) from marts.reporting_completeness where units_reported > units_expected "
        "or units_on_time > units_reported or completeness_pct not between 0 and 100 "
        "or timeliness_pct not between 0 and 100"
    ).fetchone()[0]
    assert out_of_range == 0


def test_published_figures_name_their_bulletin_file(warehouse, sample_refresh):
    stems = {path.stem for path in Path(sample_refresh.raw_dir, "bulletins").glob("*.*")}
    bulletin_ids = values(warehouse, "select distinct bulletin_id from core.fct_published_figures")
    assert bulletin_ids and bulletin_ids <= stems
    assert values(warehouse, "select distinct scope_level from core.fct_published_figures") <= {
        "national",
        "ooad",
        "unit",
    }
    assert values(warehouse, "select distinct figure_kind from core.fct_published_figures") <= {
        "performed",
        "planned",
        "goal_pct",
    }
    reconciled = values(warehouse, "select distinct bulletin_id from marts.bulletin_reconciliation")
    assert reconciled == bulletin_ids


def test_jornadas_state_where_their_dates_come_from(warehouse):
    assert values(warehouse, "select distinct dates_source from core.dim_jornadas") <= {
        "reported",
        "assumed",
    }


def test_the_ledger_and_quarantine_agree(warehouse):
    """Every line is loaded or quarantined; with nothing quarantined, nothing is rejected."""
    quarantined = warehouse.execute(
        "select coalesce(sum(lines_quarantined), 0) from audit.file_ledger"
    ).fetchone()[0]
    rejected = warehouse.execute("select count(*) from audit.rejected_lines").fetchone()[0]
    if quarantined == 0:
        assert rejected == 0
    unbalanced = warehouse.execute(
        "select count(*) from audit.file_ledger where lines_in <> lines_loaded + lines_quarantined"
    ).fetchone()[0]
    assert unbalanced == 0


@pytest.mark.parametrize(
    "analysis", sorted((DBT_PROJECT_DIR / "analyses").glob("*.sql")), ids=lambda path: path.stem
)
def test_worked_examples_run_on_the_published_sample(warehouse, analysis):
    """The README's worked examples answer on the real warehouse, not only on a fixture."""
    result = warehouse.execute(analysis.read_text(encoding="utf-8"))
    assert result.description, f"{analysis.name} returned no columns"
    result.fetchall()
