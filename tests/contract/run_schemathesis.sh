#!/usr/bin/env bash
# Schemathesis against the RUNNING reference service (not part of the default pytest run).
#
# Starts `microblog-server serve` on a free 127.0.0.1 port with a throw-away SQLite database,
# seeds the demo data, logs in as a seeded user and runs `st run` with every phase
# (examples, coverage, fuzzing, stateful) and the default checks, authenticated with a
# bearer token (see schemathesis_hooks.py). Stops the server and exits with st's status.
#
# Usage: tests/contract/run_schemathesis.sh [extra `st run` options, e.g. --max-examples 50]
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
BIN="${ROOT}/.venv/bin"
WORK="$(mktemp -d -t microblog-st-XXXXXX)"
SERVER_PID=""

cleanup() {
    if [[ -n "${SERVER_PID}" ]] && kill -0 "${SERVER_PID}" 2>/dev/null; then
        kill -TERM "${SERVER_PID}"
        wait "${SERVER_PID}" 2>/dev/null || true
    fi
    rm -rf "${WORK}"
}
trap cleanup EXIT

PORT="$("${BIN}/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
BASE="http://127.0.0.1:${PORT}"

export MICROBLOG_DATABASE_URL="sqlite:///${WORK}/db.sqlite"
export MICROBLOG_SECRET_KEY="schemathesis-run-secret-key-$(date +%s)-0123456789abcdef"
export MICROBLOG_RATE_LIMIT=off MICROBLOG_RATE_LIMIT_ANONYMOUS=off MICROBLOG_RATE_LIMIT_LOGIN=off
export MICROBLOG_RATE_LIMIT_LOGIN_ACCOUNT=off
# Cheap hashing: the fuzzer signs up many users and logs in; the cost is not under test here.
export MICROBLOG_PASSWORD_HASH_TIME_COST=1 MICROBLOG_PASSWORD_HASH_MEMORY_COST=8
export MICROBLOG_PASSWORD_HASH_PARALLELISM=1

"${BIN}/microblog-server" seed >"${WORK}/seed.log" 2>&1
"${BIN}/microblog-server" serve --host 127.0.0.1 --port "${PORT}" --workers 1 \
    --log-level warning >"${WORK}/server.log" 2>&1 &
SERVER_PID=$!

for _ in $(seq 1 100); do
    if "${BIN}/python" -c "import urllib.request, sys; urllib.request.urlopen(sys.argv[1], timeout=1)" \
        "${BASE}/health/live" 2>/dev/null; then
        break
    fi
    sleep 0.1
done

# The bearer token comes from the auth provider in schemathesis_hooks.py: it logs in as a
# seeded demo user (password microblog-demo) and again whenever a generated call revoked it.
export MICROBLOG_ST_BASE_URL="${BASE}"
export MICROBLOG_ST_USER="${MICROBLOG_ST_USER:-whitfield}"
export SCHEMATHESIS_HOOKS="${ROOT}/tests/contract/schemathesis_hooks.py"

status=0
"${BIN}/st" --config-file "${ROOT}/tests/contract/schemathesis.toml" --no-color \
    run "${BASE}/api/v1/openapi.json" \
    --phases examples,coverage,fuzzing,stateful \
    --seed 20261123 \
    --request-timeout 10 \
    "$@" || status=$?

if [[ ${status} -ne 0 ]]; then
    echo "--- server log (last 40 lines) ---"
    tail -n 40 "${WORK}/server.log"
fi
exit "${status}"
