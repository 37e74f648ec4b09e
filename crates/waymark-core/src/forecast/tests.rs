//! Forecast tests against known answers, with tolerances of four standard errors.

use super::*;
use crate::model::{Distribution, Risk, RiskStatus, TaskId};
use crate::schedule::tests::parse;

const DAY: f64 = 480.0;

/// The forecast on two threads (any number gives the same answer).
fn forecast(plan: &Plan, options: &ForecastOptions) -> Result<Forecast, ScheduleError> {
    super::forecast(plan, options, 2)
}

/// A plan from the test language with three-point estimates in days (`id: low, likely, high`).
fn with_estimates(text: &str, estimates: &[(&str, [f64; 3])], distribution: Distribution) -> Plan {
    let mut plan = parse(text);
    for (id, [low, likely, high]) in estimates {
        let task = plan.tasks.iter_mut().find(|t| t.id == *id).unwrap();
        task.estimate = Some([
            (low * DAY) as i64,
            (likely * DAY) as i64,
            (high * DAY) as i64,
        ]);
        task.distribution = distribution;
        task.duration = (likely * DAY) as i64;
    }
    plan
}

fn probability_within(forecast: &Forecast, days: f64) -> f64 {
    let limit = (days * DAY) as i64;
    forecast
        .working_minutes
        .iter()
        .filter(|&&w| w <= limit)
        .count() as f64
        / forecast.working_minutes.len() as f64
}

fn four_standard_errors(p: f64, n: u32) -> f64 {
    4.0 * (p * (1.0 - p) / f64::from(n)).sqrt()
}

#[test]
fn wikipedia_pert_network() {
    // The PERT example network (tasks A-G) of Wikipedia's "Program evaluation and review
    // technique": critical path A-C-E-G of 19.5 days on PERT means; with Beta-PERT sampling
    // P(T <= 21 days) = 0.8476.
    let plan = with_estimates(
        "A 4d\nB 5d\nC 5d after A\nD 6d after A\nE 5d after B, C\nF 4d after D\nG 5d after E",
        &[
            ("A", [2.0, 4.0, 6.0]),
            ("B", [3.0, 5.0, 9.0]),
            ("C", [4.0, 5.0, 7.0]),
            ("D", [4.0, 6.0, 10.0]),
            ("E", [4.0, 5.0, 7.0]),
            ("F", [3.0, 4.0, 8.0]),
            ("G", [3.0, 5.0, 8.0]),
        ],
        Distribution::Pert,
    );
    let n = 20_000;
    let forecast = forecast(
        &plan,
        &ForecastOptions {
            iterations: n,
            seed: 11,
        },
    )
    .unwrap();
    let p = probability_within(&forecast, 21.0);
    assert!(
        (p - 0.8476).abs() < four_standard_errors(0.8476, n),
        "P(T <= 21 d) = {p}"
    );
    // A, C, E and G are critical most of the time; B rarely.
    assert!(forecast.criticality[0] > 0.6 && forecast.criticality[1] < 0.4);
    assert!(forecast.sensitivity[0] > forecast.sensitivity[5]);
}

#[test]
fn general_foundry_shows_merge_bias() {
    // Render, Stair and Hanna's General Foundry network (weeks): simulation gives
    // P(T <= 16) = 0.6904, below the 0.7146 of the PERT formula.
    let plan = with_estimates(
        "A 2d\nB 3d\nC 2d after A\nD 4d after B\nE 4d after C\nF 3d after C\nG 5d after D, E\nH 2d after F, G",
        &[
            ("A", [1.0, 2.0, 3.0]),
            ("B", [2.0, 3.0, 4.0]),
            ("C", [1.0, 2.0, 3.0]),
            ("D", [2.0, 4.0, 6.0]),
            ("E", [1.0, 4.0, 7.0]),
            ("F", [1.0, 2.0, 9.0]),
            ("G", [3.0, 4.0, 11.0]),
            ("H", [1.0, 2.0, 3.0]),
        ],
        Distribution::Pert,
    );
    let n = 20_000;
    let forecast = forecast(
        &plan,
        &ForecastOptions {
            iterations: n,
            seed: 5,
        },
    )
    .unwrap();
    let p = probability_within(&forecast, 16.0);
    assert!(
        (p - 0.6904).abs() < four_standard_errors(0.6904, n),
        "P(T <= 16) = {p}"
    );
    assert!(p < 0.7146 - four_standard_errors(0.6904, n));
}

