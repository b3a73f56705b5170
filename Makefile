# Two commands: `make run` (the portal with demo data on SQLite) and `make test` (the whole suite).
# pipefail: a step piped into tee still fails the target when it fails.
SHELL := /bin/bash
.SHELLFLAGS := -o pipefail -c
VENV ?= .venv
PY := $(VENV)/bin/python
QC := $(VENV)/bin/qcorner
PYTHON ?= python3
HOST ?= 127.0.0.1
PORT ?= 8050
# Test workers: one more than the two cores here. A test spends part of its time waiting on Chromium, a page's server
# round trips or PostgreSQL, and a third worker fills those waits: the PostgreSQL suite took 13.7 min with three
# against 15.1–17.2 min with two on a quiet 2-core VM (6 Dec 2026), with the cores busy throughout.
TEST_WORKERS ?= 3
# Python writes its compiled modules (and pytest its rewritten test modules) to __pycache__ even where the machine's
# environment asks it not to: every test worker, and every portal process a test starts, would otherwise compile
# the portal and the tests again (collecting the suite took a worker 11.5 s without them, 6.9 s with them, on this
# machine; __pycache__ is ignored by git).
unexport PYTHONDONTWRITEBYTECODE

# The demo's stand-in for IQFast: the simulator's SQLite file (make run ticks it so the portal looks alive).
IQFAST_SIM ?= sqlite:///$(CURDIR)/instance/iqfast-sim.db
# Web Push on: the demo keeps a generated VAPID key pair in instance/push-keys.json.
DEMO_ENV := QCORNER_ENV=demo QCORNER_IQFAST_URL=$(IQFAST_SIM) QCORNER_PUSH_ENABLED=1

.PHONY: run test test-postgresql test-sqlite test-unit test-dates install demo manual clean audit proof

$(VENV)/.installed: requirements.txt requirements-dev.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	$(PY) -m pip install --quiet --no-deps -e .
	touch $@

install: $(VENV)/.installed

demo: install
	$(DEMO_ENV) $(QC) demo

# The web server (gunicorn: four workers of four threads, portal/demo/gunicorn_conf.py) and the scheduler process
# side by side; Ctrl+C stops both. `qcorner serve` (one process) stays for development.
run: demo
	@echo "Q-Corner: http://$(HOST):$(PORT)  (Ctrl+C stops it)"
	@bash -c '$(DEMO_ENV) $(QC) scheduler & scheduler=$$!; trap "kill $$scheduler 2>/dev/null" EXIT INT TERM; \
	  $(DEMO_ENV) HOST=$(HOST) PORT=$(PORT) $(VENV)/bin/gunicorn -c python:portal.demo.gunicorn_conf wsgi:server'

# Regenerate the user manual's screenshots from a running `make run` (docs/manual/screenshots/).
manual: install
	$(PY) docs/manual/make_screenshots.py --base-url http://$(HOST):$(PORT)

test: test-postgresql test-sqlite

# The whole suite against a fresh PostgreSQL database (created and dropped by the tests) and real Chromium.
test-postgresql: install
	$(PY) -m pytest -n $(TEST_WORKERS) --dist loadfile -q --durations=25

# The pure rules alone: no database, seconds.
test-unit: install
	$(PY) -m pytest -q tests/unit

# The rule and service tests with the clock at awkward dates (a month's first day just after midnight in WIB, New
# Year's Eve late in the evening, a leap day), so a test that depends on the real date fails here first. The tests
# that start other processes (gunicorn, schedulers, pg_dump) keep the real clock and are left out.
CLOCKS ?= 2027-03-01T00:30:00+07:00 2026-12-31T23:30:00+07:00 2028-02-29T09:00:00+07:00
test-dates: install
	for clock in $(CLOCKS); do echo "clock at $$clock"; QCORNER_TEST_CLOCK=$$clock $(PY) -m pytest -n $(TEST_WORKERS) \
	  --dist loadfile -q tests/unit tests/services --ignore tests/services/test_scale_out.py \
	  --ignore tests/services/test_faults.py --ignore tests/services/test_backup_restore.py \
	  --ignore tests/services/test_demo_server.py || exit 1; done

# The same suite on the embedded SQLite default, except what needs a browser or PostgreSQL itself, and the pure rules
# of tests/unit, which reach no database (the PostgreSQL run has them).
test-sqlite: install
	QCORNER_TEST_BACKEND=sqlite $(PY) -m pytest -n $(TEST_WORKERS) --dist loadfile -q --durations=15 \
	  -m "not browser and not postgresql_only" --ignore tests/unit

# The long proofs of issue #9, each writing its results into docs/ (about an hour on 2 cores; run on a quiet machine):
# hostile input with many examples, the fault scenarios on a private PostgreSQL cluster, a verified backup and
# the capacity figures behind docs/scaling.md, then 50 people of every role on national-scale data for 5 minutes.
LOAD_VENV := .venv-load
$(LOAD_VENV)/.installed: benchmarks/load/requirements.txt
	$(PYTHON) -m venv $(LOAD_VENV)
	$(LOAD_VENV)/bin/pip install --quiet -r benchmarks/load/requirements.txt
	touch $@

proof: install $(LOAD_VENV)/.installed
	mkdir -p docs/proof
	$(PY) -m proof.fuzz
	$(PY) -m proof.faults
	$(PY) benchmarks/capacity.py --days 60 --seconds 15 --backup | tee docs/proof/capacity-and-backup.txt
	$(PY) proof/load.py

# Known vulnerabilities in the pinned packages (pip-audit in its own venv; needs PyPI's JSON API or OSV reachable).
audit:
	test -x .venv-audit/bin/pip-audit || ($(PYTHON) -m venv .venv-audit && .venv-audit/bin/pip install --quiet pip-audit==2.10.1)
	.venv-audit/bin/pip-audit --progress-spinner off -r requirements.txt -r requirements-dev.txt

clean:
	rm -rf $(VENV) instance/*.db test-artifacts
