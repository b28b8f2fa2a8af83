//! `junction_like_escape(pattern, escape)`: a LIKE pattern that escapes with `escape`,
//! rewritten to escape with the backslash, the only escape DataFusion's LIKE takes. The
//! transpiler rewrites a literal pattern itself; this is for a pattern known only at run
//! time (SQLAlchemy's `nspname NOT LIKE $1::VARCHAR || '%' ESCAPE '/'`).

use std::any::Any;
use std::sync::Arc;

use datafusion::arrow::array::{Array, AsArray, StringBuilder};
use datafusion::arrow::datatypes::DataType;
use datafusion::common::{plan_err, Result};
use datafusion::logical_expr::{
    ColumnarValue, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, Volatility,
};
use datafusion::scalar::ScalarValue;
use junction_transpiler::datafusion::{like_pattern_with_backslash, LIKE_ESCAPE_FUNCTION};

use crate::sql_error::SqlError;

#[derive(Debug, PartialEq, Eq, Hash)]
pub struct LikeEscape {
    signature: Signature,
}

pub fn like_escape_udf() -> ScalarUDF {
    ScalarUDF::new_from_impl(LikeEscape {
        signature: Signature::user_defined(Volatility::Immutable),
    })
}

impl ScalarUDFImpl for LikeEscape {
    fn as_any(&self) -> &dyn Any {
        self
    }

    fn name(&self) -> &str {
        LIKE_ESCAPE_FUNCTION
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        match arg_types {
            [_, _] => Ok(vec![DataType::Utf8, DataType::Utf8]),
            _ => plan_err!("{LIKE_ESCAPE_FUNCTION} takes a pattern and an escape character"),
        }
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(DataType::Utf8)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let scalars = args
            .args
            .iter()
            .all(|a| matches!(a, ColumnarValue::Scalar(_)));
        let rows = if scalars { 1 } else { args.number_rows };
        let columns = args
            .args
            .iter()
            .map(|a| a.to_array(rows))
            .collect::<Result<Vec<_>>>()?;
        let [patterns, escapes] = columns.as_slice() else {
            return plan_err!("{LIKE_ESCAPE_FUNCTION} takes two arguments");
        };
        let (patterns, escapes) = (patterns.as_string::<i32>(), escapes.as_string::<i32>());
        let mut out = StringBuilder::with_capacity(rows, 0);
        for i in 0..rows {
            if patterns.is_null(i) || escapes.is_null(i) {
                out.append_null();
                continue;
            }
            let mut escape = escapes.value(i).chars();
            let escape = match (escape.next(), escape.next()) {
                (Some(c), None) => Some(c),
                (None, _) => None,
                _ => {
                    return Err(SqlError {
                        sqlstate: "22025",
                        message: "invalid escape string".to_owned(),
                    }
                    .into())
                }
            };
            match like_pattern_with_backslash(patterns.value(i), escape) {
                Some(pattern) => out.append_value(pattern),
                None => {
                    return Err(SqlError {
                        sqlstate: "22025",
                        message: "LIKE pattern must not end with escape character".to_owned(),
                    }
                    .into())
                }
            }
        }
        let result = out.finish();
        if scalars {
            Ok(ColumnarValue::Scalar(ScalarValue::try_from_array(
                &result, 0,
            )?))
        } else {
            Ok(ColumnarValue::Array(Arc::new(result)))
        }
    }
}
