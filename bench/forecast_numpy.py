#!/usr/bin/env python3
"""A straightforward NumPy Monte Carlo schedule forecast, to compare with `waymark forecast`.

The same simulation as `waymark forecast FILE` (docs/cli.md), written the way one would in
NumPy: a loop over the tasks in topological order, each step vectorised over the iterations.

1. Read the plan with `tomllib`; convert durations, estimates, risk delays and link lags to
   working minutes (`m`, `h`, `d` = the project calendar's working day, `w` = its working week,
   `mo` = 20 d), rounded to whole minutes as Waymark does.
2. Order the work tasks topologically (Kahn).
3. For a block of iterations at a time (`--block`, to bound memory): sample every estimated
   task's duration (Beta-PERT: `Generator.beta` with alpha = 1 + 4(m-a)/(b-a),
   beta = 1 + 4(b-m)/(b-a), scaled to [a, b]; `triangular` and `uniform` as the plan says);
   let every risk occur with its probability, and then multiply its tasks' durations by its
   three-point `factor` (PERT) and add its three-point `delay` (PERT), risks in file order;
   round to whole minutes.
4. Forward pass (FS/SS/FF/SF links with working-time lags, tasks start no earlier than the
   project start): project finish = the latest early finish. Backward pass from that finish:
   a task is critical when its total float (late start - early start) is <= 0.
5. Report P10/P50/P80/P90/P95 (nearest rank, as Waymark) and the mean of the working days
   (working minutes / minutes per day) from the project start to the finish, and the tasks with
   the highest criticality index (share of iterations in which the task was critical).

It works in working-time coordinates (minute k = the k-th working minute after the project
start), which is exact for a plan whose tasks all run on the project calendar, as in the
benchmark plans; it writes no dates. Left out, and refused when a plan has them: task calendars,
elapsed and percentage lags, constraints, deadlines, status date and actuals, `week`/`base`
calendars (for the length of a day), links to or from summary tasks (the generated plans have
none, so the project finish is the latest early finish of the work tasks). Not computed: the
Spearman sensitivity of each task (Waymark keeps every sampled duration for it) and, unless
`--risk-effects` is given, the P80 days each risk costs (Waymark reruns the simulation once per
risk for them, with the same random numbers).

The random numbers are NumPy's (PCG64), not Waymark's, so the percentiles agree with Waymark's
only within sampling error. The same plan, --seed and --block give the same output.

Usage: python3 bench/forecast_numpy.py PLAN [--iterations N] [--seed S] [--block B] [--json]
       [--top K] [--risk-effects] [--most-likely]
"""

from __future__ import annotations

import argparse
import json
import math
import re
import sys
import time
import tomllib
from pathlib import Path

import numpy as np

KINDS = ("FS", "SS", "FF", "SF")
UNSUPPORTED_TASK_KEYS = ("calendar", "start_no_earlier_than", "start_no_later_than",
                         "finish_no_earlier_than", "finish_no_later_than", "must_start_on",
                         "must_finish_on", "as_late_as_possible", "actual_start", "actual_finish",
                         "deadline", "manual")
LINK = re.compile(r"^\s*([A-Za-z0-9_-]+)\s*(FS|SS|FF|SF)?\s*(?:([+-])\s*(\S.*?))?\s*$",
                  re.IGNORECASE)
DURATION = re.compile(r"^\s*([0-9]*\.?[0-9]+|[0-9]+\.)\s*([A-Za-z]+)\s*$")


class Unsupported(Exception):
    pass


def working_minutes(text: str, units: dict[str, int]) -> int:
    """Duration text in working minutes, rounded half away from zero as Waymark does."""
    match = DURATION.match(text)
    if not match:
        raise Unsupported(f"duration `{text}` (percentage lags are not supported)")
    unit = match.group(2).lower()
    if unit not in units:
        raise Unsupported(f"duration `{text}`: only working units m, h, d, w, mo")
    return math.floor(float(match.group(1)) * units[unit] + 0.5)


def minutes_per_day(plan: dict) -> int:
    """The project calendar's working day (the standard calendar: 8 h)."""
    name = plan["project"].get("calendar", "standard")
    calendar = plan.get("calendars", {}).get(name, {})
    if "week" in calendar or "base" in calendar:
        raise Unsupported("`week` or `base` in the project calendar")
    total = 0
    for span in calendar.get("hours", ["08:00-12:00", "13:00-17:00"]):
        start, end = span.split("-")
        h1, m1 = map(int, start.split(":"))
        h2, m2 = map(int, end.split(":"))
        total += (h2 * 60 + m2) - (h1 * 60 + m1)
    return total


