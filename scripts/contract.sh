#!/usr/bin/env bash
# `make contract`: what integrators get from the document, checked with their own tools.
#  1. Redocly's recommended rules on openapi/openapi.json, every one an error (redocly.yaml);
#  2. the TypeScript client's generated types match the committed document (`make clients`);
#  3. `tsc --strict` on the client and on examples/typescript/walkthrough.ts;
#  4. the walkthrough against a fresh server on SQLite (enrol, token, publish to live, refresh).
# Node packages come from the npm registry at the versions their lock files pin.
set -euo pipefail
cd "$(dirname "$0")/.."

command -v npm >/dev/null || { echo "error: npm is not installed (Node.js 20 or later)" >&2; exit 1; }
install() { # folder: npm ci unless its node_modules matches its lock file
  if ! cmp -s "$1/package-lock.json" "$1/node_modules/.package-lock.json" 2>/dev/null; then
    (cd "$1" && npm ci --no-audit --no-fund --loglevel=error)
  fi
}

install contract
echo "contract: redocly lint"
contract/node_modules/.bin/redocly lint openapi/openapi.json --format=stylish 2>&1 | grep -v '[║╔╚]'

install clients/typescript
echo "contract: generated types match openapi/openapi.json"
generated=$(mktemp --suffix=.ts)
trap 'rm -f "$generated"' EXIT
(cd clients/typescript && node_modules/.bin/openapi-typescript ../../openapi/openapi.json --output "$generated" >/dev/null 2>&1)
if ! diff -q "$generated" clients/typescript/src/schema.ts >/dev/null; then
  echo "error: clients/typescript/src/schema.ts is stale; run \`make clients\` and commit it" >&2
  exit 1
fi
echo "contract: tsc --strict (client, walkthrough)"
(cd clients/typescript && node_modules/.bin/tsc -p tsconfig.json)
install examples/typescript
(cd examples/typescript && node_modules/.bin/tsc -p tsconfig.json)

echo "contract: walkthrough against a fresh server"
PORT=${CONTRACT_PORT:-18190}
work=$(mktemp -d)
COSELL_DATABASE_URL="sqlite://$work/contract.db" COSELL_BIND="127.0.0.1:$PORT" COSELL_AUTO_CERTIFY=true \
  COSELL_LOG=warn "${CARGO_TARGET_DIR:-target}/debug/cosell" serve > "$work/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true; wait $server 2>/dev/null || true; rm -rf "$work" "$generated"' EXIT
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.1; done
(cd examples/typescript && COSELL_BASE_URL="http://127.0.0.1:$PORT" node dist/walkthrough.js)
