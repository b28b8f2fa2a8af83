//! The readings: bronze.vitals_raw as devices sent them, and silver.vitals cleaned from it.

use std::path::Path;
use std::sync::Arc;

use arrow::array::{
    ArrayRef, Date32Builder, Float64Builder, Int32Builder, Int64Builder, RecordBatch,
    StringBuilder, TimestampMicrosecondBuilder,
};
use arrow::datatypes::{DataType, Field, Schema, SchemaRef, TimeUnit};
use chrono::{Duration, NaiveDateTime};
use deltalake::DeltaTable;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use url::Url;

use super::reference::Patient;
use super::{DemoError, DemoSize};

const MINUTES_PER_DAY: i64 = 24 * 60;

fn timestamp() -> DataType {
    DataType::Timestamp(TimeUnit::Microsecond, None)
}

fn bronze_schema() -> SchemaRef {
    let text = |name| Field::new(name, DataType::Utf8, true);
    Arc::new(Schema::new(vec![
        Field::new("event_id", DataType::Int64, false),
        Field::new("device_id", DataType::Utf8, false),
        Field::new("patient_id", DataType::Int32, false),
        text("recorded_at"),
        text("heart_rate"),
        text("spo2"),
        text("systolic"),
        text("diastolic"),
        text("temperature_c"),
        Field::new("received_at", timestamp(), false),
    ]))
}

fn silver_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("reading_id", DataType::Int64, false),
        Field::new("patient_id", DataType::Int32, false),
        Field::new("device_id", DataType::Utf8, false),
        Field::new("recorded_at", timestamp(), false),
        Field::new("day", DataType::Date32, false),
        Field::new("heart_rate", DataType::Int32, true),
        Field::new("spo2", DataType::Float64, true),
        Field::new("systolic", DataType::Int32, true),
        Field::new("diastolic", DataType::Int32, true),
        Field::new("temperature_c", DataType::Float64, true),
        Field::new("quality", DataType::Utf8, false),
    ]))
}

/// One event as a device sent it.
struct Sent {
    event_id: i64,
    patient: usize,
    recorded_at: Option<String>,
    values: [Option<String>; 5],
    received_at: NaiveDateTime,
}

/// Plausible ranges; values outside them are device faults, not physiology.
const RANGES: [(f64, f64); 5] = [
    (20.0, 250.0),
    (50.0, 100.0),
    (50.0, 260.0),
    (25.0, 160.0),
    (30.0, 43.0),
];

fn format_value(field: usize, v: f64) -> String {
    match field {
        1 | 4 => format!("{v:.1}"),
        _ => format!("{v:.0}"),
    }
}

