//! junction's own functions in DuckDB, for what DuckDB's answer differs from PostgreSQL's
//! and no rewrite in SQL fixes: exact numeric division, PostgreSQL's case mapping, and a
//! real clock. The transpiler's DuckDB rules call them; each is the same Rust code the
//! DataFusion engine runs, so the engines agree.
//!
//! An error they raise reaches DuckDB as text only; it starts with its SQLSTATE in brackets
//! (`[22012] division by zero`), which the error classification reads back.

use std::error::Error;
use std::sync::Arc;

use arrow::array::{
    Array, ArrayRef, AsArray, Decimal128Array, StringArray, StringBuilder,
    TimestampMicrosecondArray,
};
use arrow::datatypes::{DataType, TimeUnit};
use duckdb::vscalar::{ArrowFunctionSignature, VArrowScalar};
use duckdb::Connection;

use crate::catalog_types::clip_names;
use crate::df::json_build_object::write_json_string;
use crate::numeric::{divide, QUOTIENT_TYPE};
use crate::sql_error::SqlError;
use crate::text::{lower, upper};

/// An error for DuckDB: its SQLSTATE first, in brackets.
fn raise(e: SqlError) -> Box<dyn Error> {
    format!("[{}] {}", e.sqlstate, e.message).into()
}

/// Registers every function on `connection` (they are the database's, for every connection).
pub fn register(connection: &Connection) -> duckdb::Result<()> {
    connection
        .register_scalar_function::<NumericDivide>(junction_transpiler::duckdb::NUMERIC_DIVIDE)?;
    connection.register_scalar_function::<Upper>(junction_transpiler::duckdb::UPPER)?;
    connection.register_scalar_function::<Lower>(junction_transpiler::duckdb::LOWER)?;
    connection.register_scalar_function::<NameCast>(junction_transpiler::NAME_FUNCTION)?;
    connection.register_scalar_function::<Jsonb>(junction_transpiler::duckdb::JSONB)?;
    connection
        .register_scalar_function::<JsonbConcat>(junction_transpiler::datafusion::JSONB_CONCAT)?;
    connection.register_scalar_function::<FloatText>(junction_transpiler::FLOAT8_TEXT)?;
    connection.register_scalar_function::<Encode>(junction_transpiler::duckdb::ENCODE)?;
    connection.register_scalar_function::<Decode>(junction_transpiler::duckdb::DECODE)?;
    connection.register_scalar_function::<IntervalText>(junction_transpiler::INTERVAL_TEXT)?;
    connection.register_scalar_function::<ArrayText>(junction_transpiler::ARRAY_TEXT)?;
    connection.register_scalar_function::<ToCharNumber>(junction_transpiler::TO_CHAR_NUMBER)?;
    connection
        .register_scalar_function::<JsonbExists>(junction_transpiler::duckdb::JSONB_EXISTS)?;
    connection.register_scalar_function::<JsonBuildObject>(
        junction_transpiler::duckdb::JSON_BUILD_OBJECT,
    )?;
    connection
        .register_scalar_function::<ClockTimestamp>(junction_transpiler::duckdb::CLOCK_TIMESTAMP)?;
    Ok(())
}

/// A decimal's text (`-12.340`, `7`) as its unscaled value and scale.
fn parse_decimal(text: &str) -> Result<(i128, i8), SqlError> {
    let bad = || SqlError {
        sqlstate: "22P02",
        message: format!("invalid input syntax for type numeric: \"{text}\""),
    };
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    let scale = i8::try_from(fraction.len()).map_err(|_| bad())?;
    let digits = format!("{whole}{fraction}");
    let unscaled = digits.parse::<i128>().map_err(|_| bad())?;
    Ok((unscaled, scale))
}

/// `junction_numeric_divide(a::VARCHAR, b::VARCHAR)`: the exact quotient. The operands come
/// as text because DuckDB can pass no decimal of any scale to a function, and its decimals'
/// text is exact.
struct NumericDivide;

impl VArrowScalar for NumericDivide {
    type State = ();

