//! Calendars: which minutes are working time, and exact, fast working-time arithmetic.
//!
//! A [`Calendar`] is the definition a person writes (a working week, holidays, exceptions,
//! optionally derived from a base calendar). [`WorkCalendar`] is its compiled form: the
//! effective working intervals of every day, plus prefix sums of working minutes over the span of
//! days that have exceptions. Outside that span a calendar repeats weekly, so cumulative working
//! time is computed arithmetically. Every operation is O(log exceptions), never minute by minute.
//!
//! The central idea is the *working-time coordinate* `W(t)`: the number of working minutes between
//! a fixed anchor and instant `t`. It is monotone, so adding working time is `W⁻¹(W(t) + n)`. The
//! inverse is ambiguous at interval boundaries (17:00 Friday and 08:00 Monday have the same `W`);
//! [`Edge::Start`] picks the later instant (where work starts), [`Edge::Finish`] the earlier (where
//! work ends), which is exactly how Microsoft Project places starts and finishes.

use crate::time::{self, Instant, DAY};
use chrono::NaiveDate;
use std::collections::BTreeMap;

/// A working interval within a day, in minutes after midnight, `start < end`. `end` may exceed
/// 1440 for an interval that crosses midnight (22:00-06:00 is `1320..1800`); the part after
/// midnight is working time of the next day.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Interval {
    pub start: u16,
    pub end: u16,
}

impl Interval {
    /// An interval from `start` to `end` minutes after midnight; `end <= start` means it crosses
    /// midnight. Returns `None` for an empty interval or times past 24:00.
    pub fn new(start: u32, end: u32) -> Option<Interval> {
        if start >= DAY as u32 || end > DAY as u32 || start == end {
            return None;
        }
        let end = if end < start { end + DAY as u32 } else { end };
        Some(Interval {
            start: start as u16,
            end: end as u16,
        })
    }

    /// Length in minutes.
    pub fn minutes(self) -> i64 {
        i64::from(self.end - self.start)
    }
}

/// One day's working hours; empty means a non-working day.
pub type DayHours = Vec<Interval>;

/// Working time on a range of dates that differs from the working week: a holiday (no hours)
/// or extra or changed working hours.
#[derive(Clone, Debug, PartialEq)]
pub struct CalendarException {
    /// First date, inclusive.
    pub from: NaiveDate,
    /// Last date, inclusive.
    pub to: NaiveDate,
    /// Working hours on each of those dates; empty for non-working days.
    pub hours: DayHours,
}

/// A calendar as defined by a plan: a working week and exceptions, optionally derived from a
/// base calendar (week days left `None` and dates without an own exception come from the base).
#[derive(Clone, Debug, PartialEq)]
pub struct Calendar {
    pub id: String,
    pub name: String,
    /// Index of the base calendar in the plan's calendar list.
    pub base: Option<usize>,
    /// Monday = 0 .. Sunday = 6; `None` inherits from the base (or is non-working without one).
    pub week: [Option<DayHours>; 7],
    pub exceptions: Vec<CalendarException>,
}

impl Calendar {
    /// The built-in `standard` calendar: Monday to Friday, 08:00-12:00 and 13:00-17:00.
    pub fn standard() -> Calendar {
        let day = vec![
            Interval {
                start: 480,
                end: 720,
            },
            Interval {
                start: 780,
                end: 1020,
            },
        ];
        let mut week: [Option<DayHours>; 7] = Default::default();
        for slot in week.iter_mut().take(5) {
            *slot = Some(day.clone());
        }
        week[5] = Some(Vec::new());
        week[6] = Some(Vec::new());
        Calendar {
            id: "standard".into(),
            name: "Standard".into(),
            base: None,
            week,
            exceptions: Vec::new(),
        }
    }

    /// A calendar where every minute is working time (used for elapsed durations).
    pub fn continuous() -> Calendar {
        let all = vec![Interval {
            start: 0,
            end: DAY as u16,
        }];
        Calendar {
            id: "24h".into(),
            name: "24 hours".into(),
            base: None,
            week: std::array::from_fn(|_| Some(all.clone())),
            exceptions: Vec::new(),
        }
    }
}

