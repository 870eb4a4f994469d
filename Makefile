# SoundForge: `make run` starts the app, `make test` runs the whole suite.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test install test-tools checks bench

$(STAMP): requirements.txt requirements-test.txt requirements-data.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --disable-pip-version-check -q -r requirements-test.txt
	$(PY) -m pip install --disable-pip-version-check -q --no-deps -r requirements-data.txt
	touch $(STAMP)

install: $(STAMP)

run: install
	$(PY) -m soundforge.launcher

test-tools:
	bash scripts/test-tools.sh

# ruff (lint and format) and the import contract between the apps (pyproject.toml).
checks: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports --no-cache

test: install test-tools checks
	$(PY) -m pytest $(PYTEST_ARGS)
