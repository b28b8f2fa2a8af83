//! jsonb's `?` operator, PostgreSQL's `jsonb_exists(jsonb, text)`: whether the text is a
//! top-level key of an object, a string element of an array, or the string a scalar is.
//!
//! datafusion-functions-json plans `?` as `json_contains`, which looks at object keys only:
//! `'["x"]'::jsonb ? 'x'` answered false where PostgreSQL answers true.

use std::sync::Arc;

use datafusion::arrow::array::{ArrayRef, AsArray, BooleanArray, StringArray};
use datafusion::arrow::datatypes::DataType;
use datafusion::common::{exec_err, Result};
use datafusion::functions::utils::make_scalar_function;
use datafusion::logical_expr::{create_udf, ScalarUDF, Volatility};
use serde_json::Value;

use crate::sql_error::SqlError;

/// `jsonb_exists(json, key)`; an unreadable JSON text is 22P02, as PostgreSQL's input is.
pub fn exists(json: &str, key: &str) -> Result<bool, SqlError> {
    let value: Value = serde_json::from_str(json).map_err(|e| SqlError {
        sqlstate: "22P02",
        message: format!("invalid input syntax for type json: {e}"),
    })?;
    Ok(match value {
        Value::Object(map) => map.contains_key(key),
        Value::Array(items) => items.iter().any(|i| i.as_str() == Some(key)),
        Value::String(s) => s == key,
        _ => false,
    })
}

/// [`exists`] row by row; NULL where either is NULL. The DuckDB engine's `?` calls it too.
pub fn exists_column(json: &StringArray, key: &StringArray) -> Result<BooleanArray, SqlError> {
    json.iter()
        .zip(key.iter())
        .map(|(j, k)| match (j, k) {
            (Some(j), Some(k)) => exists(j, k).map(Some),
            _ => Ok(None),
        })
        .collect()
}

pub fn udf() -> ScalarUDF {
    create_udf(
        "jsonb_exists",
        vec![DataType::Utf8, DataType::Utf8],
        DataType::Boolean,
        Volatility::Immutable,
        Arc::new(make_scalar_function(
            |args: &[ArrayRef]| {
                let [json, key] = args else {
                    return exec_err!("jsonb_exists takes two arguments");
                };
                let (Some(json), Some(key)) =
                    (json.as_string_opt::<i32>(), key.as_string_opt::<i32>())
                else {
                    return exec_err!("jsonb_exists takes json and text");
                };
                Ok(Arc::new(exists_column(json, key)?) as ArrayRef)
            },
            vec![],
        )),
    )
}

#[cfg(test)]
mod tests {
    use super::exists;

    #[test]
    fn keys_array_strings_and_scalars_as_postgresql_reads_them() {
        // Expected answers from PostgreSQL 15.
        for (json, key, expected) in [
            (r#"{"a": 1}"#, "a", true),
            (r#"{"a": {"b": 1}}"#, "b", false),
            (r#"["x", "y"]"#, "x", true),
            (r#"["x", "y"]"#, "z", false),
            (r#"[1, "2"]"#, "1", false),
            (r#""a""#, "a", true),
            ("1", "1", false),
        ] {
            assert_eq!(
                exists(json, key).expect("valid"),
                expected,
                "{json} ? {key}"
            );
        }
        assert_eq!(exists("{", "a").expect_err("invalid").sqlstate, "22P02");
    }
}
