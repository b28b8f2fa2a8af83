//! The server's resident memory, watched: past `[limits] server_memory` the DataFusion
//! statement holding the most fails with 53200 at its next reservation, so one runaway
//! statement fails alone instead of growing until the kernel kills the server and every
//! session in it.
//!
//! A bound on DataFusion's reservations alone (`[engines.datafusion] memory_limit`) cannot be
//! the default: DataFusion counts buffers that batches share once per batch, so a bound that
//! protects the machine fails ordinary queries that would fit (benches/README.md, "memory").
//! The resident memory is what the kernel judges; the reservations only rank the statements.
//! DuckDB bounds itself (`[engines.duckdb] memory_limit`).

use std::sync::Arc;
use std::time::Duration;

use junction_engines::{DataFusionEngine, Relief};

/// How often the resident memory is read: a statement growing at a gigabyte a second
/// overshoots by about a tenth of one.
const CHECK_EVERY: Duration = Duration::from_millis(100);

/// The share of the machine's memory the server's resident memory may reach by default.
const DEFAULT_SHARE_PERCENT: u64 = 80;

/// A statement is stopped only when it holds at least this part of the bound: mimalloc keeps
/// freed pages resident until their threads run again, so the server can stay over its bound
/// after its culprit failed, and a statement of ordinary size must not be failed for that.
const CULPRIT_SHARE: u64 = 8;

/// The machine's memory in bytes (its cgroup's bound when that is lower), when known.
pub fn machine_memory() -> Option<u64> {
    let meminfo = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = meminfo.lines().find(|l| l.starts_with("MemTotal:"))?;
    let total = kib(line.strip_prefix("MemTotal:")?)?;
    // cgroup v2 writes "max" when there is no bound.
    let cgroup = std::fs::read_to_string("/sys/fs/cgroup/memory.max")
        .ok()
        .and_then(|text| text.trim().parse::<u64>().ok());
    Some(cgroup.map_or(total, |bound| bound.min(total)))
}

/// The default `server_memory`: a share of the machine's.
pub fn default_bound() -> Option<u64> {
    machine_memory().map(|total| total / 100 * DEFAULT_SHARE_PERCENT)
}

/// `"  123456 kB"` in bytes.
fn kib(field: &str) -> Option<u64> {
    let number = field.trim().strip_suffix("kB")?.trim();
    number.parse::<u64>().ok()?.checked_mul(1024)
}

/// The server's resident memory in bytes, when the system tells it.
fn resident() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    kib(status.lines().find_map(|l| l.strip_prefix("VmRSS:"))?)
}

/// Watches the resident memory against `bound` for as long as the server runs.
pub fn watch(bound: u64, datafusion: Arc<DataFusionEngine>) {
    if resident().is_none() {
        tracing::warn!(
            "the resident memory cannot be read here: [limits] server_memory is not enforced"
        );
        return;
    }
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(CHECK_EVERY);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            let Some(now) = resident() else { continue };
            if now <= bound {
                continue;
            }
            let why = format!(
                "the server's resident memory ({} MB) is over [limits] server_memory ({} MB)",
                now >> 20,
                bound >> 20
            );
            let least = usize::try_from(bound / CULPRIT_SHARE).unwrap_or(usize::MAX);
            if let Relief::Stopped { held } = datafusion.stop_largest_statement(least, &why) {
                tracing::warn!(
                    resident = now,
                    bound,
                    held,
                    "stopping the DataFusion statement holding the most memory"
                );
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_in_kib_are_read_as_bytes() {
        assert_eq!(kib("   16252928 kB"), Some(16_252_928 * 1024));
        assert_eq!(kib(" 12 MB"), None);
        assert_eq!(kib("x kB"), None);
    }

    #[test]
    fn this_process_has_a_resident_memory_below_the_machines() {
        let resident = resident().expect("Linux tells it");
        let machine = machine_memory().expect("Linux tells it");
        assert!(
            resident > 0 && resident < machine,
            "{resident} of {machine}"
        );
        assert!(default_bound().expect("known") < machine);
    }
}
