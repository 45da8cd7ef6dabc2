# Two commands on a fresh machine with Python 3.11+ and make: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
# uv from PATH, else a private copy installed from PyPI into .tools/
UV := $(shell command -v uv 2>/dev/null || echo $(CURDIR)/.tools/bin/uv)
export DO_NOT_TRACK := 1
export DBT_SEND_ANONYMOUS_USAGE_STATS := false
export JORNADAS_HOME ?= $(CURDIR)/warehouse
export JORNADAS_RAW_DIR ?= $(CURDIR)/raw
export DAGSTER_HOME ?= $(JORNADAS_HOME)/dagster
# One variable names the build database for Dagster and dbt's profiles.yml (and sqlfluff's dbt templater).
export JORNADAS_BUILD_DB ?= $(JORNADAS_HOME)/build/jornadas_build.duckdb

.PHONY: setup run test lint format dev bench docs clean

$(CURDIR)/.tools/bin/uv:
	$(PYTHON) -m venv $(CURDIR)/.tools
	$(CURDIR)/.tools/bin/pip install --quiet uv

# --compile-bytecode: the environment may forbid writing .pyc at import time
# (PYTHONDONTWRITEBYTECODE), and then every process would compile dagster, dbt and GX again.
setup: $(if $(filter $(CURDIR)/.tools/bin/uv,$(UV)),$(CURDIR)/.tools/bin/uv)
	$(UV) sync --frozen --compile-bytecode
	$(UV) run jornadas setup

run: setup
	$(UV) run jornadas refresh --raw $(JORNADAS_RAW_DIR) --home $(JORNADAS_HOME)

# Two workers, each taking whole files (a module's refreshes are shared by its tests): the
# suite is mostly single-threaded Python, so the second core halves its time.
test: setup lint
	$(UV) run pytest -n 2 --dist loadfile

lint: setup
	$(UV) run ruff check .
	$(UV) run ruff format --check .
	$(UV) run sqlfluff lint dbt/models dbt/analyses

format: setup
	$(UV) run ruff check --fix .
	$(UV) run ruff format .
	$(UV) run sqlfluff fix dbt/models dbt/analyses

# The UI and daemon (schedule live); dbt's profile needs JORNADAS_BUILD_DB when `dagster dev`
# re-parses the project on load.
dev: setup
	JORNADAS_BUILD_DB=$${JORNADAS_BUILD_DB:-$(JORNADAS_HOME)/build/jornadas_build.duckdb} \
	$(UV) run dagster dev -h 127.0.0.1 -p 3000 -m dagster_project.definitions

bench: setup
	$(UV) run python -m bench.harness

docs: setup
	$(UV) run jornadas docs

clean:
	rm -rf warehouse dbt/target dbt/logs
