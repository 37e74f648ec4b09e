//! Duration text as people write it in plan files: `5d`, `3.5h`, `2w`, `30m`, `1mo`, and the
//! elapsed (calendar-time) forms `4ed`, `12eh`, `90em`, `1ew` that only link lags may use.
//!
//! Parsing is pure text-to-minutes arithmetic: how many minutes a working day has comes in as a
//! [`Scale`] (derived by the plan reader from the project calendar), so this module never looks
//! at a calendar. Results are whole minutes, rounded to the nearest one.

use waymark_core::calendar::DayHours;
use waymark_core::time::DAY;
use waymark_core::Project;

/// Largest number of minutes a duration may have (about 19 million years); anything bigger is
/// a typo, and refusing it keeps every later sum far away from `i64` overflow.
pub const MAX_MINUTES: f64 = 1e13;

/// Largest percentage lag, either sign (a hundred times the predecessor's duration). With
/// [`MAX_MINUTES`] it keeps a percentage lag in minutes far away from `i64` overflow too.
pub const MAX_LAG_PERCENT: f64 = 10_000.0;

/// How long the working units of duration text are, in working minutes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Scale {
    /// A `d`: the project calendar's working minutes per working day.
    pub minutes_per_day: i64,
    /// A `w`: five working days.
    pub minutes_per_week: i64,
    /// Working days in a `mo`.
    pub days_per_month: i64,
}

impl Scale {
    /// The scale of a working day of `minutes_per_day` minutes: `w` = 5 d, `mo` = 20 d.
    pub fn of_day(minutes_per_day: i64) -> Scale {
        Scale {
            minutes_per_day,
            minutes_per_week: 5 * minutes_per_day,
            days_per_month: 20,
        }
    }

    /// The scale of a project whose calendar works `week`: a `d` is its average working day,
    /// the weekly working minutes over the number of days that have working hours, rounded.
    /// `None` when the week has no working time.
    pub fn of_week(week: &[DayHours]) -> Option<Scale> {
        let working_days = week.iter().filter(|day| !day.is_empty()).count() as i64;
        let minutes: i64 = week
            .iter()
            .flatten()
            .map(|interval| interval.minutes())
            .sum();
        (working_days > 0 && minutes > 0)
            .then(|| Scale::of_day((minutes as f64 / working_days as f64).round() as i64))
    }

    /// The scale a project declares.
    pub fn of_project(project: &Project) -> Scale {
        Scale {
            minutes_per_day: project.minutes_per_day,
            minutes_per_week: project.minutes_per_week,
            days_per_month: project.days_per_month,
        }
    }
}

impl Default for Scale {
    /// Eight-hour days.
    fn default() -> Scale {
        Scale::of_day(480)
    }
}

/// A parsed duration: working minutes (measured on a calendar) or elapsed minutes (wall clock).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Amount {
    Working(i64),
    Elapsed(i64),
}

/// Why duration text was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DurationError {
    #[error("malformed duration `{0}`: use a number and a unit m, h, d or w, e.g. `5d`")]
    Malformed(String),
    #[error("duration `{0}` is too large")]
    TooLarge(String),
    #[error(
        "`{0}` is elapsed time, but this must be working time (m, h, d, w or mo); only link lags may be elapsed"
    )]
    Elapsed(String),
}

impl DurationError {
    /// The diagnostic code of this error.
    pub fn code(&self) -> &'static str {
        match self {
            DurationError::Malformed(_) | DurationError::TooLarge(_) => "malformed-duration",
            DurationError::Elapsed(_) => "elapsed-duration",
        }
    }
}

/// Parse duration text: a non-negative number (decimals allowed) and a unit, optionally separated
/// by spaces. Working units: `m`, `h`, `d`, `w`, `mo`; elapsed units: `em`, `eh`, `ed`, `ew`.
/// Units are case-insensitive.
pub fn parse(text: &str, scale: &Scale) -> Result<Amount, DurationError> {
    let malformed = || DurationError::Malformed(text.to_string());
    let trimmed = text.trim();
    let split = trimmed
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(trimmed.len());
    let (number, unit) = trimmed.split_at(split);
    if number.is_empty() || !number.chars().any(|c| c.is_ascii_digit()) {
        return Err(malformed());
    }
    let value: f64 = number.parse().map_err(|_| malformed())?;
    let unit = unit.trim().to_ascii_lowercase();
    let (per_unit, elapsed) = match unit.as_str() {
        "m" => (1, false),
        "h" => (60, false),
        "d" => (scale.minutes_per_day, false),
        "w" => (scale.minutes_per_week, false),
        "mo" => (scale.minutes_per_day * scale.days_per_month, false),
        "em" => (1, true),
        "eh" => (60, true),
        "ed" => (DAY, true),
        "ew" => (7 * DAY, true),
        _ => return Err(malformed()),
    };
    let minutes = value * per_unit as f64;
    if !minutes.is_finite() || minutes > MAX_MINUTES {
        return Err(DurationError::TooLarge(text.to_string()));
    }
    // The bound above keeps the cast exact and in range.
    let minutes = minutes.round() as i64;
    Ok(if elapsed {
        Amount::Elapsed(minutes)
    } else {
        Amount::Working(minutes)
    })
}

/// Parse duration text that must be working time (a task duration, an estimate, a risk delay).
pub fn parse_working(text: &str, scale: &Scale) -> Result<i64, DurationError> {
    match parse(text, scale)? {
        Amount::Working(minutes) => Ok(minutes),
        Amount::Elapsed(_) => Err(DurationError::Elapsed(text.trim().to_string())),
    }
}

