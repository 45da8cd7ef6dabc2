"""What each kind of unit does: the activities and specialties it reports, with weights.

Used by the calibrated sample (to decide where national totals land) and by the national
scales (the daily reporting form of each unit type).
"""

from __future__ import annotations

from dagster_project.generator.catalogs import Unit

# National demand of specialty consultations and surgeries. The specialties the 14th day's
# bulletin names as most demanded weigh clearly more than the rest, so they rank on top.
CONSULTATION_WEIGHTS = {
    "general_surgery": 9.0,
    "gynecology": 9.0,
    "internal_medicine": 10.0,
    "neurology": 6.5,
    "ophthalmology": 7.0,
    "medical_oncology": 6.0,
    "psychiatry": 6.0,
    "traumatology_orthopedics": 9.0,
    "urology": 6.5,
    "cardiology": 1.6,
    "rehabilitation": 1.5,
    "pulmonology": 1.0,
    "nephrology": 1.1,
    "pediatrics": 1.5,
    "pediatric_surgery": 0.6,
    "anesthesiology": 0.5,
    "neurosurgery": 0.8,
    "otorhinolaryngology": 1.5,
    "dermatology": 1.5,
    "geriatrics": 0.9,
    "rheumatology": 1.0,
    "endocrinology": 1.3,
    "gastroenterology": 1.3,
    "angiology": 1.0,
    "genetics": 0.3,
    "plastic_surgery": 1.0,
    "surgical_oncology": 1.2,
}
SURGERY_WEIGHTS = {
    "general_surgery": 10.0,
    "gynecology": 7.0,
    "traumatology_orthopedics": 7.0,
    "ophthalmology": 4.5,
    "plastic_surgery": 4.5,
    "urology": 4.5,
    "surgical_oncology": 1.2,
    "pediatric_surgery": 1.0,
    "neurosurgery": 0.8,
    "otorhinolaryngology": 1.0,
    "angiology": 1.0,
    "cardiology": 0.5,
}
ALL_CONSULTATION = tuple(CONSULTATION_WEIGHTS)
ALL_SURGERY = tuple(SURGERY_WEIGHTS)

_BASIC_CONSULT = (
    "general_surgery",
    "gynecology",
    "internal_medicine",
    "pediatrics",
    "traumatology_orthopedics",
    "anesthesiology",
)
_BASIC_SURGERY = ("general_surgery", "gynecology", "traumatology_orthopedics")

