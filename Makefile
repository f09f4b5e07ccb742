# Counter Desk — newcomer commands: `make run` and `make test` (each bootstraps .venv itself).
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: run test lint check bench bundle frozen-check clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

run: $(STAMP)  ## open the app on the demo hall (local SQLite in the user data folder; no setup questions)
	$(PY) -m ui --demo

lint: $(STAMP)  ## layering contract, ruff, mypy
	$(VENV)/bin/lint-imports
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy

test: lint  ## everything CI runs
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest -q -n 2

bench: $(STAMP)  ## benchmarks (numbers printed; not part of test)
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest -q benchmarks --benchmark-enable -p no:xdist
	$(PY) benchmarks/cold_start.py
	$(PY) benchmarks/ledger_search_1m.py
	$(PY) benchmarks/audit_chain_1m.py
	$(PY) benchmarks/decision_write.py  # one decision on the counter against a bare durable insert
	$(PY) benchmarks/counter_sync.py  # the counter's push-answer recording and 50k-row pull against executemany
	$(PY) benchmarks/server_push.py  # PostgreSQL on 127.0.0.1:5432: one hall's push apply against its floor
	$(PY) benchmarks/restore_cost.py  # PostgreSQL: the pulls of 300 counters after a restore, kept cursors against from 0

$(VENV)/.installed-build: $(STAMP)
	$(PY) -m pip install --quiet -e ".[dev,build]"
	touch $@

bundle: $(VENV)/.installed-build  ## PyInstaller one-folder build into dist/counter-desk (work files in .pyinstaller/)
	$(VENV)/bin/pyinstaller --noconfirm --log-level WARN --workpath .pyinstaller --distpath dist build/counter-desk.spec

frozen-check:  ## release check: clean venv, bundle, frozen smoke check, cold start; appends to docs/release-checks.md
	$(PYTHON) build/frozen_check.py $(FROZEN_CHECK_ARGS)

.PHONY: harness
HARNESS_ARGS ?= --scenarios 200
harness: $(STAMP)  ## sync fault-injection acceptance run (docs/fault-harness.md); last line "<n> passed, <m> failed"
	$(PY) -m tests.harness $(HARNESS_ARGS)

.PHONY: server
server: $(STAMP)  ## the central server on the demo hall (SQLite in the user data folder, seeded on first start) at http://127.0.0.1:8765
	$(VENV)/bin/counter-desk-server serve --demo --host 127.0.0.1 --port 8765

clean:
	rm -rf $(VENV) .pyinstaller