    fn invoke(_: &(), input: arrow::array::RecordBatch) -> Result<ArrayRef, Box<dyn Error>> {
        let (l, r) = (
            input.column(0).as_string::<i32>(),
            input.column(1).as_string::<i32>(),
        );
        let mut out = Vec::with_capacity(l.len());
        let mut valid = Vec::with_capacity(l.len());
        for i in 0..l.len() {
            if l.is_null(i) || r.is_null(i) {
                out.push(0);
                valid.push(false);
                continue;
            }
            let (a, a_scale) = parse_decimal(l.value(i)).map_err(raise)?;
            let (b, b_scale) = parse_decimal(r.value(i)).map_err(raise)?;
            out.push(divide(a, a_scale, b, b_scale).map_err(raise)?);
            valid.push(true);
        }
        let quotients =
            Decimal128Array::new(out.into(), Some(valid.into())).with_data_type(QUOTIENT_TYPE);
        Ok(Arc::new(quotients))
    }

    fn signatures() -> Vec<ArrowFunctionSignature> {
        vec![ArrowFunctionSignature::exact(
            vec![DataType::Utf8, DataType::Utf8],
            QUOTIENT_TYPE,
        )]
    }
}

/// Maps each string of a text column through `f`.
fn map_text(input: &arrow::array::RecordBatch, f: fn(&str) -> String) -> ArrayRef {
    let texts = input.column(0).as_string::<i32>();
    let mapped: StringArray = texts.iter().map(|t| t.map(f)).collect();
    Arc::new(mapped)
}

struct Upper;

impl VArrowScalar for Upper {
    type State = ();

    fn invoke(_: &(), input: arrow::array::RecordBatch) -> Result<ArrayRef, Box<dyn Error>> {
        Ok(map_text(&input, upper))
    }

    fn signatures() -> Vec<ArrowFunctionSignature> {
        vec![ArrowFunctionSignature::exact(
            vec![DataType::Utf8],
            DataType::Utf8,
        )]
    }
}

/// `junction_name(text)`: the text clipped as PostgreSQL's `name` holds it.
struct NameCast;

impl VArrowScalar for NameCast {
    type State = ();

    fn invoke(_: &(), input: arrow::array::RecordBatch) -> Result<ArrayRef, Box<dyn Error>> {
        Ok(Arc::new(clip_names(input.column(0))))
    }

    fn signatures() -> Vec<ArrowFunctionSignature> {
        vec![ArrowFunctionSignature::exact(
            vec![DataType::Utf8],
            DataType::Utf8,
        )]
    }
}

struct Lower;

impl VArrowScalar for Lower {
    type State = ();

    fn invoke(_: &(), input: arrow::array::RecordBatch) -> Result<ArrayRef, Box<dyn Error>> {
        Ok(map_text(&input, lower))
    }

    fn signatures() -> Vec<ArrowFunctionSignature> {
        vec![ArrowFunctionSignature::exact(
            vec![DataType::Utf8],
            DataType::Utf8,
        )]
    }
}

/// `junction_jsonb(text)`: the text as PostgreSQL's jsonb prints it, 22P02 unless it is
/// JSON.
struct Jsonb;

impl VArrowScalar for Jsonb {
    type State = ();

    fn invoke(_: &(), input: arrow::array::RecordBatch) -> Result<ArrayRef, Box<dyn Error>> {
        let texts = input.column(0).as_string::<i32>();
        let normalized = texts
            .iter()
            .map(|text| text.map(crate::jsonb_text::normalize).transpose())
            .collect::<Result<StringArray, _>>()
            .map_err(raise)?;
        Ok(Arc::new(normalized))
    }

    fn signatures() -> Vec<ArrowFunctionSignature> {
        vec![ArrowFunctionSignature::exact(
            vec![DataType::Utf8],
            DataType::Utf8,
        )]
    }
}

/// `junction_jsonb_concat(a, b)`: PostgreSQL's `jsonb || jsonb`.
struct JsonbConcat;

impl VArrowScalar for JsonbConcat {
    type State = ();

    fn invoke(_: &(), input: arrow::array::RecordBatch) -> Result<ArrayRef, Box<dyn Error>> {
        let (left, right) = (
            input.column(0).as_string::<i32>(),
            input.column(1).as_string::<i32>(),
        );
        let joined = (0..input.num_rows())
            .map(|i| {
                if left.is_null(i) || right.is_null(i) {
                    return Ok(None);
                }
                crate::jsonb_text::concatenate(left.value(i), right.value(i)).map(Some)
            })
            .collect::<Result<StringArray, _>>()
            .map_err(raise)?;
        Ok(Arc::new(joined))
    }

