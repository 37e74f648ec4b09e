//! Throughput forecasting: "when will N items be done" and "how many items within K periods",
//! from the team's own history of items finished per period.
//!
//! Monte Carlo forecasters resample past throughput (each future period's count is drawn from
//! the history, with replacement). That model has an exact answer: the total after k periods is
//! the k-fold convolution of the empirical distribution, so Waymark computes the distribution
//! exactly instead of simulating it, with no sampling error and no seed.
//!
//! The history is either given as counts or derived by [`bin`] from completion dates (a CSV
//! export, a plan's finished tasks): calendar days or ISO weeks, with empty periods as zeros.

use chrono::{Datelike, Days, NaiveDate};

/// Why a forecast cannot be made.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ThroughputError {
    #[error("the throughput history is empty; give at least one period, e.g. `1,3,5,0,2`")]
    EmptyHistory,
    #[error("the throughput history has no finished items at all, so no date can be forecast")]
    NoThroughput,
    #[error("the scope range {from}..{to} is empty; the first number must not exceed the second")]
    EmptyScope { from: u64, to: u64 },
    #[error("{0} is too large to forecast exactly (at most {MAX_ITEMS} items or periods)")]
    TooLarge(u64),
    #[error("there are no completion dates to derive a throughput history from")]
    NoCompletions,
    #[error("every completion is after the as-of date {as_of}; nothing was finished by then")]
    NothingBy { as_of: NaiveDate },
}

/// The largest item count or period count forecast exactly.
pub const MAX_ITEMS: u64 = 1_000_000;

/// The empirical distribution of one period's throughput: `probability[v]` of finishing `v`.
fn period_distribution(history: &[u64]) -> Vec<f64> {
    let max = history.iter().copied().max().unwrap_or(0) as usize;
    let mut probability = vec![0.0; max + 1];
    let share = 1.0 / history.len() as f64;
    for &count in history {
        probability[count as usize] += share;
    }
    probability
}

/// One more period: convolve `total` (capped at `cap`, the last bucket meaning "cap or more")
/// with the period distribution.
fn step(total: &[f64], period: &[(usize, f64)], cap: usize) -> Vec<f64> {
    let mut next = vec![0.0; total.len()];
    for (sum, &p) in total.iter().enumerate() {
        if p == 0.0 {
            continue;
        }
        for &(value, q) in period {
            next[(sum + value).min(cap)] += p * q;
        }
    }
    next
}

fn nonzero(distribution: &[f64]) -> Vec<(usize, f64)> {
    distribution
        .iter()
        .enumerate()
        .filter(|(_, &p)| p > 0.0)
        .map(|(v, &p)| (v, p))
        .collect()
}

/// The answer to "when will the items be done".
#[derive(Clone, Debug, PartialEq)]
pub struct When {
    /// `(periods, probability that all items are done within that many periods)`, from 1 period
    /// until the probability reaches `1 - 1e-9` (or the period limit).
    pub cdf: Vec<(u64, f64)>,
}

impl When {
    /// The smallest number of periods with at least probability `p` of being done.
    pub fn percentile(&self, p: f64) -> Option<u64> {
        self.cdf
            .iter()
            .find(|&&(_, done)| done >= p - 1e-12)
            .map(|&(periods, _)| periods)
    }
}

/// Forecast when `items` (a range `from..=to`, each size equally likely) will be done.
pub fn when(
    history: &[u64],
    from: u64,
    to: u64,
    max_periods: u64,
) -> Result<When, ThroughputError> {
    if history.is_empty() {
        return Err(ThroughputError::EmptyHistory);
    }
    if history.iter().all(|&c| c == 0) {
        return Err(ThroughputError::NoThroughput);
    }
    if from > to {
        return Err(ThroughputError::EmptyScope { from, to });
    }
    if to > MAX_ITEMS {
        return Err(ThroughputError::TooLarge(to));
    }
    let period = nonzero(&period_distribution(history));
    let cap = to as usize;
    let mut total = vec![0.0; cap + 1];
    total[0] = 1.0;
    let scopes = (to - from + 1) as f64;
    let mut cdf = Vec::new();
    for periods in 1..=max_periods.min(MAX_ITEMS) {
        total = step(&total, &period, cap);
        // P(done) = mean over the scope sizes n of P(total >= n).
        let mut tail = 0.0;
        let mut done = 0.0;
        for n in (0..=cap).rev() {
            tail += total[n];
            if (n as u64) >= from && (n as u64) <= to {
                done += tail;
            }
        }
        let done = (done / scopes).min(1.0);
        cdf.push((periods, done));
        if done >= 1.0 - 1e-9 {
            break;
        }
    }
    Ok(When { cdf })
}

