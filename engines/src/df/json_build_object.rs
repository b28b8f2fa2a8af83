//! `json_build_object(k1, v1, ...)`: a json object of key/value pairs, written as PostgreSQL
//! writes it (`{"a" : 1, "b" : "x"}`). SQLAlchemy's column reflection builds its identity and
//! collation details with it.
//!
//! The result is text tagged with Arrow's canonical `arrow.json` extension, which the pg front
//! end describes as json (OID 114). Values of types whose json form is not written here yet
//! (floats, dates, timestamps, nested types) are an error saying so, never a guess.

use std::any::Any;
use std::fmt::Write;
use std::sync::Arc;

use datafusion::arrow::array::{ArrayRef, StringBuilder};
use datafusion::arrow::datatypes::{DataType, Decimal128Type, DecimalType, Field, FieldRef};
use datafusion::common::{exec_err, plan_err, Result};
use datafusion::logical_expr::{
    ColumnarValue, ReturnFieldArgs, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature,
    TypeSignature, Volatility,
};
use datafusion::scalar::ScalarValue;

use crate::sql_error::SqlError;
use crate::with_extension;

/// Arrow's canonical extension name for JSON text.
pub const JSON_EXTENSION: &str = "arrow.json";

#[derive(Debug, PartialEq, Eq, Hash)]
struct JsonBuildObject {
    signature: Signature,
}

pub fn json_build_object_udf() -> ScalarUDF {
    ScalarUDF::new_from_impl(JsonBuildObject {
        signature: Signature::one_of(
            vec![TypeSignature::Nullary, TypeSignature::VariadicAny],
            Volatility::Stable,
        ),
    })
}

impl ScalarUDFImpl for JsonBuildObject {
    fn as_any(&self) -> &dyn Any {
        self
    }

    fn name(&self) -> &str {
        "json_build_object"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(DataType::Utf8)
    }

    fn return_field_from_args(&self, args: ReturnFieldArgs) -> Result<FieldRef> {
        if !args.arg_fields.len().is_multiple_of(2) {
            return plan_err!("json_build_object: argument list must have even number of elements");
        }
        let field = Field::new(self.name(), DataType::Utf8, true);
        Ok(Arc::new(with_extension(field, JSON_EXTENSION)))
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let rows = args.number_rows;
        let columns: Vec<ArrayRef> = args
            .args
            .iter()
            .map(|arg| arg.to_array(rows))
            .collect::<Result<_>>()?;
        let mut out = StringBuilder::with_capacity(rows, rows * 16);
        let mut object = String::new();
        for row in 0..rows {
            object.clear();
            object.push('{');
            for (i, pair) in columns.chunks(2).enumerate() {
                let [key, value] = pair else {
                    return Err(SqlError {
                        sqlstate: "22023",
                        message: "argument list must have even number of elements".to_owned(),
                    }
                    .into());
                };
                if i > 0 {
                    object.push_str(", ");
                }
                let key = ScalarValue::try_from_array(key, row)?;
                if key.is_null() {
                    return Err(SqlError {
                        sqlstate: "22004",
                        message: "null value not allowed for object key".to_owned(),
                    }
                    .into());
                }
                write_json_string(&key.to_string(), &mut object);
                object.push_str(" : ");
                let value = ScalarValue::try_from_array(value, row)?;
                // A json value is written as it is, not as a string.
                let json = args
                    .arg_fields
                    .get(2 * i + 1)
                    .is_some_and(|f| f.extension_type_name() == Some(JSON_EXTENSION));
                match &value {
                    ScalarValue::Utf8(Some(text))
                    | ScalarValue::Utf8View(Some(text))
                    | ScalarValue::LargeUtf8(Some(text))
                        if json =>
                    {
                        object.push_str(text)
                    }
                    _ => write_json_value(&value, &mut object)?,
                }
            }
            object.push('}');
            out.append_value(&object);
        }
        Ok(ColumnarValue::Array(Arc::new(out.finish())))
    }
}

/// `value` as PostgreSQL's `to_json` writes it.
fn write_json_value(value: &ScalarValue, out: &mut String) -> Result<()> {
    if value.is_null() {
        out.push_str("null");
        return Ok(());
    }
    match value {
        ScalarValue::Boolean(Some(b)) => out.push_str(if *b { "true" } else { "false" }),
        ScalarValue::Int8(_)
        | ScalarValue::Int16(_)
        | ScalarValue::Int32(_)
        | ScalarValue::Int64(_)
        | ScalarValue::UInt8(_)
        | ScalarValue::UInt16(_)
        | ScalarValue::UInt32(_)
        | ScalarValue::UInt64(_) => {
            let _ = write!(out, "{value}");
        }
        // A numeric with its scale's digits (`1.50`), as PostgreSQL writes it.
        ScalarValue::Decimal128(Some(digits), precision, scale) => {
            out.push_str(&Decimal128Type::format_decimal(*digits, *precision, *scale));
        }
        ScalarValue::Utf8(Some(s))
        | ScalarValue::Utf8View(Some(s))
        | ScalarValue::LargeUtf8(Some(s)) => {
            write_json_string(s, out);
        }
        other => {
            return exec_err!(
                "json_build_object does not support values of type {} yet",
                other.data_type()
            )
        }
    }
    Ok(())
}

/// `s` as a json string, escaped as PostgreSQL's `escape_json` does.
pub(crate) fn write_json_string(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_escape_as_postgresql_escapes_them() {
        let mut out = String::new();
        write_json_string("a\"b\\c\nd\u{1}", &mut out);
        assert_eq!(out, r#""a\"b\\c\nd\u0001""#);
    }

    #[test]
    fn values_of_unwritten_types_are_errors() {
        let mut out = String::new();
        let err = write_json_value(&ScalarValue::Float64(Some(1.5)), &mut out)
            .expect_err("floats are not written yet");
        assert!(err.to_string().contains("does not support"), "{err}");
    }
}