    fn signatures() -> Vec<ArrowFunctionSignature> {
        vec![ArrowFunctionSignature::exact(
            vec![DataType::Utf8, DataType::Utf8],
            DataType::Utf8,
        )]
    }
}

/// `junction_to_char_number(text, kind, template)`: PostgreSQL's `to_char` of a number.
struct ToCharNumber;

impl VArrowScalar for ToCharNumber {
    type State = ();

    fn invoke(_: &(), input: arrow::array::RecordBatch) -> Result<ArrayRef, Box<dyn Error>> {
        let out = crate::number_format::to_char_column(
            input.column(0).as_string::<i32>(),
            input.column(1).as_string::<i32>(),
            input.column(2).as_string::<i32>(),
        )
        .map_err(raise)?;
        Ok(Arc::new(out))
    }

    fn signatures() -> Vec<ArrowFunctionSignature> {
        vec![ArrowFunctionSignature::exact(
            vec![DataType::Utf8; 3],
            DataType::Utf8,
        )]
    }
}

/// `junction_jsonb_exists(json, key)`: jsonb's `?`, as the DataFusion engine answers it.
struct JsonbExists;

impl VArrowScalar for JsonbExists {
    type State = ();

    fn invoke(_: &(), input: arrow::array::RecordBatch) -> Result<ArrayRef, Box<dyn Error>> {
        let out = crate::df::jsonb_exists::exists_column(
            input.column(0).as_string::<i32>(),
            input.column(1).as_string::<i32>(),
        )
        .map_err(raise)?;
        Ok(Arc::new(out))
    }

    fn signatures() -> Vec<ArrowFunctionSignature> {
        vec![ArrowFunctionSignature::exact(
            vec![DataType::Utf8, DataType::Utf8],
            DataType::Boolean,
        )]
    }
}

/// `junction_json_build_object(key, value, ...)`: PostgreSQL's json_build_object over the
/// tagged text the transpiler passes (junction_transpiler::duckdb's rule says how), written
/// as the DataFusion engine writes it.
struct JsonBuildObject;

impl VArrowScalar for JsonBuildObject {
    type State = ();

    fn invoke(_: &(), input: arrow::array::RecordBatch) -> Result<ArrayRef, Box<dyn Error>> {
        let columns: Vec<&StringArray> = input
            .columns()
            .iter()
            .map(|c| c.as_string::<i32>())
            .collect();
        if !columns.len().is_multiple_of(2) {
            return Err(raise(SqlError {
                sqlstate: "22023",
                message: "argument list must have even number of elements".to_owned(),
            }));
        }
        let untagged = |text: &str| SqlError {
            sqlstate: "XX000",
            message: format!("json_build_object: untagged argument \"{text}\""),
        };
        let mut out = StringBuilder::with_capacity(input.num_rows(), input.num_rows() * 16);
        let mut object = String::new();
        for row in 0..input.num_rows() {
            object.clear();
            object.push('{');
            for (i, pair) in columns.chunks(2).enumerate() {
                let [key, value] = pair else { break };
                if i > 0 {
                    object.push_str(", ");
                }
                match key.value(row).split_at_checked(1) {
                    Some(("k", key)) => write_json_string(key, &mut object),
                    Some(("n", _)) => {
                        return Err(raise(SqlError {
                            sqlstate: "22004",
                            message: "null value not allowed for object key".to_owned(),
                        }))
                    }
                    _ => return Err(raise(untagged(key.value(row)))),
                }
                object.push_str(" : ");
                match value.value(row).split_at_checked(1) {
                    Some(("s", text)) => write_json_string(text, &mut object),
                    Some(("v", text)) => object.push_str(text),
                    Some(("n", _)) => object.push_str("null"),
                    _ => return Err(raise(untagged(value.value(row)))),
                }
            }
            object.push('}');
            out.append_value(&object);
        }
        Ok(Arc::new(out.finish()))
    }

    fn signatures() -> Vec<ArrowFunctionSignature> {
        vec![ArrowFunctionSignature::variadic(
            DataType::Utf8,
            DataType::Utf8,
        )]
    }
}

/// `junction_float8_text(x)`: a float as PostgreSQL prints it (DuckDB prints `62.0`).
/// `junction_encode(bytea or text, format)` and `junction_decode(text, format)`:
/// PostgreSQL's `encode` and `decode` (DuckDB has neither; its `decode` reads a blob as text).
struct Encode;

impl VArrowScalar for Encode {
    type State = ();