class Network:
    """The work tasks of a plan, their durations and estimates, links and risks."""

    def __init__(self, plan: dict):
        day = minutes_per_day(plan)
        calendar = plan.get("calendars", {}).get(plan["project"].get("calendar", "standard"), {})
        week_days = len(calendar.get("days", ["mon", "tue", "wed", "thu", "fri"]))
        units = {"m": 1, "h": 60, "d": day, "w": day * week_days, "mo": day * 20}
        self.minutes_per_day = day
        for key in ("deadline", "status_date"):
            if key in plan["project"]:
                raise Unsupported(f"project `{key}`")
        tasks: dict = plan.get("tasks", {})
        parents = {t["parent"] for t in tasks.values() if "parent" in t}
        self.ids = [tid for tid in tasks if tid not in parents]
        index = {tid: i for i, tid in enumerate(self.ids)}
        n = len(self.ids)
        self.base = np.zeros(n)                  # fixed durations (minutes)
        self.milestone = np.zeros(n, dtype=bool)
        self.estimated: list[int] = []           # tasks with an estimate
        self.estimate: list[tuple[int, int, int]] = []
        self.distribution: list[str] = []
        # incoming[t][kind] = (predecessor indices, lags); outgoing likewise with successors
        incoming: list[dict[str, list]] = [{} for _ in range(n)]
        outgoing: list[dict[str, list]] = [{} for _ in range(n)]
        self.links = 0
        for tid, task in tasks.items():
            after = task.get("after", [])
            if tid in parents:
                if after:
                    raise Unsupported(f"links on the summary task `{tid}`")
                continue
            for key in UNSUPPORTED_TASK_KEYS:
                if key in task:
                    raise Unsupported(f"`{key}` on task `{tid}`")
            if task.get("progress", 0) > 0:
                raise Unsupported(f"progress on task `{tid}`")
            t = index[tid]
            if task.get("milestone", False):
                self.milestone[t] = True
            elif "estimate" in task:
                self.estimated.append(t)
                self.estimate.append(tuple(working_minutes(x, units) for x in task["estimate"]))
                self.distribution.append(task.get("distribution", "pert"))
                if "duration" in task:
                    self.base[t] = working_minutes(task["duration"], units)
                else:
                    self.base[t] = self.estimate[-1][1]
            else:
                self.base[t] = working_minutes(task["duration"], units)
            seen = set()
            for text in [after] if isinstance(after, str) else after:
                match = LINK.match(text)
                if not match:
                    raise Unsupported(f"link `{text}` on task `{tid}`")
                pid, kind, sign, lag_text = match.groups()
                if pid in parents:
                    raise Unsupported(f"a link to the summary task `{pid}`")
                kind = (kind or "FS").upper()
                if (pid, kind) in seen:  # Waymark ignores the repeat (a warning)
                    continue
                seen.add((pid, kind))
                lag = working_minutes(lag_text, units) if lag_text else 0
                if sign == "-":
                    lag = -lag
                p = index[pid]
                incoming[t].setdefault(kind, []).append((p, lag))
                outgoing[p].setdefault(kind, []).append((t, lag))
                self.links += 1
        self.order = self.topological_order(incoming, outgoing)
        self.incoming = [self.grouped(groups) for groups in incoming]
        self.outgoing = [self.grouped(groups) for groups in outgoing]
        self.risks = []
        for rid, risk in plan.get("risks", {}).items():
            factor = tuple(float(x) for x in risk["factor"]) if "factor" in risk else None
            delay = (tuple(working_minutes(x, units) for x in risk["delay"])
                     if "delay" in risk else None)
            self.risks.append((rid, float(risk["probability"]),
                               # a summary's own duration plays no part in the schedule
                               [index[tid] for tid in risk.get("tasks", []) if tid in index],
                               factor, delay))

    @staticmethod
    def topological_order(incoming, outgoing) -> list[int]:
        n = len(incoming)
        waiting = [sum(len(v) for v in groups.values()) for groups in incoming]
        ready = [t for t in range(n) if waiting[t] == 0]
        order = []
        while ready:
            t = ready.pop()
            order.append(t)
            for links in outgoing[t].values():
                for s, _ in links:
                    waiting[s] -= 1
                    if waiting[s] == 0:
                        ready.append(s)
        if len(order) != n:
            raise Unsupported("a dependency cycle")
        return order

    @staticmethod
    def grouped(groups: dict[str, list]) -> list[tuple[str, object, object]]:
        """Per link kind: one (index, lag) pair, or index and lag arrays for a gather."""
        out = []
        for kind in KINDS:
            links = groups.get(kind)
            if not links:
                continue
            if len(links) == 1:
                out.append((kind, links[0][0], links[0][1]))
            else:
                out.append((kind, np.array([i for i, _ in links]),
                            np.array([lag for _, lag in links])[:, None]))
        return out


