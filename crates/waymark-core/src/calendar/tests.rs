//! Calendar tests: readable examples of working-time arithmetic, then a property test that checks
//! the compiled [`WorkCalendar`] against a brute force that walks a [`Calendar`] minute by minute.
//!
//! The brute force reads only the definition (the week, the exceptions, the base calendar and the
//! rule that the part of an interval after midnight belongs to the next day), never the compiled
//! intervals or prefix sums, so a bug in compilation or in the periodic arithmetic shows up as a
//! disagreement. Windows are a few weeks long to keep the suite fast.

use super::*;
use crate::time::{day_number, iso};
use chrono::{Datelike, NaiveDate};
use proptest::prelude::*;

fn date(year: i32, month: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, month, day).unwrap()
}

/// The instant of a local date and time.
fn at(year: i32, month: u32, day: u32, hour: u32, minute: u32) -> Instant {
    time::instant(date(year, month, day).and_hms_opt(hour, minute, 0).unwrap())
}

fn hours(spans: &[(u32, u32)]) -> DayHours {
    spans
        .iter()
        .map(|&(start, end)| Interval::new(start, end).unwrap())
        .collect()
}

fn holiday(from: NaiveDate, to: NaiveDate) -> CalendarException {
    CalendarException {
        from,
        to,
        hours: Vec::new(),
    }
}

fn compile(calendar: Calendar) -> WorkCalendar {
    WorkCalendar::compile(&[calendar], 0).unwrap()
}

fn standard() -> WorkCalendar {
    compile(Calendar::standard())
}

const HOUR: i64 = 60;
const WORK_DAY: i64 = 8 * HOUR;

// 4 January 2027 is a Monday; 8 January a Friday.

#[test]
fn adding_working_time_skips_lunch_nights_and_weekends() {
    let calendar = standard();
    let add = |t, minutes, edge| iso(calendar.add(t, minutes, edge));
    assert_eq!(
        add(at(2027, 1, 4, 10, 0), 3 * HOUR, Edge::Finish),
        "2027-01-04T14:00:00",
        "over lunch"
    );
    assert_eq!(
        add(at(2027, 1, 4, 16, 0), 2 * HOUR, Edge::Finish),
        "2027-01-05T09:00:00",
        "overnight"
    );
    assert_eq!(
        add(at(2027, 1, 8, 16, 0), 2 * HOUR, Edge::Finish),
        "2027-01-11T09:00:00",
        "over the weekend"
    );
    assert_eq!(
        add(at(2027, 1, 4, 8, 0), 5 * WORK_DAY, Edge::Finish),
        "2027-01-08T17:00:00",
        "a working week ends on Friday evening"
    );
    assert_eq!(
        add(at(2027, 1, 9, 10, 0), HOUR, Edge::Finish),
        "2027-01-11T09:00:00",
        "from a Saturday"
    );
    assert_eq!(
        add(at(2027, 1, 11, 9, 0), -2 * HOUR, Edge::Start),
        "2027-01-08T16:00:00",
        "subtracting goes back over the weekend"
    );
    assert_eq!(
        add(at(2027, 1, 5, 14, 0), -3 * HOUR, Edge::Start),
        "2027-01-05T10:00:00",
        "subtracting over lunch"
    );
}

