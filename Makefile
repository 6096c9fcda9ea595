# Kefu — run `make help` for the list of targets.
SHELL := /bin/bash
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PG_URL ?= postgres://postgres@127.0.0.1:5432/test
HOST ?= 127.0.0.1
PORT ?= 8000

.DEFAULT_GOAL := help
.PHONY: help install demo serve production migrate demo-data test test-sqlite test-pg test-browser bench lint typecheck norms messages chromium clean

help: ## Show this help
	@grep -hE '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN{FS=":.*?## "}{printf "  \033[36m%-14s\033[0m %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev,ray]'
	touch $(STAMP)

install: $(STAMP) ## Create .venv and install Kefu with its dev tools and Ray (kefu qa score --ray)

migrate: install ## Apply database migrations
	mkdir -p var
	$(BIN)/kefu migrate --noinput

demo-data: migrate ## Load the realistic Chinese demo data (idempotent)
	$(BIN)/kefu demo-data

demo: demo-data ## Install, migrate, load demo data, serve on http://127.0.0.1:8000 with the background worker
	$(BIN)/kefu demo-data --print-logins --skip-load
	$(BIN)/kefu run $(HOST):$(PORT)

serve: migrate ## Serve (development server) with the background worker, without touching the data
	$(BIN)/kefu run $(HOST):$(PORT)

production: migrate ## Production web server (gunicorn; KEFU_BIND, KEFU_WEB_WORKERS); run `kefu worker` beside it
	$(BIN)/kefu serve

chromium: ## Install Debian's chromium for the browser tests when missing
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "chromium missing: run 'sudo apt-get install -y chromium'"; fi; }

test: install chromium ## Type-check, then the whole suite on SQLite, then the database tests on PostgreSQL when reachable
	$(BIN)/mypy
	$(BIN)/pytest -n 2 --dist loadfile
	@if $(BIN)/python -c "import psycopg,sys; psycopg.connect('$(PG_URL)', connect_timeout=3).close()" 2>/dev/null; then \
	  echo "== PostgreSQL: database tests against $(PG_URL)"; \
	  DATABASE_URL=$(PG_URL) KEFU_DB_TESTS_ONLY=1 $(BIN)/pytest -n 2 --dist loadfile; \
	else echo "== PostgreSQL not reachable at $(PG_URL): database tests ran on SQLite only"; fi

test-sqlite: install ## Run the suite on SQLite only
	$(BIN)/pytest

test-pg: install ## Run the database tests on PostgreSQL
	DATABASE_URL=$(PG_URL) KEFU_DB_TESTS_ONLY=1 $(BIN)/pytest

test-browser: install chromium ## Run only the Playwright browser tests
	$(BIN)/pytest -m browser

bench: install ## Run every benchmark in bench/ (ratios against same-run baselines)
	$(BIN)/python bench/run.py

lint: install ## ruff
	$(BIN)/ruff check .

typecheck: install ## mypy with django-stubs (strict for qa, phrasebook, lib, workflow)
	$(BIN)/mypy

norms: install ## Report which NORMS.md ids are not cited anywhere yet
	$(BIN)/python -m kefu.lib.norms

messages: ## Recompile translations (needs gettext's msgfmt)
	cd kefu && for d in */locale; do (cd $$(dirname $$d) && ../../$(BIN)/kefu compilemessages >/dev/null); done

clean: ## Remove the venv and local data
	rm -rf $(VENV) var/*.sqlite3*
