//! `round`, `trunc`, `floor` and `ceil` of a numeric, exactly, for DataFusion: its own go
//! through a float (`trunc(-2.75, 1)` answered float8, and a 20-digit value lost digits).
//! PostgreSQL rounds half away from zero, and the result has as many digits after the point
//! as asked for (none for floor and ceil, none past a negative count).
//!
//! The transpiler calls these for arguments it knows are numeric: `pg_numeric_round(x, n)`.

use std::any::Any;
use std::sync::Arc;

use datafusion::arrow::array::{Array, AsArray, Decimal128Array};
use datafusion::arrow::datatypes::{DataType, Decimal128Type, Field, FieldRef};
use datafusion::common::{exec_err, plan_err, Result};
use datafusion::logical_expr::{
    ColumnarValue, ReturnFieldArgs, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature,
    Volatility,
};
use datafusion::scalar::ScalarValue;

use crate::sql_error::SqlError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Rounding {
    Round,
    Trunc,
    Floor,
    Ceil,
}

impl Rounding {
    fn name(self) -> &'static str {
        match self {
            Rounding::Round => "pg_numeric_round",
            Rounding::Trunc => "pg_numeric_trunc",
            Rounding::Floor => "pg_numeric_floor",
            Rounding::Ceil => "pg_numeric_ceil",
        }
    }
}

fn overflow() -> SqlError {
    SqlError::overflow("value overflows numeric format")
}

/// `value × 10^-scale` to `digits` after the point (negative: to tens, hundreds, ...), as
/// the unscaled value of a decimal with `max(digits, 0)` digits after the point.
fn round(value: i128, scale: i8, digits: i32, how: Rounding) -> Result<i128, SqlError> {
    let scale = i32::from(scale);
    if digits >= scale {
        let factor = 10i128
            .checked_pow(u32::try_from(digits - scale).map_err(|_| overflow())?)
            .ok_or_else(overflow)?;
        let exact = value.checked_mul(factor).ok_or_else(overflow)?;
        return Ok(exact);
    }
    let divisor = 10i128
        .checked_pow(u32::try_from(scale - digits).map_err(|_| overflow())?)
        .unwrap_or(i128::MAX);
    let (mut q, r) = (value / divisor, value % divisor);
    match how {
        Rounding::Round if r.unsigned_abs() >= divisor.unsigned_abs().div_ceil(2) => {
            q += value.signum()
        }
        Rounding::Floor if r < 0 => q -= 1,
        Rounding::Ceil if r > 0 => q += 1,
        _ => {}
    }
    if digits < 0 {
        // Back to whole units: round(1234.5, -2) is 1200.
        let factor = 10i128
            .checked_pow(digits.unsigned_abs())
            .ok_or_else(overflow)?;
        q = q.checked_mul(factor).ok_or_else(overflow)?;
    }
    Ok(q)
}

#[derive(Debug, PartialEq, Eq, Hash)]
pub struct NumericRounding {
    how: Rounding,
    signature: Signature,
}

pub fn udf(how: Rounding) -> ScalarUDF {
    ScalarUDF::new_from_impl(NumericRounding {
        how,
        signature: Signature::user_defined(Volatility::Immutable),
    })
}

/// The digits asked for: the second argument, a constant (0 without one).
fn digits_of(args: &[Option<&ScalarValue>]) -> Result<i32> {
    match args.get(1) {
        None => Ok(0),
        Some(Some(ScalarValue::Int32(Some(n)))) => Ok(*n),
        Some(Some(ScalarValue::Int64(Some(n)))) => Ok(i32::try_from(*n).unwrap_or(i32::MAX)),
        Some(Some(ScalarValue::Int16(Some(n)))) => Ok(i32::from(*n)),
        Some(Some(ScalarValue::Int8(Some(n)))) => Ok(i32::from(*n)),
        // round(x, NULL) is NULL, of scale 0.
        Some(Some(n)) if n.is_null() => Ok(0),
        _ => plan_err!("the digits of round/trunc must be a constant here"),
    }
}

