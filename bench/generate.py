#!/usr/bin/env python3
"""Generate a random but realistic project network for benchmarking Waymark.

Writes NAME.plan.toml (a Waymark plan) and, for networks with finish-to-start links only,
NAME.tjp (the same network for TaskJuggler 3) plus NAME.check.tji (a CSV task report, used
only to compare the dates the two tools compute; the timed TaskJuggler runs leave it out).

The network, for N work tasks:

* a WBS of phases (one per 1,000 work tasks) holding work packages (one per 50 work tasks)
  holding the work tasks; the last task of every work package is a milestone;
* durations of 1-10 working days, about one task in eight measured in hours (2-16 h);
* about 3 links per task, always to an earlier task (so there is no cycle). Phases are parallel
  streams of work: links go mostly to one of the previous ~150 tasks of the same phase, now and
  then to any earlier task of the phase or to a task at about the same point of an earlier
  phase. So the critical path stays a few years long however many phases there are. Mostly FS,
  some SS and FF, about a quarter with a positive working-time lag (hours or days);
* one project calendar, Monday to Friday 09:00-13:00 and 14:00-18:00, with twelve public
  holidays a year and a closure from 24 to 31 December.

Options for forecasting benchmarks (issue 4); without them the files are exactly as before:

* `--links-per-task X`: X links per work task on average instead of about 3 (from X = 2 up the
  count per task varies by one either way; milestones keep their 3 links to tasks of their own
  package), so `--tasks 10000 --links-per-task 2` gives about 20,000 links;
* `--estimates`: every work task that is not a milestone gets `estimate = [low, likely, high]`
  instead of `duration`, with the likely value the duration it would have had, low 0.6-0.9 times
  and high 1.3-3 times that (mostly near 1.3-1.8), rounded to half hours (whole hours for tasks
  measured in days). Without `duration` the plan is scheduled on the likely values, so
  `waymark schedule` gives the same dates as without `--estimates`;
* `--risks K`: K risk events `[risks.r1]`..`[risks.rK]`, each with a probability of 0.05-0.4
  and 2-5 work tasks close together in one phase, with a three-point `factor` (a third), a
  three-point `delay` (a third) or both.

These draw from random generators of their own, so the network itself (tasks, durations, links)
is the same with or without `--estimates` and `--risks`. With them the holiday calendar covers
the longest possible outcome (every task at its pessimistic value and every risk at its worst).

TaskJuggler's `depends` only constrains the start of a task, so FF links have no faithful
mapping; `--fs-only` makes every link finish-to-start (lags kept) and is required for the .tjp.

Python 3.11 standard library only. The same arguments and --seed always give the same files.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import sys
from pathlib import Path

PROJECT_START = dt.date(2027, 1, 4)  # a Monday
HOURS_PER_DAY = 8
TASKS_PER_PACKAGE = 50
TASKS_PER_PHASE = 1000
# Links go mostly to one of this many preceding tasks, which keeps the network wide (many
# parallel chains) rather than one long chain.
WINDOW = 150

VERBS = ["Design", "Specify", "Build", "Review", "Test", "Integrate", "Install", "Procure",
         "Document", "Configure", "Migrate", "Verify", "Approve", "Prototype", "Deploy"]
OBJECTS = ["foundation", "interface", "module", "pipeline", "frame", "enclosure", "harness",
           "service", "database", "panel", "wiring", "firmware", "report", "fixture", "pump"]


def easter(year: int) -> dt.date:
    """Easter Sunday (the anonymous Gregorian algorithm, Meeus/Jones/Butcher)."""
    a = year % 19
    b, c = divmod(year, 100)
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    l = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * l) // 451
    month, day = divmod(h + l - 7 * m + 114, 31)
    return dt.date(year, month, day + 1)


def holidays(year: int) -> tuple[list[tuple[str, dt.date]], tuple[dt.date, dt.date]]:
    """Twelve public holidays of a year (a German-style set) and the Christmas closure."""
    e = easter(year)
    days = [
        ("New Year", dt.date(year, 1, 1)),
        ("Epiphany", dt.date(year, 1, 6)),
        ("Good Friday", e - dt.timedelta(days=2)),
        ("Easter Monday", e + dt.timedelta(days=1)),
        ("Labour Day", dt.date(year, 5, 1)),
        ("Ascension", e + dt.timedelta(days=39)),
        ("Whit Monday", e + dt.timedelta(days=50)),
        ("Corpus Christi", e + dt.timedelta(days=60)),
        ("Company day", dt.date(year, 6, 24)),
        ("Assumption", dt.date(year, 8, 15)),
        ("Unity Day", dt.date(year, 10, 3)),
        ("All Saints", dt.date(year, 11, 1)),
    ]
    return days, (dt.date(year, 12, 24), dt.date(year, 12, 31))


class Task:
    __slots__ = ("index", "id", "name", "parent", "minutes", "text", "milestone", "links",
                 "estimate")

    def __init__(self, index: int, id: str, name: str, parent: str):
        self.index = index
        self.id = id
        self.name = name
        self.parent = parent
        self.minutes = 0
        self.text = ""
        self.milestone = False
        # (predecessor index, "FS"/"SS"/"FF", lag minutes, lag text)
        self.links: list[tuple[int, str, int, str]] = []
        # (low, likely, high) in minutes, with --estimates
        self.estimate: tuple[int, int, int] | None = None


class Risk:
    __slots__ = ("id", "title", "probability", "tasks", "factor", "delay")

    def __init__(self, id: str, title: str, probability: float, tasks: list[int],
                 factor: tuple[float, float, float] | None,
                 delay: tuple[int, int, int] | None):
        self.id = id
        self.title = title
        self.probability = probability
        self.tasks = tasks  # task indices
        self.factor = factor
        self.delay = delay  # minutes


def link_count(rng: random.Random, links_per_task: float | None) -> int:
    """How many links a work task gets: about 3 by default, else `links_per_task` on average."""
    if links_per_task is None:
        return rng.choice((2, 3, 3, 4))
    whole = int(links_per_task)
    count = whole + (rng.random() < links_per_task - whole)
    if whole >= 2:
        # Spread the count by one either way, keeping the mean.
        count += rng.choice((-1, 0, 0, 1))
    return count


def generate(n: int, seed: int, fs_only: bool, links_per_task: float | None = None):
    """Work tasks (in outline order within their packages), packages and phases."""
    rng = random.Random(seed)
    tasks: list[Task] = []
    packages: list[tuple[str, str, str]] = []  # id, name, phase id
    phases: list[tuple[str, str]] = []
    width = len(str(n))
    for index in range(n):
        if index % TASKS_PER_PHASE == 0:
            phases.append((f"ph{len(phases) + 1}", f"Phase {len(phases) + 1}"))
        if index % TASKS_PER_PACKAGE == 0:
            packages.append((f"wp{len(packages) + 1}", f"Work package {len(packages) + 1}",
                             phases[-1][0]))
        task = Task(index, f"t{index + 1:0{width}d}",
                    f"{rng.choice(VERBS)} {rng.choice(OBJECTS)} {index + 1}", packages[-1][0])
        last_of_package = index % TASKS_PER_PACKAGE == TASKS_PER_PACKAGE - 1 or index == n - 1
        if last_of_package and index % TASKS_PER_PACKAGE > 0:
            task.milestone = True
            task.name = f"Work package {len(packages)} done"
        elif rng.random() < 0.125:
            hours = rng.randint(2, 16)
            task.minutes, task.text = hours * 60, f"{hours}h"
        else:
            days = rng.randint(1, 10)
            task.minutes, task.text = days * HOURS_PER_DAY * 60, f"{days}d"
        if index > 0:
            if task.milestone:
                # A package's milestone waits for a few tasks of its own package.
                first = index - index % TASKS_PER_PACKAGE
                count = min(3, index - first)
                candidates = rng.sample(range(first, index), count)
            else:
                # Each phase is a stream of work that runs in parallel with the other phases:
                # links go to earlier tasks of the same phase, mostly recent ones, and now and
                # then to a task at about the same point of an earlier phase.
                local = index % TASKS_PER_PHASE
                phase_first = index - local
                count = min(local, link_count(rng, links_per_task))
                candidates = set()
                while len(candidates) < count:
                    roll = rng.random()
                    if roll < 0.05 and phase_first > 0:
                        other = rng.randrange(phase_first // TASKS_PER_PHASE) * TASKS_PER_PHASE
                        candidates.add(other + max(0, local - 1 - rng.randrange(WINDOW)))
                    elif roll < 0.10:
                        candidates.add(phase_first + rng.randrange(local))
                    else:
                        back = min(int(rng.expovariate(1 / 40)), WINDOW - 1, local - 1)
                        candidates.add(index - 1 - back)
                candidates = sorted(candidates)
            for predecessor in candidates:
                kind = "FS"
                if not fs_only and not task.milestone:
                    roll = rng.random()
                    kind = "SS" if roll < 0.12 else "FF" if roll < 0.20 else "FS"
                lag_minutes, lag_text = 0, ""
                if rng.random() < 0.25:
                    if rng.random() < 0.5:
                        hours = rng.randint(1, 8)
                        lag_minutes, lag_text = hours * 60, f"{hours}h"
                    else:
                        days = rng.randint(1, 5)
                        lag_minutes, lag_text = days * HOURS_PER_DAY * 60, f"{days}d"
                task.links.append((predecessor, kind, lag_minutes, lag_text))
        tasks.append(task)
    return tasks, packages, phases


def minutes_text(minutes: int) -> str:
    """Working minutes as plan duration text: whole or half days, else hours."""
    day = HOURS_PER_DAY * 60
    if minutes % (day // 2) == 0:
        return f"{minutes / day:g}d"
    return f"{minutes / 60:g}h"


def add_estimates(tasks: list[Task], seed: int) -> None:
    """A three-point estimate around the duration of every work task that is not a milestone."""
    rng = random.Random(seed * 104729 + 11)
    for task in tasks:
        if task.milestone:
            continue
        likely = task.minutes
        step = 60 if task.text.endswith("d") else 30
        low = round(likely * rng.uniform(0.6, 0.9) / step) * step
        low = min(max(step, low), likely)
        # Mostly a moderate tail (1.3-1.8 times), now and then a long one (up to 3 times).
        high = round(likely * (1.3 + 1.7 * rng.random() ** 2) / step) * step
        high = max(high, likely + step)
        task.estimate = (low, likely, high)


RISK_TITLES = ["Supplier delivers late", "Key person unavailable", "Requirements change",
               "Integration defects found late", "Permit or approval delayed",
               "Test environment unavailable", "Design rework after review",
               "Part fails qualification", "Third-party API changes", "Data migration issues"]


def generate_risks(tasks: list[Task], count: int, seed: int) -> list[Risk]:
    """`count` risk events, each on 2-5 work tasks close together in one phase."""
    rng = random.Random(seed * 15485863 + 29)
    work = [task.index for task in tasks if not task.milestone]
    risks: list[Risk] = []
    for r in range(count):
        centre = rng.randrange(len(work))
        phase = tasks[work[centre]].index // TASKS_PER_PHASE
        near = [i for i in work[max(0, centre - 50):centre + 50]
                if i // TASKS_PER_PHASE == phase]
        chosen = sorted(rng.sample(near, min(len(near), rng.randint(2, 5))))
        probability = round(rng.uniform(0.05, 0.4), 2)
        roll = rng.random()
        factor = delay = None
        if roll < 2 / 3:
            low = round(rng.uniform(1.0, 1.2), 2)
            likely = round(low + rng.uniform(0.1, 0.5), 2)
            factor = (low, likely, round(likely + rng.uniform(0.3, 1.5), 2))
        if roll >= 1 / 3:
            day = HOURS_PER_DAY * 60
            low = rng.randint(0, 3)
            likely = low + rng.randint(1, 5)
            delay = (low * day, likely * day, (likely + rng.randint(2, 15)) * day)
        title = f"{rng.choice(RISK_TITLES)} ({r + 1})"
        risks.append(Risk(f"r{r + 1}", title, probability, chosen, factor, delay))
    return risks


def pessimistic_minutes(tasks: list[Task], risks: list[Risk]) -> list[int]:
    """Every task at its pessimistic value, hit by every one of its risks at its worst."""
    minutes = [task.estimate[2] if task.estimate else task.minutes for task in tasks]
    for risk in risks:
        for index in risk.tasks:
            value = minutes[index] * (risk.factor[2] if risk.factor else 1)
            minutes[index] = round(value + (risk.delay[2] if risk.delay else 0))
    return minutes


def working_span_minutes(tasks: list[Task], minutes: list[int] | None = None) -> int:
    """Length of the longest path in working minutes (a rough forward pass, for the horizon)."""
    if minutes is None:
        minutes = [task.minutes for task in tasks]
    start = [0] * len(tasks)
    finish = [0] * len(tasks)
    for task in tasks:
        s, f = 0, 0
        for predecessor, kind, lag, _ in task.links:
            if kind == "FS":
                s = max(s, finish[predecessor] + lag)
            elif kind == "SS":
                s = max(s, start[predecessor] + lag)
            else:
                f = max(f, finish[predecessor] + lag)
        start[task.index] = max(s, f - minutes[task.index])
        finish[task.index] = start[task.index] + minutes[task.index]
    return max(finish, default=0)


def calendar_years(tasks: list[Task], minutes: list[int] | None = None) -> range:
    """The years the holiday calendar covers: the whole schedule with a generous margin."""
    working_days = working_span_minutes(tasks, minutes) / (HOURS_PER_DAY * 60)
    calendar_days = int(working_days * 7 / 5 * 1.15) + 60
    last = PROJECT_START + dt.timedelta(days=calendar_days)
    return range(PROJECT_START.year, last.year + 2)


def toml_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def write_plan(path: Path, title: str, tasks, packages, phases, years: range,
               resources: int = 0, seed: int = 1, risks: list[Risk] | None = None) -> None:
    out: list[str] = []
    w = out.append
    w(f"# Generated by bench/generate.py: {title}. Do not edit.\n\n")
    w("[project]\n")
    w(f"name = {toml_string(title)}\n")
    w(f"start = {PROJECT_START.isoformat()}\n")
    w('calendar = "office"\n\n')
    w("[calendars.office]\n")
    w('days = ["mon", "tue", "wed", "thu", "fri"]\n')
    w('hours = ["09:00-13:00", "14:00-18:00"]\n')
    w("holidays = [\n")
    for year in years:
        days, (closure_from, closure_to) = holidays(year)
        for name, day in days:
            w(f"    {day.isoformat()}, # {name}\n")
        w(f'    "{closure_from.isoformat()}..{closure_to.isoformat()}", # Christmas closure\n')
    w("]\n")
    # People for levelling: a few part-timers, each task staffed by one or two of them.
    staffing = random.Random(seed * 7919 + resources)
    for r in range(resources):
        units = 0.5 if r % 7 == 6 else 1.0
        w(f"\n[resources.p{r}]\nname = \"Person {r}\"\nunits = {units}\n")
    by_package: dict[str, list[Task]] = {}
    for task in tasks:
        by_package.setdefault(task.parent, []).append(task)
    packages_of: dict[str, list[tuple[str, str]]] = {}
    for package_id, name, phase_id in packages:
        packages_of.setdefault(phase_id, []).append((package_id, name))
    # Outline order: each phase, then each of its packages followed by the package's tasks.
    for phase_id, phase_name in phases:
        w(f"\n[tasks.{phase_id}]\nname = {toml_string(phase_name)}\n")
        for package_id, package_name in packages_of[phase_id]:
            w(f"\n[tasks.{package_id}]\nname = {toml_string(package_name)}\n"
              f'parent = "{phase_id}"\n')
            for task in by_package[package_id]:
                w(f"\n[tasks.{task.id}]\nname = {toml_string(task.name)}\n"
                  f'parent = "{package_id}"\n')
                if task.milestone:
                    w("milestone = true\n")
                elif task.estimate:
                    listed = ", ".join(f'"{minutes_text(m)}"' for m in task.estimate)
                    w(f"estimate = [{listed}]\n")
                else:
                    w(f'duration = "{task.text}"\n')
                    if resources:
                        people = staffing.sample(range(resources), staffing.choice([1, 1, 2]))
                        listed = ", ".join(
                            f'"p{p}"' if staffing.random() < 0.8 else f'"p{p} 50%"'
                            for p in people)
                        w(f"resources = [{listed}]\n")
                if task.links:
                    links = []
                    for predecessor, kind, _, lag_text in task.links:
                        text = tasks[predecessor].id
                        if kind != "FS" or lag_text:
                            text += f" {kind}"
                        if lag_text:
                            text += f"+{lag_text}"
                        links.append(f'"{text}"')
                    w(f"after = [{', '.join(links)}]\n")
    for risk in risks or []:
        w(f"\n[risks.{risk.id}]\ntitle = {toml_string(risk.title)}\n"
          f"probability = {risk.probability}\n"
          f"tasks = [{', '.join(toml_string(tasks[i].id) for i in risk.tasks)}]\n")
        if risk.factor:
            w(f"factor = [{', '.join(str(f) for f in risk.factor)}]\n")
        if risk.delay:
            w(f"delay = [{', '.join(toml_string(minutes_text(m)) for m in risk.delay)}]\n")
    path.write_text("".join(out), encoding="utf-8")


def write_tjp(path: Path, check_path: Path, title: str, tasks, packages, phases,
              years: range) -> None:
    out: list[str] = []
    w = out.append
    end = dt.date(years.stop, 1, 1)
    w(f"# Generated by bench/generate.py: {title}. Do not edit.\n")
    w(f'project bench {toml_string(title)} {PROJECT_START.isoformat()} - {end.isoformat()} {{\n')
    w('  timezone "UTC"\n')
    w("  timingresolution 60min\n")
    w(f"  dailyworkinghours {HOURS_PER_DAY}\n")
    w("  workinghours mon - fri 9:00 - 13:00, 14:00 - 18:00\n")
    w("  workinghours sat, sun off\n")
    w("}\n\n")
    entries = []
    for year in years:
        days, (closure_from, closure_to) = holidays(year)
        for name, day in days:
            entries.append(f'holiday "{name}" {day.isoformat()} +1d')
        length = (closure_to - closure_from).days + 1
        entries.append(f'holiday "Christmas closure" {closure_from.isoformat()} +{length}d')
    w("leaves " + ",\n       ".join(entries) + "\n")
    path_of: dict[int, str] = {}
    phase_of = {package_id: phase_id for package_id, _, phase_id in packages}
    for task in tasks:
        path_of[task.index] = f"{phase_of[task.parent]}.{task.parent}.{task.id}"
    by_package: dict[str, list[Task]] = {}
    for task in tasks:
        by_package.setdefault(task.parent, []).append(task)
    packages_of: dict[str, list[tuple[str, str]]] = {}
    for package_id, name, phase_id in packages:
        packages_of.setdefault(phase_id, []).append((package_id, name))
    for phase_id, phase_name in phases:
        w(f"\ntask {phase_id} {toml_string(phase_name)} {{\n")
        for package_id, package_name in packages_of[phase_id]:
            w(f"  task {package_id} {toml_string(package_name)} {{\n")
            for task in by_package[package_id]:
                w(f"    task {task.id} {toml_string(task.name)} {{\n")
                if task.index == 0:
                    w(f"      start {PROJECT_START.isoformat()}\n")
                if task.milestone:
                    w("      milestone\n")
                else:
                    w(f"      length {task.text}\n")
                if task.links:
                    depends = []
                    for predecessor, kind, lag_minutes, lag_text in task.links:
                        if kind != "FS":
                            raise ValueError("the .tjp needs a finish-to-start network")
                        text = path_of[predecessor]
                        if lag_text:
                            text += f" {{ gaplength {lag_text} }}"
                        depends.append(text)
                    w(f"      depends {', '.join(depends)}\n")
                elif task.index > 0:
                    w(f"      start {PROJECT_START.isoformat()}\n")
                w("    }\n")
            w("  }\n")
        w("}\n")
    path.write_text("".join(out), encoding="utf-8")
    # Dates as TaskJuggler computes them, for comparing with `waymark schedule --json`.
    check_path.write_text(
        f'taskreport check "{path.stem}-dates" {{\n'
        '  formats csv\n'
        '  columns id, start, end\n'
        '  timeformat "%Y-%m-%dT%H:%M"\n'
        '  hideresource 1\n'
        '}\n',
        encoding="utf-8",
    )


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tasks", "-n", type=int, required=True, help="number of work tasks")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    parser.add_argument("--fs-only", action="store_true",
                        help="finish-to-start links only (needed for the TaskJuggler file)")
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "out",
                        help="output directory (default bench/out)")
    parser.add_argument("--name", help="base name of the files (default n<TASKS>[-fs])")
    parser.add_argument("--resources", type=int, default=0,
                        help="add this many people and assign one or two to every task "
                             "(for levelling benchmarks)")
    parser.add_argument("--links-per-task", type=float, metavar="X",
                        help="average number of links per work task (default: about 3)")
    parser.add_argument("--estimates", action="store_true",
                        help="three-point estimates instead of durations (for forecasting)")
    parser.add_argument("--risks", type=int, default=0, metavar="K",
                        help="add K risk events (for forecasting)")
    args = parser.parse_args(argv)
    if args.tasks < 1:
        parser.error("--tasks must be at least 1")
    if args.links_per_task is not None and not 0 <= args.links_per_task <= 20:
        parser.error("--links-per-task must be between 0 and 20")
    if args.risks < 0:
        parser.error("--risks must not be negative")
    name = args.name or (f"n{args.tasks}{'-fs' if args.fs_only else ''}"
                         + (f"-r{args.resources}" if args.resources else "")
                         + (f"-l{args.links_per_task:g}" if args.links_per_task is not None
                            else "")
                         + ("-est" if args.estimates else "")
                         + (f"-risks{args.risks}" if args.risks else ""))
    args.out.mkdir(parents=True, exist_ok=True)
    tasks, packages, phases = generate(args.tasks, args.seed, args.fs_only, args.links_per_task)
    if args.estimates:
        add_estimates(tasks, args.seed)
    risks = generate_risks(tasks, args.risks, args.seed) if args.risks else []
    years = calendar_years(tasks, pessimistic_minutes(tasks, risks)
                           if args.estimates or risks else None)
    links = sum(len(task.links) for task in tasks)
    title = (f"Benchmark network, {args.tasks} work tasks, {links} links, seed {args.seed}"
             + (", FS links only" if args.fs_only else "")
             + (", three-point estimates" if args.estimates else "")
             + (f", {len(risks)} risks" if risks else ""))
    plan_path = args.out / f"{name}.plan.toml"
    write_plan(plan_path, title, tasks, packages, phases, years, args.resources, args.seed,
               risks)
    written = [plan_path]
    if args.fs_only:
        tjp_path = args.out / f"{name}.tjp"
        check_path = args.out / f"{name}.check.tji"
        write_tjp(tjp_path, check_path, title, tasks, packages, phases, years)
        written += [tjp_path, check_path]
    print(f"{args.tasks} work tasks + {len(packages)} work packages + {len(phases)} phases, "
          f"{links} links" + (", estimates" if args.estimates else "")
          + (f", {len(risks)} risks" if risks else "")
          + f", holidays {years.start}-{years.stop - 1}: "
          + ", ".join(str(p) for p in written))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
