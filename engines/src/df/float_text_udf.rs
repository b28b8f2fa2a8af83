//! `junction_float8_text(x)`: a float as PostgreSQL prints it ([`crate::float_text`]), for
//! the transpiler's casts of floats to text on DataFusion.

use std::any::Any;

use datafusion::arrow::datatypes::DataType;
use datafusion::common::{plan_err, Result};
use datafusion::logical_expr::{
    ColumnarValue, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, Volatility,
};
use datafusion::scalar::ScalarValue;

use crate::float_text::print_column;

#[derive(Debug, PartialEq, Eq, Hash)]
pub struct FloatText {
    signature: Signature,
}

pub fn udf() -> ScalarUDF {
    ScalarUDF::new_from_impl(FloatText {
        signature: Signature::user_defined(Volatility::Immutable),
    })
}

impl ScalarUDFImpl for FloatText {
    fn as_any(&self) -> &dyn Any {
        self
    }

    fn name(&self) -> &str {
        junction_transpiler::FLOAT8_TEXT
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        match arg_types {
            [DataType::Float32] => Ok(vec![DataType::Float32]),
            [t] if t.is_numeric() || t.is_null() => Ok(vec![DataType::Float64]),
            _ => plan_err!("{} takes a float", self.name()),
        }
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(DataType::Utf8)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let [value] = args.args.as_slice() else {
            return plan_err!("{} takes one argument", self.name());
        };
        let scalar = matches!(value, ColumnarValue::Scalar(_));
        let column = value.to_array(if scalar { 1 } else { args.number_rows })?;
        let printed = print_column(&column)?;
        if scalar {
            Ok(ColumnarValue::Scalar(ScalarValue::try_from_array(
                &printed, 0,
            )?))
        } else {
            Ok(ColumnarValue::Array(printed))
        }
    }
}
