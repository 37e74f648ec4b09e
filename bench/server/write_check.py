"""The cost of the write-time plan check: PATCHes of one task of a generated project, accepted
(progress) and refused (a malformed duration), timed one at a time on a fresh SQLite database.

    python3 bench/generate.py -n 2000 --out /tmp/write-check
    WAYMARK_BIN=/tmp/waymark-bench python3 bench/server/write_check.py /tmp/write-check/n2000.plan.toml

Prints the median and 90th percentile of each kind, in milliseconds, as JSON.
"""

import json
import os
import statistics
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(__file__))
import wm  # noqa: E402


def timed(client, method, path, body=None, headers=None):
    start = time.perf_counter()
    response = client.request(method, path, body=body, headers=headers)
    return response, (time.perf_counter() - start) * 1000.0


def main():
    plan = sys.argv[1]
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 30
    binary = os.environ.get("WAYMARK_BIN", "target/release/waymark")
    with tempfile.TemporaryDirectory() as folder:
        database = f"sqlite://{folder}/bench.db"
        token = wm.make_account(binary, database)
        server = wm.Server(binary, database, f"{folder}/server.log").start()
        try:
            client = wm.Client(server.port, token)
            with open(plan, "rb") as file:
                imported = client.request("POST", "/api/v1/projects/import", raw=file.read(),
                                          content_type="application/toml")
            if imported.status != 201:
                raise RuntimeError(f"import: {imported.status} {imported.body[:300]!r}")
            project = imported.json()["id"]
            tasks = wm.all_pages(client, f"/api/v1/projects/{project}/tasks")
            task = next(t for t in tasks if "duration" in t["data"])
            path = f"/api/v1/projects/{project}/tasks/{task['id']}"
            version = task["version"]
            accepted, refused = [], []
            for index in range(rounds):
                body = {"progress": 0.1 if index % 2 == 0 else 0.2}
                response, took = timed(client, "PATCH", path, body, {"If-Match": f'"{version}"'})
                if response.status != 200:
                    raise RuntimeError(f"PATCH: {response.status} {response.body[:300]!r}")
                version = response.json()["version"]
                accepted.append(took)
                response, took = timed(client, "PATCH", path, {"duration": "5x"},
                                       {"If-Match": f'"{version}"'})
                if response.status != 422:
                    raise RuntimeError(f"refused PATCH: {response.status} {response.body[:300]!r}")
                refused.append(took)
        finally:
            server.stop()

    def summary(times):
        times = sorted(times)
        return {"median_ms": round(statistics.median(times), 1),
                "p90_ms": round(times[int(len(times) * 0.9) - 1], 1)}

    print(json.dumps({"tasks": len(tasks), "rounds": rounds, "accepted": summary(accepted),
                      "refused": summary(refused)}))


if __name__ == "__main__":
    main()
