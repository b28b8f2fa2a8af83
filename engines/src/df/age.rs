//! `age(a, b)` and `make_timestamp(...)` for DataFusion, which has neither.
//!
//! `age` is PostgreSQL's symbolic difference (timestamp.c, timestamp_age): field by field,
//! borrowing from the next larger field, a month borrowing the length of the month of the
//! earlier argument, so `age('2026-03-15', '2024-01-10')` is `2 years 2 mons 5 days`.

use std::any::Any;

use chrono::{Datelike, NaiveDate, NaiveDateTime, Timelike};
use datafusion::arrow::array::{
    Array, ArrayRef, AsArray, IntervalMonthDayNanoBuilder, TimestampMicrosecondBuilder,
};
use datafusion::arrow::datatypes::{
    DataType, Float64Type, Int32Type, IntervalMonthDayNano, IntervalUnit, TimeUnit,
    TimestampMicrosecondType,
};
use datafusion::common::{plan_err, Result};
use datafusion::logical_expr::{
    ColumnarValue, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, Volatility,
};
use datafusion::scalar::ScalarValue;

use crate::sql_error::SqlError;

const MICROS: DataType = DataType::Timestamp(TimeUnit::Microsecond, None);

fn days_in_month(year: i32, month: u32) -> i64 {
    let first = NaiveDate::from_ymd_opt(year, month, 1);
    let next = if month == 12 {
        NaiveDate::from_ymd_opt(year + 1, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(year, month + 1, 1)
    };
    match (first, next) {
        (Some(first), Some(next)) => (next - first).num_days(),
        _ => 30,
    }
}

/// PostgreSQL's timestamp_age.
fn age(t1: NaiveDateTime, t2: NaiveDateTime) -> IntervalMonthDayNano {
    let field = |t: &NaiveDateTime| {
        [
            i64::from(t.year()),
            i64::from(t.month()),
            i64::from(t.day()),
            i64::from(t.hour()),
            i64::from(t.minute()),
            i64::from(t.second()),
            i64::from(t.nanosecond() / 1_000),
        ]
    };
    let (a, b) = (field(&t1), field(&t2));
    let mut d: [i64; 7] = std::array::from_fn(|i| a[i] - b[i]);
    let flipped = t1 < t2;
    if flipped {
        d.iter_mut().for_each(|v| *v = -*v);
    }
    let [years, months, days, hours, minutes, seconds, micros] = &mut d;
    while *micros < 0 {
        *micros += 1_000_000;
        *seconds -= 1;
    }
    while *seconds < 0 {
        *seconds += 60;
        *minutes -= 1;
    }
    while *minutes < 0 {
        *minutes += 60;
        *hours -= 1;
    }
    while *hours < 0 {
        *hours += 24;
        *days -= 1;
    }
    // The month borrowed from is the earlier argument's.
    let earlier = if flipped { &t1 } else { &t2 };
    while *days < 0 {
        *days += days_in_month(earlier.year(), earlier.month());
        *months -= 1;
    }
    while *months < 0 {
        *months += 12;
        *years -= 1;
    }
    if flipped {
        d.iter_mut().for_each(|v| *v = -*v);
    }
    let [years, months, days, hours, minutes, seconds, micros] = d;
    let time_micros = ((hours * 60 + minutes) * 60 + seconds) * 1_000_000 + micros;
    IntervalMonthDayNano::new(
        (years * 12 + months) as i32,
        days as i32,
        time_micros * 1_000,
    )
}

/// A timestamp column's value as wall time (microseconds; the argument was cast so).
fn wall(column: &ArrayRef, row: usize) -> Result<NaiveDateTime, SqlError> {
    let micros = column.as_primitive::<TimestampMicrosecondType>().value(row);
    chrono::DateTime::from_timestamp_micros(micros)
        .map(|t| t.naive_utc())
        .ok_or_else(|| SqlError::overflow("timestamp out of range"))
}

/// Evaluates `f` per row where no argument is NULL, into an array built by `out`.
fn rows<B: datafusion::arrow::array::ArrayBuilder>(
    args: &ScalarFunctionArgs,
    mut out: B,
    mut f: impl FnMut(&[ArrayRef], usize, &mut B) -> Result<()>,
    null: impl Fn(&mut B),
) -> Result<ColumnarValue> {
    let scalars = args
        .args
        .iter()
        .all(|a| matches!(a, ColumnarValue::Scalar(_)));
    let n = if scalars { 1 } else { args.number_rows };
    let columns = args
        .args
        .iter()
        .map(|a| a.to_array(n))
        .collect::<Result<Vec<_>>>()?;
    for row in 0..n {
        if columns.iter().any(|c| c.is_null(row)) {
            null(&mut out);
        } else {
            f(&columns, row, &mut out)?;
        }
    }
    let result = out.finish();
    if scalars {
        Ok(ColumnarValue::Scalar(ScalarValue::try_from_array(
            &result, 0,
        )?))
    } else {
        Ok(ColumnarValue::Array(result))
    }
}

#[derive(Debug, PartialEq, Eq, Hash)]
pub struct Age {
    signature: Signature,
}

pub fn age_udf() -> ScalarUDF {
    ScalarUDF::new_from_impl(Age {
        signature: Signature::user_defined(Volatility::Immutable),
    })
}

impl ScalarUDFImpl for Age {
    fn as_any(&self) -> &dyn Any {
        self
    }

    fn name(&self) -> &str {
        "age"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        let temporal = |t: &DataType| {
            matches!(
                t,
                DataType::Timestamp(..) | DataType::Date32 | DataType::Date64 | DataType::Null
            )
        };
        match arg_types {
            // Both as wall times in UTC, the session's zone.
            [a, b] if temporal(a) && temporal(b) => Ok(vec![MICROS, MICROS]),
            _ => plan_err!("function age({arg_types:?}) does not exist"),
        }
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(DataType::Interval(IntervalUnit::MonthDayNano))
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        rows(
            &args,
            IntervalMonthDayNanoBuilder::new(),
            |columns, row, out| {
                out.append_value(age(wall(&columns[0], row)?, wall(&columns[1], row)?));
                Ok(())
            },
            |out| out.append_null(),
        )
    }
}

/// `make_timestamp(year, month, day, hour, min, sec)`.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct MakeTimestamp {
    signature: Signature,
}

