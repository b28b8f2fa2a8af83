//! PostgreSQL's `power` (and `^`) of numerics.
//!
//! DataFusion's power of decimals keeps the base's scale and an integer exponent: `power(2.5,
//! 2)` answered 6.2, `power(2::numeric, 0.5)` 1.0. PostgreSQL computes a numeric power
//! exactly for an integer exponent and to at least 16 significant digits otherwise. Here an
//! integer exponent is applied exactly in 256-bit integers and rounded once, half away from
//! zero, to [`QUOTIENT_SCALE`] digits after the point (as a numeric quotient is held); a
//! fractional one goes through a double, whose shortest decimal form is rounded the same
//! way (its last digit may differ from PostgreSQL's, as the other numeric functions
//! computed through doubles do: KNOWN_GAPS.md).

use arrow::datatypes::i256;

use crate::numeric::{divide_rounded, held, overflow, power_of_ten, QUOTIENT_SCALE};
use crate::sql_error::SqlError;

/// `base × 10^-base_scale` raised to `exponent × 10^-exponent_scale`, as the unscaled value
/// of a decimal with [`QUOTIENT_SCALE`] digits after the point.
pub fn power(
    base: i128,
    base_scale: i8,
    exponent: i128,
    exponent_scale: i8,
) -> Result<i128, SqlError> {
    let exponent_unit = 10i128
        .checked_pow(u32::from(exponent_scale.max(0).unsigned_abs()))
        .ok_or_else(overflow)?;
    let whole = exponent / exponent_unit;
    let integral = exponent % exponent_unit == 0;
    if base == 0 {
        return match exponent.signum() {
            -1 => Err(SqlError::zero_to_negative_power()),
            0 => held(power_of_ten(QUOTIENT_SCALE.into())?),
            _ => Ok(0),
        };
    }
    if !integral && base < 0 {
        return Err(SqlError::complex_power());
    }
    if integral {
        if let Some(value) = integer_power(base, base_scale, whole)? {
            return Ok(value);
        }
    }
    let base = base as f64 / 10f64.powi(i32::from(base_scale));
    let exponent = exponent as f64 / 10f64.powi(i32::from(exponent_scale));
    from_double(base.powf(exponent))
}

/// The exact power for an integer exponent; `None` when the exact value is past 256 bits
/// (the double decides then).
fn integer_power(base: i128, base_scale: i8, n: i128) -> Result<Option<i128>, SqlError> {
    let Ok(magnitude) = u32::try_from(n.unsigned_abs()) else {
        return Ok(None);
    };
    let Some(scale) = u32::from(base_scale.max(0).unsigned_abs()).checked_mul(magnitude) else {
        return Ok(None);
    };
    let Some(exact) = i256::from_i128(base).checked_pow(magnitude) else {
        return Ok(None);
    };
    let target = u32::from(QUOTIENT_SCALE.unsigned_abs());
    let ten_to = |exponent: u32| {
        i32::try_from(exponent)
            .map_err(|_| overflow())
            .and_then(power_of_ten)
    };
    let value = if n >= 0 {
        if scale > target {
            let Ok(divisor) = ten_to(scale - target) else {
                return Ok(None);
            };
            divide_rounded(exact, divisor)?
        } else {
            exact
                .checked_mul(ten_to(target - scale)?)
                .ok_or_else(overflow)?
        }
    } else {
        // 10^(target + scale) / exact, at the target scale.
        let Ok(numerator) = ten_to(target + scale) else {
            return Ok(None);
        };
        divide_rounded(numerator, exact)?
    };
    held(value).map(Some)
}

/// A double as the unscaled value at [`QUOTIENT_SCALE`]: its shortest decimal form, rounded
/// half away from zero.
fn from_double(value: f64) -> Result<i128, SqlError> {
    if !value.is_finite() {
        return Err(overflow());
    }
    // Rust writes a double's shortest round-trip form without an exponent.
    let text = format!("{}", value.abs());
    let (whole, fraction) = text.split_once('.').unwrap_or((&text, ""));
    let scale = QUOTIENT_SCALE.unsigned_abs() as usize;
    let kept: String = fraction
        .chars()
        .chain(std::iter::repeat('0'))
        .take(scale)
        .collect();
    let digits = format!("{whole}{kept}");
    let mut unscaled = digits.parse::<i128>().map_err(|_| overflow())?;
    if fraction.as_bytes().get(scale).is_some_and(|d| *d >= b'5') {
        unscaled = unscaled.checked_add(1).ok_or_else(overflow)?;
    }
    let signed = if value < 0.0 { -unscaled } else { unscaled };
    held(i256::from_i128(signed))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The power as PostgreSQL prints a numeric of scale 16.
    fn text(base: i128, base_scale: i8, exponent: i128, exponent_scale: i8) -> String {
        let value = power(base, base_scale, exponent, exponent_scale).expect("a power");
        let digits = format!("{:017}", value.unsigned_abs());
        let (whole, fraction) = digits.split_at(digits.len() - 16);
        format!("{}{whole}.{fraction}", if value < 0 { "-" } else { "" })
    }

    #[test]
    fn integer_exponents_are_exact() {
        assert_eq!(text(25, 1, 2, 0), "6.2500000000000000");
        assert_eq!(text(2, 0, 3, 0), "8.0000000000000000");
        assert_eq!(text(11, 1, 10, 0), "2.5937424601000000");
        assert_eq!(text(-2, 0, 3, 0), "-8.0000000000000000");
        assert_eq!(text(2, 0, -2, 0), "0.2500000000000000");
        assert_eq!(text(3, 0, -1, 0), "0.3333333333333333");
        assert_eq!(text(2, 0, 20, 1), "4.0000000000000000");
        assert_eq!(text(7, 0, 0, 0), "1.0000000000000000");
        assert_eq!(text(0, 0, 0, 0), "1.0000000000000000");
    }

    #[test]
    fn fractional_exponents_go_through_a_double() {
        assert_eq!(text(2, 0, 5, 1), "1.4142135623730951");
        assert_eq!(text(4, 0, -5, 1), "0.5000000000000000");
        assert_eq!(text(20, 1, 15, 1), "2.8284271247461903");
    }

    #[test]
    fn errors_are_postgresqls() {
        assert_eq!(power(0, 0, -1, 0).map_err(|e| e.sqlstate), Err("2201F"));
        assert_eq!(power(-8, 0, 5, 1).map_err(|e| e.sqlstate), Err("2201F"));
        assert_eq!(power(10, 0, 40, 0).map_err(|e| e.sqlstate), Err("22003"));
    }
}
