"""Reference catalogs: the OOADs, the UMAE, a synthetic set of units, activities, specialties
and the calendars of national days.

The committed CSVs under `dbt/seeds/` are the single source of truth; `build_*` functions
here only (re)create them (`python -m dagster_project.generator.write_seeds`), deterministically,
and `load_catalog()` reads them back for the generator.
"""
# ruff: noqa: E501  (the data tables below keep one row per line)

from __future__ import annotations

import csv
import random
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from dagster_project.settings import DBT_PROJECT_DIR

SEEDS_DIR = DBT_PROJECT_DIR / "seeds"
# Fixed, independent of the generator's --seed: the catalog is reference data, not a sample.
CATALOG_SEED = 20210101

# ooad_id, ooad_name, INEGI state code, state (es), state (en), CLUES prefix,
# population 2020 of the state (INEGI census), share of the state for this OOAD,
# UTC offset of its winter time, cities (first = seat of the OOAD).
# fmt: off
_OOADS = [
    ('AS', 'Aguascalientes', '01', 'Aguascalientes', 'Aguascalientes', 'AS', 1425607, 1.0, '-06:00', 'Aguascalientes|Jesús María|Calvillo'),
    ('BC', 'Baja California', '02', 'Baja California', 'Baja California', 'BC', 3769020, 1.0, '-08:00', 'Mexicali|Tijuana|Ensenada'),
    ('BS', 'Baja California Sur', '03', 'Baja California Sur', 'Baja California Sur', 'BS', 798447, 1.0, '-07:00', 'La Paz|San José del Cabo|Ciudad Constitución'),
    ('CC', 'Campeche', '04', 'Campeche', 'Campeche', 'CC', 928363, 1.0, '-06:00', 'San Francisco de Campeche|Ciudad del Carmen|Champotón'),
    ('CL', 'Coahuila', '05', 'Coahuila de Zaragoza', 'Coahuila', 'CL', 3146771, 1.0, '-06:00', 'Saltillo|Torreón|Monclova'),
    ('CM', 'Colima', '06', 'Colima', 'Colima', 'CM', 731391, 1.0, '-06:00', 'Colima|Manzanillo|Tecomán'),
    ('CS', 'Chiapas', '07', 'Chiapas', 'Chiapas', 'CS', 5543828, 1.0, '-06:00', 'Tuxtla Gutiérrez|Tapachula|San Cristóbal de las Casas'),
    ('CH', 'Chihuahua', '08', 'Chihuahua', 'Chihuahua', 'CH', 3741869, 1.0, '-07:00', 'Chihuahua|Ciudad Juárez|Delicias'),
    ('DFN', 'Ciudad de México Norte', '09', 'Ciudad de México', 'Mexico City', 'DF', 9209944, 0.5, '-06:00', 'Ciudad de México (Gustavo A. Madero)|Ciudad de México (Azcapotzalco)|Ciudad de México (Cuauhtémoc)'),
    ('DFS', 'Ciudad de México Sur', '09', 'Ciudad de México', 'Mexico City', 'DF', 9209944, 0.5, '-06:00', 'Ciudad de México (Coyoacán)|Ciudad de México (Tlalpan)|Ciudad de México (Benito Juárez)'),
    ('DG', 'Durango', '10', 'Durango', 'Durango', 'DG', 1832650, 1.0, '-06:00', 'Victoria de Durango|Gómez Palacio|Lerdo'),
    ('GT', 'Guanajuato', '11', 'Guanajuato', 'Guanajuato', 'GT', 6166934, 1.0, '-06:00', 'León|Irapuato|Celaya|Guanajuato'),
    ('GR', 'Guerrero', '12', 'Guerrero', 'Guerrero', 'GR', 3540685, 1.0, '-06:00', 'Chilpancingo|Acapulco|Iguala'),
    ('HG', 'Hidalgo', '13', 'Hidalgo', 'Hidalgo', 'HG', 3082841, 1.0, '-06:00', 'Pachuca|Tulancingo|Tula de Allende'),
    ('JC', 'Jalisco', '14', 'Jalisco', 'Jalisco', 'JC', 8348151, 1.0, '-06:00', 'Guadalajara|Zapopan|Tlaquepaque|Puerto Vallarta'),
    ('MCO', 'Estado de México Oriente', '15', 'Estado de México', 'State of Mexico', 'MC', 16992418, 0.5, '-06:00', 'Ecatepec|Nezahualcóyotl|Texcoco|Chalco'),
    ('MCP', 'Estado de México Poniente', '15', 'Estado de México', 'State of Mexico', 'MC', 16992418, 0.5, '-06:00', 'Toluca|Naucalpan|Tlalnepantla|Atizapán'),
    ('MN', 'Michoacán', '16', 'Michoacán de Ocampo', 'Michoacán', 'MN', 4748846, 1.0, '-06:00', 'Morelia|Uruapan|Zamora'),
    ('MS', 'Morelos', '17', 'Morelos', 'Morelos', 'MS', 1971520, 1.0, '-06:00', 'Cuernavaca|Cuautla|Jiutepec'),
    ('NT', 'Nayarit', '18', 'Nayarit', 'Nayarit', 'NT', 1235456, 1.0, '-07:00', 'Tepic|Bahía de Banderas|Santiago Ixcuintla'),
    ('NL', 'Nuevo León', '19', 'Nuevo León', 'Nuevo León', 'NL', 5784442, 1.0, '-06:00', 'Monterrey|Guadalupe|San Nicolás de los Garza|Apodaca'),
    ('OC', 'Oaxaca', '20', 'Oaxaca', 'Oaxaca', 'OC', 4132148, 1.0, '-06:00', 'Oaxaca de Juárez|Salina Cruz|San Juan Bautista Tuxtepec'),
    ('PL', 'Puebla', '21', 'Puebla', 'Puebla', 'PL', 6583278, 1.0, '-06:00', 'Puebla|Tehuacán|Atlixco'),
    ('QT', 'Querétaro', '22', 'Querétaro', 'Querétaro', 'QT', 2368467, 1.0, '-06:00', 'Querétaro|San Juan del Río|Corregidora'),
    ('QR', 'Quintana Roo', '23', 'Quintana Roo', 'Quintana Roo', 'QR', 1857985, 1.0, '-05:00', 'Chetumal|Cancún|Playa del Carmen'),
    ('SP', 'San Luis Potosí', '24', 'San Luis Potosí', 'San Luis Potosí', 'SP', 2822255, 1.0, '-06:00', 'San Luis Potosí|Ciudad Valles|Matehuala'),
    ('SL', 'Sinaloa', '25', 'Sinaloa', 'Sinaloa', 'SL', 3026943, 1.0, '-07:00', 'Culiacán|Mazatlán|Los Mochis'),
    ('SR', 'Sonora', '26', 'Sonora', 'Sonora', 'SR', 2944840, 1.0, '-07:00', 'Hermosillo|Ciudad Obregón|Nogales'),
    ('TC', 'Tabasco', '27', 'Tabasco', 'Tabasco', 'TC', 2402598, 1.0, '-06:00', 'Villahermosa|Cárdenas|Comalcalco'),
    ('TS', 'Tamaulipas', '28', 'Tamaulipas', 'Tamaulipas', 'TS', 3527735, 1.0, '-06:00', 'Ciudad Victoria|Reynosa|Tampico|Matamoros'),
    ('TL', 'Tlaxcala', '29', 'Tlaxcala', 'Tlaxcala', 'TL', 1342977, 1.0, '-06:00', 'Tlaxcala|Apizaco|Huamantla'),
    ('VZN', 'Veracruz Norte', '30', 'Veracruz de Ignacio de la Llave', 'Veracruz', 'VZ', 8062579, 0.5, '-06:00', 'Xalapa|Veracruz|Poza Rica|Tuxpan'),
    ('VZS', 'Veracruz Sur', '30', 'Veracruz de Ignacio de la Llave', 'Veracruz', 'VZ', 8062579, 0.5, '-06:00', 'Orizaba|Córdoba|Coatzacoalcos|Minatitlán'),
    ('YN', 'Yucatán', '31', 'Yucatán', 'Yucatán', 'YN', 2320898, 1.0, '-06:00', 'Mérida|Valladolid|Tizimín'),
    ('ZS', 'Zacatecas', '32', 'Zacatecas', 'Zacatecas', 'ZS', 1622138, 1.0, '-06:00', 'Zacatecas|Fresnillo|Guadalupe'),
]
# fmt: on