/// The answer to "how many items within K periods".
#[derive(Clone, Debug, PartialEq)]
pub struct HowMany {
    /// `(items, probability that at least that many are done)`, from 0 to the most possible.
    pub at_least: Vec<(u64, f64)>,
}

impl HowMany {
    /// The largest count reached with at least probability `p`.
    pub fn percentile(&self, p: f64) -> u64 {
        self.at_least
            .iter()
            .filter(|&&(_, q)| q >= p - 1e-12)
            .map(|&(items, _)| items)
            .max()
            .unwrap_or(0)
    }
}

/// Forecast how many items will be done within `periods` periods.
pub fn how_many(history: &[u64], periods: u64) -> Result<HowMany, ThroughputError> {
    if history.is_empty() {
        return Err(ThroughputError::EmptyHistory);
    }
    let max = history.iter().copied().max().unwrap_or(0);
    let most = max.saturating_mul(periods);
    if periods > MAX_ITEMS || most > MAX_ITEMS {
        return Err(ThroughputError::TooLarge(most.max(periods)));
    }
    let period = nonzero(&period_distribution(history));
    let cap = most as usize;
    let mut total = vec![0.0; cap + 1];
    total[0] = 1.0;
    for _ in 0..periods {
        total = step(&total, &period, cap);
    }
    let mut at_least = vec![(0u64, 0.0); cap + 1];
    let mut tail = 0.0;
    for n in (0..=cap).rev() {
        tail += total[n];
        at_least[n] = (n as u64, tail.min(1.0));
    }
    Ok(HowMany { at_least })
}

/// The length of one period of a throughput history.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Period {
    /// A calendar day: weekends and holidays are periods too (usually with nothing finished),
    /// just as the forecast's days are calendar days.
    Day,
    /// An ISO 8601 week, Monday to Sunday.
    Week,
}

impl Period {
    /// Calendar days in one period.
    pub fn days(self) -> u64 {
        match self {
            Period::Day => 1,
            Period::Week => 7,
        }
    }

    /// The first day of the period that contains `date` (for a week, its Monday).
    pub fn first_day(self, date: NaiveDate) -> NaiveDate {
        match self {
            Period::Day => date,
            Period::Week => date
                .checked_sub_days(Days::new(date.weekday().num_days_from_monday().into()))
                .unwrap_or(date),
        }
    }

    /// `day` or `week`, as on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Period::Day => "day",
            Period::Week => "week",
        }
    }
}

/// A throughput history derived from completion dates.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Binned {
    /// The first day of the first period.
    pub start: NaiveDate,
    /// Items finished in each period, oldest first; periods with nothing finished are zeros.
    pub counts: Vec<u64>,
    /// Completions after the as-of date, left out of the history.
    pub after_as_of: usize,
}

impl Binned {
    /// The first day after the history: where a forecast from it naturally starts.
    pub fn end(&self, period: Period) -> Option<NaiveDate> {
        let days = (self.counts.len() as u64).checked_mul(period.days())?;
        self.start.checked_add_days(Days::new(days))
    }
}

