//! Arithmetic as PostgreSQL checks it, where DataFusion's operators do not:
//!
//! - integers: `+ - *` wrap around in DataFusion (`2147483647::int + 1` is negative); in
//!   PostgreSQL they fail with `integer out of range` (22003);
//! - floats: `x / 0.0` is Infinity in DataFusion, `division by zero` (22012) in PostgreSQL,
//!   which also refuses results that overflow to infinity or underflow to zero (22003);
//! - numerics: `numeric / x` is exact in PostgreSQL ([`crate::numeric`]).
//!
//! Each is a function the [`super::operators`] planner calls in place of the operator.

use std::any::Any;
use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, AsArray, PrimitiveArray};
use datafusion::arrow::compute::kernels::numeric;
use datafusion::arrow::datatypes::{ArrowPrimitiveType, DataType, Float32Type, Float64Type};
use datafusion::arrow::error::ArrowError;
use datafusion::common::{exec_err, plan_err, Result};
use datafusion::logical_expr::{
    ColumnarValue, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, Volatility,
};
use datafusion::scalar::ScalarValue;
use num_traits::Float;

use crate::numeric::{divide_arrays, multiply_arrays, QUOTIENT_TYPE};
use crate::sql_error::SqlError;

/// An arithmetic operator junction checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Op {
    Add,
    Subtract,
    Multiply,
    Divide,
    Remainder,
}

impl Op {
    fn symbol(self) -> &'static str {
        match self {
            Op::Add => "add",
            Op::Subtract => "subtract",
            Op::Multiply => "multiply",
            Op::Divide => "divide",
            Op::Remainder => "modulo",
        }
    }
}

/// PostgreSQL's name of an integer type, for its out-of-range message.
fn integer_name(data_type: &DataType) -> &'static str {
    match data_type {
        DataType::Int16 => "smallint",
        DataType::Int32 => "integer",
        _ => "bigint",
    }
}

/// Integers in increasing width; the wider of two operands is the result, as in PostgreSQL.
fn integer_rank(data_type: &DataType) -> Option<u8> {
    match data_type {
        DataType::Int8 | DataType::Int16 => Some(1),
        DataType::Int32 => Some(2),
        DataType::Int64 => Some(3),
        _ => None,
    }
}

/// The type two integer operands are computed in, if both are integers.
pub fn integer_operands(left: &DataType, right: &DataType) -> Option<DataType> {
    let rank = integer_rank(left)?.max(integer_rank(right)?);
    Some(match rank {
        1 => DataType::Int16,
        2 => DataType::Int32,
        _ => DataType::Int64,
    })
}

/// `left op right` on integers, failing on overflow. Division and remainder are Arrow's
/// (which fail on a zero divisor) behind a function because DataFusion takes its own for an
/// expression that cannot be NULL, and simplifies `(1 / 0) IS NULL` of such to false.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct CheckedInteger {
    op: Op,
    name: String,
    signature: Signature,
}

pub fn checked_integer_udf(op: Op) -> Arc<ScalarUDF> {
    Arc::new(ScalarUDF::new_from_impl(CheckedInteger {
        op,
        name: format!("pg_integer_{}", op.symbol()),
        signature: Signature::user_defined(Volatility::Immutable),
    }))
}

impl ScalarUDFImpl for CheckedInteger {
    fn as_any(&self) -> &dyn Any {
        self
    }

    fn name(&self) -> &str {
        &self.name
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        match arg_types {
            [l, r] => match integer_operands(l, r) {
                Some(t) => Ok(vec![t.clone(), t]),
                None => plan_err!("{} takes integers, not {l} and {r}", self.name),
            },
            _ => plan_err!("{} takes two arguments", self.name),
        }
    }

    fn return_type(&self, arg_types: &[DataType]) -> Result<DataType> {
        match arg_types {
            [t, _] => Ok(t.clone()),
            _ => plan_err!("{} takes two arguments", self.name),
        }
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let data_type = args.return_type().clone();
        binary(&args.args, |l, r| {
            let result = match self.op {
                Op::Add => numeric::add(l, r),
                Op::Subtract => numeric::sub(l, r),
                Op::Multiply => numeric::mul(l, r),
                Op::Divide => numeric::div(l, r),
                Op::Remainder => numeric::rem(l, r),
            };
            result.map_err(|e| match e {
                ArrowError::DivideByZero => SqlError::division_by_zero().into(),
                ArrowError::ArithmeticOverflow(_) => {
                    SqlError::out_of_range(integer_name(&data_type)).into()
                }
                other => other.into(),
            })
        })
    }
}