# The 25 UMAE, numbered as in domain.md: number, kind, name (keeps the hospital's own number
# where bulletins confirm it), city, OOAD whose territory hosts it (for state and CLUES prefix).
# fmt: off
_UMAE = [
    (1, 'HE', 'UMAE Hospital de Especialidades CMN La Raza, Ciudad de México', 'Ciudad de México', 'DFN'),
    (2, 'HE', 'UMAE Hospital de Especialidades CMN Siglo XXI, Ciudad de México', 'Ciudad de México', 'DFS'),
    (3, 'HE', 'UMAE Hospital de Especialidades CMN de Occidente, Guadalajara', 'Guadalajara', 'JC'),
    (4, 'HE', 'UMAE Hospital de Especialidades No. 25, Monterrey', 'Monterrey', 'NL'),
    (5, 'HE', 'UMAE Hospital de Especialidades, Torreón', 'Torreón', 'CL'),
    (6, 'HE', 'UMAE Hospital de Especialidades, Puebla', 'Puebla', 'PL'),
    (7, 'HE', 'UMAE Hospital de Especialidades No. 1 CMN del Bajío, León', 'León', 'GT'),
    (8, 'HE', 'UMAE Hospital de Especialidades No. 2, Ciudad Obregón', 'Ciudad Obregón', 'SR'),
    (9, 'HE', 'UMAE Hospital de Especialidades, Veracruz', 'Veracruz', 'VZN'),
    (10, 'HE', 'UMAE Hospital de Especialidades No. 1, Mérida', 'Mérida', 'YN'),
    (11, 'HGO', 'UMAE Hospital de Gineco Obstetricia CMN La Raza, Ciudad de México', 'Ciudad de México', 'DFN'),
    (12, 'HGO', 'UMAE Hospital de Gineco Obstetricia San Ángel, Ciudad de México', 'Ciudad de México', 'DFS'),
    (13, 'HGO', 'UMAE Hospital de Gineco Obstetricia CMN de Occidente, Guadalajara', 'Guadalajara', 'JC'),
    (14, 'HGO', 'UMAE Hospital de Gineco Obstetricia, Monterrey', 'Monterrey', 'NL'),
    (15, 'HTO', 'UMAE Hospital de Traumatología y Ortopedia Magdalena de las Salinas, Ciudad de México', 'Ciudad de México', 'DFN'),
    (16, 'HTO', 'UMAE Hospital de Traumatología y Ortopedia Lomas Verdes, Naucalpan', 'Naucalpan', 'MCP'),
    (17, 'HTO', 'UMAE Hospital de Traumatología y Ortopedia, Puebla', 'Puebla', 'PL'),
    (18, 'HTO', 'UMAE Hospital de Traumatología y Ortopedia No. 21, Monterrey', 'Monterrey', 'NL'),
    (19, 'HP', 'UMAE Hospital de Pediatría CMN Siglo XXI, Ciudad de México', 'Ciudad de México', 'DFS'),
    (20, 'HP', 'UMAE Hospital de Pediatría CMN de Occidente, Guadalajara', 'Guadalajara', 'JC'),
    (21, 'HC', 'UMAE Hospital de Cardiología CMN Siglo XXI, Ciudad de México', 'Ciudad de México', 'DFS'),
    (22, 'HC', 'UMAE Hospital de Cardiología, Monterrey', 'Monterrey', 'NL'),
    (23, 'HGP', 'UMAE Hospital de Gineco Pediatría No. 48 CMN del Bajío, León', 'León', 'GT'),
    (24, 'HG', 'UMAE Hospital General CMN La Raza, Ciudad de México', 'Ciudad de México', 'DFN'),
    (25, 'HO', 'UMAE Hospital de Oncología CMN Siglo XXI, Ciudad de México', 'Ciudad de México', 'DFS'),
]
# fmt: on
# Numbers whose name or numbering the bulletins confirm; the rest come from a public catalog
# and need checking (domain.md).
_UMAE_CONFIRMED = {4, 8}