/// Count the completions per period, from the period of the first completion to the period of
/// `as_of` (or of the last completion, without it). Completions after `as_of` are left out and
/// counted in [`Binned::after_as_of`]: the history is what was known on that date. The period
/// containing the end is counted as a whole period even when it has only partly passed.
pub fn bin(
    completions: &[NaiveDate],
    period: Period,
    as_of: Option<NaiveDate>,
) -> Result<Binned, ThroughputError> {
    let known: Vec<NaiveDate> = completions
        .iter()
        .copied()
        .filter(|&date| as_of.is_none_or(|as_of| date <= as_of))
        .collect();
    let after_as_of = completions.len() - known.len();
    let (Some(&first), Some(&last)) = (known.iter().min(), known.iter().max()) else {
        return Err(match as_of {
            Some(as_of) if !completions.is_empty() => ThroughputError::NothingBy { as_of },
            _ => ThroughputError::NoCompletions,
        });
    };
    let start = period.first_day(first);
    let index = |date: NaiveDate| {
        let days = (period.first_day(date) - start).num_days().max(0) as u64;
        days / period.days()
    };
    let periods = index(as_of.unwrap_or(last)) + 1;
    if periods > MAX_ITEMS {
        return Err(ThroughputError::TooLarge(periods));
    }
    let mut counts = vec![0; periods as usize];
    for date in known {
        counts[index(date) as usize] += 1;
    }
    Ok(Binned {
        start,
        counts,
        after_as_of,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use expect_test::expect;

    const HISTORY: [u64; 12] = [1, 3, 5, 3, 7, 8, 0, 5, 3, 1, 8, 2];

    #[test]
    fn twenty_items_from_the_issue_history() {
        let forecast = when(&HISTORY, 20, 20, 100).unwrap();
        let within = |k: u64| forecast.cdf.iter().find(|c| c.0 == k).unwrap().1;
        assert!((within(7) - 0.84996).abs() < 5e-6, "{}", within(7));
        assert!((within(8) - 0.935044).abs() < 5e-7, "{}", within(8));
        assert_eq!(forecast.percentile(0.85), Some(8));
        // Independently: P(within 5) = 0.4678, P(within 6) = 0.6959 (a Python convolution).
        assert!((within(5) - 0.467_825_7).abs() < 1e-6);
        assert_eq!(forecast.percentile(0.5), Some(6));
        assert_eq!(forecast.percentile(0.7), Some(7));
        assert_eq!(forecast.percentile(0.95), Some(9));
    }

    #[test]
    fn the_cdf_rises_and_how_many_agrees_with_when() {
        let forecast = when(&HISTORY, 20, 20, 100).unwrap();
        for pair in forecast.cdf.windows(2) {
            assert!(pair[1].1 >= pair[0].1 - 1e-12);
        }
        // P(done within 7 periods) = P(at least 20 items in 7 periods).
        let within = how_many(&HISTORY, 7).unwrap();
        let at_least_20 = within.at_least[20].1;
        assert!((at_least_20 - forecast.cdf[6].1).abs() < 1e-12);
        assert!((within.at_least[0].1 - 1.0).abs() < 1e-12);
    }

    #[test]
    fn a_constant_team_is_certain() {
        let forecast = when(&[2, 2, 2], 10, 10, 100).unwrap();
        assert_eq!(forecast.percentile(0.5), Some(5));
        assert_eq!(forecast.percentile(0.95), Some(5));
        assert_eq!(forecast.cdf[3].1, 0.0);
        let within = how_many(&[2, 2], 3).unwrap();
        assert_eq!(within.percentile(0.95), 6);
    }

    #[test]
    fn a_scope_range_averages_over_its_sizes() {
        // One item per period: 2..4 items are done within 3 periods with probability 2/3.
        let forecast = when(&[1], 2, 4, 10).unwrap();
        assert!((forecast.cdf[2].1 - 2.0 / 3.0).abs() < 1e-12);
    }

    /// Bin `dates` (ISO dates separated by spaces) and show the history as
    /// `first-day: counts [(n after as-of)]`.
    fn binned(dates: &str, period: Period, as_of: Option<&str>) -> String {
        let date = |text: &str| NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap();
        let dates: Vec<NaiveDate> = dates.split_whitespace().map(date).collect();
        match bin(&dates, period, as_of.map(date)) {
            Ok(binned) => {
                let counts: Vec<String> = binned.counts.iter().map(u64::to_string).collect();
                let mut text = format!("{}: {}", binned.start, counts.join(" "));
                if binned.after_as_of > 0 {
                    text.push_str(&format!(" ({} after as-of)", binned.after_as_of));
                }
                text
            }
            Err(error) => format!("error: {error}"),
        }
    }

    #[test]
    fn iso_weeks_start_on_monday() {
        // 2027-03-07 is a Sunday, 2027-03-08 a Monday: the Sunday closes the first week.
        let week = |dates| binned(dates, Period::Week, None);
        expect![["2027-03-01: 3 1"]]
            .assert_eq(&week("2027-03-01 2027-03-03 2027-03-07 2027-03-08"));
        // The order of the dates does not matter.
        expect![["2027-03-01: 3 1"]]
            .assert_eq(&week("2027-03-08 2027-03-07 2027-03-03 2027-03-01"));
        // A lone Sunday belongs to the week that began the Monday before.
        expect![["2027-03-01: 1"]].assert_eq(&week("2027-03-07"));
    }

    #[test]
    fn weeks_run_across_the_year_change() {
        // 2026-12-28 (Monday) to 2027-01-03 (Sunday) is ISO week 2026-W53; 2027-01-04 starts W01.
        expect![["2026-12-28: 3 1"]].assert_eq(&binned(
            "2026-12-31 2027-01-01 2027-01-03 2027-01-04",
            Period::Week,
            None,
        ));
        expect![["2026-12-31: 1 1 0 0 1"]].assert_eq(&binned(
            "2026-12-31 2027-01-01 2027-01-04",
            Period::Day,
            None,
        ));
    }

    #[test]
    fn empty_periods_count_as_zeros() {
        expect![["2027-03-01: 2 0 0 1"]].assert_eq(&binned(
            "2027-03-02 2027-03-05 2027-03-25",
            Period::Week,
            None,
        ));
        expect![["2027-03-01: 1 0 0 2"]].assert_eq(&binned(
            "2027-03-01 2027-03-04 2027-03-04",
            Period::Day,
            None,
        ));
    }

    #[test]
    fn the_as_of_date_extends_or_cuts_the_history() {
        let dates = "2027-03-02 2027-03-09 2027-03-10";
        // Two quiet weeks after the last completion are part of the history.
        expect![["2027-03-01: 1 2 0 0"]].assert_eq(&binned(
            dates,
            Period::Week,
            Some("2027-03-22"),
        ));
        // As of the first week's Sunday, the later completions were not known yet.
        expect![["2027-03-01: 1 (2 after as-of)"]].assert_eq(&binned(
            dates,
            Period::Week,
            Some("2027-03-07"),
        ));
        // The as-of date itself counts.
        expect![["2027-03-09: 1 1"]].assert_eq(&binned(
            "2027-03-09 2027-03-10",
            Period::Day,
            Some("2027-03-10"),
        ));
        expect![["error: every completion is after the as-of date 2027-03-01; nothing was finished by then"]]
            .assert_eq(&binned(dates, Period::Week, Some("2027-03-01")));
        expect![["error: there are no completion dates to derive a throughput history from"]]
            .assert_eq(&binned("", Period::Day, Some("2027-03-01")));
    }

    #[test]
    fn the_history_ends_where_the_forecast_starts() {
        let date = |text: &str| NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap();
        let week = bin(
            &[date("2027-03-03")],
            Period::Week,
            Some(date("2027-03-10")),
        )
        .unwrap();
        assert_eq!(week.end(Period::Week), Some(date("2027-03-15")));
        let day = bin(&[date("2027-03-03")], Period::Day, None).unwrap();
        assert_eq!(day.end(Period::Day), Some(date("2027-03-04")));
        let far = bin(&[date("0001-01-01"), date("9999-12-31")], Period::Day, None);
        assert!(matches!(far, Err(ThroughputError::TooLarge(_))));
    }

    #[test]
    fn impossible_questions_are_errors() {
        assert_eq!(when(&[], 1, 1, 10), Err(ThroughputError::EmptyHistory));
        assert_eq!(when(&[0, 0], 1, 1, 10), Err(ThroughputError::NoThroughput));
        assert_eq!(
            when(&[1], 5, 2, 10),
            Err(ThroughputError::EmptyScope { from: 5, to: 2 })
        );
        assert!(how_many(&[u64::MAX], 2).is_err());
    }
}
