//! Reading a numeric distribution: `{ dist = "zipf", min = 0, max = 20 }`
//! for `int`, `float` and a `per_parent` count.

use super::node::Node;
use super::reader::{Reader, string};
use super::spec::{Dist, DistKind};
use super::{Location, ProfileError};

/// Reads `{ dist = "...", min, max, ... }` (int or float).
pub(crate) fn read_dist(node: &Node, what: &str, whole: bool) -> Result<Dist, ProfileError> {
    let mut r = Reader::new(node, what)?;
    let kind_node = r.get("dist");
    let kind_name = kind_node
        .map(|n| string(n, "dist"))
        .transpose()?
        .unwrap_or("uniform");
    let min = r.f64("min")?;
    let max = r.f64("max")?;
    if !whole {
        r.get("round");
    }
    if whole {
        for (key, v) in [("min", min), ("max", max)] {
            if let Some(v) = v
                && v.fract() != 0.0
            {
                return Err(ProfileError::invalid(
                    located(node, key),
                    format!("`{key}` of {what} must be a whole number, not {v}"),
                ));
            }
        }
    }
    let given = Given {
        node,
        what,
        kind_name,
        min,
        max,
        whole,
    };
    let (kind, min, max) = match kind_name {
        "uniform" | "normal" | "zipf" | "exponential" => given.kind(&mut r)?,
        other => {
            return Err(ProfileError::invalid(
                &kind_node
                    .expect("a non-default name comes from the file")
                    .location,
                format!("unknown distribution `{other}`"),
            )
            .with_hint("use uniform, normal, zipf or exponential"));
        }
    };
    r.finish()?;
    if min > max {
        return Err(ProfileError::invalid(
            located(node, "min"),
            format!("min ({min}) is greater than max ({max}) in {what}"),
        ));
    }
    if let DistKind::Zipf { .. } = kind
        && max - min > 1e15
    {
        return Err(ProfileError::invalid(
            &node.location,
            "zipf range is too wide (max - min must be below 10^15)",
        ));
    }
    Ok(Dist { kind, min, max })
}

/// Where `key` of the distribution is written (the table when it is not).
fn located<'n>(node: &'n Node, key: &str) -> &'n Location {
    node.as_table()
        .and_then(|t| t.get(key))
        .map_or(&node.location, |n| &n.location)
}

/// What a distribution's table gave, before its kind's own keys are read.
struct Given<'a> {
    node: &'a Node,
    what: &'a str,
    kind_name: &'a str,
    min: Option<f64>,
    max: Option<f64>,
    whole: bool,
}

impl Given<'_> {
    fn need(&self, v: Option<f64>, key: &str) -> Result<f64, ProfileError> {
        v.ok_or_else(|| {
            ProfileError::invalid(
                &self.node.location,
                format!(
                    "{} with dist = \"{}\" needs `{key}`",
                    self.what, self.kind_name
                ),
            )
        })
    }

    /// The kind with its parameters, and the bounds (defaulted where the
    /// kind allows it).
    fn kind(&self, r: &mut Reader) -> Result<(DistKind, f64, f64), ProfileError> {
        let hi_default = if self.whole {
            i64::MAX as f64
        } else {
            f64::MAX
        };
        let lo_default = if self.whole {
            i64::MIN as f64
        } else {
            f64::MIN
        };
        let positive = |value: f64, key: &str, message: &str| {
            if value > 0.0 {
                Ok(value)
            } else {
                Err(ProfileError::invalid(located(self.node, key), message))
            }
        };
        Ok(match self.kind_name {
            "normal" => {
                let mean = self.need(r.f64("mean")?, "mean")?;
                let stddev = self.need(r.f64("stddev")?, "stddev")?;
                if stddev < 0.0 {
                    return Err(ProfileError::invalid(
                        located(self.node, "stddev"),
                        "`stddev` must not be negative",
                    ));
                }
                (
                    DistKind::Normal { mean, stddev },
                    self.min.unwrap_or(lo_default),
                    self.max.unwrap_or(hi_default),
                )
            }
            "zipf" => {
                let s = r.f64("s")?.unwrap_or(1.0);
                let s = positive(s, "s", "zipf exponent `s` must be greater than 0")?;
                let (min, max) = (self.need(self.min, "min")?, self.need(self.max, "max")?);
                (DistKind::Zipf { s }, min, max)
            }
            "exponential" => {
                let mean = self.need(r.f64("mean")?, "mean")?;
                let mean = positive(
                    mean,
                    "mean",
                    "exponential `mean` must be greater than 0 (it is measured from `min`)",
                )?;
                (
                    DistKind::Exponential { mean },
                    self.min.unwrap_or(0.0),
                    self.max.unwrap_or(hi_default),
                )
            }
            _ => (
                DistKind::Uniform,
                self.need(self.min, "min")?,
                self.need(self.max, "max")?,
            ),
        })
    }
}