# fmt: off
ACTIVITIES = [
    ('consultation_family_medicine', 'Consultas de medicina familiar', 'Family-medicine consultations', 'consultation', False),
    ('consultation_specialty', 'Consultas de especialidad', 'Specialty (outpatient) consultations', 'consultation', True),
    ('consultation_stomatology', 'Consultas de estomatología', 'Stomatology consultations', 'consultation', False),
    ('consultation_nutrition', 'Consultas de nutrición', 'Nutrition consultations', 'consultation', False),
    ('consultation_mental_health', 'Consultas de salud mental', 'Mental-health consultations', 'consultation', False),
    ('surgery', 'Cirugías (intervenciones quirúrgicas)', 'Surgeries (surgical procedures)', 'surgery', True),
    ('transplant_kidney', 'Trasplantes de riñón', 'Kidney transplants', 'transplant', False),
    ('transplant_cornea', 'Trasplantes de córnea', 'Cornea transplants', 'transplant', False),
    ('transplant_liver', 'Trasplantes de hígado', 'Liver transplants', 'transplant', False),
    ('transplant_bone_marrow', 'Trasplantes de médula ósea', 'Bone-marrow transplants', 'transplant', False),
    ('donation_multiorgan', 'Donaciones multiorgánicas', 'Multi-organ donations', 'donation', False),
    ('donation_tissue', 'Donaciones de tejidos', 'Tissue donations', 'donation', False),
    ('mammogram', 'Mastografías', 'Mammograms', 'prevention', False),
    ('clinical_breast_exam', 'Exploraciones clínicas de mama', 'Clinical breast examinations', 'prevention', False),
    ('vaccination_schedule', 'Esquemas de vacunación completos', 'Complete vaccination schedules', 'prevention', False),
    ('vasectomy', 'Vasectomías sin bisturí', 'No-scalpel vasectomies', 'family_planning', False),
    ('tubal_occlusion', 'Oclusiones tubarias bilaterales (OTB)', 'Bilateral tubal occlusions', 'family_planning', False),
    ('family_planning_method', 'Métodos de planificación familiar de alta continuidad', 'High-continuity family-planning methods', 'family_planning', False),
    ('social_work_intervention', 'Intervenciones de trabajo social', 'Social-work interventions', 'social_work', False),
    ('detection_diabetes', 'Detecciones de diabetes', 'Diabetes detections', 'detection', False),
    ('detection_hypertension', 'Detecciones de hipertensión arterial', 'Arterial hypertension detections', 'detection', False),
    ('detection_cervical_cancer', 'Detecciones de cáncer cérvico-uterino', 'Cervical cancer detections', 'detection', False),
    ('detection_hepatitis_c', 'Detecciones de hepatitis C', 'Hepatitis C detections', 'detection', False),
    ('diagnostic_endoscopy', 'Estudios de endoscopia', 'Endoscopy studies', 'diagnostic', False),
    ('diagnostic_mri', 'Estudios de resonancia magnética', 'Magnetic resonance imaging studies', 'diagnostic', False),
]
# fmt: on

