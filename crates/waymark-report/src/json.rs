//! The JSON documents of the command line's `--json` (the contract in docs/cli.md), built from
//! the engine's results. The `waymark` binary prints them and the server answers with them, so
//! both give the same JSON for the same plan: the shapes are written once, here.
//!
//! Like the rest of this crate it is pure: results in, serialisable values out.

use serde::Serialize;
use waymark_core::forecast::Forecast;
use waymark_core::level::{Levelled, Pool, UnresolvedReason};
use waymark_core::{time, Diagnostic, Plan, Schedule};

/// The `waymark schedule --json` document.
#[derive(Serialize)]
pub struct ScheduleJson {
    pub project: ProjectJson,
    pub tasks: Vec<TaskJson>,
}

#[derive(Serialize)]
pub struct ProjectJson {
    pub name: String,
    pub start: String,
    pub finish: String,
    pub status_date: Option<String>,
    pub deadline: Option<String>,
    pub minutes_per_day: i64,
}

#[derive(Serialize)]
pub struct TaskJson {
    pub id: String,
    pub name: String,
    pub parent: Option<String>,
    pub outline_level: usize,
    pub summary: bool,
    pub milestone: bool,
    pub start: String,
    pub finish: String,
    pub early_start: String,
    pub early_finish: String,
    pub late_start: String,
    pub late_finish: String,
    pub duration_minutes: i64,
    pub total_float_minutes: i64,
    pub free_float_minutes: i64,
    pub critical: bool,
    pub progress: f64,
    pub predecessors: Vec<LinkJson>,
}

#[derive(Serialize)]
pub struct LinkJson {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub lag_minutes: i64,
    pub lag_kind: &'static str,
}

pub fn schedule_json(plan: &Plan, schedule: &Schedule) -> ScheduleJson {
    let depth = plan.depths();
    let mut predecessors: Vec<Vec<LinkJson>> = plan.tasks.iter().map(|_| Vec::new()).collect();
    for link in &plan.links {
        let (lag_minutes, lag_kind) = match link.lag {
            waymark_core::Lag::Working(m) => (m, "working"),
            waymark_core::Lag::Elapsed(m) => (m, "elapsed"),
            waymark_core::Lag::Percent(p) => {
                let d = plan.tasks[link.predecessor.0].duration;
                ((p * d as f64).round() as i64, "percent")
            }
        };
        predecessors[link.successor.0].push(LinkJson {
            id: plan.tasks[link.predecessor.0].id.clone(),
            kind: link.kind.code(),
            lag_minutes,
            lag_kind,
        });
    }
    let tasks = plan
        .tasks
        .iter()
        .zip(&schedule.tasks)
        .zip(predecessors)
        .enumerate()
        .map(|(index, ((task, dates), predecessors))| TaskJson {
            id: task.id.clone(),
            name: task.name.clone(),
            parent: task.parent.map(|p| plan.tasks[p.0].id.clone()),
            outline_level: depth[index] + 1,
            summary: dates.summary,
            milestone: crate::rows::bar_kind(task, dates) == crate::gantt::BarKind::Milestone,
            start: iso(dates.start),
            finish: iso(dates.finish),
            early_start: iso(dates.early_start),
            early_finish: iso(dates.early_finish),
            late_start: iso(dates.late_start),
            late_finish: iso(dates.late_finish),
            duration_minutes: task.duration,
            total_float_minutes: dates.total_float,
            free_float_minutes: dates.free_float,
            critical: dates.critical,
            progress: task.progress,
            predecessors,
        })
        .collect();
    ScheduleJson {
        project: ProjectJson {
            name: plan.project.name.clone(),
            start: iso(schedule.start),
            finish: iso(schedule.finish),
            status_date: plan.project.status_date.map(iso),
            deadline: plan.project.deadline.map(iso),
            minutes_per_day: plan.project.minutes_per_day,
        },
        tasks,
    }
}