/// `left op right` on floats, as PostgreSQL's float8 (or float4) operators check them.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct CheckedFloat {
    op: Op,
    name: String,
    signature: Signature,
}

pub fn checked_float_udf(op: Op) -> Arc<ScalarUDF> {
    Arc::new(ScalarUDF::new_from_impl(CheckedFloat {
        op,
        name: format!("pg_float_{}", op.symbol()),
        signature: Signature::user_defined(Volatility::Immutable),
    }))
}

/// Whether a type takes part in float arithmetic (a float, or what PostgreSQL casts to one
/// when the other operand is a float).
pub fn is_float(data_type: &DataType) -> bool {
    matches!(data_type, DataType::Float32 | DataType::Float64)
}

fn is_number(data_type: &DataType) -> bool {
    data_type.is_numeric() || *data_type == DataType::Null
}

impl ScalarUDFImpl for CheckedFloat {
    fn as_any(&self) -> &dyn Any {
        self
    }

    fn name(&self) -> &str {
        &self.name
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        match arg_types {
            // float4 with float4 stays float4; anything else with a float is float8.
            [DataType::Float32, DataType::Float32] => Ok(vec![DataType::Float32; 2]),
            [l, r] if is_number(l) && is_number(r) => Ok(vec![DataType::Float64; 2]),
            _ => plan_err!("{} takes numbers, not {arg_types:?}", self.name),
        }
    }

    fn return_type(&self, arg_types: &[DataType]) -> Result<DataType> {
        match arg_types {
            [t, _] => Ok(t.clone()),
            _ => plan_err!("{} takes two arguments", self.name),
        }
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let op = self.op;
        binary(&args.args, |l, r| match l.data_type() {
            DataType::Float32 => float_op::<Float32Type>(op, l, r),
            DataType::Float64 => float_op::<Float64Type>(op, l, r),
            other => exec_err!("pg float arithmetic on {other}"),
        })
    }
}

/// PostgreSQL's float operators (float.h's float8_pl/mi/mul/div checks).
fn float_value<F: Float>(op: Op, a: F, b: F) -> Result<F, SqlError> {
    let overflow = || SqlError::overflow("value out of range: overflow");
    let underflow = || SqlError::overflow("value out of range: underflow");
    let result = match op {
        Op::Add => a + b,
        Op::Subtract => a - b,
        Op::Multiply => a * b,
        Op::Divide | Op::Remainder => {
            if b.is_zero() && !a.is_nan() {
                return Err(SqlError::division_by_zero());
            }
            if op == Op::Divide {
                a / b
            } else {
                a % b
            }
        }
    };
    if result.is_infinite() {
        let from_infinity = match op {
            Op::Divide => a.is_infinite(),
            _ => a.is_infinite() || b.is_infinite(),
        };
        if !from_infinity {
            return Err(overflow());
        }
    }
    if result.is_zero() {
        let underflowed = match op {
            Op::Multiply => !a.is_zero() && !b.is_zero(),
            Op::Divide => !a.is_zero() && !b.is_infinite(),
            _ => false,
        };
        if underflowed {
            return Err(underflow());
        }
    }
    Ok(result)
}

fn float_op<T>(op: Op, l: &ArrayRef, r: &ArrayRef) -> Result<ArrayRef>
where
    T: ArrowPrimitiveType,
    T::Native: Float,
{
    try_rows::<T>(l, r, |a, b| float_value(op, a, b))
}

