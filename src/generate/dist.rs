//! Sampling the profile's numeric distributions from a [`CellRng`].
//!
//! Written here rather than taken from `rand_distr` so the exact algorithm
//! (and so every generated value) is pinned with seedkit's own code:
//! uniform by multiply-shift, normal by Box–Muller, exponential by
//! inversion, weighted choices and zipf over up to 4096 values by Walker's
//! alias method, larger zipf ranges by Hörmann and Derflinger's
//! rejection-inversion (O(1) time and memory whatever the range).

use super::rng::CellRng;
use crate::profile::{Dist, DistKind};

/// A distribution ready to sample.
#[derive(Debug, Clone)]
pub struct Sampler {
    kind: Kind,
    min: f64,
    max: f64,
}

#[derive(Debug, Clone)]
enum Kind {
    Uniform,
    Normal {
        mean: f64,
        stddev: f64,
    },
    Exponential {
        mean: f64,
    },
    Zipf(Zipf),
    /// Zipf over a small range, sampled in O(1) from an alias table.
    ZipfTable(Alias),
    Constant(f64),
}

/// Ranges up to this many values sample zipf from an alias table (12 bytes each).
const ZIPF_TABLE_MAX: u64 = 4096;

impl Sampler {
    pub fn new(dist: &Dist) -> Sampler {
        let kind = match dist.kind {
            DistKind::Uniform => Kind::Uniform,
            DistKind::Normal { mean, stddev } => Kind::Normal { mean, stddev },
            DistKind::Exponential { mean } => Kind::Exponential { mean },
            DistKind::Zipf { s } => {
                let n = (dist.max - dist.min) as u64 + 1;
                if n <= ZIPF_TABLE_MAX {
                    Kind::ZipfTable(Alias::new(&zipf_weights(n, s)))
                } else {
                    Kind::Zipf(Zipf::new(n, s))
                }
            }
            DistKind::Constant(c) => Kind::Constant(c),
        };
        Sampler {
            kind,
            min: dist.min,
            max: dist.max,
        }
    }

    /// A whole number in `[min, max]`.
    #[inline]
    pub fn int(&self, rng: &mut CellRng) -> i64 {
        match &self.kind {
            Kind::Uniform => {
                let (min, max) = (self.min as i64, self.max as i64);
                let span = (max as i128 - min as i128 + 1) as u128;
                if span > u128::from(u64::MAX) {
                    rng.next() as i64
                } else {
                    (min as i128 + i128::from(rng.below(span as u64))) as i64
                }
            }
            Kind::Zipf(z) => self.min as i64 + z.sample(rng) as i64 - 1,
            Kind::ZipfTable(alias) => self.min as i64 + alias.sample(rng) as i64,
            Kind::Constant(c) => *c as i64,
            Kind::Normal { .. } => self.float(rng).round() as i64,
            Kind::Exponential { .. } => self.float(rng).floor() as i64,
        }
    }

    /// A number in `[min, max]`.
    #[inline]
    pub fn float(&self, rng: &mut CellRng) -> f64 {
        let v = match &self.kind {
            Kind::Uniform => self.min + rng.unit() * (self.max - self.min),
            Kind::Normal { mean, stddev } => mean + stddev * standard_normal(rng),
            Kind::Exponential { mean } => self.min - mean * (1.0 - rng.unit()).ln(),
            Kind::Zipf(z) => self.min + z.sample(rng) as f64 - 1.0,
            Kind::ZipfTable(alias) => self.min + alias.sample(rng) as f64,
            Kind::Constant(c) => *c,
        };
        v.clamp(self.min, self.max)
    }
}

/// The weights `1/k^s` of ranks 1..=n.
fn zipf_weights(n: u64, s: f64) -> Vec<f64> {
    (1..=n).map(|k| (k as f64).powf(-s)).collect()
}

/// Walker's alias method (Vose's construction): a weighted choice among n
/// outcomes in O(1), one uniform index and one coin per draw.
#[derive(Debug, Clone)]
pub struct Alias {
    /// Probability of keeping slot i (else take `alias[i]`).
    keep: Vec<f64>,
    alias: Vec<u32>,
}