impl ScalarUDFImpl for NumericRounding {
    fn as_any(&self) -> &dyn Any {
        self
    }

    fn name(&self) -> &str {
        self.how.name()
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        let decimal = |t: &DataType| match t {
            DataType::Decimal128(..) => Some(t.clone()),
            t if t.is_integer() => Some(DataType::Decimal128(20, 0)),
            DataType::Null => Some(DataType::Decimal128(1, 0)),
            _ => None,
        };
        match arg_types {
            [x] => Ok(vec![decimal(x).ok_or_else(|| {
                datafusion::error::DataFusionError::Plan(format!("{} of {x}", self.name()))
            })?]),
            // The count keeps its own integer type: a cast would hide the constant from
            // the result type's computation.
            [x, n] if n.is_integer() => Ok(vec![
                decimal(x).ok_or_else(|| {
                    datafusion::error::DataFusionError::Plan(format!("{} of {x}", self.name()))
                })?,
                n.clone(),
            ]),
            _ => plan_err!("{} takes a numeric and a digit count", self.name()),
        }
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        plan_err!("{} types its result from its arguments", self.name())
    }

    fn return_field_from_args(&self, args: ReturnFieldArgs) -> Result<FieldRef> {
        let digits = digits_of(args.scalar_arguments)?;
        let scale = i8::try_from(digits.clamp(0, 38)).unwrap_or(38);
        Ok(Arc::new(Field::new(
            self.name(),
            DataType::Decimal128(38, scale),
            true,
        )))
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let DataType::Decimal128(_, out_scale) = args.return_type().clone() else {
            return exec_err!("{} answers a decimal", self.name());
        };
        let digits = match args.args.get(1) {
            None => 0,
            Some(ColumnarValue::Scalar(n)) if n.is_null() => {
                let nulls = ScalarValue::Decimal128(None, 38, out_scale);
                return Ok(ColumnarValue::Scalar(nulls));
            }
            Some(ColumnarValue::Scalar(n)) => digits_of(&[None, Some(n)])?,
            Some(_) => return exec_err!("the digits of round/trunc must be a constant here"),
        };
        let Some(value) = args.args.first() else {
            return exec_err!("{} takes a numeric", self.name());
        };
        let scalar = matches!(value, ColumnarValue::Scalar(_));
        let values = value.to_array(if scalar { 1 } else { args.number_rows })?;
        let DataType::Decimal128(_, scale) = values.data_type().clone() else {
            return exec_err!("{} of {}", self.name(), values.data_type());
        };
        let values = values.as_primitive::<Decimal128Type>();
        let mut out = Vec::with_capacity(values.len());
        for i in 0..values.len() {
            out.push(if values.is_null(i) {
                0
            } else {
                round(values.value(i), scale, digits, self.how)?
            });
        }
        let result = Decimal128Array::new(out.into(), values.nulls().cloned())
            .with_precision_and_scale(38, out_scale)?;
        if scalar {
            Ok(ColumnarValue::Scalar(ScalarValue::try_from_array(
                &result, 0,
            )?))
        } else {
            Ok(ColumnarValue::Array(Arc::new(result)))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounds_as_postgresql_rounds_numerics() {
        // -2.75 (scale 2)
        assert_eq!(round(-275, 2, 1, Rounding::Round), Ok(-28));
        assert_eq!(round(-275, 2, 1, Rounding::Trunc), Ok(-27));
        assert_eq!(round(-275, 2, 0, Rounding::Floor), Ok(-3));
        assert_eq!(round(-275, 2, 0, Rounding::Ceil), Ok(-2));
        assert_eq!(round(25, 1, 0, Rounding::Round), Ok(3));
        assert_eq!(round(-25, 1, 0, Rounding::Round), Ok(-3));
        // 1234.5 to hundreds
        assert_eq!(round(12345, 1, -2, Rounding::Round), Ok(1200));
        // more digits than it has: exact
        assert_eq!(round(15, 1, 3, Rounding::Round), Ok(1500));
    }
}
