#!/usr/bin/env bash
# Runs schemathesis (PyPI) against /api/v1/openapi.json of a fresh `waymark serve --demo` with an
# API token of the demo user, and fails on any server error or response that violates the
# document. Usage: bench/schemathesis/run.sh [SECONDS]   (default 120; needs python3 -m venv)
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds="${1:-120}"
work="$(mktemp -d)"
trap 'kill "${server:-0}" 2>/dev/null || true; rm -rf "$work"' EXIT

if [ ! -x "$work/../waymark-schemathesis/bin/schemathesis" ]; then
    python3 -m venv "$work/../waymark-schemathesis" >&2
    "$work/../waymark-schemathesis/bin/pip" install -q schemathesis >&2
fi
st="$work/../waymark-schemathesis/bin/schemathesis"

cargo build --release -q -p waymark
port=18181
target/release/waymark serve --demo --database "$work/w.db" --listen "127.0.0.1:$port" \
    >"$work/server.out" 2>"$work/server.log" &
server=$!
for _ in $(seq 50); do
    curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break
    sleep 0.2
done
token="$(target/release/waymark admin create-token demo --database "$work/w.db")"

# Revoking tokens is left out: the run would revoke its own token and test nothing after.
status=0
"$st" --config-file bench/schemathesis/schemathesis.toml run \
    "http://127.0.0.1:$port/api/v1/openapi.json" \
    -H "Authorization: Bearer $token" \
    --max-time "$seconds" -w 2 --request-timeout 120 \
    --exclude-path '/api/v1/me/tokens/{token}' || status=$?
echo "server answers by status:"
grep -o 'status=[0-9]*' "$work/server.log" | sort | uniq -c
if grep -q 'status=5' "$work/server.log"; then
    echo "the server answered 5xx"
    exit 1
fi
exit "$status"