/// ISO 8601 text of an instant, exactly as [`time::iso`] writes it (`2027-01-04T09:00:00`).
///
/// The schedule document holds six dates per task; through chrono's format strings they took a
/// third of a second for 100,000 tasks (see docs/benchmarks.md), so the usual four-digit years
/// are written by hand and anything else is left to [`time::iso`].
fn iso(instant: time::Instant) -> String {
    let day = instant.div_euclid(time::DAY);
    let minute = instant.rem_euclid(time::DAY);
    let (year, month, day_of_month) = time::ymd(day);
    let Ok(year @ 0..=9999) = u32::try_from(year) else {
        return time::iso(instant);
    };
    let digits = |value: u32, width: usize, text: &mut String| {
        let mut divisor = 10u32.pow(width as u32 - 1);
        while divisor > 0 {
            text.push(char::from(b'0' + (value / divisor % 10) as u8));
            divisor /= 10;
        }
    };
    let mut text = String::with_capacity(19);
    digits(year, 4, &mut text);
    text.push('-');
    digits(month, 2, &mut text);
    text.push('-');
    digits(day_of_month, 2, &mut text);
    text.push('T');
    digits((minute / 60) as u32, 2, &mut text);
    text.push(':');
    digits((minute % 60) as u32, 2, &mut text);
    text.push_str(":00");
    text
}

/// The `waymark check --json` document.
#[derive(Serialize)]
pub struct CheckJson {
    pub file: String,
    pub ok: bool,
    pub errors: usize,
    pub warnings: usize,
    pub diagnostics: Vec<DiagnosticJson>,
}

#[derive(Serialize)]
pub struct DiagnosticJson {
    pub severity: &'static str,
    pub code: &'static str,
    pub message: String,
    pub line: Option<u32>,
    pub column: Option<u32>,
    pub help: Option<String>,
}

pub fn check_json(file: &str, diagnostics: &[Diagnostic]) -> CheckJson {
    let count = |severity| {
        diagnostics
            .iter()
            .filter(|d| d.severity == severity)
            .count()
    };
    let errors = count(waymark_core::Severity::Error);
    CheckJson {
        file: file.to_string(),
        ok: errors == 0,
        errors,
        warnings: count(waymark_core::Severity::Warning),
        diagnostics: diagnostics
            .iter()
            .map(|d| DiagnosticJson {
                severity: d.severity.as_str(),
                code: d.code,
                message: d.message.clone(),
                line: d.location.map(|l| l.line),
                column: d.location.map(|l| l.column),
                help: d.help.clone(),
            })
            .collect(),
    }
}

#[derive(Serialize)]
pub struct WaitJson {
    pub resource: String,
    pub resource_name: String,
    pub from: String,
    pub to: String,
    pub held_by: Vec<String>,
}

#[derive(Serialize)]
pub struct DelayJson {
    pub earliest_start: String,
    pub delay_minutes: i64,
    pub reasons: Vec<WaitJson>,
}

#[derive(Serialize)]
pub struct LevelledTaskJson {
    #[serde(flatten)]
    pub task: TaskJson,
    pub delay: Option<DelayJson>,
}

#[derive(Serialize)]
pub struct UnresolvedJson {
    pub plan: String,
    pub task: String,
    pub resource: String,
    pub reason: &'static str,
}

#[derive(Serialize)]
pub struct PlanJson {
    pub file: String,
    pub name: String,
    pub finish_before: String,
    pub finish_after: String,
    pub tasks: Vec<LevelledTaskJson>,
}

#[derive(Serialize)]
pub struct LevelJson {
    pub project: ProjectJson,
    pub finish_before: String,
    pub tasks: Vec<LevelledTaskJson>,
    pub unresolved: Vec<UnresolvedJson>,
    /// When the time limit ran out before one levelling pass finished: how many tasks it had
    /// levelled (the rest keep their unlevelled dates); `null` for a complete levelling.
    pub cut_short: Option<usize>,
    pub plans: Vec<PlanJson>,
}

/// How an over-allocation left by levelling is named in JSON.
pub fn reason_text(reason: UnresolvedReason) -> &'static str {
    match reason {
        UnresolvedReason::Fixed => "fixed",
        UnresolvedReason::OutOfFloat => "out-of-float",
        UnresolvedReason::OverCapacity => "over-capacity",
    }
}