/// Which instant to return when a working-time coordinate falls on the boundary between two
/// working intervals.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Edge {
    /// The start of the next working interval (where a task starts).
    Start,
    /// The end of the previous working interval (where a task finishes).
    Finish,
}

/// Why a calendar cannot be compiled.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CalendarError {
    #[error(
        "calendar `{0}` has no working time in its week; at least one day needs working hours"
    )]
    NoWorkingWeek(String),
    #[error("calendar `{0}` is derived from itself through its base calendars")]
    BaseCycle(String),
}

/// A compiled calendar with fast working-time arithmetic.
#[derive(Clone, Debug)]
pub struct WorkCalendar {
    /// Effective intervals of each weekday, clipped to the day, including time spilled over
    /// midnight from the previous weekday.
    week: [Vec<(i64, i64)>; 7],
    week_minutes: [i64; 7],
    week_total: i64,
    /// First day number covered by `days`.
    first: i64,
    /// Effective intervals of the days `first..first + days.len()`.
    days: Vec<Vec<(i64, i64)>>,
    /// `prefix[i]` = working minutes from day `first` to the start of day `first + i`;
    /// `prefix.len() == days.len() + 1`.
    prefix: Vec<i64>,
}

/// Clip raw intervals of one day (which may run past midnight) plus the spill of the previous
/// day into the effective intervals of the day, sorted and merged.
fn effective(own: &[Interval], previous: &[Interval]) -> Vec<(i64, i64)> {
    let mut spans: Vec<(i64, i64)> = Vec::with_capacity(own.len() + 1);
    for interval in previous {
        if i64::from(interval.end) > DAY {
            spans.push((0, i64::from(interval.end) - DAY));
        }
    }
    for interval in own {
        spans.push((i64::from(interval.start), i64::from(interval.end).min(DAY)));
    }
    merge(spans)
}

/// Sort spans and merge those that overlap or touch.
fn merge(mut spans: Vec<(i64, i64)>) -> Vec<(i64, i64)> {
    spans.sort_unstable();
    let mut merged: Vec<(i64, i64)> = Vec::with_capacity(spans.len());
    for (start, end) in spans {
        match merged.last_mut() {
            Some(last) if start <= last.1 => last.1 = last.1.max(end),
            _ => merged.push((start, end)),
        }
    }
    merged
}

fn total(spans: &[(i64, i64)]) -> i64 {
    spans.iter().map(|(start, end)| end - start).sum()
}

impl WorkCalendar {
    /// Compile calendar `index` of `calendars`, resolving its base calendars.
    pub fn compile(calendars: &[Calendar], index: usize) -> Result<WorkCalendar, CalendarError> {
        // Resolve the chain from this calendar to its root base.
        let mut chain = vec![index];
        let mut current = index;
        while let Some(base) = calendars[current].base {
            if chain.contains(&base) || base >= calendars.len() {
                return Err(CalendarError::BaseCycle(calendars[index].id.clone()));
            }
            chain.push(base);
            current = base;
        }
        let raw_week: [DayHours; 7] = std::array::from_fn(|day| {
            chain
                .iter()
                .find_map(|&c| calendars[c].week[day].clone())
                .unwrap_or_default()
        });
        // Exceptions of a derived calendar override those of its base on the same dates.
        let mut exceptions: BTreeMap<i64, DayHours> = BTreeMap::new();
        for &c in chain.iter().rev() {
            for exception in &calendars[c].exceptions {
                let (from, to) = (
                    time::day_number(exception.from),
                    time::day_number(exception.to),
                );
                for day in from..=to {
                    exceptions.insert(day, exception.hours.clone());
                }
            }
        }
        let week: [Vec<(i64, i64)>; 7] =
            std::array::from_fn(|day| effective(&raw_week[day], &raw_week[(day + 6) % 7]));
        if week.iter().all(|day| day.is_empty()) {
            return Err(CalendarError::NoWorkingWeek(calendars[index].id.clone()));
        }
        let raw_of = |day: i64| -> &[Interval] {
            exceptions
                .get(&day)
                .map(Vec::as_slice)
                .unwrap_or(&raw_week[time::weekday_of_day(day)])
        };
        let (first, days) = match (exceptions.keys().next(), exceptions.keys().next_back()) {
            (Some(&low), Some(&high)) => {
                let first = low;
                // One day past the last exception holds what it spills over midnight.
                let days: Vec<Vec<(i64, i64)>> = (first..=high + 1)
                    .map(|day| effective(raw_of(day), raw_of(day - 1)))
                    .collect();
                (first, days)
            }
            _ => (0, Vec::new()),
        };
        Ok(WorkCalendar::assemble(week, first, days))
    }

