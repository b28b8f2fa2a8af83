//! PostgreSQL's text of values where Arrow's and the engines' differ: floats (float8out,
//! float4out: shortest round-trip digits, printf's `%g` layout `1e+15`, `1e-05`, `62`,
//! `Infinity`) and timestamps (a fraction only when there is one, ` BC`, the zone's offset).
//! The pg wire's text rows print with it, and the engines' casts to text: DuckDB and
//! DataFusion print `62.0`, `1e15` and `00:01:00.800`.

use std::fmt::Write;
use std::sync::Arc;

use chrono::{DateTime, Datelike, NaiveDateTime, Offset, TimeZone, Timelike};
use chrono_tz::Tz;

use arrow::array::{Array, ArrayRef, AsArray, StringBuilder};
use arrow::datatypes::{DataType, Float32Type, Float64Type};
use arrow::error::ArrowError;

/// PostgreSQL's default `extra_float_digits`: shortest round-trip digits.
const EXTRA_FLOAT_DIGITS: i32 = 1;

/// Each timestamp, date or time of `column` printed as PostgreSQL prints it (a timestamptz
/// in UTC, the session's zone).
pub fn print_timestamp_column(column: &ArrayRef) -> Result<ArrayRef, ArrowError> {
    if let Some(days) = column.as_primitive_opt::<arrow::datatypes::Date32Type>() {
        let mut out = StringBuilder::with_capacity(days.len(), days.len() * 10);
        let mut text = String::new();
        for value in days.iter() {
            append_printed(&mut out, &mut text, value, date);
        }
        return Ok(Arc::new(out.finish()));
    }
    if let DataType::Time64(_) = column.data_type() {
        let micros = arrow::compute::cast(
            column,
            &DataType::Time64(arrow::datatypes::TimeUnit::Microsecond),
        )?;
        let micros = micros.as_primitive::<arrow::datatypes::Time64MicrosecondType>();
        let mut out = StringBuilder::with_capacity(micros.len(), micros.len() * 15);
        let mut text = String::new();
        for value in micros.iter() {
            append_printed(&mut out, &mut text, value, time);
        }
        return Ok(Arc::new(out.finish()));
    }
    let with_zone = matches!(column.data_type(), DataType::Timestamp(_, Some(_)));
    let micros = arrow::compute::cast(
        column,
        &DataType::Timestamp(arrow::datatypes::TimeUnit::Microsecond, None),
    )?;
    let micros = micros.as_primitive::<arrow::datatypes::TimestampMicrosecondType>();
    let mut out = StringBuilder::with_capacity(micros.len(), micros.len() * 26);
    let mut text = String::new();
    for value in micros.iter() {
        if with_zone {
            append_printed(&mut out, &mut text, value, |v, t| {
                timestamptz(v, &Tz::UTC, t)
            });
        } else {
            append_printed(&mut out, &mut text, value, timestamp);
        }
    }
    Ok(Arc::new(out.finish()))
}

/// A time of day (microseconds since midnight) as PostgreSQL prints it: a fraction only
/// when there is one.
pub fn time(micros: i64, out: &mut String) {
    let seconds = micros.div_euclid(1_000_000);
    let fraction = micros.rem_euclid(1_000_000);
    let _ = write!(
        out,
        "{:02}:{:02}:{:02}",
        seconds / 3600,
        seconds % 3600 / 60,
        seconds % 60
    );
    if fraction != 0 {
        let digits = format!("{fraction:06}");
        out.push('.');
        out.push_str(digits.trim_end_matches('0'));
    }
}

/// Appends `value` to `out` as `print` writes it (through `text`, reused row after row), or
/// a NULL.
pub fn append_printed<T>(
    out: &mut StringBuilder,
    text: &mut String,
    value: Option<T>,
    print: impl Fn(T, &mut String),
) {
    match value {
        None => out.append_null(),
        Some(value) => {
            text.clear();
            print(value, text);
            out.append_value(&*text);
        }
    }
}

/// Each float of `column` (float4 or float8) printed as PostgreSQL prints it.
pub fn print_column(column: &ArrayRef) -> Result<ArrayRef, ArrowError> {
    let mut out = StringBuilder::with_capacity(column.len(), column.len() * 8);
    let mut text = String::new();
    for row in 0..column.len() {
        if column.is_null(row) {
            out.append_null();
            continue;
        }
        text.clear();
        match column.data_type() {
            DataType::Float32 => float4(
                column.as_primitive::<Float32Type>().value(row),
                EXTRA_FLOAT_DIGITS,
                &mut text,
            ),
            DataType::Float64 => float8(
                column.as_primitive::<Float64Type>().value(row),
                EXTRA_FLOAT_DIGITS,
                &mut text,
            ),
            other => {
                return Err(ArrowError::InvalidArgumentError(format!(
                    "not a float: {other}"
                )))
            }
        }
        out.append_value(&text);
    }
    Ok(Arc::new(out.finish()))
}

