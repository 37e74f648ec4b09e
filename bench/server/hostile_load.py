"""Issue 12's acceptance: the server survives, and keeps answering another user's reads with p99
under 100 ms, while one user imports the largest accepted project and runs eight forecasts at
once. Prints the reader's latencies, what the heavy user's requests answered (the per-user limit
answers 429 beyond two computations at once) and the server's peak memory.

    python3 bench/generate.py -n 19000 --resources 30 --estimates --risks 20 --name largest
    python3 bench/server/hostile_load.py --plan bench/out/largest.plan.toml

The database is a fresh SQLite file (the default of `waymark serve`).
"""

import argparse
import os
import statistics
import tempfile
import threading
import time

import wm

SMALL = """[project]
name = "Reader's project"
start = 2027-01-04

[tasks.a]
name = "A"
duration = "3d"

[tasks.b]
name = "B"
duration = "2d"
after = ["a"]
"""


def peak_rss_mb(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def rss_mb(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plan", required=True, help="the largest accepted plan file")
    parser.add_argument("--binary", default=wm.DEFAULT_BINARY)
    parser.add_argument("--forecasts", type=int, default=8)
    parser.add_argument("--iterations", type=int, default=10000)
    parser.add_argument("--seconds", type=float, default=30.0, help="how long the reader reads")
    args = parser.parse_args()

    directory = tempfile.mkdtemp(prefix="waymark-hostile-")
    database = os.path.join(directory, "waymark.db")
    heavy_token = wm.make_account(args.binary, database, "heavy", is_admin=False)
    reader_token = wm.make_account(args.binary, database, "reader", is_admin=False)
    server = wm.Server(args.binary, database, os.path.join(directory, "server.log")).start()
    try:
        reader = wm.Client(server.port, reader_token)
        mine = reader.request("POST", "/api/v1/projects/import", raw=SMALL.encode(),
                              content_type="application/toml")
        assert mine.status == 201, mine.body
        project = mine.json()["id"]
        reads = [f"/api/v1/projects", f"/api/v1/projects/{project}/tasks",
                 f"/api/v1/projects/{project}/schedule"]
        with open(args.plan, "rb") as file:
            plan = file.read()
        idle_mb = rss_mb(server.process.pid)

        latencies = []
        failures = []
        stop = threading.Event()

        def read_loop():
            client = wm.Client(server.port, reader_token)
            i = 0
            while not stop.is_set():
                path = reads[i % len(reads)]
                started = time.perf_counter()
                answer = client.request("GET", path)
                latencies.append((time.perf_counter() - started) * 1000)
                if answer.status != 200:
                    failures.append((path, answer.status))
                i += 1
                time.sleep(0.02)

        answers = []

        def heavy(method, path, **kwargs):
            client = wm.Client(server.port, heavy_token, timeout=600)
            started = time.perf_counter()
            answer = client.request(method, path, **kwargs)
            answers.append((method, path.split("?")[0], answer.status,
                            round(time.perf_counter() - started, 2), answer.json() if answer.status >= 400 else None))
            return answer

        reader_thread = threading.Thread(target=read_loop)
        reader_thread.start()
        time.sleep(2.0)
        # The import, and then eight forecasts of the imported project at once.
        imported = heavy("POST", "/api/v1/projects/import", raw=plan, content_type="application/toml")
        print(f"import: {imported.status}", flush=True)
        big = imported.json()["id"] if imported.status == 201 else project
        threads = [threading.Thread(target=heavy, args=("GET", f"/api/v1/projects/{big}/forecast?iterations={args.iterations}"))
                   for _ in range(args.forecasts)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        time.sleep(max(0.0, args.seconds - 2.0))
        stop.set()
        reader_thread.join()

        ordered = sorted(latencies)
        p = lambda q: ordered[min(len(ordered) - 1, int(q * len(ordered)))]
        print(f"reader: {len(ordered)} reads, {len(failures)} not 200; p50 {p(0.5):.1f} ms, "
              f"p95 {p(0.95):.1f} ms, p99 {p(0.99):.1f} ms, max {ordered[-1]:.1f} ms, "
              f"mean {statistics.mean(ordered):.1f} ms")
        for method, path, status, seconds, body in answers:
            note = f" {body['error']['code']}" if body else ""
            print(f"heavy: {method} {path} -> {status}{note} in {seconds} s")
        print(f"server: RSS idle {idle_mb:.0f} MB, after {rss_mb(server.process.pid):.0f} MB, "
              f"peak {peak_rss_mb(server.process.pid):.0f} MB; still answering: "
              f"{reader.request('GET', '/healthz').status == 200}")
    finally:
        server.stop()


if __name__ == "__main__":
    main()