#[test]
fn edges_pick_the_end_or_the_start_of_working_time() {
    let calendar = standard();
    let add = |t, minutes, edge| iso(calendar.add(t, minutes, edge));
    // One hour from Friday 16:00 ends at 17:00 Friday, but work placed there starts on Monday.
    assert_eq!(
        add(at(2027, 1, 8, 16, 0), HOUR, Edge::Finish),
        "2027-01-08T17:00:00"
    );
    assert_eq!(
        add(at(2027, 1, 8, 16, 0), HOUR, Edge::Start),
        "2027-01-11T08:00:00"
    );
    // The same at lunch.
    assert_eq!(
        add(at(2027, 1, 4, 11, 0), HOUR, Edge::Finish),
        "2027-01-04T12:00:00"
    );
    assert_eq!(
        add(at(2027, 1, 4, 11, 0), HOUR, Edge::Start),
        "2027-01-04T13:00:00"
    );
    // Going back from Monday 09:00 by one hour.
    assert_eq!(
        add(at(2027, 1, 11, 9, 0), -HOUR, Edge::Start),
        "2027-01-11T08:00:00"
    );
    assert_eq!(
        add(at(2027, 1, 11, 9, 0), -HOUR, Edge::Finish),
        "2027-01-08T17:00:00"
    );
    // 17:00 Friday and 08:00 Monday are the same point of working time.
    assert_eq!(
        calendar.w(at(2027, 1, 8, 17, 0)),
        calendar.w(at(2027, 1, 11, 8, 0))
    );
    // Adding nothing keeps a working instant and moves a boundary to the chosen edge.
    assert_eq!(
        add(at(2027, 1, 6, 10, 30), 0, Edge::Start),
        "2027-01-06T10:30:00"
    );
    assert_eq!(
        add(at(2027, 1, 8, 17, 0), 0, Edge::Start),
        "2027-01-11T08:00:00"
    );
    assert_eq!(
        add(at(2027, 1, 11, 8, 0), 0, Edge::Finish),
        "2027-01-08T17:00:00"
    );
}

#[test]
fn between_counts_working_minutes_in_either_direction() {
    let calendar = standard();
    assert_eq!(
        calendar.between(at(2027, 1, 8, 12, 0), at(2027, 1, 11, 12, 0)),
        WORK_DAY
    );
    assert_eq!(
        calendar.between(at(2027, 1, 11, 12, 0), at(2027, 1, 8, 12, 0)),
        -WORK_DAY
    );
    assert_eq!(
        calendar.between(at(2027, 1, 4, 0, 0), at(2027, 1, 11, 0, 0)),
        5 * WORK_DAY
    );
    assert_eq!(
        calendar.between(at(2027, 1, 4, 12, 0), at(2027, 1, 4, 13, 0)),
        0,
        "lunch"
    );
    assert_eq!(calendar.minutes_per_week(), 5 * WORK_DAY);
}

#[test]
fn next_working_and_previous_working_end() {
    let calendar = standard();
    let next = |t| iso(calendar.next_working(t));
    let previous = |t| iso(calendar.previous_working_end(t));
    assert_eq!(next(at(2027, 1, 9, 10, 0)), "2027-01-11T08:00:00");
    assert_eq!(next(at(2027, 1, 8, 17, 0)), "2027-01-11T08:00:00");
    assert_eq!(next(at(2027, 1, 4, 12, 30)), "2027-01-04T13:00:00");
    assert_eq!(next(at(2027, 1, 4, 6, 0)), "2027-01-04T08:00:00");
    assert_eq!(next(at(2027, 1, 4, 10, 0)), "2027-01-04T10:00:00");
    assert_eq!(previous(at(2027, 1, 11, 8, 0)), "2027-01-08T17:00:00");
    assert_eq!(previous(at(2027, 1, 10, 12, 0)), "2027-01-08T17:00:00");
    assert_eq!(previous(at(2027, 1, 4, 12, 30)), "2027-01-04T12:00:00");
    assert_eq!(previous(at(2027, 1, 4, 10, 0)), "2027-01-04T10:00:00");
    assert!(calendar.is_working(at(2027, 1, 4, 8, 0)));
    assert!(calendar.is_working(at(2027, 1, 4, 16, 59)));
    assert!(!calendar.is_working(at(2027, 1, 4, 17, 0)));
    assert!(!calendar.is_working(at(2027, 1, 4, 12, 0)));
    assert!(!calendar.is_working(at(2027, 1, 9, 10, 0)));
}

