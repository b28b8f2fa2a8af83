//! PostgreSQL's JSON constructors on DataFusion: `to_json`, `to_jsonb`, `row_to_json`, and
//! the aggregates `json_agg`, `jsonb_agg`, `json_object_agg`, `jsonb_object_agg`.
//!
//! The transpiler turns each aggregate into `array_agg` (which brings its DISTINCT, ORDER BY
//! and FILTER, partial aggregation and NULL for no rows) under one of the list functions
//! here, which write the list as PostgreSQL's aggregate writes it: json_agg
//! `[1, 2, 3]`, records and arrays after the first on a line of their own (`, \n `);
//! json_object_agg `{ "a" : 1, "b" : 2 }`; the jsonb forms normalised (`[1, 2]`,
//! `{"a": 1, "b": 2}`). Results are text tagged as json (see [`JSON_EXTENSION`]).

use std::any::Any;
use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, AsArray, StringBuilder};
use datafusion::arrow::datatypes::{DataType, Field, FieldRef};
use datafusion::common::{plan_err, Result};
use datafusion::logical_expr::{
    ColumnarValue, ReturnFieldArgs, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature,
    TypeSignature, Volatility,
};

use super::json_build_object::JSON_EXTENSION;
use super::json_values::{is_structured, write_object, write_row, Style, OBJECT_AGG};
use crate::sql_error::SqlError;
use crate::with_extension;

/// What a function writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Writes {
    /// One value (`to_json`, `to_jsonb`, `row_to_json`).
    Value,
    /// A list of values as json_agg writes it.
    Array,
    /// A list of key/value records as json_object_agg writes it.
    Object,
}

#[derive(Debug, PartialEq, Eq, Hash)]
struct JsonFunction {
    name: &'static str,
    writes: Writes,
    style: Style,
    signature: Signature,
}

/// Every function of this module, by the names the transpiler calls.
pub fn udfs() -> Vec<ScalarUDF> {
    [
        ("to_json", Writes::Value, Style::Json),
        ("row_to_json", Writes::Value, Style::Json),
        ("to_jsonb", Writes::Value, Style::Jsonb),
        (
            junction_transpiler::datafusion::JSON_AGG,
            Writes::Array,
            Style::Json,
        ),
        (
            junction_transpiler::datafusion::JSONB_AGG,
            Writes::Array,
            Style::Jsonb,
        ),
        (
            junction_transpiler::datafusion::JSON_OBJECT_AGG,
            Writes::Object,
            Style::Json,
        ),
        (
            junction_transpiler::datafusion::JSONB_OBJECT_AGG,
            Writes::Object,
            Style::Jsonb,
        ),
    ]
    .into_iter()
    .map(|(name, writes, style)| {
        ScalarUDF::new_from_impl(JsonFunction {
            name,
            writes,
            style,
            // An aggregate's writer takes a second argument when its values are json.
            signature: Signature::one_of(
                vec![TypeSignature::Any(1), TypeSignature::Any(2)],
                Volatility::Stable,
            ),
        })
    })
    .collect()
}

impl ScalarUDFImpl for JsonFunction {
    fn as_any(&self) -> &dyn Any {
        self
    }

    fn name(&self) -> &str {
        self.name
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(DataType::Utf8)
    }

    fn return_field_from_args(&self, args: ReturnFieldArgs) -> Result<FieldRef> {
        if self.writes == Writes::Value && args.arg_fields.len() != 1 {
            return Err(SqlError {
                sqlstate: "42883",
                message: format!("function {} takes one argument", self.name),
            }
            .into());
        }
        if self.writes != Writes::Value {
            if let Some(field) = args.arg_fields.first() {
                if element(field).is_none() {
                    return plan_err!("{} takes a list, not {}", self.name, field.data_type());
                }
            }
        }
        let field = Field::new(self.name, DataType::Utf8, true);
        Ok(Arc::new(with_extension(field, JSON_EXTENSION)))
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let (Some(value), Some(field)) = (args.args.first(), args.arg_fields.first()) else {
            return plan_err!("{} takes one argument", self.name);
        };
        let scalar = matches!(value, ColumnarValue::Scalar(_));
        let column = value.to_array(if scalar { 1 } else { args.number_rows })?;
        let json_values = args.args.len() == 2;
        let written = match self.writes {
            Writes::Value => values(&column, field, self.style)?,
            Writes::Array | Writes::Object => {
                lists(&column, field, self.writes, self.style, json_values)?
            }
        };
        if scalar {
            Ok(ColumnarValue::Scalar(
                datafusion::scalar::ScalarValue::try_from_array(&written, 0)?,
            ))
        } else {
            Ok(ColumnarValue::Array(written))
        }
    }
}

