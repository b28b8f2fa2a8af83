//! What the router has seen: per statement fingerprint and engine, an exponentially weighted
//! record of how long the statement took there, in a bounded cache.

use std::sync::Arc;
use std::time::Duration;

use moka::sync::Cache;

use crate::fingerprint::Fingerprint;

/// The weight of the newest observation: recent runs count most (tables grow, caches warm),
/// yet one slow outlier moves the record by only this share.
const WEIGHT: f64 = 0.3;

/// An engine's record for one fingerprint: the weighted mean the router ranks by, and the
/// plain totals pg_stat_statements reports.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Observed {
    /// Weighted mean time, from routing to the last row sent.
    pub micros: f64,
    pub runs: u32,
    pub total_micros: f64,
    pub min_micros: f64,
    pub max_micros: f64,
    /// The sum of the squared times, for their standard deviation.
    pub squares: f64,
    pub rows: u64,
}

impl Observed {
    fn first(micros: f64, rows: u64) -> Self {
        Self {
            micros,
            runs: 1,
            total_micros: micros,
            min_micros: micros,
            max_micros: micros,
            squares: micros * micros,
            rows,
        }
    }

    fn then(self, micros: f64, rows: u64) -> Self {
        Self {
            micros: self.micros + WEIGHT * (micros - self.micros),
            runs: self.runs.saturating_add(1),
            total_micros: self.total_micros + micros,
            min_micros: self.min_micros.min(micros),
            max_micros: self.max_micros.max(micros),
            squares: self.squares + micros * micros,
            rows: self.rows.saturating_add(rows),
        }
    }

    /// The population standard deviation of the times, as pg_stat_statements' stddev.
    pub fn stddev_micros(&self) -> f64 {
        let n = f64::from(self.runs.max(1));
        let mean = self.total_micros / n;
        (self.squares / n - mean * mean).max(0.0).sqrt()
    }
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
    /// Each fingerprint's text, literals replaced by `$n`, as first seen.
    texts: Cache<Fingerprint, Arc<str>>,
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
            texts: Cache::new(capacity),
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

    /// A run of `fingerprint` on `engine` took `elapsed` and sent `rows`.
    pub fn record(
        &self,
        fingerprint: Fingerprint,
        engine: &'static str,
        elapsed: Duration,
        rows: u64,
    ) {
        let micros = elapsed.as_secs_f64() * 1e6;
        self.records
            .entry((fingerprint, engine))
            .and_upsert_with(|old| match old.map(|e| e.into_value()) {
                Some(old) => old.then(micros, rows),
                None => Observed::first(micros, rows),
            });
    }

    /// Keeps the text `text` makes for `fingerprint`, unless one is kept: made only then.
    pub fn note_text(&self, fingerprint: Fingerprint, text: impl FnOnce() -> String) {
        if !self.texts.contains_key(&fingerprint) {
            self.texts.insert(fingerprint, Arc::from(text()));
        }
    }

    /// Every record, with its fingerprint's text where kept.
    pub fn records(&self) -> Vec<Record> {
        // The iterator may still show records `reset` invalidated; a lookup does not.
        self.records
            .iter()
            .filter(|(key, _)| self.records.contains_key(key.as_ref()))
            .map(|(key, observed)| Record {
                fingerprint: key.0,
                engine: key.1,
                observed,
                text: self.texts.get(&key.0),
            })
            .collect()
    }

    /// Forgets every record (what `auto` learned goes with them); the engines found unable
    /// stay so.
    pub fn reset(&self) {
        self.records.invalidate_all();
        self.records.run_pending_tasks();
    }

    pub fn get(&self, fingerprint: Fingerprint, engine: &'static str) -> Option<Observed> {
        self.records.get(&(fingerprint, engine))
    }
}

/// One (fingerprint, engine) record.
#[derive(Debug, Clone)]
pub struct Record {
    pub fingerprint: Fingerprint,
    pub engine: &'static str,
    pub observed: Observed,
    pub text: Option<Arc<str>>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_record_follows_recent_runs() {
        let learned = Learned::new(100);
        let f = Fingerprint(1);
        learned.record(f, "duckdb", Duration::from_millis(10), 3);
        assert_eq!(learned.get(f, "duckdb").map(|o| o.runs), Some(1));
        for _ in 0..20 {
            learned.record(f, "duckdb", Duration::from_millis(40), 3);
        }
        let observed = learned.get(f, "duckdb").expect("recorded");
        assert_eq!(observed.runs, 21);
        assert!((observed.micros - 40_000.0).abs() < 100.0, "{observed:?}");
        assert_eq!(learned.get(f, "datafusion"), None);
        // The totals are plain: every run counts alike.
        assert_eq!(observed.rows, 63);
        assert!((observed.total_micros - 810_000.0).abs() < 1.0);
        assert!((observed.min_micros - 10_000.0).abs() < 1.0);
        assert!((observed.max_micros - 40_000.0).abs() < 1.0);
        let mean = 810_000.0 / 21.0;
        let variance =
            (10_000.0f64 - mean).powi(2) / 21.0 + 20.0 * (40_000.0f64 - mean).powi(2) / 21.0;
        assert!((observed.stddev_micros() - variance.sqrt()).abs() < 1.0);
        assert_eq!(learned.records().len(), 1);
        learned.reset();
        assert!(learned.records().is_empty(), "reset forgets every record");
    }
}
