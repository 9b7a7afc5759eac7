# sahel-sim developer tasks.  `make test` is the project's test command; CI (.ci/run) runs
# exactly `make test` with CI=true.
SHELL := bash
.DEFAULT_GOAL := test

VENV ?= .venv
PY := $(VENV)/bin/python
PYTEST_ARGS ?=
LINT_PATHS := $(wildcard sim tests benchmarks scripts)
CODE_DIRS := $(wildcard sim tests benchmarks scripts notebooks)

.PHONY: setup test golden notebook results calibrate backtest lint lock clean

setup:
	VENV="$(VENV)" bash scripts/setup.sh

# Tests marked slow (the wheel installed into a fresh venv, long end-to-end runs) run under
# CI=true (as .ci/run sets it) or with SLOW=1; without either, `make test` skips them.
SLOW ?= $(if $(filter true,$(CI)),1,)
PYTEST_MARK := $(if $(SLOW),,-m "not slow")

test: setup
	$(PY) -m pytest -q $(PYTEST_MARK) $(PYTEST_ARGS)

# Regenerate the golden trajectory (tests/golden/) after a change that is MEANT to alter
# results; commit the new file with the change (tests/test_golden.py compares with it).
golden: setup
	$(PY) scripts/make_golden.py

# JupyterLab on the student notebooks (notebooks/), served on this machine only; Ctrl-C
# stops it. (--allow-root only when run as root, e.g. in a container.)
NOTEBOOK_PORT ?= 8888
notebook: setup
	$(VENV)/bin/jupyter lab --ip 127.0.0.1 --port $(NOTEBOOK_PORT) --notebook-dir notebooks \
		$(if $(filter 0,$(shell id -u)),--allow-root)

# The main job: US withdraws vs US stays, paired replicates (same seeds), differences B - A.
REPS ?= 30
results: setup
	$(VENV)/bin/sahel compare us_stays us_withdraws --reps $(REPS) \
		--horizon 2025-12,2026-12,2028-12 --explain --out results/us_withdraws_vs_us_stays --force
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
