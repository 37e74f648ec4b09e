#!/usr/bin/env python3
"""Durability harness (issue 5): a write the server acknowledged is never lost to SIGKILL.

Each round starts `waymark serve` on the same database, checks that every write acknowledged
in every earlier round is still there, then lets `--writers` client threads stream writes (each
creates a task, then updates it with PATCH and PUT, each with `If-Match` from the previous
answer) and kills the server with SIGKILL at a random moment (`--min-delay`..`--max-delay`
seconds after the writers start). A write counts as acknowledged when the server answered it
2xx; writes in flight at the kill are not counted (they may or may not have been committed).

The check after each restart, for every acknowledged write (task key, version, data):
- the task exists and its version is the acknowledged one with the acknowledged data, or exactly
  one more (the writer's next write was committed but its answer was lost with the process);
- the event log holds an event for that task whose `after` has that version and that data.
Anything else is a lost write. The process exits 1 if any write was lost.

    python3 bench/server/kill9.py --rounds 50                      # SQLite (fresh file)
    python3 bench/server/kill9.py --rounds 20 --postgres URL       # a fresh database on URL's server
"""

import argparse
import json
import os
import random
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import wm  # noqa: E402


class Ledger:
    """Every acknowledged write, in order per task; shared by the writer threads."""

    def __init__(self):
        self.lock = threading.Lock()
        self.writes = {}  # key -> [(version, data), ...]
        self.count = 0
        self.unanswered = 0  # requests cut off by the kill (not acknowledged)
        self.refused = []  # non-2xx answers (none expected)

    def ack(self, key, version, data):
        with self.lock:
            self.writes.setdefault(key, []).append((version, data))
            self.count += 1


def writer(port, token, project, round_no, index, ledger, stop):
    client = wm.Client(port, token, timeout=10)
    base = f"/api/v1/projects/{project}/tasks"
    n = 0
    try:
        while not stop.is_set():
            key = f"r{round_no}-w{index}-{n}"
            n += 1
            data = {"name": f"Task {key}", "duration": "1d"}
            r = client.request("POST", base, {"id": key, "data": data})
            if r.status != 201:
                ledger.refused.append(("POST", key, r.status, r.body[:200]))
                return
            body = r.json()
            ledger.ack(key, body["version"], body["data"])
            etag = r.etag
            for step in range(3):
                if step % 2 == 0:
                    r = client.request("PATCH", f"{base}/{key}", {"duration": f"{step + 2}d",
                                       "progress": round(0.1 * (step + 1), 1)},
                                       headers={"If-Match": etag})
                else:
                    r = client.request("PUT", f"{base}/{key}",
                                       {"data": {"name": f"Task {key} (renamed {step})",
                                                 "duration": f"{step + 2}d"}},
                                       headers={"If-Match": etag})
                if r.status != 200:
                    ledger.refused.append(("UPDATE", key, r.status, r.body[:200]))
                    return
                body = r.json()
                ledger.ack(key, body["version"], body["data"])
                etag = r.etag
    except Exception:  # the kill: connection reset or refused; this request is unanswered
        with ledger.lock:
            ledger.unanswered += 1
    finally:
        client.close()


