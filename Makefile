# Two commands on a fresh clone: `make demo` and `make test` (README).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
VALIDATOR_VENV := .venv-focus-validator
# focus-validator 2.x needs Python 3.12+ (on 3.11 pip silently installs 1.0.0)
PYTHON312 ?= $(shell for p in python3.12 python3.13 $$HOME/.pyenv/versions/3.12*/bin/python3.12 /usr/bin/python3.12 /usr/local/bin/python3.12; do if $$p -c 'import sys; assert sys.version_info >= (3, 12)' >/dev/null 2>&1; then echo $$p; break; fi; done)
export DO_NOT_TRACK := 1
export DAGSTER_HOME ?= $(CURDIR)/.dagster_home

.PHONY: install validator browser tools demo test test-fast test-spark bench dev docs lint clean

$(BIN)/.installed: pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev,pull,spark]'
	@mkdir -p $(DAGSTER_HOME) && printf 'telemetry:\n  enabled: false\n' > $(DAGSTER_HOME)/dagster.yaml
	@touch $@

install: $(BIN)/.installed

$(VALIDATOR_VENV)/.installed:
	@test -n "$(PYTHON312)" || { echo "focus-validator needs Python >= 3.12; set PYTHON312=/path/to/python3.12"; exit 1; }
	$(PYTHON312) -m venv $(VALIDATOR_VENV)
	$(VALIDATOR_VENV)/bin/pip install --quiet focus-validator==2.2.1 'pyarrow<18'
	@touch $@

validator: $(VALIDATOR_VENV)/.installed

# headless Chromium + Japanese fonts for the report's browser test (Debian packages)
browser:
	@command -v chromium >/dev/null || { apt-get update -qq && apt-get install -y -qq chromium fonts-noto-cjk; } || echo "chromium not installed: the report browser test will be skipped"

# Azurite (Azure Storage emulator, npm) for the pull tests, pinned in .tools/azurite/package-lock.json.
# Without npm the Azure pull test is skipped (the S3, GCS and admin-API ones still run).
AZURITE_DIR := .tools/azurite
$(AZURITE_DIR)/node_modules/.installed: $(AZURITE_DIR)/package.json $(AZURITE_DIR)/package-lock.json
	@if command -v npm >/dev/null; then \
		cd $(AZURITE_DIR) && npm ci --no-audit --no-fund --loglevel=error && touch node_modules/.installed; \
	else echo "npm not found: Azurite not installed, the Azure Blob pull test will be skipped"; fi

tools: $(AZURITE_DIR)/node_modules/.installed

demo: install
	$(BIN)/finops demo
	$(BIN)/finops report

test: install validator browser tools
	$(BIN)/python -m pytest -q

test-fast: install tools
	$(BIN)/python -m pytest -q -m "not validator and not slow"

# the same dbt project on Apache Spark (local mode, Java 17), compared with DuckDB row for row
test-spark: install
	$(BIN)/python -m pytest -q -m spark

bench: install
	$(BIN)/python benchmarks/run.py

dev: install
	$(BIN)/dagster dev -m dagster_project.definitions

docs: install
	cd dbt_project && ../$(BIN)/dbt docs generate --profiles-dir .

# ruff on the Python, sqlfluff (.sqlfluff, dbt templater) on the models. Three models read seeds
# while they compile, so the seeds are built into a throwaway warehouse first.
LINT_DIR := build/lint
lint: install
	$(BIN)/ruff check dagster_project tests benchmarks
	@rm -rf $(LINT_DIR) && mkdir -p $(LINT_DIR)/tmp
	cd dbt_project && FINOPS_WAREHOUSE=$(CURDIR)/$(LINT_DIR)/lint.duckdb FINOPS_DUCKDB_TEMP_DIR=$(CURDIR)/$(LINT_DIR)/tmp \
		$(CURDIR)/$(BIN)/dbt seed --quiet --profiles-dir . --target-path $(CURDIR)/$(LINT_DIR)/target
	FINOPS_WAREHOUSE=$(CURDIR)/$(LINT_DIR)/lint.duckdb FINOPS_DUCKDB_TEMP_DIR=$(CURDIR)/$(LINT_DIR)/tmp \
		PATH=$(CURDIR)/$(BIN):$$PATH $(BIN)/sqlfluff lint dbt_project/models --processes 2 --disable-progress-bar

clean:
	rm -rf data build dbt_project/target dbt_project/logs .pytest_cache
