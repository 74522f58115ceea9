# Each target installs what it needs into .venv (reused while pyproject.toml is unchanged).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell sha256sum pyproject.toml 2>/dev/null | cut -c1-16)
PORT ?= 8080
LOG_LEVEL ?= WARNING
# The portal's browser tests drive Debian's chromium through Playwright (Playwright's own download is not used).
CHROMIUM := /usr/bin/chromium
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: install browser run demo test lint format synth clean i18n bench

install: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@rm -f $(VENV)/.installed-*
	@touch $@

browser:
	@test -x $(CHROMIUM) || { echo "Installing Debian's chromium for the browser tests"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium >/dev/null; }

run: $(STAMP)
	$(PY) -m infra.local serve --port $(PORT) --seed --banner --auto-carrier 1.5 --log-level $(LOG_LEVEL)

demo: $(STAMP)
	$(PY) -m infra.local demo

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy layers/shared/python/returns_core functions infra tests bench

format: $(STAMP)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# Lint runs beside the tests: mypy without a cache takes minutes on one core, and the tests, which
# mostly wait on one interpreter's lock, leave the other core free. Either failing fails the target.
test: $(STAMP) browser
	@mkdir -p tests/artifacts
	@$(MAKE) --no-print-directory lint > tests/artifacts/lint.log 2>&1 & lint=$$!; \
	$(VENV)/bin/pytest; tested=$$?; \
	wait $$lint; linted=$$?; \
	echo "--- make lint (run beside the tests)"; cat tests/artifacts/lint.log; \
	[ $$linted -eq 0 ] || echo "make lint failed"; \
	exit $$(( tested || linted ))

# Cost per return, cold starts, throughput, the local engine's floor, the load tests run larger and analytics
# at scale, printed and kept in bench/results.json (about 20 minutes; reports figures, never fails on them).
bench: $(STAMP)
	$(PY) -m bench

# Re-extract the user-facing messages into every language's catalog (then translate what is new).
i18n: $(STAMP)
	$(PY) -m returns_core.i18n update

synth: $(STAMP)
	$(PY) -m infra.app --nag
	@ls cdk.out/*.template.json

clean:
	rm -rf cdk.out .pytest_cache .mypy_cache .ruff_cache tests/artifacts