/// The device feed of one minute for every patient, faults included.
fn sent_events(
    rng: &mut ChaCha8Rng,
    state: &mut [[f64; 5]],
    patients: &[Patient],
    at: NaiveDateTime,
    minute: i64,
    out: &mut Vec<Sent>,
) {
    for (i, patient) in patients.iter().enumerate() {
        let event_id = minute * patients.len() as i64 + i as i64 + 1;
        let s = &mut state[i];
        // A slow random walk around the patient's baseline.
        for (k, v) in s.iter_mut().enumerate() {
            let pull = (patient.baseline[k] - *v) * 0.05;
            let noise = [1.5, 0.2, 1.5, 1.0, 0.02][k];
            *v += pull + rng.random_range(-noise..noise);
        }
        let mut values = *s;
        if rng.random_bool(0.005) {
            values[0] += 45.0; // tachycardia episode
            values[1] -= 7.0; // desaturation
        }
        values[1] = values[1].min(100.0);
        let mut text: [Option<String>; 5] =
            std::array::from_fn(|k| Some(format_value(k, values[k])));
        let field = rng.random_range(0..5);
        let fault: f64 = rng.random();
        if fault < 0.01 {
            text[field] = None;
        } else if fault < 0.015 {
            text[field] = Some(["", "NaN", "--", "ERR"][rng.random_range(0..4)].to_owned());
        } else if fault < 0.018 {
            // Out of range: a sensor glitch, or a temperature sent in Fahrenheit.
            text[field] = Some(match field {
                4 => format!("{:.1}", values[4] * 9.0 / 5.0 + 32.0),
                1 => "150.0".to_owned(),
                _ => "400".to_owned(),
            });
        }
        // Some monitor models send a space instead of ISO's `T` and no zone.
        let recorded_at = if patient.id % 3 == 0 {
            at.format("%Y-%m-%d %H:%M:%S").to_string()
        } else {
            at.format("%Y-%m-%dT%H:%M:%SZ").to_string()
        };
        let late = rng.random_bool(0.01);
        let delay = if late {
            Duration::minutes(rng.random_range(2..90))
        } else {
            Duration::milliseconds(rng.random_range(800..5000))
        };
        let sent = Sent {
            event_id,
            patient: i,
            recorded_at: (!rng.random_bool(0.001)).then_some(recorded_at),
            values: text,
            received_at: at + delay,
        };
        // A retry after a lost acknowledgement sends the same event again.
        if rng.random_bool(0.005) {
            out.push(Sent {
                event_id,
                patient: i,
                recorded_at: sent.recorded_at.clone(),
                values: sent.values.clone(),
                received_at: sent.received_at + Duration::seconds(rng.random_range(5..60)),
            });
        }
        out.push(sent);
    }
}

