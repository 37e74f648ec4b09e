//! Throughput forecasting: "when will N items be done" and "how many items within K periods",
//! from the team's own history of items finished per period.
//!
//! Monte Carlo forecasters resample past throughput (each future period's count is drawn from
//! the history, with replacement). That model has an exact answer: the total after k periods is
//! the k-fold convolution of the empirical distribution, so Waymark computes the distribution
//! exactly instead of simulating it, with no sampling error and no seed.

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

#[cfg(test)]
mod tests {
    use super::*;

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
