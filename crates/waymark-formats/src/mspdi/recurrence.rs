//! The dates a recurring exception falls on: daily, weekly, monthly and yearly patterns, by day
//! or by position ("the last Friday"), bounded in number.

use chrono::{Datelike, Duration, NaiveDate};

/// What a recurring exception repeats on.
pub(super) enum Recurrence {
    /// Every `period` days.
    Daily { period: i64 },
    /// Every `period` weeks on the days of `mask` (bit 0 = Sunday .. bit 6 = Saturday).
    Weekly { period: i64, mask: u32 },
    /// Every `period` months on day `day` (clamped to the month's length).
    MonthlyByDay { period: i64, day: u32 },
    /// Every `period` months on the `position`th (0-based, 4 = last) `item` of the month.
    MonthlyByPosition {
        period: i64,
        item: u32,
        position: u32,
    },
    /// Every year on `day` of `month` (1-based).
    YearlyByDay { month: u32, day: u32 },
    /// Every year on the `position`th `item` of `month` (1-based).
    YearlyByPosition {
        month: u32,
        item: u32,
        position: u32,
    },
}

/// The dates a recurrence falls on from `from` to `to` inclusive, at most `limit` of them.
pub(super) fn occurrences_of(
    recurrence: &Recurrence,
    from: NaiveDate,
    to: NaiveDate,
    limit: usize,
) -> Vec<NaiveDate> {
    let mut dates = Vec::new();
    let push = |date: NaiveDate, dates: &mut Vec<NaiveDate>| -> bool {
        // Returns whether to go on.
        if date > to || dates.len() >= limit {
            return false;
        }
        if date >= from {
            dates.push(date);
        }
        true
    };
    match *recurrence {
        Recurrence::Daily { period } => {
            let mut date = from;
            while push(date, &mut dates) {
                match date.checked_add_signed(Duration::days(period)) {
                    Some(next) => date = next,
                    None => break,
                }
            }
        }
        Recurrence::Weekly { period, mask } => {
            // Weeks run Sunday to Saturday, counted from the week that holds `from`.
            let sunday = i64::from(from.weekday().num_days_from_sunday());
            let Some(mut week) = from.checked_sub_signed(Duration::days(sunday)) else {
                return dates;
            };
            'weeks: loop {
                for day in 0..7 {
                    if mask & (1 << day) == 0 {
                        continue;
                    }
                    let Some(date) = week.checked_add_signed(Duration::days(day)) else {
                        break 'weeks;
                    };
                    if !push(date, &mut dates) {
                        break 'weeks;
                    }
                }
                match week.checked_add_signed(Duration::days(7 * period)) {
                    Some(next) => week = next,
                    None => break,
                }
            }
        }
        Recurrence::MonthlyByDay { .. }
        | Recurrence::MonthlyByPosition { .. }
        | Recurrence::YearlyByDay { .. }
        | Recurrence::YearlyByPosition { .. } => {
            // Month-based patterns: the first candidate month and the step between candidates.
            let (mut month, step) = match *recurrence {
                Recurrence::MonthlyByDay { period, .. }
                | Recurrence::MonthlyByPosition { period, .. } => (month_number(from), period),
                Recurrence::YearlyByDay { month, .. }
                | Recurrence::YearlyByPosition { month, .. } => {
                    (i64::from(from.year()) * 12 + i64::from(month) - 1, 12)
                }
                _ => return dates,
            };
            let pick = |month: i64| match *recurrence {
                Recurrence::MonthlyByDay { day, .. } | Recurrence::YearlyByDay { day, .. } => {
                    day_in_month(month, day)
                }
                Recurrence::MonthlyByPosition { item, position, .. }
                | Recurrence::YearlyByPosition { item, position, .. } => {
                    position_in_month(month, item, position)
                }
                _ => None,
            };
            while let Some(date) = pick(month) {
                if !push(date, &mut dates) {
                    break;
                }
                month += step;
            }
        }
    }
    dates
}

/// Months since year 0 (`year * 12 + month0`).
pub(super) fn month_number(date: NaiveDate) -> i64 {
    i64::from(date.year()) * 12 + i64::from(date.month0())
}

pub(super) fn first_of_month(month: i64) -> Option<NaiveDate> {
    let year = i32::try_from(month.div_euclid(12)).ok()?;
    NaiveDate::from_ymd_opt(year, month.rem_euclid(12) as u32 + 1, 1)
}

pub(super) fn days_in_month(month: i64) -> Option<u32> {
    let first = first_of_month(month)?;
    let next = first_of_month(month + 1)?;
    u32::try_from((next - first).num_days()).ok()
}

/// Day `day` of a month, clamped to its last day.
pub(super) fn day_in_month(month: i64, day: u32) -> Option<NaiveDate> {
    let first = first_of_month(month)?;
    let day = day.clamp(1, days_in_month(month)?);
    first.with_day(day)
}

/// The `position`th (0-based; 4 = last) `item` of a month. Items: 0 = day, 3 = Sunday ..
/// 9 = Saturday.
pub(super) fn position_in_month(month: i64, item: u32, position: u32) -> Option<NaiveDate> {
    let first = first_of_month(month)?;
    let length = days_in_month(month)?;
    if item == 0 {
        let day = if position >= 4 { length } else { position + 1 };
        return first.with_day(day);
    }
    let weekday = item.checked_sub(3)?; // 0 = Sunday
    if position >= 4 {
        let last = first.with_day(length)?;
        let back = (last.weekday().num_days_from_sunday() + 7 - weekday) % 7;
        return last.checked_sub_signed(Duration::days(i64::from(back)));
    }
    let ahead = (weekday + 7 - first.weekday().num_days_from_sunday()) % 7;
    first.checked_add_signed(Duration::days(i64::from(ahead + 7 * position)))
}
