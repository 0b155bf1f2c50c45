//! Where each parent's children start in a `per_parent` table, in memory
//! that does not grow with the row count.
//!
//! A parent row's child count is a pure function of (seed, table, parent
//! row), so the first child of parent `p` is the sum of the counts before
//! it. A constant count is a closed form (`p * count`, no memory at all).
//! Drawn counts keep the sum only at every `block`-th parent; a lookup adds
//! up at most `block` counts from there (a count is one RNG draw, a few
//! nanoseconds). `block` grows with the parent rows so that a table never
//! keeps more than [`MAX_BLOCKS`] sums: at most 512 KiB per table, whatever
//! the size (the whole prefix sum cost 8 bytes per parent row, 800 MB at
//! 100 million parents).
//!
//! Lookups mostly walk forward (a cursor's rows, the cache warmer's rows,
//! `same_parent` references from consecutive rows), so each thread remembers
//! the last parent it found per table and continues from there: forward
//! lookups cost one or two counts whatever the block size.

use std::cell::Cell;
use std::ops::Range;
use std::sync::atomic::{AtomicU64, Ordering};

use super::dist::Sampler;
use super::rng::CellRng;
use crate::profile::{Dist, DistKind};

/// At most this many block sums per table (8 bytes each: 512 KiB).
pub const MAX_BLOCKS: u64 = 1 << 16;
/// The smallest block: lookups add up at most this many counts on small tables.
const MIN_BLOCK: u64 = 64;

/// How many children a parent row has.
#[derive(Debug)]
enum Count {
    Constant(u64),
    Drawn { sampler: Sampler, key: u64 },
}

impl Count {
    #[inline]
    fn of(&self, parent: u64) -> u64 {
        match self {
            Count::Constant(c) => *c,
            Count::Drawn { sampler, key } => {
                sampler.int(&mut CellRng::new(*key, parent)).max(0) as u64
            }
        }
    }
}

/// The children of every parent row of one `per_parent` table.
#[derive(Debug)]
pub(crate) struct ChildIndex {
    count: Count,
    parents: u64,
    total: u64,
    block: u64,
    /// `starts[k]` = first child row of parent `k * block` (drawn counts only).
    starts: Vec<u64>,
    /// Tells this index's entry in the per-thread memo from other tables'.
    id: u64,
}

/// A parent row found by the last lookup on this thread, and its children.
#[derive(Clone, Copy)]
struct Anchor {
    index: u64,
    parent: u64,
    children: (u64, u64),
}

const MEMO_SLOTS: usize = 8;

thread_local! {
    static MEMO: [Cell<Anchor>; MEMO_SLOTS] = const {
        [const { Cell::new(Anchor { index: 0, parent: 0, children: (0, 0) }) }; MEMO_SLOTS]
    };
}

static NEXT_ID: AtomicU64 = AtomicU64::new(1);

impl ChildIndex {
    /// Adds up the counts of `parents` parent rows once (the table's row
    /// count), keeping every `block`-th sum.
    pub fn new(dist: &Dist, key: u64, parents: u64) -> ChildIndex {
        let count = match dist.kind {
            DistKind::Constant(c) => Count::Constant(c as u64),
            _ => Count::Drawn {
                sampler: Sampler::new(dist),
                key,
            },
        };
        let block = MIN_BLOCK.max(parents.div_ceil(MAX_BLOCKS));
        let mut starts = Vec::new();
        let total = match &count {
            Count::Constant(c) => parents * c,
            Count::Drawn { .. } => {
                starts.reserve(parents.div_ceil(block) as usize);
                let mut total = 0u64;
                for p in 0..parents {
                    if p % block == 0 {
                        starts.push(total);
                    }
                    total += count.of(p);
                }
                total
            }
        };
        ChildIndex {
            count,
            parents,
            total,
            block,
            starts,
            id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
        }
    }

    /// The table's rows: the children of all parents.
    pub fn total(&self) -> u64 {
        self.total
    }

    /// Parent `parent`'s child count.
    #[inline]
    pub fn count_of(&self, parent: u64) -> u64 {
        if parent < self.parents {
            self.count.of(parent)
        } else {
            0
        }
    }

    /// The rows whose parent is `parent` (empty past the last parent).
    pub fn children_of(&self, parent: u64) -> Range<u64> {
        if parent >= self.parents {
            return self.total..self.total;
        }
        if let Count::Constant(c) = self.count {
            return parent * c..(parent + 1) * c;
        }
        let memo = self.recall();
        if memo.parent == parent {
            return memo.children.0..memo.children.1;
        }
        let block_start = parent - parent % self.block;
        let (mut p, mut start) = if memo.parent >= block_start && memo.parent < parent {
            (memo.parent + 1, memo.children.1)
        } else {
            (block_start, self.starts[(parent / self.block) as usize])
        };
        while p < parent {
            start += self.count.of(p);
            p += 1;
        }
        let end = start + self.count.of(parent);
        self.remember(parent, start, end);
        start..end
    }

