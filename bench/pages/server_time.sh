#!/usr/bin/env bash
# Server time of every web page of a 2,000-task project (issue 6: <= 100 ms each).
#
#   cargo build --release -p waymark
#   bash bench/pages/server_time.sh            # 20 timed requests per page
#   RUNS=50 bash bench/pages/server_time.sh
#
# Generates bench/out/n2000-pages.plan.toml (2,000 work tasks in 40 work packages and 2
# phases, about 6,000 links, three-point estimates, 20 people assigned, 10 risks; seed 1),
# starts the release server on a fresh SQLite database in a temporary folder and a free port,
# imports the plan with POST /api/v1/projects/import, signs in with the form (cookie) and asks
# for every page: the first view (timed on its own: pages that keep computed results per
# project revision compute them then, as after every change), one more, then RUNS timed ones,
# one at a time, each a new curl.
# The time is curl's time_starttransfer (request sent to first byte of the answer, on loopback:
# the server's time plus well under a millisecond) and time_total (the whole body); the
# server's own `latency=` from its request log is given as a check. Prints a Markdown table.
#   WAYMARK_BIN  the server (default target/release/waymark)
set -euo pipefail
cd "$(dirname "$0")/../.."

BIN="${WAYMARK_BIN:-target/release/waymark}"
RUNS="${RUNS:-20}"
PLAN=bench/out/n2000-pages.plan.toml

python3 bench/generate.py -n 2000 --estimates --risks 10 --resources 20 --out bench/out \
  --name n2000-pages >&2

dir="$(mktemp -d)"
db="$dir/waymark.db"
printf 'bench-password\n' | "$BIN" admin create-user bench --admin --database "$db" >/dev/null
TOKEN="$("$BIN" admin create-token bench --database "$db")"
"$BIN" serve --database "$db" --listen 127.0.0.1:0 >"$dir/server.log" 2>&1 &
pid=$!
trap 'kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; rm -rf "$dir"' EXIT

base=""
for _ in $(seq 100); do
  base="$(grep -o 'listening on http://[0-9.:]*' "$dir/server.log" | head -1 | sed 's/listening on //')" || true
  [ -n "$base" ] && curl -fs "$base/healthz" >/dev/null && break
  sleep 0.1
done
[ -n "$base" ] || { cat "$dir/server.log" >&2; exit 1; }

start=$(date +%s.%N)
project="$(curl -fsS -X POST -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/toml' \
  --data-binary "@$PLAN" "$base/api/v1/projects/import" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')"
echo "imported $PLAN as project $project in $(python3 -c "print(round($(date +%s.%N) - $start, 2))") s" >&2

jar="$dir/cookies"
curl -fsS -o /dev/null -c "$jar" -d name=bench -d password=bench-password "$base/signin"

pages=(
  "portfolio /"
  "account /account"
  "overview /projects/$project"
  "tasks /projects/$project/tasks"
  "timeline /projects/$project/timeline"
  "board /projects/$project/board"
  "resources /projects/$project/resources"
  "risks /projects/$project/risks"
  "forecast /projects/$project/forecast"
  "members /projects/$project/members"
  "import-export /projects/$project/transfer"
)

echo "| page | status | size (kB) | first view: first byte | then first byte: median | p95 | max | whole page: median | p95 | server log latency: median |"
echo "|---|---|---|---|---|---|---|---|---|---|"
for entry in "${pages[@]}"; do
  name="${entry%% *}"
  route="${entry#* }"
  # The first view after the import: pages that keep computed results per project revision
  # (overview, portfolio, forecast, risks) compute them now, as after every change.
  first="$(curl -s -o /dev/null -b "$jar" -w '%{time_starttransfer}' "$base$route")"
  curl -s -o /dev/null -b "$jar" "$base$route"
  : >"$dir/times"
  for _ in $(seq "$RUNS"); do
    curl -s -o /dev/null -b "$jar" -w '%{http_code} %{time_starttransfer} %{time_total} %{size_download}\n' \
      "$base$route" >>"$dir/times"
  done
  # The server's own figure for the same requests: the last RUNS lines of its log for the path.
  grep -F "uri=$route version" "$dir/server.log" | tail -n "$RUNS" \
    | sed -n 's/.*latency=\([0-9]*\) ms.*/\1/p' >"$dir/latency"
  python3 - "$name" "$route" "$dir/times" "$dir/latency" "$first" <<'EOF'