#[test]
fn expected_maximum_of_uniform_tasks() {
    // Three parallel tasks, each uniform on 0..10 days: E[max] = 3/4 of 10 days.
    let plan = with_estimates(
        "A 5d\nB 5d\nC 5d",
        &[
            ("A", [0.0, 5.0, 10.0]),
            ("B", [0.0, 5.0, 10.0]),
            ("C", [0.0, 5.0, 10.0]),
        ],
        Distribution::Uniform,
    );
    let n = 20_000;
    let forecast = forecast(
        &plan,
        &ForecastOptions {
            iterations: n,
            seed: 3,
        },
    )
    .unwrap();
    let mean = forecast.working_minutes.iter().sum::<i64>() as f64 / f64::from(n) / DAY;
    // The max of 3 uniforms has standard deviation sqrt(3/80) of the range.
    let standard_error = 10.0 * (3.0f64 / 80.0).sqrt() / f64::from(n).sqrt();
    assert!((mean - 7.5).abs() < 4.0 * standard_error, "mean {mean}");
}

#[test]
fn a_risk_event_mixes_two_distributions() {
    // One task uniform on 10..20 days and a 40 % risk adding 5 days:
    // P(T <= 18) = 0.6 F(18) + 0.4 F(13) = 0.6 * 0.8 + 0.4 * 0.3 = 0.6.
    let mut plan = with_estimates("A 15d", &[("A", [10.0, 15.0, 20.0])], Distribution::Uniform);
    plan.risks.push(Risk {
        id: "late".into(),
        title: "Late".into(),
        probability: 0.4,
        tasks: vec![TaskId(0)],
        factor: None,
        delay: Some([2400, 2400, 2400]),
        ..Risk::default()
    });
    let n = 20_000;
    let forecast = forecast(
        &plan,
        &ForecastOptions {
            iterations: n,
            seed: 9,
        },
    )
    .unwrap();
    let p = probability_within(&forecast, 18.0);
    assert!(
        (p - 0.6).abs() < four_standard_errors(0.6, n),
        "P(T <= 18) = {p}"
    );
    // Without the risk the P80 is 18 days instead of 20: it costs about 2 days at P80.
    let saved = forecast.risk_p80_saved[0] as f64 / DAY;
    assert!((saved - 2.0).abs() < 0.3, "{saved}");
}

#[test]
fn same_seed_same_forecast_and_percentiles_are_ordered() {
    let plan = with_estimates(
        "A 4d\nB 5d after A",
        &[("A", [2.0, 4.0, 9.0]), ("B", [3.0, 5.0, 12.0])],
        Distribution::Triangular,
    );
    let options = ForecastOptions {
        iterations: 2_000,
        seed: 42,
    };
    let first = forecast(&plan, &options).unwrap();
    let second = forecast(&plan, &options).unwrap();
    assert_eq!(first.working_minutes, second.working_minutes);
    let levels = [0.1, 0.5, 0.8, 0.9, 0.95];
    for pair in levels.windows(2) {
        assert!(first.percentile_minutes(pair[0]) <= first.percentile_minutes(pair[1]));
    }
}

#[test]
fn any_number_of_threads_gives_the_same_forecast() {
    // Summaries, mixed distributions, a risk and a deadline: everything the forecast reports
    // is bit-identical on one thread and on three, on the fast kernel and on the full
    // scheduler.
    let mut plan = with_estimates(
        "A 4d\nB 5d after A\nC 3d after A\nD 2d after B, C deadline=9\nE 1d after D",
        &[
            ("A", [2.0, 4.0, 9.0]),
            ("B", [3.0, 5.0, 12.0]),
            ("C", [1.0, 3.0, 8.0]),
        ],
        Distribution::Triangular,
    );
    plan.tasks[1].distribution = Distribution::Pert;
    plan.risks.push(Risk {
        id: "r".into(),
        title: "R".into(),
        probability: 0.3,
        tasks: vec![TaskId(2)],
        factor: Some([1.1, 1.5, 2.0]),
        delay: None,
        ..Risk::default()
    });
    let options = ForecastOptions {
        iterations: 1_001,
        seed: 5,
    };
    let one = forecast_with(&plan, &options, 1, true).unwrap();
    let three = forecast_with(&plan, &options, 3, true).unwrap();
    assert_eq!(one, three);
    let slow_one = forecast_with(&plan, &options, 1, false).unwrap();
    let slow_three = forecast_with(&plan, &options, 3, false).unwrap();
    assert_eq!(slow_one, slow_three);
    assert_eq!(one, slow_one);
    assert_eq!(one.task_deadlines.len(), 1);
    assert!(one.sensitivity[1] > 0.3, "{:?}", one.sensitivity);
}

