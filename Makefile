# caredesk — see README.md.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PG_URL ?= postgres://postgres@127.0.0.1:5432/caredesk
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: run install test lint types test-sqlite test-postgres browser-deps bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e ".[dev]"
	touch $@

install: $(VENV)/.installed

run: install
	@$(BIN)/caredesk migrate
	@$(BIN)/caredesk demo --if-empty
	@$(BIN)/caredesk serve

# Debian's Chromium drives the browser tests (Playwright's own download cannot work here).
browser-deps:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "Installing Debian's chromium for the browser tests…"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "chromium is missing: sudo apt-get install chromium"; exit 1; fi; }

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check caredesk config tests

types: install
	$(BIN)/mypy caredesk config

test-sqlite: install browser-deps
	@echo "== tests on SQLite =="
	DATABASE_URL=sqlite:///:memory: $(BIN)/pytest -q

test-postgres: install browser-deps
	@echo "== tests on PostgreSQL =="
	@if $(BIN)/python scripts/pg_available.py "$(PG_URL)"; then \
	  DATABASE_URL="$(PG_URL)" $(BIN)/pytest -q; \
	elif [ -n "$$CI" ]; then \
	  echo "PostgreSQL is required in CI but $(PG_URL) is unreachable"; exit 1; \
	else \
	  echo "SKIPPED: PostgreSQL tests — no server at $(PG_URL) (set PG_URL to point at one)"; \
	fi

test: lint types test-sqlite test-postgres

bench: install
	$(BIN)/python -m bench.run

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
