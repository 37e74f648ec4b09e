#!/usr/bin/env bash
# Server load at fixed rates, open loop: a 10,000-task project, then on loopback reads of a
# 50-task page from a random place at READ_RATE (default 1000/s) and task updates (PATCH with
# If-Match "1") on random tasks at WRITE_RATE (default 200/s), DURATION each (default 15s).
# oha (cargo install oha) keeps the rate whatever the answers take and corrects latencies for
# the requests a slow answer held back (coordinated omission), which a closed-loop tool with
# pauses (load.sh, wrk) cannot; a task drawn twice answers 412 (counted apart).
#
#   bench/server/load_fixed_rate.sh [DATABASE_URL]   (default: a SQLite file in a temp folder;
#                                                    a PostgreSQL database should be empty)
#
# Needs a release build (cargo build --release -p waymark) and oha.
set -euo pipefail
cd "$(dirname "$0")/../.."
work="$(mktemp -d)"
database="${1:-$work/waymark.db}"
duration="${DURATION:-15s}"
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
