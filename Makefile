# Waymark — `make help` lists the targets.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
HOST ?= 127.0.0.1
PORT ?= 8000
export DJANGO_SETTINGS_MODULE := config.settings

.PHONY: help setup run serve test test-fast lint bench load check-deploy prod-smoke css static migrate demo clean browser-deps scanner-deps

help: ## List the targets
	@grep -E '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  \033[36m%-14s\033[0m %s\n", $$1, $$2}'

$(VENV)/.installed: pyproject.toml
	@echo "Installing the Python packages into .venv (the first time takes a few minutes)..."
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@$(PIP) install --quiet --upgrade pip
	@$(PIP) install --quiet -e '.[dev]'
	@touch $@

node_modules/.installed: package.json package-lock.json
	@echo "Installing GOV.UK Frontend and MOJ Frontend (npm)..."
	@npm ci --no-audit --no-fund --loglevel=error
	@touch $@

css: node_modules/.installed ## Compile the Sass (GOV.UK Frontend + MOJ Frontend) to CSS
	@echo "Compiling the stylesheets (Sass's deprecation notices go to var/log/sass.log)..."
	@mkdir -p var/log
	@npm run --silent build:css 2> var/log/sass.log || (cat var/log/sass.log; exit 1)

static: $(VENV)/.installed css ## Collect static files for WhiteNoise
	@echo "Collecting the static files..."
	@$(PY) manage.py collectstatic --noinput --verbosity 0

setup: $(VENV)/.installed node_modules/.installed static ## Install Python and npm packages, build assets

migrate: setup ## Apply database migrations
	@echo "Preparing the database (var/waymark.sqlite3 unless DATABASE_URL says otherwise)..."
	@$(PY) manage.py migrate --noinput --verbosity 0

demo: migrate ## Load the demo data if the database is empty, and print the demo users
	@echo "Loading the demo data if the database is empty (the first time takes a minute or two)..."
	@$(PY) manage.py demo_load --if-empty

SIMULATOR ?= 0
SIMULATOR_PORT ?= 8765

run: export WAYMARK_OTP_REQUIRED = 0
run: demo ## Set everything up and serve http://127.0.0.1:8000 (PORT=8001 for another port) with demo data (SQLite), job worker, scheduler, audit sequencer and figures refresher; SIMULATOR=1 adds the EM supplier simulator
	@mkdir -p var/log
	@echo "Starting the job worker, the sweep scheduler, the audit sequencer, the figures refresher and the web server; their logs go to var/log/."
	@if [ "$(SIMULATOR)" = "1" ]; then \
	  export WAYMARK_EM_SUPPLIER_URL=http://127.0.0.1:$(SIMULATOR_PORT) \
	    WAYMARK_EM_SUPPLIER_SECRET=$$($(PY) manage.py shell -v 0 -c 'from waymark.monitoring.demo import DEMO_SUPPLIER_SECRET as s; print(s)'); fi; \
	trap 'kill 0' EXIT INT TERM; \
	  $(PY) manage.py db_worker --queue-name '*' --interval 2 >> var/log/worker.log 2>&1 & \
	  $(PY) manage.py scheduler >> var/log/scheduler.log 2>&1 & \
	  $(PY) manage.py audit_seal >> var/log/sealer.log 2>&1 & \
	  $(PY) manage.py read_models_refresh --loop >> var/log/read-models.log 2>&1 & \
	  if [ "$(SIMULATOR)" = "1" ]; then \
	    (sleep 5; $(PY) manage.py em_supplier_simulator --base-url http://$(HOST):$(PORT) \
	       --listen 127.0.0.1:$(SIMULATOR_PORT) --breaches-per-minute 12 >> var/log/simulator.log 2>&1) & fi; \
	  $(VENV)/bin/gunicorn config.wsgi:application --bind $(HOST):$(PORT) --workers 3 --threads 2 \
	    --timeout 60 --no-control-socket --access-logfile var/log/access.log \
	    --error-logfile var/log/web.log & \
	  for _ in $$(seq 1 60); do \
	    $(PY) -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=2)' \
	      http://$(HOST):$(PORT)/accounts/sign-in/ 2>/dev/null && break; sleep 1; done; \
	  echo; $(PY) manage.py demo_load --users; echo; \
	  echo "Demo only: the second factor is optional here (WAYMARK_OTP_REQUIRED=0); production requires it."; \
	  echo "Logs: var/log/web.log, access.log, worker.log, scheduler.log, sealer.log, read-models.log. Press Ctrl+C to stop."; \
	  echo "Waymark is running at http://$(HOST):$(PORT)/accounts/sign-in/"; \
	  wait