#[test]
fn a_task_deadline_is_met_with_the_probability_of_its_distribution() {
    // One task uniform on 2..12 days with a deadline at the end of day 7 (8 working days):
    // P(T <= 8 d) = 0.6.
    let plan = with_estimates(
        "A 5d deadline=7",
        &[("A", [2.0, 5.0, 12.0])],
        Distribution::Uniform,
    );
    let n = 20_000;
    let forecast = forecast(
        &plan,
        &ForecastOptions {
            iterations: n,
            seed: 3,
        },
    )
    .unwrap();
    let p = forecast.task_deadlines[0].probability;
    assert!((p - 0.6).abs() < four_standard_errors(0.6, n), "{p}");
}

#[test]
fn costs_follow_the_sampled_hours() {
    // Half of a 100/h person on a task uniform on 10..20 days: the cost is 50 * 8 * days,
    // so its P50 is 6,000 and its P90 is 7,600.
    let mut plan = with_estimates("A 15d", &[("A", [10.0, 15.0, 20.0])], Distribution::Uniform);
    plan.resources.push(crate::model::Resource {
        id: "ana".into(),
        name: "Ana".into(),
        units: 1.0,
        rate: Some(100.0),
        ..Default::default()
    });
    plan.tasks[0].assignments.push(crate::model::Assignment {
        resource: crate::model::ResourceId(0),
        units: 0.5,
    });
    let costs = forecast(
        &plan,
        &ForecastOptions {
            iterations: 20_000,
            seed: 1,
        },
    )
    .unwrap();
    let p50 = costs.percentile_cost(0.5).unwrap();
    let p90 = costs.percentile_cost(0.9).unwrap();
    assert!((p50 - 6_000.0).abs() < 40.0, "{p50}");
    assert!((p90 - 7_600.0).abs() < 40.0, "{p90}");
    let no_cost = with_estimates("A 15d", &[], Distribution::Uniform);
    let none = forecast(
        &no_cost,
        &ForecastOptions {
            iterations: 10,
            seed: 1,
        },
    )
    .unwrap();
    assert_eq!(none.percentile_cost(0.5), None);
}

/// A plan with three milestones after uncertain tasks and a risk on the first task; `deadline`
/// puts a deadline (`deadline=N` is the end of day N counting from 0) on the second.
fn milestone_plan(deadline: &str) -> Plan {
    let text = format!(
        "A 4d\nM1 0 after A\nB 3d after M1\nC 2d after A\nM2 0 after B, C {deadline}\nDone 0 after M2"
    );
    let mut plan = with_estimates(
        &text,
        &[("A", [2.0, 4.0, 9.0]), ("B", [2.0, 3.0, 6.0])],
        Distribution::Pert,
    );
    plan.risks.push(Risk {
        id: "r".into(),
        title: "R".into(),
        probability: 0.3,
        tasks: vec![TaskId(0)],
        delay: Some([240, 480, 960]),
        ..Risk::default()
    });
    plan
}

#[test]
fn without_variance_every_milestone_makes_its_scheduled_date() {
    // M1's deadline (day 4) is a day after its date, M2's (day 5) a day before.
    let plan = parse("A 4d\nM1 0 after A deadline=4\nB 3d after M1\nM2 0 after B deadline=5");
    let result = forecast(&plan, &ForecastOptions::DEFAULT).unwrap();
    let planned = crate::schedule(&plan).unwrap();
    let chances: Vec<_> = result
        .milestones
        .iter()
        .map(|m| (m.task.0, m.date, m.by_date, m.deadline.map(|(_, p)| p)))
        .collect();
    assert_eq!(
        chances,
        [
            (1, planned.tasks[1].finish, 1.0, Some(1.0)),
            (3, planned.tasks[3].finish, 1.0, Some(0.0)),
        ]
    );
}

#[test]
fn milestones_reached_or_summaries_have_no_chances() {
    let mut plan = parse("A 4d\nM1 0 after A\nM2 0 after M1\nB 1d after M2");
    plan.tasks[1].progress = 1.0;
    let result = forecast(&plan, &ForecastOptions::DEFAULT).unwrap();
    let tasks: Vec<usize> = result.milestones.iter().map(|m| m.task.0).collect();
    assert_eq!(tasks, [2]);
}

