#!/usr/bin/env python3
"""Two servers on one PostgreSQL (issue 5): no update is lost, and what one server signs in
works on the other.

Starts two `waymark serve` processes on different ports and one fresh database. `--clients`
threads, alternately bound to server A and server B, each make `--increments` increments of a
counter kept in a task's data (`duration = "<n>m"`, so the project stays a valid plan) on one of
`--tasks` shared tasks chosen at random: read the task (its `ETag`), PATCH the counter plus one
with `If-Match`, and on `412 stale` read again and retry. Every increment the server
acknowledged (200) is counted per task. Then, through the other server:
- each task's counter equals the number of acknowledged increments on it;
- its version is 1 + that number (no update applied twice or silently);
- the event log holds exactly that many task updates, with counters 1..n each once.

Then sessions and tokens across the servers: a cookie session made on A reads and writes on B
(with its CSRF token) and signing out on B ends it on A; a token made on A works on B and
revoking it on B stops it on A; a wrong password tried on both servers in turn is rate limited
after 10 attempts in all (the count is in the database), on either server.

    python3 bench/server/two_servers.py --postgres "$(bash crates/waymark-store/tests/pg-setup.sh)"
"""

import argparse
import json
import os
import random
import sys
import tempfile
import threading
import time
from collections import Counter

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import wm  # noqa: E402

PASSWORD = "bench-password-1"


def counter_of(data):
    return int(data["duration"][:-1])


def incrementer(port, token, project, task_keys, increments, seed, acked, stats, lock):
    rng = random.Random(seed)
    client = wm.Client(port, token)
    base = f"/api/v1/projects/{project}/tasks"
    mine = Counter()
    retries = 0
    errors = []
    for _ in range(increments):
        key = rng.choice(task_keys)
        while True:
            r = client.request("GET", f"{base}/{key}")
            if r.status != 200:
                errors.append(("GET", key, r.status, r.body[:200]))
                break
            value = counter_of(r.json()["data"])
            w = client.request("PATCH", f"{base}/{key}", {"duration": f"{value + 1}m"},
                               headers={"If-Match": r.etag})
            if w.status == 200:
                mine[key] += 1
                break
            if w.status == 412:
                retries += 1
                continue
            errors.append(("PATCH", key, w.status, w.body[:200]))
            break
    client.close()
    with lock:
        acked.update(mine)
        stats["retries_412"] += retries
        stats["errors"].extend(errors)


def check(condition, label, results):
    results.append((label, bool(condition)))
    print(f"  {'ok  ' if condition else 'FAIL'} {label}")


def cross_server_checks(a, b, project, results):
    """Sessions, CSRF, tokens and sign-in rate limits across the two servers."""
    print("sessions and tokens across servers:")
    ca = wm.Client(a.port)
    r = ca.request("POST", "/api/v1/session", {"name": "bench", "password": PASSWORD})
    check(r.status == 200, f"sign in on A: {r.status}", results)
    cookie = r.headers.get("set-cookie", "").split(";")[0]
    csrf = r.json().get("csrf_token") if r.status == 200 else None
    cb = wm.Client(b.port)
    cb.cookie, cb.csrf = cookie, csrf
    r = cb.request("GET", "/api/v1/session")
    check(r.status == 200, f"A's session cookie reads GET /session on B: {r.status}", results)
    r = cb.request("GET", f"/api/v1/projects/{project}/tasks/t0")
    etag = r.etag
    r = cb.request("PATCH", f"/api/v1/projects/{project}/tasks/t0", {"name": "via B, cookie"},
                   headers={"If-Match": etag})
    check(r.status == 200, f"A's session writes on B with its CSRF token: {r.status}", results)
    cb.csrf = None
    r = cb.request("PATCH", f"/api/v1/projects/{project}/tasks/t0", {"name": "no csrf"},
                   headers={"If-Match": r.etag or '"1"'})
    check(r.status == 403, f"... and without X-CSRF-Token is refused on B: {r.status}", results)
    cb.csrf = csrf
    r = cb.request("DELETE", "/api/v1/session")
    check(r.status in (200, 204), f"sign out on B: {r.status}", results)
    ca.cookie = cookie
    r = ca.request("GET", "/api/v1/session")
    check(r.status == 401, f"the session signed out on B is gone on A: {r.status}", results)
    ca.close()
    cb.close()

    # A token made on A, used on B, revoked on B, refused on A.
    admin_a = wm.Client(a.port, TOKEN)
    r = admin_a.request("POST", "/api/v1/me/tokens", {"name": "cross", "expires_in_days": 1})
    check(r.status == 201, f"token created on A: {r.status}", results)
    created = r.json()
    secret = created.get("token") or created.get("secret")
    token_id = created.get("id")
    tb = wm.Client(b.port, secret)
    r = tb.request("GET", "/api/v1/projects")
    check(r.status == 200, f"A's new token works on B: {r.status}", results)
    r = tb.request("DELETE", f"/api/v1/me/tokens/{token_id}")
    check(r.status in (200, 204), f"revoked on B: {r.status}", results)
    ta = wm.Client(a.port, secret)
    r = ta.request("GET", "/api/v1/projects")
    check(r.status == 401, f"the token revoked on B is refused on A: {r.status}", results)
    for c in (admin_a, tb, ta):
        c.close()

    # The sign-in rate limit is counted in the database: wrong passwords alternate A, B.
    statuses = []
    for i in range(12):
        c = wm.Client((a if i % 2 == 0 else b).port)
        statuses.append(c.request("POST", "/api/v1/session",
                                  {"name": "limited", "password": "wrong-password"}).status)
        c.close()
    check(statuses[:10] == [401] * 10 and statuses[10:] == [429, 429],
          f"wrong passwords alternating A/B: {statuses} (10 x 401, then 429 on both)", results)


