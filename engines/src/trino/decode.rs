//! Trino's JSON pages into Arrow record batches: a column's `typeSignature` gives its Arrow
//! type, and each page's rows are appended to builders of that type and become one batch.

use std::sync::Arc;

use base64::Engine as _;
use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};
use datafusion::arrow::array::{
    make_builder, ArrayBuilder, BinaryBuilder, BooleanBuilder, Date32Builder, Decimal128Builder,
    Float32Builder, Float64Builder, Int16Builder, Int32Builder, Int64Builder, Int8Builder,
    ListBuilder, StringBuilder, Time64MicrosecondBuilder, TimestampMicrosecondBuilder,
};
use datafusion::arrow::compute::kernels::cast_utils::parse_decimal;
use datafusion::arrow::datatypes::{DataType, Decimal128Type, Field, Schema, SchemaRef, TimeUnit};
use datafusion::arrow::record_batch::RecordBatch;
use serde_json::Value;

use super::error::TrinoError;
use super::protocol::{Column, TypeArgument, TypeSignature};

/// The Arrow type of a Trino column type, or why junction cannot carry it yet.
pub fn arrow_type(signature: &TypeSignature) -> Result<DataType, TrinoError> {
    let long = |i: usize| match signature.arguments.get(i) {
        Some(TypeArgument::Long(n)) => Some(*n),
        _ => None,
    };
    Ok(match signature.raw_type.as_str() {
        "boolean" => DataType::Boolean,
        "tinyint" => DataType::Int8,
        "smallint" => DataType::Int16,
        "integer" => DataType::Int32,
        "bigint" => DataType::Int64,
        "real" => DataType::Float32,
        "double" => DataType::Float64,
        "decimal" => {
            let (Some(precision), Some(scale)) = (long(0), long(1)) else {
                return Err(unsupported("decimal without its precision and scale"));
            };
            match (u8::try_from(precision), i8::try_from(scale)) {
                (Ok(p), Ok(s)) if p <= 38 => DataType::Decimal128(p, s),
                _ => return Err(unsupported(&format!("decimal({precision}, {scale})"))),
            }
        }
        "varchar" | "char" | "json" | "uuid" | "ipaddress" => DataType::Utf8,
        "varbinary" => DataType::Binary,
        "date" => DataType::Date32,
        "time" => DataType::Time64(TimeUnit::Microsecond),
        "timestamp" => DataType::Timestamp(TimeUnit::Microsecond, None),
        "timestamp with time zone" => {
            DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into()))
        }
        "array" => match signature.arguments.first() {
            Some(TypeArgument::Type(element)) => {
                DataType::List(Arc::new(Field::new("item", arrow_type(element)?, true)))
            }
            _ => return Err(unsupported("array without its element type")),
        },
        other => return Err(unsupported(other)),
    })
}

fn unsupported(type_name: &str) -> TrinoError {
    TrinoError::Unsupported(format!(
        "trino results of type {type_name} are not supported"
    ))
}

/// The schema of a query's result columns.
pub fn schema(columns: &[Column]) -> Result<SchemaRef, TrinoError> {
    let fields = columns
        .iter()
        .map(|c| Ok(Field::new(&c.name, arrow_type(&c.type_signature)?, true)))
        .collect::<Result<Vec<_>, TrinoError>>()?;
    Ok(Arc::new(Schema::new(fields)))
}

/// One page's rows as a batch of `schema`.
pub fn batch(schema: &SchemaRef, rows: &[Vec<Value>]) -> Result<RecordBatch, TrinoError> {
    let mut builders: Vec<Box<dyn ArrayBuilder>> = schema
        .fields()
        .iter()
        .map(|f| make_builder(f.data_type(), rows.len()))
        .collect();
    for row in rows {
        if row.len() != builders.len() {
            return Err(malformed(format!(
                "a row of {} values for {} columns",
                row.len(),
                builders.len()
            )));
        }
        for ((builder, field), value) in builders.iter_mut().zip(schema.fields()).zip(row) {
            append(builder.as_mut(), field.data_type(), value)?;
        }
    }
    let columns = builders.iter_mut().map(|b| b.finish()).collect();
    RecordBatch::try_new(Arc::clone(schema), columns).map_err(|e| malformed(e.to_string()))
}

