"""What the committed sample must restate, as data, each with the sentence it comes from.

`PUBLISHED_FIGURES` is what the warehouse's marts must show for the sample; the e2e test
imports it. Every figure is one dict:

    jornada_id, scope ('national' | 'ooad' | 'unit'), ooad_ids (tuple; state scope),
    unit_id, activity (a code, a tuple of codes summed, or None = every activity),
    specialty (None = every specialty), quantity, kind, source, stated

`kind` is 'performed' (sum of quantities in force), 'goal' (sum of targets in force),
'participation_ooad' / 'participation_umae' (OOADs / UMAE with at least one unit with a report
in force with a quantity > 0) or 'goal_attainment_min_pct' (performed / target * 100 at OOAD
level is at least `quantity`). `stated` is False for the few values the sources do not give
and the sample had to choose (participation in 2021-10).

The rest of this module holds the generator's own choices that make those figures hold
(which OOADs and UMAE took part, how combined figures are split); they are not published.
"""

from __future__ import annotations

# UMAE keys follow the catalog rule: CLUES prefix of the host state + IMS + catalog number.
UMAE_HE25_MONTERREY = "NLIMS000004"
UMAE_HE2_OBREGON = "SRIMS000008"

SAMPLE_JORNADAS = ("2021-10", "2021-11", "2021-M01", "2021-12", "2021-13", "2021-14")

_D10 = "domain.md, national days of 2021: 2021-10 (2021-10-29..31)"
_D11 = (
    "domain.md, 2021-11 (2021-11-12..14): 3,251 surgeries, 20,812 specialty, 56,747 family "
    "medicine; 30 transplants (16 kidney, 11 cornea, 3 bone marrow); 35 OOAD and 25 UMAE took part"
)
_DM1 = (
    "domain.md, monothematic 2021-11-19..21: 656 surgeries, 4,519 specialty, 6,082 family "
    "medicine; 7 OOAD and 8 UMAE"
)
_D12 = (
    "domain.md, 2021-12 (2021-11-26..28): 3,178 surgeries, 19,299 specialty, 34,984 family "
    "medicine, 200 vasectomies; 33 OOAD and 24 UMAE"
)
_D13 = (
    "domain.md, 2021-13 (2021-12-10..12): 2,995 surgeries, 20,825 specialty, 40,503 family "
    "medicine, 39 transplants; 34 OOAD and 24 UMAE"
)
_B14 = "bulletin 000_d0153cb57deb33f7 (14th day, 2021-12-17..19): "
_B11 = "bulletin 001_fddc0f73a348ce8f (Oaxaca, plan of the 11th day): "

TRANSPLANTS = (
    "transplant_kidney",
    "transplant_cornea",
    "transplant_liver",
    "transplant_bone_marrow",
)
CONSULTATIONS_65211 = (
    "consultation_family_medicine",
    "consultation_specialty",
    "consultation_stomatology",
    "consultation_nutrition",
)
STATE_OF_MEXICO = ("MCO", "MCP")


def _figure(
    jornada_id: str,
    activity,
    quantity: int,
    source: str,
    *,
    scope: str = "national",
    ooad_ids: tuple[str, ...] = (),
    unit_id: str | None = None,
    specialty: str | None = None,
    kind: str = "performed",
    stated: bool = True,
) -> dict:
    return {
        "jornada_id": jornada_id,
        "scope": scope,
        "ooad_ids": ooad_ids,
        "unit_id": unit_id,
        "activity": activity,
        "specialty": specialty,
        "quantity": quantity,
        "kind": kind,
        "source": source,
        "stated": stated,
    }


def _participation(jornada_id: str, ooad: int, umae: int, source: str, stated: bool = True):
    return [
        _figure(jornada_id, None, ooad, source, kind="participation_ooad", stated=stated),
        _figure(jornada_id, None, umae, source, kind="participation_umae", stated=stated),
    ]


