# The venvs are built from the pinned requirements when missing or stale.
#   make render                  venv/ without any cloud SDK; renders the dev stack (STACK=name for another)
#   make render STACK=gcp        a cloud stack: its SDK is installed into venv/ first (gcp, aws, azure)
#   make venv-gcp                only install a cloud's SDK (venv-aws, venv-azure; venv-clouds: all three)
#   make test                    venv/ with every cloud and the test tools, venv-checkov/, venv-client/; the suite
#   make lock                    the requirements files again, from pyproject.toml's ranges (keeping the pins that fit)
PYTHON ?= python3
VENV := venv
BIN := $(VENV)/bin
STACK ?= dev
CLOUDS := gcp aws azure

CHECKOV_VENV := venv-checkov
CLIENT_VENV := venv-client
POLYAXON2_VENV := venv-polyaxon2

# uv installs: pinned here, bootstrapped into .tools/ with $(PYTHON)'s own pip. When that fails
# (or with INSTALLER=pip) pip does the same installs, slower. uv does not read pip.conf: it takes
# every package from PyPI (or from UV_INDEX_URL / uv.toml).
UV_VERSION := 0.13.9
UV_DIR := .tools/uv-$(UV_VERSION)
INSTALLER ?= uv
UV := $(UV_DIR)/bin/uv
ifeq ($(INSTALLER),uv)
USE_UV := $(UV)
endif

.PHONY: render test bench lock clean venv-clouds $(CLOUDS:%=venv-%)

$(UV_DIR)/bin/uv:
	PIP_ROOT_USER_ACTION=ignore $(PYTHON) -m pip install -qq --disable-pip-version-check --no-deps \
		--target $(UV_DIR) uv==$(UV_VERSION) \
		|| { rm -rf $(UV_DIR); echo "make: could not install uv $(UV_VERSION) with $(PYTHON) -m pip: installing with pip (slower)" >&2; }

# $(call new-venv,DIR): DIR made a venv unless it is one (with pip in it, as the Pulumi CLI expects).
new-venv = @test -x $(1)/bin/python || \
	if test -n "$(USE_UV)" && test -x $(UV); then echo "$(1)/: uv venv --seed --python $(PYTHON)"; \
		$(UV) venv --quiet --seed --no-python-downloads --python $(PYTHON) $(1); \
	else echo "$(1)/: $(PYTHON) -m venv"; $(PYTHON) -m venv $(1); fi
# $(call install,DIR,ARGS): pip install ARGS into the venv DIR, without compiling every module to bytecode.
install = @if test -n "$(USE_UV)" && test -x $(UV); then echo "$(1)/: uv pip install $(2)"; \
		$(UV) pip install --quiet --python $(1)/bin/python $(2); \
	else echo "$(1)/: pip install --no-compile $(2)"; \
		$(1)/bin/python -m pip install --quiet --disable-pip-version-check --no-compile $(2); fi
# $(call install-compiled,DIR,ARGS): the same, every module compiled (small venvs whose tools start often).
install-compiled = @if test -n "$(USE_UV)" && test -x $(UV); then echo "$(1)/: uv pip install --compile-bytecode $(2)"; \
		$(UV) pip install --quiet --compile-bytecode --python $(1)/bin/python $(2); \
	else echo "$(1)/: pip install $(2)"; $(1)/bin/python -m pip install --quiet --disable-pip-version-check $(2); fi
# Bytecode for what the program imports, made once here rather than at every start: a few hundred
# modules, where compiling all of venv/ would take minutes (the cloud SDKs are 900 MB of Python).
# Python keeps it by itself, unless PYTHONDONTWRITEBYTECODE is set: then every process would compile
# them again (seconds each). A failing render is for the render or the tests to report, not here.
warm = PYTHONDONTWRITEBYTECODE= $(BIN)/python -m components render $(1) >/dev/null 2>&1 || true

# The pinned runtime (no cloud SDK), then the project itself (editable, its own ranges left to the pins).
$(BIN)/.runtime-installed: requirements.txt pyproject.toml | $(USE_UV)
	$(call new-venv,$(VENV))
	$(call install,$(VENV),-r requirements.txt)
	$(call install,$(VENV),--no-deps -e .)
	$(call warm,dev)
	touch $@