fn malformed(reason: String) -> TrinoError {
    TrinoError::Malformed {
        url: "the coordinator".to_owned(),
        reason,
    }
}

fn downcast<T: 'static>(builder: &mut dyn ArrayBuilder) -> Result<&mut T, TrinoError> {
    builder
        .as_any_mut()
        .downcast_mut::<T>()
        .ok_or_else(|| malformed("a builder of another type".to_owned()))
}

fn wrong(value: &Value, data_type: &DataType) -> TrinoError {
    malformed(format!("{value} is no {data_type} value"))
}

/// Appends `value`, as Trino's JSON writes a value of `data_type`, to `builder`.
fn append(
    builder: &mut dyn ArrayBuilder,
    data_type: &DataType,
    value: &Value,
) -> Result<(), TrinoError> {
    let err = || wrong(value, data_type);
    let text = || value.as_str().ok_or_else(err);
    macro_rules! put {
        ($builder:ty, $parsed:expr) => {{
            let b = downcast::<$builder>(builder)?;
            if value.is_null() {
                b.append_null();
            } else {
                b.append_value($parsed);
            }
        }};
    }
    let int = || value.as_i64().ok_or_else(err);
    match data_type {
        DataType::Boolean => put!(BooleanBuilder, value.as_bool().ok_or_else(err)?),
        DataType::Int8 => put!(Int8Builder, i8::try_from(int()?).map_err(|_| err())?),
        DataType::Int16 => put!(Int16Builder, i16::try_from(int()?).map_err(|_| err())?),
        DataType::Int32 => put!(Int32Builder, i32::try_from(int()?).map_err(|_| err())?),
        DataType::Int64 => put!(Int64Builder, int()?),
        DataType::Float32 => put!(Float32Builder, float(value).ok_or_else(err)? as f32),
        DataType::Float64 => put!(Float64Builder, float(value).ok_or_else(err)?),
        DataType::Decimal128(precision, scale) => {
            let b = downcast::<Decimal128Builder>(builder)?;
            if value.is_null() {
                b.append_null();
            } else {
                let parsed = parse_decimal::<Decimal128Type>(text()?, *precision, *scale)
                    .map_err(|_| err())?;
                b.append_value(parsed);
            }
        }
        DataType::Utf8 => {
            let b = downcast::<StringBuilder>(builder)?;
            match value {
                Value::Null => b.append_null(),
                Value::String(s) => b.append_value(s),
                // json values may arrive as JSON rather than as their text.
                other => b.append_value(other.to_string()),
            }
        }
        DataType::Binary => put!(
            BinaryBuilder,
            base64::engine::general_purpose::STANDARD
                .decode(text()?)
                .map_err(|_| err())?
        ),
        DataType::Date32 => put!(Date32Builder, {
            let date = NaiveDate::parse_from_str(text()?, "%Y-%m-%d").map_err(|_| err())?;
            let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).ok_or_else(err)?;
            i32::try_from((date - epoch).num_days()).map_err(|_| err())?
        }),
        DataType::Time64(_) => put!(Time64MicrosecondBuilder, {
            let time = NaiveTime::parse_from_str(text()?, "%H:%M:%S%.f").map_err(|_| err())?;
            (time - NaiveTime::MIN).num_microseconds().ok_or_else(err)?
        }),
        DataType::Timestamp(_, None) => put!(TimestampMicrosecondBuilder, {
            let at = NaiveDateTime::parse_from_str(text()?, "%Y-%m-%d %H:%M:%S%.f")
                .map_err(|_| err())?;
            at.and_utc().timestamp_micros()
        }),
        DataType::Timestamp(_, Some(_)) => {
            let b = downcast::<TimestampMicrosecondBuilder>(builder)?;
            if value.is_null() {
                b.append_null();
            } else {
                b.append_value(zoned(text()?).ok_or_else(err)?.timestamp_micros());
            }
        }
        DataType::List(field) => {
            let b = downcast::<ListBuilder<Box<dyn ArrayBuilder>>>(builder)?;
            match value {
                Value::Null => b.append_null(),
                Value::Array(items) => {
                    for item in items {
                        append(b.values().as_mut(), field.data_type(), item)?;
                    }
                    b.append(true);
                }
                _ => return Err(err()),
            }
        }
        other => return Err(unsupported(&other.to_string())),
    }
    Ok(())
}

