# tfclaims: `make run` to try it, `make test` to check everything (what CI runs).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export FLASK_APP := tfclaims
ASSETS := tfclaims/assets_build
GOVUK := node_modules/govuk-frontend/dist/govuk
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test test-sqlite test-postgres install assets migrate seed lint bench bench-import bench-pg loadtest loadtest-sqlite clean

$(BIN)/activate: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(BIN)/activate

install: $(BIN)/activate

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch node_modules/.package-lock.json

$(ASSETS)/govuk-frontend.min.css: node_modules/.package-lock.json
	rm -rf $(ASSETS)
	mkdir -p $(ASSETS)
	cp $(GOVUK)/govuk-frontend.min.css $(GOVUK)/govuk-frontend.min.js $(ASSETS)/
	cp -r $(GOVUK)/assets/. $(ASSETS)/

assets: $(ASSETS)/govuk-frontend.min.css

migrate: install
	$(BIN)/flask db upgrade

# The demo council lives on this day (DEMO_TODAY in tfclaims/demo.py, inside Supporting Families 2022-25): `make run`
# serves the app as of it. `make run TFCLAIMS_TODAY=` serves it on the real date.
TFCLAIMS_TODAY ?= 2024-11-20

run: export TFCLAIMS_TODAY := $(TFCLAIMS_TODAY)
run: install assets migrate
	$(BIN)/flask tfclaims seed-if-empty
	@echo "tfclaims is starting on http://$(HOST):$(PORT)/$(if $(TFCLAIMS_TODAY), as of $(TFCLAIMS_TODAY),) (Ctrl+C to stop)"
	@# The background job worker (huey, its SQLite storage in instance/jobs.sqlite) runs beside the app and stops
	@# with it.
	$(BIN)/huey_consumer tfclaims.jobs.worker.huey --workers 2 --worker-type process --logfile instance/worker.log \
		& worker=$$!; trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
		$(BIN)/flask run --host $(HOST) --port $(PORT)

test: install assets
	$(BIN)/ruff check .
	@db=$$(mktemp -d)/check.sqlite && DATABASE_URL=sqlite:///$$db $(BIN)/flask db upgrade 2>/dev/null \
		&& DATABASE_URL=sqlite:///$$db $(BIN)/flask db check
	$(MAKE) test-sqlite
	@if command -v pg_virtualenv >/dev/null 2>&1; then $(MAKE) test-postgres; \
	else echo "pg_virtualenv not found: PostgreSQL run skipped"; fi

# The SQLite pass runs on PYTEST_WORKERS processes (pytest-xdist), each with its own database files and servers.
PYTEST_WORKERS ?= 2

test-sqlite:
	@echo "== tests on SQLite ($(PYTEST_WORKERS) workers) =="
	$(BIN)/pytest -q -n $(PYTEST_WORKERS) $(PYTEST_ARGS)

# The PostgreSQL pass runs what touches the database (tests/integration): the pure unit tests would only repeat
# themselves, and the browser journeys drive the same pages the integration tests already send through PostgreSQL.
# Each of its PYTEST_WORKERS processes has a database of its own in the one cluster (tests/conftest.py).
test-postgres:
	@echo "== tests on PostgreSQL 15 (pg_virtualenv): the integration tests ($(PYTEST_WORKERS) workers) =="
	pg_virtualenv -v 15 env DATABASE_URL=postgresql+psycopg:// $(BIN)/pytest -q -n $(PYTEST_WORKERS) tests/integration $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .

# Scale and speed figures on a synthetic cohort (bench/): SQLite by default, or DATABASE_URL when set.
bench: install
	$(BIN)/python -m bench $(BENCH_ARGS)

# A school's attendance file of 200,000 rows against a register of 100,000 families (bench/imports.py): the time of
# each step of the import (read, check, match, write) and its peak memory, against the targets (60 s, 2 GB).
# Options: BENCH_IMPORT_ARGS, e.g. BENCH_IMPORT_ARGS='--families 10000 --rows 20000'.
bench-import: install
	$(BIN)/python -m bench.imports $(BENCH_IMPORT_ARGS)

bench-pg: install
	pg_virtualenv -v 15 env DATABASE_URL=postgresql+psycopg:// $(BIN)/python -m bench $(BENCH_ARGS)

# The load test (bench/loadtest): 10,000 families on a private PostgreSQL 15 (initdb into a temporary folder, its own
# port and socket, stopped at the end), gunicorn with 4 workers and the huey worker on 127.0.0.1, Locust headless:
# 3,000 requests by 50 users (2 to 6 s between steps); then the same mix on SQLite with 10 users. Prints requests per
# second, p50/p95/p99 per page, the errors, the machine's load and the targets. Options: LOADTEST_ARGS (python -m bench.loadtest --help),
# e.g. LOADTEST_ARGS='--users 20 --requests 1000 --database postgres'.
loadtest: install assets
	$(BIN)/python -m bench.loadtest $(LOADTEST_ARGS)

loadtest-sqlite: install assets
	$(BIN)/python -m bench.loadtest --database sqlite $(LOADTEST_ARGS)

clean:
	rm -rf $(VENV) node_modules $(ASSETS) .pytest_cache
