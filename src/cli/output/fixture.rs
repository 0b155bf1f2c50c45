//! What `seedkit fixture` prints for people. `clone` prints only the URL:
//! its stdout is meant for `export DATABASE_URL=$(seedkit fixture clone)`.

use super::emit;
use crate::fixture::{CloneReport, DropReport, GcReport, Prepared};
use crate::ui::secs_ms;

pub fn print_prepared(prepared: &Prepared) {
    let state = match prepared.built {
        true => format!("built in {}", secs_ms(prepared.timings.build_ms)),
        false => "already built, nothing to do".to_string(),
    };
    emit!("template {} ready ({state})", prepared.template);
    if prepared.pool_ready > 0 || prepared.pool_made > 0 {
        emit!(
            "pool: {} ready ({} made now)",
            prepared.pool_ready,
            prepared.pool_made
        );
    }
}

/// The real URL, password included: it is the data asked for.
pub fn print_clone(report: &CloneReport) {
    emit!("{}", report.url);
}

pub fn print_drop(report: &DropReport) {
    match report.redis_keys_removed {
        Some(keys) => emit!("dropped {} and its {keys} Redis keys", report.name),
        None => emit!("dropped {}", report.name),
    }
}

pub fn print_gc(report: &GcReport) {
    for name in &report.dropped {
        emit!("dropped {name}");
    }
    for name in &report.busy {
        emit!("in use, left: {name}");
    }
    emit!(
        "gc: {} dropped, {} kept, {} in use",
        report.dropped.len(),
        report.kept.len(),
        report.busy.len()
    );
}
