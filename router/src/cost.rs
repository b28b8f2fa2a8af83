//! The cost model: an engine's expected time for a statement from the bytes it scans and
//! the statement's shape, with one profile of constants per engine.
//!
//! The built-in profiles come from this project's benchmarks (benches/README.md: `SELECT 1`,
//! TPC-H SF1 and the dashboards, on a 2-core machine); `junction calibrate` measures them on
//! the machine that serves and writes a file `[router] calibration` loads. They only need to
//! order engines for statements never seen: once a statement has run, its record
//! ([`crate::learned`]) counts instead.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::shape::Shape;

/// One engine's constants.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EngineProfile {
    /// Fixed cost of any statement: planning, start-up, the first batch.
    pub startup_us: f64,
    /// Fixed cost of each table read: opening its metadata and files.
    pub table_us: f64,
    /// Scanning and filtering one MiB of table data files.
    pub scan_us_per_mib: f64,
    /// What each join, aggregation, distinct, window or sort adds per MiB scanned.
    pub operator_us_per_mib: f64,
    /// Producing and converting one result row.
    pub row_us: f64,
}

impl EngineProfile {
    /// For an engine the model has no profile for: no better and no worse than DataFusion.
    const UNKNOWN: EngineProfile = DATAFUSION;
}

const DATAFUSION: EngineProfile = EngineProfile {
    startup_us: 550.0,
    table_us: 1_000.0,
    scan_us_per_mib: 250.0,
    operator_us_per_mib: 120.0,
    row_us: 0.05,
};

const DUCKDB: EngineProfile = EngineProfile {
    startup_us: 650.0,
    table_us: 3_000.0,
    scan_us_per_mib: 110.0,
    operator_us_per_mib: 45.0,
    row_us: 0.12,
};

/// A remote Trino: round trips and its own planning make every statement cost tens of
/// milliseconds, rows come as JSON; its workers scan in parallel. Rough figures from a
/// single-node Trino on this project's 2-core machines (not calibrated yet): with them `auto`
/// sends Trino only what is large.
const TRINO: EngineProfile = EngineProfile {
    startup_us: 40_000.0,
    table_us: 10_000.0,
    scan_us_per_mib: 60.0,
    operator_us_per_mib: 25.0,
    row_us: 2.0,
};

/// What a statement is, to the model.
#[derive(Debug, Clone, Copy, Default)]
pub struct Work {
    /// Table references whose data the statement reads.
    pub tables: u32,
    /// Bytes of table data files the statement reads: the files its filters may need, where
    /// the tables' statistics tell.
    pub scan_bytes: u64,
    pub shape: Shape,
}

/// How much larger table data is in memory, decoded into Arrow arrays, than in its files
/// (Parquet's encodings and compression): 3-5x on the demo and TPC-H tables.
const DECODED_PER_STORED: u64 = 4;

impl Work {
    /// The memory the statement is expected to work in: the decoded size of what it scans
    /// when it keeps rows (joins, grouping, sorting), little when it streams.
    pub fn working_set(&self) -> u64 {
        if self.shape.holds_rows() {
            self.scan_bytes.saturating_mul(DECODED_PER_STORED)
        } else {
            0
        }
    }

    /// Rows the statement is expected to return: its own bound where its text has one, else
    /// a small answer for an aggregation and about a row per 100 bytes scanned otherwise.
    pub fn expected_rows(&self) -> f64 {
        match self.shape.row_bound() {
            Some(bound) => bound as f64,
            None if self.shape.aggregations > 0 => 1_000.0,
            None => self.scan_bytes as f64 / 100.0,
        }
    }
}

/// Profiles per engine name.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CostModel {
    pub engine: BTreeMap<String, EngineProfile>,
}

impl Default for CostModel {
    fn default() -> Self {
        Self {
            engine: BTreeMap::from([
                ("datafusion".to_owned(), DATAFUSION),
                ("duckdb".to_owned(), DUCKDB),
                ("trino".to_owned(), TRINO),
            ]),
        }
    }
}

