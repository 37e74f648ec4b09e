//! Random numbers and duration samplers of the simulation.
//!
//! Every random number is a pure function of `(seed, iteration, slot)`: a counter-based
//! generator rather than a stream. Iteration `k` draws the same numbers whichever thread runs
//! it and in whatever order, which is what makes the forecast bit-identical for any number of
//! threads, lets a second pass regenerate a task's durations without storing them, and gives
//! "the same plan without risk R" exactly the same draws for everything else (common random
//! numbers).
//!
//! Three-point estimates are sampled by inversion, so sampling is a handful of arithmetic
//! operations: uniform and triangular in closed form, Beta-PERT from a table of the Beta
//! quantile function over the mode's position (65 rows) and the probability (1,024 segments),
//! interpolated in both directions. The table is built once by integrating the Beta density;
//! its error (below 1e-4 of the range in the body of the distribution, a test checks the
//! moments) is far inside the simulation's own sampling error.

use std::sync::OnceLock;

use super::kernel::{Lanes, LANES};
use crate::model::Distribution;
// The counter-based generator lives with the engine's other random numbers.
pub(crate) use crate::random::{bits, iteration_key, unit};

/// Rows of the PERT table: the mode's position in the range, 0, 1/64, ..., 1.
const ROWS: usize = 64;
/// Segments of each row: the quantile function at 0, 1/1024, ..., 1.
const SEGMENTS: usize = 1024;
const KNOTS: usize = SEGMENTS + 1;

/// The Beta-PERT quantile table: `ROWS + 1` rows of `KNOTS` values in `[0, 1]`.
fn pert_table() -> &'static [f32] {
    static TABLE: OnceLock<Vec<f32>> = OnceLock::new();
    TABLE.get_or_init(|| {
        // The density of Beta(1 + 4r, 5 - 4r) on a fine grid, integrated by the trapezoid rule,
        // then inverted at the knots by linear interpolation.
        const GRID: usize = 1 << 14;
        let h = 1.0 / GRID as f64;
        let ln_x: Vec<f64> = (0..=GRID).map(|i| (i as f64 * h).ln()).collect();
        let ln_1x: Vec<f64> = (0..=GRID).map(|i| (1.0 - i as f64 * h).ln()).collect();
        let mut table = Vec::with_capacity((ROWS + 1) * KNOTS);
        let mut cdf = vec![0.0f64; GRID + 1];
        for row in 0..=ROWS {
            let r = row as f64 / ROWS as f64;
            let (a, b) = (4.0 * r, 4.0 - 4.0 * r);
            let density = |i: usize| {
                let (x, y) = (ln_x[i], ln_1x[i]);
                // 0^0 = 1; 0^a = 0 for a > 0.
                let left = if a == 0.0 { 0.0 } else { a * x };
                let right = if b == 0.0 { 0.0 } else { b * y };
                (left + right).exp()
            };
            let mut previous = density(0);
            for i in 1..=GRID {
                let next = density(i);
                cdf[i] = cdf[i - 1] + 0.5 * h * (previous + next);
                previous = next;
            }
            let total = cdf[GRID];
            let mut i = 0;
            for knot in 0..KNOTS {
                let u = knot as f64 / SEGMENTS as f64 * total;
                if knot == 0 {
                    table.push(0.0);
                    continue;
                }
                if knot == SEGMENTS {
                    table.push(1.0);
                    continue;
                }
                while cdf[i + 1] < u {
                    i += 1;
                }
                let step = cdf[i + 1] - cdf[i];
                let x = if step > 0.0 {
                    (i as f64 + (u - cdf[i]) / step) * h
                } else {
                    i as f64 * h
                };
                table.push(x as f32);
            }
        }
        table
    })
}

/// How one task's (or one risk's) three-point value is drawn.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Sampler {
    Fixed(f32),
    Uniform {
        low: f32,
        span: f32,
    },
    Triangular {
        low: f32,
        high: f32,
        mode: f32,
        left: f32,
        right: f32,
    },
    Pert {
        low: f32,
        span: f32,
        row: u16,
        weight: f32,
    },
}

