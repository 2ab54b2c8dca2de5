# The two set-up commands (see README): `make demo` and `make test`. Each works from a fresh clone.
SHELL := /bin/bash
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test install browser lint test-python test-js clean

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# pip builds the front end (npm install + esbuild) through hatch-jupyter-builder
$(STAMP): $(BIN)/python pyproject.toml package.json
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $(STAMP)

install: $(STAMP)

# Debian's chromium for the browser tests (Playwright drives it; it never downloads a browser)
browser:
	@if [ ! -x /usr/bin/chromium ]; then \
	  echo "installing Debian's chromium"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; \
	fi

lint: install
	$(BIN)/ruff check widget tests benchmarks
	$(BIN)/lint-imports --no-cache

test-js: install
	npm test --silent

test-python: install browser
	$(BIN)/python -m pytest -q -p no:cacheprovider

test: lint test-js test-python

demo: install
	$(BIN)/python -m tablelens.demo --store notebooks/tablelens-store
	cd notebooks && TABLELENS_DIR=$$PWD/tablelens-store ../$(BIN)/jupyter lab quickstart.ipynb \
	  $$( [ "$$(id -u)" = 0 ] && echo --allow-root )

clean:
	rm -rf $(VENV) node_modules widget/tablelens/static