def pert(rng: np.random.Generator, low, likely, high, size):
    """Beta-PERT samples on [low, high] with mode `likely` (arrays of shape [k, 1] or scalars)."""
    low, likely, high = (np.asarray(x, dtype=float) for x in (low, likely, high))
    span = np.where(high > low, high - low, 1.0)
    alpha = 1 + 4 * (likely - low) / span
    beta = 1 + 4 * (high - likely) / span
    return np.where(high > low, low + span * rng.beta(alpha, beta, size), likely)


def sample_durations(net: Network, rng: np.random.Generator, block: int,
                     skip_risk: int | None) -> np.ndarray:
    """Durations in whole working minutes, shape [tasks, block]."""
    d = np.repeat(net.base[:, None], block, axis=1)
    if net.estimated:
        est = np.array(net.estimate, dtype=float)
        rows = np.array(net.estimated)
        kinds = np.array(net.distribution)
        for kind in set(net.distribution):
            pick = kinds == kind
            a, m, b = (est[pick, i][:, None] for i in range(3))
            size = (int(pick.sum()), block)
            if kind == "pert":
                values = pert(rng, a, m, b, size)
            elif kind == "triangular":
                values = np.where(b > a, rng.triangular(a, np.clip(m, a, b),
                                                        np.where(b > a, b, a + 1), size), m)
            elif kind == "uniform":
                values = a + (b - a) * rng.random(size)
            else:
                raise Unsupported(f"distribution `{kind}`")
            d[rows[pick]] = values
    # Every risk draws its numbers in every iteration, so leaving one out changes nothing else.
    for r, (_, probability, tasks, factor, delay) in enumerate(net.risks):
        occurs = rng.random(block) < probability
        f = pert(rng, *factor, block) if factor else 1.0
        dl = pert(rng, *delay, block) if delay else 0.0
        if r == skip_risk:
            continue
        for t in tasks:
            d[t] = np.where(occurs, d[t] * f + dl, d[t])
    return np.maximum(np.floor(d + 0.5), 0).astype(np.int64)


def simulate_block(net: Network, d: np.ndarray, critical: np.ndarray) -> np.ndarray:
    """Forward and backward pass over one block; adds to `critical`, returns the finishes."""
    n, block = d.shape
    es = np.empty_like(d)
    ef = np.empty_like(d)
    zero = np.zeros(block, dtype=np.int64)
    for t in net.order:
        cs, cf = zero, None
        for kind, p, lag in net.incoming[t]:
            src = ef if kind in ("FS", "FF") else es
            bound = src[p] + lag if np.ndim(p) == 0 else (src[p] + lag).max(axis=0)
            if kind in ("FS", "SS"):
                cs = np.maximum(cs, bound)
            else:
                cf = bound if cf is None else np.maximum(cf, bound)
        es[t] = cs if cf is None else np.maximum(cs, cf - d[t])
        ef[t] = es[t] + d[t]
    finish = ef.max(axis=0)
    ls = np.empty_like(d)
    lf = ef  # the early finishes are not needed any more
    for t in reversed(net.order):
        cf, cs = finish, None
        for kind, s, lag in net.outgoing[t]:
            src = ls if kind in ("FS", "SS") else lf
            bound = src[s] - lag if np.ndim(s) == 0 else (src[s] - lag).min(axis=0)
            if kind in ("FS", "FF"):
                cf = np.minimum(cf, bound)
            else:
                cs = bound if cs is None else np.minimum(cs, bound)
        lf[t] = cf if cs is None else np.minimum(cf, cs + d[t])
        ls[t] = lf[t] - d[t]
    critical += np.count_nonzero(ls <= es, axis=1)
    return finish


