//! PostgreSQL's text output for the types where arrow-pg's differs, applied to a batch
//! before arrow-pg encodes it: the affected columns become strings that arrow-pg copies
//! verbatim, while RowDescription keeps their real type.
//!
//! - float4/float8: PostgreSQL's notation (`1e+15`, `1e-05`, `62`, `Infinity`, `-0`) and
//!   `extra_float_digits`; arrow-pg prints Rust's (`1e15`, `62.0`, `inf`).
//! - timestamp: a fraction only when there is one (`08:00:01.53`); arrow-pg always prints six
//!   digits.
//! - timestamptz: in the session's TimeZone with its offset (`+00`, `+05:30`); arrow-pg uses
//!   the column's own zone.
//! - interval: PostgreSQL's fields and signs ([`interval_text`]).
//! - time: a fraction only when there is one.
//! - arrays of these: each element so, quoted as arrays quote ([`array_text`]).

use std::sync::Arc;

use arrow::array::{
    Array, ArrayRef, AsArray, BinaryBuilder, Float32Array, Float64Array, RecordBatch,
    StringBuilder, TimestampMicrosecondArray,
};
use arrow::datatypes::{
    ArrowPrimitiveType, DataType, Date32Type, Decimal128Type, Field, Schema, SchemaRef,
    Time64MicrosecondType, Time64NanosecondType, TimeUnit, TimestampMicrosecondType,
    TimestampMillisecondType, TimestampNanosecondType, TimestampSecondType,
};
use arrow::error::ArrowError;
use chrono_tz::Tz;
use pgwire::api::results::{FieldFormat, FieldInfo};
use pgwire::api::Type;

use junction_engines::pg_text::{
    append_printed, date, float4, float8, time, timestamp, timestamptz,
};
use junction_engines::regtype::{regtype_oid, REGTYPE_EXTENSION};

use junction_engines::{array_text, interval_text};

use super::binary_rows::{date_bytes, timestamp_bytes, OutOfRange};
use super::numeric_wire;

/// The session settings that shape text output.
#[derive(Debug, Clone, Copy)]
pub struct TextStyle {
    pub extra_float_digits: i32,
    pub time_zone: Tz,
}

/// Whether junction renders a column of `field` sent in `format` before arrow-pg sees it:
/// text values PostgreSQL prints otherwise, numerics in either format (arrow-pg converts
/// them through rust_decimal, which holds 28 digits), and regtypes in binary (their OIDs).
fn needs_rendering(field: &Field, format: FieldFormat) -> bool {
    if field.extension_type_name() == Some(REGTYPE_EXTENSION) {
        return format == FieldFormat::Binary;
    }
    let data_type = field.data_type();
    match format {
        FieldFormat::Text => {
            renders(data_type)
                || matches!(data_type, DataType::List(element) | DataType::LargeList(element)
                    if renders(element.data_type()))
        }
        // Dates and timestamps: arrow-pg sends an infinite one as NULL.
        FieldFormat::Binary => matches!(
            data_type,
            DataType::Decimal128(..)
                | DataType::Date32
                | DataType::Timestamp(TimeUnit::Microsecond, _)
        ),
    }
}

/// Whether a value of `data_type` alone is printed here rather than by arrow-pg.
pub(super) fn renders(data_type: &DataType) -> bool {
    matches!(
        data_type,
        DataType::Float32
            | DataType::Float64
            | DataType::Timestamp(_, _)
            | DataType::Date32
            | DataType::Time64(TimeUnit::Microsecond | TimeUnit::Nanosecond)
            | DataType::Interval(_)
            | DataType::Duration(_)
            | DataType::Decimal128(..)
    )
}

