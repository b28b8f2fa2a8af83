//! Binary-format DataRows written column by column.
//!
//! arrow-pg encodes cell by cell, dispatching on the type of every value, and gives each
//! row its own buffer. For results whose columns are all in binary format and of the common
//! fixed types below, this writes a whole batch into one buffer instead (one type dispatch
//! per column, a tight loop per column) and splits it into rows without copying. The bytes
//! are the same as arrow-pg's (a test checks that); other types and text format keep
//! arrow-pg. Measured in benches/README.md ("wire").

use arrow::array::{Array, ArrayRef, AsArray, BooleanArray, PrimitiveArray, RecordBatch};
use arrow::datatypes::{
    ArrowPrimitiveType, DataType, Date32Type, Float32Type, Float64Type, Int16Type, Int32Type,
    Int64Type, Schema, TimeUnit, TimestampMicrosecondType,
};
use bytes::{BufMut, BytesMut};
use junction_engines::pg_text::Infinite;
use pgwire::messages::data::DataRow;

/// Days from 1970-01-01 (Arrow's epoch) to 2000-01-01 (PostgreSQL's).
const PG_EPOCH_DAYS: i32 = 10_957;
/// Microseconds from 1970-01-01 to 2000-01-01.
const PG_EPOCH_MICROS: i64 = 946_684_800_000_000;

/// Whether every column of `schema` has a type this encoder writes (a regtype's text is not
/// its binary form).
pub fn supports(schema: &Schema) -> bool {
    schema.fields().iter().all(|f| {
        f.extension_type_name() != Some(junction_engines::regtype::REGTYPE_EXTENSION)
            && matches!(
                f.data_type(),
                DataType::Boolean
                    | DataType::Int16
                    | DataType::Int32
                    | DataType::Int64
                    | DataType::Float32
                    | DataType::Float64
                    | DataType::Utf8
                    | DataType::LargeUtf8
                    | DataType::Utf8View
                    | DataType::Date32
                    | DataType::Timestamp(TimeUnit::Microsecond, _)
            )
    })
}