/// A calibration file that cannot be used.
#[derive(Debug, thiserror::Error)]
#[error("calibration file {path}: {reason}")]
pub struct CalibrationError {
    pub path: String,
    pub reason: String,
}

impl CostModel {
    /// The built-in profiles, replaced engine by engine by those in the file at `path`.
    pub fn load(path: &Path) -> Result<Self, CalibrationError> {
        let error = |reason: String| CalibrationError {
            path: path.display().to_string(),
            reason,
        };
        let text = std::fs::read_to_string(path).map_err(|e| error(e.to_string()))?;
        let file: CostModel = toml::from_str(&text).map_err(|e| error(e.to_string()))?;
        let mut model = CostModel::default();
        for (name, profile) in file.engine {
            let valid = [
                profile.startup_us,
                profile.table_us,
                profile.scan_us_per_mib,
                profile.operator_us_per_mib,
                profile.row_us,
            ]
            .iter()
            .all(|v| v.is_finite() && *v >= 0.0);
            if !valid {
                return Err(error(format!(
                    "engine {name}: every figure must be a finite number of microseconds, not negative"
                )));
            }
            model.engine.insert(name, profile);
        }
        Ok(model)
    }

    pub fn to_toml(&self) -> String {
        toml::to_string(self).unwrap_or_default()
    }

    pub fn profile(&self, engine: &str) -> EngineProfile {
        self.engine
            .get(engine)
            .copied()
            .unwrap_or(EngineProfile::UNKNOWN)
    }

    /// The time `engine` is expected to take for `work`.
    pub fn estimate(&self, engine: &str, work: &Work) -> Duration {
        let p = self.profile(engine);
        let mib = work.scan_bytes as f64 / (1024.0 * 1024.0);
        let operators = f64::from(work.shape.operators() + work.shape.subqueries);
        let micros = p.startup_us
            + f64::from(work.tables) * p.table_us
            + mib * (p.scan_us_per_mib + operators * p.operator_us_per_mib)
            + work.expected_rows() * p.row_us;
        Duration::from_secs_f64(micros / 1e6)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn work(mib: u64, shape: Shape) -> Work {
        Work {
            tables: 1,
            scan_bytes: mib * 1024 * 1024,
            shape,
        }
    }

    #[test]
    fn small_statements_favour_the_quicker_start_big_scans_the_faster_scan() {
        let model = CostModel::default();
        let constant = work(
            0,
            Shape {
                limit: Some(1),
                ..Shape::default()
            },
        );
        assert!(model.estimate("datafusion", &constant) < model.estimate("duckdb", &constant));
        let join = Shape {
            joins: 3,
            aggregations: 1,
            single_row: true,
            ..Shape::default()
        };
        assert!(
            model.estimate("duckdb", &work(500, join))
                < model.estimate("datafusion", &work(500, join))
        );
    }

    #[test]
    fn a_calibration_file_replaces_profiles_and_bad_figures_are_refused() {
        let dir = std::env::temp_dir().join(format!("junction-cost-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let path = dir.join("calibration.toml");
        std::fs::write(
            &path,
            "[engine.duckdb]\nstartup_us = 1.0\ntable_us = 1.0\nscan_us_per_mib = 2.0\noperator_us_per_mib = 3.0\nrow_us = 4.0\n",
        )
        .expect("write");
        let model = CostModel::load(&path).expect("loads");
        assert_eq!(model.profile("duckdb").scan_us_per_mib, 2.0);
        assert_eq!(model.profile("datafusion"), DATAFUSION);
        std::fs::write(
            &path,
            "[engine.duckdb]\nstartup_us = -1.0\ntable_us = 1.0\nscan_us_per_mib = 2.0\noperator_us_per_mib = 3.0\nrow_us = 4.0\n",
        )
        .expect("write");
        let error = CostModel::load(&path).expect_err("negative");
        assert!(error.to_string().contains("calibration.toml"), "{error}");
        assert!(CostModel::load(&dir.join("missing.toml")).is_err());
        let _ = std::fs::remove_dir_all(dir);
    }
}
