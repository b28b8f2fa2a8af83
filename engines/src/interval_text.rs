//! PostgreSQL's text output of an interval (IntervalStyle `postgres`, datetime.c's
//! EncodeInterval): `1 year 2 mons 3 days 04:05:06.5`, each field with its own sign
//! (`-1 days +03:00:00`), the fraction without trailing zeros, `00:00:00` for nothing.
//! arrow-pg always prints six digits of fraction, DataFusion's casts `1 mons 2 days`, and
//! DuckDB's `1 month 2 days`. The pg wire's text rows print with it, and both engines' casts
//! of an interval to text.

use std::fmt::Write;
use std::sync::Arc;

use arrow::array::{Array, ArrayRef, AsArray, StringBuilder};
use arrow::datatypes::{
    DataType, DurationMicrosecondType, DurationMillisecondType, DurationNanosecondType,
    DurationSecondType, IntervalDayTimeType, IntervalMonthDayNanoType, IntervalUnit,
    IntervalYearMonthType, TimeUnit,
};
use arrow::error::ArrowError;

/// An interval as PostgreSQL holds it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Interval {
    pub months: i32,
    pub days: i32,
    pub micros: i64,
}

/// The interval at `row` of an interval or duration column; `None` for NULL.
pub fn at(column: &ArrayRef, row: usize) -> Result<Option<Interval>, ArrowError> {
    if column.is_null(row) {
        return Ok(None);
    }
    let time = |micros: i64| Interval {
        months: 0,
        days: 0,
        micros,
    };
    Ok(Some(match column.data_type() {
        DataType::Interval(IntervalUnit::MonthDayNano) => {
            let v = column.as_primitive::<IntervalMonthDayNanoType>().value(row);
            Interval {
                months: v.months,
                days: v.days,
                micros: v.nanoseconds / 1_000,
            }
        }
        DataType::Interval(IntervalUnit::DayTime) => {
            let v = column.as_primitive::<IntervalDayTimeType>().value(row);
            Interval {
                months: 0,
                days: v.days,
                micros: i64::from(v.milliseconds) * 1_000,
            }
        }
        DataType::Interval(IntervalUnit::YearMonth) => Interval {
            months: column.as_primitive::<IntervalYearMonthType>().value(row),
            days: 0,
            micros: 0,
        },
        DataType::Duration(TimeUnit::Second) => time(
            column
                .as_primitive::<DurationSecondType>()
                .value(row)
                .saturating_mul(1_000_000),
        ),
        DataType::Duration(TimeUnit::Millisecond) => time(
            column
                .as_primitive::<DurationMillisecondType>()
                .value(row)
                .saturating_mul(1_000),
        ),
        DataType::Duration(TimeUnit::Microsecond) => {
            time(column.as_primitive::<DurationMicrosecondType>().value(row))
        }
        DataType::Duration(TimeUnit::Nanosecond) => {
            time(column.as_primitive::<DurationNanosecondType>().value(row) / 1_000)
        }
        other => {
            return Err(ArrowError::InvalidArgumentError(format!(
                "not an interval: {other}"
            )))
        }
    }))
}

/// An interval or duration column printed as PostgreSQL prints it, NULL for NULL.
pub fn print_column(column: &ArrayRef) -> Result<ArrayRef, ArrowError> {
    let mut out = StringBuilder::with_capacity(column.len(), column.len() * 16);
    let mut text = String::new();
    for row in 0..column.len() {
        crate::pg_text::append_printed(&mut out, &mut text, at(column, row)?, write);
    }
    Ok(Arc::new(out.finish()))
}

/// One `N unit(s)` field, as AddPostgresIntPart writes it.
fn field(out: &mut String, value: i64, unit: &str, is_zero: &mut bool, is_before: &mut bool) {
    if value == 0 {
        return;
    }
    let _ = write!(
        out,
        "{}{}{value} {unit}{}",
        if *is_zero { "" } else { " " },
        if *is_before && value > 0 { "+" } else { "" },
        if value != 1 { "s" } else { "" }
    );
    *is_before = value < 0;
    *is_zero = false;
}

/// Writes `interval` as PostgreSQL prints it.
pub fn write(interval: Interval, out: &mut String) {
    let years = i64::from(interval.months / 12);
    let months = i64::from(interval.months % 12);
    let (mut is_zero, mut is_before) = (true, false);
    field(out, years, "year", &mut is_zero, &mut is_before);
    field(out, months, "mon", &mut is_zero, &mut is_before);
    field(
        out,
        i64::from(interval.days),
        "day",
        &mut is_zero,
        &mut is_before,
    );
    let micros = interval.micros;
    if is_zero || micros != 0 {
        let minus = micros < 0;
        let magnitude = micros.unsigned_abs();
        let (seconds, fraction) = (magnitude / 1_000_000, magnitude % 1_000_000);
        let _ = write!(
            out,
            "{}{}{:02}:{:02}:{:02}",
            if is_zero { "" } else { " " },
            if minus {
                "-"
            } else if is_before {
                "+"
            } else {
                ""
            },
            seconds / 3600,
            seconds / 60 % 60,
            seconds % 60
        );
        if fraction != 0 {
            let digits = format!("{fraction:06}");
            let _ = write!(out, ".{}", digits.trim_end_matches('0'));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(months: i32, days: i32, micros: i64) -> String {
        let mut out = String::new();
        write(
            Interval {
                months,
                days,
                micros,
            },
            &mut out,
        );
        out
    }

    const HOUR: i64 = 3_600_000_000;

    #[test]
    fn intervals_print_as_postgresql_prints_them() {
        // Each checked against PostgreSQL 15.
        assert_eq!(text(0, 0, 0), "00:00:00");
        assert_eq!(text(0, 12, 0), "12 days");
        assert_eq!(text(0, 1, 3 * HOUR), "1 day 03:00:00");
        assert_eq!(text(0, -1, -3 * HOUR), "-1 days -03:00:00");
        assert_eq!(text(0, -1, 3 * HOUR), "-1 days +03:00:00");
        assert_eq!(
            text(14, 10, 4 * HOUR + 306_500_000),
            "1 year 2 mons 10 days 04:05:06.5"
        );
        assert_eq!(text(0, 9, 22 * HOUR + 2_971_800_000), "9 days 22:49:31.8");
        assert_eq!(text(-1, -1, 0), "-1 mons -1 days");
        assert_eq!(text(0, 0, 27 * HOUR), "27:00:00");
        assert_eq!(text(0, 0, -90_000_000), "-00:01:30");
    }
}