    /// A calendar from its weekly pattern and the effective intervals of the days `first..`
    /// that differ from it, with the prefix sums over those days.
    fn assemble(week: [Vec<(i64, i64)>; 7], first: i64, days: Vec<Vec<(i64, i64)>>) -> Self {
        let week_minutes: [i64; 7] = std::array::from_fn(|day| total(&week[day]));
        let week_total: i64 = week_minutes.iter().sum();
        let mut prefix = Vec::with_capacity(days.len() + 1);
        let mut sum = 0;
        prefix.push(0);
        for day in &days {
            sum += total(day);
            prefix.push(sum);
        }
        WorkCalendar {
            week,
            week_minutes,
            week_total,
            first,
            days,
            prefix,
        }
    }

    /// The working time of several calendars together: a minute works when it works on any of
    /// them. Microsoft Project schedules a task with several resources whenever one of them
    /// works, so a task's calendar is the union of its resources' calendars.
    pub fn union(calendars: &[&WorkCalendar]) -> WorkCalendar {
        let week: [Vec<(i64, i64)>; 7] = std::array::from_fn(|day| {
            merge(
                calendars
                    .iter()
                    .flat_map(|c| c.week[day].iter().copied())
                    .collect(),
            )
        });
        let spans: Vec<(i64, i64)> = calendars
            .iter()
            .filter(|c| !c.days.is_empty())
            .map(|c| (c.first, c.end_day()))
            .collect();
        let (first, days) = match (
            spans.iter().map(|s| s.0).min(),
            spans.iter().map(|s| s.1).max(),
        ) {
            (Some(first), Some(end)) => {
                let days = (first..end)
                    .map(|day| {
                        merge(
                            calendars
                                .iter()
                                .flat_map(|c| c.day_intervals(day).iter().copied())
                                .collect(),
                        )
                    })
                    .collect();
                (first, days)
            }
            _ => (0, Vec::new()),
        };
        WorkCalendar::assemble(week, first, days)
    }

    /// Working minutes in one standard week (no exceptions).
    pub fn minutes_per_week(&self) -> i64 {
        self.week_total
    }

    fn end_day(&self) -> i64 {
        self.first + self.days.len() as i64
    }

    /// The effective working intervals of a day, minutes after its midnight.
    pub fn day_intervals(&self, day: i64) -> &[(i64, i64)] {
        if day >= self.first && day < self.end_day() {
            &self.days[(day - self.first) as usize]
        } else {
            &self.week[time::weekday_of_day(day)]
        }
    }

    /// Working minutes of a day.
    pub fn day_minutes(&self, day: i64) -> i64 {
        if day >= self.first && day < self.end_day() {
            let i = (day - self.first) as usize;
            self.prefix[i + 1] - self.prefix[i]
        } else {
            self.week_minutes[time::weekday_of_day(day)]
        }
    }

    /// Working minutes of the pure weekly pattern over days `from..to`.
    fn pattern_minutes(&self, from: i64, to: i64) -> i64 {
        debug_assert!(from <= to);
        let span = to - from;
        let mut sum = (span / 7) * self.week_total;
        for day in from + (span / 7) * 7..to {
            sum += self.week_minutes[time::weekday_of_day(day)];
        }
        sum
    }

    /// Working-time coordinate of the start (midnight) of a day, relative to the start of day
    /// `first`.
    fn w_day(&self, day: i64) -> i64 {
        let end = self.end_day();
        if day < self.first {
            -self.pattern_minutes(day, self.first)
        } else if day <= end {
            self.prefix[(day - self.first) as usize]
        } else {
            self.prefix[self.days.len()] + self.pattern_minutes(end, day)
        }
    }

