# Stepwise: `make run` serves the demo, `make test` runs the whole suite, `make bench` the benchmark.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
PORT ?= 5000
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | sha1sum | cut -c1-12)
NPM_STAMP := node_modules/.installed-$(shell cat package-lock.json | sha1sum | cut -c1-12)

.PHONY: run test bench loadtest loadserver lint format assets install clean chromium

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	rm -f $(VENV)/.installed-* && touch $@

$(NPM_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

install: $(STAMP) $(NPM_STAMP)

assets: install
	IOP_DEMO=1 $(FLASK) assets build

run: assets
	IOP_DEMO=$${IOP_DEMO:-1} $(FLASK) db upgrade
	IOP_DEMO=$${IOP_DEMO:-1} $(FLASK) seed-demo --if-empty
	@echo ""
	@echo "Stepwise demo on http://127.0.0.1:$(PORT)"
	@echo "  sign in as admin@example.org, clinician@example.org, casemanager@example.org"
	@echo "  or family@example.org, password: stepwise-demo"
	@echo ""
	IOP_DEMO=$${IOP_DEMO:-1} $(FLASK) run --host 127.0.0.1 --port $(PORT)

# The browser tests need Debian's Chromium: install it or stop before anything else runs (not needed
# when PYTEST_ARGS leaves the browser tests out).
chromium:
	@case "$(PYTEST_ARGS)" in *"not e2e"*) ;; *) .ci/ensure-chromium ;; esac

test: chromium assets
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/bandit -q -r iop -ll
	$(BIN)/pytest -n $${PYTEST_WORKERS:-2} $(PYTEST_ARGS)

bench: assets
	$(BIN)/python -m tests.bench.run

# Gunicorn on PostgreSQL and Redis, 20 simulated clinicians for 60 s (tests/load/run.py); not part of `make test`.
loadtest: assets
	$(BIN)/python -m tests.load.run

# Gunicorn on a seeded PostgreSQL database (LOADTEST_DATABASE_URL), 50 signed-in users for 60 s, then
# Lighthouse on each role's main page (tests/load/server.py); `make bench` runs it on its scale data set.
loadserver: assets
	$(BIN)/python -m tests.load.server

lint: install
	$(BIN)/ruff check . && $(BIN)/ruff format --check . && $(BIN)/bandit -q -r iop -ll

format: install
	$(BIN)/ruff format . && $(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) node_modules static/gen instance/stepwise.sqlite