# fmt: off
SPECIALTIES = [
    ('general_surgery', 'Cirugía general', 'General surgery', True),
    ('plastic_surgery', 'Cirugía plástica y reconstructiva', 'Plastic and reconstructive surgery', True),
    ('surgical_oncology', 'Oncología quirúrgica', 'Surgical oncology', True),
    ('gynecology', 'Ginecología', 'Gynecology', True),
    ('ophthalmology', 'Oftalmología', 'Ophthalmology', True),
    ('traumatology_orthopedics', 'Traumatología y ortopedia', 'Traumatology and orthopedics', True),
    ('urology', 'Urología', 'Urology', True),
    ('cardiology', 'Cardiología', 'Cardiology', False),
    ('internal_medicine', 'Medicina interna', 'Internal medicine', False),
    ('rehabilitation', 'Medicina física y rehabilitación', 'Physical medicine and rehabilitation', False),
    ('neurology', 'Neurología', 'Neurology', False),
    ('pulmonology', 'Neumología', 'Pulmonology', False),
    ('nephrology', 'Nefrología', 'Nephrology', False),
    ('pediatrics', 'Pediatría', 'Pediatrics', False),
    ('pediatric_surgery', 'Cirugía pediátrica', 'Pediatric surgery', True),
    ('psychiatry', 'Psiquiatría', 'Psychiatry', False),
    ('anesthesiology', 'Anestesiología', 'Anesthesiology', False),
    ('neurosurgery', 'Neurocirugía', 'Neurosurgery', True),
    ('otorhinolaryngology', 'Otorrinolaringología', 'Otorhinolaryngology', True),
    ('dermatology', 'Dermatología', 'Dermatology', False),
    ('geriatrics', 'Geriatría', 'Geriatrics', False),
    ('rheumatology', 'Reumatología', 'Rheumatology', False),
    ('endocrinology', 'Endocrinología', 'Endocrinology', False),
    ('gastroenterology', 'Gastroenterología', 'Gastroenterology', False),
    ('angiology', 'Angiología y cirugía vascular', 'Angiology and vascular surgery', True),
    ('genetics', 'Genética', 'Genetics', False),
    ('medical_oncology', 'Oncología médica', 'Medical oncology', False),
]
# fmt: on