/// `f` of two arrays of `T` row by row (NULL where either is); the first row `f` fails is
/// the statement's error.
fn try_rows<T: ArrowPrimitiveType>(
    l: &ArrayRef,
    r: &ArrayRef,
    f: impl Fn(T::Native, T::Native) -> Result<T::Native, SqlError>,
) -> Result<ArrayRef> {
    let (Some(l), Some(r)) = (l.as_primitive_opt::<T>(), r.as_primitive_opt::<T>()) else {
        return exec_err!("expected two arrays of {}", T::DATA_TYPE);
    };
    let result: Result<PrimitiveArray<T>, ArrowError> =
        datafusion::arrow::compute::try_binary(l, r, |a, b| {
            f(a, b).map_err(|e| ArrowError::ExternalError(Box::new(e)))
        });
    match result {
        Ok(array) => Ok(Arc::new(array)),
        Err(ArrowError::ExternalError(e)) => match e.downcast::<SqlError>() {
            Ok(sql) => Err((*sql).into()),
            Err(other) => Err(ArrowError::ExternalError(other).into()),
        },
        Err(other) => Err(other.into()),
    }
}

/// `numeric / numeric` (or with an integer), exact; or `numeric * numeric` whose exact
/// scale is past 38 digits.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct NumericDivide {
    multiply: bool,
    signature: Signature,
}

pub fn numeric_divide_udf() -> Arc<ScalarUDF> {
    Arc::new(ScalarUDF::new_from_impl(NumericDivide {
        multiply: false,
        signature: Signature::user_defined(Volatility::Immutable),
    }))
}

pub fn numeric_multiply_udf() -> Arc<ScalarUDF> {
    Arc::new(ScalarUDF::new_from_impl(NumericDivide {
        multiply: true,
        signature: Signature::user_defined(Volatility::Immutable),
    }))
}

/// Whether `left * right` are numerics whose product's exact scale does not fit 38 digits.
pub fn is_wide_numeric_product(left: &DataType, right: &DataType) -> bool {
    match (left, right) {
        (DataType::Decimal128(_, a), DataType::Decimal128(_, b)) => {
            i32::from(*a) + i32::from(*b) > 38
        }
        _ => false,
    }
}

/// An exact operand as a decimal: integers with no digits after the point.
pub(super) fn as_decimal(data_type: &DataType) -> Option<DataType> {
    match data_type {
        DataType::Decimal128(..) => Some(data_type.clone()),
        DataType::Int8 | DataType::Int16 | DataType::Int32 | DataType::Int64 => {
            Some(DataType::Decimal128(20, 0))
        }
        DataType::Null => Some(DataType::Decimal128(1, 0)),
        _ => None,
    }
}

/// Whether `left / right` is PostgreSQL's numeric division: one side numeric, the other
/// numeric or an integer.
pub fn is_numeric_division(left: &DataType, right: &DataType) -> bool {
    let decimal = |t: &DataType| matches!(t, DataType::Decimal128(..));
    (decimal(left) || decimal(right)) && as_decimal(left).is_some() && as_decimal(right).is_some()
}

impl ScalarUDFImpl for NumericDivide {
    fn as_any(&self) -> &dyn Any {
        self
    }

    fn name(&self) -> &str {
        if self.multiply {
            "pg_numeric_multiply"
        } else {
            "pg_numeric_divide"
        }
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        arg_types
            .iter()
            .map(|t| match as_decimal(t) {
                Some(d) => Ok(d),
                None => plan_err!("{} takes numerics, not {t}", self.name()),
            })
            .collect()
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(QUOTIENT_TYPE)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        if self.multiply {
            binary(&args.args, |l, r| Ok(multiply_arrays(l, r)?))
        } else {
            binary(&args.args, |l, r| Ok(divide_arrays(l, r)?))
        }
    }
}

