#!/usr/bin/env python3
"""Benchmark `waymark level` on the PSPLIB single-mode sets (j30, j60, j90, j120).

For every instance it runs `waymark level FILE --json --time-limit T --seed S`, then checks the
schedule itself, independently of the Rust code: every precedence of the file and every
resource in every period. It reports the average deviation from the optimum (j30) or from the
critical-path bound `cp_lb` (j60/j90/j120, the convention of Kolisch & Hartmann), the average
deviation from the best known makespan, how many best-known makespans were matched, the number
of infeasible schedules and the total time.

Python standard library only. The data folder is ../shared/psplib (see its SOURCE.md); nothing
is copied into the repository.

    python3 bench/psplib.py j30 --time-limit 0.1
    python3 bench/psplib.py j120 --time-limit 1 --every 10 --csv /tmp/j120.csv
"""

import argparse
import csv
import json
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
DEFAULT_DATA = os.path.normpath(os.path.join(ROOT, "..", "shared", "psplib"))


def read_sm(path):
    """Durations, successors (1-based job numbers), demands and capacities of a .sm file."""
    with open(path, encoding="latin-1") as f:
        lines = f.read().splitlines()
    jobs = resources = None
    for line in lines:
        if line.strip().startswith("jobs (incl. supersource/sink"):
            jobs = int(line.split(":")[1].split()[0])
        elif line.strip().startswith("- renewable"):
            resources = int(line.split(":")[1].split()[0])
    successors, durations, demands = {}, {}, {}
    index = next(i for i, l in enumerate(lines) if l.startswith("PRECEDENCE RELATIONS:"))
    for line in lines[index + 2 : index + 2 + jobs]:
        values = [int(v) for v in line.split()]
        successors[values[0]] = values[3 : 3 + values[2]]
    index = next(i for i, l in enumerate(lines) if l.startswith("REQUESTS/DURATIONS:"))
    for line in lines[index + 3 : index + 3 + jobs]:
        values = [int(v) for v in line.split()]
        durations[values[0]] = values[2]
        demands[values[0]] = values[3 : 3 + resources]
    index = next(i for i, l in enumerate(lines) if l.startswith("RESOURCEAVAILABILITIES:"))
    capacities = [int(v) for v in lines[index + 2].split()]
    return durations, successors, demands, capacities


def violations(instance, starts):
    """Every precedence and capacity violation of a schedule (job number -> start)."""
    durations, successors, demands, capacities = instance
    found = []
    if sorted(starts) != sorted(durations):
        return [f"jobs {sorted(set(durations) ^ set(starts))} missing or extra"]
    for job, after in successors.items():
        for successor in after:
            if starts[successor] < starts[job] + durations[job]:
                found.append(f"{successor} starts before {job} finishes")
    horizon = max(starts[j] + durations[j] for j in durations)
    for r, capacity in enumerate(capacities):
        usage = [0] * (horizon + 1)
        for job, d in durations.items():
            for t in range(starts[job], starts[job] + d):
                usage[t] += demands[job][r]
        for t, used in enumerate(usage):
            if used > capacity:
                found.append(f"R{r + 1} uses {used} > {capacity} in period {t}")
                break
    return found


def load_bounds(data):
    bounds = {}
    with open(os.path.join(data, "bounds.csv")) as f:
        for row in csv.DictReader(f):
            bounds[row["instance"]] = row
    return bounds


def instance_files(data, name, limit, every):
    folder = os.path.join(data, name)

    def key(file):
        par, inst = file[len(name) : -3].split("_")
        return int(par), int(inst)

    files = sorted((f for f in os.listdir(folder) if f.endswith(".sm")), key=key)
    files = files[::every]
    if limit:
        files = files[:limit]
    return [os.path.join(folder, f) for f in files]


def summarise(name, rows, wall):
    n = len(rows)
    feasible = [r for r in rows if r["feasible"]]
    reference = "optimum" if name == "j30" else "cp_lb"
    dev = sum(r["dev_ref"] for r in feasible) / max(1, len(feasible))
    dev_ub = sum(r["dev_ub"] for r in feasible) / max(1, len(feasible))
    matched = sum(1 for r in feasible if r["makespan"] <= r["ub"])
    print(f"set {name}: {n} instances, {wall:.1f} s wall in all")
    print(f"  average deviation from {reference}: {dev:.3f} %")
    print(f"  average deviation from best known: {dev_ub:.3f} %")
    print(f"  best known matched (or beaten): {matched} / {n}")
    print(f"  infeasible or missing schedules: {n - len(feasible)}")
    if rows and "schedules" in rows[0]:
        mean = sum(r.get("schedules", 0) for r in rows) / n
        print(f"  mean schedules per instance: {mean:.0f}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("set", choices=["j30", "j60", "j90", "j120"])
    parser.add_argument("--time-limit", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--schedules", type=int, help="also stop after N schedules (deterministic)")
    parser.add_argument("--limit", type=int, default=0, help="only the first N instances")
    parser.add_argument("--every", type=int, default=1, help="every K-th instance")
    parser.add_argument("--data", default=DEFAULT_DATA)
    parser.add_argument("--binary", default=os.path.join(ROOT, "target", "release", "waymark"))
    parser.add_argument("--csv", help="write one row per instance to this file")
    args = parser.parse_args()

    bounds = load_bounds(args.data)
    rows = []
    started = time.time()
    for path in instance_files(args.data, args.set, args.limit, args.every):
        name = os.path.basename(path)
        bound = bounds[name]
        instance = read_sm(path)
        command = [args.binary, "level", path, "--json", "--time-limit", str(args.time_limit),
                   "--seed", str(args.seed)]
        if args.schedules:
            command += ["--schedules", str(args.schedules)]
        t0 = time.time()
        result = subprocess.run(command, capture_output=True, text=True)
        seconds = time.time() - t0
        row = {"instance": name, "seconds": seconds, "ub": int(bound["ub"]),
               "cp_lb": int(bound["cp_lb"]), "feasible": False, "makespan": None}
        problems = []
        if result.returncode != 0:
            problems = [f"exit {result.returncode}: {result.stderr.strip()}"]
        else:
            out = json.loads(result.stdout)
            starts = {int(job): start for job, start in out["starts"].items()}
            problems = violations(instance, starts)
            durations = instance[0]
            makespan = max(starts[j] + durations[j] for j in durations)
            if makespan != out["makespan"]:
                problems.append(f"reported makespan {out['makespan']} != {makespan}")
            row.update(makespan=makespan, schedules=out.get("schedules", 0))
        if problems:
            print(f"{name}: INFEASIBLE: {problems[:3]}", file=sys.stderr)
        else:
            reference = row["ub"] if args.set == "j30" else row["cp_lb"]
            row.update(feasible=True,
                       dev_ref=100.0 * (row["makespan"] - reference) / reference,
                       dev_ub=100.0 * (row["makespan"] - row["ub"]) / row["ub"])
        rows.append(row)
    wall = time.time() - started
    if args.csv:
        with open(args.csv, "w", newline="") as f:
            fields = ["instance", "makespan", "ub", "cp_lb", "feasible", "schedules", "seconds"]
            writer = csv.DictWriter(f, fieldnames=fields, extrasaction="ignore")
            writer.writeheader()
            writer.writerows(rows)
    print(f"waymark level, time limit {args.time_limit} s, seed {args.seed}")
    summarise(args.set, rows, wall)


if __name__ == "__main__":
    main()