#[test]
fn milestones_keep_boundary_instants_that_tasks_leave() {
    let calendar = standard();
    let friday_evening = at(2027, 1, 8, 17, 0);
    let monday_morning = at(2027, 1, 11, 8, 0);
    // A milestone may sit at 17:00 Friday; a task starting there moves to Monday.
    assert_eq!(calendar.snap_start(friday_evening, true), friday_evening);
    assert_eq!(calendar.snap_start(friday_evening, false), monday_morning);
    // A milestone may sit at 08:00 Monday as a finish; a task finishing there moves to Friday.
    assert_eq!(calendar.snap_finish(monday_morning, true), monday_morning);
    assert_eq!(calendar.snap_finish(monday_morning, false), friday_evening);
    // Away from any working time both move.
    let saturday = at(2027, 1, 9, 10, 0);
    assert_eq!(calendar.snap_start(saturday, true), monday_morning);
    assert_eq!(calendar.snap_finish(saturday, true), friday_evening);
    // Inside working time nothing moves.
    let wednesday = at(2027, 1, 6, 10, 0);
    for zero in [false, true] {
        assert_eq!(calendar.snap_start(wednesday, zero), wednesday);
        assert_eq!(calendar.snap_finish(wednesday, zero), wednesday);
    }
}

#[test]
fn holidays_as_single_dates_and_ranges() {
    let mut definition = Calendar::standard();
    definition
        .exceptions
        .push(holiday(date(2027, 1, 6), date(2027, 1, 6)));
    definition
        .exceptions
        .push(holiday(date(2027, 12, 24), date(2028, 1, 2)));
    let calendar = compile(definition);
    assert_eq!(
        iso(calendar.add(at(2027, 1, 5, 8, 0), 2 * WORK_DAY, Edge::Finish)),
        "2027-01-07T17:00:00",
        "Wednesday is a holiday"
    );
    assert_eq!(
        iso(calendar.next_working(at(2027, 1, 6, 9, 0))),
        "2027-01-07T08:00:00"
    );
    assert!(!calendar.is_working(at(2027, 1, 6, 9, 0)));
    assert_eq!(
        iso(calendar.add(at(2027, 12, 23, 17, 0), 0, Edge::Start)),
        "2028-01-03T08:00:00",
        "closed from Christmas Eve to the Sunday after New Year"
    );
    assert_eq!(
        calendar.between(at(2027, 12, 20, 8, 0), at(2028, 1, 10, 8, 0)),
        4 * WORK_DAY + 5 * WORK_DAY
    );
    assert_eq!(
        iso(calendar.add(at(2028, 1, 3, 9, 0), -2 * HOUR, Edge::Finish)),
        "2027-12-23T16:00:00"
    );
}

#[test]
fn exceptions_add_a_working_saturday_and_change_hours() {
    let mut definition = Calendar::standard();
    definition.exceptions.push(CalendarException {
        from: date(2027, 1, 9),
        to: date(2027, 1, 9),
        hours: hours(&[(9 * 60, 13 * 60)]),
    });
    definition.exceptions.push(CalendarException {
        from: date(2027, 1, 11),
        to: date(2027, 1, 12),
        hours: hours(&[(10 * 60, 14 * 60)]),
    });
    let calendar = compile(definition);
    assert!(calendar.is_working(at(2027, 1, 9, 9, 0)));
    assert!(
        !calendar.is_working(at(2027, 1, 16, 9, 0)),
        "only one Saturday"
    );
    assert_eq!(calendar.day_minutes(day_number(date(2027, 1, 9))), 4 * HOUR);
    assert_eq!(
        iso(calendar.add(at(2027, 1, 8, 16, 0), 2 * HOUR, Edge::Finish)),
        "2027-01-09T10:00:00"
    );
    assert_eq!(
        iso(calendar.add(at(2027, 1, 8, 16, 0), 5 * HOUR, Edge::Finish)),
        "2027-01-09T13:00:00"
    );
    assert_eq!(
        iso(calendar.add(at(2027, 1, 8, 16, 0), 5 * HOUR, Edge::Start)),
        "2027-01-11T10:00:00",
        "Monday starts late"
    );
    assert_eq!(
        iso(calendar.add(at(2027, 1, 11, 13, 0), 2 * HOUR, Edge::Finish)),
        "2027-01-12T11:00:00",
        "and ends early, with no lunch"
    );
    assert_eq!(
        calendar.between(at(2027, 1, 4, 0, 0), at(2027, 1, 18, 0, 0)),
        5 * WORK_DAY + 4 * HOUR + 2 * 4 * HOUR + 3 * WORK_DAY
    );
}

