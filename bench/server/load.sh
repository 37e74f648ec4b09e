#!/usr/bin/env bash
# Load figures of the server (issue 5) with wrk on loopback:
#   reads  - GET of a 50-task page of a 10,000-task project, at about READ_RATE requests/s;
#   writes - PATCH of a task's progress with If-Match (a fresh ETag each), about UPDATE_RATE/s.
#
#   bash bench/server/load.sh sqlite
#   bash bench/server/load.sh postgres "$(bash crates/waymark-store/tests/pg-setup.sh)"
#
# Debian's wrk 4.1 has no constant-rate mode (-R is wrk2's), so each connection pauses a fixed
# time after every answer (read.lua, update.lua); the pause is calibrated with short runs until
# the measured rate is within 5 % of the target, then the measured run starts. Latency is wrk's
# (request written to answer read), p50 / p90 / p99 from `--latency`.
#
# Environment: WAYMARK_BIN (default /tmp/waymark-bench), PLAN (default
# bench/out/n10000.plan.toml: `python3 bench/generate.py --tasks 10000`), OUT (default
# /tmp/waymark-load), READ_RATE (1000), UPDATE_RATE (200), READ_SECONDS (60),
# UPDATE_SECONDS (30), READ_CONNECTIONS (20), UPDATE_CONNECTIONS (10), NICE (unset: the
# server and wrk run at the shell's priority; e.g. NICE=-10, as root, runs both ahead of
# background compile jobs, to see the server's figures with less interference from other work
# on a shared machine; PostgreSQL's own processes keep their priority).
set -euo pipefail

backend=${1:?usage: load.sh sqlite|postgres [POSTGRES_URL]}
here=$(cd "$(dirname "$0")" && pwd)
bin=${WAYMARK_BIN:-/tmp/waymark-bench}
plan=${PLAN:-$here/../out/n10000.plan.toml}
out=${OUT:-/tmp/waymark-load}/$backend
read_rate=${READ_RATE:-1000}
update_rate=${UPDATE_RATE:-200}
read_seconds=${READ_SECONDS:-60}
update_seconds=${UPDATE_SECONDS:-30}
read_connections=${READ_CONNECTIONS:-20}
update_connections=${UPDATE_CONNECTIONS:-10}

mkdir -p "$out"
[ -f "$plan" ] || { echo "missing $plan: python3 bench/generate.py --tasks 10000" >&2; exit 2; }

case $backend in
sqlite)
    rm -f "$out/load.db" "$out/load.db-wal" "$out/load.db-shm"
    database=$out/load.db
    ;;
postgres)
    database=$(python3 "$here/load_prep.py" pgdb "${2:?postgres needs a URL}" waymark_load)
    ;;
*) echo "sqlite or postgres" >&2; exit 2 ;;
esac

printf 'bench-password-1\n' | "$bin" admin create-user bench --admin --database "$database" >/dev/null
token=$("$bin" admin create-token bench --database "$database")

# The server as a user runs it: default log level, one log line per request (to a file).
nice_cmd=()
[ -n "${NICE:-}" ] && nice_cmd=(nice -n "$NICE")
"${nice_cmd[@]}" "$bin" serve --database "$database" --listen 127.0.0.1:0 >"$out/serve.out" 2>"$out/serve.log" &
server=$!
trap 'kill $server 2>/dev/null || true; wait $server 2>/dev/null || true' EXIT
port=
for _ in $(seq 1 100); do
    port=$(sed -n 's|.*listening on http://127.0.0.1:\([0-9]*\)/.*|\1|p' "$out/serve.out")
    [ -n "$port" ] && break
    sleep 0.1
done
[ -n "$port" ] || { echo "the server did not start; see $out/serve.log" >&2; exit 2; }
url=http://127.0.0.1:$port

