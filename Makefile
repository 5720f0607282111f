# enishi — the two commands: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
DEMO_MEMBERS ?= 600

.PHONY: demo test install install-dev lint bench bench-audit bench-mailings bench-donations bench-matching lock messages

$(BIN)/python:
	$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 12) and "enishi needs Python 3.12 or newer")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.lock pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet --require-hashes -r requirements.lock
	$(BIN)/pip install --quiet --no-deps --no-build-isolation -e .
	touch $@

$(VENV)/.installed-dev: requirements-dev.lock pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet --require-hashes -r requirements-dev.lock
	$(BIN)/pip install --quiet --no-deps --no-build-isolation -e .
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

## make demo: install, migrate SQLite, seed the 伊賀衆 demo, run the server and the task worker.
demo: install
	ENISHI_DEBUG=1 $(BIN)/enishi migrate --no-input -v 0
	ENISHI_DEBUG=1 $(BIN)/enishi seed_demo --members $(DEMO_MEMBERS)
	ENISHI_DEBUG=1 $(BIN)/enishi index_profiles
	ENISHI_DEBUG=1 ENISHI_STAFF_MFA_REQUIRED=0 scripts/serve.sh $(PORT)

## make test: the whole suite on SQLite, then on PostgreSQL when one is reachable.
test: install-dev
	scripts/test.sh

lint: install-dev
	$(BIN)/ruff check src tests bench

## make bench: 100,000 members, 2,000 activities, 1,000,000 ledger rows: time the member list,
## the card, /activities/, /me/ and every member's rank and stage (SQLite and PostgreSQL).
bench: install-dev
	$(BIN)/python bench/run.py

## make bench-audit: 1,000,000 hash-chained audit rows: time one write and a full verification.
bench-audit: install-dev
	$(BIN)/python bench/audit.py --db sqlite
	$(BIN)/python bench/audit.py --db postgres
## make bench-mailings: 1,000,000 members on PostgreSQL: segment counts, render and queue
## 100,000 mails, deliver 10,000 to a local SMTP sink (bench/mailings.py).
bench-mailings: install-dev
	$(BIN)/python bench/mailings.py

## make bench-donations: 1,000,000 generated donation rows imported into SQLite and PostgreSQL,
## beside django-import-export and COPY; matching against 100,000 members (bench/donations.py).
bench-donations: install-dev
	$(BIN)/python bench/donations.py
## make bench-matching: recall@10 / nDCG@10 of exact vs exact + semantic on the evaluation set,
## embedding time, and scouting latency at 100,000 members on SQLite and PostgreSQL.
bench-matching: install-dev
	$(BIN)/python bench/matching.py --eval
	$(BIN)/python bench/matching.py --embed 1000
	$(BIN)/python bench/matching.py --latency --members 100000 --db sqlite
	$(BIN)/python bench/matching.py --latency --members 100000 --db postgres

## make lock: re-pin the dependencies (needs network access to PyPI).
lock: | $(BIN)/python
	$(BIN)/pip install --quiet uv
	$(BIN)/uv pip compile pyproject.toml scripts/build-requirements.in --python-version 3.12 --generate-hashes --quiet -o requirements.lock
	$(BIN)/uv pip compile pyproject.toml scripts/build-requirements.in --extra dev --extra semantic --python-version 3.12 --generate-hashes --quiet -o requirements-dev.lock

## make messages: refresh the English catalogue after changing UI text.
messages: install-dev
	cd src/enishi && ../../$(BIN)/enishi makemessages -l en --no-obsolete --ignore "*/vendor/*"
	cd src/enishi && ../../$(BIN)/enishi compilemessages -l en