# jornada_id, number, kind, start, end, dates_source, note
# fmt: off
_JORNADAS_2021 = [
    ('2021-01', 1, 'national', '2021-05-14', '2021-05-16', 'assumed', 'not found in bulletins; placed on a Friday-Sunday before day 3'),
    ('2021-02', 2, 'national', '2021-05-28', '2021-05-30', 'assumed', 'not found in bulletins; placed on a Friday-Sunday before day 3'),
    ('2021-03', 3, 'national', '2021-06-11', '2021-06-13', 'assumed', 'a bulletin says it started about 2021-06-11; exact dates unconfirmed'),
    ('2021-04', 4, 'national', '2021-07-02', '2021-07-04', 'reported', 'goals only were published'),
    ('2021-05', 5, 'national', '2021-07-23', '2021-07-25', 'assumed', 'not found in bulletins; placed on a Friday-Sunday between days 4 and 7'),
    ('2021-06', 6, 'national', '2021-08-13', '2021-08-15', 'assumed', 'not found in bulletins; placed on a Friday-Sunday between days 4 and 7'),
    ('2021-07', 7, 'national', '2021-09-10', '2021-09-12', 'reported', 'planned figures only'),
    ('2021-08', 8, 'national', '2021-09-24', '2021-09-26', 'assumed', 'not found in bulletins; placed on a Friday-Sunday between days 7 and 9'),
    ('2021-09', 9, 'national', '2021-10-08', '2021-10-10', 'reported', 'breast-cancer focus'),
    ('2021-10', 10, 'national', '2021-10-29', '2021-10-31', 'reported', ''),
    ('2021-11', 11, 'national', '2021-11-12', '2021-11-14', 'reported', ''),
    ('2021-M01', 1, 'monothematic', '2021-11-19', '2021-11-21', 'reported', 'monothematic day; its topic is not stated in the sources'),
    ('2021-12', 12, 'national', '2021-11-26', '2021-11-28', 'reported', ''),
    ('2021-13', 13, 'national', '2021-12-10', '2021-12-12', 'reported', ''),
    ('2021-14', 14, 'national', '2021-12-17', '2021-12-19', 'reported', 'last national day of 2021'),
]
# fmt: on

UNIT_TYPE_LEVEL = {
    "UMF": 1,
    "UMAA": 1,
    "HGZ": 2,
    "HGR": 2,
    "HGSZ": 2,
    "HR": 2,
    "HGO": 2,
    "HGP": 2,
    "UMAE": 3,
}
HOSPITAL_TYPES = ("HGZ", "HGR", "HGSZ", "HR", "HGO", "HGP")
# Totals asked for by the foundation issue: about 1,500 UMF and 250 hospitals.
_TARGET_UMF = 1500
_TARGET_UMAA = 60
_TARGET_HOSPITALS = 250
# Counts fixed by the bulletins: Oaxaca plans its 11th day "in its 23 UMF and four hospitals".
_FIXED_COUNTS = {"OC": {"UMF": 23, "UMAA": 0, "hospitals": 4}}