#[test]
fn milestone_chances_are_a_count_over_the_schedules_of_the_iterations() {
    // The oracle: every iteration's durations (the model's draws) through `schedule_with`,
    // counting the iterations in which each milestone finished by its date and by its
    // deadline, in working time on its calendar.
    let options = ForecastOptions {
        iterations: 500,
        seed: 7,
    };
    let milestones = [1usize, 4, 5];
    for (deadline, fast) in [("", true), ("deadline=7", false)] {
        let plan = milestone_plan(deadline);
        let calendars = TaskCalendars::new(&plan).unwrap();
        let model = Model::new(&plan, &calendars, options.seed, Vec::new());
        // A deadline on a milestone sends the task deadlines (not these chances) to the full
        // scheduler; without one the plan runs on the kernel.
        assert_eq!(Engine::new(&model, true).kernel.is_some(), fast);
        let planned = crate::schedule(&plan).unwrap();
        let w = |task: usize, at: Instant| calendars.of(TaskId(task)).w(at);
        let mut by_date = [0u32; 3];
        let mut by_deadline = [0u32; 3];
        for k in 0..u64::from(options.iterations) {
            let key = iteration_key(options.seed, k);
            let lengths: Vec<i64> = (0..plan.tasks.len())
                .map(|task| i64::from(model.duration(key, task, None)))
                .collect();
            let schedule = schedule_with(&plan, &calendars, &lengths).unwrap();
            for (index, &m) in milestones.iter().enumerate() {
                let finish = w(m, schedule.tasks[m].finish);
                by_date[index] += u32::from(finish <= w(m, planned.tasks[m].finish));
                if let Some(deadline) = plan.tasks[m].deadline {
                    by_deadline[index] += u32::from(finish <= w(m, deadline));
                }
            }
        }
        let share = |count: u32| f64::from(count) / f64::from(options.iterations);
        let expected: Vec<_> = milestones
            .iter()
            .enumerate()
            .map(|(index, &m)| {
                let deadline = plan.tasks[m].deadline;
                let deadline = deadline.map(|date| (date, share(by_deadline[index])));
                (m, share(by_date[index]), deadline)
            })
            .collect();
        let result = forecast(&plan, &options).unwrap();
        let got: Vec<_> = result
            .milestones
            .iter()
            .map(|m| (m.task.0, m.by_date, m.deadline))
            .collect();
        assert_eq!(got, expected);
        // Uncertain work before a milestone makes its scheduled date a toss, not a certainty.
        assert!(
            got.iter().all(|(_, p, _)| *p > 0.05 && *p < 0.95),
            "{got:?}"
        );
        let slow = forecast_with(&plan, &options, 2, false).unwrap();
        assert_eq!(slow.milestones, result.milestones);
    }
}

mod fast_path {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]

        /// The fast kernel computes what the full scheduler computes, on random networks with
        /// summaries, all link types, working and percentage lags, milestones, start-no-earlier
        /// constraints and deadlines.
        #[test]
        fn the_kernel_equals_the_scheduler(
            tasks in proptest::collection::vec((0u32..6, 1u32..4, 0u32..6), 2..10),
            links in proptest::collection::vec((0usize..10, 0usize..10, 0u8..4, -2i32..3, any::<bool>()), 0..14),
            parents in proptest::collection::vec(proptest::option::of(0usize..10), 10),
            snet in proptest::option::of((0usize..10, 0i64..8)),
            deadline in proptest::option::of((0usize..10, 1i64..12)),
            seed in 0u64..1000,
        ) {
            let n = tasks.len();
            let mut text = String::new();
            for (i, (likely, _, _)) in tasks.iter().enumerate() {
                let duration = if *likely == 0 { "0".to_string() } else { format!("{likely}d") };
                let mut line = format!("T{i} {duration}");
                let preds: Vec<String> = links
                    .iter()
                    .filter(|(a, b, ..)| a % n < b % n && b % n == i)
                    .map(|(a, _, kind, lag, percent)| {
                        let kind = ["FS", "SS", "FF", "SF"][*kind as usize];
                        let lag = if *percent {
                            format!("{:+}%", lag * 25)
                        } else {
                            format!("{lag:+}d")
                        };
                        format!("T{} {kind}{lag}", a % n)
                    })
                    .collect();
                if !preds.is_empty() {
                    line.push_str(&format!(" after {}", preds.join(", ")));
                }
                if let Some(Some(parent)) = parents.get(i) {
                    if parent % n < i {
                        line.push_str(&format!(" parent=T{}", parent % n));
                    }
                }
                if let Some((task, day)) = snet {
                    if task % n == i {
                        line.push_str(&format!(" snet={day}"));
                    }
                }
                if let Some((task, day)) = deadline {
                    if task % n == i {
                        line.push_str(&format!(" deadline={day}"));
                    }
                }
                text.push_str(&line);
                text.push('\n');
            }
            let mut plan = parse(&text);
            // Links between a task and its own ancestor would be cycles; skip those plans.
            prop_assume!(crate::schedule(&plan).is_ok());
            for (task, (likely, low, high)) in plan.tasks.iter_mut().zip(&tasks) {
                if *likely > 0 {
                    let likely = f64::from(*likely) * DAY;
                    task.estimate = Some([
                        (likely - f64::from(*low) * 60.0) as i64,
                        likely as i64,
                        (likely + f64::from(*high) * 120.0) as i64,
                    ]);
                }
            }
            let options = ForecastOptions { iterations: 30, seed };
            let fast = forecast_with(&plan, &options, 1, true).unwrap();
            let slow = forecast_with(&plan, &options, 1, false).unwrap();
            prop_assert_eq!(&fast.working_minutes, &slow.working_minutes);
            prop_assert_eq!(&fast.criticality, &slow.criticality);
            prop_assert_eq!(&fast.sensitivity, &slow.sensitivity);
            prop_assert_eq!(&fast.task_deadlines, &slow.task_deadlines);
            prop_assert_eq!(&fast.milestones, &slow.milestones);
        }
    }
}