/// The tasks of one plan (`owner == index`) as JSON with their delays.
pub fn tasks_json(
    plan: &Plan,
    levelled: &Levelled,
    owner: &[usize],
    index: usize,
) -> Vec<LevelledTaskJson> {
    let all = schedule_json(plan, &levelled.schedule).tasks;
    // Each task's delay by index: looking each one up in the list was quadratic (issue 12).
    let mut delay_of: Vec<Option<&waymark_core::level::Delay>> = vec![None; all.len()];
    for delay in levelled.delays.iter().rev() {
        if let Some(slot) = delay_of.get_mut(delay.task.0) {
            *slot = Some(delay);
        }
    }
    all.into_iter()
        .enumerate()
        .filter(|(t, _)| owner[*t] == index)
        .map(|(t, task)| {
            let delay = delay_of[t].map(|d| DelayJson {
                earliest_start: time::iso(d.earliest),
                delay_minutes: d.minutes,
                reasons: d
                    .waits
                    .iter()
                    .map(|w| WaitJson {
                        resource: plan.resources[w.resource.0].id.clone(),
                        resource_name: plan.resources[w.resource.0].name.clone(),
                        from: time::iso(w.from),
                        to: time::iso(w.to),
                        held_by: w
                            .held_by
                            .iter()
                            .map(|h| plan.tasks[h.0].id.clone())
                            .collect(),
                    })
                    .collect(),
            });
            LevelledTaskJson { task, delay }
        })
        .collect()
}

/// The finish of one plan (`owner == index`) of a pooled schedule.
pub fn plan_finish(schedule: &Schedule, owner: &[usize], index: usize) -> time::Instant {
    schedule
        .tasks
        .iter()
        .zip(owner)
        .filter(|(t, &o)| o == index && !t.summary)
        .map(|(t, _)| t.finish)
        .max()
        .unwrap_or(schedule.finish)
}

/// The `waymark level --json` document for one or several plans levelled on one pool: `files`
/// are the plans as read, with the names they are reported under; `before` and `levelled` are
/// the pooled plan's schedules before and after levelling.
pub fn level_json(
    files: &[(&str, &Plan)],
    pooled: &Pool,
    before: &Schedule,
    levelled: &Levelled,
) -> LevelJson {
    let plan = &pooled.plan;
    let unresolved: Vec<UnresolvedJson> = levelled
        .unresolved
        .iter()
        .map(|u| UnresolvedJson {
            plan: files[pooled.owner[u.task.0]].0.to_owned(),
            task: plan.tasks[u.task.0].id.clone(),
            resource: plan.resources[u.resource.0].id.clone(),
            reason: reason_text(u.reason),
        })
        .collect();
    let plans = files
        .iter()
        .enumerate()
        .map(|(index, (name, file_plan))| PlanJson {
            file: (*name).to_owned(),
            name: file_plan.project.name.clone(),
            finish_before: time::iso(plan_finish(before, &pooled.owner, index)),
            finish_after: time::iso(plan_finish(&levelled.schedule, &pooled.owner, index)),
            tasks: if files.len() > 1 {
                tasks_json(plan, levelled, &pooled.owner, index)
            } else {
                Vec::new()
            },
        })
        .collect();
    LevelJson {
        project: schedule_json(plan, &levelled.schedule).project,
        finish_before: time::iso(before.finish),
        tasks: if files.len() == 1 {
            tasks_json(plan, levelled, &pooled.owner, 0)
        } else {
            Vec::new()
        },
        unresolved,
        cut_short: levelled.cut_short,
        plans,
    }
}

#[derive(Serialize)]
pub struct Percentiles<T> {
    pub p10: T,
    pub p50: T,
    pub p80: T,
    pub p90: T,
    pub p95: T,
    pub mean: T,
}

#[derive(Serialize)]
pub struct DeadlineJson {
    pub date: String,
    pub probability: f64,
}

#[derive(Serialize)]
pub struct TaskRiskJson {
    pub id: String,
    pub criticality: f64,
    pub sensitivity: f64,
}

#[derive(Serialize)]
pub struct RiskEffectJson {
    pub id: String,
    pub p80_days_saved: f64,
}

#[derive(Serialize)]
pub struct PlanForecastJson {
    pub iterations: u32,
    pub seed: u64,
    pub duration_days: Percentiles<f64>,
    pub finish: Percentiles<String>,
    pub deadline: Option<DeadlineJson>,
    pub tasks: Vec<TaskRiskJson>,
    pub risks: Vec<RiskEffectJson>,
    /// Every task deadline and the chance of meeting it.
    pub task_deadlines: Vec<TaskDeadlineJson>,
    /// Cost percentiles, when resources have rates.
    pub cost: Option<Percentiles<f64>>,
    /// Every milestone still to reach, with the chances of making its scheduled date and its
    /// deadline.
    pub milestones: Vec<MilestoneChanceJson>,
}

