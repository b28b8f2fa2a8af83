//! What the router has seen: per statement fingerprint and engine, an exponentially weighted
//! record of how long the statement took there, in a bounded cache.

use std::sync::Arc;
use std::time::Duration;

use moka::sync::Cache;

use crate::fingerprint::Fingerprint;

/// The weight of the newest observation: recent runs count most (tables grow, caches warm),
/// yet one slow outlier moves the record by only this share.
const WEIGHT: f64 = 0.3;

/// An engine's record for one fingerprint.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Observed {
    /// Weighted mean time, from routing to the last row sent.
    pub micros: f64,
    pub runs: u32,
}

/// How long the router remembers that an engine could not run a statement: long enough to
/// spare every later run the failed attempt and its NOTICE, short enough that a changed
/// configuration or table is tried again.
const UNABLE_FOR: Duration = Duration::from_secs(600);

/// Clones share the records.
#[derive(Debug, Clone)]
pub struct Learned {
    records: Cache<(Fingerprint, &'static str), Observed>,
    /// Engines that failed a fingerprint for a reason of their own (0A000, 42883, 58000),
    /// with that reason.
    unable: Cache<(Fingerprint, &'static str), Arc<str>>,
}

impl Learned {
    /// Keeps at most `capacity` (fingerprint, engine) records, least recently used out first.
    pub fn new(capacity: u64) -> Self {
        Self {
            records: Cache::new(capacity),
            unable: Cache::builder()
                .max_capacity(capacity)
                .time_to_live(UNABLE_FOR)
                .build(),
        }
    }

    /// `engine` could not run `fingerprint`'s statement, because of `reason`.
    pub fn record_unable(&self, fingerprint: Fingerprint, engine: &'static str, reason: &str) {
        self.unable.insert((fingerprint, engine), Arc::from(reason));
    }

    /// Why `engine` could not run `fingerprint`'s statement lately, if it could not.
    pub fn unable(&self, fingerprint: Fingerprint, engine: &'static str) -> Option<Arc<str>> {
        self.unable.get(&(fingerprint, engine))
    }

    pub fn record(&self, fingerprint: Fingerprint, engine: &'static str, elapsed: Duration) {
        let micros = elapsed.as_secs_f64() * 1e6;
        self.records
            .entry((fingerprint, engine))
            .and_upsert_with(|old| match old.map(|e| e.into_value()) {
                Some(old) => Observed {
                    micros: old.micros + WEIGHT * (micros - old.micros),
                    runs: old.runs.saturating_add(1),
                },
                None => Observed { micros, runs: 1 },
            });
    }

    pub fn get(&self, fingerprint: Fingerprint, engine: &'static str) -> Option<Observed> {
        self.records.get(&(fingerprint, engine))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_record_follows_recent_runs() {
        let learned = Learned::new(100);
        let f = Fingerprint(1);
        learned.record(f, "duckdb", Duration::from_millis(10));
        assert_eq!(learned.get(f, "duckdb").map(|o| o.runs), Some(1));
        for _ in 0..20 {
            learned.record(f, "duckdb", Duration::from_millis(40));
        }
        let observed = learned.get(f, "duckdb").expect("recorded");
        assert_eq!(observed.runs, 21);
        assert!((observed.micros - 40_000.0).abs() < 100.0, "{observed:?}");
        assert_eq!(learned.get(f, "datafusion"), None);
    }
}
