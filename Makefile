# officepass — the two commands: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
# PostgreSQL used by the second test pass and the benchmark (trust auth on 127.0.0.1).
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/test

.PHONY: install run migrate demo test test-sqlite test-postgres test-hostile lint bench bench-unlock clean messages
.PHONY: audit soak faults
.PHONY: bench-small bench-pretix-prepare

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "officepass needs $(PYTHON) on PATH"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

migrate: install
	$(BIN)/python manage.py migrate --noinput

demo: migrate
	$(BIN)/python manage.py load_demo

# Web server on 127.0.0.1:$(PORT) plus the background worker; Ctrl-C stops both.
run: demo
	PORT=$(PORT) $(BIN)/honcho start -f Procfile

test: install test-sqlite test-postgres

test-sqlite: install
	$(BIN)/pytest -q -p no:cacheprovider

# `make test` RUNS times in a row (5) while HOGS busy loops (one per core) keep the CPU busy:
# the tests wait for events, not for time margins, so they must stay green on a loaded machine.
.PHONY: test-under-load
test-under-load: install
	RUNS=$(or $(RUNS),5) HOGS=$(or $(HOGS),$$(nproc)) TEST_DATABASE_URL="$(TEST_DATABASE_URL)" \
		scripts/test-under-load.sh

# The same suite again on PostgreSQL, with the concurrency tests that need it.
test-postgres: install
	@if $(BIN)/python -m officepass.core.dbcheck "$(TEST_DATABASE_URL)"; then \
		DATABASE_URL="$(TEST_DATABASE_URL)" $(BIN)/pytest -q -p no:cacheprovider; \
	else \
		echo "SKIPPED: PostgreSQL suite — no PostgreSQL at $(TEST_DATABASE_URL)"; \
	fi

# The SQLite pass again with the clock started at hostile instants (the next last minute of a
# month in Tokyo, 31 December 23:59 and 29 February 23:59, local): nothing may depend on today.
HOSTILE_INSTANTS ?= month-end year-end leap-day
test-hostile: install
	@for at in $(HOSTILE_INSTANTS); do \
		echo "== SQLite pass with the clock started at $$at"; \
		$(BIN)/pytest -q -p no:cacheprovider --start-at=$$at || exit 1; \
	done

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy .
	$(BIN)/lint-imports
	$(BIN)/python scripts/lint_rules.py

bench: install bench-pretix-prepare
	$(BIN)/python benchmarks/run.py
	$(BIN)/python benchmarks/push.py

# The same run on a small data set with short phases (minutes; figures are not the goals').
bench-small: install
	BENCH_SCALE=small $(BIN)/python benchmarks/run.py

# One-time: pretix from PyPI into .bench/pretix-venv and its migrated template database
# (make bench does this itself when needed; run it ahead to keep the bench under 10 min).
bench-pretix-prepare: install
	$(BIN)/python -m benchmarks.pretix.side prepare

# 10,000 T−window reminders due at once, sent by one worker to a local push service that checks
# VAPID and decrypts each payload (RFC 8291); goal: all within 60 s. DATABASE_URL=postgres://…
# runs it on a fresh PostgreSQL database (<name>_bench_push, dropped after).
.PHONY: bench-push
bench-push: install
	$(BIN)/python benchmarks/push.py

# Where a check-in's web CPU goes: cProfile of in-process check-ins on PostgreSQL.
.PHONY: bench-profile
bench-profile: install
	$(BIN)/python benchmarks/profile_checkin.py 2>/dev/null

# Unlock latency through the MQTT driver and Mosquitto on 127.0.0.1:1883.
bench-unlock: install
	$(BIN)/python benchmarks/unlock_mqtt.py

# The long form of the race and idempotency tests, and the faults, on PostgreSQL (bounded:
# each long test stops by itself after SOAK_MAX_SECONDS, and fails if that cut its rounds short:
# 10,000 rounds take about 25 minutes on a quiet 2-core machine, the whole soak about 45;
# `make soak SOAK_MAX_SECONDS=10800` beside other work).
SOAK_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/soak
SOAK_MAX_SECONDS ?= 3600
soak: install
	RACE_ROUNDS=10000 RACE_CONTROL_ROUNDS=200 IDEMPOTENCY_ROUNDS=556 SOAK_MAX_SECONDS=$(SOAK_MAX_SECONDS) \
	FAULT_LOAD_SECONDS=30 FAULT_RESTARTS=5 \
	DATABASE_URL="$(SOAK_DATABASE_URL)" $(BIN)/pytest -p no:cacheprovider -q -s \
		tests/concurrency/test_burst_rounds.py tests/faults

# Faults only (PostgreSQL restarted, Mosquitto stopped, worker killed, clock jumped), each on
# its own throwaway PostgreSQL cluster / broker on 127.0.0.1 where it needs one.
faults: install
	DATABASE_URL="$(TEST_DATABASE_URL)" $(BIN)/pytest -p no:cacheprovider -q -s tests/faults

# Known vulnerabilities in the installed dependencies (pip-audit; needs PyPI; an unreachable
# service is reported, not failed — AUDIT_STRICT=1 to fail). Not part of `make test`.
audit: install
	BIN=$(BIN) scripts/audit.sh
# Report pages over a year of data for 1,000 offices (PostgreSQL; REPORTS_BENCH_DATABASE_URL).
.PHONY: bench-reports
bench-reports: install
	$(BIN)/python benchmarks/reports.py
# Member web app: phone-size screenshots of the main screens into docs/screenshots/ (Chromium),
# server time per page with the demo data, and refreshing the vendored npm files.
.PHONY: screenshots bench-pages vendor-web
screenshots: install
	$(BIN)/pytest -q -p no:cacheprovider tests/browser/shots.py

bench-pages: install
	$(BIN)/python benchmarks/pages.py

vendor-web:
	bash officepass/web/vendor.sh

messages: install
	cd officepass && ../$(BIN)/python ../manage.py compilemessages

clean:
	rm -rf $(VENV) db.sqlite3* media
