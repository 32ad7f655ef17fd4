#!/usr/bin/env bash
# Contract fuzzing: schemathesis against a freshly started service on the demo data set and its own
# /openapi.json, authenticated as the demo owner (scripts/fuzz_hooks.py), with every check and phase, a fixed seed and a bounded number of
# examples. FUZZ_EXAMPLES and FUZZ_SEED make it longer or different; FUZZ_POSTGRES_URL runs it on
# a fresh schema of that PostgreSQL database (the default is a fresh SQLite file). Arguments go to
# `schemathesis run` (e.g. `--mode positive --report har` to see what valid data gets).
set -euo pipefail
cd "$(dirname "$0")/.."

SCHEMATHESIS_VERSION=4.32.5
EXAMPLES=${FUZZ_EXAMPLES:-25}
SEED=${FUZZ_SEED:-20261125}
PORT=${FUZZ_PORT:-18181}

if [ ! -x .venv/bin/schemathesis ] || ! .venv/bin/schemathesis --version | grep -q "$SCHEMATHESIS_VERSION"; then
  python3 -m venv .venv
  .venv/bin/pip install --quiet "schemathesis==$SCHEMATHESIS_VERSION"
fi
# CPython 3.11's parser can raise SystemError ("AST constructor recursion depth mismatch") when
# hypothesis parses a large module only to describe a lambda for a repr. The description is
# cosmetic: fall back to a plain one instead of aborting the operation's tests.
site=$(.venv/bin/python -c 'import site; print(site.getsitepackages()[0])')
cat > "$site/sitecustomize.py" <<'PY'
import sys

def _patch():
    from hypothesis.internal import reflection
    describe = reflection.get_pretty_function_description

    def safe(f):
        try:
            return describe(f)
        except SystemError:
            return "lambda"

    for module in list(sys.modules.values()):
        if getattr(module, "get_pretty_function_description", None) is describe:
            module.get_pretty_function_description = safe

try:
    _patch()
except Exception:
    pass
PY
cargo build --quiet

work=$(mktemp -d)
schema=""
if [ -n "${FUZZ_POSTGRES_URL:-}" ]; then
  # A fresh schema of the PostgreSQL database, dropped afterwards.
  schema="fuzz_$(date +%s)_$$"
  psql "$FUZZ_POSTGRES_URL" -qc "CREATE SCHEMA $schema"
  separator='?'; case "$FUZZ_POSTGRES_URL" in *\?*) separator='&';; esac
  export COSELL_DATABASE_URL="$FUZZ_POSTGRES_URL${separator}options=-csearch_path%3D$schema"
else
  export COSELL_DATABASE_URL=sqlite://$work/fuzz.db
fi
export COSELL_JWT_SECRET=${COSELL_JWT_SECRET:-fuzzing-secret-that-is-at-least-32-bytes}
export COSELL_BIND=127.0.0.1:$PORT COSELL_LOG=warn
# Every generated request comes from one address: the per-address budgets would answer most of them 429.
export COSELL_LIMIT_LOGINS_PER_MINUTE=1000000 COSELL_LIMIT_ENROLMENTS_PER_HOUR=1000000
# The hooks' own logins name another client address (scripts/fuzz_hooks.py).
export COSELL_TRUSTED_PROXIES=127.0.0.1/32
"${CARGO_TARGET_DIR:-target}/debug/cosell" admin seed-demo > "$work/seed.log"
"${CARGO_TARGET_DIR:-target}/debug/cosell" serve > "$work/server.log" 2>&1 &
server=$!
cleanup() {
  kill $server 2>/dev/null || true
  wait $server 2>/dev/null || true
  rm -rf "$work"
  if [ -n "$schema" ]; then
    PGOPTIONS=--client-min-messages=warning psql "$FUZZ_POSTGRES_URL" -qc "DROP SCHEMA $schema CASCADE" || true
  fi
}
trap cleanup EXIT
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.1; done

base=http://127.0.0.1:$PORT
# The document's examples are written against the demo data set: on it, the examples phase
# succeeds as Swagger UI does, and the ids of the examples name real objects.
status=0
FUZZ_BASE_URL=$base FUZZ_EMAIL=ada@contoso.example FUZZ_PASSWORD=$(sed -n 's/^owner  *[^ ]*  *//p' "$work/seed.log") \
SCHEMATHESIS_HOOKS=scripts/fuzz_hooks.py \
.venv/bin/schemathesis run "$base/openapi.json" \
  --checks all \
  --phases examples,coverage,fuzzing,stateful \
  --max-examples "$EXAMPLES" \
  --seed "$SEED" \
  --workers 2 "$@" || status=$?
if grep -q "panicked" "$work/server.log"; then
  echo "error: the server panicked during fuzzing:" >&2
  grep -A5 panicked "$work/server.log" >&2
  status=1
fi
exit $status
