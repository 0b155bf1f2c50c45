//! How many children each parent row gets in a `per_parent` table. Exact:
//! the counts are the table's per-parent index, one lookup per parent row.

use serde::Serialize;

use super::sample;
use crate::generate::TableGen;
use crate::profile::RowsSpec;

/// The fan-out of a `per_parent` table.
#[derive(Debug, Clone, Serialize)]
pub struct Fanout {
    pub parent: String,
    pub parents: u64,
    /// Children per parent, on average, and the margin at the stated
    /// confidence between that mean and the declared distribution's mean.
    pub mean: f64,
    pub mean_margin: f64,
    pub min: u64,
    pub max: u64,
    /// Share of the parent rows with no child at all.
    pub share_none: f64,
    /// `parents` parent rows have `children` children each (counts that no
    /// parent has are left out).
    pub histogram: Vec<FanoutBin>,
}

#[derive(Debug, Clone, Serialize)]
pub struct FanoutBin {
    pub children: u64,
    pub parents: u64,
}

/// The fan-out of a `per_parent` table under its parent; `None` otherwise.
pub fn fanout(table: &TableGen) -> Option<Fanout> {
    let parent_rows = table.parent_rows()?;
    let parent = match &table.spec().rows {
        RowsSpec::PerParent { parent, .. } => parent.clone(),
        _ => return None,
    };
    let mut histogram: Vec<u64> = Vec::new();
    let (mut sum, mut sum_sq) = (0f64, 0f64);
    for p in 0..parent_rows {
        let n = table.children_of(p);
        let n = n.end - n.start;
        if histogram.len() <= n as usize {
            histogram.resize(n as usize + 1, 0);
        }
        histogram[n as usize] += 1;
        sum += n as f64;
        sum_sq += (n as f64).powi(2);
    }
    let parents = parent_rows.max(1) as f64;
    let mean = sum / parents;
    let variance = (sum_sq / parents - mean * mean).max(0.0) * parents / (parents - 1.0).max(1.0);
    let min = histogram.iter().position(|&c| c > 0).unwrap_or(0) as u64;
    Some(Fanout {
        parent,
        parents: parent_rows,
        mean,
        mean_margin: sample::mean_margin(variance.sqrt(), parent_rows),
        min,
        max: histogram.len().saturating_sub(1) as u64,
        share_none: histogram.first().copied().unwrap_or(0) as f64 / parents,
        histogram: histogram
            .into_iter()
            .enumerate()
            .filter(|&(_, parents)| parents > 0)
            .map(|(children, parents)| FanoutBin {
                children: children as u64,
                parents,
            })
            .collect(),
    })
}