/// A date or timestamp beyond what PostgreSQL's binary format can carry.
#[derive(Debug, thiserror::Error)]
#[error("{0} out of range for PostgreSQL")]
pub struct OutOfRange(&'static str);

/// The rows of `batch` in binary format; `batch`'s schema must be [`supports`]ed.
pub fn encode(batch: &RecordBatch) -> Result<Vec<DataRow>, OutOfRange> {
    let rows = batch.num_rows();
    let columns = batch.columns();
    // Row by row, each column's encoder chosen once; one buffer for the whole batch.
    let encoders: Vec<ColumnEncoder<'_>> = columns.iter().map(ColumnEncoder::new).collect();
    let estimate: usize = encoders.iter().map(|e| e.width_hint()).sum::<usize>() * rows;
    let mut buffer = BytesMut::with_capacity(estimate);
    let field_count = columns.len() as i16;
    let mut out = Vec::with_capacity(rows);
    for row in 0..rows {
        for encoder in &encoders {
            encoder.write(row, &mut buffer)?;
        }
        // Hands the row's bytes out without copying; the rest of the buffer stays for the
        // next rows.
        out.push(DataRow::new(buffer.split(), field_count));
    }
    Ok(out)
}

/// A date's binary form: days from 2000-01-01, PostgreSQL's infinite dates the type's
/// largest and smallest values.
pub fn date_bytes(days: i32) -> Result<[u8; 4], OutOfRange> {
    match Infinite::of_date(days) {
        Some(Infinite::Future) => Ok(i32::MAX.to_be_bytes()),
        Some(Infinite::Past) => Ok(i32::MIN.to_be_bytes()),
        None => days
            .checked_sub(PG_EPOCH_DAYS)
            .map(i32::to_be_bytes)
            .ok_or(OutOfRange("date")),
    }
}

/// A timestamp's binary form (microseconds from 2000-01-01), infinities as for dates.
pub fn timestamp_bytes(micros: i64) -> Result<[u8; 8], OutOfRange> {
    match Infinite::of_timestamp(micros) {
        Some(Infinite::Future) => Ok(i64::MAX.to_be_bytes()),
        Some(Infinite::Past) => Ok(i64::MIN.to_be_bytes()),
        None => micros
            .checked_sub(PG_EPOCH_MICROS)
            .map(i64::to_be_bytes)
            .ok_or(OutOfRange("timestamp")),
    }
}

/// One column, with its type resolved once.
enum ColumnEncoder<'a> {
    Boolean(&'a BooleanArray),
    Int16(&'a PrimitiveArray<Int16Type>),
    Int32(&'a PrimitiveArray<Int32Type>),
    Int64(&'a PrimitiveArray<Int64Type>),
    Float32(&'a PrimitiveArray<Float32Type>),
    Float64(&'a PrimitiveArray<Float64Type>),
    Date32(&'a PrimitiveArray<Date32Type>),
    Timestamp(&'a PrimitiveArray<TimestampMicrosecondType>),
    Text(&'a ArrayRef),
}

impl<'a> ColumnEncoder<'a> {
    fn new(column: &'a ArrayRef) -> Self {
        match column.data_type() {
            DataType::Boolean => Self::Boolean(column.as_boolean()),
            DataType::Int16 => Self::Int16(column.as_primitive()),
            DataType::Int32 => Self::Int32(column.as_primitive()),
            DataType::Int64 => Self::Int64(column.as_primitive()),
            DataType::Float32 => Self::Float32(column.as_primitive()),
            DataType::Float64 => Self::Float64(column.as_primitive()),
            DataType::Date32 => Self::Date32(column.as_primitive()),
            DataType::Timestamp(TimeUnit::Microsecond, _) => Self::Timestamp(column.as_primitive()),
            _ => Self::Text(column),
        }
    }

    /// Bytes a value usually takes, length word included.
    fn width_hint(&self) -> usize {
        4 + match self {
            Self::Boolean(_) => 1,
            Self::Int16(_) => 2,
            Self::Int32(_) | Self::Float32(_) | Self::Date32(_) => 4,
            Self::Int64(_) | Self::Float64(_) | Self::Timestamp(_) => 8,
            Self::Text(_) => 16,
        }
    }

    fn write(&self, row: usize, out: &mut BytesMut) -> Result<(), OutOfRange> {
        fn fixed<T: ArrowPrimitiveType, const N: usize>(
            array: &PrimitiveArray<T>,
            row: usize,
            out: &mut BytesMut,
            bytes: impl Fn(T::Native) -> Result<[u8; N], OutOfRange>,
        ) -> Result<(), OutOfRange> {
            if array.is_null(row) {
                out.put_i32(-1);
            } else {
                out.put_i32(N as i32);
                out.put_slice(&bytes(array.value(row))?);
            }
            Ok(())
        }
        match self {
            Self::Boolean(a) => {
                if a.is_null(row) {
                    out.put_i32(-1);
                } else {
                    out.put_i32(1);
                    out.put_u8(u8::from(a.value(row)));
                }
                Ok(())
            }
            Self::Int16(a) => fixed(a, row, out, |v: i16| Ok(v.to_be_bytes())),
            Self::Int32(a) => fixed(a, row, out, |v: i32| Ok(v.to_be_bytes())),
            Self::Int64(a) => fixed(a, row, out, |v: i64| Ok(v.to_be_bytes())),
            Self::Float32(a) => fixed(a, row, out, |v: f32| Ok(v.to_bits().to_be_bytes())),
            Self::Float64(a) => fixed(a, row, out, |v: f64| Ok(v.to_bits().to_be_bytes())),
            Self::Date32(a) => fixed(a, row, out, date_bytes),
            Self::Timestamp(a) => fixed(a, row, out, timestamp_bytes),
            Self::Text(a) => {
                if a.is_null(row) {
                    out.put_i32(-1);
                    return Ok(());
                }
                let text: &str = match a.data_type() {
                    DataType::Utf8 => a.as_string::<i32>().value(row),
                    DataType::LargeUtf8 => a.as_string::<i64>().value(row),
                    _ => a.as_string_view().value(row),
                };
                // Arrow strings are shorter than PostgreSQL's 1 GB limit on a value.
                out.put_i32(text.len() as i32);
                out.put_slice(text.as_bytes());
                Ok(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow::array::{
        Date32Array, Float32Array, Float64Array, Int16Array, Int32Array, Int64Array,
        LargeStringArray, StringArray, StringViewArray, TimestampMicrosecondArray,
    };
    use arrow_pg::datatypes::encode_recordbatch;
    use pgwire::api::portal::Format;

    use super::*;

    /// Every supported type, with nulls, negative and far dates, and multi-byte text.
    fn batch() -> RecordBatch {
        let columns: Vec<(&str, ArrayRef)> = vec![
            (
                "b",
                Arc::new(BooleanArray::from(vec![Some(true), None, Some(false)])),
            ),
            (
                "i2",
                Arc::new(Int16Array::from(vec![Some(-7), Some(i16::MAX), None])),
            ),
            (
                "i4",
                Arc::new(Int32Array::from(vec![None, Some(i32::MIN), Some(42)])),
            ),
            (
                "i8",
                Arc::new(Int64Array::from(vec![Some(i64::MAX), None, Some(-1)])),
            ),
            (
                "f4",
                Arc::new(Float32Array::from(vec![Some(1.5), Some(f32::NAN), None])),
            ),
            (
                "f8",
                Arc::new(Float64Array::from(vec![Some(-0.0), None, Some(1e300)])),
            ),
            (
                "t",
                Arc::new(StringArray::from(vec![Some("héllo"), Some(""), None])),
            ),
            (
                "lt",
                Arc::new(LargeStringArray::from(vec![
                    None,
                    Some("ward 7"),
                    Some("x"),
                ])),
            ),
            (
                "vt",
                Arc::new(StringViewArray::from(vec![
                    Some("a much longer string than twelve"),
                    None,
                    Some("ok"),
                ])),
            ),
            (
                "d",
                Arc::new(Date32Array::from(vec![Some(-1), Some(20_454), None])),
            ),
            (
                "ts",
                Arc::new(TimestampMicrosecondArray::from(vec![
                    Some(1_767_225_600_000_000),
                    None,
                    Some(-1),
                ])),
            ),
            (
                "tstz",
                Arc::new(
                    TimestampMicrosecondArray::from(vec![None, Some(0), Some(946_684_800_000_001)])
                        .with_timezone("UTC"),
                ),
            ),
        ];
        RecordBatch::try_from_iter(columns).expect("batch")
    }

    #[test]
    fn rows_are_byte_for_byte_those_of_arrow_pg() {
        let batch = batch();
        assert!(supports(&batch.schema()));
        let fields =
            super::super::rows::fields(&batch.schema(), &Format::UnifiedBinary).expect("fields");
        let expected: Vec<DataRow> = encode_recordbatch(Arc::new(fields), batch.clone())
            .collect::<Result<_, _>>()
            .expect("arrow-pg encodes");
        assert_eq!(encode(&batch).expect("encodes"), expected);
    }

    #[test]
    fn other_types_are_left_to_arrow_pg() {
        let schema = Schema::new(vec![arrow::datatypes::Field::new(
            "n",
            DataType::Decimal128(10, 2),
            true,
        )]);
        assert!(!supports(&schema));
    }

    #[test]
    fn a_timestamp_beyond_postgresql_is_an_error() {
        let batch = RecordBatch::try_from_iter([(
            "ts",
            Arc::new(TimestampMicrosecondArray::from(vec![i64::MIN + 2])) as ArrayRef,
        )])
        .expect("batch");
        assert!(encode(&batch).is_err());
    }

    #[test]
    fn infinite_dates_and_timestamps_are_postgresqls() {
        let batch = RecordBatch::try_from_iter([
            (
                "d",
                Arc::new(Date32Array::from(vec![i32::MAX, i32::MIN + 1])) as ArrayRef,
            ),
            (
                "ts",
                Arc::new(TimestampMicrosecondArray::from(vec![
                    i64::MAX,
                    i64::MIN + 1,
                ])) as ArrayRef,
            ),
        ])
        .expect("batch");
        let rows = encode(&batch).expect("encodes");
        let fields = |row: &DataRow| row.data.to_vec();
        let mut future = Vec::new();
        for part in [
            &4i32.to_be_bytes()[..],
            &i32::MAX.to_be_bytes(),
            &8i32.to_be_bytes(),
            &i64::MAX.to_be_bytes(),
        ] {
            future.extend_from_slice(part);
        }
        let mut past = Vec::new();
        for part in [
            &4i32.to_be_bytes()[..],
            &i32::MIN.to_be_bytes(),
            &8i32.to_be_bytes(),
            &i64::MIN.to_be_bytes(),
        ] {
            past.extend_from_slice(part);
        }
        assert_eq!(rows.iter().map(fields).collect::<Vec<_>>(), [future, past]);
    }
}
