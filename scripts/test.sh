#!/usr/bin/env bash
# The whole suite on SQLite, then on PostgreSQL when one is reachable (DATABASE_URL, or the
# local server at 127.0.0.1:5432). Under CI (CI=true) PostgreSQL is required.
set -uo pipefail
cd "$(dirname "$0")/.."
py=.venv/bin/python
export ENISHI_VAR_DIR="${ENISHI_VAR_DIR:-$PWD/var/test}"

run_pytest() {
  # pytest exits 5 when it collected no tests: that is a failure here, never a pass.
  "$py" -m pytest "$@"
  local code=$?
  if [ "$code" -eq 5 ]; then echo "test.sh: pytest collected no tests" >&2; return 1; fi
  return "$code"
}

echo "== SQLite"
DATABASE_URL="" run_pytest "$@" || exit 1

pg_url="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
if "$py" - "$pg_url" <<'PY'
import sys
import psycopg
try:
    psycopg.connect(sys.argv[1].replace("postgres://", "postgresql://", 1), connect_timeout=3).close()
except Exception as error:
    print(f"PostgreSQL not reachable: {error}", file=sys.stderr)
    sys.exit(1)
PY
then
  echo "== PostgreSQL ($pg_url)"
  DATABASE_URL="$pg_url" run_pytest "$@" || exit 1
elif [ "${CI:-}" = "true" ]; then
  echo "test.sh: PostgreSQL is required under CI and was not reachable" >&2
  exit 1
else
  echo "== PostgreSQL: skipped (no server reachable; set DATABASE_URL to run it)"
fi