/// float8out: shortest round-trip digits when `extra_float_digits` > 0, else `%.{15+extra}g`.
pub fn float8(value: f64, extra_float_digits: i32, out: &mut String) {
    if !special(value, out) {
        let (digits, exponent) = if extra_float_digits > 0 {
            shortest(ryu::Buffer::new().format_finite(value))
        } else {
            rounded(value, 15 + extra_float_digits)
        };
        let threshold = if extra_float_digits > 0 {
            15
        } else {
            15 + extra_float_digits
        };
        write_decimal(value.is_sign_negative(), &digits, exponent, threshold, out);
    }
}

/// float4out: as [`float8`] with FLT_DIG = 6.
pub fn float4(value: f32, extra_float_digits: i32, out: &mut String) {
    if !special(f64::from(value), out) {
        let (digits, exponent) = if extra_float_digits > 0 {
            shortest(ryu::Buffer::new().format_finite(value))
        } else {
            rounded(f64::from(value), 6 + extra_float_digits)
        };
        let threshold = if extra_float_digits > 0 {
            6
        } else {
            6 + extra_float_digits
        };
        write_decimal(value.is_sign_negative(), &digits, exponent, threshold, out);
    }
}

/// NaN, infinities and zeros, which have fixed spellings.
fn special(value: f64, out: &mut String) -> bool {
    let text = if value.is_nan() {
        "NaN"
    } else if value == f64::INFINITY {
        "Infinity"
    } else if value == f64::NEG_INFINITY {
        "-Infinity"
    } else if value == 0.0 {
        if value.is_sign_negative() {
            "-0"
        } else {
            "0"
        }
    } else {
        return false;
    };
    out.push_str(text);
    true
}

/// The significant digits and decimal exponent of ryu's output (`1.5e-7`, `62.0`, `0.0001`).
fn shortest(text: &str) -> (String, i32) {
    let text = text.trim_start_matches('-');
    let (mantissa, exponent) = match text.split_once('e') {
        Some((m, e)) => (m, e.parse::<i32>().unwrap_or(0)),
        None => (text, 0),
    };
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let all: String = format!("{int}{frac}");
    let leading = all.len() - all.trim_start_matches('0').len();
    let digits = all.trim_start_matches('0').trim_end_matches('0').to_owned();
    // The first digit of `all` has weight 10^(len(int)-1); skip the leading zeros.
    let exponent = exponent + int.len() as i32 - 1 - leading as i32;
    (digits, exponent)
}

/// `precision` significant digits, rounded as printf does, trailing zeros dropped.
fn rounded(value: f64, precision: i32) -> (String, i32) {
    let precision = precision.max(1) as usize;
    let text = format!("{:.*e}", precision - 1, value.abs());
    let (mantissa, exponent) = text.split_once('e').unwrap_or((&text, "0"));
    let digits = mantissa.replace('.', "").trim_end_matches('0').to_owned();
    (digits, exponent.parse().unwrap_or(0))
}

/// printf's `%g` layout: fixed when -4 <= exponent < threshold, else `d.ddde+XX`.
fn write_decimal(negative: bool, digits: &str, exponent: i32, threshold: i32, out: &mut String) {
    if negative {
        out.push('-');
    }
    let digits = if digits.is_empty() { "0" } else { digits };
    if (-4..threshold).contains(&exponent) {
        if exponent < 0 {
            out.push_str("0.");
            out.extend(std::iter::repeat_n('0', (-exponent - 1) as usize));
            out.push_str(digits);
        } else {
            let int_len = exponent as usize + 1;
            if digits.len() <= int_len {
                out.push_str(digits);
                out.extend(std::iter::repeat_n('0', int_len - digits.len()));
            } else {
                out.push_str(&digits[..int_len]);
                out.push('.');
                out.push_str(&digits[int_len..]);
            }
        }
    } else {
        out.push_str(&digits[..1]);
        if digits.len() > 1 {
            out.push('.');
            out.push_str(&digits[1..]);
        }
        let sign = if exponent < 0 { '-' } else { '+' };
        let _ = write!(out, "e{sign}{:02}", exponent.abs());
    }
}