def main():
    global TOKEN
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--postgres", required=True, help="a PostgreSQL URL (pg-setup.sh's); "
                        "the harness makes its own database waymark_two_servers there")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--increments", type=int, default=250, help="per client")
    parser.add_argument("--tasks", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--binary", default=wm.DEFAULT_BINARY)
    parser.add_argument("--workdir")
    args = parser.parse_args()

    workdir = args.workdir or tempfile.mkdtemp(prefix="waymark-two-")
    os.makedirs(workdir, exist_ok=True)
    database = wm.fresh_postgres_database(args.postgres, "waymark_two_servers")
    TOKEN = wm.make_account(args.binary, database, "bench", PASSWORD)
    wm.make_account(args.binary, database, "limited", PASSWORD, is_admin=False)
    a = wm.Server(args.binary, database, os.path.join(workdir, "serve-a.log")).start()
    b = wm.Server(args.binary, database, os.path.join(workdir, "serve-b.log")).start()
    print(f"server A on port {a.port}, server B on port {b.port}, one database")
    try:
        setup = wm.Client(a.port, TOKEN)
        r = setup.request("POST", "/api/v1/projects",
                          {"fields": {"name": "two servers", "start": "2027-01-04"}})
        assert r.status == 201, (r.status, r.body)
        project = r.json()["id"]
        keys = [f"t{i}" for i in range(args.tasks)]
        for key in keys:
            r = setup.request("POST", f"/api/v1/projects/{project}/tasks",
                              {"id": key, "data": {"name": key, "duration": "0m"}})
            assert r.status == 201, (r.status, r.body)
        setup.close()

        acked = Counter()
        stats = {"retries_412": 0, "errors": []}
        lock = threading.Lock()
        threads = [threading.Thread(target=incrementer, args=(
            (a if i % 2 == 0 else b).port, TOKEN, project, keys, args.increments,
            args.seed * 1000 + i, acked, stats, lock)) for i in range(args.clients)]
        started = time.monotonic()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.monotonic() - started

        print("counters (read through server B):")
        results = []
        reader = wm.Client(b.port, TOKEN)
        tasks = {t["id"]: t for t in wm.all_pages(reader, f"/api/v1/projects/{project}/tasks")}
        updates = {key: [] for key in keys}
        for event in wm.all_pages(reader, f"/api/v1/projects/{project}/events"):
            if event["entity"] == "task" and event["action"] == "update":
                updates[event["key"]].append(counter_of(event["after"]["data"]))
        reader.close()
        lost = 0
        for key in keys:
            value = counter_of(tasks[key]["data"])
            version = tasks[key]["version"]
            lost += acked[key] - value
            check(value == acked[key] and version == acked[key] + 1
                  and sorted(updates[key]) == list(range(1, acked[key] + 1)),
                  f"{key}: counter {value}, acknowledged increments {acked[key]}, version "
                  f"{version}, update events {len(updates[key])}", results)
        cross_server_checks(a, b, project, results)
        summary = {
            "clients": args.clients,
            "servers": 2,
            "tasks": args.tasks,
            "acknowledged_increments": sum(acked.values()),
            "retries_after_412": stats["retries_412"],
            "errors": len(stats["errors"]),
            "lost_updates": lost,
            "seconds": round(elapsed, 1),
            "increments_per_second": round(sum(acked.values()) / elapsed, 1),
            "checks_failed": sum(1 for _, ok in results if not ok),
        }
        print(json.dumps(summary))
        for item in stats["errors"][:10]:
            print("  ERROR", item)
        sys.exit(1 if summary["checks_failed"] or stats["errors"] or lost else 0)
    finally:
        a.stop()
        b.stop()


if __name__ == "__main__":
    main()