# One cloud's SDK, pinned with the runtime (requirements-<cloud>.txt is requirements.txt and the SDK).
$(CLOUDS:%=$(BIN)/.%-installed): $(BIN)/.%-installed: requirements-%.txt $(BIN)/.runtime-installed | $(USE_UV)
	$(call install,$(VENV),-r requirements-$*.txt)
	$(call warm,$*)
	touch $@

# Every cloud and the test tools.
$(BIN)/.test-installed: requirements-test.txt $(BIN)/.runtime-installed | $(USE_UV)
	$(call install,$(VENV),-r requirements-test.txt)
	for stack in $(CLOUDS); do $(call warm,$$stack); done
	PYTHONDONTWRITEBYTECODE= $(BIN)/python -c "import kubernetes, kubernetes_validate, pulumi_policy, hypothesis, pytest"
	touch $@

# Checkov in a venv of its own: its pins and the Pulumi SDKs' do not mix.
$(CHECKOV_VENV)/.installed: requirements-checkov.txt | $(USE_UV)
	$(call new-venv,$(CHECKOV_VENV))
	$(call install-compiled,$(CHECKOV_VENV),-r requirements-checkov.txt)
	touch $@

# polyaxon-client 0.6 in a venv of its own: it predates Python 3.10, and needs the
# collections aliases that sitecustomize restores.
$(CLIENT_VENV)/.installed: requirements-client.txt tests/client/sitecustomize.py | $(USE_UV)
	$(call new-venv,$(CLIENT_VENV))
	$(call install-compiled,$(CLIENT_VENV),-r requirements-client.txt)
	cp tests/client/sitecustomize.py "$$($(CLIENT_VENV)/bin/python -c "import sysconfig; print(sysconfig.get_paths()['purelib'])")"
	touch $@

# Polyaxon 2.x in a venv of its own: the tests hold the v2 export to its models, and its pins
# (kubernetes<37, Jinja2<3.1.5) and the project's do not mix.
$(POLYAXON2_VENV)/.installed: requirements-polyaxon2.txt | $(USE_UV)
	$(call new-venv,$(POLYAXON2_VENV))
	$(call install-compiled,$(POLYAXON2_VENV),-r requirements-polyaxon2.txt)
	touch $@

render: $(BIN)/.runtime-installed $(patsubst %,$(BIN)/.%-installed,$(filter $(CLOUDS),$(STACK)))
	$(BIN)/python -m components render $(STACK)

$(CLOUDS:%=venv-%): venv-%: $(BIN)/.%-installed

venv-clouds: $(CLOUDS:%=venv-%)

# The benchmark renders stacks with buckets on all three clouds.
bench: $(CLOUDS:%=$(BIN)/.%-installed)
	$(BIN)/python bench/run.py

test: $(BIN)/.test-installed $(CHECKOV_VENV)/.installed $(CLIENT_VENV)/.installed $(POLYAXON2_VENV)/.installed
	$(BIN)/python -m pytest

# The pins: requirements-test.txt resolves everything together (every cloud, the test tools), and
# the others take its versions, so what renders is what was tested. uv keeps each pin that still fits
# pyproject.toml's ranges: UPGRADE=--upgrade moves them all, UPGRADE='--upgrade-package pulumi' one.
LOCK_FLAGS = --quiet --python-version 3.11 --no-annotate --custom-compile-command "make lock" $(UPGRADE)
lock: | $(UV_DIR)/bin/uv
	$(UV_DIR)/bin/uv pip compile pyproject.toml --all-extras --group test $(LOCK_FLAGS) -o requirements-test.txt
	$(UV_DIR)/bin/uv pip compile pyproject.toml -c requirements-test.txt $(LOCK_FLAGS) -o requirements.txt
	for cloud in $(CLOUDS); do \
		$(UV_DIR)/bin/uv pip compile pyproject.toml --extra $$cloud -c requirements-test.txt $(LOCK_FLAGS) -o requirements-$$cloud.txt; \
	done

clean:
	rm -rf $(VENV) $(CHECKOV_VENV) $(CLIENT_VENV) $(POLYAXON2_VENV) .tools