#[test]
fn a_derived_calendar_inherits_from_its_base_and_overrides_some_days() {
    let mut base = Calendar::standard();
    base.exceptions
        .push(holiday(date(2027, 1, 6), date(2027, 1, 6)));
    base.exceptions
        .push(holiday(date(2027, 1, 7), date(2027, 1, 7)));
    let mut derived = Calendar {
        id: "shop".into(),
        name: "Shop".into(),
        base: Some(0),
        week: Default::default(),
        exceptions: vec![CalendarException {
            from: date(2027, 1, 7),
            to: date(2027, 1, 7),
            hours: hours(&[(8 * 60, 12 * 60)]),
        }],
    };
    derived.week[0] = Some(Vec::new()); // closed on Mondays
    derived.week[5] = Some(hours(&[(9 * 60, 15 * 60)])); // open on Saturdays
    let calendars = [base, derived];
    let calendar = WorkCalendar::compile(&calendars, 1).unwrap();
    assert_eq!(calendar.minutes_per_week(), 4 * WORK_DAY + 6 * HOUR);
    assert!(!calendar.is_working(at(2027, 1, 4, 9, 0)), "own Monday");
    assert!(calendar.is_working(at(2027, 1, 5, 9, 0)), "base Tuesday");
    assert!(!calendar.is_working(at(2027, 1, 6, 9, 0)), "base holiday");
    assert!(
        calendar.is_working(at(2027, 1, 7, 9, 0)),
        "own exception wins"
    );
    assert!(!calendar.is_working(at(2027, 1, 7, 14, 0)));
    assert!(calendar.is_working(at(2027, 1, 9, 14, 0)), "own Saturday");
    assert!(!calendar.is_working(at(2027, 1, 10, 9, 0)), "base Sunday");
    assert_eq!(
        calendar.between(at(2027, 1, 4, 0, 0), at(2027, 1, 11, 0, 0)),
        WORK_DAY + 4 * HOUR + WORK_DAY + 6 * HOUR
    );
    // The base itself is unchanged.
    let base = WorkCalendar::compile(&calendars, 0).unwrap();
    assert!(!base.is_working(at(2027, 1, 7, 9, 0)));
    assert!(base.is_working(at(2027, 1, 4, 9, 0)));
}

#[test]
fn calendars_without_working_time_or_with_a_base_cycle_are_errors() {
    let mut closed = Calendar::standard();
    closed.week = std::array::from_fn(|_| Some(Vec::new()));
    assert_eq!(
        WorkCalendar::compile(&[closed], 0).unwrap_err(),
        CalendarError::NoWorkingWeek("standard".into())
    );
    let mut a = Calendar::standard();
    a.base = Some(1);
    let mut b = Calendar::standard();
    b.id = "b".into();
    b.base = Some(0);
    assert!(matches!(
        WorkCalendar::compile(&[a, b], 0),
        Err(CalendarError::BaseCycle(_))
    ));
}

/// Monday to Friday nights, 22:00-06:00.
fn night_shift() -> Calendar {
    let mut calendar = Calendar::standard();
    calendar.id = "nights".into();
    for day in calendar.week.iter_mut().take(5) {
        *day = Some(hours(&[(22 * 60, 6 * 60)]));
    }
    calendar
}

