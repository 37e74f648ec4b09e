//! The critical-path passes alone: `waymark_core::schedule` on an in-memory plan of 100,000 work
//! tasks (plus 2,100 summary tasks) and about 300,000 links on a calendar with holidays.
//!
//! The plan is built directly from the model types, so this measures the engine only: no file
//! reading, TOML or JSON. It has the same shape as the networks `bench/generate.py` writes (see
//! `bench/README.md`), drawn from a small built-in generator so the bench needs no `rand`.
//! Run with `cargo bench -p waymark-core --bench schedule`.

use chrono::{Datelike, NaiveDate};
use criterion::{black_box, criterion_group, criterion_main, Criterion};
use waymark_core::time::{self, DAY};
use waymark_core::{
    Calendar, CalendarException, CalendarId, Interval, Lag, Link, LinkKind, Plan, Project, Task,
    TaskId,
};

const WORK_TASKS: usize = 100_000;
const TASKS_PER_PACKAGE: usize = 50;
const TASKS_PER_PHASE: usize = 1_000;
const WINDOW: u64 = 150;
const MINUTES_PER_DAY: i64 = 480;

/// SplitMix64: a tiny deterministic generator, good enough to draw a benchmark network.
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..bound`.
    fn below(&mut self, bound: u64) -> u64 {
        self.next() % bound
    }

    /// A probability test.
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

fn date(year: i32, month: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, month, day).expect("valid benchmark date")
}

/// Twelve holidays a year and the closure from 24 to 31 December, 2027-2032 (the network runs
/// about three years). Easter-based holidays are left at fixed dates: only their count matters.
fn holidays() -> Vec<CalendarException> {
    let mut exceptions = Vec::new();
    for year in 2027..=2032 {
        for (month, day) in [
            (1, 1),
            (1, 6),
            (4, 2),
            (4, 5),
            (5, 1),
            (5, 13),
            (5, 24),
            (6, 3),
            (6, 24),
            (8, 15),
            (10, 3),
            (11, 1),
        ] {
            let day = date(year, month, day);
            exceptions.push(CalendarException {
                from: day,
                to: day,
                hours: Vec::new(),
            });
        }
        exceptions.push(CalendarException {
            from: date(year, 12, 24),
            to: date(year, 12, 31),
            hours: Vec::new(),
        });
    }
    exceptions
}

fn office_calendar() -> Calendar {
    let day = vec![
        Interval::new(9 * 60, 13 * 60).expect("morning"),
        Interval::new(14 * 60, 18 * 60).expect("afternoon"),
    ];
    let mut week: [Option<Vec<Interval>>; 7] = Default::default();
    for (index, slot) in week.iter_mut().enumerate() {
        *slot = Some(if index < 5 { day.clone() } else { Vec::new() });
    }
    Calendar {
        id: "office".into(),
        name: "Office".into(),
        base: None,
        week,
        exceptions: holidays(),
    }
}

/// Phases (one per 1,000 work tasks) of work packages (one per 50) of work tasks, in outline
/// order; each package ends with a milestone. Phases are parallel streams: a task links to about
/// three earlier tasks, mostly recent ones of its own phase, sometimes to one at the same point
/// of an earlier phase. Mostly FS, some SS and FF, a quarter with a working-time lag.
fn network() -> Plan {
    let start = date(2027, 1, 4);
    assert_eq!(start.weekday(), chrono::Weekday::Mon);
    let mut random = SplitMix(1);
    let mut tasks: Vec<Task> = Vec::new();
    let mut links: Vec<Link> = Vec::new();
    // Plan index of every work task, by work-task number.
    let mut work: Vec<usize> = Vec::with_capacity(WORK_TASKS);
    let mut phase = 0;
    let mut package = 0;
    for number in 0..WORK_TASKS {
        if number % TASKS_PER_PHASE == 0 {
            phase = tasks.len();
            tasks.push(Task {
                id: format!("ph{}", number / TASKS_PER_PHASE + 1),
                ..Task::default()
            });
        }
        if number % TASKS_PER_PACKAGE == 0 {
            package = tasks.len();
            tasks.push(Task {
                id: format!("wp{}", number / TASKS_PER_PACKAGE + 1),
                parent: Some(TaskId(phase)),
                ..Task::default()
            });
        }
        let local = number % TASKS_PER_PACKAGE;
        let milestone = local == TASKS_PER_PACKAGE - 1;
        let duration = if milestone {
            0
        } else if random.chance(12) {
            (2 + random.below(15) as i64) * 60
        } else {
            (1 + random.below(10) as i64) * MINUTES_PER_DAY
        };
        let index = tasks.len();
        tasks.push(Task {
            id: format!("t{}", number + 1),
            parent: Some(TaskId(package)),
            duration,
            milestone,
            ..Task::default()
        });
        work.push(index);

        let in_phase = number % TASKS_PER_PHASE;
        let phase_first = number - in_phase;
        let mut predecessors: Vec<usize> = Vec::new();
        let wanted = if milestone {
            3
        } else {
            [2, 3, 3, 4][random.below(4) as usize]
        }
        .min(if milestone { local } else { in_phase });
        while predecessors.len() < wanted {
            let roll = random.below(100);
            let candidate = if milestone {
                number - 1 - random.below(local as u64) as usize
            } else if roll < 5 && phase_first > 0 {
                let other = random.below((phase_first / TASKS_PER_PHASE) as u64) as usize;
                other * TASKS_PER_PHASE + in_phase.saturating_sub(1 + random.below(WINDOW) as usize)
            } else if roll < 10 {
                phase_first + random.below(in_phase as u64) as usize
            } else {
                // Roughly geometric: most links reach back a few tasks, some up to WINDOW.
                let back = (random.below(WINDOW) * random.below(WINDOW) / WINDOW) as usize;
                number - 1 - back.min(in_phase - 1)
            };
            if !predecessors.contains(&candidate) {
                predecessors.push(candidate);
            }
        }
        for predecessor in predecessors {
            let kind = match (milestone, random.below(100)) {
                (false, 0..=11) => LinkKind::StartToStart,
                (false, 12..=19) => LinkKind::FinishToFinish,
                _ => LinkKind::FinishToStart,
            };
            let lag = match random.below(8) {
                0 => Lag::Working((1 + random.below(8) as i64) * 60),
                1 => Lag::Working((1 + random.below(5) as i64) * MINUTES_PER_DAY),
                _ => Lag::Working(0),
            };
            links.push(Link {
                predecessor: TaskId(work[predecessor]),
                successor: TaskId(index),
                kind,
                lag,
                location: None,
            });
        }
    }
    Plan {
        project: Project {
            name: "Benchmark network".into(),
            start: time::day_start(start) + 9 * 60,
            calendar: CalendarId(0),
            ..Project::default()
        },
        calendars: vec![office_calendar()],
        tasks,
        links,
        ..Plan::default()
    }
}

fn bench_schedule(c: &mut Criterion) {
    let plan = network();
    let computed = waymark_core::schedule(&plan).expect("the benchmark network schedules");
    let summaries = plan.tasks.len() - WORK_TASKS;
    eprintln!(
        "network: {WORK_TASKS} work tasks + {summaries} summary tasks, {} links; finish day {}",
        plan.links.len(),
        time::date_of_day(computed.finish.div_euclid(DAY)),
    );
    let mut group = c.benchmark_group("schedule");
    group.sample_size(20);
    group.bench_function("100k tasks, 300k links, holidays", |b| {
        b.iter(|| waymark_core::schedule(black_box(&plan)))
    });
    group.finish();
}

criterion_group!(benches, bench_schedule);
criterion_main!(benches);
