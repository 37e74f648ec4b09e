#!/usr/bin/env python3
"""Kill `waymark serve` with SIGKILL during a stream of writes, many times, and check that every
write the server acknowledged is still there after a restart.

    cargo build --release -p waymark
    python3 bench/durability.py [--rounds 30] [--writers 4] [--database URL]

Each round starts the server on the same database (a SQLite file in a temporary folder by
default, or --database postgres://...), lets --writers threads create tasks as fast as they can
(POST /api/v1/projects/{id}/tasks, one id per request), kills the server with SIGKILL after a
random 0.2 to 1.5 s, and remembers which creations were answered 201. After the last round (and
after every round) it restarts the server and reads every task back: an acknowledged task that is
missing is a lost write. Requests cut off by the kill (no answer) may or may not have landed;
they are counted but not required. Only loopback addresses are used; every loop is bounded.
"""

import argparse
import http.client
import json
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BINARY = os.path.join(ROOT, "target", "release", "waymark")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def request(port, method, path, token, body=None, timeout=10):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    headers = {"Authorization": f"Bearer {token}"}
    data = None
    if body is not None:
        data = json.dumps(body)
        headers["Content-Type"] = "application/json"
    connection.request(method, path, body=data, headers=headers)
    response = connection.getresponse()
    text = response.read()
    connection.close()
    return response.status, text


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
    raise SystemExit("the server did not start")


def all_tasks(port, token, project):
    keys, after = set(), None
    for _ in range(100_000):
        path = f"/api/v1/projects/{project}/tasks?limit=500"
        if after:
            path += f"&after={after}"
        status, text = request(port, "GET", path, token)
        assert status == 200, (status, text)
        page = json.loads(text)
        keys.update(item["id"] for item in page["items"])
        after = page["next"]
        if not after:
            return keys
    raise SystemExit("too many pages")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--writers", type=int, default=4)
    parser.add_argument("--database")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    random.seed(args.seed)
    folder = tempfile.mkdtemp(prefix="waymark-durability-")
    database = args.database or os.path.join(folder, "waymark.db")

    subprocess.run(
        [BINARY, "admin", "create-user", "bench", "--database", database],
        input=b"durability-check\n",
        check=True,
        stderr=subprocess.DEVNULL,
    )
    token = subprocess.run(
        [BINARY, "admin", "create-token", "bench", "--database", database],
        check=True,
        capture_output=True,
    ).stdout.decode().strip()
    port = free_port()
    server = start(database, port)
    status, text = request(
        port, "POST", "/api/v1/projects", token,
        {"fields": {"name": "Durability", "start": "2027-01-04"}},
    )
    assert status == 201, text
    project = json.loads(text)["id"]

    acknowledged, unanswered, lost = set(), 0, set()
    for round_number in range(args.rounds):
        stop = threading.Event()
        results = []

        def writer(index):
            count = 0
            while not stop.is_set() and count < 100_000:
                key = f"r{round_number}-w{index}-{count}"
                count += 1
                try:
                    status, _ = request(
                        port, "POST", f"/api/v1/projects/{project}/tasks", token,
                        {"id": key, "data": {"duration": "1d"}}, timeout=5,
                    )
                    results.append((key, status))
                except OSError:
                    results.append((key, None))
                    return

        threads = [threading.Thread(target=writer, args=(i,)) for i in range(args.writers)]
        for thread in threads:
            thread.start()
        time.sleep(random.uniform(0.2, 1.5))
        server.send_signal(signal.SIGKILL)
        server.wait()
        stop.set()
        for thread in threads:
            thread.join()
        acknowledged.update(key for key, status in results if status == 201)
        unanswered += sum(1 for _, status in results if status is None)
        failed = [(key, status) for key, status in results if status not in (201, None)]
        if failed:
            raise SystemExit(f"round {round_number}: unexpected answers {failed[:5]}")
        server = start(database, port)
        present = all_tasks(port, token, project)
        lost |= acknowledged - present
        print(
            f"round {round_number + 1}: {len(acknowledged)} acknowledged so far, "
            f"{len(present)} present, {len(lost)} lost",
            flush=True,
        )
    server.send_signal(signal.SIGTERM)
    server.wait(timeout=30)
    print(
        f"{args.rounds} kills, {len(acknowledged)} acknowledged writes, "
        f"{unanswered} cut off by the kill, {len(lost)} lost"
    )
    sys.exit(1 if lost else 0)


if __name__ == "__main__":
    main()
