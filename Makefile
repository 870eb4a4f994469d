# SoundForge: `make run` starts the app, `make test` runs the whole suite.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test install test-tools bench

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

test: install test-tools
	$(PY) -m pytest $(PYTEST_ARGS)
