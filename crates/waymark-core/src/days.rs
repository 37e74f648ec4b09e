//! Working time as people read it: minutes as working days, rounded once, here.
//!
//! Every human text that states working time in days (the command line's tables, the plan
//! doctor's messages, the web pages, the browser's drag tip) goes through [`days`] or
//! [`days_text`]; `static/waymark.js` has the same rule as `Waymark.days` for what the browser
//! computes live, and `days.json` beside this file holds both to one table of cases. JSON
//! fields are contracts and keep their exact numbers; only text uses this rule.
//!
//! The rule: working minutes divided by the plan's minutes per day, rounded to one decimal
//! (halves away from zero, in integers, so no binary fraction can tip a value), with a trailing
//! `.0` dropped: `2.5`, `3`, `-1.5`, `0`.

/// Tenths of a working day in `minutes`, rounded half away from zero; a day of fewer than one
/// minute counts as one minute.
pub fn tenths(minutes: i64, minutes_per_day: i64) -> i64 {
    let per_day = i128::from(minutes_per_day.max(1));
    let size = i128::from(minutes).abs();
    let rounded = (size * 20 + per_day) / (2 * per_day);
    let signed = if minutes < 0 { -rounded } else { rounded };
    signed.clamp(i128::from(i64::MIN), i128::from(i64::MAX)) as i64
}

/// `minutes` as a number of working days: `2.5`, `3`, `-1.5`, `0`.
pub fn days(minutes: i64, minutes_per_day: i64) -> String {
    let tenths = tenths(minutes, minutes_per_day);
    let sign = if tenths < 0 { "-" } else { "" };
    let (whole, tenth) = (tenths.unsigned_abs() / 10, tenths.unsigned_abs() % 10);
    if tenth == 0 {
        format!("{sign}{whole}")
    } else {
        format!("{sign}{whole}.{tenth}")
    }
}

/// `minutes` as working days with the unit: `1 day`, `2.5 days`, `0 days`.
pub fn days_text(minutes: i64, minutes_per_day: i64) -> String {
    let number = days(minutes, minutes_per_day);
    let unit = if number == "1" || number == "-1" {
        "day"
    } else {
        "days"
    };
    format!("{number} {unit}")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The cases of `days.json`: `[minutes, minutes per day, days, days_text]` per line.
    fn cases() -> Vec<(i64, i64, String, String)> {
        include_str!("days.json")
            .lines()
            .map(str::trim)
            .filter(|line| line.starts_with("[") && line.len() > 1)
            .map(|line| {
                let inner = line.trim_end_matches(',').trim_matches(['[', ']']);
                let fields: Vec<&str> = inner.split(',').map(str::trim).collect();
                let number = |at: usize| fields[at].parse::<i64>().expect("a whole number");
                let text = |at: usize| fields[at].trim_matches('"').to_owned();
                (number(0), number(1), text(2), text(3))
            })
            .collect()
    }

    #[test]
    fn the_table_of_days() {
        let cases = cases();
        assert!(cases.len() >= 20, "days.json holds the cases");
        for (minutes, per_day, number, text) in cases {
            assert_eq!(
                days(minutes, per_day),
                number,
                "{minutes} min at {per_day}/day"
            );
            assert_eq!(
                days_text(minutes, per_day),
                text,
                "{minutes} min at {per_day}/day"
            );
        }
    }

    #[test]
    fn halves_round_away_from_zero_and_nothing_overflows() {
        // 2.25 days and -2.25 days: the binary fractions of floats cannot tip them.
        assert_eq!(days(1080, 480), "2.3");
        assert_eq!(days(-1080, 480), "-2.3");
        assert_eq!(days(1, 480), "0");
        assert_eq!(days(-1, 480), "0");
        assert!(days(i64::MAX, 1).starts_with("922337203685477580"));
        assert!(days(i64::MIN, 1).starts_with("-922337203685477580"));
        assert_eq!(days(960, 0), "960");
    }
}