    /// The working-time coordinate `W(t)`: working minutes from the calendar's anchor to `t`.
    pub fn w(&self, t: Instant) -> i64 {
        let day = time::day_of(t);
        let minute = t - day * DAY;
        let mut sum = self.w_day(day);
        for &(start, end) in self.day_intervals(day) {
            if minute <= start {
                break;
            }
            sum += minute.min(end) - start;
        }
        sum
    }

    /// The day whose working time contains coordinate `w`: for [`Edge::Start`] the day with
    /// `W(day) <= w < W(day + 1)`, for [`Edge::Finish`] the day with `W(day) < w <= W(day + 1)`.
    fn day_for(&self, w: i64, edge: Edge) -> i64 {
        let before = |value: i64, target: i64| match edge {
            Edge::Start => value <= target,
            Edge::Finish => value < target,
        };
        let end = self.end_day();
        let w_end = self.prefix[self.days.len()];
        // Find a day at or before the answer, then walk forward at most a week.
        let mut day = if before(0, w) && !before(w_end, w) {
            // Inside the exception span: binary search the prefix sums.
            let index = self.prefix.partition_point(|&value| before(value, w));
            self.first + index as i64 - 1
        } else if !before(0, w) {
            // Before the span: step back whole weeks, then a little more.
            let weeks = (-w).div_euclid(self.week_total) + 1;
            self.first - 7 * weeks
        } else {
            let weeks = (w - w_end).div_euclid(self.week_total);
            end + 7 * (weeks - 1).max(0)
        };
        let mut base = self.w_day(day);
        loop {
            let next = base + self.day_minutes(day);
            if before(next, w) {
                base = next;
                day += 1;
            } else {
                return day;
            }
        }
    }

    /// The instant with working-time coordinate `w`, at the given edge.
    pub fn at(&self, w: i64, edge: Edge) -> Instant {
        let day = self.day_for(w, edge);
        let mut remaining = w - self.w_day(day);
        for &(start, end) in self.day_intervals(day) {
            let length = end - start;
            let fits = match edge {
                Edge::Start => remaining < length,
                Edge::Finish => remaining <= length,
            };
            if fits {
                return day * DAY + start + remaining;
            }
            remaining -= length;
        }
        // Unreachable for a consistent day choice; fall back to the end of the day.
        day * DAY + DAY
    }

    /// `t` moved by `minutes` of working time (negative moves back), landing on `edge`.
    pub fn add(&self, t: Instant, minutes: i64, edge: Edge) -> Instant {
        self.at(self.w(t) + minutes, edge)
    }

    /// Working minutes from `a` to `b` (negative when `b` is before `a`).
    pub fn between(&self, a: Instant, b: Instant) -> i64 {
        self.w(b) - self.w(a)
    }

    /// Whether the minute starting at `t` is working time.
    pub fn is_working(&self, t: Instant) -> bool {
        self.w(t + 1) > self.w(t)
    }

    /// The first working instant at or after `t`.
    pub fn next_working(&self, t: Instant) -> Instant {
        self.at(self.w(t), Edge::Start)
    }

    /// The last instant at or before `t` at which working time ends or is under way.
    pub fn previous_working_end(&self, t: Instant) -> Instant {
        self.at(self.w(t), Edge::Finish)
    }

    /// Where a task that may start at `t` starts. Zero-duration tasks (milestones) keep an
    /// instant that ends working time, as Microsoft Project places a milestone at 17:00.
    pub fn snap_start(&self, t: Instant, zero_duration: bool) -> Instant {
        if self.is_working(t) || (zero_duration && self.is_working(t - 1)) {
            t
        } else {
            self.next_working(t)
        }
    }

    /// Where a task that must finish by `t` finishes. Zero-duration tasks keep an instant at
    /// which working time starts.
    pub fn snap_finish(&self, t: Instant, zero_duration: bool) -> Instant {
        if self.is_working(t - 1) || (zero_duration && self.is_working(t)) {
            t
        } else {
            self.previous_working_end(t)
        }
    }
}

#[cfg(test)]
mod tests;