PUBLISHED_FIGURES: list[dict] = [
    # 2021-10
    _figure("2021-10", "consultation_family_medicine", 49199, _D10 + ": 49,199 family medicine"),
    _figure("2021-10", "consultation_specialty", 20178, _D10 + ": 20,178 specialty"),
    _figure("2021-10", "surgery", 3382, _D10 + ": 3,382 surgeries"),
    _figure("2021-10", "consultation_stomatology", 562, _D10 + ": 562 stomatology"),
    _figure("2021-10", "consultation_mental_health", 67, _D10 + ": 67 mental health"),
    *_participation(
        "2021-10", 35, 25, "not stated for 2021-10; the sample has every OOAD and UMAE", False
    ),
    # 2021-11
    _figure("2021-11", "surgery", 3251, _D11),
    _figure("2021-11", "consultation_specialty", 20812, _D11),
    _figure("2021-11", "consultation_family_medicine", 56747, _D11),
    _figure("2021-11", TRANSPLANTS, 30, _D11),
    _figure("2021-11", "transplant_kidney", 16, _D11),
    _figure("2021-11", "transplant_cornea", 11, _D11),
    _figure("2021-11", "transplant_bone_marrow", 3, _D11),
    *_participation("2021-11", 35, 25, _D11),
    # Oaxaca's plan for the 11th day
    _figure(
        "2021-11",
        None,
        678,
        _B11 + "678 medical care will be carried out",
        scope="ooad",
        ooad_ids=("OC",),
        kind="goal",
    ),
    _figure(
        "2021-11",
        "surgery",
        24,
        _B11 + "There will also be 24 surgeries in Traumatology and "
        "Orthopedics, General Surgery, Bilateral Tubal Obstruction (OTB), as well as Gynecology "
        "and Surgical Oncology",
        scope="ooad",
        ooad_ids=("OC",),
        kind="goal",
    ),
    _figure(
        "2021-11",
        "consultation_specialty",
        250,
        _B11 + "In specialty consultations, 250 visits are scheduled",
        scope="ooad",
        ooad_ids=("OC",),
        kind="goal",
    ),
    # monothematic
    _figure("2021-M01", "surgery", 656, _DM1),
    _figure("2021-M01", "consultation_specialty", 4519, _DM1),
    _figure("2021-M01", "consultation_family_medicine", 6082, _DM1),
    *_participation("2021-M01", 7, 8, _DM1),
    # 2021-12
    _figure("2021-12", "surgery", 3178, _D12),
    _figure("2021-12", "consultation_specialty", 19299, _D12),
    _figure("2021-12", "consultation_family_medicine", 34984, _D12),
    _figure("2021-12", "vasectomy", 200, _D12),
    *_participation("2021-12", 33, 24, _D12),
    # 2021-13
    _figure("2021-13", "surgery", 2995, _D13),
    _figure("2021-13", "consultation_specialty", 20825, _D13),
    _figure("2021-13", "consultation_family_medicine", 40503, _D13),
    _figure("2021-13", TRANSPLANTS, 39, _D13),
    *_participation("2021-13", 34, 24, _D13),
    # 2021-14, national
    _figure("2021-14", "surgery", 3242, _B14 + "the institute carried out 3,242 surgeries"),
    _figure(
        "2021-14",
        CONSULTATIONS_65211,
        65211,
        _B14 + "65,000 … 211 Specialty, Family Medicine, "
        "Stomatology and Nutrition consultations (garbled by the translation)",
    ),
    *_participation(
        "2021-14",
        33,
        23,
        _B14 + "in 33 IMSS Representation Offices … and 23 High Specialty Medical Units (UMAE)",
    ),
    _figure("2021-14", "transplant_kidney", 11, _B14 + "11 kidney transplants were carried out"),
    _figure("2021-14", "transplant_cornea", 9, _B14 + "nine corneal"),
    _figure("2021-14", "transplant_liver", 2, _B14 + "two liver"),
    _figure("2021-14", "transplant_bone_marrow", 1, _B14 + "and one bone marrow"),
    _figure("2021-14", "donation_multiorgan", 9, _B14 + "nine multi-organ donations"),
    _figure("2021-14", "donation_tissue", 8, _B14 + "and eight of tissues"),
    _figure("2021-14", "mammogram", 3053, _B14 + "3 thousand 53 mammograms were performed"),
    _figure(
        "2021-14",
        "clinical_breast_exam",
        6398,
        _B14 + "6 thousand 398 clinical breast examinations",
    ),
    _figure(
        "2021-14",
        "vaccination_schedule",
        1013,
        _B14 + "one thousand 13 complete vaccination schedules",
    ),
    _figure(
        "2021-14",
        "vasectomy",
        49,
        _B14 + "49 vasectomies (the national figure wins over the State of Mexico's 70)",
    ),
    _figure("2021-14", "social_work_intervention", 736, _B14 + "736 Social Work interventions"),
    _figure(
        "2021-14", "detection_diabetes", 18296, _B14 + "18 thousand 296 detections of diabetes"
    ),
    _figure(
        "2021-14",
        "detection_hypertension",
        20172,
        _B14 + "20 thousand 172 of arterial hypertension",
    ),
    _figure("2021-14", "detection_cervical_cancer", 3225, _B14 + "3,225 of cervico-uterine cancer"),
    _figure("2021-14", "detection_hepatitis_c", 5214, _B14 + "and 5,214 of Hepatitis C"),
    # 2021-14, states
    _figure(
        "2021-14",
        "consultation_specialty",
        672,
        _B14 + "In Tabasco … Generating 672 ophthalmology consultations",
        scope="ooad",
        ooad_ids=("TC",),
        specialty="ophthalmology",
    ),
    _figure(
        "2021-14",
        "surgery",
        676,
        _B14 + "In Tabasco … Achieving 334 operated patients and 676 surgical procedures",
        scope="ooad",
        ooad_ids=("TC",),
    ),
    _figure(
        "2021-14",
        "family_planning_method",
        288,
        _B14 + "In the State of Mexico, 45 Family "
        "Medicine Units (FMU) applied 288 High Continuity Family Planning Methods",
        scope="ooad",
        ooad_ids=STATE_OF_MEXICO,
    ),
    _figure(
        "2021-14",
        "tubal_occlusion",
        42,
        _B14 + "In the State of Mexico … 42 bilateral tubal occlusion",
        scope="ooad",
        ooad_ids=STATE_OF_MEXICO,
    ),
    _figure(
        "2021-14",
        "surgery",
        155,
        _B14 + "In the State of Mexico … 155 surgical procedures",
        scope="ooad",
        ooad_ids=STATE_OF_MEXICO,
    ),
    *[
        _figure(
            "2021-14",
            "consultation_specialty",
            100,
            _B14 + "In the specific case of Chiapas, "
            "the goal of 100 percent was met in the consultation of specialties of trauma, "
            "pediatric surgery, urology and nephrology",
            scope="ooad",
            ooad_ids=("CS",),
            specialty=specialty,
            kind="goal_attainment_min_pct",
        )
        for specialty in ("traumatology_orthopedics", "pediatric_surgery", "urology", "nephrology")
    ],
    # 2021-14, UMAE HE No. 25 Monterrey
    *[
        _figure(
            "2021-14",
            activity,
            quantity,
            _B14 + "At the UMAE Hospital de Especialidades No. 25 "
            "de Monterrey … two liver transplants, one bone marrow, three kidney transplants, and "
            "five cornea transplants",
            scope="unit",
            unit_id=UMAE_HE25_MONTERREY,
        )
        for activity, quantity in (
            ("transplant_liver", 2),
            ("transplant_bone_marrow", 1),
            ("transplant_kidney", 3),
            ("transplant_cornea", 5),
        )
    ],
]

