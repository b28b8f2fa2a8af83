//! `width_bucket(operand, low, high, count)`: the bucket of `operand` among `count` equal
//! buckets from `low` to `high`, as PostgreSQL computes it in float8 (float.c), for
//! DataFusion, which has no such function.

use std::any::Any;

use datafusion::arrow::array::{Array, AsArray, Int32Builder};
use datafusion::arrow::datatypes::{DataType, Float64Type, Int32Type};
use datafusion::common::{plan_err, Result};
use datafusion::logical_expr::{
    ColumnarValue, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, Volatility,
};
use datafusion::scalar::ScalarValue;

use crate::sql_error::SqlError;

fn invalid(message: &str) -> SqlError {
    SqlError {
        sqlstate: "2201G",
        message: message.to_owned(),
    }
}

/// PostgreSQL's width_bucket_float8.
fn bucket(operand: f64, low: f64, high: f64, count: i32) -> Result<i32, SqlError> {
    if count <= 0 {
        return Err(invalid("count must be greater than zero"));
    }
    if operand.is_nan() || low.is_nan() || high.is_nan() {
        return Err(invalid(
            "operand, lower bound, and upper bound cannot be NaN",
        ));
    }
    if low.is_infinite() || high.is_infinite() {
        return Err(invalid("lower and upper bounds must be finite"));
    }
    let past_end = || {
        count
            .checked_add(1)
            .ok_or_else(|| SqlError::out_of_range("integer"))
    };
    let inside = |offset: f64, span: f64| {
        let fraction = if span.is_finite() {
            offset / span
        } else {
            (offset / 2.0) / (span / 2.0)
        };
        // PostgreSQL's (int) conversion truncates; the product may round up to count.
        let result = (f64::from(count) * fraction) as i32;
        result.min(count - 1) + 1
    };
    if low < high {
        if operand < low {
            Ok(0)
        } else if operand >= high {
            past_end()
        } else {
            Ok(inside(operand - low, high - low))
        }
    } else if low > high {
        if operand > low {
            Ok(0)
        } else if operand <= high {
            past_end()
        } else {
            Ok(inside(low - operand, low - high))
        }
    } else {
        Err(invalid("lower bound cannot equal upper bound"))
    }
}

#[derive(Debug, PartialEq, Eq, Hash)]
pub struct WidthBucket {
    signature: Signature,
}

pub fn width_bucket_udf() -> ScalarUDF {
    ScalarUDF::new_from_impl(WidthBucket {
        signature: Signature::user_defined(Volatility::Immutable),
    })
}

impl ScalarUDFImpl for WidthBucket {
    fn as_any(&self) -> &dyn Any {
        self
    }

    fn name(&self) -> &str {
        "width_bucket"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        match arg_types {
            [a, b, c, d] if [a, b, c, d].iter().all(|t| t.is_numeric() || t.is_null()) => Ok(vec![
                DataType::Float64,
                DataType::Float64,
                DataType::Float64,
                DataType::Int32,
            ]),
            _ => plan_err!("function width_bucket({arg_types:?}) does not exist"),
        }
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(DataType::Int32)
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
        let [operand, low, high, count] = columns.as_slice() else {
            return plan_err!("width_bucket takes four arguments");
        };
        let (operand, low, high) = (
            operand.as_primitive::<Float64Type>(),
            low.as_primitive::<Float64Type>(),
            high.as_primitive::<Float64Type>(),
        );
        let count = count.as_primitive::<Int32Type>();
        let mut out = Int32Builder::with_capacity(rows);
        for i in 0..rows {
            if operand.is_null(i) || low.is_null(i) || high.is_null(i) || count.is_null(i) {
                out.append_null();
            } else {
                out.append_value(bucket(
                    operand.value(i),
                    low.value(i),
                    high.value(i),
                    count.value(i),
                )?);
            }
        }
        let result = out.finish();
        if scalars {
            Ok(ColumnarValue::Scalar(ScalarValue::try_from_array(
                &result, 0,
            )?))
        } else {
            Ok(ColumnarValue::Array(std::sync::Arc::new(result)))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_as_postgresql_counts_them() {
        assert_eq!(bucket(5.35, 0.024, 10.06, 5), Ok(3));
        assert_eq!(bucket(-1.0, 0.0, 10.0, 5), Ok(0));
        assert_eq!(bucket(10.0, 0.0, 10.0, 5), Ok(6));
        assert_eq!(bucket(5.35, 10.06, 0.024, 5), Ok(3));
        assert_eq!(
            bucket(1.0, 1.0, 1.0, 5).map_err(|e| e.sqlstate),
            Err("2201G")
        );
        assert_eq!(
            bucket(1.0, 0.0, 2.0, 0).map_err(|e| e.sqlstate),
            Err("2201G")
        );
    }
}
