# sahel-sim developer tasks.  `make test` is the project's test command (also run by CI).
SHELL := bash
.DEFAULT_GOAL := test

VENV ?= .venv
PY := $(VENV)/bin/python
PYTEST_ARGS ?=
LINT_PATHS := $(wildcard sim tests benchmarks scripts)
CODE_DIRS := $(wildcard sim tests benchmarks scripts notebooks)

.PHONY: setup test results calibrate backtest lint lock clean

setup:
	VENV="$(VENV)" bash scripts/setup.sh

test: setup
	$(PY) -m pytest -q $(PYTEST_ARGS)

# The main job: US withdraws vs US stays, paired replicates (same seeds), differences B - A.
REPS ?= 30
results: setup
	$(VENV)/bin/sahel compare us_stays us_withdraws --reps $(REPS) \
		--horizon 2025-12,2026-12,2028-12 --out results/us_withdraws_vs_us_stays --force
	$(VENV)/bin/sahel run us_withdraws --reps $(REPS) --out results/us_withdraws --force --quiet
	$(VENV)/bin/sahel run us_stays --reps $(REPS) --out results/us_stays --force --quiet

# Fit the free parameters to UCDP 2012-2019 and write scenarios/parameters/calibrated.yaml;
# then the back-test (yearly deaths per country 2012-2024 against UCDP) into results/backtest.
calibrate: setup
	$(VENV)/bin/sahel calibrate --out results/calibration --force --install

backtest: setup
	$(VENV)/bin/sahel backtest --out results/backtest --force

lint: setup
	$(VENV)/bin/ruff check $(LINT_PATHS)
	$(VENV)/bin/ruff format --check $(LINT_PATHS)
	$(VENV)/bin/mypy

# Regenerate the pinned lock file (needs uv in the venv; runs setup first if it is missing).
lock:
	@test -x $(VENV)/bin/uv || VENV="$(VENV)" bash scripts/setup.sh
	$(VENV)/bin/uv pip compile pyproject.toml --extra dev --extra notebooks -p $(VENV)/bin/python -o requirements.lock

# Remove caches and build artefacts (keeps the venv and results/).
clean:
	rm -rf build dist *.egg-info .pytest_cache .ruff_cache .hypothesis .mypy_cache
	$(if $(CODE_DIRS),find $(CODE_DIRS) -name __pycache__ -type d -prune -exec rm -rf {} +)