impl Alias {
    /// `weights` must be non-negative with a positive sum.
    pub fn new(weights: &[f64]) -> Alias {
        let n = weights.len();
        let total: f64 = weights.iter().sum();
        let mut scaled: Vec<f64> = weights.iter().map(|w| w * n as f64 / total).collect();
        let mut keep = vec![1.0; n];
        let mut alias: Vec<u32> = (0..n as u32).collect();
        let (mut small, mut large): (Vec<usize>, Vec<usize>) =
            (0..n).partition(|&i| scaled[i] < 1.0);
        while let (Some(s), Some(&l)) = (small.pop(), large.last()) {
            keep[s] = scaled[s];
            alias[s] = l as u32;
            scaled[l] -= 1.0 - scaled[s];
            if scaled[l] < 1.0 {
                large.pop();
                small.push(l);
            }
        }
        // Leftovers (rounding) keep themselves with probability 1.
        Alias { keep, alias }
    }

    /// A 0-based outcome.
    #[inline]
    pub fn sample(&self, rng: &mut CellRng) -> usize {
        let i = rng.below(self.keep.len() as u64) as usize;
        if rng.unit() < self.keep[i] {
            i
        } else {
            self.alias[i] as usize
        }
    }
}

/// Box–Muller: one standard normal from two uniforms.
fn standard_normal(rng: &mut CellRng) -> f64 {
    let u1 = 1.0 - rng.unit(); // (0, 1]: ln is finite
    let u2 = rng.unit();
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

/// Zipf over ranks `1..=n` with exponent `s`, by rejection-inversion
/// (W. Hörmann, G. Derflinger, "Rejection-inversion to generate variates
/// from monotone discrete distributions", 1996), as in Apache Commons.
#[derive(Debug, Clone)]
pub struct Zipf {
    n: f64,
    s: f64,
    h_integral_x1: f64,
    h_integral_n: f64,
    threshold: f64,
}

impl Zipf {
    pub fn new(n: u64, s: f64) -> Zipf {
        let n = n.max(1) as f64;
        let mut z = Zipf {
            n,
            s,
            h_integral_x1: 0.0,
            h_integral_n: 0.0,
            threshold: 0.0,
        };
        z.h_integral_x1 = z.h_integral(1.5) - 1.0;
        z.h_integral_n = z.h_integral(n + 0.5);
        z.threshold = 2.0 - z.h_integral_inverse(z.h_integral(2.5) - z.h(2.0));
        z
    }

    /// A rank in `1..=n`; rank 1 is the most likely.
    pub fn sample(&self, rng: &mut CellRng) -> u64 {
        loop {
            let u = self.h_integral_n + rng.unit() * (self.h_integral_x1 - self.h_integral_n);
            let x = self.h_integral_inverse(u);
            let k = (x + 0.5).floor().clamp(1.0, self.n);
            if k - x <= self.threshold || u >= self.h_integral(k + 0.5) - self.h(k) {
                return k as u64;
            }
        }
    }

    fn h(&self, x: f64) -> f64 {
        (-self.s * x.ln()).exp()
    }

    fn h_integral(&self, x: f64) -> f64 {
        let log_x = x.ln();
        helper2((1.0 - self.s) * log_x) * log_x
    }

    fn h_integral_inverse(&self, x: f64) -> f64 {
        let t = (x * (1.0 - self.s)).max(-1.0);
        (helper1(t) * x).exp()
    }
}

/// `ln(1 + x) / x`, accurate near 0.
fn helper1(x: f64) -> f64 {
    if x.abs() > 1e-8 {
        x.ln_1p() / x
    } else {
        1.0 - x * (0.5 - x * (1.0 / 3.0 - 0.25 * x))
    }
}

/// `(e^x - 1) / x`, accurate near 0.
fn helper2(x: f64) -> f64 {
    if x.abs() > 1e-8 {
        x.exp_m1() / x
    } else {
        1.0 + x * 0.5 * (1.0 + x / 3.0 * (1.0 + 0.25 * x))
    }
}

/// The expected value of a distribution, as sampled for whole numbers
/// (clamping ignored for normal and exponential tails). Used by `--dry-run`
/// row estimates and by tests that check generated means.
pub fn expected_int_mean(dist: &Dist) -> f64 {
    match dist.kind {
        DistKind::Uniform => (dist.min + dist.max) / 2.0,
        DistKind::Normal { mean, .. } => mean.clamp(dist.min, dist.max),
        DistKind::Exponential { mean } => dist.min + mean - 0.5,
        DistKind::Constant(c) => c,
        DistKind::Zipf { s } => {
            let n = (dist.max - dist.min) as u64 + 1;
            // Exact sum for realistic ranges; ranks beyond 10^6 weigh little.
            let (mut weight, mut weighted) = (0.0, 0.0);
            for k in 1..=n.min(1_000_000) {
                let p = (k as f64).powf(-s);
                weight += p;
                weighted += p * k as f64;
            }
            dist.min + weighted / weight - 1.0
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mean_of(dist: &Dist, rows: u64) -> f64 {
        let sampler = Sampler::new(dist);
        (0..rows)
            .map(|row| sampler.int(&mut CellRng::new(5, row)) as f64)
            .sum::<f64>()
            / rows as f64
    }

    fn dist(kind: DistKind, min: f64, max: f64) -> Dist {
        Dist { kind, min, max }
    }

    #[test]
    fn means_match_the_expected_values() {
        for d in [
            dist(DistKind::Uniform, 1.0, 50.0),
            dist(DistKind::Zipf { s: 1.0 }, 0.0, 20.0),
            dist(DistKind::Zipf { s: 0.5 }, 0.0, 20.0),
            dist(
                DistKind::Normal {
                    mean: 80.0,
                    stddev: 6.0,
                },
                0.0,
                200.0,
            ),
            dist(DistKind::Exponential { mean: 30.0 }, 0.0, 1e9),
        ] {
            let got = mean_of(&d, 200_000);
            let want = expected_int_mean(&d);
            assert!(
                (got - want).abs() / want < 0.02,
                "{d:?}: mean {got}, expected {want}"
            );
        }
    }

    #[test]
    fn values_stay_in_bounds() {
        let d = dist(
            DistKind::Normal {
                mean: 10.0,
                stddev: 50.0,
            },
            0.0,
            20.0,
        );
        let s = Sampler::new(&d);
        for row in 0..10_000 {
            let v = s.int(&mut CellRng::new(1, row));
            assert!((0..=20).contains(&v));
        }
        let z = Sampler::new(&dist(DistKind::Zipf { s: 1.2 }, 3.0, 7.0));
        for row in 0..10_000 {
            assert!((3..=7).contains(&z.int(&mut CellRng::new(2, row))));
        }
    }

    #[test]
    fn zipf_is_skewed_towards_min() {
        let z = Sampler::new(&dist(DistKind::Zipf { s: 1.0 }, 1.0, 100.0));
        let ones = (0..10_000)
            .filter(|&r| z.int(&mut CellRng::new(3, r)) == 1)
            .count();
        // P(1) = 1 / H(100) ~ 0.193
        assert!((1700..2200).contains(&ones), "{ones}");
    }
}

#[cfg(test)]
mod alias_tests {
    use super::*;

    #[test]
    fn alias_draws_follow_the_weights() {
        let weights = [50.0, 30.0, 15.0, 5.0, 0.0];
        let alias = Alias::new(&weights);
        let mut counts = [0u32; 5];
        for row in 0..100_000 {
            counts[alias.sample(&mut CellRng::new(11, row))] += 1;
        }
        for (count, weight) in counts.iter().zip(weights) {
            let share = f64::from(*count) / 100_000.0;
            assert!((share - weight / 100.0).abs() < 0.01, "{counts:?}");
        }
        assert_eq!(counts[4], 0);
    }
}