def simulate(net: Network, iterations: int, seed: int, block: int,
             skip_risk: int | None = None, most_likely: bool = False):
    rng = np.random.default_rng(seed)
    critical = np.zeros(len(net.ids), dtype=np.int64)
    finishes = []
    done = 0
    while done < iterations:
        size = min(block, iterations - done)
        if most_likely:
            d = np.repeat(np.floor(net.base + 0.5).astype(np.int64)[:, None], size, axis=1)
        else:
            d = sample_durations(net, rng, size, skip_risk)
        finishes.append(simulate_block(net, d, critical))
        done += size
    return np.concatenate(finishes), critical


def nearest_rank(sorted_values: np.ndarray, p: float) -> int:
    rank = min(max(math.ceil(p * len(sorted_values)), 1), len(sorted_values))
    return int(sorted_values[rank - 1])


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("plan", type=Path)
    parser.add_argument("--iterations", type=int, default=10000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--block", type=int, default=1000,
                        help="iterations simulated at once (memory grows with it; default 1000)")
    parser.add_argument("--top", type=int, default=10, help="how many critical tasks to list")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--risk-effects", action="store_true",
                        help="also rerun without each risk for its P80 effect, as Waymark does")
    parser.add_argument("--most-likely", action="store_true",
                        help="every task at its most likely value, no risks (one deterministic "
                             "pass, to check against `waymark schedule`)")
    args = parser.parse_args(argv)
    if args.iterations < 1 or args.block < 1:
        parser.error("--iterations and --block must be at least 1")
    if args.most_likely:
        args.iterations = 1
    t0 = time.perf_counter()
    with open(args.plan, "rb") as f:
        plan = tomllib.load(f)
    try:
        net = Network(plan)
    except Unsupported as e:
        print(f"forecast_numpy: not supported: {e}", file=sys.stderr)
        return 2
    t1 = time.perf_counter()
    finishes, critical = simulate(net, args.iterations, args.seed, args.block,
                                  most_likely=args.most_likely)
    t2 = time.perf_counter()
    day = net.minutes_per_day
    ordered = np.sort(finishes)
    percentiles = {f"p{p}": round(nearest_rank(ordered, p / 100) / day, 3)
                   for p in (10, 50, 80, 90, 95)}
    percentiles["mean"] = round(float(finishes.mean()) / day, 3)
    criticality = critical / args.iterations
    top = sorted(range(len(net.ids)), key=lambda t: (-criticality[t], t))[:args.top]
    risk_effects = []
    if args.risk_effects and not args.most_likely:
        p80 = nearest_rank(ordered, 0.8)
        for r, risk in enumerate(net.risks):
            without, _ = simulate(net, args.iterations, args.seed, args.block, skip_risk=r)
            saved = p80 - nearest_rank(np.sort(without), 0.8)
            risk_effects.append({"id": risk[0], "p80_days_saved": round(saved / day, 3)})
    t3 = time.perf_counter()
    result = {
        "plan": str(args.plan),
        "iterations": args.iterations,
        "seed": args.seed,
        "block": args.block,
        "work_tasks": len(net.ids),
        "links": net.links,
        "estimated_tasks": len(net.estimated),
        "risks": len(net.risks),
        "duration_days": percentiles,
        "critical_tasks": int(np.count_nonzero(criticality > 0)),
        "top_criticality": [{"id": net.ids[t], "criticality": round(float(criticality[t]), 4)}
                            for t in top],
        "risk_effects": risk_effects,
        "seconds": {"read": round(t1 - t0, 3), "simulate": round(t2 - t1, 3),
                    "risk_effects": round(t3 - t2, 3), "total": round(t3 - t0, 3)},
    }
    if args.json:
        json.dump(result, sys.stdout, indent=2)
        print()
        return 0
    print(f"{args.plan}: {len(net.ids)} work tasks ({len(net.estimated)} estimated), "
          f"{net.links} links, {len(net.risks)} risks; {args.iterations} iterations, "
          f"seed {args.seed}")
    print("working days from the start: " + ", ".join(
        f"{k.upper() if k != 'mean' else 'mean'} {v:.2f}" for k, v in percentiles.items()))
    print(f"tasks ever critical: {result['critical_tasks']}; highest criticality:")
    for entry in result["top_criticality"]:
        print(f"  {entry['id']:>12}  {entry['criticality']:.3f}")
    for entry in risk_effects:
        print(f"  risk {entry['id']}: P80 {entry['p80_days_saved']:.2f} working days later")
    s = result["seconds"]
    print(f"time: read {s['read']:.2f} s, simulate {s['simulate']:.2f} s"
          + (f", risk effects {s['risk_effects']:.2f} s" if risk_effects else "")
          + f", total {s['total']:.2f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
