//! `junction_like_escape(pattern, escape)`: a LIKE pattern that escapes with `escape`,
//! rewritten to escape with the backslash, the only escape DataFusion's LIKE takes. The
//! transpiler rewrites a literal pattern itself; this is for a pattern known only at run
//! time (SQLAlchemy's `nspname NOT LIKE $1::VARCHAR || '%' ESCAPE '/'`).

use std::any::Any;
use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, AsArray, StringBuilder};
use datafusion::arrow::datatypes::DataType;
use datafusion::common::{plan_err, Result};
use datafusion::functions::utils::make_scalar_function;
use datafusion::logical_expr::{
    ColumnarValue, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, Volatility,
};
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
        make_scalar_function(with_backslash, vec![])(&args.args)
    }
}

/// Each pattern of `columns[0]`, escaping with the character of `columns[1]`, rewritten to
/// escape with the backslash.
fn with_backslash(columns: &[ArrayRef]) -> Result<ArrayRef> {
    let [patterns, escapes] = columns else {
        return plan_err!("{LIKE_ESCAPE_FUNCTION} takes two arguments");
    };
    let (patterns, escapes) = (patterns.as_string::<i32>(), escapes.as_string::<i32>());
    let refused = |message: &str| SqlError {
        sqlstate: "22025",
        message: message.to_owned(),
    };
    let mut out = StringBuilder::with_capacity(patterns.len(), 0);
    for i in 0..patterns.len() {
        if patterns.is_null(i) || escapes.is_null(i) {
            out.append_null();
            continue;
        }
        let mut escape = escapes.value(i).chars();
        let escape = match (escape.next(), escape.next()) {
            (Some(c), None) => Some(c),
            (None, _) => None,
            _ => return Err(refused("invalid escape string").into()),
        };
        let pattern = like_pattern_with_backslash(patterns.value(i), escape)
            .ok_or_else(|| refused("LIKE pattern must not end with escape character"))?;
        out.append_value(pattern);
    }
    Ok(Arc::new(out.finish()))
}
