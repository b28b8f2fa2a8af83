//! `junction_json(text)`: text checked to be JSON and typed json (Arrow's canonical JSON
//! extension), for PostgreSQL's casts to json and the json that `->` and `#>` answer;
//! `junction_jsonb(text)`, the same for casts to jsonb, the text as jsonb prints it
//! ([`crate::jsonb_text`]); `junction_json_text(json)`, its inverse, for casts of json to text. DataFusion holds JSON as text; without the tag the pg front end would describe
//! those results as text, and clients that read json as objects (psycopg, asyncpg) would
//! get strings.

use std::any::Any;
use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, AsArray, StringArray};
use datafusion::arrow::datatypes::{DataType, Field, FieldRef};
use datafusion::common::{plan_err, Result};
use datafusion::functions::utils::make_scalar_function;
use datafusion::logical_expr::{
    ColumnarValue, ReturnFieldArgs, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature,
    Volatility,
};
use datafusion::scalar::ScalarValue;
use junction_transpiler::datafusion::{JSONB_CONCAT, JSONB_FUNCTION, JSON_FUNCTION};

use super::JSON_EXTENSION;
use crate::jsonb_text::{concatenate, normalize};
use crate::sql_error::SqlError;
use crate::with_extension;

#[derive(Debug, PartialEq, Eq, Hash)]
struct JsonText {
    signature: Signature,
    /// jsonb's text rather than the text as written.
    jsonb: bool,
}

pub fn json_udf() -> ScalarUDF {
    ScalarUDF::new_from_impl(JsonText {
        signature: Signature::user_defined(Volatility::Immutable),
        jsonb: false,
    })
}

pub fn jsonb_udf() -> ScalarUDF {
    ScalarUDF::new_from_impl(JsonText {
        signature: Signature::user_defined(Volatility::Immutable),
        jsonb: true,
    })
}

/// 22P02 unless `text` is one JSON value.
fn check(text: &str) -> Result<(), SqlError> {
    match serde_json::from_str::<serde::de::IgnoredAny>(text) {
        Ok(_) => Ok(()),
        Err(e) => Err(SqlError {
            sqlstate: "22P02",
            message: format!("invalid input syntax for type json: {e}"),
        }),
    }
}

impl ScalarUDFImpl for JsonText {
    fn as_any(&self) -> &dyn Any {
        self
    }

    fn name(&self) -> &str {
        if self.jsonb {
            JSONB_FUNCTION
        } else {
            JSON_FUNCTION
        }
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        match arg_types {
            [DataType::Utf8 | DataType::Utf8View | DataType::LargeUtf8 | DataType::Null] => {
                Ok(vec![DataType::Utf8])
            }
            [other] => plan_err!("cannot cast type {other} to json"),
            _ => plan_err!("{} takes one argument", self.name()),
        }
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(DataType::Utf8)
    }

    fn return_field_from_args(&self, _args: ReturnFieldArgs) -> Result<FieldRef> {
        let field = Field::new(self.name(), DataType::Utf8, true);
        Ok(Arc::new(with_extension(field, JSON_EXTENSION)))
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let [text] = args.args.as_slice() else {
            return plan_err!("{} takes one argument", self.name());
        };
        if self.jsonb {
            return match text {
                ColumnarValue::Scalar(ScalarValue::Utf8(value)) => {
                    let value = value.as_deref().map(normalize).transpose()?;
                    Ok(ColumnarValue::Scalar(ScalarValue::Utf8(value)))
                }
                ColumnarValue::Array(values) => {
                    let strings = values.as_string::<i32>();
                    let normalized = strings
                        .iter()
                        .map(|value| value.map(normalize).transpose())
                        .collect::<Result<StringArray, _>>()?;
                    Ok(ColumnarValue::Array(Arc::new(normalized)))
                }
                ColumnarValue::Scalar(other) => {
                    plan_err!("{} takes text, not {}", self.name(), other.data_type())
                }
            };
        }
        match text {
            ColumnarValue::Scalar(ScalarValue::Utf8(value)) => {
                if let Some(value) = value {
                    check(value)?;
                }
            }
            ColumnarValue::Array(values) => {
                let strings = values.as_string::<i32>();
                for i in 0..strings.len() {
                    if strings.is_valid(i) {
                        check(strings.value(i))?;
                    }
                }
            }
            ColumnarValue::Scalar(other) => {
                return plan_err!("{JSON_FUNCTION} takes text, not {}", other.data_type())
            }
        }
        Ok(text.clone())
    }
}

/// `junction_json_text(j)`: a json value as the text it is, no longer tagged as json (the
/// cast DataFusion drops, json being text to it).
pub(super) fn json_as_text_udf() -> ScalarUDF {
    ScalarUDF::new_from_impl(JsonAsText {
        signature: Signature::any(1, Volatility::Immutable),
    })
}

#[derive(Debug, PartialEq, Eq, Hash)]
struct JsonAsText {
    signature: Signature,
}

impl ScalarUDFImpl for JsonAsText {
    fn as_any(&self) -> &dyn Any {
        self
    }

    fn name(&self) -> &str {
        "junction_json_text"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(DataType::Utf8)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        match args.args.into_iter().next() {
            Some(ColumnarValue::Array(array)) => Ok(ColumnarValue::Array(
                datafusion::arrow::compute::cast(&array, &DataType::Utf8)?,
            )),
            Some(ColumnarValue::Scalar(scalar)) => {
                Ok(ColumnarValue::Scalar(scalar.cast_to(&DataType::Utf8)?))
            }
            None => plan_err!("junction_json_text takes one argument"),
        }
    }
}

/// `junction_jsonb_concat(a, b)`: PostgreSQL's `jsonb || jsonb`
/// ([`crate::jsonb_text::concatenate`]), typed json.
pub fn jsonb_concat_udf() -> ScalarUDF {
    ScalarUDF::new_from_impl(JsonbConcat {
        signature: Signature::user_defined(Volatility::Immutable),
    })
}

#[derive(Debug, PartialEq, Eq, Hash)]
struct JsonbConcat {
    signature: Signature,
}

impl ScalarUDFImpl for JsonbConcat {
    fn as_any(&self) -> &dyn Any {
        self
    }

    fn name(&self) -> &str {
        JSONB_CONCAT
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        match arg_types {
            [_, _] => Ok(vec![DataType::Utf8, DataType::Utf8]),
            _ => plan_err!("{JSONB_CONCAT} takes two arguments"),
        }
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(DataType::Utf8)
    }

    fn return_field_from_args(&self, _args: ReturnFieldArgs) -> Result<FieldRef> {
        let field = Field::new(self.name(), DataType::Utf8, true);
        Ok(Arc::new(with_extension(field, JSON_EXTENSION)))
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        make_scalar_function(
            |arrays: &[ArrayRef]| {
                let [left, right] = arrays else {
                    return plan_err!("{JSONB_CONCAT} takes two arguments");
                };
                let joined = left
                    .as_string::<i32>()
                    .iter()
                    .zip(right.as_string::<i32>().iter())
                    .map(|pair| match pair {
                        (Some(left), Some(right)) => concatenate(left, right).map(Some),
                        _ => Ok(None),
                    })
                    .collect::<Result<StringArray, SqlError>>()?;
                Ok(Arc::new(joined) as ArrayRef)
            },
            vec![],
        )(&args.args)
    }
}
