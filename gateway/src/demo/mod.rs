//! `junction demo`: the hospital IoT vitals warehouse in medallion layers (DESIGN.md, "The
//! demo warehouse"), deterministic for a given size.
//!
//! bronze.vitals_raw (Delta) holds readings as devices sent them, faults included;
//! silver.vitals (Delta, by day) is bronze parsed, de-duplicated and range-checked;
//! silver.patients and silver.devices are Parquet; gold.vitals_hourly (Iceberg) is silver
//! aggregated per patient and hour.

mod gold;
mod readings;
mod reference;

use std::path::{Path, PathBuf};

use chrono::{NaiveDate, NaiveDateTime};

/// How much demo data to write, and from when.
#[derive(Debug, Clone, Copy)]
pub struct DemoSize {
    pub patients: u32,
    pub days: u32,
    /// The first day of readings (midnight UTC). The data is the same for the same size
    /// and first day.
    pub first_day: NaiveDate,
}

impl DemoSize {
    /// `days` of readings for `patients`, the last of them today (UTC), so that dashboards
    /// asking for the last hours or days see data.
    pub fn ending_today(patients: u32, days: u32) -> Self {
        let today = chrono::Utc::now().date_naive();
        let first_day = today - chrono::Duration::days(i64::from(days.max(1)) - 1);
        Self {
            patients,
            days,
            first_day,
        }
    }

    /// The first reading: the first day's midnight.
    pub fn start(&self) -> NaiveDateTime {
        self.first_day.and_time(chrono::NaiveTime::MIN)
    }
}

/// Errors of the demo writer.
#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error("{0} is not empty; pass --force to write the demo warehouse over it")]
    NotEmpty(PathBuf),
    #[error("{what}: {source}")]
    Io {
        what: String,
        #[source]
        source: std::io::Error,
    },
    #[error("writing {table}: {message}")]
    Write {
        table: &'static str,
        message: String,
    },
    #[error("--patients and --days must be at least 1")]
    Size,
}

/// The first day of the warehouses that calibration measures, so that its figures compare
/// across runs (the tests and benchmarks pass the same day as `--start`).
pub fn fixed_first_day() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 1, 1).unwrap_or_default()
}

/// Whether `dir` is absent or holds nothing.
pub fn is_absent_or_empty(dir: &Path) -> bool {
    match std::fs::read_dir(dir) {
        Ok(mut entries) => entries.next().is_none(),
        Err(_) => !dir.exists(),
    }
}

/// Writes the demo warehouse into `dir`. Refuses a non-empty `dir` unless `force`, in which
/// case the demo's own tables are replaced and anything else in `dir` is left alone.
pub async fn write(dir: &Path, size: DemoSize, force: bool) -> Result<(), DemoError> {
    if size.patients == 0 || size.days == 0 {
        return Err(DemoError::Size);
    }
    if !force && !is_absent_or_empty(dir) {
        return Err(DemoError::NotEmpty(dir.to_path_buf()));
    }
    let dir = std::path::absolute(dir).map_err(|source| DemoError::Io {
        what: format!("resolving {}", dir.display()),
        source,
    })?;
    for table in [
        "bronze/vitals_raw",
        "silver/vitals",
        "silver/patients.parquet",
        "silver/devices.parquet",
        "gold/vitals_hourly",
    ] {
        remove(&dir.join(table))?;
    }
    for schema in ["bronze", "silver", "gold"] {
        let path = dir.join(schema);
        std::fs::create_dir_all(&path).map_err(|source| DemoError::Io {
            what: format!("creating {}", path.display()),
            source,
        })?;
    }
    let patients = reference::patients(size);
    reference::write_patients(&dir.join("silver/patients.parquet"), &patients)?;
    reference::write_devices(&dir.join("silver/devices.parquet"), &patients)?;
    readings::write(&dir, &patients, size).await?;
    gold::write(&dir).await?;
    Ok(())
}

impl DemoError {
    /// A failure writing `table`.
    fn write(table: &'static str, e: impl std::fmt::Display) -> Self {
        DemoError::Write {
            table,
            message: e.to_string(),
        }
    }
}

fn remove(path: &Path) -> Result<(), DemoError> {
    let result = if path.is_dir() {
        std::fs::remove_dir_all(path)
    } else if path.exists() {
        std::fs::remove_file(path)
    } else {
        return Ok(());
    };
    result.map_err(|source| DemoError::Io {
        what: format!("removing {}", path.display()),
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_demo_ends_today() {
        let size = DemoSize::ending_today(10, 7);
        let last_day = size.first_day + chrono::Duration::days(6);
        assert_eq!(last_day, chrono::Utc::now().date_naive());
        assert_eq!(size.start().date(), size.first_day);
    }
}
