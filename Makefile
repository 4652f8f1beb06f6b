# The venv is built from the pinned requirements when missing or stale.
PYTHON ?= python3
VENV := venv
BIN := $(VENV)/bin

.PHONY: render test clean

$(BIN)/.runtime-installed: requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

$(BIN)/.test-installed: requirements-test.txt $(BIN)/.runtime-installed
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-test.txt
	touch $@

render: $(BIN)/.runtime-installed
	$(BIN)/python -m components render dev

test: $(BIN)/.test-installed
	$(BIN)/python -m pytest

clean:
	rm -rf $(VENV)