    fn invoke(_: &(), input: arrow::array::RecordBatch) -> Result<ArrayRef, Box<dyn Error>> {
        crate::bytea_formats::encode_each(input.column(0), input.column(1).as_string::<i32>())
            .map_err(raise)
    }

    fn signatures() -> Vec<ArrowFunctionSignature> {
        // A text is bytea input ('\x6869' is two bytes), as an untyped literal is there.
        [DataType::Binary, DataType::Utf8]
            .into_iter()
            .map(|t| ArrowFunctionSignature::exact(vec![t, DataType::Utf8], DataType::Utf8))
            .collect()
    }
}

struct Decode;

impl VArrowScalar for Decode {
    type State = ();

    fn invoke(_: &(), input: arrow::array::RecordBatch) -> Result<ArrayRef, Box<dyn Error>> {
        crate::bytea_formats::decode_each(
            input.column(0).as_string::<i32>(),
            input.column(1).as_string::<i32>(),
        )
        .map_err(raise)
    }

    fn signatures() -> Vec<ArrowFunctionSignature> {
        vec![ArrowFunctionSignature::exact(
            vec![DataType::Utf8, DataType::Utf8],
            DataType::Binary,
        )]
    }
}

struct FloatText;

impl VArrowScalar for FloatText {
    type State = ();

    fn invoke(_: &(), input: arrow::array::RecordBatch) -> Result<ArrayRef, Box<dyn Error>> {
        Ok(crate::pg_text::print_column(input.column(0))?)
    }

    fn signatures() -> Vec<ArrowFunctionSignature> {
        [DataType::Float64, DataType::Float32]
            .into_iter()
            .map(|t| ArrowFunctionSignature::exact(vec![t], DataType::Utf8))
            .collect()
    }
}

/// `junction_interval_text(x::VARCHAR)`: an interval as PostgreSQL prints it, from DuckDB's
/// text of it (`1 year 2 months -3 days 04:05:06.5`; DuckDB hands functions no intervals).
struct IntervalText;

impl VArrowScalar for IntervalText {
    type State = ();

    fn invoke(_: &(), input: arrow::array::RecordBatch) -> Result<ArrayRef, Box<dyn Error>> {
        let texts = input.column(0).as_string::<i32>();
        let mut out = arrow::array::StringBuilder::with_capacity(texts.len(), texts.len() * 16);
        let mut printed = String::new();
        for text in texts {
            let Some(text) = text else {
                out.append_null();
                continue;
            };
            let interval = duckdb_interval(text).ok_or_else(|| SqlError {
                sqlstate: "22007",
                message: format!("invalid input syntax for type interval: \"{text}\""),
            })?;
            printed.clear();
            crate::interval_text::write(interval, &mut printed);
            out.append_value(&printed);
        }
        Ok(Arc::new(out.finish()))
    }

    fn signatures() -> Vec<ArrowFunctionSignature> {
        vec![ArrowFunctionSignature::exact(
            vec![DataType::Utf8],
            DataType::Utf8,
        )]
    }
}

/// `junction_array_text(x::VARCHAR[], typeof(x))`: an array as PostgreSQL prints it, from
/// DuckDB's text of its elements. DuckDB hands functions lists of only some element types
/// (no decimals, no intervals), so the elements come as text and the type name says how
/// to read them back where DuckDB prints them otherwise (`true`, `62.0`, `1 month`).
struct ArrayText;

/// How DuckDB's text of an array's element becomes PostgreSQL's.
#[derive(Debug, Clone, Copy)]
enum DuckElement {
    /// Printed alike: integers, text, decimals, times.
    Same,
    /// Dates and timestamps: alike but for the era (`0044-03-15 (BC) 10:00:00`).
    Dated,
    Bool,
    Float4,
    Float8,
    Interval,
    Blob,
}

