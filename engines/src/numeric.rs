//! PostgreSQL's numeric division, exact, for every engine.
//!
//! Neither engine divides decimals as PostgreSQL does: DuckDB answers a double, DataFusion
//! (Arrow) truncates to four more digits than the dividend has. Going through a double put
//! `1767399000.0 / 300` at `5891329.99999999998689...`, one 5-minute bucket off once floored.
//! Here the quotient is computed in 256-bit integers and rounded half away from zero, as
//! PostgreSQL rounds, at the scale PostgreSQL picks for it (select_div_scale: at least 16
//! significant digits, at least the operands' scales). A column has one scale, so the
//! quotient is then held with [`QUOTIENT_SCALE`] digits after the point: the same value as
//! PostgreSQL's wherever PostgreSQL's scale is at most 16 (every quotient from 1 to 10^18,
//! averages among them, which then print as PostgreSQL prints them), rounded once more
//! below 1, where PostgreSQL keeps 20 digits and more.

use arrow::array::{Array, ArrayRef, AsArray, Decimal128Array};
use arrow::buffer::NullBuffer;
use arrow::datatypes::{i256, DataType, Decimal128Type};

use crate::sql_error::SqlError;

/// Digits after the point of every quotient.
pub const QUOTIENT_SCALE: i8 = 16;

/// PostgreSQL's NUMERIC_MIN_SIG_DIGITS.
const MIN_SIGNIFICANT_DIGITS: i32 = 16;

/// The weight of `value × 10^-scale`'s leading base-10000 digit (PostgreSQL stores numerics
/// in such digits, aligned at the point) and that digit; `None` for zero.
fn leading_digit(value: i128, scale: i8) -> Option<(i32, u128)> {
    let mut magnitude = value.unsigned_abs();
    if magnitude == 0 {
        return None;
    }
    // Align the point with a base-10000 boundary: pad the scale up to a multiple of 4.
    let scale = i32::from(scale);
    let padding = (4 - scale.rem_euclid(4)) % 4;
    magnitude = magnitude.checked_mul(10u128.pow(padding.unsigned_abs()))?;
    let fraction_groups = (scale + padding) / 4;
    let mut groups = 0;
    let mut first = magnitude;
    while first >= 10_000 {
        first /= 10_000;
        groups += 1;
    }
    Some((groups - fraction_groups, first))
}

/// PostgreSQL's select_div_scale for `a / b` (scales `a_scale`, `b_scale`).
fn division_scale(a: i128, a_scale: i8, b: i128, b_scale: i8) -> i32 {
    let (weight1, first1) = leading_digit(a, a_scale).unwrap_or((0, 0));
    let (weight2, first2) = leading_digit(b, b_scale).unwrap_or((0, 0));
    let mut quotient_weight = weight1 - weight2;
    if first1 <= first2 {
        quotient_weight -= 1;
    }
    (MIN_SIGNIFICANT_DIGITS - quotient_weight * 4)
        .max(i32::from(a_scale))
        .max(i32::from(b_scale))
        .max(0)
}

/// The quotient's type: Arrow's widest 128-bit decimal.
pub const QUOTIENT_TYPE: DataType = DataType::Decimal128(38, QUOTIENT_SCALE);

pub(crate) fn overflow() -> SqlError {
    SqlError::overflow("value overflows numeric format")
}

pub(crate) fn power_of_ten(exponent: i32) -> Result<i256, SqlError> {
    let exponent = u32::try_from(exponent).map_err(|_| overflow())?;
    i256::from_i128(10)
        .checked_pow(exponent)
        .ok_or_else(overflow)
}

/// `numerator / denominator` rounded half away from zero, as PostgreSQL rounds.
pub(crate) fn divide_rounded(numerator: i256, denominator: i256) -> Result<i256, SqlError> {
    let quotient = numerator.checked_div(denominator).ok_or_else(overflow)?;
    let remainder = numerator.checked_rem(denominator).ok_or_else(overflow)?;
    let twice = remainder
        .wrapping_abs()
        .checked_mul(i256::from_i128(2))
        .ok_or_else(overflow)?;
    if twice < denominator.wrapping_abs() {
        return Ok(quotient);
    }
    let away = if (numerator < i256::ZERO) == (denominator < i256::ZERO) {
        i256::ONE
    } else {
        i256::MINUS_ONE
    };
    quotient.checked_add(away).ok_or_else(overflow)
}

/// An unscaled value at [`QUOTIENT_SCALE`] as the 38 digits a decimal column holds.
pub(crate) fn held(value: i256) -> Result<i128, SqlError> {
    let value = value.to_i128().ok_or_else(overflow)?;
    if value.unsigned_abs() >= 10u128.pow(38) {
        return Err(overflow());
    }
    Ok(value)
}

/// `a × 10^-a_scale ÷ b × 10^-b_scale`, as the unscaled value of a decimal with
/// [`QUOTIENT_SCALE`] digits after the point.
pub fn divide(a: i128, a_scale: i8, b: i128, b_scale: i8) -> Result<i128, SqlError> {
    if b == 0 {
        return Err(SqlError::division_by_zero());
    }
    let scale = division_scale(a, a_scale, b, b_scale).min(i32::from(QUOTIENT_SCALE));
    // a / b = (A · 10^k) / B · 10^-scale with k = scale + b_scale - a_scale.
    let k = scale + i32::from(b_scale) - i32::from(a_scale);
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
    let rounded = divide_rounded(numerator, denominator)?;
    // The same value with the column's digits after the point.
    held(
        rounded
            .checked_mul(power_of_ten(i32::from(QUOTIENT_SCALE) - scale)?)
            .ok_or_else(overflow)?,
    )
}

/// `a × 10^-a_scale · b × 10^-b_scale` rounded half away from zero to [`QUOTIENT_SCALE`]
/// digits after the point: the product of two numerics whose exact scale (the sum of
/// theirs, as PostgreSQL keeps it) is past what 38 digits hold.
pub fn multiply(a: i128, a_scale: i8, b: i128, b_scale: i8) -> Result<i128, SqlError> {
    let product = i256::from_i128(a)
        .checked_mul(i256::from_i128(b))
        .ok_or_else(overflow)?;
    let excess = i32::from(a_scale) + i32::from(b_scale) - i32::from(QUOTIENT_SCALE);
    let rounded = if excess > 0 {
        divide_rounded(product, power_of_ten(excess)?)?
    } else {
        product
            .checked_mul(power_of_ten(-excess)?)
            .ok_or_else(overflow)?
    };
    held(rounded)
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
    combine_arrays(left, right, divide)
}

/// `left * right` row by row (see [`multiply`]).
pub fn multiply_arrays(left: &dyn Array, right: &dyn Array) -> Result<ArrayRef, SqlError> {
    combine_arrays(left, right, multiply)
}

/// `left ^ right` row by row (see [`crate::numeric_power::power`]).
pub fn power_arrays(left: &dyn Array, right: &dyn Array) -> Result<ArrayRef, SqlError> {
    combine_arrays(left, right, crate::numeric_power::power)
}

/// `f` of two Decimal128 arrays row by row, into a decimal of [`QUOTIENT_TYPE`].
fn combine_arrays(
    left: &dyn Array,
    right: &dyn Array,
    f: fn(i128, i8, i128, i8) -> Result<i128, SqlError>,
) -> Result<ArrayRef, SqlError> {
    let (Some(left_scale), Some(right_scale)) =
        (scale_of(left.data_type()), scale_of(right.data_type()))
    else {
        return Err(SqlError {
            sqlstate: "XX000",
            message: format!(
                "numeric arithmetic of {} and {}",
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
            f(l.value(i), left_scale, r.value(i), right_scale)?
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

    /// `quotient` without the trailing zeros past PostgreSQL's scale, for comparing with
    /// what PostgreSQL prints.
    fn as_postgresql(a: i128, a_scale: i8, b: i128, b_scale: i8) -> String {
        let scale = division_scale(a, a_scale, b, b_scale).min(i32::from(QUOTIENT_SCALE));
        let text = quotient(a, a_scale, b, b_scale);
        let cut = QUOTIENT_SCALE as usize - scale as usize;
        let text = &text[..text.len() - cut];
        text.strip_suffix('.').unwrap_or(text).to_owned()
    }

    #[test]
    fn postgresqls_digits_where_a_double_is_not() {
        // Each as PostgreSQL 15 prints it. A double gave 5891329.999999999986...
        assert_eq!(
            as_postgresql(17_673_990_000, 1, 300, 0),
            "5891330.000000000000"
        );
        assert_eq!(as_postgresql(123_457, 1, 3, 0), "4115.2333333333333333");
        assert_eq!(as_postgresql(1, 0, 7, 0), "0.1428571428571429");
        // PostgreSQL: 0.08333333333333333333, 20 digits; the column keeps 16.
        assert_eq!(as_postgresql(25, 2, 3, 0), "0.0833333333333333");
    }

    #[test]
    fn rounds_half_away_from_zero() {
        assert_eq!(as_postgresql(2, 0, 3, 0), "0.6666666666666667");
        assert_eq!(as_postgresql(-2, 0, 3, 0), "-0.6666666666666667");
        assert_eq!(as_postgresql(2, 0, -3, 0), "-0.6666666666666667");
        assert_eq!(as_postgresql(5, 0, 3, 0), "1.6666666666666667");
    }

    #[test]
    fn below_the_columns_digits_rounds_again() {
        // PostgreSQL: 0.000000333333333333333333 (24 digits); the column holds 16.
        assert_eq!(quotient(1, 0, 3_000_000, 0), "0.0000003333333333");
    }

    #[test]
    fn products_past_38_digits_round_to_16() {
        // 1.5 (scale 20) × 2.5 (scale 20): exactly 3.75.
        let (a, b) = (15 * 10i128.pow(19), 25 * 10i128.pow(19));
        assert_eq!(multiply(a, 20, b, 20), Ok(375 * 10i128.pow(14)));
        // 1/3 × 1/3 at 20 digits each, rounded once.
        let third = 33_333_333_333_333_333_333;
        assert_eq!(multiply(third, 20, third, 20), Ok(1_111_111_111_111_111));
    }

    #[test]
    fn zero_divisor_and_overflow_are_errors() {
        assert_eq!(divide(1, 0, 0, 2), Err(SqlError::division_by_zero()));
        let err = divide(10i128.pow(30), 0, 1, 0).expect_err("beyond 38 digits");
        assert_eq!(err.sqlstate, "22003");
        let err = divide(10i128.pow(23), 0, 3, 0).expect_err("beyond 22 digits before the point");
        assert_eq!(err.sqlstate, "22003");
    }
}
