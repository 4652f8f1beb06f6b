# The venv is built from the pinned requirements when missing or stale.
PYTHON ?= python3
VENV := venv
BIN := $(VENV)/bin

CHECKOV_VENV := venv-checkov
CLIENT_VENV := venv-client

.PHONY: render test bench clean

# The pinned requirements, then the project itself (editable, its own ranges left to the pins).
$(BIN)/.runtime-installed: requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $@

$(BIN)/.test-installed: requirements-test.txt $(BIN)/.runtime-installed
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-test.txt
	touch $@

# Checkov in a venv of its own: its pins and the Pulumi SDKs' do not mix.
$(CHECKOV_VENV)/.installed: requirements-checkov.txt
	test -x $(CHECKOV_VENV)/bin/python || $(PYTHON) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/python -m pip install --quiet --disable-pip-version-check -r requirements-checkov.txt
	touch $@

# polyaxon-client 0.6 in a venv of its own: it predates Python 3.10, and needs the
# collections aliases that sitecustomize restores.
$(CLIENT_VENV)/.installed: requirements-client.txt tests/client/sitecustomize.py
	test -x $(CLIENT_VENV)/bin/python || $(PYTHON) -m venv $(CLIENT_VENV)
	$(CLIENT_VENV)/bin/python -m pip install --quiet --disable-pip-version-check -r requirements-client.txt
	cp tests/client/sitecustomize.py "$$($(CLIENT_VENV)/bin/python -c "import sysconfig; print(sysconfig.get_paths()['purelib'])")"
	touch $@

render: $(BIN)/.runtime-installed
	$(BIN)/python -m components render dev

bench: $(BIN)/.runtime-installed
	$(BIN)/python bench/run.py

test: $(BIN)/.test-installed $(CHECKOV_VENV)/.installed $(CLIENT_VENV)/.installed
	$(BIN)/python -m pytest

clean:
	rm -rf $(VENV) $(CHECKOV_VENV) $(CLIENT_VENV)