/// Applies `f` to two arguments of one length; a scalar result where both are scalars.
pub(super) fn binary(
    args: &[ColumnarValue],
    f: impl FnOnce(&ArrayRef, &ArrayRef) -> Result<ArrayRef>,
) -> Result<ColumnarValue> {
    let [l, r] = args else {
        return exec_err!("expected two arguments, got {}", args.len());
    };
    let scalars = matches!((l, r), (ColumnarValue::Scalar(_), ColumnarValue::Scalar(_)));
    let rows = match (l, r) {
        (ColumnarValue::Array(a), _) | (_, ColumnarValue::Array(a)) => a.len(),
        _ => 1,
    };
    let result = f(&l.to_array(rows)?, &r.to_array(rows)?)?;
    if scalars {
        Ok(ColumnarValue::Scalar(ScalarValue::try_from_array(
            result.as_ref(),
            0,
        )?))
    } else {
        Ok(ColumnarValue::Array(result))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_fail_as_postgresql_fails() {
        assert_eq!(
            float_value(Op::Divide, 1.0f64, 0.0),
            Err(SqlError::division_by_zero())
        );
        assert!(float_value(Op::Divide, f64::NAN, 0.0).is_ok_and(f64::is_nan));
        assert_eq!(
            float_value(Op::Multiply, 1e300f64, 1e10)
                .expect_err("overflows")
                .message,
            "value out of range: overflow"
        );
        assert_eq!(
            float_value(Op::Divide, 1e-300f64, 1e300)
                .expect_err("underflows")
                .message,
            "value out of range: underflow"
        );
        assert_eq!(float_value(Op::Add, f64::INFINITY, 1.0), Ok(f64::INFINITY));
        assert_eq!(float_value(Op::Divide, 1.0f64, f64::INFINITY), Ok(0.0));
    }

    #[test]
    fn integer_operands_widen() {
        assert_eq!(
            integer_operands(&DataType::Int32, &DataType::Int64),
            Some(DataType::Int64)
        );
        assert_eq!(
            integer_operands(&DataType::Int16, &DataType::Int16),
            Some(DataType::Int16)
        );
        assert_eq!(integer_operands(&DataType::Int32, &DataType::Float64), None);
    }
}

/// PostgreSQL's dates: Julian day 0 (4714-11-24 BC) up to, not including, Julian day
/// 2147483494 (5874898-01-01), as days since 1970-01-01.
const FIRST_DATE: i64 = -2_440_588;
const END_DATE: i64 = 2_147_483_494 - 2_440_588;

/// `date ± integer` (the planner passes the date first, the days negated for `-`), failing
/// outside PostgreSQL's range of dates (22008) where DataFusion overflowed.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct DatePlusDays {
    subtract: bool,
    signature: Signature,
}

pub fn date_plus_days_udf(subtract: bool) -> Arc<ScalarUDF> {
    Arc::new(ScalarUDF::new_from_impl(DatePlusDays {
        subtract,
        signature: Signature::user_defined(Volatility::Immutable),
    }))
}

impl ScalarUDFImpl for DatePlusDays {
    fn as_any(&self) -> &dyn Any {
        self
    }

    fn name(&self) -> &str {
        if self.subtract {
            "pg_date_minus_days"
        } else {
            "pg_date_plus_days"
        }
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        match arg_types {
            [DataType::Date32, n] if n.is_integer() || n.is_null() => {
                Ok(vec![DataType::Date32, DataType::Int64])
            }
            _ => plan_err!("{} takes a date and a number of days", self.name()),
        }
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(DataType::Date32)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let subtract = self.subtract;
        binary(&args.args, |dates, days| {
            let (dates, days) = (
                dates.as_primitive::<datafusion::arrow::datatypes::Date32Type>(),
                days.as_primitive::<datafusion::arrow::datatypes::Int64Type>(),
            );
            let result: Result<
                PrimitiveArray<datafusion::arrow::datatypes::Date32Type>,
                ArrowError,
            > = datafusion::arrow::compute::try_binary(dates, days, |date, n| {
                let n = if subtract { n.checked_neg() } else { Some(n) };
                let out_of_range = || {
                    ArrowError::ExternalError(Box::new(SqlError {
                        sqlstate: "22008",
                        message: "date out of range".to_owned(),
                    }))
                };
                let day = n
                    .and_then(|n| i64::from(date).checked_add(n))
                    .filter(|d| (FIRST_DATE..END_DATE).contains(d))
                    .ok_or_else(out_of_range)?;
                i32::try_from(day).map_err(|_| out_of_range())
            });
            match result {
                Ok(array) => Ok(Arc::new(array) as ArrayRef),
                Err(ArrowError::ExternalError(e)) => match e.downcast::<SqlError>() {
                    Ok(sql) => Err((*sql).into()),
                    Err(other) => Err(ArrowError::ExternalError(other).into()),
                },
                Err(other) => Err(other.into()),
            }
        })
    }
}
