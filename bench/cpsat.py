#!/usr/bin/env python3
"""OR-Tools CP-SAT on the PSPLIB single-mode sets, reported like bench/psplib.py.

The model is the textbook one: an interval per job, a precedence constraint per arc, one
cumulative constraint per resource, minimise the start of the sink. One search worker
(`num_workers = 1`) and the same per-instance time limit as `waymark level`, so the comparison
is one core against one core. Schedules are checked with bench/psplib.py's independent checker.

    pip install ortools
    python3 bench/cpsat.py j120 --time-limit 1
"""

import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import psplib  # noqa: E402  (the reader, checker and summary of the waymark harness)

from ortools.sat.python import cp_model  # noqa: E402


def solve(instance, time_limit, seed):
    durations, successors, demands, capacities = instance
    horizon = sum(durations.values())
    model = cp_model.CpModel()
    start, end, interval = {}, {}, {}
    for job, d in durations.items():
        start[job] = model.new_int_var(0, horizon, f"s{job}")
        end[job] = model.new_int_var(0, horizon, f"e{job}")
        interval[job] = model.new_interval_var(start[job], d, end[job], f"i{job}")
    for job, after in successors.items():
        for successor in after:
            model.add(start[successor] >= end[job])
    for r, capacity in enumerate(capacities):
        jobs = [j for j in durations if demands[j][r] > 0 and durations[j] > 0]
        model.add_cumulative([interval[j] for j in jobs], [demands[j][r] for j in jobs], capacity)
    sink = max(durations)
    model.minimize(start[sink])
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = time_limit
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = seed
    status = solver.solve(model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None, status == cp_model.OPTIMAL
    starts = {job: solver.value(start[job]) for job in durations}
    return starts, status == cp_model.OPTIMAL


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("set", choices=["j30", "j60", "j90", "j120"])
    parser.add_argument("--time-limit", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--limit", type=int, default=0)
    parser.add_argument("--every", type=int, default=1)
    parser.add_argument("--data", default=psplib.DEFAULT_DATA)
    parser.add_argument("--csv")
    args = parser.parse_args()

    bounds = psplib.load_bounds(args.data)
    rows = []
    optimal = 0
    started = time.time()
    for path in psplib.instance_files(args.data, args.set, args.limit, args.every):
        name = os.path.basename(path)
        bound = bounds[name]
        instance = psplib.read_sm(path)
        t0 = time.time()
        starts, proven = solve(instance, args.time_limit, args.seed)
        row = {"instance": name, "seconds": time.time() - t0, "ub": int(bound["ub"]),
               "cp_lb": int(bound["cp_lb"]), "feasible": False, "makespan": None}
        problems = ["no solution within the time limit"] if starts is None else \
            psplib.violations(instance, starts)
        if problems:
            print(f"{name}: INFEASIBLE: {problems[:3]}", file=sys.stderr)
        else:
            durations = instance[0]
            makespan = max(starts[j] + durations[j] for j in durations)
            reference = row["ub"] if args.set == "j30" else row["cp_lb"]
            row.update(feasible=True, makespan=makespan,
                       dev_ref=100.0 * (makespan - reference) / reference,
                       dev_ub=100.0 * (makespan - row["ub"]) / row["ub"])
            optimal += proven
        rows.append(row)
    wall = time.time() - started
    if args.csv:
        import csv
        with open(args.csv, "w", newline="") as f:
            fields = ["instance", "makespan", "ub", "cp_lb", "feasible", "seconds"]
            writer = csv.DictWriter(f, fieldnames=fields, extrasaction="ignore")
            writer.writeheader()
            writer.writerows(rows)
    print(f"OR-Tools CP-SAT, 1 worker, time limit {args.time_limit} s, seed {args.seed}")
    psplib.summarise(args.set, rows, wall)
    print(f"  proven optimal: {optimal}")


if __name__ == "__main__":
    main()
