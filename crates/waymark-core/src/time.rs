//! Instants as whole minutes on a naive local clock, and conversions to and from chrono.
//!
//! Project dates carry no time zone (Microsoft Project and Primavera store local wall-clock
//! times), so an instant is the number of minutes since 1970-01-01T00:00 local time. Integer
//! minutes keep all working-time arithmetic exact.

use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime, NaiveTime, Timelike, Weekday};

/// Minutes since 1970-01-01T00:00 on the project's local clock.
pub type Instant = i64;

/// Minutes in a day.
pub const DAY: i64 = 1440;

fn epoch() -> NaiveDateTime {
    NaiveDate::from_ymd_opt(1970, 1, 1)
        .unwrap_or(NaiveDate::MIN)
        .and_time(NaiveTime::MIN)
}

/// The instant of a local date-time (seconds are dropped).
pub fn instant(datetime: NaiveDateTime) -> Instant {
    (datetime - epoch()).num_minutes()
}

/// The instant of midnight at the start of `date`.
pub fn day_start(date: NaiveDate) -> Instant {
    instant(date.and_time(NaiveTime::MIN))
}

/// The local date-time of an instant.
pub fn datetime(instant: Instant) -> NaiveDateTime {
    epoch() + Duration::minutes(instant)
}

/// The day number (days since 1970-01-01) that contains an instant.
pub fn day_of(instant: Instant) -> i64 {
    instant.div_euclid(DAY)
}

/// The day number of a date.
pub fn day_number(date: NaiveDate) -> i64 {
    day_start(date) / DAY
}

/// The date of a day number.
pub fn date_of_day(day: i64) -> NaiveDate {
    datetime(day * DAY).date()
}

/// Weekday index of a day number, Monday = 0 .. Sunday = 6. Day 0 (1970-01-01) was a Thursday.
pub fn weekday_of_day(day: i64) -> usize {
    (day + 3).rem_euclid(7) as usize
}

/// Weekday index of a chrono weekday, Monday = 0.
pub fn weekday_index(weekday: Weekday) -> usize {
    weekday.num_days_from_monday() as usize
}

/// ISO 8601 text of an instant, `2027-01-04T09:00:00`.
pub fn iso(instant: Instant) -> String {
    datetime(instant).format("%Y-%m-%dT%H:%M:%S").to_string()
}

/// Minutes after midnight of a time of day.
pub fn minute_of_day(time: NaiveTime) -> u32 {
    time.hour() * 60 + time.minute()
}

/// Year, month and day of a day number; handy for charts.
pub fn ymd(day: i64) -> (i32, u32, u32) {
    let date = date_of_day(day);
    (date.year(), date.month(), date.day())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_weekday() {
        let date = NaiveDate::from_ymd_opt(2027, 1, 4).unwrap();
        let t = instant(date.and_hms_opt(9, 30, 0).unwrap());
        assert_eq!(iso(t), "2027-01-04T09:30:00");
        assert_eq!(weekday_of_day(day_of(t)), 0, "4 January 2027 is a Monday");
        assert_eq!(weekday_of_day(0), 3, "1 January 1970 was a Thursday");
        assert_eq!(day_of(-1), -1);
        assert_eq!(date_of_day(day_number(date)), date);
    }
}