fn naive(micros: i64) -> Option<NaiveDateTime> {
    DateTime::from_timestamp_micros(micros).map(|t| t.naive_utc())
}

/// `YYYY-MM-DD HH:MM:SS[.ffffff]`, the fraction without trailing zeros. Returns whether the
/// year is before 1, which PostgreSQL writes as a positive year and a trailing ` BC`.
fn write_datetime(t: &NaiveDateTime, out: &mut String) -> bool {
    let year = t.year();
    let (year, bc) = if year <= 0 {
        (1 - year, true)
    } else {
        (year, false)
    };
    let _ = write!(
        out,
        "{year:04}-{:02}-{:02} {:02}:{:02}:{:02}",
        t.month(),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    );
    let micros = t.nanosecond() / 1000;
    if micros != 0 {
        let fraction = format!("{micros:06}");
        out.push('.');
        out.push_str(fraction.trim_end_matches('0'));
    }
    bc
}

/// An infinite date or timestamp (`'infinity'`, `'-infinity'`), as the engines hold them:
/// DuckDB's `infinity` is the type's largest value and its `-infinity` the smallest but one
/// (PostgreSQL's binary form: the largest and the smallest). Printed as dates they were a year
/// 5881580 and a year 5877642 BC.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Infinite {
    Future,
    Past,
}

impl Infinite {
    pub fn of_date(days: i32) -> Option<Self> {
        match days {
            i32::MAX => Some(Infinite::Future),
            _ if days <= i32::MIN + 1 => Some(Infinite::Past),
            _ => None,
        }
    }

    pub fn of_timestamp(micros: i64) -> Option<Self> {
        match micros {
            i64::MAX => Some(Infinite::Future),
            _ if micros <= i64::MIN + 1 => Some(Infinite::Past),
            _ => None,
        }
    }

    pub fn text(self) -> &'static str {
        match self {
            Infinite::Future => "infinity",
            Infinite::Past => "-infinity",
        }
    }
}

/// A date (days since 1970-01-01) as PostgreSQL prints it: `YYYY-MM-DD`, a year past 9999
/// with all its digits and no sign, a year before 1 as a positive year and ` BC`. Computed
/// from the day count (the proleptic Gregorian calendar, as PostgreSQL's), so that every
/// Date32 prints, beyond chrono's range too.
pub fn date(days: i32, out: &mut String) {
    if let Some(infinite) = Infinite::of_date(days) {
        out.push_str(infinite.text());
        return;
    }
    // Howard Hinnant's civil_from_days, in eras of 400 years (146,097 days).
    let z = i64::from(days) + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1_460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let mp = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    let (year, bc) = if year <= 0 {
        (1 - year, true)
    } else {
        (year, false)
    };
    let _ = write!(out, "{year:04}-{month:02}-{day:02}");
    if bc {
        out.push_str(" BC");
    }
}

/// A timestamp (microseconds since 1970) as PostgreSQL prints it.
pub fn timestamp(micros: i64, out: &mut String) {
    if let Some(infinite) = Infinite::of_timestamp(micros) {
        out.push_str(infinite.text());
        return;
    }
    let Some(t) = naive(micros) else {
        out.push_str("infinity");
        return;
    };
    if write_datetime(&t, out) {
        out.push_str(" BC");
    }
}