#[test]
fn a_night_shift_continues_past_midnight() {
    let calendar = compile(night_shift());
    assert_eq!(calendar.minutes_per_week(), 5 * WORK_DAY);
    // Friday night's work continues into Saturday morning.
    assert!(calendar.is_working(at(2027, 1, 9, 5, 59)));
    assert!(!calendar.is_working(at(2027, 1, 9, 6, 0)));
    assert!(!calendar.is_working(at(2027, 1, 9, 22, 0)));
    // Nobody works Sunday night, so Monday morning is free.
    assert!(!calendar.is_working(at(2027, 1, 11, 2, 0)));
    assert!(calendar.is_working(at(2027, 1, 11, 23, 0)));
    assert_eq!(
        iso(calendar.add(at(2027, 1, 8, 22, 0), WORK_DAY, Edge::Finish)),
        "2027-01-09T06:00:00"
    );
    assert_eq!(
        iso(calendar.add(at(2027, 1, 8, 22, 0), WORK_DAY, Edge::Start)),
        "2027-01-11T22:00:00"
    );
    assert_eq!(
        iso(calendar.add(at(2027, 1, 5, 4, 0), 3 * HOUR, Edge::Finish)),
        "2027-01-05T23:00:00",
        "two hours before dawn, one after dusk"
    );
    assert_eq!(
        calendar.between(at(2027, 1, 8, 12, 0), at(2027, 1, 9, 12, 0)),
        WORK_DAY
    );
}

#[test]
fn a_holiday_after_a_night_shift_keeps_the_shift_that_began_the_day_before() {
    // The interval belongs to the day it starts on: a holiday on Thursday cancels Thursday
    // night's shift, not the end of Wednesday night's.
    let mut definition = night_shift();
    definition
        .exceptions
        .push(holiday(date(2027, 1, 7), date(2027, 1, 7)));
    let calendar = compile(definition);
    assert!(calendar.is_working(at(2027, 1, 7, 3, 0)));
    assert!(!calendar.is_working(at(2027, 1, 7, 23, 0)));
    assert!(!calendar.is_working(at(2027, 1, 8, 3, 0)));
    assert!(calendar.is_working(at(2027, 1, 8, 23, 0)));
    assert_eq!(
        calendar.between(at(2027, 1, 4, 0, 0), at(2027, 1, 11, 0, 0)),
        4 * WORK_DAY
    );
}

#[test]
fn a_twenty_four_hour_calendar_counts_elapsed_time() {
    let calendar = compile(Calendar::continuous());
    let friday = at(2027, 1, 8, 16, 0);
    assert_eq!(
        calendar.add(friday, 3 * DAY, Edge::Finish),
        friday + 3 * DAY
    );
    assert_eq!(calendar.add(friday, 3 * DAY, Edge::Start), friday + 3 * DAY);
    assert_eq!(calendar.between(friday, friday + 1000), 1000);
    assert_eq!(calendar.next_working(friday + 7), friday + 7);
    assert_eq!(calendar.minutes_per_week(), 7 * DAY);
    assert_eq!(calendar.w(-5), -5 + calendar.w(0));
}

#[test]
fn far_before_and_after_the_exceptions_the_week_repeats() {
    let mut definition = Calendar::standard();
    definition
        .exceptions
        .push(holiday(date(2027, 1, 6), date(2027, 1, 6)));
    let calendar = compile(definition);
    // 5 January 2026 and 3 January 2028 are Mondays, 52 weeks either side of 4 January 2027.
    assert_eq!(
        calendar.between(at(2026, 1, 5, 8, 0), at(2028, 1, 3, 8, 0)),
        104 * 5 * WORK_DAY - WORK_DAY
    );
    // Centuries away the arithmetic stays weekly. 1 January 1900 and 2200 are a Monday and a
    // Wednesday.
    assert_eq!(
        calendar.between(at(1900, 1, 1, 8, 0), at(1900, 1, 8, 8, 0)),
        5 * WORK_DAY
    );
    assert_eq!(
        iso(calendar.add(at(1900, 1, 5, 16, 0), 2 * HOUR, Edge::Finish)),
        "1900-01-08T09:00:00"
    );
    assert_eq!(
        iso(calendar.add(at(2200, 1, 1, 9, 0), 3 * WORK_DAY, Edge::Finish)),
        "2200-01-06T09:00:00"
    );
    assert_eq!(
        iso(calendar.add(at(2200, 1, 6, 9, 0), -3 * WORK_DAY, Edge::Start)),
        "2200-01-01T09:00:00"
    );
    // From before the span to after it in one step.
    let start = at(1990, 1, 1, 8, 0);
    let finish = calendar.add(start, 2000 * 5 * WORK_DAY, Edge::Finish);
    assert_eq!(calendar.between(start, finish), 2000 * 5 * WORK_DAY);
    assert_eq!(
        calendar.add(finish, -2000 * 5 * WORK_DAY, Edge::Start),
        start
    );
    // Without exceptions the two calendars agree everywhere away from that Wednesday.
    let plain = standard();
    let t = at(2300, 3, 1, 10, 15);
    assert_eq!(
        calendar.w(t) - calendar.w(at(2027, 1, 8, 0, 0)),
        plain.w(t) - plain.w(at(2027, 1, 8, 0, 0))
    );
}

