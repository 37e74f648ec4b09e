#!/usr/bin/env python3
"""Two `waymark serve` processes on one PostgreSQL database, with conflicting edits: no update
may be lost.

    cargo build --release -p waymark
    python3 bench/two_servers.py --database postgres://user:password@127.0.0.1/db \\
        [--workers 4] [--increments 50]

The database should be empty or disposable (the schema is migrated; a user `bench-N` and a
project are created). Both servers start on it; --workers threads per server each add 1 to the
same task's `priority` --increments times, by read (GET, ETag) and conditional write (PATCH with
If-Match), retrying on 412. Every increment that was answered 200 must show in the final value,
and the event log must hold one update per increment: a lost update would leave the value short.
Only loopback addresses are used; every loop is bounded.
"""

import argparse
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BINARY = os.path.join(ROOT, "target", "release", "waymark")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def request(port, method, path, token, body=None, headers=None):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    all_headers = {"Authorization": f"Bearer {token}", **(headers or {})}
    data = None
    if body is not None:
        data = json.dumps(body)
        all_headers["Content-Type"] = "application/json"
    connection.request(method, path, body=data, headers=all_headers)
    response = connection.getresponse()
    text = response.read()
    etag = response.getheader("ETag")
    connection.close()
    return response.status, text, etag


def start(database, port):
    process = subprocess.Popen(
        [BINARY, "serve", "--database", database, "--listen", f"127.0.0.1:{port}"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200:
                return process
        except OSError:
            time.sleep(0.05)
    process.kill()
    raise SystemExit("a server did not start")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--database", required=True)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--increments", type=int, default=50)
    args = parser.parse_args()
    name = f"bench-{os.getpid()}"
    subprocess.run(
        [BINARY, "admin", "create-user", name, "--database", args.database],
        input=b"two-servers-check\n", check=True, stderr=subprocess.DEVNULL,
    )
    token = subprocess.run(
        [BINARY, "admin", "create-token", name, "--database", args.database],
        check=True, capture_output=True,
    ).stdout.decode().strip()
    ports = [free_port(), free_port()]
    servers = [start(args.database, port) for port in ports]
    try:
        plan = '[project]\nname = "Two servers"\nstart = 2027-01-04\n' \
               '[tasks.counter]\nduration = "1d"\npriority = 0\n'
        connection = http.client.HTTPConnection("127.0.0.1", ports[0], timeout=30)
        connection.request("POST", "/api/v1/projects/import", body=plan, headers={
            "Authorization": f"Bearer {token}", "Content-Type": "application/toml"})
        response = connection.getresponse()
        project = json.loads(response.read())["id"]
        assert response.status == 201
        task = f"/api/v1/projects/{project}/tasks/counter"

        done, conflicts, errors = [], [], []

        def worker(port):
            ok = stale = 0
            for _ in range(args.increments):
                for _attempt in range(10_000):
                    status, text, etag = request(port, "GET", task, token)
                    value = json.loads(text)["data"]["priority"]
                    status, text, _ = request(
                        port, "PATCH", task, token, {"priority": value + 1},
                        {"If-Match": etag},
                    )
                    if status == 200:
                        ok += 1
                        break
                    if status == 412:
                        stale += 1
                        continue
                    errors.append((status, text))
                    return
            done.append(ok)
            conflicts.append(stale)

        started = time.time()
        threads = [
            threading.Thread(target=worker, args=(ports[i % 2],))
            for i in range(2 * args.workers)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.time() - started
        _, text, _ = request(ports[1], "GET", task, token)
        final = json.loads(text)["data"]["priority"]
        updates = 0
        after = None
        for _ in range(10_000):
            path = f"/api/v1/projects/{project}/events?limit=500"
            if after:
                path += f"&after={after}"
            _, text, _ = request(ports[0], "GET", path, token)
            page = json.loads(text)
            updates += sum(
                1 for e in page["items"]
                if e["entity"] == "task" and e["action"] == "update"
            )
            after = page["next"]
            if not after:
                break
        total = sum(done)
        print(
            f"2 servers x {args.workers} workers x {args.increments} increments in "
            f"{elapsed:.1f} s: {total} acknowledged, {sum(conflicts)} answered 412 and retried, "
            f"final value {final}, {updates} update events, {len(errors)} errors"
        )
        lost = total - final
        print(f"lost updates: {lost}")
        sys.exit(0 if lost == 0 and updates == total and not errors else 1)
    finally:
        for server in servers:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=30)


if __name__ == "__main__":
    main()
