# Two commands: `make run` (set up, generate demo data, build the warehouse) and
# `make test` (set up, run the tests). Everything else is optional.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(CURDIR)/$(VENV)/bin
SCALE ?= small
SEED ?= 42

export PATH := $(BIN):$(PATH)

# Paths are settings (cx_settings: CX_* env > cx.toml > default); the Makefile asks
# for them and exports nothing. cx_settings needs only the standard library.
SETTINGS_PY := $(if $(wildcard $(BIN)/python),$(BIN)/python,$(PYTHON))
setting = $(shell cd $(CURDIR) && $(SETTINGS_PY) -m cx_settings get $(1))
DATA_DIR := $(call setting,data_dir)
WAREHOUSE := $(call setting,duckdb_path)

STAMP := $(VENV)/.installed
MANIFEST := target/manifest.json
DEMO := $(DATA_DIR)/ground_truth/manifest.json
DBT_SOURCES := $(shell find dbt_project -type f) dbt_project.yml profiles.yml \
	cx_settings/__init__.py $(wildcard cx.toml)

.PHONY: help install demo-data manifest run ui test test-fast test-slow bench lint clean browser dashboard docs mf-serve settings

help:
	@echo "make run    - install, generate demo data ($(SCALE)), build the warehouse via Dagster, print a summary"
	@echo "make ui     - Dagster UI on http://localhost:3000 (lineage, runs, checks)"
	@echo "make test   - install and run the test suite (unit + end-to-end on small demo data)"
	@echo "make test-slow - the long tests: 100 fuzzed contract-valid landing sets through the job"
	@echo "make bench  - benchmark every stage on medium demo data (time, peak memory), then"
	@echo "              extraction from a local PostgreSQL beside file ingest (rows/s);"
	@echo "              SCALE=large: 10M orders, generated in shards (~6.5 min, <2 GiB peak)"
	@echo "make lint   - ruff"
	@echo "make dashboard - role dashboards on the published snapshot, http://localhost:8501"
	@echo "make mf-serve - MetricFlow kept warm, http://127.0.0.1:8765/query?metrics=nps&group_by=metric_time__month"
	@echo "make docs   - dbt docs site on the published snapshot, http://localhost:8080"
	@echo "make settings - every setting's value and where it comes from (env, cx.toml, default)"

# uv installs the same resolution as pip in a fraction of the time (measured on a
# fresh clone, 2 cores: ~30 s against ~110 s). It comes from the package registry
# into the venv; where it cannot be had, or fails, pip does the install as before.
# --compile-bytecode: pip writes .pyc at install; without them every process (dbt,
# mf, streamlit, test workers) recompiles its imports when PYTHONDONTWRITEBYTECODE
# is set (~12 s instead of ~5 s to import the stack).
PIP := $(BIN)/python -m pip --disable-pip-version-check
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@if { test -x $(BIN)/uv || $(PIP) install --quiet uv; } \
		&& $(BIN)/uv pip install --quiet --compile-bytecode --python $(BIN)/python -e '.[dev]'; \
	then echo "installed with uv"; \
	else echo "uv unavailable or failed: installing with pip"; \
		$(PIP) install --quiet -e '.[dev]'; fi
	touch $(STAMP)

install: $(STAMP)

# Generated once: a second `make run` must not rewrite anything, and your own
# files under data/landing are never touched unless you ask (`make demo-data`).
$(DEMO): | $(STAMP)
	$(BIN)/python -m simworld.generate --scale $(SCALE) --seed $(SEED) --out $(DATA_DIR)

demo-data: $(STAMP)
	$(BIN)/python -m simworld.generate --scale $(SCALE) --seed $(SEED) --out $(DATA_DIR)

$(MANIFEST): $(STAMP) $(DBT_SOURCES)
	$(BIN)/dagster-dbt project prepare-and-package --file orchestration/dbt_project.py > /dev/null
	touch $(MANIFEST)

manifest: $(MANIFEST)