# Seed column order (ARCHITECTURE.md "Seeds"; extra columns after the fixed ones).
OOAD_COLUMNS = [
    "ooad_id",
    "ooad_name",
    "state_code",
    "state_name",
    "state_name_en",
    "population_2020",
    "clues_prefix",
    "utc_offset",
    "seat_city",
]
UNIT_COLUMNS = [
    "unit_id",
    "unit_name",
    "unit_type",
    "umae_kind",
    "umae_number",
    "level_of_care",
    "ooad_id",
    "state_code",
    "state_name",
    "city",
    "is_synthetic",
    "unit_subtype",
    "notes",
]
ACTIVITY_COLUMNS = [
    "activity",
    "name_es",
    "name_en",
    "category",
    "requires_specialty",
    "sort_order",
]
SPECIALTY_COLUMNS = ["specialty", "name_es", "name_en", "is_surgical", "sort_order"]
JORNADA_COLUMNS = [
    "jornada_id",
    "year",
    "number",
    "kind",
    "start_date",
    "end_date",
    "dates_source",
    "name_es",
    "name_en",
    "notes",
]


def _largest_remainder(total: int, weights: dict[str, float], minimum: int) -> dict[str, int]:
    keys = sorted(weights)
    free = total - minimum * len(keys)
    weight_sum = sum(weights.values())
    exact = {k: free * weights[k] / weight_sum for k in keys}
    counts = {k: int(exact[k]) for k in keys}
    rest = free - sum(counts.values())
    for k in sorted(keys, key=lambda k: (-(exact[k] - counts[k]), k))[:rest]:
        counts[k] += 1
    return {k: counts[k] + minimum for k in keys}


def build_ooad_rows() -> list[dict]:
    rows = []
    for oid, name, code, state, state_en, prefix, pop, share, offset, cities in _OOADS:
        rows.append(
            {
                "ooad_id": oid,
                "ooad_name": name,
                "state_code": code,
                "state_name": state,
                "state_name_en": state_en,
                "population_2020": round(pop * share),
                "clues_prefix": prefix,
                "utc_offset": offset,
                "seat_city": cities.split("|")[0],
            }
        )
    return rows