#[test]
fn instants_before_1970_are_negative_and_work_the_same() {
    let calendar = standard();
    // 29 December 1969 was a Monday; 1 January 1970 a Thursday.
    let monday = at(1969, 12, 29, 8, 0);
    assert!(monday < 0);
    assert_eq!(calendar.between(monday, at(1970, 1, 5, 8, 0)), 5 * WORK_DAY);
    assert_eq!(
        iso(calendar.add(at(1969, 12, 31, 16, 0), 2 * HOUR, Edge::Finish)),
        "1970-01-01T09:00:00"
    );
    assert_eq!(
        iso(calendar.add(at(1970, 1, 1, 9, 0), -2 * HOUR, Edge::Start)),
        "1969-12-31T16:00:00"
    );
    assert_eq!(
        iso(calendar.next_working(at(1969, 12, 27, 12, 0))),
        "1969-12-29T08:00:00"
    );
    assert!(calendar.is_working(at(1969, 12, 31, 16, 59)));
    assert!(!calendar.is_working(at(1969, 12, 31, 12, 30)));
    // Holidays before 1970 sit in the prefix array with negative day numbers.
    let mut definition = Calendar::standard();
    definition
        .exceptions
        .push(holiday(date(1969, 12, 31), date(1970, 1, 1)));
    let calendar = compile(definition);
    assert_eq!(
        iso(calendar.add(at(1969, 12, 30, 16, 0), 2 * HOUR, Edge::Finish)),
        "1970-01-02T09:00:00"
    );
}

// ---------------------------------------------------------------------------------------------
// Property test against a minute-by-minute brute force.

/// The hours a calendar's own definition gives to a date, walking from the calendar to its
/// base: an exception of the nearest calendar that covers the date wins, then the nearest week
/// that sets this weekday, else a non-working day.
fn own_hours(calendars: &[Calendar], index: usize, day: i64) -> DayHours {
    let date = time::date_of_day(day);
    let mut chain = Vec::new();
    let mut current = Some(index);
    while let Some(c) = current {
        chain.push(c);
        current = calendars[c].base;
    }
    for &c in &chain {
        if let Some(exception) = calendars[c]
            .exceptions
            .iter()
            .find(|e| e.from <= date && date <= e.to)
        {
            return exception.hours.clone();
        }
    }
    let weekday = date.weekday().num_days_from_monday() as usize;
    chain
        .iter()
        .find_map(|&c| calendars[c].week[weekday].clone())
        .unwrap_or_default()
}

/// Which minutes of days `from..to` are working time, by definition: minute `m` of a day works
/// when an interval of that day covers it, or an interval of the day before runs past midnight
/// over `m + 1440`.
struct BruteForce {
    origin: Instant,
    working: Vec<bool>,
    /// `count[i]` = working minutes in `origin..origin + i`.
    count: Vec<i64>,
}

