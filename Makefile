# The few commands people type (README). Everything else is `flask --app wsgi perfflow …`.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)
CHROMIUM ?= /usr/bin/chromium
# The browser assets are rebuilt when the lock file, the build script or a source changes.
ASSETS := web/static/dist/.built-$(shell cat frontend/package-lock.json frontend/build.mjs frontend/src/* | cksum | cut -d' ' -f1)

.PHONY: setup run test lint bench chromium clean conformance-upstream

setup: $(STAMP) $(ASSETS)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	rm -f $(VENV)/.installed-* && touch $@

# Front end: Bootstrap, Tom Select and our behaviours from npm, bundled by esbuild (frontend/).
$(ASSETS):
	@command -v npm >/dev/null || (echo "npm (Node.js 18+) is needed to build the browser assets" && exit 1)
	cd frontend && npm ci --no-audit --no-fund --loglevel=error && npm run --silent build
	rm -f web/static/dist/.built-* && touch $@

run: setup
	$(PY) -m web.run

# Page tests drive Debian's chromium; install it when missing (these machines run as root).
chromium:
	@test -x $(CHROMIUM) || (apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium fonts-wqy-zenhei)

# ruff, and the import contracts of pyproject.toml (layers, engine wings, no circles, no Flask in the engine).
lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports

# Files shared out to one worker per core (at most 4), each worker its own PostgreSQL, Redis and temp
# folder (tests/conftest.py); a file stays on one worker, so its module fixtures are built once.
test: setup chromium lint
	$(PY) -m pytest

# SpiffWorkflow's own test models (a checkout of its repository, read at run time, never copied
# here) run through PerfFlow and compared with bare SpiffWorkflow: tests/conformance/upstream.py.
conformance-upstream: setup
	@test -n "$(SPIFF_UPSTREAM_TESTS)" || (echo "usage: make conformance-upstream SPIFF_UPSTREAM_TESTS=<SpiffWorkflow checkout>" && exit 2)
	SPIFF_UPSTREAM_TESTS=$(SPIFF_UPSTREAM_TESTS) $(PY) -m pytest tests/conformance/test_upstream.py -p no:randomly $(PYTEST_ARGS)

bench: setup
	$(PY) -m bench

clean:
	rm -rf $(VENV) instance frontend/node_modules web/static/dist