def build_unit_rows() -> list[dict]:
    rng = random.Random(CATALOG_SEED)
    ooads = {row[0]: row for row in _OOADS}
    population = {oid: row[6] * row[7] for oid, row in ooads.items()}
    free = {oid: p for oid, p in population.items() if oid not in _FIXED_COUNTS}

    def spread(total: int, kind: str, minimum: int) -> dict[str, int]:
        fixed = sum(c[kind] for c in _FIXED_COUNTS.values())
        counts = _largest_remainder(total - fixed, free, minimum)
        counts.update({oid: c[kind] for oid, c in _FIXED_COUNTS.items()})
        return counts

    umf = spread(_TARGET_UMF, "UMF", 6)
    umaa = spread(_TARGET_UMAA, "UMAA", 0)
    hospitals = spread(_TARGET_HOSPITALS, "hospitals", 3)

    rows: list[dict] = []
    next_number: dict[str, int] = {}

    def new_id(prefix: str) -> str:
        # CLUES-shaped: state prefix + IMS + six digits, numbered upward with gaps;
        # 000001-000025 are kept for the UMAE.
        number = next_number.get(prefix, 100) + 1 + int(rng.random() * 37)
        next_number[prefix] = number
        return f"{prefix}IMS{number:06d}"

    for number, kind, name, city, host in _UMAE:
        o = ooads[host]
        rows.append(
            {
                "unit_id": f"{o[5]}IMS{number:06d}",
                "unit_name": name,
                "unit_type": "UMAE",
                "umae_kind": kind,
                "umae_number": number,
                "level_of_care": 3,
                "ooad_id": "",
                "state_code": o[2],
                "state_name": o[3],
                "city": city,
                "is_synthetic": "false",
                "unit_subtype": "",
                "notes": "real unit; CLUES-shaped key is synthetic"
                + ("" if number in _UMAE_CONFIRMED else "; catalog numbering needs checking"),
            }
        )

    unit_numbers: dict[str, int] = {}
    hospital_numbers: dict[str, int] = {}
    for oid, _name, code, state, _en, prefix, _pop, _share, _off, cities_text in _OOADS:
        cities = cities_text.split("|")

        def city_of(cities: list[str] = cities) -> str:
            # The seat city hosts about half of the units.
            return (
                cities[0]
                if rng.random() < 0.5
                else cities[1 + int(rng.random() * (len(cities) - 1))]
            )

        types: list[str] = ["UMF"] * umf[oid] + ["UMAA"] * umaa[oid]
        n_hosp = hospitals[oid]
        hosp_types = ["HGR"] * max(1, n_hosp // 6)
        if n_hosp >= 6:
            hosp_types += ["HGO"] * max(1, n_hosp // 12) + ["HGP"] * (1 if n_hosp >= 9 else 0)
        while len(hosp_types) < n_hosp:
            draw = rng.random()
            hosp_types.append("HGZ" if draw < 0.62 else "HGSZ" if draw < 0.88 else "HR")
        types += hosp_types[:n_hosp]
        for unit_type in types:
            if unit_type in ("UMF", "UMAA"):
                unit_numbers[prefix] = unit_numbers.get(prefix, 0) + 1 + int(rng.random() * 3)
                number = unit_numbers[prefix]
            else:
                hospital_numbers[prefix] = (
                    hospital_numbers.get(prefix, 0) + 1 + int(rng.random() * 2)
                )
                number = hospital_numbers[prefix]
            subtype = ""
            label = unit_type
            if unit_type in ("HGZ", "HGR") and rng.random() < 0.3:
                # HGZ-MF / HGR-MF (hospital with family medicine) are folded into HGZ / HGR.
                subtype = f"{unit_type}-MF"
                label = f"{unit_type}/MF"
            rows.append(
                {
                    "unit_id": new_id(prefix),
                    "unit_name": f"{label} No. {number}, {city_of()}",
                    "unit_type": unit_type,
                    "umae_kind": "",
                    "umae_number": "",
                    "level_of_care": UNIT_TYPE_LEVEL[unit_type],
                    "ooad_id": oid,
                    "state_code": code,
                    "state_name": state,
                    "city": "",
                    "is_synthetic": "true",
                    "unit_subtype": subtype,
                    "notes": "synthetic unit",
                }
            )
            rows[-1]["city"] = rows[-1]["unit_name"].split(", ", 1)[1]
    return rows


def build_activity_rows() -> list[dict]:
    return [
        {
            "activity": a,
            "name_es": es,
            "name_en": en,
            "category": cat,
            "requires_specialty": str(req).lower(),
            "sort_order": i,
        }
        for i, (a, es, en, cat, req) in enumerate(ACTIVITIES, start=1)
    ]


def build_specialty_rows() -> list[dict]:
    return [
        {
            "specialty": s,
            "name_es": es,
            "name_en": en,
            "is_surgical": str(surg).lower(),
            "sort_order": i,
        }
        for i, (s, es, en, surg) in enumerate(SPECIALTIES, start=1)
    ]


def build_jornada_rows() -> list[dict]:
    rows = []
    for jid, number, kind, start, end, source, note in _JORNADAS_2021:
        if kind == "national":
            es = f"{number}a Jornada Nacional de Recuperación de Servicios {jid[:4]}"
            en = f"{number}th National Day of Recovery of Medical Services {jid[:4]}"
        else:
            es = f"Jornada monotemática {start}"
            en = f"Monothematic day {start}"
        rows.append(
            {
                "jornada_id": jid,
                "year": int(jid[:4]),
                "number": number,
                "kind": kind,
                "start_date": start,
                "end_date": end,
                "dates_source": source,
                "name_es": es,
                "name_en": en,
                "notes": note,
            }
        )
    return rows


def build_synthetic_jornada_rows(year: int = 2022) -> list[dict]:
    """52 seven-day periods covering the year (the last one takes the year's remaining days)."""
    rows = []
    start = date(year, 1, 1)
    for number in range(1, 53):
        end = start + timedelta(days=6) if number < 52 else date(year, 12, 31)
        rows.append(
            {
                "jornada_id": f"{year}-{number:02d}",
                "year": year,
                "number": number,
                "kind": "national",
                "start_date": start.isoformat(),
                "end_date": end.isoformat(),
                "dates_source": "synthetic",
                "name_es": f"Periodo sintético {number} de {year}",
                "name_en": f"Synthetic period {number} of {year}",
                "notes": "benchmark calendar (national-year scale); not a real national day",
            }
        )
        start = end + timedelta(days=1)
    return rows


def _write(path: Path, columns: list[str], rows: list[dict]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def write_seeds(seeds_dir: Path = SEEDS_DIR) -> None:
    seeds_dir.mkdir(parents=True, exist_ok=True)
    _write(seeds_dir / "ooad.csv", OOAD_COLUMNS, build_ooad_rows())
    _write(seeds_dir / "units.csv", UNIT_COLUMNS, build_unit_rows())
    _write(seeds_dir / "activities.csv", ACTIVITY_COLUMNS, build_activity_rows())
    _write(seeds_dir / "specialties.csv", SPECIALTY_COLUMNS, build_specialty_rows())
    _write(seeds_dir / "jornadas.csv", JORNADA_COLUMNS, build_jornada_rows())
    _write(seeds_dir / "jornadas_synthetic.csv", JORNADA_COLUMNS, build_synthetic_jornada_rows())


# ---------------------------------------------------------------- reading the committed seeds


@dataclass(frozen=True)
class Unit:
    unit_id: str
    unit_type: str
    umae_number: int | None
    umae_kind: str
    ooad_id: str  # "" for UMAE
    offset: str  # UTC offset of the unit's local winter time


@dataclass(frozen=True)
class Jornada:
    jornada_id: str
    start: date
    end: date

    @property
    def days(self) -> list[date]:
        return [self.start + timedelta(days=i) for i in range((self.end - self.start).days + 1)]


@dataclass(frozen=True)
class Catalog:
    ooads: list[str]
    units: list[Unit]
    activities: list[str]
    requires_specialty: dict[str, bool]
    specialties: list[str]
    surgical: list[str]
    jornadas: dict[str, Jornada]
    synthetic_jornadas: dict[str, Jornada]

    def units_of(self, ooad_id: str) -> list[Unit]:
        return [u for u in self.units if u.ooad_id == ooad_id]

    @property
    def umae(self) -> list[Unit]:
        return [u for u in self.units if u.unit_type == "UMAE"]

    def umae_by_number(self, number: int) -> Unit:
        return next(u for u in self.umae if u.umae_number == number)


def _read(path: Path) -> list[dict]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _jornadas(rows: list[dict]) -> dict[str, Jornada]:
    return {
        r["jornada_id"]: Jornada(
            r["jornada_id"], date.fromisoformat(r["start_date"]), date.fromisoformat(r["end_date"])
        )
        for r in rows
    }


def load_catalog(seeds_dir: Path = SEEDS_DIR) -> Catalog:
    ooad_rows = _read(seeds_dir / "ooad.csv")
    offsets = {r["ooad_id"]: r["utc_offset"] for r in ooad_rows}
    state_offsets = {r["state_code"]: r["utc_offset"] for r in ooad_rows}
    units = [
        Unit(
            r["unit_id"],
            r["unit_type"],
            int(r["umae_number"]) if r["umae_number"] else None,
            r["umae_kind"],
            r["ooad_id"],
            offsets.get(r["ooad_id"]) or state_offsets[r["state_code"]],
        )
        for r in _read(seeds_dir / "units.csv")
    ]
    activity_rows = _read(seeds_dir / "activities.csv")
    specialty_rows = _read(seeds_dir / "specialties.csv")
    return Catalog(
        ooads=[r["ooad_id"] for r in ooad_rows],
        units=units,
        activities=[r["activity"] for r in activity_rows],
        requires_specialty={
            r["activity"]: r["requires_specialty"] == "true" for r in activity_rows
        },
        specialties=[r["specialty"] for r in specialty_rows],
        surgical=[r["specialty"] for r in specialty_rows if r["is_surgical"] == "true"],
        jornadas=_jornadas(_read(seeds_dir / "jornadas.csv")),
        synthetic_jornadas=_jornadas(_read(seeds_dir / "jornadas_synthetic.csv")),
    )
