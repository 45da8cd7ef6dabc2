"""Published IMSS bulletins: read them, find every figure they state, keep the evidence.

Rule-based and deterministic on purpose: a press office must be able to see why a figure
was read the way it was. Phrase synonyms live in `dbt/seeds/bulletin_synonyms.csv`, shared
with dbt, so the vocabulary is data, not code.
"""

from dagster_project.bulletins.extract import BulletinFigure, extract_figures
from dagster_project.bulletins.frontmatter import Bulletin, parse_bulletin

__all__ = ["Bulletin", "BulletinFigure", "extract_figures", "parse_bulletin"]
