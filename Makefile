# The two set-up commands (see README): `make demo` and `make test`. Each works from a fresh clone.
SHELL := /bin/bash
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test install browser java lint test-python test-js clean

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Node takes a script's module type from the nearest package.json above it. The venv lies inside this project,
# whose package.json says "type": "module", so JupyterLab's bundled yarn.js (CommonJS, run as `node yarn.js config`
# at every Lab start) would load as an ES module and fail ("Dynamic require of \"util\"...", pages of minified JS).
# This file makes everything in the venv CommonJS again.
$(VENV)/package.json: | $(BIN)/python
	echo '{"type": "commonjs"}' > $@

# pip builds the front end (npm install + esbuild) through hatch-jupyter-builder
$(STAMP): $(BIN)/python pyproject.toml package.json | $(VENV)/package.json
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $(STAMP)

install: $(STAMP) $(VENV)/package.json

# Debian's chromium for the browser tests (Playwright drives it; it never downloads a browser)
browser:
	@if [ ! -x /usr/bin/chromium ]; then \
	  echo "installing Debian's chromium"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; \
	fi

# Java for the Spark parity tests (pyspark runs a local Spark in a JVM): Debian's JRE 17, unless a `java` of
# version 17 or newer runs already (Spark 4 needs 17). Slim Debian images drop /usr/share/man, where the JRE's
# post-install step links java.1.gz: without the folder that step fails, so it is made first.
java:
	@if ! java -version 2>&1 | grep -Eq 'version "(1[7-9]|[2-9][0-9])'; then \
	  echo "installing Debian's openjdk-17-jre-headless"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO mkdir -p /usr/share/man/man1; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq openjdk-17-jre-headless >/dev/null; \
	fi

lint: install
	$(BIN)/ruff check widget tests benchmarks
	$(BIN)/lint-imports --no-cache

# vitest, then the type check (tsc over js/ and its tests): a type error fails the test run
test-js: install
	npm test --silent
	npm run typecheck --silent

test-python: install browser java
	$(BIN)/python -m pytest -q -p no:cacheprovider

test: lint test-js test-python

# Lab logs only warnings: what is printed is the data made and the URL to open
demo: install
	$(BIN)/python -m tablelens.demo --store notebooks/tablelens-store
	cd notebooks && TABLELENS_DIR=$$PWD/tablelens-store ../$(BIN)/jupyter lab quickstart.ipynb \
	  --ServerApp.log_level=WARN --LabApp.log_level=WARN \
	  $$( [ "$$(id -u)" = 0 ] && echo --allow-root )

clean:
	rm -rf $(VENV) node_modules widget/tablelens/static