pub fn make_timestamp_udf() -> ScalarUDF {
    ScalarUDF::new_from_impl(MakeTimestamp {
        signature: Signature::user_defined(Volatility::Immutable),
    })
}

fn make_timestamp(parts: [i32; 5], seconds: f64) -> Result<i64, SqlError> {
    let [year, month, day, hour, minute] = parts;
    let out_of_range = |what: &str| {
        SqlError {
        sqlstate: "22008",
        message: format!("{what} field value out of range: {year}-{month:02}-{day:02} {hour:02}:{minute:02}:{seconds}"),
    }
    };
    // PostgreSQL: a negative year is BC, year 0 does not exist.
    let year = if year < 0 { year + 1 } else { year };
    if parts[0] == 0 {
        return Err(out_of_range("date"));
    }
    let date = u32::try_from(month)
        .ok()
        .zip(u32::try_from(day).ok())
        .and_then(|(m, d)| NaiveDate::from_ymd_opt(year, m, d))
        .ok_or_else(|| out_of_range("date"))?;
    // 24:00:00 is midnight of the next day, as PostgreSQL allows it.
    let end_of_day = hour == 24 && minute == 0 && seconds == 0.0;
    let valid_time = ((0..24).contains(&hour) || end_of_day)
        && (0..60).contains(&minute)
        && (0.0..60.0).contains(&seconds);
    if !valid_time {
        return Err(out_of_range("time"));
    }
    let midnight = date
        .and_hms_opt(0, 0, 0)
        .ok_or_else(|| out_of_range("date"))?
        .and_utc()
        .timestamp_micros();
    let micros = (f64::from(hour) * 3600.0 + f64::from(minute) * 60.0) * 1e6
        + (seconds * 1e6).round_ties_even();
    Ok(midnight + micros as i64)
}

impl ScalarUDFImpl for MakeTimestamp {
    fn as_any(&self) -> &dyn Any {
        self
    }

    fn name(&self) -> &str {
        "make_timestamp"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        match arg_types {
            [_, _, _, _, _, _] if arg_types.iter().all(|t| t.is_numeric() || t.is_null()) => {
                let mut types = vec![DataType::Int32; 5];
                types.push(DataType::Float64);
                Ok(types)
            }
            _ => plan_err!("function make_timestamp({arg_types:?}) does not exist"),
        }
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(MICROS)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        rows(
            &args,
            TimestampMicrosecondBuilder::new(),
            |columns, row, out| {
                let part = |i: usize| columns[i].as_primitive::<Int32Type>().value(row);
                let seconds = columns[5].as_primitive::<Float64Type>().value(row);
                out.append_value(make_timestamp(
                    [part(0), part(1), part(2), part(3), part(4)],
                    seconds,
                )?);
                Ok(())
            },
            |out| out.append_null(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(y: i32, mo: u32, d: u32, h: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(y, mo, d)
            .and_then(|d| d.and_hms_opt(h, 0, 0))
            .expect("valid")
    }

    #[test]
    fn age_is_symbolic_as_in_postgresql() {
        // 2 years 2 mons 5 days
        assert_eq!(
            age(at(2026, 3, 15, 0), at(2024, 1, 10, 0)),
            IntervalMonthDayNano::new(26, 5, 0)
        );
        // -2 years -2 mons -5 days
        assert_eq!(
            age(at(2024, 1, 10, 0), at(2026, 3, 15, 0)),
            IntervalMonthDayNano::new(-26, -5, 0)
        );
        // Borrowing a month takes the earlier argument's month: 2026-01-31 → 2026-03-01 is
        // 1 mon 1 day (January has 31 days).
        assert_eq!(
            age(at(2026, 3, 1, 0), at(2026, 1, 31, 0)),
            IntervalMonthDayNano::new(1, 1, 0)
        );
    }

    #[test]
    fn make_timestamp_checks_its_fields() {
        assert_eq!(
            make_timestamp([2026, 2, 3, 4, 5], 6.5),
            Ok(at(2026, 2, 3, 4).and_utc().timestamp_micros() + 306_500_000)
        );
        assert_eq!(
            make_timestamp([2026, 2, 30, 0, 0], 0.0).map_err(|e| e.sqlstate),
            Err("22008")
        );
    }
}
