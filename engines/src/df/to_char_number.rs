//! `junction_to_char_number(text, kind, template)`: PostgreSQL's `to_char` of a number
//! ([`crate::number_format`]), which the transpiler calls with the number as text.

use std::any::Any;
use std::sync::Arc;

use datafusion::arrow::array::AsArray;
use datafusion::arrow::datatypes::DataType;
use datafusion::common::{plan_err, Result};
use datafusion::logical_expr::{
    ColumnarValue, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, Volatility,
};
use datafusion::scalar::ScalarValue;
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
        let [texts, kinds, templates] = columns.as_slice() else {
            return plan_err!("{TO_CHAR_NUMBER} takes three arguments");
        };
        let out = to_char_column(
            texts.as_string::<i32>(),
            kinds.as_string::<i32>(),
            templates.as_string::<i32>(),
        )?;
        if scalars {
            return Ok(ColumnarValue::Scalar(ScalarValue::try_from_array(&out, 0)?));
        }
        Ok(ColumnarValue::Array(Arc::new(out)))
    }
}