/// A timestamptz (microseconds since 1970) as PostgreSQL prints it in `zone`.
pub fn timestamptz(micros: i64, zone: &Tz, out: &mut String) {
    if let Some(infinite) = Infinite::of_timestamp(micros) {
        out.push_str(infinite.text());
        return;
    }
    let Some(utc) = naive(micros) else {
        out.push_str("infinity");
        return;
    };
    let local = zone.from_utc_datetime(&utc);
    let bc = write_datetime(&local.naive_local(), out);
    let offset = local.offset().fix().local_minus_utc();
    let (sign, offset) = if offset < 0 {
        ('-', -offset)
    } else {
        ('+', offset)
    };
    let _ = write!(out, "{sign}{:02}", offset / 3600);
    if offset % 3600 != 0 {
        let _ = write!(out, ":{:02}", offset % 3600 / 60);
    }
    if offset % 60 != 0 {
        let _ = write!(out, ":{:02}", offset % 60);
    }
    if bc {
        out.push_str(" BC");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn infinite_dates_and_timestamps_print_as_postgresqls() {
        let printed = |f: &dyn Fn(&mut String)| {
            let mut out = String::new();
            f(&mut out);
            out
        };
        assert_eq!(printed(&|o| date(i32::MAX, o)), "infinity");
        assert_eq!(printed(&|o| date(i32::MIN + 1, o)), "-infinity");
        assert_eq!(printed(&|o| timestamp(i64::MAX, o)), "infinity");
        assert_eq!(printed(&|o| timestamp(i64::MIN + 1, o)), "-infinity");
        assert_eq!(
            printed(&|o| timestamptz(i64::MIN, &Tz::UTC, o)),
            "-infinity"
        );
    }

    #[test]
    fn dates_print_as_postgresql_prints_them() {
        let printed = |days: i32| {
            let mut out = String::new();
            date(days, &mut out);
            out
        };
        assert_eq!(printed(0), "1970-01-01");
        assert_eq!(printed(-1), "1969-12-31");
        assert_eq!(printed(20_454), "2026-01-01");
        assert_eq!(printed(11_016), "2000-02-29");
        // 9999-12-31 and the day after; PostgreSQL prints no sign before a five-digit year.
        assert_eq!(printed(2_932_896), "9999-12-31");
        assert_eq!(printed(2_932_897), "10000-01-01");
        // 0001-01-01, the day before is 1 BC; 4714-11-24 BC is PostgreSQL's first date.
        assert_eq!(printed(-719_162), "0001-01-01");
        assert_eq!(printed(-719_163), "0001-12-31 BC");
        assert_eq!(printed(-2_440_588), "4714-11-24 BC");
    }

    fn f8(value: f64, extra: i32) -> String {
        let mut out = String::new();
        float8(value, extra, &mut out);
        out
    }

    fn f4(value: f32, extra: i32) -> String {
        let mut out = String::new();
        float4(value, extra, &mut out);
        out
    }

    /// Expected values are PostgreSQL 15's output for the same inputs.
    #[test]
    fn float8_as_postgresql_prints_it() {
        let cases = [
            (1e15, "1e+15"),
            (123456789012345.0, "123456789012345"),
            (0.0001, "0.0001"),
            (0.00001, "1e-05"),
            (1.5e-7, "1.5e-07"),
            (62.0, "62"),
            (1e22, "1e+22"),
            (1.25e300, "1.25e+300"),
            (-96.25, "-96.25"),
            (0.1 + 0.2, "0.30000000000000004"),
            (f64::INFINITY, "Infinity"),
            (f64::NEG_INFINITY, "-Infinity"),
            (-0.0, "-0"),
            (f64::NAN, "NaN"),
        ];
        for (value, expected) in cases {
            assert_eq!(f8(value, 1), expected, "{value}");
        }
        assert_eq!(f8(0.1 + 0.2, 0), "0.3");
        assert_eq!(f8(1e14, 0), "100000000000000");
        assert_eq!(f8(1e15, 0), "1e+15");
    }

    #[test]
    fn float4_as_postgresql_prints_it() {
        let cases = [
            (1e6_f32, "1e+06"),
            (123456.0, "123456"),
            (1234567.0, "1.234567e+06"),
            (0.0001, "0.0001"),
            (0.00001, "1e-05"),
            (96.125, "96.125"),
            (36.65, "36.65"),
        ];
        for (value, expected) in cases {
            assert_eq!(f4(value, 1), expected, "{value}");
        }
        assert_eq!(f4(1234567.0, 0), "1.23457e+06");
        assert_eq!(f4(96.12345, 0), "96.1235");
    }
    #[test]
    fn timestamps_print_a_fraction_only_when_there_is_one() {
        let mut out = String::new();
        timestamp(1_767_225_601_530_000, &mut out);
        assert_eq!(out, "2026-01-01 00:00:01.53");
        out.clear();
        timestamp(1_767_225_600_000_000, &mut out);
        assert_eq!(out, "2026-01-01 00:00:00");
    }

    #[test]
    fn timestamptz_prints_in_the_session_zone() {
        let mut out = String::new();
        timestamptz(1_767_225_600_000_000, &Tz::UTC, &mut out);
        assert_eq!(out, "2026-01-01 00:00:00+00");
        out.clear();
        timestamptz(1_767_225_600_000_000, &Tz::Asia__Kolkata, &mut out);
        assert_eq!(out, "2026-01-01 05:30:00+05:30");
        out.clear();
        timestamptz(1_767_225_600_000_000, &Tz::America__Sao_Paulo, &mut out);
        assert_eq!(out, "2025-12-31 21:00:00-03");
    }
}