browser-deps: ## Install Debian's Chromium for the browser tests (never a downloaded browser)
	@if [ ! -x /usr/bin/chromium ]; then \
	  if [ "$$(id -u)" = "0" ]; then \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
	      || { echo "Could not install chromium"; exit 1; }; \
	  else echo "Install Debian's chromium package for the browser tests"; fi; \
	fi

scanner-deps: ## Install Debian's ClamAV daemon for the virus-scan tests (they start their own clamd)
	@if ! command -v clamd >/dev/null && [ ! -x /usr/sbin/clamd ]; then \
	  if [ "$$(id -u)" = "0" ]; then \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
	      clamav-daemon >/dev/null) || { echo "Could not install clamav-daemon"; exit 1; }; \
	    (systemctl disable --now clamav-daemon clamav-freshclam >/dev/null 2>&1 || true); \
	  else echo "Install Debian's clamav-daemon package (apt-get install clamav-daemon) for the virus-scan tests"; fi; \
	fi

# The suite runs on TEST_WORKERS processes (pytest-xdist; one per core on the 2-core CI machine),
# each with its own test database. SLOW=0 leaves out the tests that build demo data (marker
# `slow`): CI runs them once, on PostgreSQL, not on both databases.
TEST_WORKERS ?= 2
SLOW ?= 1
# BROWSER=0 leaves out the headless-Chromium journeys: CI runs them once, on PostgreSQL (they test
# pages, scripts and accessibility, which do not depend on the database).
BROWSER ?= 1
TEST_MARKERS = $(strip $(if $(filter 0,$(SLOW)),not slow) $(if $(and $(filter 0,$(SLOW)),$(filter 0,$(BROWSER))),and) $(if $(filter 0,$(BROWSER)),not browser))

test: setup browser-deps scanner-deps ## Set everything up and run the whole test suite (DATABASE_URL selects the database; SLOW=0 skips the demo-data tests, BROWSER=0 the browser journeys)
	$(PY) manage.py makemigrations --check --dry-run --verbosity 0
	$(VENV)/bin/pytest -q -p no:cacheprovider -n $(TEST_WORKERS) --dist worksteal --durations=15 $(if $(TEST_MARKERS),-m "$(TEST_MARKERS)")

test-fast: $(VENV)/.installed ## Run the tests without the browser journeys
	$(VENV)/bin/pytest -q -m "not browser"

lint: $(VENV)/.installed ## ruff (rules and formatting), import contracts and mypy; CI runs it first
	$(VENV)/bin/ruff check waymark config bench tests conftest.py
	$(VENV)/bin/ruff format --check waymark config bench tests conftest.py
	$(VENV)/bin/lint-imports
	$(VENV)/bin/mypy

check-deploy: $(VENV)/.installed ## Django's deployment checklist with production settings
	WAYMARK_ENV=production SECRET_KEY=$$(openssl rand -hex 40) ALLOWED_HOSTS=waymark.example \
	  WAYMARK_CLAMD_SOCKET=/run/clamav/clamd.ctl $(PY) manage.py check --deploy --fail-level WARNING

prod-smoke: setup ## Production smoke: collectstatic, fresh database, gunicorn with production settings, fetch the key pages over "HTTPS"
	$(PY) .ci/prod_smoke.py

bench: setup ## Benchmarks: ratios against baselines measured in the same run
	$(PY) bench/run.py $(BENCH_ARGS)
	$(PY) bench/em.py $(EM_BENCH_ARGS)
	$(PY) bench/casework.py $(CW_BENCH_ARGS)
	$(PY) bench/operations.py $(OPS_BENCH_ARGS)
	$(PY) bench/nrm.py $(NRM_BENCH_ARGS)
	$(PY) bench/oversight_qa.py $(QA_BENCH_ARGS)
	$(PY) bench/linkage.py $(LINK_BENCH_ARGS)
	$(PY) bench/competence.py $(COMP_BENCH_ARGS)
	$(PY) bench/audit.py $(AUDIT_BENCH_ARGS)
	$(PY) bench/oversight.py $(OVERSIGHT_BENCH_ARGS)

$(VENV)/.load-installed: $(VENV)/.installed
	@echo "Installing locust for the load test..."
	@$(PIP) install --quiet -e '.[dev,load]'
	@touch $@

load: css $(VENV)/.load-installed ## Load test: gunicorn (production settings) on loopback driven by locust; needs the x1 bench database (make bench first)
	$(PY) bench/load.py

clean: ## Remove the virtualenv, node_modules and local data
	rm -rf $(VENV) node_modules var
