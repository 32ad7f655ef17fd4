# cosell — common tasks. `make run` serves on the embedded SQLite default; `make test` runs every
# test on SQLite and PostgreSQL.

CARGO ?= cargo
COSELL_TEST_POSTGRES_URL ?= postgres://postgres@127.0.0.1:5432/test
export COSELL_TEST_POSTGRES_URL

.PHONY: run build test test-sqlite fuzz faults bench openapi clients contract fmt lint check release clean

run:
	$(CARGO) run --release -- serve

build:
	$(CARGO) build --release

test:
	@if [ -n "$(COSELL_TEST_POSTGRES_URL)" ]; then scripts/ensure-postgres.sh; fi
	$(CARGO) test --all-targets

test-sqlite:
	COSELL_TEST_POSTGRES_URL= $(CARGO) test --all-targets

# Contract fuzzing with schemathesis against a running server, on SQLite and on PostgreSQL
# (FUZZ_EXAMPLES and FUZZ_SEED tune it); see docs/reliability.md.
fuzz:
	scripts/fuzz.sh
	@if [ -n "$(COSELL_TEST_POSTGRES_URL)" ]; then FUZZ_POSTGRES_URL=$(COSELL_TEST_POSTGRES_URL) scripts/fuzz.sh; fi

# The benchmark (never part of `make test`): release build, seeded database, wrk from the other
# core; writes docs/performance.md. SQLite, then PostgreSQL (BENCH_POSTGRES_URL= skips it). Needs wrk
# (installed from Debian's packages when missing).
bench:
	@command -v wrk >/dev/null || (apt-get update -qq && apt-get install -y -qq wrk)
	scripts/ensure-postgres.sh
	$(CARGO) build --release --workspace
	BENCH_POSTGRES_URL=$${BENCH_POSTGRES_URL-postgres://postgres@127.0.0.1:5432/postgres} python3 bench/run.py

# What only a real server shows: two processes on one PostgreSQL database, kill -9 during a write
# load, a SQLite soak (FAULTS_SOAK_SECONDS, default 60), input limits on a real socket, and webhooks
# delivered once by two processes and not lost to kill -9 (verified with Python's standardwebhooks), and
# the comparison with live and each edit's changes applied by Python's jsonpatch.
faults:
	$(CARGO) build --quiet
	@test -x .venv/bin/python || python3 -m venv .venv
	@.venv/bin/python -c "import standardwebhooks, jsonpatch" 2>/dev/null || .venv/bin/pip install --quiet "standardwebhooks==1.1.0" "jsonpatch==1.33"
	FAULTS_POSTGRES_URL=$(COSELL_TEST_POSTGRES_URL) .venv/bin/python scripts/faults.py

# Regenerates the TypeScript client's types (clients/typescript/src/schema.ts) from the committed
# document; run after `make openapi`.
clients:
	@cmp -s clients/typescript/package-lock.json clients/typescript/node_modules/.installed-from-lock \
		|| (cd clients/typescript && npm ci --no-audit --no-fund --loglevel=error \
			&& cp package-lock.json node_modules/.installed-from-lock)
	cd clients/typescript && npm run --silent generate

# What integrators get: Redocly lint (0 errors, 0 warnings), the generated client in sync and
# compiling under --strict, and the TypeScript walkthrough against a fresh server.
contract:
	$(CARGO) build --quiet
	scripts/contract.sh

# Regenerates the committed OpenAPI document from the code.
openapi:
	$(CARGO) run --quiet -- openapi > openapi/openapi.json

fmt:
	$(CARGO) fmt --all

lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --all-targets -- -D warnings

check: lint test

release:
	$(CARGO) build --release

clean:
	$(CARGO) clean
