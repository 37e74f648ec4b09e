#!/usr/bin/env python3
"""Helper of load.sh: writes the inputs of the wrk scripts, and makes a PostgreSQL database.

    load_prep.py pages PORT TOKEN PROJECT OUT   # the URL of every 50-task page, one a line
    load_prep.py tasks PORT TOKEN PROJECT OUT   # "id version" of every task (leaves first)
    load_prep.py pgdb BASE_URL NAME             # a fresh database NAME; prints its URL
"""
import sys
import os

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import wm  # noqa: E402


def main():
    what = sys.argv[1]
    if what == "pgdb":
        print(wm.fresh_postgres_database(sys.argv[2], sys.argv[3]))
        return
    port, token, project, out = int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
    client = wm.Client(port, token, timeout=120)
    base = f"/api/v1/projects/{project}/tasks"
    if what == "pages":
        # Walk the pages the way a client does, keeping each page's URL.
        urls, after = [f"{base}?limit=50"], None
        while True:
            url = f"{base}?limit=50" + (f"&after={after}" if after else "")
            page = client.request("GET", url).json()
            after = page["next"]
            if not after:
                break
            urls.append(f"{base}?limit=50&after={after}")
        with open(out, "w") as f:
            f.write("\n".join(urls) + "\n")
        print(f"{len(urls)} pages of 50 tasks")
    elif what == "tasks":
        tasks = wm.all_pages(client, base)
        with open(out, "w") as f:
            for task in tasks:
                f.write(f"{task['id']} {task['version']}\n")
        print(f"{len(tasks)} tasks")
    client.close()


if __name__ == "__main__":
    main()