# Figures about how many units did something (not marts quantities; checked by the
# generator's tests and available to anyone who wants them).
PUBLISHED_UNIT_COUNTS: list[dict] = [
    {
        "jornada_id": "2021-14",
        "ooad_ids": STATE_OF_MEXICO,
        "unit_type": "UMF",
        "activity": "family_planning_method",
        "kind": "performed_units",
        "count": 45,
        "source": _B14 + "In the State of Mexico, 45 Family Medicine Units (FMU) applied 288 …",
    },
    {
        "jornada_id": "2021-11",
        "ooad_ids": ("OC",),
        "unit_type": "UMF",
        "activity": None,
        "kind": "goal_units",
        "count": 23,
        "source": _B11 + "in its 23 Family Medicine Units (UMF) and four hospitals",
    },
    {
        "jornada_id": "2021-11",
        "ooad_ids": ("OC",),
        "unit_type": "hospital",
        "activity": None,
        "kind": "goal_units",
        "count": 4,
        "source": _B11 + "in its 23 Family Medicine Units (UMF) and four hospitals",
    },
]

# Specialties the 14th day's bulletin names as those with the most demand (order not given):
# in the sample they are exactly the top N of marts.specialty_demand for 2021-14.
PUBLISHED_DEMAND_TOP: dict[str, tuple[str, ...]] = {
    "surgery": (
        "general_surgery",
        "plastic_surgery",
        "gynecology",
        "ophthalmology",
        "traumatology_orthopedics",
        "urology",
    ),
    "consultation_specialty": (
        "general_surgery",
        "gynecology",
        "internal_medicine",
        "neurology",
        "ophthalmology",
        "medical_oncology",
        "psychiatry",
        "traumatology_orthopedics",
        "urology",
    ),
}

