#!/usr/bin/env bash
# Makes sure the PostgreSQL server the tests use answers; starts the local cluster when it is
# installed but stopped. Fails loudly when it cannot be reached.
set -euo pipefail

host=${PGHOST_FOR_TESTS:-127.0.0.1}
port=${PGPORT_FOR_TESTS:-5432}

ready() {
  if command -v pg_isready >/dev/null 2>&1; then
    pg_isready -q -h "$host" -p "$port"
  else
    (exec 3<>"/dev/tcp/$host/$port") 2>/dev/null
  fi
}

if ready; then
  exit 0
fi

if command -v pg_ctlcluster >/dev/null 2>&1 && [ -d /etc/postgresql ]; then
  version=$(ls /etc/postgresql | sort -V | tail -n 1)
  echo "PostgreSQL is not answering on $host:$port; starting cluster $version/main" >&2
  pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
  for _ in $(seq 1 30); do
    ready && exit 0
    sleep 1
  done
fi

echo "error: PostgreSQL is not reachable on $host:$port. The tests need it (COSELL_TEST_POSTGRES_URL)." >&2
echo "       Start it, or run 'make test COSELL_TEST_POSTGRES_URL=' to test on SQLite only." >&2
exit 1
