"""`python -m dagster_project.generator.write_seeds`: rewrite the catalog seeds in dbt/seeds/."""

from dagster_project.generator.catalogs import SEEDS_DIR, write_seeds

if __name__ == "__main__":
    write_seeds()
    print(f"wrote the catalogs to {SEEDS_DIR}")
