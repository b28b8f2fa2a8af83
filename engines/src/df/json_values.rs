//! Values as PostgreSQL's `to_json` and `to_jsonb` write them, for junction's JSON
//! functions on DataFusion (`to_json`, `json_agg`, `json_object_agg` and their jsonb forms).
//!
//! json keeps PostgreSQL's own layout: arrays and records compact (`[1,2]`, `{"a":1}`),
//! dates and timestamps in ISO 8601 (`"2026-01-01T10:00:00"`), a float's shortest digits,
//! NaN and infinities as strings, a json value as it is. jsonb is normalised: `[1, 2]`,
//! `{"a": 1}` with the keys ordered shortest first, then bytewise, each key once (the last).

use datafusion::arrow::array::Array;
use datafusion::arrow::datatypes::{DataType, Decimal128Type, DecimalType, Field};
use datafusion::common::Result;
use datafusion::error::DataFusionError;
use datafusion::scalar::ScalarValue;

use super::json_build_object::{write_json_string, JSON_EXTENSION};
use crate::{interval_text, pg_text};

/// Which of PostgreSQL's two JSON types a value is written as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(super) enum Style {
    Json,
    Jsonb,
}

impl Style {
    /// Between the elements of an array.
    fn separator(self) -> &'static str {
        match self {
            Style::Json => ",",
            Style::Jsonb => ", ",
        }
    }
}

/// Whether `field` holds json text, written as it is rather than as a string.
pub(super) fn is_json(field: &Field) -> bool {
    field.extension_type_name() == Some(JSON_EXTENSION)
}

/// Whether PostgreSQL's json_agg sets the elements of this type apart with a line break
/// (arrays and records, its "structured" categories).
pub(super) fn is_structured(data_type: &DataType) -> bool {
    matches!(
        data_type,
        DataType::List(_)
            | DataType::LargeList(_)
            | DataType::FixedSizeList(..)
            | DataType::Struct(_)
    )
}

fn unsupported(what: &str, data_type: &DataType) -> DataFusionError {
    DataFusionError::NotImplemented(format!(
        "{what} of a value of type {data_type} is not supported on DataFusion"
    ))
}

/// Writes `value`, of `field`'s type, as PostgreSQL writes it in json or jsonb; NULL is
/// `null`.
pub(super) fn write(
    value: &ScalarValue,
    field: &Field,
    style: Style,
    out: &mut String,
) -> Result<()> {
    if value.is_null() {
        out.push_str("null");
        return Ok(());
    }
    match value {
        ScalarValue::Boolean(Some(b)) => out.push_str(if *b { "true" } else { "false" }),
        ScalarValue::Int8(Some(_))
        | ScalarValue::Int16(Some(_))
        | ScalarValue::Int32(Some(_))
        | ScalarValue::Int64(Some(_))
        | ScalarValue::UInt8(Some(_))
        | ScalarValue::UInt16(Some(_))
        | ScalarValue::UInt32(Some(_))
        | ScalarValue::UInt64(Some(_)) => out.push_str(&value.to_string()),
        ScalarValue::Float64(Some(x)) => number(out, |t| pg_text::float8(*x, 1, t)),
        ScalarValue::Float32(Some(x)) => number(out, |t| pg_text::float4(*x, 1, t)),
        ScalarValue::Decimal128(Some(digits), precision, scale) => {
            out.push_str(&Decimal128Type::format_decimal(*digits, *precision, *scale));
        }
        ScalarValue::Utf8(Some(s))
        | ScalarValue::Utf8View(Some(s))
        | ScalarValue::LargeUtf8(Some(s)) => match (is_json(field), style) {
            (false, _) => write_json_string(s, out),
            (true, Style::Json) => out.push_str(s),
            (true, Style::Jsonb) => return Err(unsupported("jsonb", field.data_type())),
        },
        ScalarValue::Date32(Some(days)) => quoted(out, |t| pg_text::date(*days, t)),
        ScalarValue::TimestampSecond(..)
        | ScalarValue::TimestampMillisecond(..)
        | ScalarValue::TimestampMicrosecond(..)
        | ScalarValue::TimestampNanosecond(..) => {
            let micros = match value.cast_to(&DataType::Timestamp(
                datafusion::arrow::datatypes::TimeUnit::Microsecond,
                None,
            ))? {
                ScalarValue::TimestampMicrosecond(Some(micros), _) => micros,
                _ => return Err(unsupported("json", &value.data_type())),
            };
            let zoned = matches!(value.data_type(), DataType::Timestamp(_, Some(_)));
            quoted(out, |t| iso_timestamp(micros, zoned, t));
        }
        ScalarValue::IntervalMonthDayNano(_)
        | ScalarValue::IntervalDayTime(_)
        | ScalarValue::IntervalYearMonth(_)
        | ScalarValue::DurationSecond(_)
        | ScalarValue::DurationMillisecond(_)
        | ScalarValue::DurationMicrosecond(_)
        | ScalarValue::DurationNanosecond(_) => {
            let column = value.to_array()?;
            if let Some(interval) = interval_text::at(&column, 0)? {
                quoted(out, |t| interval_text::write(interval, t));
            }
        }
        ScalarValue::List(list) => write_elements(list.value(0).as_ref(), field, style, out)?,
        ScalarValue::LargeList(list) => write_elements(list.value(0).as_ref(), field, style, out)?,
        ScalarValue::FixedSizeList(list) => {
            write_elements(list.value(0).as_ref(), field, style, out)?
        }
        ScalarValue::Struct(record) => write_record(record.as_ref(), style, out)?,
        other => return Err(unsupported("json", &other.data_type())),
    }
    Ok(())
}

