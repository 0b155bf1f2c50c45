//! `--shard i/n`: which rows of every table one of n cooperating processes
//! generates.
//!
//! The split is stable and documented (docs/sharding.md):
//! - a table without a parent (a root table) is cut into n contiguous row
//!   ranges, shard i holding rows `rows * i / n .. rows * (i + 1) / n`;
//! - a `per_parent` table follows its parent: shard i holds the children of
//!   the parent rows in the parent's shard i, which are contiguous too.
//!
//! Every value is a pure function of (seed, table, row, column), so the n
//! shards together are a single run row for row, whatever `--jobs` each uses.

use std::fmt;
use std::ops::Range;
use std::str::FromStr;

/// Shard `index` of `count` (`0 <= index < count`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    index: u64,
    count: u64,
}

impl Shard {
    /// The whole dataset: shard 0 of 1.
    pub const WHOLE: Shard = Shard { index: 0, count: 1 };

    /// Shard `index` of `count`; `None` unless `index < count`.
    pub fn new(index: u64, count: u64) -> Option<Shard> {
        (index < count).then_some(Shard { index, count })
    }

    pub fn index(self) -> u64 {
        self.index
    }

    pub fn count(self) -> u64 {
        self.count
    }

    /// Whether this is the whole dataset (`0/1`).
    pub fn is_whole(self) -> bool {
        self.count == 1
    }

    /// This shard's part of `rows` rows of a root table.
    pub fn range_of(self, rows: u64) -> Range<u64> {
        let at = |i: u64| (u128::from(rows) * u128::from(i) / u128::from(self.count)) as u64;
        at(self.index)..at(self.index + 1)
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

/// `i/n` as `--shard` takes it: shards are numbered 0 to n-1.
impl FromStr for Shard {
    type Err = String;

    fn from_str(text: &str) -> Result<Shard, String> {
        let (index, count) = text.split_once('/').ok_or_else(|| {
            format!("expected I/N (shard I of N, counted from 0), like 0/3; got `{text}`")
        })?;
        let number = |part: &str, what: &str| {
            part.trim()
                .parse::<u64>()
                .map_err(|_| format!("{what} `{part}` in `{text}` is not a whole number"))
        };
        let (index, count) = (number(index, "I")?, number(count, "N")?);
        if count == 0 {
            return Err(format!("N must be at least 1 in `{text}`"));
        }
        Shard::new(index, count).ok_or_else(|| {
            format!(
                "shard {index} of {count} does not exist: shards are numbered 0 to {} (0/{count} .. {}/{count})",
                count - 1,
                count - 1
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_i_of_n_and_refuses_the_rest() {
        assert_eq!("1/3".parse::<Shard>(), Ok(Shard { index: 1, count: 3 }));
        assert_eq!("0/1".parse::<Shard>(), Ok(Shard::WHOLE));
        for (bad, says) in [
            ("3/3", "numbered 0 to 2"),
            ("0/0", "at least 1"),
            ("1", "expected I/N"),
            ("a/3", "not a whole number"),
            ("-1/3", "not a whole number"),
        ] {
            let error = bad.parse::<Shard>().unwrap_err();
            assert!(error.contains(says), "{bad}: {error}");
        }
    }

    #[test]
    fn root_ranges_cover_every_row_once() {
        for rows in [0u64, 1, 2, 7, 100, 1_000_003] {
            for count in 1..=7 {
                let mut next = 0;
                for index in 0..count {
                    let range = Shard::new(index, count).unwrap().range_of(rows);
                    assert_eq!(range.start, next);
                    next = range.end;
                }
                assert_eq!(next, rows);
            }
        }
        let huge = Shard::new(2, 3).unwrap().range_of(u64::MAX);
        assert_eq!(huge.end, u64::MAX);
    }
}