impl BruteForce {
    fn new(calendars: &[Calendar], index: usize, from: i64, to: i64) -> BruteForce {
        let mut working = Vec::new();
        for day in from..to {
            let own = own_hours(calendars, index, day);
            let previous = own_hours(calendars, index, day - 1);
            for minute in 0..DAY as u16 {
                let covered = own.iter().any(|i| i.start <= minute && minute < i.end)
                    || previous
                        .iter()
                        .any(|i| u32::from(minute) + (DAY as u32) < u32::from(i.end));
                working.push(covered);
            }
        }
        let mut count = vec![0];
        for &w in &working {
            count.push(count.last().unwrap() + i64::from(w));
        }
        BruteForce {
            origin: from * DAY,
            working,
            count,
        }
    }

    fn len(&self) -> usize {
        self.working.len()
    }

    /// The instant at which the working minute with coordinate `target` starts.
    fn start_at(&self, target: i64) -> Option<Instant> {
        // That minute `m` is the one after which the count first exceeds `target`.
        let k = self.count.partition_point(|&c| c <= target);
        (k >= 1 && k <= self.len() && self.count[k - 1] == target && self.working[k - 1])
            .then(|| self.origin + k as i64 - 1)
    }

    /// The instant at which the working minute with coordinate `target - 1` ends.
    fn finish_at(&self, target: i64) -> Option<Instant> {
        let k = self.count.partition_point(|&c| c < target);
        (k >= 1 && k <= self.len() && self.count[k] == target && self.working[k - 1])
            .then(|| self.origin + k as i64)
    }
}

#[derive(Clone, Debug)]
struct RawException {
    offset: i64,
    length: i64,
    hours: DayHours,
}

fn interval() -> impl Strategy<Value = Interval> {
    // Quarter hours, so intervals touch and overlap often; `end <= start` crosses midnight.
    (0u32..96, 0u32..=96).prop_filter_map("empty interval", |(start, end)| {
        Interval::new(start * 15, end * 15)
    })
}

fn day_hours() -> impl Strategy<Value = DayHours> {
    prop::collection::vec(interval(), 0..=3)
}

fn exceptions() -> impl Strategy<Value = Vec<RawException>> {
    let hours = prop_oneof![Just(Vec::new()), prop::collection::vec(interval(), 1..=2)];
    prop::collection::vec((0i64..21, 0i64..4, hours), 0..4).prop_map(|raw| {
        raw.into_iter()
            .map(|(offset, length, hours)| RawException {
                offset,
                length,
                hours,
            })
            .collect()
    })
}

/// Exceptions from `anchor`, leaving out any that overlap an earlier one of the same calendar.
fn build_exceptions(anchor: i64, raw: &[RawException]) -> Vec<CalendarException> {
    let mut taken: Vec<(i64, i64)> = Vec::new();
    let mut out = Vec::new();
    for exception in raw {
        let from = anchor + exception.offset;
        let to = from + exception.length;
        if taken.iter().any(|&(a, b)| from <= b && a <= to) {
            continue;
        }
        taken.push((from, to));
        out.push(CalendarException {
            from: time::date_of_day(from),
            to: time::date_of_day(to),
            hours: exception.hours.clone(),
        });
    }
    out
}

#[derive(Clone, Debug)]
struct Case {
    anchor: i64,
    base_week: [DayHours; 7],
    base_exceptions: Vec<RawException>,
    derived: Option<([Option<DayHours>; 7], Vec<RawException>)>,
    /// Days from the anchor to a second window far away (centuries either side).
    far: i64,
    /// Positions in the window (as a share of it in thousandths) and minutes to add.
    probes: Vec<(u32, u32, i64)>,
}

fn case() -> impl Strategy<Value = Case> {
    let anchor = prop_oneof![
        (-30i64..30).prop_map(|d| d + day_number(NaiveDate::from_ymd_opt(1970, 1, 1).unwrap())),
        (-30i64..30).prop_map(|d| d + day_number(NaiveDate::from_ymd_opt(2027, 1, 4).unwrap())),
    ];
    let base_week = prop::array::uniform7(day_hours())
        .prop_filter("a working week", |week| week.iter().any(|d| !d.is_empty()));
    let derived = prop::option::of((
        prop::array::uniform7(prop::option::of(day_hours())),
        exceptions(),
    ));
    let probes = prop::collection::vec((0u32..1000, 0u32..1000, -4000i64..4000), 24);
    (
        anchor,
        base_week,
        exceptions(),
        derived,
        -80_000i64..80_000,
        probes,
    )
        .prop_map(
            |(anchor, base_week, base_exceptions, derived, far, probes)| Case {
                anchor,
                base_week,
                base_exceptions,
                derived,
                far,
                probes,
            },
        )
}