impl DuckElement {
    /// The element kind of DuckDB's array type `type_name` (`INTEGER[]`); 0A000 for an
    /// array of arrays or of structs and maps, whose text junction does not print.
    fn of(type_name: &str) -> Result<Self, SqlError> {
        let unsupported = || SqlError {
            sqlstate: "0A000",
            message: format!("{type_name} cast to text is not supported on DuckDB"),
        };
        let element = type_name.strip_suffix("[]").ok_or_else(unsupported)?;
        if element.contains(['[', '(']) && !element.starts_with("DECIMAL(") {
            return Err(unsupported());
        }
        Ok(match element {
            "BOOLEAN" => Self::Bool,
            "FLOAT" => Self::Float4,
            "DOUBLE" => Self::Float8,
            "INTERVAL" => Self::Interval,
            "BLOB" => Self::Blob,
            "DATE" | "TIMESTAMP" | "TIMESTAMP WITH TIME ZONE" => Self::Dated,
            "TIME" => Self::Same,
            t if t.starts_with("DECIMAL(")
                || t.starts_with("VARCHAR")
                || t.ends_with("INT")
                || t.ends_with("INTEGER")
                || matches!(t, "UUID" | "JSON" | "NULL") =>
            {
                Self::Same
            }
            _ => return Err(unsupported()),
        })
    }

    /// DuckDB's `text` of an element as PostgreSQL prints it, into `out`.
    fn print(self, text: &str, out: &mut String) -> Result<(), SqlError> {
        let bad = |type_name: &str| SqlError {
            sqlstate: "22P02",
            message: format!("invalid input syntax for type {type_name}: \"{text}\""),
        };
        match self {
            Self::Same => out.push_str(text),
            Self::Dated => match text.split_once(" (BC)") {
                Some((day, time)) => {
                    out.push_str(day);
                    out.push_str(time);
                    out.push_str(" BC");
                }
                None => out.push_str(text),
            },
            Self::Bool => out.push_str(match text {
                "true" => "t",
                "false" => "f",
                _ => return Err(bad("boolean")),
            }),
            Self::Float4 => {
                let value = text.parse::<f32>().map_err(|_| bad("real"))?;
                crate::pg_text::float4(value, 1, out);
            }
            Self::Float8 => {
                let value = text.parse::<f64>().map_err(|_| bad("double precision"))?;
                crate::pg_text::float8(value, 1, out);
            }
            Self::Interval => {
                let interval = duckdb_interval(text).ok_or_else(|| bad("interval"))?;
                crate::interval_text::write(interval, out);
            }
            Self::Blob => {
                let bytes = duckdb_blob(text).ok_or_else(|| bad("bytea"))?;
                crate::array_text::write_bytea_hex(&bytes, out);
            }
        }
        Ok(())
    }
}

/// DuckDB's text of a blob: printable ASCII as it is, other bytes as `\xHH`.
fn duckdb_blob(text: &str) -> Option<Vec<u8>> {
    let mut bytes = Vec::with_capacity(text.len());
    let mut rest = text.as_bytes();
    while let Some((&first, tail)) = rest.split_first() {
        if first == b'\\' {
            let hex = tail.get(1..3).filter(|_| tail.first() == Some(&b'x'))?;
            bytes.push(u8::from_str_radix(std::str::from_utf8(hex).ok()?, 16).ok()?);
            rest = &tail[3..];
        } else {
            bytes.push(first);
            rest = tail;
        }
    }
    Some(bytes)
}

impl VArrowScalar for ArrayText {
    type State = ();

    fn invoke(_: &(), input: arrow::array::RecordBatch) -> Result<ArrayRef, Box<dyn Error>> {
        let lists = input.column(0).as_list::<i32>();
        let type_names = input.column(1).as_string::<i32>();
        // typeof is one name for the whole column.
        let kind = match type_names.iter().flatten().next() {
            Some(name) => DuckElement::of(name).map_err(raise)?,
            None => DuckElement::Same,
        };
        let texts = lists.values().as_string::<i32>();
        let mut elements = StringBuilder::with_capacity(texts.len(), texts.len() * 8);
        let mut printed = String::new();
        for text in texts {
            match text {
                None => elements.append_null(),
                Some(text) => {
                    printed.clear();
                    kind.print(text, &mut printed).map_err(raise)?;
                    elements.append_value(&printed);
                }
            }
        }
        let reprinted = arrow::array::ListArray::try_new(
            Arc::new(arrow::datatypes::Field::new_list_field(
                DataType::Utf8,
                true,
            )),
            lists.offsets().clone(),
            Arc::new(elements.finish()),
            lists.nulls().cloned(),
        )?;
        let reprinted: ArrayRef = Arc::new(reprinted);
        Ok(crate::array_text::render(&reprinted, &|values| {
            Ok(values.clone())
        })?)
    }