start=$(date +%s.%N)
project=$(curl -sf -X POST -H "Authorization: Bearer $token" -H "Content-Type: application/toml" \
    --data-binary "@$plan" "$url/api/v1/projects/import" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
end=$(date +%s.%N)
echo "imported $(basename "$plan") as project $project in $(python3 -c "print(round($end - $start, 1))") s"
python3 "$here/load_prep.py" pages "$port" "$token" "$project" "$out/pages.txt"

# wrk_rate SCRIPT CONNECTIONS SECONDS PAUSE ARGS...: runs wrk, prints its requests/s.
run_wrk() {
    local script=$1 connections=$2 seconds=$3 pause=$4 report=$5
    shift 5
    "${nice_cmd[@]}" wrk -t1 -c"$connections" -d"${seconds}s" --timeout 10s --latency -s "$here/$script" "$url" \
        -- "$token" "$pause" "$@" >"$report"
    awk '/Requests\/sec/ { print $2 }' "$report"
}

# calibrate SCRIPT CONNECTIONS RATE ARGS...: the pause (ms) that gives RATE, within 5 %.
calibrate() {
    local script=$1 connections=$2 rate=$3
    shift 3
    local pause measured latency best best_error error
    pause=$(( connections * 1000 / rate ))
    best=$pause
    best_error=1000000
    for _ in 1 2 3 4 5 6; do
        [ "$script" = update.lua ] && python3 "$here/load_prep.py" tasks "$port" "$token" "$project" "$out/tasks.txt" >/dev/null
        measured=$(run_wrk "$script" "$connections" 5 "$pause" "$out/calibrate.txt" "$@")
        echo "  calibrate: pause $pause ms -> $measured requests/s" >&2
        # Keep the pause whose rate came closest; stop within 5 %.
        error=$(python3 -c "print(abs($measured - $rate))")
        if python3 -c "import sys; sys.exit(0 if $error < $best_error else 1)"; then
            best=$pause
            best_error=$error
        fi
        if python3 -c "import sys; sys.exit(0 if $error <= 0.05 * $rate else 1)"; then
            break
        fi
        # rate = connections * 1000 / (pause + latency): solve for the pause.
        latency=$(python3 -c "print($connections * 1000 / $measured - $pause)")
        pause=$(python3 -c "print(max(0, round($connections * 1000 / $rate - $latency)))")
    done
    echo "$best"
}

# cpu_seconds: user + system CPU time the server has used so far (from /proc), so that each
# run also reports the server's CPU time per request, which other work on the machine inflates
# far less than it inflates latency.
cpu_seconds() {
    awk -v hz="$(getconf CLK_TCK)" '{ print ($14 + $15) / hz }' "/proc/$server/stat"
}

cpu_per_request() {
    local before=$1 after=$2 report=$3
    python3 -c "
import re
total = int(re.search(r'(\d+) requests in', open('$report').read()).group(1))
print(f'  server CPU: {($after - $before) * 1000 / total:.2f} ms per request')"
}

summary() {
    local label=$1 report=$2
    python3 - "$label" "$report" <<'EOF'
import re, sys
label, text = sys.argv[1], open(sys.argv[2]).read()
def ms(value):
    number, unit = re.match(r"([0-9.]+)(us|ms|s)", value).groups()
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]
pct = dict(re.findall(r"^\s+(50|75|90|99)%\s+(\S+)", text, re.M))
rps = re.search(r"Requests/sec:\s+([0-9.]+)", text).group(1)
total = re.search(r"(\d+) requests in", text).group(1)
non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
errors = re.search(r"Socket errors: (.*)", text)
print(f"{label}: {float(rps):.0f} req/s, {total} requests, p50 {ms(pct['50']):.2f} ms, "
      f"p90 {ms(pct['90']):.2f} ms, p99 {ms(pct['99']):.2f} ms, non-2xx "
      f"{non2xx.group(1) if non2xx else 0}" + (f", socket errors {errors.group(1)}" if errors else ""))
EOF
}

echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "reads of a 50-task page, target $read_rate req/s, $read_connections connections:"
pause=$(calibrate read.lua "$read_connections" "$read_rate" "$out/pages.txt")
cpu=$(cpu_seconds)
run_wrk read.lua "$read_connections" "$read_seconds" "$pause" "$out/reads.txt" "$out/pages.txt" >/dev/null
summary "$backend reads (pause $pause ms)" "$out/reads.txt"
cpu_per_request "$cpu" "$(cpu_seconds)" "$out/reads.txt"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"

echo "task updates (PATCH with If-Match), target $update_rate req/s, $update_connections connections:"
pause=$(calibrate update.lua "$update_connections" "$update_rate" "$project" "$out/tasks.txt")
python3 "$here/load_prep.py" tasks "$port" "$token" "$project" "$out/tasks.txt" >/dev/null
cpu=$(cpu_seconds)
run_wrk update.lua "$update_connections" "$update_seconds" "$pause" "$out/updates.txt" "$project" "$out/tasks.txt" >/dev/null
summary "$backend updates (pause $pause ms)" "$out/updates.txt"
cpu_per_request "$cpu" "$(cpu_seconds)" "$out/updates.txt"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "wrk reports in $out (reads.txt, updates.txt), server log $out/serve.log"