# unit type (or UMAE kind) -> (consultation specialties, surgery specialties)
_SPECIALTIES = {
    "UMAA": (
        (
            "ophthalmology",
            "traumatology_orthopedics",
            "general_surgery",
            "gynecology",
            "internal_medicine",
            "urology",
            "dermatology",
            "otorhinolaryngology",
            "rehabilitation",
            "plastic_surgery",
            "psychiatry",
            "neurology",
        ),
        ("ophthalmology", "general_surgery", "plastic_surgery", "otorhinolaryngology", "urology"),
    ),
    "HGZ": (
        tuple(s for s in ALL_CONSULTATION if s not in ("genetics", "pediatric_surgery")),
        tuple(
            s for s in ALL_SURGERY if s not in ("cardiology", "pediatric_surgery", "neurosurgery")
        ),
    ),
    "HGR": (
        tuple(s for s in ALL_CONSULTATION if s != "genetics"),
        tuple(s for s in ALL_SURGERY if s != "cardiology"),
    ),
    "HGSZ": (_BASIC_CONSULT + ("ophthalmology", "urology"), _BASIC_SURGERY + ("urology",)),
    "HR": (_BASIC_CONSULT, _BASIC_SURGERY),
    "HGO": (("gynecology", "pediatrics", "surgical_oncology", "anesthesiology"), ("gynecology",)),
    "HGP": (
        ("gynecology", "pediatrics", "pediatric_surgery", "anesthesiology"),
        ("gynecology", "pediatric_surgery"),
    ),
    # UMAE by kind
    "HE": (
        tuple(s for s in ALL_CONSULTATION if s not in ("pediatrics", "pediatric_surgery")),
        tuple(s for s in ALL_SURGERY if s != "pediatric_surgery"),
    ),
    "HG": (ALL_CONSULTATION, ALL_SURGERY),
    "HTO": (
        (
            "traumatology_orthopedics",
            "rehabilitation",
            "plastic_surgery",
            "neurosurgery",
            "anesthesiology",
            "rheumatology",
        ),
        ("traumatology_orthopedics", "plastic_surgery", "neurosurgery"),
    ),
    "HP": (
        (
            "pediatrics",
            "pediatric_surgery",
            "cardiology",
            "nephrology",
            "neurology",
            "genetics",
            "medical_oncology",
            "endocrinology",
            "gastroenterology",
        ),
        ("pediatric_surgery", "neurosurgery", "ophthalmology"),
    ),
    "HC": (("cardiology", "angiology", "internal_medicine"), ("cardiology", "angiology")),
    "HO": (
        ("medical_oncology", "surgical_oncology", "gynecology", "urology", "general_surgery"),
        ("surgical_oncology", "gynecology", "urology", "general_surgery"),
    ),
}
_SPECIALTIES["UMAE_HGO"] = (
    ("gynecology", "surgical_oncology", "genetics", "anesthesiology"),
    ("gynecology",),
)
_SPECIALTIES["UMAE_HGP"] = (
    ("gynecology", "pediatrics", "pediatric_surgery", "genetics"),
    ("gynecology", "pediatric_surgery"),
)

# UMF that host visiting specialists on national days (first-level specialties).
UMF_CONSULT_SPECIALTIES = (
    "internal_medicine",
    "pediatrics",
    "gynecology",
    "rehabilitation",
    "psychiatry",
    "geriatrics",
    "dermatology",
    "ophthalmology",
    "traumatology_orthopedics",
)

_HOSPITAL = ("HGZ", "HGR", "HGSZ", "HR", "HGO", "HGP")
# activity -> {unit type: weight}; UMAE weights are refined by kind below.
ACTIVITY_UNIT_WEIGHTS: dict[str, dict[str, float]] = {
    "consultation_family_medicine": {"UMF": 1.0},
    "consultation_specialty": {
        "UMAA": 0.6,
        "HGZ": 1.0,
        "HGR": 1.4,
        "HGSZ": 0.5,
        "HR": 0.3,
        "HGO": 0.5,
        "HGP": 0.5,
        "UMAE": 2.5,
    },
    "consultation_stomatology": {"UMF": 1.0, "UMAA": 0.5},
    "consultation_nutrition": {"UMF": 1.0, "HGZ": 0.5, "UMAE": 0.3},
    "consultation_mental_health": {"UMF": 1.0, "HGZ": 0.5},
    "surgery": {
        "UMAA": 0.4,
        "HGZ": 1.0,
        "HGR": 1.4,
        "HGSZ": 0.5,
        "HR": 0.3,
        "HGO": 0.6,
        "HGP": 0.6,
        "UMAE": 2.0,
    },
    "transplant_kidney": {"HGR": 0.2, "UMAE": 1.0},
    "transplant_cornea": {"HGR": 0.3, "UMAE": 1.0},
    "transplant_liver": {"UMAE": 1.0},
    "transplant_bone_marrow": {"UMAE": 1.0},
    "donation_multiorgan": {"HGZ": 0.6, "HGR": 1.0, "UMAE": 1.0},
    "donation_tissue": {"HGZ": 0.6, "HGR": 1.0, "UMAE": 1.0},
    "mammogram": {"UMF": 1.0, "HGZ": 0.8, "HGO": 0.8},
    "clinical_breast_exam": {"UMF": 1.0},
    "vaccination_schedule": {"UMF": 1.0},
    "vasectomy": {"UMF": 1.0, "HGZ": 0.6},
    "tubal_occlusion": {"HGZ": 1.0, "HGR": 1.0, "HGSZ": 0.6, "HGO": 2.0, "HGP": 1.5},
    "family_planning_method": {"UMF": 1.0, "HGO": 0.6},
    "social_work_intervention": {"UMF": 1.0, "HGZ": 1.0, "HGR": 1.0, "UMAE": 1.0},
    "detection_diabetes": {"UMF": 1.0},
    "detection_hypertension": {"UMF": 1.0},
    "detection_cervical_cancer": {"UMF": 1.0},
    "detection_hepatitis_c": {"UMF": 1.0},
    "diagnostic_endoscopy": {"HGZ": 0.5, "HGR": 1.0, "UMAE": 2.0},
    "diagnostic_mri": {"HGR": 0.5, "UMAE": 2.0},
}
# Which UMAE do what beyond consultations and surgeries.
UMAE_TRANSPLANT_CENTERS = {
    "transplant_kidney": (1, 2, 3, 4, 5, 7, 10, 24),
    "transplant_cornea": (1, 2, 3, 4, 6, 7, 9, 10),
    "transplant_liver": (1, 2, 4),
    "transplant_bone_marrow": (4, 19, 20, 25),
}