#[derive(Serialize)]
pub struct MilestoneChanceJson {
    pub id: String,
    /// The scheduled date (the schedule without sampling).
    pub date: String,
    /// The share of iterations in which the milestone finished by `date`.
    pub probability: f64,
    /// The milestone's deadline and the share of iterations that made it; `None` without one.
    pub deadline: Option<DeadlineJson>,
}

#[derive(Serialize)]
pub struct TaskDeadlineJson {
    pub id: String,
    pub date: String,
    pub probability: f64,
}

fn round(value: f64, places: i32) -> f64 {
    let scale = 10f64.powi(places);
    (value * scale).round() / scale
}

/// A date and the chance of making it.
fn deadline_json((date, probability): (time::Instant, f64)) -> DeadlineJson {
    DeadlineJson {
        date: time::iso(date),
        probability: round(probability, 4),
    }
}

/// The `waymark forecast PLAN --json` document.
pub fn forecast_json(plan: &Plan, result: &Forecast) -> PlanForecastJson {
    let per_day = plan.project.minutes_per_day.max(1) as f64;
    let days = |minutes: i64| round(minutes as f64 / per_day, 3);
    let mean_minutes = result.working_minutes.iter().sum::<i64>() as f64
        / result.working_minutes.len().max(1) as f64;
    let mean_finish = (result.finishes.iter().map(|&f| f as f64).sum::<f64>()
        / result.finishes.len().max(1) as f64)
        .round() as i64;
    PlanForecastJson {
        iterations: result.iterations,
        seed: result.seed,
        duration_days: Percentiles {
            p10: days(result.percentile_minutes(0.1)),
            p50: days(result.percentile_minutes(0.5)),
            p80: days(result.percentile_minutes(0.8)),
            p90: days(result.percentile_minutes(0.9)),
            p95: days(result.percentile_minutes(0.95)),
            mean: round(mean_minutes / per_day, 3),
        },
        finish: Percentiles {
            p10: time::iso(result.percentile_finish(0.1)),
            p50: time::iso(result.percentile_finish(0.5)),
            p80: time::iso(result.percentile_finish(0.8)),
            p90: time::iso(result.percentile_finish(0.9)),
            p95: time::iso(result.percentile_finish(0.95)),
            mean: time::iso(mean_finish),
        },
        deadline: plan
            .project
            .deadline
            .zip(result.deadline_probability)
            .map(deadline_json),
        tasks: plan
            .tasks
            .iter()
            .enumerate()
            .map(|(index, task)| TaskRiskJson {
                id: task.id.clone(),
                criticality: round(result.criticality[index], 4),
                sensitivity: round(result.sensitivity[index], 4),
            })
            .collect(),
        risks: plan
            .risks
            .iter()
            .zip(&result.risk_p80_saved)
            .map(|(risk, &saved)| RiskEffectJson {
                id: risk.id.clone(),
                p80_days_saved: days(saved),
            })
            .collect(),
        task_deadlines: result
            .task_deadlines
            .iter()
            .map(|deadline| TaskDeadlineJson {
                id: plan.tasks[deadline.task.0].id.clone(),
                date: time::iso(deadline.date),
                probability: round(deadline.probability, 4),
            })
            .collect(),
        milestones: result
            .milestones
            .iter()
            .map(|milestone| MilestoneChanceJson {
                id: plan.tasks[milestone.task.0].id.clone(),
                date: time::iso(milestone.date),
                probability: round(milestone.by_date, 4),
                deadline: milestone.deadline.map(deadline_json),
            })
            .collect(),
        cost: (!result.costs.is_empty()).then(|| {
            let at = |p: f64| round(result.percentile_cost(p).unwrap_or(0.0), 2);
            Percentiles {
                p10: at(0.1),
                p50: at(0.5),
                p80: at(0.8),
                p90: at(0.9),
                p95: at(0.95),
                mean: round(
                    result.costs.iter().sum::<f64>() / result.costs.len() as f64,
                    2,
                ),
            }
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_writes_what_core_writes() {
        // Every minute of two days, then a stride through the years either side of 0..=9999
        // (where the fallback takes over) and the negative instants before 1970.
        let two_days = (0..2 * time::DAY).map(|m| 29_000_000 + m);
        let stride = (-6_000_000_000i64..6_000_000_000).step_by(9_999_991);
        for instant in two_days.chain(stride) {
            assert_eq!(iso(instant), time::iso(instant), "instant {instant}");
        }
    }
}