#[test]
fn red_flags_take_the_timeline_check_from_the_forecast() {
    use crate::doctor::{red_flags, timeline_applies};
    // PERT means 5.5 + 6.67 days against a deadline at the end of day 10 (11 working days):
    // about a 30 % chance, a warning.
    let mut plan = with_estimates(
        "A 5d\nB 6d after A",
        &[("A", [3.0, 5.0, 10.0]), ("B", [4.0, 6.0, 12.0])],
        Distribution::Pert,
    );
    assert!(!timeline_applies(&plan));
    let calendar = crate::calendar::WorkCalendar::compile(&plan.calendars, 0).unwrap();
    plan.project.deadline = Some(calendar.add(plan.project.start, 11 * 480, Edge::Finish));
    assert!(timeline_applies(&plan));
    let forecast = forecast(&plan, &ForecastOptions::DEFAULT).unwrap();
    let with = red_flags(&plan, Some(&forecast));
    let flag = with
        .iter()
        .find(|d| d.code == "unrealistic-timeline")
        .expect("the timeline flag");
    assert_eq!(flag.severity, crate::Severity::Warning);
    let without = red_flags(&plan, None);
    assert!(without.iter().all(|d| d.code != "unrealistic-timeline"));
    // A cycle is all a plan that cannot be scheduled reports.
    let cyclic = parse("A 1d after B\nB 1d after A");
    let flags = red_flags(&cyclic, None);
    assert!(!flags.is_empty());
    assert!(
        flags.iter().all(|d| d.code == "dependency-cycle"),
        "{flags:?}"
    );
}

#[test]
fn a_closed_risk_changes_nothing() {
    let base = with_estimates(
        "A 4d\nB 5d after A\nC 3d after A",
        &[("A", [2.0, 4.0, 9.0]), ("B", [3.0, 5.0, 12.0])],
        Distribution::Pert,
    );
    let open_risk = Risk {
        id: "late".into(),
        title: "Late".into(),
        probability: 0.6,
        tasks: vec![TaskId(1)],
        delay: Some([2400, 4800, 9600]),
        ..Risk::default()
    };
    let other = Risk {
        id: "slow".into(),
        title: "Slow".into(),
        probability: 0.3,
        tasks: vec![TaskId(2)],
        factor: Some([1.2, 1.5, 3.0]),
        ..Risk::default()
    };
    let options = ForecastOptions {
        iterations: 2_000,
        seed: 3,
    };
    let mut with_other = base.clone();
    with_other.risks.push(other.clone());
    let mut closed = with_other.clone();
    closed.risks.push(Risk {
        status: RiskStatus::Closed,
        ..open_risk
    });
    let mut open = closed.clone();
    open.risks[1].status = RiskStatus::Open;

    let expected = forecast(&with_other, &options).unwrap();
    let got = forecast(&closed, &options).unwrap();
    assert_eq!(got.finishes, expected.finishes);
    assert_eq!(got.working_minutes, expected.working_minutes);
    assert_eq!(got.criticality, expected.criticality);
    assert_eq!(got.risk_p80_saved, [expected.risk_p80_saved[0], 0]);
    // Open, the same risk does move the finish.
    let opened = forecast(&open, &options).unwrap();
    assert_ne!(opened.working_minutes, expected.working_minutes);
    assert!(opened.risk_p80_saved[1] > 0);
}