# Typical size of one cell (one unit, one activity, one specialty, the whole jornada): the
# sample spreads a national total over about total / size cells.
CELL_SIZE = {
    "consultation_family_medicine": 45,
    "consultation_specialty": 14,
    "consultation_stomatology": 6,
    "consultation_nutrition": 5,
    "consultation_mental_health": 3,
    "surgery": 5,
    "transplant_kidney": 2,
    "transplant_cornea": 2,
    "transplant_liver": 1,
    "transplant_bone_marrow": 1,
    "donation_multiorgan": 1,
    "donation_tissue": 1,
    "mammogram": 12,
    "clinical_breast_exam": 18,
    "vaccination_schedule": 6,
    "vasectomy": 3,
    "tubal_occlusion": 3,
    "family_planning_method": 7,
    "social_work_intervention": 6,
    "detection_diabetes": 28,
    "detection_hypertension": 30,
    "detection_cervical_cancer": 10,
    "detection_hepatitis_c": 15,
    "diagnostic_endoscopy": 4,
    "diagnostic_mri": 4,
}


def _profile_key(unit: Unit) -> str:
    if unit.unit_type != "UMAE":
        return unit.unit_type
    if unit.umae_kind in ("HGO", "HGP"):
        return f"UMAE_{unit.umae_kind}"
    return unit.umae_kind


def consultation_specialties(unit: Unit) -> tuple[str, ...]:
    if unit.unit_type == "UMF":
        return ()
    return _SPECIALTIES[_profile_key(unit)][0]


def surgery_specialties(unit: Unit) -> tuple[str, ...]:
    if unit.unit_type == "UMF":
        return ()
    return _SPECIALTIES[_profile_key(unit)][1]


def activity_weight(unit: Unit, activity: str) -> float:
    """How much of an activity a unit does, relative to others; 0 when it does none."""
    if unit.unit_type == "UMAE":
        centers = UMAE_TRANSPLANT_CENTERS.get(activity)
        if centers is not None:
            return 1.0 if unit.umae_number in centers else 0.0
    return ACTIVITY_UNIT_WEIGHTS[activity].get(unit.unit_type, 0.0)


def specialty_weight(unit: Unit, activity: str, specialty: str) -> float:
    base = (CONSULTATION_WEIGHTS if activity == "consultation_specialty" else SURGERY_WEIGHTS)[
        specialty
    ]
    if unit.unit_type == "UMAE" and unit.umae_kind != "HE":
        # Single-specialty UMAE do mostly their own specialty.
        return base * 3.0
    return base
