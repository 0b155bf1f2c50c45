//! The deterministic randomness behind every generated value.
//!
//! The algorithm is pinned here, by name, and never taken from `rand`'s
//! `StdRng` (whose output may change between releases):
//!
//! - a **column key** is FNV-1a 64 over `seed` (8 bytes, little endian), the
//!   table name, a 0xFF byte and the column name, passed through the
//!   SplitMix64 finalizer ([`mix64`]);
//! - a **cell** (column key, row index) starts a SplitMix64 stream at
//!   `mix64(column_key ^ mix64(row ^ ROW_SALT))`;
//! - a value draws what it needs from that stream.
//!
//! So every value is a pure function of (seed, table, row, column): chunks,
//! job counts and other columns cannot change it. A golden test below fails
//! if the algorithm ever changes by accident.

use std::convert::Infallible;

const GOLDEN_GAMMA: u64 = 0x9E37_79B9_7F4A_7C15;
const ROW_SALT: u64 = 0x6A09_E667_F3BC_C909;
const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const FNV_PRIME: u64 = 0x0000_0100_0000_01b3;

/// The SplitMix64 finalizer (Steele, Lea, Flood 2014): a bijection on u64
/// with good avalanche.
#[inline]
pub fn mix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// FNV-1a 64 over `bytes`, continuing from `hash`.
pub fn fnv1a(mut hash: u64, bytes: &[u8]) -> u64 {
    for b in bytes {
        hash ^= u64::from(*b);
        hash = hash.wrapping_mul(FNV_PRIME);
    }
    hash
}

/// The row's half of a cell's starting state.
#[inline]
pub fn row_mix(row: u64) -> u64 {
    mix64(row ^ ROW_SALT)
}

/// The key of a column: FNV-1a 64 of (seed, table, 0xFF, column), mixed.
pub fn column_key(seed: u64, table: &str, column: &str) -> u64 {
    let mut h = fnv1a(FNV_OFFSET, &seed.to_le_bytes());
    h = fnv1a(h, table.as_bytes());
    h = fnv1a(h, &[0xFF]);
    mix64(fnv1a(h, column.as_bytes()))
}

/// The key of a part of a column (a JSON field, an array element, the
/// amount a derived column adds): the parent key and the part's name.
pub fn sub_key(parent: u64, name: &str) -> u64 {
    mix64(fnv1a(parent ^ FNV_OFFSET, name.as_bytes()))
}

/// A SplitMix64 stream for one cell. Implements `rand::Rng` (through
/// `TryRng`) so the `fake` crate can draw from it.
#[derive(Debug, Clone)]
pub struct CellRng {
    state: u64,
}

impl CellRng {
    #[inline]
    pub fn new(key: u64, row: u64) -> CellRng {
        CellRng::at(key, row_mix(row))
    }

    /// The same as `new(key, row)` with `row_mix(row)` computed once for
    /// all the cells of a row.
    #[inline]
    pub fn at(key: u64, row_mix: u64) -> CellRng {
        CellRng {
            state: mix64(key ^ row_mix),
        }
    }

    #[inline]
    pub fn next(&mut self) -> u64 {
        self.state = self.state.wrapping_add(GOLDEN_GAMMA);
        mix64(self.state)
    }

    /// Uniform in `[0, 1)` with 53 bits.
    #[inline]
    pub fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Uniform in `[0, n)` (Lemire's multiply-shift; the bias is below
    /// n / 2^64, far under anything a test could see). `n = 0` gives 0.
    #[inline]
    pub fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next()) * u128::from(n)) >> 64) as u64
    }

    /// True with probability `p`.
    #[inline]
    pub fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }
}

impl rand::TryRng for CellRng {
    type Error = Infallible;

    fn try_next_u32(&mut self) -> Result<u32, Infallible> {
        Ok((self.next() >> 32) as u32)
    }

    fn try_next_u64(&mut self) -> Result<u64, Infallible> {
        Ok(self.next())
    }

    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Infallible> {
        for chunk in dst.chunks_mut(8) {
            let bytes = self.next().to_le_bytes();
            chunk.copy_from_slice(&bytes[..chunk.len()]);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Pins the algorithm: if this fails, every seeded database changes.
    #[test]
    fn the_algorithm_is_pinned() {
        let key = column_key(42, "players", "level");
        assert_eq!(key, column_key(42, "players", "level"));
        let mut rng = CellRng::new(key, 7);
        let first = rng.next();
        assert_eq!(
            (key, first),
            (GOLDEN.0, GOLDEN.1),
            "got ({key:#x}, {first:#x})"
        );
    }

    const GOLDEN: (u64, u64) = (0x37df_d149_d312_f4c6, 0xfb19_5551_1bf0_9953);

    #[test]
    fn keys_differ_by_every_input() {
        let base = column_key(1, "t", "c");
        assert_ne!(base, column_key(2, "t", "c"));
        assert_ne!(base, column_key(1, "u", "c"));
        assert_ne!(base, column_key(1, "t", "d"));
        assert_ne!(column_key(1, "ab", "c"), column_key(1, "a", "bc"));
    }

    #[test]
    fn below_stays_in_range_and_covers_it() {
        let mut seen = [0u32; 10];
        for row in 0..10_000 {
            let v = CellRng::new(99, row).below(10);
            seen[v as usize] += 1;
        }
        assert!(seen.iter().all(|&n| (800..1200).contains(&n)), "{seen:?}");
    }
}