/// Which columns of one result junction renders, decided once per result.
#[derive(Debug)]
pub struct TextRendering {
    /// Indexes of the rendered columns, with the format each is sent in.
    columns: Vec<(usize, FieldFormat)>,
    /// The batches' schema once those columns are strings (text) or bytes (binary).
    schema: SchemaRef,
    /// The fields arrow-pg encodes the rendered batches with: a rendered array column is
    /// text already, which arrow-pg would quote again as one element if told its type is an
    /// array (RowDescription still says it is).
    encoding: Arc<Vec<FieldInfo>>,
    style: TextStyle,
}

impl TextRendering {
    /// The rendering for results of `schema` sent as `fields`; `None` when no column needs it.
    pub fn new(schema: &Schema, fields: &[FieldInfo], style: TextStyle) -> Option<Self> {
        let columns: Vec<(usize, FieldFormat)> = schema
            .fields()
            .iter()
            .zip(fields)
            .enumerate()
            .filter(|(_, (field, info))| needs_rendering(field, info.format()))
            .map(|(i, (_, info))| (i, info.format()))
            .collect();
        if columns.is_empty() {
            return None;
        }
        let rendered: Vec<Field> = schema
            .fields()
            .iter()
            .enumerate()
            .map(|(i, field)| match columns.iter().find(|(c, _)| *c == i) {
                Some((_, FieldFormat::Text)) => Field::new(field.name(), DataType::Utf8, true),
                Some((_, FieldFormat::Binary)) => Field::new(field.name(), DataType::Binary, true),
                None => field.as_ref().clone(),
            })
            .collect();
        let mut encoding = fields.to_vec();
        for &(i, format) in &columns {
            let array = matches!(
                schema.field(i).data_type(),
                DataType::List(_) | DataType::LargeList(_)
            );
            if format == FieldFormat::Text && array {
                let info = &fields[i];
                encoding[i] = FieldInfo::new(
                    info.name().to_owned(),
                    info.table_id(),
                    info.column_id(),
                    Type::TEXT,
                    FieldFormat::Text,
                )
                .with_format_options(Arc::clone(info.format_options()));
            }
        }
        Some(Self {
            columns,
            schema: Arc::new(Schema::new(rendered)),
            encoding: Arc::new(encoding),
            style,
        })
    }

    /// The fields arrow-pg is to encode the rendered batches with.
    pub fn encoding_fields(&self) -> Arc<Vec<FieldInfo>> {
        Arc::clone(&self.encoding)
    }

    /// `batch` with the chosen columns rendered as PostgreSQL would.
    pub fn apply(&self, batch: RecordBatch) -> Result<RecordBatch, ArrowError> {
        let mut columns = batch.columns().to_vec();
        for &(i, format) in &self.columns {
            columns[i] = match format {
                FieldFormat::Text => render_column(&columns[i], &self.style)?,
                FieldFormat::Binary
                    if batch.schema().field(i).extension_type_name() == Some(REGTYPE_EXTENSION) =>
                {
                    regtype_oids(&columns[i])?
                }
                FieldFormat::Binary => match columns[i].data_type() {
                    DataType::Date32 => fixed_bytes::<Date32Type, 4>(&columns[i], date_bytes)?,
                    DataType::Timestamp(..) => {
                        fixed_bytes::<TimestampMicrosecondType, 8>(&columns[i], timestamp_bytes)?
                    }
                    _ => numeric_bytes(&columns[i])?,
                },
            };
        }
        RecordBatch::try_new(Arc::clone(&self.schema), columns)
    }
}

/// A column of regtype names as their OIDs in binary format.
fn regtype_oids(column: &ArrayRef) -> Result<ArrayRef, ArrowError> {
    let names = arrow::compute::cast(column, &DataType::Utf8)?;
    let names = names.as_string::<i32>();
    let mut out = BinaryBuilder::with_capacity(names.len(), names.len() * 4);
    for name in names.iter() {
        match name {
            None => out.append_null(),
            Some(name) => {
                let oid = regtype_oid(name).ok_or_else(|| {
                    ArrowError::InvalidArgumentError(format!(
                        "no binary form for the regtype \"{name}\""
                    ))
                })?;
                out.append_value(oid.to_be_bytes());
            }
        }
    }
    Ok(Arc::new(out.finish()))
}

