"""Deterministic generator of raw unit reports and goals (sample, national, national-year)."""

from dagster_project.generator.api import SCALES, generate
from dagster_project.generator.cli import add_generate_arguments, run_generate

__all__ = ["SCALES", "add_generate_arguments", "generate", "run_generate"]
