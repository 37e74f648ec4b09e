#!/usr/bin/env bash
# Load figures for the server (docs/server-benchmarks.md): a 10,000-task project, then on
# loopback (1) reads of a 50-task page from a random place and (2) task updates (PATCH with
# If-Match). With oha (cargo install oha): at fixed rates, READ_RATE (default 1000/s) and
# WRITE_RATE (200/s), open loop with latency correction, updates on random tasks (a task written
# twice answers 412, counted apart). With wrk (apt-get install wrk): at saturation on
# CONNECTIONS connections, updates each on a task not written before.
#
#   bench/load/run.sh [DATABASE_URL]      (default: a SQLite file in a temporary folder)
#
# Needs a release build (cargo build --release -p waymark).
set -euo pipefail
cd "$(dirname "$0")/../.."
work="$(mktemp -d)"
database="${1:-$work/waymark.db}"
duration="${DURATION:-15s}"
connections="${CONNECTIONS:-8}"
trap 'kill "${server:-0}" 2>/dev/null || true; rm -rf "$work"' EXIT

python3 - "$work/big.plan.toml" <<'PY'
import random, sys
random.seed(1)
lines = ['[project]', 'name = "Ten thousand tasks"', 'start = 2027-01-04', '']
for i in range(10_000):
    lines.append(f'[tasks.t{i:05d}]')
    lines.append(f'name = "Task {i}"')
    lines.append(f'duration = "{random.randint(1, 10)}d"')
    if i >= 10:
        lines.append(f'after = ["t{random.randint(max(0, i - 50), i - 1):05d}"]')
    lines.append('')
open(sys.argv[1], 'w').write('\n'.join(lines))
PY

printf 'load-check-password\n' | target/release/waymark admin create-user load --database "$database" 2>/dev/null
token="$(target/release/waymark admin create-token load --database "$database")"
port=18282
target/release/waymark serve --database "$database" --listen "127.0.0.1:$port" \
    >/dev/null 2>"$work/server.log" &
server=$!
for _ in $(seq 100); do
    curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break
    sleep 0.1
done
started=$(date +%s.%N)
project="$(curl -sf -H "Authorization: Bearer $token" -H 'Content-Type: application/toml' \
    --data-binary @"$work/big.plan.toml" "http://127.0.0.1:$port/api/v1/projects/import" \
    | python3 -c 'import json, sys; print(json.load(sys.stdin)["id"])')"
echo "import of 10,000 tasks: $(python3 -c "print(round($(date +%s.%N) - $started, 2))") s"
export WAYMARK_PROJECT="$project" WAYMARK_TOKEN="$token" WAYMARK_THREADS=2
if command -v oha >/dev/null; then
    base="http://127.0.0.1:$port/api/v1/projects/$project/tasks"
    echo "== oha: reads at ${READ_RATE:-1000}/s for $duration"
    oha --no-tui -z "$duration" -q "${READ_RATE:-1000}" -c 32 --latency-correction \
        -H "Authorization: Bearer $token" \
        --rand-regex-url "$base[?]limit=50&after=[1-9][0-9]{3,6}[.]t0[0-9]{4}"
    echo "== oha: updates at ${WRITE_RATE:-200}/s for $duration"
    oha --no-tui -z "$duration" -q "${WRITE_RATE:-200}" -c 32 --latency-correction \
        -m PATCH -H "Authorization: Bearer $token" -H 'If-Match: "1"' \
        -H 'Content-Type: application/json' -d '{"progress": 0.5}' \
        --rand-regex-url "$base/t0[0-9]{4}"
    echo "== answers by status"
    grep -o 'status=[0-9]*' "$work/server.log" | sort | uniq -c
    exit 0
fi
echo "== reads: GET a 50-task page ($connections connections, $duration)"
wrk -t2 -c"$connections" -d"$duration" --latency -s bench/load/read.lua "http://127.0.0.1:$port"
echo "== updates: PATCH a task with If-Match ($connections connections, $duration)"
wrk -t2 -c"$connections" -d"$duration" --latency -s bench/load/update.lua "http://127.0.0.1:$port"
echo "== answers by status"
grep -o 'status=[0-9]*' "$work/server.log" | sort | uniq -c