    fn signatures() -> Vec<ArrowFunctionSignature> {
        vec![ArrowFunctionSignature::exact(
            vec![
                DataType::List(Arc::new(arrow::datatypes::Field::new_list_field(
                    DataType::Utf8,
                    true,
                ))),
                DataType::Utf8,
            ],
            DataType::Utf8,
        )]
    }
}

/// DuckDB's text of an interval: `N unit` pairs of years, months and days, then the time
/// as `[-]H:MM:SS[.ffffff]` unless it is zero and something came before.
fn duckdb_interval(text: &str) -> Option<crate::interval_text::Interval> {
    let mut interval = crate::interval_text::Interval {
        months: 0,
        days: 0,
        micros: 0,
    };
    let mut words = text.split_ascii_whitespace();
    while let Some(word) = words.next() {
        if word.contains(':') {
            interval.micros = duckdb_time(word)?;
            return words.next().is_none().then_some(interval);
        }
        let count: i32 = word.parse().ok()?;
        match words.next()?.trim_end_matches('s') {
            "year" => interval.months = interval.months.checked_add(count.checked_mul(12)?)?,
            "month" => interval.months = interval.months.checked_add(count)?,
            "day" => interval.days = count,
            _ => return None,
        }
    }
    Some(interval)
}

/// `[-]H:MM:SS[.ffffff]` in microseconds.
fn duckdb_time(text: &str) -> Option<i64> {
    let (negative, text) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let mut parts = text.splitn(3, ':');
    let (hours, minutes, seconds) = (parts.next()?, parts.next()?, parts.next()?);
    let (seconds, fraction) = seconds.split_once('.').unwrap_or((seconds, ""));
    if fraction.len() > 6 {
        return None;
    }
    let fraction: i64 = if fraction.is_empty() {
        0
    } else {
        format!("{fraction:0<6}").parse().ok()?
    };
    let whole = hours
        .parse::<i64>()
        .ok()?
        .checked_mul(3600)?
        .checked_add(minutes.parse::<i64>().ok()? * 60 + seconds.parse::<i64>().ok()?)?;
    let micros = whole.checked_mul(1_000_000)?.checked_add(fraction)?;
    Some(if negative { -micros } else { micros })
}

/// `clock_timestamp()`: the time now, read for each chunk (DuckDB has only the
/// transaction's start). Its one argument is a dummy (see the transpiler's rule).
struct ClockTimestamp;

impl VArrowScalar for ClockTimestamp {
    type State = ();

    fn invoke(_: &(), input: arrow::array::RecordBatch) -> Result<ArrayRef, Box<dyn Error>> {
        let now = chrono::Utc::now().timestamp_micros();
        let times =
            TimestampMicrosecondArray::from(vec![now; input.num_rows()]).with_timezone("UTC");
        Ok(Arc::new(times))
    }

    fn signatures() -> Vec<ArrowFunctionSignature> {
        vec![ArrowFunctionSignature::exact(
            vec![DataType::Int32],
            DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())),
        )]
    }

    fn volatile() -> bool {
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimal_text_parses_to_unscaled_and_scale() {
        assert_eq!(parse_decimal("-12.340"), Ok((-12340, 3)));
        assert_eq!(parse_decimal("7"), Ok((7, 0)));
        assert_eq!(parse_decimal("x").map_err(|e| e.sqlstate), Err("22P02"));
    }

    #[test]
    fn duckdb_interval_text_reads_back() {
        let printed = |text: &str| {
            let mut out = String::new();
            crate::interval_text::write(duckdb_interval(text)?, &mut out);
            Some(out)
        };
        // DuckDB's text on the left, PostgreSQL's of the same interval on the right.
        for (duckdb, postgres) in [
            (
                "1 year 2 months -3 days 04:05:06.5",
                "1 year 2 mons -3 days +04:05:06.5",
            ),
            ("-1 day", "-1 days"),
            ("00:00:00", "00:00:00"),
            ("-04:05:00", "-04:05:00"),
            ("100000:00:00", "100000:00:00"),
            ("-1 year -2 months", "-1 years -2 mons"),
            ("1 day -00:00:00.000001", "1 day -00:00:00.000001"),
            ("1 month", "1 mon"),
        ] {
            assert_eq!(printed(duckdb).as_deref(), Some(postgres), "{duckdb}");
        }
        for bad in [
            "1 fortnight",
            "x",
            "1 day 00:00",
            "00:00:00 1 day",
            "1:00:00.1234567",
        ] {
            assert_eq!(printed(bad), None, "{bad}");
        }
    }
}