/// The element field of a list field.
fn element(field: &Field) -> Option<&FieldRef> {
    match field.data_type() {
        DataType::List(element) | DataType::LargeList(element) => Some(element),
        _ => None,
    }
}

/// `to_json(x)` of each row; NULL stays NULL, as in PostgreSQL.
fn values(column: &ArrayRef, field: &Field, style: Style) -> Result<ArrayRef> {
    let mut out = StringBuilder::with_capacity(column.len(), column.len() * 8);
    let mut text = String::new();
    for row in 0..column.len() {
        if column.is_null(row) {
            out.append_null();
            continue;
        }
        text.clear();
        write_row(column.as_ref(), row, field, style, &mut text)?;
        out.append_value(&text);
    }
    Ok(Arc::new(out.finish()))
}

/// Each row's list written as the aggregate writes its values; a NULL list (no rows) is
/// NULL.
fn lists(
    column: &ArrayRef,
    field: &Field,
    writes: Writes,
    style: Style,
    json_values: bool,
) -> Result<ArrayRef> {
    let Some(element) = element(field) else {
        return plan_err!("a JSON aggregate takes a list, not {}", field.data_type());
    };
    let element = match json_values {
        true => Arc::new(with_extension(element.as_ref().clone(), JSON_EXTENSION)),
        false => Arc::clone(element),
    };
    let mut out = StringBuilder::with_capacity(column.len(), column.len() * 32);
    let mut text = String::new();
    for row in 0..column.len() {
        if column.is_null(row) {
            out.append_null();
            continue;
        }
        let values = match column.data_type() {
            DataType::LargeList(_) => column.as_list::<i64>().value(row),
            _ => column.as_list::<i32>().value(row),
        };
        text.clear();
        match writes {
            Writes::Object => write_key_values(values.as_ref(), style, json_values, &mut text)?,
            _ => write_array(values.as_ref(), &element, style, &mut text)?,
        }
        out.append_value(&text);
    }
    Ok(Arc::new(out.finish()))
}

/// json_agg's `[a, b]` (`[a, \n b]` for records and arrays), jsonb_agg's `[a, b]`.
fn write_array(values: &dyn Array, element: &Field, style: Style, out: &mut String) -> Result<()> {
    let apart = style == Style::Json && is_structured(element.data_type());
    out.push('[');
    for i in 0..values.len() {
        if i > 0 {
            out.push_str(", ");
            if apart && !values.is_null(i) {
                out.push_str("\n ");
            }
        }
        write_row(values, i, element, style, out)?;
    }
    out.push(']');
    Ok(())
}

/// json_object_agg's `{ "k" : v, ... }` and jsonb_object_agg's `{"k": v, ...}` (keys in
/// jsonb's order, each once, the last value), of records whose first field is the key and
/// second the value.
fn write_key_values(
    records: &dyn Array,
    style: Style,
    json_values: bool,
    out: &mut String,
) -> Result<()> {
    let Some(records) = records.as_struct_opt() else {
        return plan_err!("a JSON object aggregate takes a list of key/value records");
    };
    let (Some(keys), Some(values), Some(value_field)) = (
        records.columns().first(),
        records.columns().get(1),
        records.fields().get(1),
    ) else {
        return plan_err!("a JSON object aggregate takes a list of key/value records");
    };
    let value_field = match json_values {
        true => Arc::new(with_extension(value_field.as_ref().clone(), JSON_EXTENSION)),
        false => Arc::clone(value_field),
    };
    let keys = datafusion::arrow::compute::cast(keys, &DataType::Utf8)?;
    let keys = keys.as_string::<i32>();
    let mut members: Vec<(&str, String)> = Vec::with_capacity(records.len());
    for i in 0..records.len() {
        if keys.is_null(i) {
            return Err(SqlError {
                sqlstate: "22023",
                message: "field name must not be null".to_owned(),
            }
            .into());
        }
        let mut value = String::new();
        write_row(values.as_ref(), i, &value_field, style, &mut value)?;
        members.push((keys.value(i), value));
    }
    write_object(members, style, &OBJECT_AGG, out);
    Ok(())
}