def verify(port, token, project, ledger):
    """Returns a list of lost writes (empty when all is well) and the number checked."""
    client = wm.Client(port, token, timeout=60)
    tasks = {t["id"]: t for t in wm.all_pages(client, f"/api/v1/projects/{project}/tasks")}
    events = {}
    for event in wm.all_pages(client, f"/api/v1/projects/{project}/events"):
        if event["entity"] == "task" and event["after"] is not None:
            events[(event["key"], event["after"]["version"])] = event["after"]["data"]
    client.close()
    lost = []
    checked = 0
    for key, writes in ledger.writes.items():
        task = tasks.get(key)
        last_version, last_data = writes[-1]
        if task is None:
            lost.append(f"{key}: missing (acknowledged up to version {last_version})")
        elif task["version"] < last_version:
            lost.append(f"{key}: version {task['version']} < acknowledged {last_version}")
        elif task["version"] == last_version and task["data"] != last_data:
            lost.append(f"{key}: data {task['data']} != acknowledged {last_data}")
        elif task["version"] > last_version + 1:
            lost.append(f"{key}: version {task['version']} > acknowledged {last_version} + 1")
        for version, data in writes:
            checked += 1
            logged = events.get((key, version))
            if logged is None:
                lost.append(f"{key} v{version}: no event")
            elif logged != data:
                lost.append(f"{key} v{version}: event data {logged} != acknowledged {data}")
    return lost, checked


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=50)
    parser.add_argument("--writers", type=int, default=4)
    parser.add_argument("--min-delay", type=float, default=0.1)
    parser.add_argument("--max-delay", type=float, default=1.5)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--binary", default=wm.DEFAULT_BINARY)
    parser.add_argument("--postgres", help="a PostgreSQL URL (e.g. pg-setup.sh's); the harness "
                        "makes its own database waymark_kill9 on that server")
    parser.add_argument("--workdir", help="where the SQLite file and the server log go")
    parser.add_argument("--self-test", action="store_true", help="before the last check, "
                        "record a write the server never saw, to show the check catches it")
    args = parser.parse_args()

    rng = random.Random(args.seed)
    workdir = args.workdir or tempfile.mkdtemp(prefix="waymark-kill9-")
    os.makedirs(workdir, exist_ok=True)
    if args.postgres:
        database = wm.fresh_postgres_database(args.postgres, "waymark_kill9")
    else:
        database = os.path.join(workdir, "kill9.db")
        for suffix in ("", "-wal", "-shm"):
            if os.path.exists(database + suffix):
                os.remove(database + suffix)
    token = wm.make_account(args.binary, database)
    server = wm.Server(args.binary, database, os.path.join(workdir, "serve.log"))
    ledger = Ledger()
    project = None
    all_lost = []
    started = time.monotonic()
    print(f"database: {'postgres' if args.postgres else database}; workdir {workdir}")
    for round_no in range(args.rounds + 1):
        server.start()
        client = wm.Client(server.port, token)
        if project is None:
            r = client.request("POST", "/api/v1/projects",
                               {"fields": {"name": "kill -9", "start": "2027-01-04"}})
            assert r.status == 201, (r.status, r.body)
            project = r.json()["id"]
        client.close()
        lost, checked = verify(server.port, token, project, ledger)
        all_lost.extend(lost)
        if round_no == args.rounds - 1 and args.self_test:
            ledger.ack("never-written", 1, {"name": "never written"})
        if round_no == args.rounds:  # the last start only checks
            server.stop()
            break
        stop = threading.Event()
        before = ledger.count
        threads = [threading.Thread(target=writer, args=(server.port, token, project, round_no,
                                                         i, ledger, stop))
                   for i in range(args.writers)]
        for t in threads:
            t.start()
        delay = rng.uniform(args.min_delay, args.max_delay)
        time.sleep(delay)
        server.kill9()
        stop.set()
        for t in threads:
            t.join()
        print(f"round {round_no + 1:3}: checked {checked:6} acknowledged writes after restart, "
              f"lost {len(lost)}; killed after {delay:.2f} s, {ledger.count - before} new "
              f"acknowledged writes", flush=True)
        for line in lost[:10]:
            print("  LOST", line)
    elapsed = time.monotonic() - started
    summary = {
        "database": "postgresql" if args.postgres else "sqlite",
        "rounds": args.rounds,
        "writers": args.writers,
        "acknowledged_writes": ledger.count,
        "tasks": len(ledger.writes),
        "checked_at_last_restart": checked,
        "lost": len(all_lost),
        "unanswered_at_kill": ledger.unanswered,
        "refused": len(ledger.refused),
        "seconds": round(elapsed, 1),
    }
    print(json.dumps(summary))
    for line in all_lost[:20]:
        print("  LOST", line)
    for item in ledger.refused[:10]:
        print("  REFUSED", item)
    sys.exit(1 if all_lost or ledger.refused else 0)


if __name__ == "__main__":
    main()