/// Working minutes as short text in the largest unit that divides them: `5d`, `3h`, `90m`
/// (`2.5d` style decimals are avoided so the text parses back to the same minutes).
pub fn format_working(minutes: i64, scale: &Scale) -> String {
    if minutes != 0 && scale.minutes_per_day > 0 && minutes % scale.minutes_per_day == 0 {
        format!("{}d", minutes / scale.minutes_per_day)
    } else if minutes != 0 && minutes % 60 == 0 {
        format!("{}h", minutes / 60)
    } else {
        format!("{minutes}m")
    }
}

/// A share (0.5) as the decimal text of its percentage (`50`) that reads back, divided by 100,
/// to the same number: what writers put in `bob 50%`, `build SS+50%` and MSPDI percent lags.
/// Exact for every share a reader can produce from text and for most others; a share no float
/// divided by 100 can give (1/3 is one) comes back a rounding step away. The share's sign is
/// dropped, and there is no exponent, as the readers want it.
pub fn format_percent(share: f64) -> String {
    let share = share.abs();
    let percent = share * 100.0;
    if !percent.is_finite() {
        return format!("{percent}");
    }
    // `share * 100` may miss by a rounding step, and several neighbours may hit: take the
    // shortest text of those (`7`, not `7.000000000000001`). Rust prints a float as the
    // shortest text that parses back to it, so that text is exact.
    let bits = percent.to_bits();
    (0..=8u64)
        .flat_map(|step| [bits.checked_add(step), bits.checked_sub(step)])
        .flatten()
        .map(f64::from_bits)
        .filter(|candidate| candidate.is_finite() && candidate / 100.0 == share)
        .map(|candidate| format!("{candidate}"))
        .min_by_key(String::len)
        .unwrap_or_else(|| format!("{percent}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn show(text: &str) -> String {
        match parse(text, &Scale::of_day(450)) {
            Ok(Amount::Working(minutes)) => format!("working {minutes}"),
            Ok(Amount::Elapsed(minutes)) => format!("elapsed {minutes}"),
            Err(error) => format!("{}: {error}", error.code()),
        }
    }

    #[test]
    fn units_and_rounding() {
        let cases = [
            "5d",
            "3.5h",
            "2w",
            "1mo",
            "30m",
            "0.1m",
            "0.5m",
            "2 d",
            " 4D ",
            "1.5ed",
            "12eh",
            "90em",
            "1ew",
            "0d",
            "5",
            "d",
            "-2d",
            "5x",
            "1..5d",
            ".5h",
            "5.h",
            "1e3d",
            "5dd",
            "99999999999999w",
            "",
        ];
        let got: Vec<String> = cases
            .iter()
            .map(|case| format!("{case:?} => {}", show(case)))
            .collect();
        expect_test::expect![[r#"
            "5d" => working 2250
            "3.5h" => working 210
            "2w" => working 4500
            "1mo" => working 9000
            "30m" => working 30
            "0.1m" => working 0
            "0.5m" => working 1
            "2 d" => working 900
            " 4D " => working 1800
            "1.5ed" => elapsed 2160
            "12eh" => elapsed 720
            "90em" => elapsed 90
            "1ew" => elapsed 10080
            "0d" => working 0
            "5" => malformed-duration: malformed duration `5`: use a number and a unit m, h, d or w, e.g. `5d`
            "d" => malformed-duration: malformed duration `d`: use a number and a unit m, h, d or w, e.g. `5d`
            "-2d" => malformed-duration: malformed duration `-2d`: use a number and a unit m, h, d or w, e.g. `5d`
            "5x" => malformed-duration: malformed duration `5x`: use a number and a unit m, h, d or w, e.g. `5d`
            "1..5d" => malformed-duration: malformed duration `1..5d`: use a number and a unit m, h, d or w, e.g. `5d`
            ".5h" => working 30
            "5.h" => working 300
            "1e3d" => malformed-duration: malformed duration `1e3d`: use a number and a unit m, h, d or w, e.g. `5d`
            "5dd" => malformed-duration: malformed duration `5dd`: use a number and a unit m, h, d or w, e.g. `5d`
            "99999999999999w" => malformed-duration: duration `99999999999999w` is too large
            "" => malformed-duration: malformed duration ``: use a number and a unit m, h, d or w, e.g. `5d`"#]]
        .assert_eq(&got.join("\n"));
    }

    #[test]
    fn working_only() {
        let scale = Scale::default();
        assert_eq!(parse_working("2d", &scale), Ok(960));
        assert_eq!(
            parse_working("2ed", &scale).map_err(|e| e.to_string()),
            Err("`2ed` is elapsed time, but this must be working time (m, h, d, w or mo); only link lags may be elapsed".to_string())
        );
        assert_eq!(format_working(960, &scale), "2d");
        assert_eq!(format_working(120, &scale), "2h");
        assert_eq!(format_working(0, &scale), "0m");
    }

    #[test]
    fn percentages_read_back_exactly() {
        for share in [0.5, 0.25, 0.1, 0.29, 0.07, 0.123_456_789, 2.5, 1e-9, 0.0] {
            let text = format_percent(share);
            assert!(!text.contains('e'), "{text}");
            assert_eq!(text.parse::<f64>().unwrap() / 100.0, share, "{text}");
        }
        // Text a reader parsed comes back as the same text.
        for text in ["33.3", "12.5", "0.1", "150", "99.99", "7"] {
            let share = text.parse::<f64>().unwrap() / 100.0;
            assert_eq!(format_percent(share), text);
        }
        let third = format_percent(1.0 / 3.0).parse::<f64>().unwrap() / 100.0;
        assert!((third - 1.0 / 3.0).abs() < 1e-15);
        assert_eq!(format_percent(0.5), "50");
        assert_eq!(format_percent(-0.25), "25");
    }
}
