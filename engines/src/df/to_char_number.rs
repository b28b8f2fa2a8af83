//! `junction_to_char_number(text, kind, template)`: PostgreSQL's `to_char` of a number
//! ([`crate::number_format`]), which the transpiler calls with the number as text.

use std::any::Any;
use std::sync::Arc;

use datafusion::arrow::array::{ArrayRef, AsArray};
use datafusion::arrow::datatypes::DataType;
use datafusion::common::{plan_err, Result};
use datafusion::functions::utils::make_scalar_function;
use datafusion::logical_expr::{
    ColumnarValue, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, Volatility,
};
use junction_transpiler::TO_CHAR_NUMBER;

use crate::number_format::to_char_column;

#[derive(Debug, PartialEq, Eq, Hash)]
struct ToCharNumber {
    signature: Signature,
}

pub fn to_char_number_udf() -> ScalarUDF {
    ScalarUDF::new_from_impl(ToCharNumber {
        signature: Signature::exact(vec![DataType::Utf8; 3], Volatility::Immutable),
    })
}

impl ScalarUDFImpl for ToCharNumber {
    fn as_any(&self) -> &dyn Any {
        self
    }

    fn name(&self) -> &str {
        TO_CHAR_NUMBER
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(DataType::Utf8)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        make_scalar_function(to_char_numbers, vec![])(&args.args)
    }
}

/// Each number of `columns[0]` (its text, of the kind in `columns[1]`) through the template
/// in `columns[2]`.
fn to_char_numbers(columns: &[ArrayRef]) -> Result<ArrayRef> {
    let [texts, kinds, templates] = columns else {
        return plan_err!("{TO_CHAR_NUMBER} takes three arguments");
    };
    let out = to_char_column(
        texts.as_string::<i32>(),
        kinds.as_string::<i32>(),
        templates.as_string::<i32>(),
    )?;
    Ok(Arc::new(out))
}