impl Sampler {
    /// The sampler of a three-point estimate.
    pub(crate) fn new(distribution: Distribution, [low, likely, high]: [f64; 3]) -> Sampler {
        if high <= low || !(low.is_finite() && high.is_finite()) {
            return Sampler::Fixed(likely as f32);
        }
        let span = high - low;
        let mode = ((likely - low) / span).clamp(0.0, 1.0);
        match distribution {
            Distribution::Uniform => Sampler::Uniform {
                low: low as f32,
                span: span as f32,
            },
            Distribution::Triangular => Sampler::Triangular {
                low: low as f32,
                high: high as f32,
                mode: mode as f32,
                left: (span * (likely - low)) as f32,
                right: (span * (high - likely)) as f32,
            },
            Distribution::Pert => {
                let position = mode * ROWS as f64;
                let row = (position.floor() as usize).min(ROWS - 1);
                Sampler::Pert {
                    low: low as f32,
                    span: span as f32,
                    row: row as u16,
                    weight: (position - row as f64) as f32,
                }
            }
        }
    }

    /// Whether every draw is the same.
    pub(crate) fn is_fixed(&self) -> bool {
        matches!(self, Sampler::Fixed(_))
    }

    /// The values of [`LANES`] iterations with these keys, for draw `slot`: what
    /// [`Sampler::sample`] gives lane by lane, in loops the compiler vectorises.
    #[inline]
    pub(crate) fn sample_lanes(&self, keys: &Lanes<u64>, slot: u32, out: &mut Lanes<f32>) {
        if let Sampler::Fixed(value) = *self {
            *out = [value; LANES];
            return;
        }
        let mut random = [0u32; LANES];
        for (r, &key) in random.iter_mut().zip(keys) {
            *r = bits(key, slot);
        }
        match *self {
            Sampler::Fixed(value) => *out = [value; LANES],
            Sampler::Uniform { low, span } => {
                for (o, &r) in out.iter_mut().zip(&random) {
                    *o = low + span * unit(r);
                }
            }
            Sampler::Triangular { .. } => {
                for (o, &r) in out.iter_mut().zip(&random) {
                    *o = self.sample(r);
                }
            }
            Sampler::Pert {
                low,
                span,
                row,
                weight,
            } => {
                let (r0, r1) = pert_rows(row);
                for (o, &r) in out.iter_mut().zip(&random) {
                    *o = pert(r0, r1, low, span, weight, r);
                }
            }
        }
    }

    /// The value for 32 random bits.
    #[inline]
    pub(crate) fn sample(&self, bits: u32) -> f32 {
        match *self {
            Sampler::Fixed(value) => value,
            Sampler::Uniform { low, span } => low + span * unit(bits),
            Sampler::Triangular {
                low,
                high,
                mode,
                left,
                right,
            } => {
                let u = unit(bits);
                if u < mode {
                    low + (u * left).sqrt()
                } else {
                    high - ((1.0 - u) * right).sqrt()
                }
            }
            Sampler::Pert {
                low,
                span,
                row,
                weight,
            } => {
                let (r0, r1) = pert_rows(row);
                pert(r0, r1, low, span, weight, bits)
            }
        }
    }
}

type Row = [f32; KNOTS];

/// Two neighbouring rows of the PERT table.
fn pert_rows(row: u16) -> (&'static Row, &'static Row) {
    let table = pert_table();
    let row = (row as usize).min(ROWS - 1);
    let at = |row: usize| -> &'static Row {
        let slice = &table[row * KNOTS..(row + 1) * KNOTS];
        slice.try_into().unwrap_or(&[0.0; KNOTS])
    };
    (at(row), at(row + 1))
}

/// A Beta-PERT value from two rows of the quantile table.
#[inline(always)]
fn pert(r0: &Row, r1: &Row, low: f32, span: f32, weight: f32, bits: u32) -> f32 {
    let knot = (bits >> 22) as usize & (SEGMENTS - 1);
    let fraction = ((bits >> 8) & 0x3FFF) as f32 * (1.0 / 16_384.0);
    let q0 = r0[knot] + (r0[knot + 1] - r0[knot]) * fraction;
    let q1 = r1[knot] + (r1[knot + 1] - r1[knot]) * fraction;
    low + span * (q0 + (q1 - q0) * weight)
}