/// A float as Trino writes it: a JSON number, or `"NaN"`, `"Infinity"`, `"-Infinity"`.
fn float(value: &Value) -> Option<f64> {
    match value {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => match s.as_str() {
            "NaN" => Some(f64::NAN),
            "Infinity" => Some(f64::INFINITY),
            "-Infinity" => Some(f64::NEG_INFINITY),
            _ => None,
        },
        _ => None,
    }
}

/// `2026-01-01 10:00:00.000 UTC`, `... Europe/Warsaw` or `... +01:00` as an instant.
fn zoned(text: &str) -> Option<DateTime<Utc>> {
    let (local, zone) = text.rsplit_once(' ')?;
    let local = NaiveDateTime::parse_from_str(local, "%Y-%m-%d %H:%M:%S%.f").ok()?;
    if let Ok(offset) = zone.parse::<chrono::FixedOffset>() {
        return offset
            .from_local_datetime(&local)
            .single()
            .map(|t| t.with_timezone(&Utc));
    }
    let zone: chrono_tz::Tz = zone.parse().ok()?;
    zone.from_local_datetime(&local)
        .earliest()
        .map(|t| t.with_timezone(&Utc))
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::arrow::util::pretty::pretty_format_batches;

    fn column(name: &str, signature: serde_json::Value) -> Column {
        serde_json::from_value(
            serde_json::json!({"name": name, "type": "", "typeSignature": signature}),
        )
        .expect("a column")
    }

    #[test]
    fn pages_become_batches_of_the_columns_types() {
        let columns = vec![
            column(
                "i",
                serde_json::json!({"rawType": "integer", "arguments": []}),
            ),
            column(
                "d",
                serde_json::json!({"rawType": "decimal", "arguments": [{"kind": "LONG", "value": 10}, {"kind": "LONG", "value": 2}]}),
            ),
            column(
                "f",
                serde_json::json!({"rawType": "double", "arguments": []}),
            ),
            column(
                "ts",
                serde_json::json!({"rawType": "timestamp with time zone", "arguments": [{"kind": "LONG", "value": 3}]}),
            ),
            column(
                "a",
                serde_json::json!({"rawType": "array", "arguments": [{"kind": "TYPE", "value": {"rawType": "varchar", "arguments": []}}]}),
            ),
        ];
        let schema = schema(&columns).expect("supported types");
        let rows: Vec<Vec<Value>> = serde_json::from_str(
            r#"[[1, "12.30", "NaN", "2026-01-01 10:00:00.000 Europe/Warsaw", ["x", null]],
                [null, null, 2.5, "2026-01-01 10:00:00.000 +02:00", null]]"#,
        )
        .expect("rows");
        let batch = batch(&schema, &rows).expect("decoded");
        let text = pretty_format_batches(&[batch])
            .expect("printed")
            .to_string();
        let expected = [
            "+---+-------+-----+----------------------+-------+",
            "| i | d     | f   | ts                   | a     |",
            "+---+-------+-----+----------------------+-------+",
            "| 1 | 12.30 | NaN | 2026-01-01T09:00:00Z | [x, ] |",
            "|   |       | 2.5 | 2026-01-01T08:00:00Z |       |",
            "+---+-------+-----+----------------------+-------+",
        ];
        assert_eq!(text, expected.join("\n"));
    }

    #[test]
    fn types_junction_cannot_carry_are_0a000() {
        let map = column("m", serde_json::json!({"rawType": "map", "arguments": []}));
        let err = schema(&[map]).expect_err("map");
        assert_eq!(err.sqlstate(), "0A000");
        assert!(err.to_string().contains("map"), "{err}");
    }

    #[test]
    fn a_value_of_the_wrong_shape_is_an_error_not_a_panic() {
        let columns = vec![column(
            "i",
            serde_json::json!({"rawType": "integer", "arguments": []}),
        )];
        let schema = schema(&columns).expect("integer");
        for rows in [r#"[["one"]]"#, r#"[[1, 2]]"#, r#"[[4294967296]]"#] {
            let rows: Vec<Vec<Value>> = serde_json::from_str(rows).expect("json");
            assert_eq!(
                batch(&schema, &rows)
                    .expect_err(rows[0][0].to_string().as_str())
                    .sqlstate(),
                "58000"
            );
        }
    }
}
