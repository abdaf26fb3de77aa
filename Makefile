# caredesk — see README.md.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PG_URL ?= postgres://postgres@127.0.0.1:5432/caredesk
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: run install messages test lint types test-sqlite test-postgres system-deps bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e ".[dev]"
	touch $@

# The customer side's translations (caredesk/locale/*/django.po) compiled to .mo with
# GNU gettext's msgfmt (system-deps); the .mo files are never committed (docs/languages.md).
# Without msgfmt (a machine without gettext) the customer pages stay in English until
# `make system-deps` installs it; the tests compile what they need themselves.
messages: $(VENV)/.installed
	@if command -v msgfmt >/dev/null 2>&1; then \
	  cd caredesk && ../$(BIN)/caredesk manage compilemessages -v 0; \
	else \
	  echo "note: GNU gettext (msgfmt) is missing, so translations are not compiled;" \
	       "run 'make system-deps' (or apt-get install gettext) for German, French and Spanish"; \
	fi

install: $(VENV)/.installed messages

run: install
	@$(BIN)/caredesk migrate
	@$(BIN)/caredesk demo --if-empty
	@$(BIN)/caredesk serve

# System packages the tests need: Debian's Chromium (browser tests; Playwright's own
# download cannot work here), Dovecot (the email tests start a real IMAP server),
# GNU gettext (msgfmt compiles the translations) and xmlsec1 (SAML signature checks).
system-deps:
	@sh scripts/install-system-deps.sh

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check caredesk config tests bench
	$(BIN)/lint-imports

types: install
	$(BIN)/mypy caredesk config bench

test-sqlite: install system-deps
	@echo "== tests on SQLite =="
	DATABASE_URL=sqlite:///:memory: $(BIN)/pytest -q -n 2 --dist loadscope --durations=15

test-postgres: install system-deps
	@echo "== tests on PostgreSQL =="
	@if $(BIN)/python scripts/pg_available.py "$(PG_URL)"; then \
	  DATABASE_URL="$(PG_URL)" $(BIN)/pytest -q -n 2 --dist loadscope --durations=15 -m "not own_database"; \
	elif [ -n "$$CI" ]; then \
	  echo "PostgreSQL is required in CI but $(PG_URL) is unreachable"; exit 1; \
	else \
	  echo "SKIPPED: PostgreSQL tests — no server at $(PG_URL) (set PG_URL to point at one)"; \
	fi

test: lint types test-sqlite test-postgres

# Prints numbers; asserts nothing (the soak exits 1 if it lost or doubled an effect).
# See docs/benchmarks*.md. The SLA bench builds a 1,000,000-case PostgreSQL database (a
# few minutes); the search bench builds (or reuses) a 200,000-case one; the soak runs
# 3,000 operations with workers killed (a few minutes); the scale run starts 2 web
# processes + 2 workers on PostgreSQL and Redis, with RQ and the database queue (~8 minutes).
# The HTTP table (bench.http_bench) runs at 10,000 cases here (~5 minutes); at 1,000,000:
#   PG_URL=... .venv/bin/python -m bench.http_bench --cases 1000000
# (builds caredesk_bench_1m with bench.datagen_copy the first time, ~15-25 minutes, then
# reuses it).
bench: install
	$(BIN)/python -m bench.run
	$(BIN)/python -m bench.page_bench
	$(BIN)/python -m bench.email_ingest
	$(BIN)/python -m bench.sla_bench
	PG_URL="$(PG_URL)" $(BIN)/python -m bench.search_bench
	$(BIN)/python -m bench.reports_bench
	$(BIN)/python -m bench.incidents_bench
	$(BIN)/python -m bench.coverage_bench
	PG_URL="$(PG_URL)" $(BIN)/python -m bench.soak
	PG_URL="$(PG_URL)" $(BIN)/python -m bench.scale
	PG_URL="$(PG_URL)" $(BIN)/python -m bench.http_bench --cases 10000
	$(BIN)/python -m bench.care_sim --days 3 --profile normal --seed 1
	$(BIN)/python -m bench.import_bench --cases 500 --pg-url "$(PG_URL)"

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
