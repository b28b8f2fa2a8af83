//! numeric values on the pg wire, in text and binary format, from Arrow's 128-bit decimals.
//!
//! arrow-pg converts each decimal to rust_decimal, which holds 28 digits: a numeric(38, s)
//! value past that (`1767399000.0 / 1.5` with 20 digits after the point) failed the whole
//! statement. PostgreSQL's numeric has no such bound; here every Decimal128 value is written
//! exactly, with its column's scale as the display scale.

/// The value's digits (no sign) and the number of them after the point.
fn digits(value: i128, scale: i8) -> (String, usize) {
    let magnitude = value.unsigned_abs();
    if scale <= 0 {
        // A negative scale counts zeros before the point.
        let zeros = "0".repeat(usize::from(scale.unsigned_abs()));
        return (format!("{magnitude}{zeros}"), 0);
    }
    let scale = usize::from(scale.unsigned_abs());
    (format!("{magnitude:0>width$}", width = scale + 1), scale)
}

/// The text PostgreSQL prints: `-12.340`, `0.05`, `7`.
pub fn text(value: i128, scale: i8, out: &mut String) {
    let (digits, fraction) = digits(value, scale);
    if value < 0 {
        out.push('-');
    }
    let (whole, after) = digits.split_at(digits.len() - fraction);
    out.push_str(whole);
    if fraction > 0 {
        out.push('.');
        out.push_str(after);
    }
}

/// PostgreSQL's binary numeric (numeric_send): digit count, weight of the first base-10000
/// digit, sign, display scale, then the base-10000 digits without leading or trailing zero
/// digits.
pub fn binary(value: i128, scale: i8, out: &mut Vec<u8>) {
    let (digits, fraction) = digits(value, scale);
    let (whole, after) = digits.split_at(digits.len() - fraction);
    let whole = whole.trim_start_matches('0');
    // Whole part in groups of four from the point leftwards, fraction rightwards.
    let whole_groups = whole.len().div_ceil(4);
    let padded_whole = format!("{whole:0>width$}", width = whole_groups * 4);
    let fraction_groups = after.len().div_ceil(4);
    let padded_fraction = format!("{after:0<width$}", width = fraction_groups * 4);
    let groups: Vec<i16> = padded_whole
        .as_bytes()
        .chunks(4)
        .chain(padded_fraction.as_bytes().chunks(4))
        .map(|chunk| {
            chunk
                .iter()
                .fold(0i16, |acc, d| acc * 10 + i16::from(d - b'0'))
        })
        .collect();
    // The weight of the first group is whole_groups - 1; drop leading and trailing zeros.
    let first = groups.iter().position(|g| *g != 0);
    let last = groups.iter().rposition(|g| *g != 0);
    let (ndigits, weight, kept): (i16, i16, &[i16]) = match (first, last) {
        (Some(first), Some(last)) => (
            i16::try_from(last - first + 1).unwrap_or(i16::MAX),
            i16::try_from(whole_groups).unwrap_or(i16::MAX) - 1 - i16::try_from(first).unwrap_or(0),
            &groups[first..=last],
        ),
        _ => (0, 0, &[]),
    };
    let sign: u16 = if value < 0 && ndigits > 0 { 0x4000 } else { 0 };
    let dscale = i16::try_from(fraction).unwrap_or(i16::MAX);
    out.extend_from_slice(&ndigits.to_be_bytes());
    out.extend_from_slice(&weight.to_be_bytes());
    out.extend_from_slice(&sign.to_be_bytes());
    out.extend_from_slice(&dscale.to_be_bytes());
    for group in kept {
        out.extend_from_slice(&group.to_be_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(value: i128, scale: i8) -> String {
        let mut out = String::new();
        text(value, scale, &mut out);
        out
    }

    fn b(value: i128, scale: i8) -> Vec<u8> {
        let mut out = Vec::new();
        binary(value, scale, &mut out);
        out
    }

    fn header_and_digits(
        ndigits: i16,
        weight: i16,
        sign: u16,
        dscale: i16,
        digits: &[i16],
    ) -> Vec<u8> {
        let mut out = Vec::new();
        for v in [ndigits, weight] {
            out.extend_from_slice(&v.to_be_bytes());
        }
        out.extend_from_slice(&sign.to_be_bytes());
        out.extend_from_slice(&dscale.to_be_bytes());
        for d in digits {
            out.extend_from_slice(&d.to_be_bytes());
        }
        out
    }

    #[test]
    fn text_is_exact_past_28_digits() {
        assert_eq!(t(-12340, 3), "-12.340");
        assert_eq!(t(5, 2), "0.05");
        assert_eq!(t(7, 0), "7");
        assert_eq!(t(12, -2), "1200");
        // 1178266000 with 20 digits after the point: 30 digits.
        assert_eq!(
            t(117_826_600_000_000_000_000_000_000_000, 20),
            "1178266000.00000000000000000000"
        );
    }

    #[test]
    fn binary_is_numeric_send() {
        // 12.34 (dscale 2): digits 12 | 3400, weight 0.
        assert_eq!(b(1234, 2), header_and_digits(2, 0, 0, 2, &[12, 3400]));
        // -0.05: one digit 500 at weight -1.
        assert_eq!(b(-5, 2), header_and_digits(1, -1, 0x4000, 2, &[500]));
        // 10000: one digit 1 at weight 1, the trailing zero digit dropped.
        assert_eq!(b(10000, 0), header_and_digits(1, 1, 0, 0, &[1]));
        // zero keeps its display scale.
        assert_eq!(b(0, 3), header_and_digits(0, 0, 0, 3, &[]));
        // 1178266000.00000000000000000000
        assert_eq!(
            b(117_826_600_000_000_000_000_000_000_000, 20),
            header_and_digits(3, 2, 0, 20, &[11, 7826, 6000])
        );
    }
}