import statistics, sys
name, route, times, latency, first_view = sys.argv[1:6]
rows = [line.split() for line in open(times) if line.strip()]
status = sorted({row[0] for row in rows})
first = sorted(float(row[1]) * 1000 for row in rows)
whole = sorted(float(row[2]) * 1000 for row in rows)
size = int(rows[-1][3]) / 1000
logged = [int(x) for x in open(latency) if x.strip()]
def p95(values):
    return values[min(len(values) - 1, round(0.95 * (len(values) - 1)))]
log = f"{statistics.median(logged):.0f} ms" if logged else "?"
print(f"| {name} `{route}` | {','.join(status)} | {size:.1f} | {float(first_view) * 1000:.1f} ms | {statistics.median(first):.1f} ms | {p95(first):.1f} ms "
      f"| {first[-1]:.1f} ms | {statistics.median(whole):.1f} ms | {p95(whole):.1f} ms | {log} |")
EOF
done
echo "(first view: the first request after the import; then $RUNS requests per page after one more; load average at the end: $(cut -d' ' -f1-3 /proc/loadavg))"

# After a change: CHANGES times per page, a PATCH of task t0001's estimate through the API (as
# the tasks page or the timeline sends it), then at once the page, timed; and whether the page
# showed the figures of the project as changed or the previous ones marked as updating. Then
# how long after a change each view's figures are ready: the PATCH, then
# GET /projects/ID/ready?panel=V, timed from the end of the PATCH.
CHANGES="${CHANGES:-10}"
n=0
change() {
  n=$((n + 1))
  local etag
  etag="$(curl -fsS -D - -o /dev/null -H "Authorization: Bearer $TOKEN" \
    "$base/api/v1/projects/$project/tasks/t0001" | tr -d '\r' | sed -n 's/^[Ee][Tt][Aa][Gg]: //p')"
  local likely=$((2 + n % 3))
  curl -fsS -o /dev/null -X PATCH -H "Authorization: Bearer $TOKEN" -H "If-Match: $etag" \
    -H 'Content-Type: application/json' \
    --data "{\"estimate\": [\"13h\", \"${likely}d\", \"4d\"]}" \
    "$base/api/v1/projects/$project/tasks/t0001"
}
echo
echo "| page, first view right after a change | first byte: median | max | views showing the previous figures, marked as updating |"
echo "|---|---|---|---|"
for entry in "${pages[@]}"; do
  name="${entry%% *}"
  route="${entry#* }"
  : >"$dir/times"
  : >"$dir/marked"
  for _ in $(seq "$CHANGES"); do
    change
    curl -s -o "$dir/body" -b "$jar" -w '%{time_starttransfer}\n' "$base$route" >>"$dir/times"
    if grep -q 'id="updating"' "$dir/body"; then echo 1 >>"$dir/marked"; fi
    # The background work of this change finishes before the next change.
    curl -s -o /dev/null -b "$jar" "$base/projects/$project/ready?panel=forecast"
  done
  python3 - "$name" "$route" "$dir/times" "$(wc -l <"$dir/marked")" "$CHANGES" <<'EOF'
import statistics, sys
name, route, times, marked, runs = sys.argv[1:6]
values = sorted(float(x) * 1000 for x in open(times) if x.strip())
print(f"| {name} `{route}` | {statistics.median(values):.1f} ms | {values[-1]:.1f} ms | {marked} of {runs} |")
EOF
done
echo
echo "| figures ready after a change (view) | median | max |"
echo "|---|---|---|"
for view in tasks timeline board resources health overview risks forecast; do
  : >"$dir/times"
  for _ in $(seq "$CHANGES"); do
    change
    curl -s -o /dev/null -b "$jar" -w '%{time_total}\n' "$base/projects/$project/ready?panel=$view" >>"$dir/times"
    curl -s -o /dev/null -b "$jar" "$base/projects/$project/ready?panel=forecast"
  done
  python3 - "$view" "$dir/times" <<'EOF'
import statistics, sys
view, times = sys.argv[1:3]
values = sorted(float(x) * 1000 for x in open(times) if x.strip())
print(f"| {view} | {statistics.median(values):.0f} ms | {values[-1]:.0f} ms |")
EOF
done
echo "(CHANGES=$CHANGES changes per row; load average at the end: $(cut -d' ' -f1-3 /proc/loadavg))"