run: $(STAMP) $(DEMO) $(MANIFEST)
	@mkdir -p -m 700 $(DATA_DIR)/logs
	@echo "Building the warehouse through Dagster (job build_warehouse; log: $(DATA_DIR)/logs/build.log) ..."
	@# orchestration/build.py: frees what a killed build left (pool slot, dead runs), waits
	@# for a leftover dbt to release the warehouse, prints each step, files owner-only.
	@$(BIN)/python -m orchestration.build --log $(DATA_DIR)/logs/build.log \
		|| { grep -E "ERROR|FAILURE|Error" $(DATA_DIR)/logs/build.log | tail -n 30; \
		     echo "build failed: see $(DATA_DIR)/logs/build.log"; exit 1; }
	@$(BIN)/python -m orchestration.summary

ui: $(STAMP) $(MANIFEST)
	DAGSTER_HOME=$(call setting,dagster_home) $(BIN)/dagster dev -m orchestration.definitions -h 127.0.0.1 -p 3000

# The dashboard's browser test drives Debian's chromium (never a Playwright
# download). Installed here when missing and running as root (CI, dev boxes);
# otherwise the test skips and says why. CJK fonts so Chinese labels render.
browser:
	@pkgs=""; \
	command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 \
		|| pkgs="chromium"; \
	fc-list :lang=zh 2>/dev/null | grep -q . || pkgs="$$pkgs fonts-wqy-microhei"; \
	if [ -z "$$pkgs" ]; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "Installing$$pkgs (Debian) for the dashboard browser test ..."; \
		{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
			$$pkgs >/dev/null; } \
		|| echo "could not install$$pkgs: the browser test may be skipped"; \
	else echo "missing$$pkgs and not root: the dashboard browser test may be skipped"; fi

# Serves the published snapshot read-only (setting paths.published_path, written
# by `make run`).
dashboard: $(STAMP) $(MANIFEST)
	$(BIN)/streamlit run dashboard/app.py --server.address 127.0.0.1 --server.port 8501 \
		--server.headless true --browser.gatherUsageStats false --client.disableDataExport true

# dbt docs (lineage, columns, tests) with the catalog read from the published
# snapshot through the read-only `reader` target; kept out of target/ so the
# Dagster manifest is untouched.
docs: $(STAMP)
	CX_DBT_TARGET=reader $(BIN)/cx-dbt docs generate --target-path target/docs --quiet
	CX_DBT_TARGET=reader $(BIN)/cx-dbt docs serve --target-path target/docs --host 127.0.0.1 --port 8080 --no-browser

# MetricFlow kept warm on the published snapshot: queries answer in tens of ms
# instead of `mf query`'s seconds of start-up (dashboard/metricflow_server.py).
mf-serve: $(STAMP) $(MANIFEST)
	DBT_PROFILES_DIR=$(CURDIR) $(BIN)/python -m dashboard.metricflow_server --port 8765

# Tests marked `slow` (e.g. 100 fuzzed builds, tests/fuzz/) run in `make test-slow`.
# pytest-xdist: the readers of the shared small build stay on the worker that builds
# it, the other tests spread by module (tests/conftest.py). Two workers: three on two
# cores measured 6:13 once and 7:49 on a fresh clone, against 7:21 with two (pytest
# alone), so no gain beyond the noise. TEST_WORKERS=0 runs in one process.
TEST_WORKERS ?= 2
SLOW_WORKERS ?= 2
xdist = $(if $(filter 0,$(1)),,-n $(1) --dist loadscope)
test: $(STAMP) $(MANIFEST) browser
	$(BIN)/pytest -m "not slow" $(call xdist,$(TEST_WORKERS))

test-slow: $(STAMP) $(MANIFEST)
	$(BIN)/pytest -m slow $(call xdist,$(SLOW_WORKERS))

test-fast: $(STAMP) $(MANIFEST)
	$(BIN)/pytest -m "not e2e"

bench: $(STAMP) $(MANIFEST)
	$(BIN)/python -m tests.benchmarks.run --scale $(if $(filter small,$(SCALE)),medium,$(SCALE)) --seed $(SEED)
	$(BIN)/python -m tests.benchmarks.sql_extract --scale $(if $(filter small,$(SCALE)),medium,$(SCALE)) --seed $(SEED)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

settings:
	@$(SETTINGS_PY) -m cx_settings show

clean:
	rm -rf target logs $(WAREHOUSE) $(WAREHOUSE).wal $(DATA_DIR)/logs