/// A number, or PostgreSQL's string for what JSON has no number for (`"NaN"`, `"Infinity"`).
fn number(out: &mut String, print: impl FnOnce(&mut String)) {
    let start = out.len();
    print(out);
    if !out[start..].parse::<f64>().is_ok_and(f64::is_finite) {
        out.insert(start, '"');
        out.push('"');
    }
}

/// A value whose text needs no escaping (a date, a timestamp, an interval) as a string.
fn quoted(out: &mut String, print: impl FnOnce(&mut String)) {
    out.push('"');
    print(out);
    out.push('"');
}

/// A timestamp in ISO 8601 as PostgreSQL's JSON writes it (`2026-01-01T10:00:00`, with the
/// zone's offset as `+00:00` for a timestamptz, which DataFusion holds in UTC).
fn iso_timestamp(micros: i64, zoned: bool, out: &mut String) {
    let start = out.len();
    if zoned {
        pg_text::timestamptz(micros, &chrono_tz::Tz::UTC, out);
        // `+00` as `+00:00`.
        let offset_start = out.rfind(['+', '-']).filter(|&at| at > start + 10);
        if offset_start.is_some_and(|at| !out[at..].contains(':')) {
            out.push_str(":00");
        }
    } else {
        pg_text::timestamp(micros, out);
    }
    if let Some(space) = out[start..].find(' ') {
        out.replace_range(start + space..start + space + 1, "T");
    }
}

fn write_elements(values: &dyn Array, field: &Field, style: Style, out: &mut String) -> Result<()> {
    let element = match field.data_type() {
        DataType::List(element)
        | DataType::LargeList(element)
        | DataType::FixedSizeList(element, _) => element.as_ref().clone(),
        other => return Err(unsupported("json", other)),
    };
    out.push('[');
    for i in 0..values.len() {
        if i > 0 {
            out.push_str(style.separator());
        }
        write(
            &ScalarValue::try_from_array(values, i)?,
            &element,
            style,
            out,
        )?;
    }
    out.push(']');
    Ok(())
}

fn write_record(
    record: &datafusion::arrow::array::StructArray,
    style: Style,
    out: &mut String,
) -> Result<()> {
    let fields = record.fields();
    let mut members: Vec<(&str, String)> = Vec::with_capacity(fields.len());
    for (i, field) in fields.iter().enumerate() {
        let mut value = String::new();
        write(
            &ScalarValue::try_from_array(record.column(i), 0)?,
            field,
            style,
            &mut value,
        )?;
        members.push((field.name(), value));
    }
    write_object(members, style, &RECORD, out);
    Ok(())
}