    /// The parent of `row` and the row's place among its siblings. Past the
    /// last row: one past the last parent, and the distance from the end.
    pub fn parent_of(&self, row: u64) -> (u64, u64) {
        if row >= self.total {
            return (self.parents, row - self.total);
        }
        if let Count::Constant(c) = self.count {
            return (row / c, row % c);
        }
        let memo = self.recall();
        if (memo.children.0..memo.children.1).contains(&row) {
            return (memo.parent, row - memo.children.0);
        }
        // The last block starting at or before `row` holds its parent.
        let block = self.starts.partition_point(|&start| start <= row) as u64 - 1;
        let block_start = block * self.block;
        let (mut p, mut start) = if memo.parent >= block_start && memo.children.1 <= row {
            (memo.parent + 1, memo.children.1)
        } else {
            (block_start, self.starts[block as usize])
        };
        loop {
            let end = start + self.count.of(p);
            if row < end {
                self.remember(p, start, end);
                return (p, row - start);
            }
            start = end;
            p += 1;
        }
    }

    /// Bytes this index keeps (the block sums), for tests and docs.
    pub fn heap_bytes(&self) -> usize {
        self.starts.capacity() * std::mem::size_of::<u64>()
    }

    fn slot(&self) -> usize {
        (self.id % MEMO_SLOTS as u64) as usize
    }

    /// The last anchor of this index on this thread (or one that never matches).
    fn recall(&self) -> Anchor {
        let anchor = MEMO.with(|memo| memo[self.slot()].get());
        if anchor.index == self.id {
            anchor
        } else {
            Anchor {
                index: self.id,
                parent: u64::MAX,
                children: (u64::MAX, u64::MAX),
            }
        }
    }

    fn remember(&self, parent: u64, start: u64, end: u64) {
        let anchor = Anchor {
            index: self.id,
            parent,
            children: (start, end),
        };
        MEMO.with(|memo| memo[self.slot()].set(anchor));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn zipf(max: f64) -> Dist {
        Dist {
            kind: DistKind::Zipf { s: 1.0 },
            min: 0.0,
            max,
        }
    }

    /// The full prefix sum, as the index replaced it.
    fn prefix(index: &ChildIndex) -> Vec<u64> {
        let mut prefix = vec![0];
        for p in 0..index.parents {
            prefix.push(prefix[p as usize] + index.count_of(p));
        }
        prefix
    }

    #[test]
    fn lookups_agree_with_the_full_prefix_sum_in_any_order() {
        let index = ChildIndex::new(&zipf(6.0), 99, 1000);
        let prefix = prefix(&index);
        assert_eq!(index.total(), prefix[1000]);
        // Forward, backward, and jumping across blocks: the memo must not
        // change an answer.
        let mut order: Vec<u64> = (0..1000).collect();
        order.extend((0..1000).rev());
        order.extend((0..1000).map(|i| (i * 7919) % 1000));
        for &p in &order {
            let want = prefix[p as usize]..prefix[p as usize + 1];
            assert_eq!(index.children_of(p), want, "parent {p}");
        }
        let mut rows: Vec<u64> = (0..index.total()).collect();
        rows.extend((0..index.total()).rev());
        rows.extend((0..index.total()).map(|r| (r * 7919) % index.total()));
        for &row in &rows {
            let parent = prefix.partition_point(|&s| s <= row) as u64 - 1;
            assert_eq!(
                index.parent_of(row),
                (parent, row - prefix[parent as usize]),
                "row {row}"
            );
        }
    }

    #[test]
    fn two_indexes_on_one_thread_do_not_mix() {
        let a = ChildIndex::new(&zipf(3.0), 1, 500);
        let b = ChildIndex::new(&zipf(9.0), 2, 500);
        let (pa, pb) = (prefix(&a), prefix(&b));
        for p in 0..500u64 {
            assert_eq!(a.children_of(p).start, pa[p as usize]);
            assert_eq!(b.children_of(p).start, pb[p as usize]);
        }
    }

    #[test]
    fn constant_counts_need_no_memory_and_memory_stays_bounded() {
        let constant = Dist {
            kind: DistKind::Constant(3.0),
            min: 3.0,
            max: 3.0,
        };
        let index = ChildIndex::new(&constant, 1, 10);
        assert_eq!(index.heap_bytes(), 0);
        assert_eq!(index.children_of(4), 12..15);
        assert_eq!(index.parent_of(13), (4, 1));
        assert_eq!(index.parent_of(30), (10, 0));
        // 5 million parents (beyond MIN_BLOCK * MAX_BLOCKS): still at most MAX_BLOCKS sums.
        let big = ChildIndex::new(&zipf(2.0), 3, 5_000_000);
        assert!(big.heap_bytes() <= (MAX_BLOCKS * 8) as usize);
        assert_eq!(big.children_of(4_999_999).end, big.total());
    }

    #[test]
    fn empty_parents_are_skipped() {
        let index = ChildIndex::new(&zipf(1.0), 5, 300);
        let prefix = prefix(&index);
        for row in 0..index.total() {
            let (parent, _) = index.parent_of(row);
            assert!(index.count_of(parent) > 0);
            assert!(prefix[parent as usize] <= row && row < prefix[parent as usize + 1]);
        }
        let none = ChildIndex::new(&zipf(1.0), 5, 0);
        assert_eq!((none.total(), none.parent_of(0)), (0, (0, 0)));
        assert_eq!(none.children_of(0), 0..0);
    }
}
