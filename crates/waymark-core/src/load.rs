//! Resource load: how much work each resource has per day or week of a schedule, against what
//! it can do, with over-allocations marked by the one rule, [`over_allocated`], that
//! `waymark load`, its heat map and the resources page all show.

use crate::model::{Plan, TaskId};
use crate::schedule::{Schedule, TaskCalendars};
use crate::time::{self, Instant, DAY};

/// The length of a load period.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Period {
    Day,
    /// Monday to Sunday.
    Week,
}

impl Period {
    /// `day` or `week`, as the command line and JSON spell it.
    pub fn name(self) -> &'static str {
        match self {
            Period::Day => "day",
            Period::Week => "week",
        }
    }
}

/// One resource's load in one period.
#[derive(Clone, Debug, PartialEq)]
pub struct PeriodLoad {
    /// First instant of the period (midnight).
    pub start: Instant,
    /// Working minutes booked, weighted by assignment units.
    pub allocated_minutes: f64,
    /// Working minutes the resource has: its units times its calendar's working time.
    pub capacity_minutes: f64,
    /// The highest number of units booked at one instant in the period.
    pub peak_units: f64,
    /// Whether the resource is over-allocated in the period ([`over_allocated`]).
    pub over_allocated: bool,
}

/// The load of one resource over the schedule's span.
#[derive(Clone, Debug, PartialEq)]
pub struct ResourceLoad {
    pub resource: usize,
    pub periods: Vec<PeriodLoad>,
}

/// Units in hundredths (1.0 is 100): the one measure that levelling, the load view and every
/// over-allocation check compare, so they agree on whether a person is over-booked (an
/// assignment of 200 % on a person with 1 unit is over-allocated everywhere).
pub fn hundredths(units: f64) -> i64 {
    (units * 100.0).round() as i64
}

/// Whether a person is over-allocated in a period: booked beyond their units at some instant
/// (`peak` against `capacity`, both in [`hundredths`]: the conflict levelling resolves), or
/// booked for more working time than they have in the period (`allocated_minutes` against
/// `capacity_minutes`: work on a task calendar that has working time where the person's has
/// none, which levelling cannot resolve). A relative tolerance of 1e-9 keeps the sums of
/// fractional units from tipping an exactly full period over.
pub fn over_allocated(
    peak: i64,
    capacity: i64,
    allocated_minutes: f64,
    capacity_minutes: f64,
) -> bool {
    peak > capacity || allocated_minutes > capacity_minutes + 1e-9 * capacity_minutes.max(1.0)
}

fn period_start(t: Instant, period: Period) -> Instant {
    let day = time::day_of(t);
    match period {
        Period::Day => day * DAY,
        Period::Week => (day - time::weekday_of_day(day) as i64) * DAY,
    }
}

fn period_length(period: Period) -> Instant {
    match period {
        Period::Day => DAY,
        Period::Week => 7 * DAY,
    }
}

/// The load of every resource, period by period, from the schedule's start to its finish.
pub fn load(
    plan: &Plan,
    schedule: &Schedule,
    calendars: &TaskCalendars,
    period: Period,
) -> Vec<ResourceLoad> {
    let first = period_start(schedule.start, period);
    let length = period_length(period);
    let count = ((schedule.finish - first) / length + 1).max(1) as usize;
    let mut out = Vec::with_capacity(plan.resources.len());
    for (r, resource) in plan.resources.iter().enumerate() {
        let resource_calendar =
            &calendars.calendars[resource.calendar.map_or(calendars.project, |c| c.0)];
        // Bookings of this resource: (task, start, finish, units).
        let bookings: Vec<(TaskId, Instant, Instant, f64)> = plan
            .tasks
            .iter()
            .enumerate()
            .filter(|(t, _)| !schedule.tasks[*t].summary)
            .flat_map(|(t, task)| {
                task.assignments
                    .iter()
                    .filter(move |a| a.resource.0 == r)
                    .map(move |a| {
                        (
                            TaskId(t),
                            schedule.tasks[t].start,
                            schedule.tasks[t].finish,
                            a.units,
                        )
                    })
            })
            .filter(|&(_, start, finish, _)| finish > start)
            .collect();
        // Instantaneous load in hundredths of units as a step function.
        let mut events: Vec<(Instant, i64)> = bookings
            .iter()
            .flat_map(|&(_, start, finish, units)| {
                [(start, hundredths(units)), (finish, -hundredths(units))]
            })
            .collect();
        events.sort_unstable();
        let mut steps: Vec<(Instant, i64)> = Vec::new();
        let mut level = 0;
        for (t, delta) in events {
            level += delta;
            match steps.last_mut() {
                Some(last) if last.0 == t => last.1 = level,
                _ => steps.push((t, level)),
            }
        }
        let capacity = hundredths(resource.units);
        let mut periods = Vec::with_capacity(count);
        for index in 0..count {
            let from = first + index as i64 * length;
            let to = from + length;
            let allocated_minutes: f64 = bookings
                .iter()
                .filter(|&&(_, start, finish, _)| start < to && from < finish)
                .map(|&(task, start, finish, units)| {
                    let calendar = calendars.of(task);
                    calendar.between(start.max(from), finish.min(to)) as f64 * units
                })
                .sum();
            let capacity_minutes = resource_calendar.between(from, to) as f64 * resource.units;
            // Peak: the level in force at `from`, and every step inside the period.
            let before = steps.partition_point(|s| s.0 <= from);
            let mut peak = if before > 0 { steps[before - 1].1 } else { 0 };
            for step in steps[before..].iter().take_while(|s| s.0 < to) {
                peak = peak.max(step.1);
            }
            periods.push(PeriodLoad {
                start: from,
                allocated_minutes,
                capacity_minutes,
                peak_units: peak as f64 / 100.0,
                over_allocated: over_allocated(peak, capacity, allocated_minutes, capacity_minutes),
            });
        }
        out.push(ResourceLoad {
            resource: r,
            periods,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_over_allocation_rule() {
        // (peak, capacity in hundredths, allocated minutes, capacity minutes) -> over?
        let cases = [
            ((100, 100, 2400.0, 2400.0), false), // fully booked, never beyond the units
            ((101, 100, 100.0, 2400.0), true),   // 101 % for a moment
            ((200, 100, 2400.0, 2400.0), true),  // two tasks at once, each half the week
            ((100, 100, 2880.0, 2400.0), true),  // a Saturday on the task's calendar
            ((0, 100, 0.0, 0.0), false),         // a holiday week with nothing booked
            ((100, 100, 480.0, 0.0), true),      // booked in a week with no working time
            ((50, 50, 1200.0 + 1e-7, 1200.0), false), // rounding in a sum of fractional units
            ((0, 0, 0.0, 0.0), false),           // no units, nothing booked
            ((10, 0, 0.0, 0.0), true),           // no units, booked at an instant
        ];
        for ((peak, capacity, allocated, available), over) in cases {
            assert_eq!(
                over_allocated(peak, capacity, allocated, available),
                over,
                "peak {peak}, capacity {capacity}, {allocated} of {available} minutes"
            );
        }
    }
}
