# One command to set up and serve, one to set up and test (see README.md).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi

.PHONY: run serve test e2e setup dev migrate translations clean cluster cluster-stop

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: requirements.txt | $(BIN)/activate
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

# Test, browser-test and benchmark tools (requirements-dev.txt) on top of the runtime.
$(VENV)/.installed-dev: requirements-dev.txt $(VENV)/.installed
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

# The catalogs are compiled when their .po is newer (so that test runs side by side never rewrite them).
CATALOGS := translations/zh_Hans_CN/LC_MESSAGES
translations: $(CATALOGS)/messages.mo $(CATALOGS)/admin.mo

$(CATALOGS)/%.mo: $(CATALOGS)/%.po | $(VENV)/.installed
	$(BIN)/pybabel compile -d translations -D $* >/dev/null

setup: $(VENV)/.installed translations

dev: setup $(VENV)/.installed-dev

run: setup
	FLASK_DEBUG=1 $(FLASK) db upgrade
	@if [ ! -f instance/.demo-loaded ]; then FLASK_DEBUG=1 $(FLASK) seed demo && touch instance/.demo-loaded; \
	 else FLASK_DEBUG=1 $(FLASK) seed demo --logins-only; fi
	@echo "Serving http://127.0.0.1:5000  (Ctrl+C to stop)"
	FLASK_DEBUG=1 $(FLASK) run --host 127.0.0.1 --port 5000

# Production-style serving (PostgreSQL): needs SECRET_KEY and DATABASE_URL in the environment.
serve: setup
	$(FLASK) db upgrade
	$(BIN)/gunicorn -c gunicorn.conf.py wsgi:app

# Two app servers behind HAProxy on loopback (docs/deploy.md): needs SECRET_KEY, DATABASE_URL (PostgreSQL) and
# REDIS_URL; LB_PORT (8080), NODE_PORTS ("8001 8002"), WEB_CONCURRENCY (2 per node) may be set.
cluster: setup
	deploy/cluster.sh start

cluster-stop:
	deploy/cluster.sh stop

test: dev
	$(BIN)/pytest -q $(PYTEST_ARGS)

e2e: dev
	$(BIN)/pytest -q e2e $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache
