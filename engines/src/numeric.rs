//! PostgreSQL's numeric division, exact, for every engine.
//!
//! Neither engine divides decimals as PostgreSQL does: DuckDB answers a double, DataFusion
//! (Arrow) truncates to four more digits than the dividend has. Going through a double put
//! `1767399000.0 / 300` at `5891329.99999999998689...`, one 5-minute bucket off once floored.
//! Here the quotient is computed in 256-bit integers and rounded half away from zero, as
//! PostgreSQL rounds, to [`QUOTIENT_SCALE`] digits after the point. PostgreSQL picks the scale
//! per value (at least 16 significant digits); a column has one scale, and 16 digits after
//! the point is at least as many as PostgreSQL shows for quotients of 1 and more.

use arrow::array::{Array, ArrayRef, AsArray, Decimal128Array};
use arrow::buffer::NullBuffer;
use arrow::datatypes::{i256, DataType, Decimal128Type};

use crate::sql_error::SqlError;

/// Digits after the point of every quotient.
pub const QUOTIENT_SCALE: i8 = 16;

/// The quotient's type: Arrow's widest 128-bit decimal.
pub const QUOTIENT_TYPE: DataType = DataType::Decimal128(38, QUOTIENT_SCALE);

fn overflow() -> SqlError {
    SqlError::overflow("value overflows numeric format")
}

fn power_of_ten(exponent: i32) -> Result<i256, SqlError> {
    let exponent = u32::try_from(exponent).map_err(|_| overflow())?;
    i256::from_i128(10)
        .checked_pow(exponent)
        .ok_or_else(overflow)
}

/// `a × 10^-a_scale ÷ b × 10^-b_scale`, as the unscaled value of a decimal with
/// [`QUOTIENT_SCALE`] digits after the point.
pub fn divide(a: i128, a_scale: i8, b: i128, b_scale: i8) -> Result<i128, SqlError> {
    if b == 0 {
        return Err(SqlError::division_by_zero());
    }
    // a / b = (A · 10^k) / B · 10^-QUOTIENT_SCALE with k = QUOTIENT_SCALE + b_scale - a_scale.
    let k = i32::from(QUOTIENT_SCALE) + i32::from(b_scale) - i32::from(a_scale);
    let (mut numerator, mut denominator) = (i256::from_i128(a), i256::from_i128(b));
    if k >= 0 {
        numerator = numerator
            .checked_mul(power_of_ten(k)?)
            .ok_or_else(overflow)?;
    } else {
        denominator = denominator
            .checked_mul(power_of_ten(-k)?)
            .ok_or_else(overflow)?;
    }
    let quotient = numerator.checked_div(denominator).ok_or_else(overflow)?;
    let remainder = numerator.checked_rem(denominator).ok_or_else(overflow)?;
    // Half away from zero: the remainder's size against half the divisor's.
    let twice = remainder.wrapping_abs().checked_mul(i256::from_i128(2));
    let rounded = match twice {
        Some(twice) if twice >= denominator.wrapping_abs() => {
            let away = if (numerator < i256::ZERO) == (denominator < i256::ZERO) {
                i256::ONE
            } else {
                i256::MINUS_ONE
            };
            quotient.checked_add(away).ok_or_else(overflow)?
        }
        // Twice the remainder overflows only when it is far above half of any divisor that
        // fits; never the case for a remainder smaller than the divisor, but stay exact.
        None => return Err(overflow()),
        Some(_) => quotient,
    };
    let unscaled = rounded.to_i128().ok_or_else(overflow)?;
    // 38 digits at most.
    if unscaled.unsigned_abs() >= 10u128.pow(38) {
        return Err(overflow());
    }
    Ok(unscaled)
}

/// The scale of a decimal array's type (integers count as scale 0).
fn scale_of(data_type: &DataType) -> Option<i8> {
    match data_type {
        DataType::Decimal128(_, scale) => Some(*scale),
        _ => None,
    }
}

/// `left / right` row by row, for two Decimal128 arrays of one length; NULL where either is.
pub fn divide_arrays(left: &dyn Array, right: &dyn Array) -> Result<ArrayRef, SqlError> {
    let (Some(left_scale), Some(right_scale)) =
        (scale_of(left.data_type()), scale_of(right.data_type()))
    else {
        return Err(SqlError {
            sqlstate: "XX000",
            message: format!(
                "numeric division of {} by {}",
                left.data_type(),
                right.data_type()
            ),
        });
    };
    let (l, r) = (
        left.as_primitive::<Decimal128Type>(),
        right.as_primitive::<Decimal128Type>(),
    );
    let nulls = NullBuffer::union(l.nulls(), r.nulls());
    let mut values = Vec::with_capacity(l.len());
    for i in 0..l.len() {
        let valid = nulls.as_ref().is_none_or(|n| n.is_valid(i));
        values.push(if valid {
            divide(l.value(i), left_scale, r.value(i), right_scale)?
        } else {
            0
        });
    }
    let quotients = Decimal128Array::new(values.into(), nulls).with_data_type(QUOTIENT_TYPE);
    Ok(std::sync::Arc::new(quotients))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The quotient as text, for reading.
    fn quotient(a: i128, a_scale: i8, b: i128, b_scale: i8) -> String {
        let q = divide(a, a_scale, b, b_scale).expect("divides");
        let text = format!("{:017}", q.unsigned_abs());
        let (whole, fraction) = text.split_at(text.len() - QUOTIENT_SCALE as usize);
        format!("{}{whole}.{fraction}", if q < 0 { "-" } else { "" })
    }

    #[test]
    fn exact_where_a_double_is_not() {
        // 1767399000.0 / 300: a double gives 5891329.999999999986...
        assert_eq!(
            quotient(17_673_990_000, 1, 300, 0),
            "5891330.0000000000000000"
        );
    }

    #[test]
    fn rounds_half_away_from_zero() {
        assert_eq!(quotient(2, 0, 3, 0), "0.6666666666666667");
        assert_eq!(quotient(-2, 0, 3, 0), "-0.6666666666666667");
        assert_eq!(quotient(2, 0, -3, 0), "-0.6666666666666667");
        assert_eq!(quotient(1, 0, 3, 0), "0.3333333333333333");
        // 0.5e-16 exactly: away from zero.
        assert_eq!(quotient(1, 16, 2, 0), "0.0000000000000001");
        assert_eq!(quotient(-1, 16, 2, 0), "-0.0000000000000001");
    }

    #[test]
    fn scales_on_either_side() {
        // 12.34 / 0.002
        assert_eq!(quotient(1234, 2, 2, 3), "6170.0000000000000000");
        // 1e-20 / 1: below the quotient's digits.
        assert_eq!(quotient(1, 20, 1, 0), "0.0000000000000000");
    }

    #[test]
    fn zero_divisor_and_overflow_are_errors() {
        assert_eq!(divide(1, 0, 0, 2), Err(SqlError::division_by_zero()));
        let err = divide(10i128.pow(30), 0, 1, 0).expect_err("beyond 38 digits");
        assert_eq!(err.sqlstate, "22003");
    }
}