# Not published: the State of Mexico's 70 vasectomies contradict the 49 national ones; the
# national figure wins and the sample keeps the state's below it.
STATE_OF_MEXICO_VASECTOMIES_NOT_RESTATED = 70

# ------------------------------------------------------------------ the generator's choices

# Who took part (where the sources give only a count, the sample chooses who).
NOT_TAKING_PART: dict[str, dict[str, tuple]] = {
    "2021-10": {"ooad": (), "umae": ()},
    "2021-11": {"ooad": (), "umae": ()},
    "2021-12": {"ooad": ("TL", "ZS"), "umae": (17,)},
    "2021-13": {"ooad": ("CC",), "umae": (20,)},
    "2021-14": {"ooad": ("BS", "CM"), "umae": (12, 22)},
}
MONOTHEMATIC_TAKING_PART = {
    "ooad": ("DFN", "DFS", "MCO", "MCP", "JC", "NL", "PL"),
    "umae": (1, 2, 3, 4, 11, 15, 19, 21),
}
# An OOAD that sends a report of zeros only: it reported but did not take part.
ZERO_REPORTS: dict[str, str] = {"2021-14": "BS"}

# Splits of combined figures (chosen; they sum to the published combination).
CHOSEN_TOTALS: dict[str, dict[str, int]] = {
    "2021-11": {"transplant_liver": 0},
    "2021-13": {
        "transplant_kidney": 21,
        "transplant_cornea": 15,
        "transplant_liver": 1,
        "transplant_bone_marrow": 2,
    },
    "2021-14": {
        "consultation_family_medicine": 43211,
        "consultation_specialty": 20940,
        "consultation_stomatology": 640,
        "consultation_nutrition": 420,
    },
}

# Typical national totals of one full national day for activities the sources do not give;
# the sample draws each unstated total around these (scaled by participation).
BASELINE_TOTALS: dict[str, int] = {
    "consultation_family_medicine": 45000,
    "consultation_specialty": 20000,
    "consultation_stomatology": 600,
    "consultation_nutrition": 420,
    "consultation_mental_health": 70,
    "surgery": 3100,
    "transplant_kidney": 12,
    "transplant_cornea": 10,
    "transplant_liver": 1,
    "transplant_bone_marrow": 1,
    "donation_multiorgan": 8,
    "donation_tissue": 8,
    "mammogram": 3000,
    "clinical_breast_exam": 6400,
    "vaccination_schedule": 1000,
    "vasectomy": 60,
    "tubal_occlusion": 380,
    "family_planning_method": 2400,
    "social_work_intervention": 740,
    "detection_diabetes": 18000,
    "detection_hypertension": 20000,
    "detection_cervical_cancer": 3200,
    "detection_hepatitis_c": 5000,
    "diagnostic_endoscopy": 160,
    "diagnostic_mri": 120,
}

# Tabasco's surgical day was on cataracts: most of its 676 procedures are ophthalmology.
TABASCO_OPHTHALMOLOGY_SURGERY_SHARE = 0.8
# Chiapas: goals in those four specialties are set at or below what was performed.
CHIAPAS_GOAL_FACTOR = (0.8, 1.0)


def national_totals() -> dict[str, dict[str, int]]:
    """Per jornada, the activity totals the sample must hit exactly (published or chosen)."""
    totals: dict[str, dict[str, int]] = {j: {} for j in SAMPLE_JORNADAS}
    for figure in PUBLISHED_FIGURES:
        national = figure["scope"] == "national" and figure["kind"] == "performed"
        if national and isinstance(figure["activity"], str):
            totals[figure["jornada_id"]][figure["activity"]] = figure["quantity"]
    for jornada_id, chosen in CHOSEN_TOTALS.items():
        totals[jornada_id].update(chosen)
    return totals
