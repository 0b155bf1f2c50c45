//! Which rows a preview looks at, and how far what it sees may be from the
//! profile's declared distributions.
//!
//! Every row is a pure function of (seed, table, row), drawn independently,
//! so `n` rows spread over the table are `n` independent draws from the
//! declared distributions: a share seen in them is within
//! `z * sqrt(p (1 - p) / n) <= z / (2 sqrt(n))` of the declared probability
//! at the stated confidence, whether `n` is the whole table or a sample.

use serde::Serialize;

/// The confidence every margin is stated at.
pub const CONFIDENCE: f64 = 0.99;
/// The normal quantile for [`CONFIDENCE`] (two-sided).
pub const Z: f64 = 2.576;

/// Rows shown as they are: the first ones, then spread over the table.
pub const SHOWN_ROWS: u64 = 5;

/// How a table was sampled.
#[derive(Debug, Clone, Serialize)]
pub struct SampleInfo {
    /// Rows looked at.
    pub rows: u64,
    /// Whether those are all the table's rows.
    pub whole_table: bool,
    pub confidence: f64,
    /// The largest distance, at `confidence`, between a share seen in the
    /// sample (a null rate, a value's share) and the declared probability.
    pub share_margin: f64,
}

impl SampleInfo {
    pub fn new(table_rows: u64, sampled: u64) -> SampleInfo {
        SampleInfo {
            rows: sampled,
            whole_table: sampled >= table_rows,
            confidence: CONFIDENCE,
            share_margin: share_margin(sampled),
        }
    }
}

/// The worst-case (p = 1/2) margin of a share seen in `n` draws.
pub fn share_margin(n: u64) -> f64 {
    if n == 0 {
        return 1.0;
    }
    Z * 0.5 / (n as f64).sqrt()
}

/// The margin of a mean of `n` draws with standard deviation `stddev`.
pub fn mean_margin(stddev: f64, n: u64) -> f64 {
    if n == 0 {
        return f64::INFINITY;
    }
    Z * stddev / (n as f64).sqrt()
}

/// `n` row indexes spread over `rows` (all of them when `n >= rows`):
/// one per stratum of `rows / n`, at a pinned pseudo-random place in it, so
/// a period in the data (series per parent) cannot line up with the sample.
pub fn spread(rows: u64, n: u64) -> Vec<u64> {
    if n >= rows {
        return (0..rows).collect();
    }
    (0..n)
        .map(|k| {
            let start = rows * k / n;
            let end = rows * (k + 1) / n;
            start + mix(k) % (end - start).max(1)
        })
        .collect()
}

/// The rows printed as examples: the first few, then a few spread evenly
/// over the rest of the table.
pub fn shown(rows: u64) -> (Vec<u64>, Vec<u64>) {
    let first: Vec<u64> = (0..rows.min(SHOWN_ROWS)).collect();
    if rows <= SHOWN_ROWS {
        return (first, Vec::new());
    }
    let rest = rows - SHOWN_ROWS;
    let spread = (1..=SHOWN_ROWS)
        .map(|k| SHOWN_ROWS + rest * k / (SHOWN_ROWS + 1))
        .filter(|&r| r >= SHOWN_ROWS && r < rows)
        .collect::<std::collections::BTreeSet<u64>>()
        .into_iter()
        .collect();
    (first, spread)
}

/// SplitMix64's finalizer.
fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spread_covers_the_table_once_per_stratum() {
        let rows = spread(1_000_003, 1000);
        assert_eq!(rows.len(), 1000);
        assert!(rows.windows(2).all(|w| w[0] < w[1]));
        assert!(*rows.last().unwrap() < 1_000_003);
        assert!(rows[999] > 999_000);
        assert_eq!(spread(10, 20), (0..10).collect::<Vec<_>>());
    }

    #[test]
    fn margins_shrink_with_the_square_root() {
        assert!((share_margin(10_000) - 0.01288).abs() < 1e-5);
        assert!((share_margin(40_000) * 2.0 - share_margin(10_000)).abs() < 1e-12);
    }

    #[test]
    fn shown_rows_are_first_then_spread() {
        let (first, rest) = shown(1000);
        assert_eq!(first, vec![0, 1, 2, 3, 4]);
        assert_eq!(rest.len(), 5);
        assert!(rest.iter().all(|&r| (5..1000).contains(&r)));
        assert_eq!(shown(3), (vec![0, 1, 2], vec![]));
    }
}
