# Two commands: `make run` (the portal with demo data on SQLite) and `make test` (the whole suite).
VENV ?= .venv
PY := $(VENV)/bin/python
QC := $(VENV)/bin/qcorner
PYTHON ?= python3
HOST ?= 127.0.0.1
PORT ?= 8050
# Test workers: two cores here; the suite is split between them.
TEST_WORKERS ?= 2

# The demo's stand-in for IQFast: the simulator's SQLite file (make run ticks it so the portal looks alive).
IQFAST_SIM ?= sqlite:///$(CURDIR)/instance/iqfast-sim.db
DEMO_ENV := QCORNER_ENV=demo QCORNER_IQFAST_URL=$(IQFAST_SIM)

.PHONY: run test test-postgresql test-sqlite install demo manual clean

$(VENV)/.installed: requirements.txt requirements-dev.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	$(PY) -m pip install --quiet --no-deps -e .
	touch $@

install: $(VENV)/.installed

demo: install
	$(DEMO_ENV) $(QC) demo

# The web server and the scheduler process side by side; Ctrl+C stops both.
run: demo
	@echo "Q-Corner: http://$(HOST):$(PORT)  (Ctrl+C stops it)"
	@bash -c '$(DEMO_ENV) $(QC) scheduler & scheduler=$$!; trap "kill $$scheduler 2>/dev/null" EXIT INT TERM; \
	  $(DEMO_ENV) $(QC) serve --host $(HOST) --port $(PORT)'

# Regenerate the user manual's screenshots from a running `make run` (docs/manual/screenshots/).
manual: install
	$(PY) docs/manual/make_screenshots.py --base-url http://$(HOST):$(PORT)

test: test-postgresql test-sqlite

# The whole suite against a fresh PostgreSQL database (created and dropped by the tests) and real Chromium.
test-postgresql: install
	$(PY) -m pytest -n $(TEST_WORKERS) --dist loadfile -q

# The same suite on the embedded SQLite default, except what needs a browser or PostgreSQL itself.
test-sqlite: install
	QCORNER_TEST_BACKEND=sqlite $(PY) -m pytest -n $(TEST_WORKERS) --dist loadfile -q -m "not browser and not postgresql_only"

clean:
	rm -rf $(VENV) instance/*.db test-artifacts