/// Compare the compiled calendar with the brute force on days `from..to`.
fn check_window(
    calendars: &[Calendar],
    index: usize,
    compiled: &WorkCalendar,
    from: i64,
    to: i64,
    probes: &[(u32, u32, i64)],
) -> Result<(), TestCaseError> {
    let brute = BruteForce::new(calendars, index, from, to);
    let length = brute.len();
    let instant = |share: u32| brute.origin + (length * share as usize / 1000) as i64;
    let index_of = |t: Instant| (t - brute.origin) as usize;
    let w0 = compiled.w(brute.origin);
    for &(a, b, minutes) in probes {
        let (t, u) = (instant(a), instant(b));
        let (i, j) = (index_of(t), index_of(u));
        prop_assert_eq!(compiled.w(t) - w0, brute.count[i], "W at {}", iso(t));
        prop_assert_eq!(compiled.between(t, u), brute.count[j] - brute.count[i]);
        prop_assert_eq!(
            compiled.is_working(t),
            brute.working[i],
            "working at {}",
            iso(t)
        );
        if let Some(m) = (i..length).find(|&m| brute.working[m]) {
            prop_assert_eq!(
                iso(compiled.next_working(t)),
                iso(brute.origin + m as i64),
                "next working after {}",
                iso(t)
            );
        }
        if let Some(m) = (0..i).rev().find(|&m| brute.working[m]) {
            prop_assert_eq!(
                iso(compiled.previous_working_end(t)),
                iso(brute.origin + m as i64 + 1),
                "previous working end before {}",
                iso(t)
            );
        }
        let target = brute.count[i] + minutes;
        if let Some(expected) = brute.start_at(target) {
            prop_assert_eq!(
                iso(compiled.add(t, minutes, Edge::Start)),
                iso(expected),
                "{} + {} at the start edge",
                iso(t),
                minutes
            );
        }
        if let Some(expected) = brute.finish_at(target) {
            prop_assert_eq!(
                iso(compiled.add(t, minutes, Edge::Finish)),
                iso(expected),
                "{} + {} at the finish edge",
                iso(t),
                minutes
            );
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn compiled_calendars_agree_with_a_minute_by_minute_walk(case in case()) {
        let mut calendars = vec![Calendar {
            id: "base".into(),
            name: "Base".into(),
            base: None,
            week: case.base_week.clone().map(Some),
            exceptions: build_exceptions(case.anchor, &case.base_exceptions),
        }];
        if let Some((week, exceptions)) = &case.derived {
            calendars.push(Calendar {
                id: "derived".into(),
                name: "Derived".into(),
                base: Some(0),
                week: week.clone(),
                exceptions: build_exceptions(case.anchor, exceptions),
            });
        }
        let index = calendars.len() - 1;
        // A week far from every exception shows the plain working week.
        let quiet = case.anchor + 7000;
        let week_minutes = BruteForce::new(&calendars, index, quiet, quiet + 7).count[7 * DAY as usize];
        let compiled = match WorkCalendar::compile(&calendars, index) {
            Ok(compiled) => compiled,
            Err(error) => {
                prop_assert_eq!(week_minutes, 0, "{}", error);
                return Ok(());
            }
        };
        prop_assert_eq!(compiled.minutes_per_week(), week_minutes);
        // Around the exceptions (and before and after them), then far away.
        check_window(&calendars, index, &compiled, case.anchor - 7, case.anchor + 28, &case.probes)?;
        let far = case.anchor + case.far;
        check_window(&calendars, index, &compiled, far, far + 14, &case.probes)?;
    }
}