fn parse_recorded_at(text: &str) -> Option<NaiveDateTime> {
    NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%SZ")
        .or_else(|_| NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S"))
        .ok()
}

fn micros(t: NaiveDateTime) -> i64 {
    t.and_utc().timestamp_micros()
}

fn bronze_batch(
    events: &[Sent],
    patients: &[Patient],
) -> Result<RecordBatch, arrow::error::ArrowError> {
    let mut event_id = Int64Builder::with_capacity(events.len());
    let mut device = StringBuilder::new();
    let mut patient = Int32Builder::with_capacity(events.len());
    let mut recorded = StringBuilder::new();
    let mut values: Vec<StringBuilder> = (0..5).map(|_| StringBuilder::new()).collect();
    let mut received = TimestampMicrosecondBuilder::with_capacity(events.len());
    for e in events {
        let p = &patients[e.patient];
        event_id.append_value(e.event_id);
        device.append_value(&p.device_id);
        patient.append_value(p.id);
        recorded.append_option(e.recorded_at.as_deref());
        for (b, v) in values.iter_mut().zip(&e.values) {
            b.append_option(v.as_deref());
        }
        received.append_value(micros(e.received_at));
    }
    let mut columns: Vec<ArrayRef> = vec![
        Arc::new(event_id.finish()),
        Arc::new(device.finish()),
        Arc::new(patient.finish()),
        Arc::new(recorded.finish()),
    ];
    columns.extend(values.iter_mut().map(|b| Arc::new(b.finish()) as ArrayRef));
    columns.push(Arc::new(received.finish()));
    RecordBatch::try_new(bronze_schema(), columns)
}

/// Silver is bronze cleaned: first copy of each event, timestamps parsed, values parsed and
/// range-checked. A reading with any missing, malformed or implausible value keeps its good
/// values and is marked `suspect`. Events without a timestamp cannot be placed and are dropped.
fn silver_batch(
    events: &[Sent],
    patients: &[Patient],
) -> Result<RecordBatch, arrow::error::ArrowError> {
    let mut seen = std::collections::HashSet::new();
    let mut id = Int64Builder::new();
    let mut patient = Int32Builder::new();
    let mut device = StringBuilder::new();
    let mut recorded = TimestampMicrosecondBuilder::new();
    let mut day = Date32Builder::new();
    let mut hr = Int32Builder::new();
    let mut spo2 = Float64Builder::new();
    let mut sys = Int32Builder::new();
    let mut dia = Int32Builder::new();
    let mut temp = Float64Builder::new();
    let mut quality = StringBuilder::new();
    for e in events {
        if !seen.insert(e.event_id) {
            continue;
        }
        let Some(at) = e.recorded_at.as_deref().and_then(parse_recorded_at) else {
            continue;
        };
        let p = &patients[e.patient];
        let mut suspect = false;
        let parsed: Vec<Option<f64>> = e
            .values
            .iter()
            .zip(RANGES)
            .map(|(v, (lo, hi))| {
                let value = v
                    .as_deref()
                    .and_then(|t| t.parse::<f64>().ok())
                    .filter(|x| x.is_finite());
                let in_range = value.filter(|x| (lo..=hi).contains(x));
                suspect |= in_range.is_none();
                in_range
            })
            .collect();
        id.append_value(e.event_id);
        patient.append_value(p.id);
        device.append_value(&p.device_id);
        recorded.append_value(micros(at));
        day.append_value((at.date() - chrono::NaiveDate::default()).num_days() as i32);
        hr.append_option(parsed[0].map(|v| v.round() as i32));
        spo2.append_option(parsed[1]);
        sys.append_option(parsed[2].map(|v| v.round() as i32));
        dia.append_option(parsed[3].map(|v| v.round() as i32));
        temp.append_option(parsed[4]);
        quality.append_value(if suspect { "suspect" } else { "ok" });
    }
    let columns: Vec<ArrayRef> = vec![
        Arc::new(id.finish()),
        Arc::new(patient.finish()),
        Arc::new(device.finish()),
        Arc::new(recorded.finish()),
        Arc::new(day.finish()),
        Arc::new(hr.finish()),
        Arc::new(spo2.finish()),
        Arc::new(sys.finish()),
        Arc::new(dia.finish()),
        Arc::new(temp.finish()),
        Arc::new(quality.finish()),
    ];
    RecordBatch::try_new(silver_schema(), columns)
}

async fn append(
    path: &Path,
    table: &'static str,
    batch: RecordBatch,
    partition: Option<&str>,
) -> Result<(), DemoError> {
    let err = |e: &dyn std::fmt::Display| DemoError::write(table, e);
    std::fs::create_dir_all(path).map_err(|e| err(&e))?;
    let url = Url::from_directory_path(path).map_err(|()| err(&"not an absolute path"))?;
    let mut write = DeltaTable::try_from_url(url)
        .await
        .map_err(|e| err(&e))?
        .write(vec![batch])
        .with_save_mode(deltalake::protocol::SaveMode::Append);
    if let Some(column) = partition {
        write = write.with_partition_columns([column]);
    }
    write.await.map_err(|e| err(&e))?;
    Ok(())
}

/// Writes both tables, one Delta commit per day each.
pub async fn write(dir: &Path, patients: &[Patient], size: DemoSize) -> Result<(), DemoError> {
    let mut rng = ChaCha8Rng::seed_from_u64(1);
    let mut state: Vec<[f64; 5]> = patients.iter().map(|p| p.baseline).collect();
    let arrow = |table| move |e: arrow::error::ArrowError| DemoError::write(table, e);
    for d in 0..i64::from(size.days) {
        let mut events = Vec::with_capacity(patients.len() * MINUTES_PER_DAY as usize);
        for minute in d * MINUTES_PER_DAY..(d + 1) * MINUTES_PER_DAY {
            let at = size.start() + Duration::minutes(minute);
            sent_events(&mut rng, &mut state, patients, at, minute, &mut events);
        }
        let bronze = bronze_batch(&events, patients).map_err(arrow("bronze.vitals_raw"))?;
        let silver = silver_batch(&events, patients).map_err(arrow("silver.vitals"))?;
        append(
            &dir.join("bronze/vitals_raw"),
            "bronze.vitals_raw",
            bronze,
            None,
        )
        .await?;
        append(
            &dir.join("silver/vitals"),
            "silver.vitals",
            silver,
            Some("day"),
        )
        .await?;
    }
    Ok(())
}