/// Whole working minutes of a sampled value (half up; never negative).
#[inline]
pub(crate) fn minutes(value: f32) -> i32 {
    (value.max(0.0) + 0.5) as i32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draws_are_uniform_and_independent_of_neighbours() {
        // Chi-square over 64 cells for one slot across iterations and one iteration across slots.
        let cells = 64;
        let n = 64_000u32;
        let chi = |values: &mut dyn Iterator<Item = u32>| {
            let mut count = vec![0u32; cells];
            for v in values {
                count[(v >> 26) as usize] += 1;
            }
            let expected = f64::from(n) / cells as f64;
            count
                .iter()
                .map(|&c| (f64::from(c) - expected).powi(2) / expected)
                .sum::<f64>()
        };
        let across_iterations = chi(&mut (0..n).map(|k| bits(iteration_key(7, k.into()), 3)));
        let across_slots = chi(&mut (0..n).map(|s| bits(iteration_key(7, 11), s)));
        // 63 degrees of freedom: the 99.9th percentile is about 103.
        assert!(across_iterations < 103.0, "{across_iterations}");
        assert!(across_slots < 103.0, "{across_slots}");
        // Neighbouring slots are uncorrelated.
        let key = iteration_key(1, 2);
        let pairs: Vec<(f64, f64)> = (0..n)
            .map(|s| {
                (
                    f64::from(unit(bits(key, s))),
                    f64::from(unit(bits(key, s + 1))),
                )
            })
            .collect();
        let mean =
            |f: &dyn Fn(&(f64, f64)) -> f64| pairs.iter().map(f).sum::<f64>() / pairs.len() as f64;
        let covariance = mean(&|p| p.0 * p.1) - mean(&|p| p.0) * mean(&|p| p.1);
        assert!((covariance * 12.0).abs() < 0.02, "{covariance}");
    }

    #[test]
    fn pert_table_matches_beta_moments() {
        // Beta(alpha, beta) has mean alpha / (alpha + beta) and variance
        // alpha beta / ((alpha + beta)^2 (alpha + beta + 1)); PERT has alpha + beta = 6.
        for likely in [0.0, 0.1, 0.25, 0.37, 0.5, 0.9, 1.0] {
            let sampler = Sampler::new(Distribution::Pert, [0.0, likely, 1.0]);
            // The integral over the quantile function by the midpoint rule on 2^20 points.
            let m = 1u32 << 20;
            let (mut s1, mut s2) = (0.0f64, 0.0f64);
            for i in 0..m {
                let x = f64::from(sampler.sample(i << 12 | 0x800));
                s1 += x;
                s2 += x * x;
            }
            let mean = s1 / f64::from(m);
            let variance = s2 / f64::from(m) - mean * mean;
            let alpha = 1.0 + 4.0 * likely;
            let beta = 5.0 - 4.0 * likely;
            let expected_mean = alpha / 6.0;
            let expected_variance = alpha * beta / (36.0 * 7.0);
            assert!((mean - expected_mean).abs() < 2e-4, "{likely}: {mean}");
            assert!(
                (variance - expected_variance).abs() < 2e-4,
                "{likely}: {variance} vs {expected_variance}"
            );
        }
    }

    #[test]
    fn closed_forms() {
        let uniform = Sampler::new(Distribution::Uniform, [2.0, 3.0, 6.0]);
        assert_eq!(uniform.sample(0), 2.0 + 4.0 * unit(0));
        let triangle = Sampler::new(Distribution::Triangular, [0.0, 1.0, 4.0]);
        // The median of a triangle (0, 1, 4) is 4 - sqrt(4 * 3 / 2).
        let median = triangle.sample(1 << 31);
        assert!(
            (f64::from(median) - (4.0 - 6f64.sqrt())).abs() < 1e-5,
            "{median}"
        );
        assert!(Sampler::new(Distribution::Pert, [5.0, 5.0, 5.0]).is_fixed());
        assert_eq!(minutes(2.49), 2);
        assert_eq!(minutes(2.5), 3);
        assert_eq!(minutes(-4.0), 0);
    }
}
