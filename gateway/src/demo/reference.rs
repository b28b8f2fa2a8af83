//! silver.patients and silver.devices: the Parquet reference tables.

use std::path::Path;
use std::sync::Arc;

use arrow::array::{
    ArrayRef, Date32Array, Int32Array, RecordBatch, StringArray, TimestampMicrosecondArray,
};
use chrono::{Duration, NaiveDateTime};
use parquet::arrow::ArrowWriter;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::{DemoError, DemoSize};

pub const WARDS: [&str; 5] = ["icu", "cardiology", "oncology", "neurology", "pediatrics"];
const MODELS: [&str; 3] = [
    "Philips IntelliVue MX40",
    "GE CARESCAPE B450",
    "Masimo Radius-7",
];
const GIVEN: [&str; 12] = [
    "Ada", "Ben", "Chloe", "David", "Emma", "Farid", "Grace", "Hugo", "Ines", "Jonas", "Kira",
    "Liam",
];
const FAMILY: [&str; 10] = [
    "Novak", "Garcia", "Okafor", "Schmidt", "Rossi", "Tanaka", "Dubois", "Silva", "Nowak", "Berg",
];

/// One patient and the monitor attached to them.
#[derive(Debug, Clone)]
pub struct Patient {
    pub id: i32,
    pub name: String,
    pub birth_date: i32,
    pub sex: &'static str,
    pub ward: &'static str,
    pub admitted_at: NaiveDateTime,
    pub discharged_at: Option<NaiveDateTime>,
    pub device_id: String,
    pub device_model: &'static str,
    pub installed_on: i32,
    /// Resting heart rate, SpO2, systolic, diastolic, temperature: each patient differs.
    pub baseline: [f64; 5],
}

fn days_since_epoch(t: NaiveDateTime) -> i32 {
    (t.date() - chrono::NaiveDate::default()).num_days() as i32
}

pub fn patients(size: DemoSize) -> Vec<Patient> {
    let mut rng = ChaCha8Rng::seed_from_u64(2026);
    let end = size.start() + Duration::days(i64::from(size.days));
    (1..=size.patients as i32)
        .map(|id| {
            let admitted_at = size.start() - Duration::hours(rng.random_range(1..240));
            let discharged = rng.random_bool(0.2);
            let birth = size.start() - Duration::days(rng.random_range(365 * 2..365 * 95));
            Patient {
                id,
                name: format!(
                    "{} {}",
                    GIVEN[rng.random_range(0..GIVEN.len())],
                    FAMILY[rng.random_range(0..FAMILY.len())]
                ),
                birth_date: days_since_epoch(birth),
                sex: if rng.random_bool(0.5) { "F" } else { "M" },
                ward: WARDS[rng.random_range(0..WARDS.len())],
                admitted_at,
                discharged_at: discharged.then(|| end + Duration::hours(rng.random_range(1..48))),
                device_id: format!("dev-{id:04}"),
                device_model: MODELS[rng.random_range(0..MODELS.len())],
                installed_on: days_since_epoch(admitted_at) - rng.random_range(0..400),
                baseline: [
                    rng.random_range(58.0..92.0),
                    rng.random_range(94.5..99.0),
                    rng.random_range(108.0..138.0),
                    rng.random_range(66.0..88.0),
                    rng.random_range(36.4..37.3),
                ],
            }
        })
        .collect()
}

fn micros(t: NaiveDateTime) -> i64 {
    t.and_utc().timestamp_micros()
}

/// Writes one Parquet file holding `columns` (name, values, nullable).
fn write_parquet(
    path: &Path,
    table: &'static str,
    columns: Vec<(&str, ArrayRef, bool)>,
) -> Result<(), DemoError> {
    let err = |e: &dyn std::fmt::Display| DemoError::write(table, e);
    let batch = RecordBatch::try_from_iter_with_nullable(columns).map_err(|e| err(&e))?;
    let file = std::fs::File::create(path).map_err(|e| err(&e))?;
    let mut writer = ArrowWriter::try_new(file, batch.schema(), None).map_err(|e| err(&e))?;
    writer.write(&batch).map_err(|e| err(&e))?;
    writer.close().map_err(|e| err(&e))?;
    Ok(())
}

pub fn write_patients(path: &Path, patients: &[Patient]) -> Result<(), DemoError> {
    let text = |f: fn(&Patient) -> &str| -> ArrayRef {
        Arc::new(StringArray::from_iter_values(patients.iter().map(f)))
    };
    let columns: Vec<(&str, ArrayRef, bool)> = vec![
        (
            "patient_id",
            Arc::new(Int32Array::from_iter_values(patients.iter().map(|p| p.id))),
            false,
        ),
        ("name", text(|p| &p.name), false),
        (
            "birth_date",
            Arc::new(Date32Array::from_iter_values(
                patients.iter().map(|p| p.birth_date),
            )),
            false,
        ),
        ("sex", text(|p| p.sex), false),
        ("ward", text(|p| p.ward), false),
        (
            "admitted_at",
            Arc::new(TimestampMicrosecondArray::from_iter_values(
                patients.iter().map(|p| micros(p.admitted_at)),
            )),
            false,
        ),
        (
            "discharged_at",
            Arc::new(TimestampMicrosecondArray::from_iter(
                patients.iter().map(|p| p.discharged_at.map(micros)),
            )),
            true,
        ),
    ];
    write_parquet(path, "silver.patients", columns)
}

pub fn write_devices(path: &Path, patients: &[Patient]) -> Result<(), DemoError> {
    let text = |f: fn(&Patient) -> &str| -> ArrayRef {
        Arc::new(StringArray::from_iter_values(patients.iter().map(f)))
    };
    let columns: Vec<(&str, ArrayRef, bool)> = vec![
        ("device_id", text(|p| &p.device_id), false),
        ("model", text(|p| p.device_model), false),
        ("ward", text(|p| p.ward), false),
        (
            "installed_on",
            Arc::new(Date32Array::from_iter_values(
                patients.iter().map(|p| p.installed_on),
            )),
            false,
        ),
    ];
    write_parquet(path, "silver.devices", columns)
}