/// A Decimal128 column as PostgreSQL's binary numerics, which arrow-pg copies verbatim.
/// A column of dates or timestamps in their binary form, as [`binary_rows`] writes them.
fn fixed_bytes<T: ArrowPrimitiveType, const N: usize>(
    column: &ArrayRef,
    bytes: impl Fn(T::Native) -> Result<[u8; N], OutOfRange>,
) -> Result<ArrayRef, ArrowError> {
    let values = column.as_primitive::<T>();
    let mut out = BinaryBuilder::with_capacity(values.len(), values.len() * N);
    for value in values.iter() {
        match value {
            None => out.append_null(),
            Some(value) => {
                let bytes =
                    bytes(value).map_err(|e| ArrowError::InvalidArgumentError(e.to_string()))?;
                out.append_value(bytes);
            }
        }
    }
    Ok(Arc::new(out.finish()))
}

fn numeric_bytes(column: &ArrayRef) -> Result<ArrayRef, ArrowError> {
    let DataType::Decimal128(_, scale) = column.data_type() else {
        return Err(ArrowError::InvalidArgumentError(format!(
            "no PostgreSQL binary numeric for {}",
            column.data_type()
        )));
    };
    let values = column.as_primitive::<Decimal128Type>();
    let mut out = BinaryBuilder::with_capacity(values.len(), values.len() * 16);
    let mut bytes = Vec::with_capacity(32);
    for value in values.iter() {
        match value {
            None => out.append_null(),
            Some(value) => {
                bytes.clear();
                numeric_wire::binary(value, *scale, &mut bytes);
                out.append_value(&bytes);
            }
        }
    }
    Ok(Arc::new(out.finish()))
}

fn render_column(column: &ArrayRef, style: &TextStyle) -> Result<ArrayRef, ArrowError> {
    let mut out = StringBuilder::with_capacity(column.len(), column.len() * 12);
    let mut text = String::with_capacity(40);
    match column.data_type() {
        DataType::Float64 => {
            let values: &Float64Array = column.as_primitive();
            for value in values.iter() {
                append_printed(&mut out, &mut text, value, |v, t| {
                    float8(v, style.extra_float_digits, t)
                });
            }
        }
        DataType::Float32 => {
            let values: &Float32Array = column.as_primitive();
            for value in values.iter() {
                append_printed(&mut out, &mut text, value, |v, t| {
                    float4(v, style.extra_float_digits, t)
                });
            }
        }
        DataType::Timestamp(unit, zone) => {
            for value in timestamp_micros(column, *unit)?.iter() {
                append_printed(&mut out, &mut text, value, |v, t| match zone {
                    None => timestamp(v, t),
                    Some(_) => timestamptz(v, &style.time_zone, t),
                });
            }
        }
        DataType::Date32 => {
            for value in column.as_primitive::<Date32Type>().iter() {
                append_printed(&mut out, &mut text, value, date);
            }
        }
        DataType::Decimal128(_, scale) => {
            let values = column.as_primitive::<Decimal128Type>();
            for value in values.iter() {
                append_printed(&mut out, &mut text, value, |v, t| {
                    numeric_wire::text(v, *scale, t)
                });
            }
        }
        DataType::Interval(_) | DataType::Duration(_) => {
            for row in 0..column.len() {
                let value = interval_text::at(column, row)?;
                append_printed(&mut out, &mut text, value, interval_text::write);
            }
        }
        DataType::Time64(TimeUnit::Microsecond) => {
            for value in column.as_primitive::<Time64MicrosecondType>().iter() {
                append_printed(&mut out, &mut text, value, time);
            }
        }
        DataType::Time64(TimeUnit::Nanosecond) => {
            let values = column.as_primitive::<Time64NanosecondType>();
            for value in values.iter() {
                let micros = value.map(|ns| (ns + 500) / 1000);
                append_printed(&mut out, &mut text, micros, time);
            }
        }
        DataType::List(_) | DataType::LargeList(_) => {
            return array_text::render(column, &|values| render_column(values, style));
        }
        other => {
            return Err(ArrowError::InvalidArgumentError(format!(
                "no PostgreSQL text rendering for {other}"
            )))
        }
    }
    Ok(Arc::new(out.finish()))
}

