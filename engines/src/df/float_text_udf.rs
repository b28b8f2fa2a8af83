//! `junction_float8_text(x)`, `junction_timestamp_text(x)`, `junction_interval_text(x)`,
//! `junction_array_text(x)`: a value as PostgreSQL prints it ([`crate::pg_text`],
//! [`crate::interval_text`], [`crate::array_text`]), for casts of those types to text on
//! DataFusion.

use std::any::Any;

use datafusion::arrow::datatypes::DataType;
use datafusion::common::{plan_err, Result};
use datafusion::logical_expr::{
    ColumnarValue, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, Volatility,
};
use datafusion::scalar::ScalarValue;

use crate::pg_text::{print_column, print_timestamp_column};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Printed {
    Float,
    Timestamp,
    Interval,
    Array,
}

#[derive(Debug, PartialEq, Eq, Hash)]
pub struct ValueText {
    printed: Printed,
    signature: Signature,
}

fn udf(printed: Printed) -> ScalarUDF {
    ScalarUDF::new_from_impl(ValueText {
        printed,
        signature: Signature::user_defined(Volatility::Immutable),
    })
}

pub fn float_text_udf() -> ScalarUDF {
    udf(Printed::Float)
}

pub fn timestamp_text_udf() -> ScalarUDF {
    udf(Printed::Timestamp)
}

pub fn interval_text_udf() -> ScalarUDF {
    udf(Printed::Interval)
}

pub fn array_text_udf() -> ScalarUDF {
    udf(Printed::Array)
}

impl ScalarUDFImpl for ValueText {
    fn as_any(&self) -> &dyn Any {
        self
    }

    fn name(&self) -> &str {
        match self.printed {
            Printed::Float => junction_transpiler::FLOAT8_TEXT,
            Printed::Timestamp => junction_transpiler::TIMESTAMP_TEXT,
            Printed::Interval => junction_transpiler::INTERVAL_TEXT,
            Printed::Array => junction_transpiler::ARRAY_TEXT,
        }
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        match (self.printed, arg_types) {
            (Printed::Float, [DataType::Float32]) => Ok(vec![DataType::Float32]),
            (Printed::Float, [t]) if t.is_numeric() || t.is_null() => Ok(vec![DataType::Float64]),
            (
                Printed::Timestamp,
                [t @ (DataType::Timestamp(..) | DataType::Date32 | DataType::Time64(_))],
            ) => Ok(vec![t.clone()]),
            (Printed::Interval, [t @ (DataType::Interval(_) | DataType::Duration(_))]) => {
                Ok(vec![t.clone()])
            }
            (
                Printed::Array,
                [t @ (DataType::List(_) | DataType::LargeList(_) | DataType::FixedSizeList(..))],
            ) => Ok(vec![t.clone()]),
            (Printed::Interval | Printed::Timestamp | Printed::Array, [DataType::Null]) => {
                Ok(vec![DataType::Null])
            }
            _ => plan_err!("{} of {arg_types:?}", self.name()),
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
        let printed = match self.printed {
            Printed::Float => print_column(&column)?,
            Printed::Timestamp => print_timestamp_column(&column)?,
            Printed::Interval => crate::interval_text::print_column(&column)?,
            Printed::Array if column.data_type().is_null() => {
                arrow::compute::cast(&column, &DataType::Utf8)?
            }
            Printed::Array => crate::array_text::print_column(&column)?,
        };
        if scalar {
            Ok(ColumnarValue::Scalar(ScalarValue::try_from_array(
                &printed, 0,
            )?))
        } else {
            Ok(ColumnarValue::Array(printed))
        }
    }
}
