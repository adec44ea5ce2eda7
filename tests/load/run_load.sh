#!/usr/bin/env bash
# The load run of docs/reliability.md: locust against `microblog-server serve --workers 2`
# on SQLite, with the demo data. Not part of the default pytest run.
#
# Usage: tests/load/run_load.sh [users (200)] [seconds (60)] [csv prefix (/tmp/microblog-load)]
#                               [user class (MicroblogClient, or SaturatingClient)]
# Exits with locust's status (non-zero when any request failed).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
BIN="${ROOT}/.venv/bin"
USERS="${1:-200}"
SECONDS_TO_RUN="${2:-60}"
CSV="${3:-/tmp/microblog-load}"
USER_CLASS="${4:-MicroblogClient}"
WORK="$(mktemp -d -t microblog-load-XXXXXX)"
SERVER_PID=""

cleanup() {
    if [[ -n "${SERVER_PID}" ]] && kill -0 "${SERVER_PID}" 2>/dev/null; then
        kill -TERM "${SERVER_PID}"
        wait "${SERVER_PID}" 2>/dev/null || true
    fi
    cp "${WORK}/server.log" "${CSV}_server.log" 2>/dev/null || true
    rm -rf "${WORK}"
}
trap cleanup EXIT

PORT="$("${BIN}/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
BASE="http://127.0.0.1:${PORT}"

export MICROBLOG_DATABASE_URL="sqlite:///${WORK}/db.sqlite"
export MICROBLOG_SECRET_KEY="load-run-secret-key-$(date +%s)-0123456789abcdef"
export MICROBLOG_RATE_LIMIT=off MICROBLOG_RATE_LIMIT_ANONYMOUS=off MICROBLOG_RATE_LIMIT_LOGIN=off

"${BIN}/microblog-server" seed
"${BIN}/microblog-server" serve --host 127.0.0.1 --port "${PORT}" --workers 2 \
    >"${WORK}/server.log" 2>&1 &
SERVER_PID=$!

for _ in $(seq 1 100); do
    if "${BIN}/python" -c "import urllib.request, sys; urllib.request.urlopen(sys.argv[1], timeout=1)" \
        "${BASE}/health/live" 2>/dev/null; then
        break
    fi
    sleep 0.1
done

status=0
"${BIN}/locust" -f "${ROOT}/tests/load/locustfile.py" "${USER_CLASS}" --headless \
    -u "${USERS}" -r 50 -t "${SECONDS_TO_RUN}s" --stop-timeout 10 \
    --host "${BASE}" --csv "${CSV}" --only-summary || status=$?

echo "--- server access log: responses by status ---"
grep -oE ' [1-5][0-9]{2} [0-9.]+ms request_id=' "${WORK}/server.log" | awk '{print $1}' | sort | uniq -c || true
echo "--- server log: errors ---"
grep -c -E 'ERROR|database is locked|Traceback' "${WORK}/server.log" || true
exit "${status}"