/// The column in microseconds, PostgreSQL's resolution (nanoseconds round to nearest).
fn timestamp_micros(
    column: &ArrayRef,
    unit: TimeUnit,
) -> Result<TimestampMicrosecondArray, ArrowError> {
    let overflow = || ArrowError::ComputeError("timestamp out of range".to_owned());
    Ok(match unit {
        TimeUnit::Microsecond => column.as_primitive::<TimestampMicrosecondType>().clone(),
        TimeUnit::Millisecond => column
            .as_primitive::<TimestampMillisecondType>()
            .try_unary(|v| v.checked_mul(1_000).ok_or_else(overflow))?,
        TimeUnit::Second => column
            .as_primitive::<TimestampSecondType>()
            .try_unary(|v| v.checked_mul(1_000_000).ok_or_else(overflow))?,
        TimeUnit::Nanosecond => column
            .as_primitive::<TimestampNanosecondType>()
            .unary(|ns| (ns as i128 + 500).div_euclid(1000) as i64),
    })
}

#[cfg(test)]
mod tests {
    use arrow::array::{Date32Array, Decimal128Array};
    use arrow_pg::datatypes::encode_recordbatch;

    use super::*;

    /// A binary result arrow-pg encodes (a numeric beside them) sends infinite dates and
    /// timestamps as PostgreSQL does, where arrow-pg sent NULL.
    #[test]
    fn binary_infinities_beside_other_types_are_postgresqls() {
        let batch = RecordBatch::try_from_iter([
            (
                "n",
                Arc::new(
                    Decimal128Array::from(vec![125])
                        .with_precision_and_scale(5, 2)
                        .expect("numeric(5,2)"),
                ) as ArrayRef,
            ),
            ("d", Arc::new(Date32Array::from(vec![i32::MAX])) as ArrayRef),
            (
                "ts",
                Arc::new(TimestampMicrosecondArray::from(vec![i64::MIN + 1])) as ArrayRef,
            ),
        ])
        .expect("batch");
        let fields: Vec<FieldInfo> = [Type::NUMERIC, Type::DATE, Type::TIMESTAMP]
            .into_iter()
            .zip(["n", "d", "ts"])
            .map(|(t, name)| FieldInfo::new(name.to_owned(), None, None, t, FieldFormat::Binary))
            .collect();
        let style = TextStyle {
            extra_float_digits: 1,
            time_zone: Tz::UTC,
        };
        let rendering = TextRendering::new(&batch.schema(), &fields, style).expect("rendered");
        let rendered = rendering.apply(batch).expect("applies");
        let rows: Vec<_> = encode_recordbatch(rendering.encoding_fields(), rendered)
            .collect::<Result<_, _>>()
            .expect("encodes");
        let row = rows[0].data.to_vec();
        // numeric 1.25: ndigits 2, weight 0, sign +, dscale 2, digits 1 and 2500.
        let numeric = [0, 2, 0, 0, 0, 0, 0, 2, 0, 1, 0x09, 0xc4];
        let mut expected = Vec::new();
        expected.extend_from_slice(&12i32.to_be_bytes());
        expected.extend_from_slice(&numeric);
        expected.extend_from_slice(&4i32.to_be_bytes());
        expected.extend_from_slice(&i32::MAX.to_be_bytes());
        expected.extend_from_slice(&8i32.to_be_bytes());
        expected.extend_from_slice(&i64::MIN.to_be_bytes());
        assert_eq!(row, expected);
    }
}