/// An object's members in jsonb's order: shorter keys first, then bytewise; of equal keys
/// the last one written stays.
fn jsonb_order<K: AsRef<str>>(members: &mut Vec<(K, String)>) {
    members.reverse();
    members.sort_by(|(a, _), (b, _)| {
        let (a, b) = (a.as_ref(), b.as_ref());
        a.len().cmp(&b.len()).then_with(|| a.cmp(b))
    });
    members.dedup_by(|later, earlier| later.0.as_ref() == earlier.0.as_ref());
}

/// How PostgreSQL lays out an object's members.
pub(super) struct Layout {
    open: &'static str,
    after_key: &'static str,
    between: &'static str,
    close: &'static str,
}

/// A record in json (`{"a":1,"b":2}`).
pub(super) const RECORD: Layout = Layout {
    open: "{",
    after_key: ":",
    between: ",",
    close: "}",
};

/// json_object_agg's object (`{ "a" : 1, "b" : 2 }`).
pub(super) const OBJECT_AGG: Layout = Layout {
    open: "{ ",
    after_key: " : ",
    between: ", ",
    close: " }",
};

/// Any jsonb object (`{"a": 1, "b": 2}`).
const JSONB: Layout = Layout {
    open: "{",
    after_key: ": ",
    between: ", ",
    close: "}",
};

/// Writes an object of `members` (key, written value), laid out as `json` in json, and
/// normalised in jsonb ([`jsonb_order`]).
pub(super) fn write_object<K: AsRef<str>>(
    mut members: Vec<(K, String)>,
    style: Style,
    json: &Layout,
    out: &mut String,
) {
    let layout = match style {
        Style::Json => json,
        Style::Jsonb => {
            jsonb_order(&mut members);
            &JSONB
        }
    };
    out.push_str(layout.open);
    for (i, (key, value)) in members.iter().enumerate() {
        if i > 0 {
            out.push_str(layout.between);
        }
        write_json_string(key.as_ref(), out);
        out.push_str(layout.after_key);
        out.push_str(value);
    }
    out.push_str(layout.close);
}

/// A jsonb object of `members` (key, written value): each key once, the last, in jsonb's
/// order.
pub(crate) fn write_jsonb_object<K: AsRef<str>>(members: Vec<(K, String)>, out: &mut String) {
    write_object(members, Style::Jsonb, &JSONB, out);
}

/// `values[row]` of a column of `field`'s type.
pub(super) fn write_row(
    values: &dyn Array,
    row: usize,
    field: &Field,
    style: Style,
    out: &mut String,
) -> Result<()> {
    write(
        &ScalarValue::try_from_array(values, row)?,
        field,
        style,
        out,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jsonb_orders_keys_shortest_first_and_keeps_the_last_of_equals() {
        let mut members = vec![
            ("bb", "1".to_owned()),
            ("a", "2".to_owned()),
            ("bb", "3".to_owned()),
            ("ab", "4".to_owned()),
        ];
        jsonb_order(&mut members);
        let keys: Vec<_> = members.iter().map(|(k, v)| format!("{k}={v}")).collect();
        assert_eq!(keys, ["a=2", "ab=4", "bb=3"]);
    }

    #[test]
    fn timestamps_are_iso_8601_as_postgresql_writes_them() {
        // 2026-01-01 10:00:00.5 UTC, in microseconds.
        let micros = 1_767_261_600_500_000;
        let mut naive = String::new();
        iso_timestamp(micros, false, &mut naive);
        assert_eq!(naive, "2026-01-01T10:00:00.5");
        let mut zoned = String::new();
        iso_timestamp(micros, true, &mut zoned);
        assert_eq!(zoned, "2026-01-01T10:00:00.5+00:00");
    }

    #[test]
    fn numbers_json_has_no_number_for_are_strings() {
        let field = Field::new("x", DataType::Float64, true);
        let written = |x: f64| {
            let mut out = String::new();
            write(
                &ScalarValue::Float64(Some(x)),
                &field,
                Style::Json,
                &mut out,
            )
            .map(|()| out)
        };
        assert_eq!(written(1.5).ok().as_deref(), Some("1.5"));
        assert_eq!(written(1e20).ok().as_deref(), Some("1e+20"));
        assert_eq!(written(f64::NAN).ok().as_deref(), Some("\"NaN\""));
        assert_eq!(written(f64::INFINITY).ok().as_deref(), Some("\"Infinity\""));
    }
}
