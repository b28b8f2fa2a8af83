//! PostgreSQL's interval arithmetic on DataFusion: `timestamp - timestamp` justified into
//! days (`1 day 03:00:00`, where DataFusion answers `27:00:00`), `interval * number` and
//! `interval / number` with PostgreSQL's cascade of fractional months into days and days
//! into time (which DataFusion does not plan at all), and `make_interval`.

use std::any::Any;
use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, AsArray, IntervalMonthDayNanoArray};
use datafusion::arrow::datatypes::{
    DataType, Float64Type, Int32Type, IntervalMonthDayNano, IntervalMonthDayNanoType, IntervalUnit,
    TimeUnit, TimestampMicrosecondType, TimestampMillisecondType, TimestampNanosecondType,
    TimestampSecondType,
};
use datafusion::common::{exec_err, plan_err, Result};
use datafusion::logical_expr::{
    ColumnarValue, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, Volatility,
};
use datafusion::scalar::ScalarValue;

use crate::sql_error::SqlError;

const INTERVAL: DataType = DataType::Interval(IntervalUnit::MonthDayNano);
const NANOS_PER_MICRO: i64 = 1_000;
const MICROS_PER_SECOND: f64 = 1e6;
const MICROS_PER_DAY: i64 = 86_400_000_000;
const SECONDS_PER_DAY: f64 = 86_400.0;
const DAYS_PER_MONTH: f64 = 30.0;

fn out_of_range() -> SqlError {
    SqlError {
        sqlstate: "22008",
        message: "interval out of range".to_owned(),
    }
}

/// An interval as PostgreSQL holds it: months, days, microseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct PgInterval {
    months: i32,
    days: i32,
    micros: i64,
}

impl PgInterval {
    fn from_arrow(i: IntervalMonthDayNano) -> Self {
        Self {
            months: i.months,
            days: i.days,
            micros: i.nanoseconds / NANOS_PER_MICRO,
        }
    }

    /// As Arrow holds it, in nanoseconds: a time part past ±292 years does not fit.
    fn to_arrow(self) -> Result<IntervalMonthDayNano, SqlError> {
        let nanos = self
            .micros
            .checked_mul(NANOS_PER_MICRO)
            .ok_or_else(out_of_range)?;
        Ok(IntervalMonthDayNano::new(self.months, self.days, nanos))
    }
}

/// PostgreSQL's TSROUND: to whole microseconds of the unit.
fn ts_round(x: f64) -> f64 {
    (x * MICROS_PER_SECOND).round_ties_even() / MICROS_PER_SECOND
}

fn to_i32(x: f64) -> Result<i32, SqlError> {
    if x.is_nan() || x > f64::from(i32::MAX) || x < f64::from(i32::MIN) {
        return Err(out_of_range());
    }
    // PostgreSQL's (int32) cast truncates.
    Ok(x as i32)
}

/// PostgreSQL's interval_mul and interval_div (timestamp.c): months and days scaled and
/// truncated, their fractions cascaded down to days and to time.
fn scale(span: PgInterval, factor: f64, divide: bool) -> Result<PgInterval, SqlError> {
    if divide && factor == 0.0 {
        return Err(SqlError::division_by_zero());
    }
    let apply = |x: f64| if divide { x / factor } else { x * factor };
    let months = to_i32(apply(f64::from(span.months)))?;
    let mut days = to_i32(apply(f64::from(span.days)))?;
    let month_remainder_days =
        ts_round((apply(f64::from(span.months)) - f64::from(months)) * DAYS_PER_MONTH);
    let mut sec_remainder = ts_round(
        (apply(f64::from(span.days)) - f64::from(days) + month_remainder_days
            - month_remainder_days.trunc())
            * SECONDS_PER_DAY,
    );
    if sec_remainder.abs() >= SECONDS_PER_DAY {
        let whole = (sec_remainder / SECONDS_PER_DAY).trunc();
        days = days.checked_add(to_i32(whole)?).ok_or_else(out_of_range)?;
        sec_remainder -= whole * SECONDS_PER_DAY;
    }
    days = days
        .checked_add(to_i32(month_remainder_days.trunc())?)
        .ok_or_else(out_of_range)?;
    let micros = (apply(span.micros as f64) + sec_remainder * MICROS_PER_SECOND).round_ties_even();
    if micros.is_nan() || micros >= i64::MAX as f64 || micros < i64::MIN as f64 {
        return Err(out_of_range());
    }
    Ok(PgInterval {
        months,
        days,
        micros: micros as i64,
    })
}

/// `interval * number` (the planner puts the interval first) or `interval / number`.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct ScaleInterval {
    divide: bool,
    signature: Signature,
}

fn scale_interval_udf(divide: bool) -> Arc<ScalarUDF> {
    Arc::new(ScalarUDF::new_from_impl(ScaleInterval {
        divide,
        signature: Signature::user_defined(Volatility::Immutable),
    }))
}

pub fn interval_multiply_udf() -> Arc<ScalarUDF> {
    scale_interval_udf(false)
}

pub fn interval_divide_udf() -> Arc<ScalarUDF> {
    scale_interval_udf(true)
}

impl ScalarUDFImpl for ScaleInterval {
    fn as_any(&self) -> &dyn Any {
        self
    }

    fn name(&self) -> &str {
        if self.divide {
            "pg_interval_divide"
        } else {
            "pg_interval_multiply"
        }
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        match arg_types {
            [DataType::Interval(_), f] if f.is_numeric() => Ok(vec![INTERVAL, DataType::Float64]),
            _ => plan_err!(
                "{} takes an interval and a number, not {arg_types:?}",
                self.name()
            ),
        }
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(INTERVAL)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let divide = self.divide;
        per_row(&args.args, args.number_rows, |columns, row| {
            let spans = columns[0].as_primitive::<IntervalMonthDayNanoType>();
            let factors = columns[1].as_primitive::<Float64Type>();
            let span = PgInterval::from_arrow(spans.value(row));
            Ok(scale(span, factors.value(row), divide)?.to_arrow()?)
        })
    }
}

/// A timestamp's microseconds since the epoch, whatever its unit.
fn micros(column: &ArrayRef, row: usize) -> Result<i64> {
    Ok(match column.data_type() {
        DataType::Timestamp(TimeUnit::Second, _) => column
            .as_primitive::<TimestampSecondType>()
            .value(row)
            .checked_mul(1_000_000)
            .ok_or_else(out_of_range)?,
        DataType::Timestamp(TimeUnit::Millisecond, _) => column
            .as_primitive::<TimestampMillisecondType>()
            .value(row)
            .checked_mul(1_000)
            .ok_or_else(out_of_range)?,
        DataType::Timestamp(TimeUnit::Microsecond, _) => {
            column.as_primitive::<TimestampMicrosecondType>().value(row)
        }
        DataType::Timestamp(TimeUnit::Nanosecond, _) => {
            column.as_primitive::<TimestampNanosecondType>().value(row) / NANOS_PER_MICRO
        }
        other => return exec_err!("not a timestamp: {other}"),
    })
}

/// PostgreSQL's `timestamp - timestamp`: the difference, whole days moved out of the time
/// (justify_hours).
fn timestamp_difference(later: i64, earlier: i64) -> Result<PgInterval, SqlError> {
    let micros = later.checked_sub(earlier).ok_or_else(out_of_range)?;
    Ok(PgInterval {
        months: 0,
        days: i32::try_from(micros / MICROS_PER_DAY).map_err(|_| out_of_range())?,
        micros: micros % MICROS_PER_DAY,
    })
}

#[derive(Debug, PartialEq, Eq, Hash)]
pub struct TimestampDifference {
    signature: Signature,
}

pub fn timestamp_difference_udf() -> Arc<ScalarUDF> {
    Arc::new(ScalarUDF::new_from_impl(TimestampDifference {
        signature: Signature::user_defined(Volatility::Immutable),
    }))
}

impl ScalarUDFImpl for TimestampDifference {
    fn as_any(&self) -> &dyn Any {
        self
    }

    fn name(&self) -> &str {
        "pg_timestamp_difference"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        match arg_types {
            // timestamptz - timestamp compares instants: the one without a zone is UTC.
            [DataType::Timestamp(lu, lz), DataType::Timestamp(ru, rz)]
                if lz.is_some() != rz.is_some() =>
            {
                let zone = lz.clone().or_else(|| rz.clone());
                Ok(vec![
                    DataType::Timestamp(*lu, zone.clone()),
                    DataType::Timestamp(*ru, zone),
                ])
            }
            [l @ DataType::Timestamp(..), r @ DataType::Timestamp(..)] => {
                Ok(vec![l.clone(), r.clone()])
            }
            // timestamp - date and date - timestamp: the date at midnight, as the other.
            [DataType::Date32, t @ DataType::Timestamp(..)]
            | [t @ DataType::Timestamp(..), DataType::Date32] => Ok(vec![t.clone(), t.clone()]),
            _ => plan_err!("pg_timestamp_difference takes two timestamps, not {arg_types:?}"),
        }
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(INTERVAL)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        per_row(&args.args, args.number_rows, |columns, row| {
            let (later, earlier) = (micros(&columns[0], row)?, micros(&columns[1], row)?);
            Ok(timestamp_difference(later, earlier)?.to_arrow()?)
        })
    }
}

/// `make_interval(years, months, weeks, days, hours, mins, secs)`, every argument optional
/// (the transpiler puts named arguments in place).
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct MakeInterval {
    signature: Signature,
}

pub fn make_interval_udf() -> ScalarUDF {
    ScalarUDF::new_from_impl(MakeInterval {
        signature: Signature::user_defined(Volatility::Immutable),
    })
}

/// Arguments of make_interval: six integers and the seconds.
const MAKE_INTERVAL_ARGUMENTS: usize = 7;

fn make_interval(parts: [i32; 6], seconds: f64) -> Result<PgInterval, SqlError> {
    let [years, months, weeks, days, hours, minutes] = parts.map(i64::from);
    let months = years
        .checked_mul(12)
        .and_then(|m| m.checked_add(months))
        .and_then(|m| i32::try_from(m).ok())
        .ok_or_else(out_of_range)?;
    let days = weeks
        .checked_mul(7)
        .and_then(|d| d.checked_add(days))
        .and_then(|d| i32::try_from(d).ok())
        .ok_or_else(out_of_range)?;
    let seconds_micros = (seconds * MICROS_PER_SECOND).round_ties_even();
    if seconds_micros.is_nan() || seconds_micros.abs() >= i64::MAX as f64 {
        return Err(out_of_range());
    }
    let micros = hours
        .checked_mul(3_600_000_000)
        .and_then(|h| h.checked_add(minutes.checked_mul(60_000_000)?))
        .and_then(|t| t.checked_add(seconds_micros as i64))
        .ok_or_else(out_of_range)?;
    Ok(PgInterval {
        months,
        days,
        micros,
    })
}

impl ScalarUDFImpl for MakeInterval {
    fn as_any(&self) -> &dyn Any {
        self
    }

    fn name(&self) -> &str {
        "make_interval"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        if arg_types.len() > MAKE_INTERVAL_ARGUMENTS {
            return plan_err!("make_interval takes at most {MAKE_INTERVAL_ARGUMENTS} arguments");
        }
        Ok((0..arg_types.len())
            .map(|i| {
                if i == MAKE_INTERVAL_ARGUMENTS - 1 {
                    DataType::Float64
                } else {
                    DataType::Int32
                }
            })
            .collect())
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(INTERVAL)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        if args.args.is_empty() {
            return Ok(ColumnarValue::Scalar(ScalarValue::IntervalMonthDayNano(
                Some(IntervalMonthDayNano::new(0, 0, 0)),
            )));
        }
        per_row(&args.args, args.number_rows, |columns, row| {
            let mut parts = [0i32; 6];
            for (part, column) in parts.iter_mut().zip(columns) {
                *part = column.as_primitive::<Int32Type>().value(row);
            }
            let seconds = columns
                .get(MAKE_INTERVAL_ARGUMENTS - 1)
                .map_or(0.0, |c| c.as_primitive::<Float64Type>().value(row));
            Ok(make_interval(parts, seconds)?.to_arrow()?)
        })
    }
}

/// Builds an interval column from `f` applied to each row where no argument is NULL (NULL
/// where one is); a scalar when every argument is one.
/// Which of PostgreSQL's `justify_*` functions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Justify {
    /// Whole days out of the time.
    Hours,
    /// Whole 30-day months out of the days.
    Days,
    /// Both, with the signs of the parts made to agree.
    Interval,
}

const DAYS_PER_MONTH_INT: i32 = 30;

/// Moves whole days out of the time (`TMODULO`: truncated toward zero).
fn time_into_days(mut span: PgInterval) -> Result<PgInterval, SqlError> {
    let whole_days = span.micros / MICROS_PER_DAY;
    span.micros -= whole_days * MICROS_PER_DAY;
    span.days = i32::try_from(whole_days)
        .ok()
        .and_then(|d| span.days.checked_add(d))
        .ok_or_else(out_of_range)?;
    Ok(span)
}

/// Moves whole days out of the time, then gives time and days one sign.
fn justify_hours(span: PgInterval) -> Result<PgInterval, SqlError> {
    Ok(agree_days_and_time(time_into_days(span)?))
}

fn agree_days_and_time(mut span: PgInterval) -> PgInterval {
    if span.days > 0 && span.micros < 0 {
        span.micros += MICROS_PER_DAY;
        span.days -= 1;
    } else if span.days < 0 && span.micros > 0 {
        span.micros -= MICROS_PER_DAY;
        span.days += 1;
    }
    span
}

/// Moves whole 30-day months out of the days.
fn days_into_months(mut span: PgInterval) -> Result<PgInterval, SqlError> {
    let whole_months = span.days / DAYS_PER_MONTH_INT;
    span.days -= whole_months * DAYS_PER_MONTH_INT;
    span.months = span
        .months
        .checked_add(whole_months)
        .ok_or_else(out_of_range)?;
    Ok(span)
}

fn justify_days(span: PgInterval) -> Result<PgInterval, SqlError> {
    let mut span = days_into_months(span)?;
    if span.months > 0 && span.days < 0 {
        span.days += DAYS_PER_MONTH_INT;
        span.months -= 1;
    } else if span.months < 0 && span.days > 0 {
        span.days -= DAYS_PER_MONTH_INT;
        span.months += 1;
    }
    Ok(span)
}

fn justify_interval(span: PgInterval) -> Result<PgInterval, SqlError> {
    let mut span = span;
    // Months first where days and time agree, so that adding the time's days cannot
    // overflow the days.
    if (span.days > 0 && span.micros > 0) || (span.days < 0 && span.micros < 0) {
        span = days_into_months(span)?;
    }
    span = days_into_months(time_into_days(span)?)?;
    if span.months > 0 && (span.days < 0 || (span.days == 0 && span.micros < 0)) {
        span.days += DAYS_PER_MONTH_INT;
        span.months -= 1;
    } else if span.months < 0 && (span.days > 0 || (span.days == 0 && span.micros > 0)) {
        span.days -= DAYS_PER_MONTH_INT;
        span.months += 1;
    }
    Ok(agree_days_and_time(span))
}

#[derive(Debug, PartialEq, Eq, Hash)]
struct JustifyUdf {
    which: Justify,
    signature: Signature,
}

pub fn justify_udf(which: Justify) -> ScalarUDF {
    ScalarUDF::new_from_impl(JustifyUdf {
        which,
        signature: Signature::exact(vec![INTERVAL], Volatility::Immutable),
    })
}

impl ScalarUDFImpl for JustifyUdf {
    fn as_any(&self) -> &dyn Any {
        self
    }

    fn name(&self) -> &str {
        match self.which {
            Justify::Hours => "justify_hours",
            Justify::Days => "justify_days",
            Justify::Interval => "justify_interval",
        }
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(INTERVAL)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        per_row(&args.args, args.number_rows, |columns, row| {
            let span = PgInterval::from_arrow(
                columns[0]
                    .as_primitive::<IntervalMonthDayNanoType>()
                    .value(row),
            );
            let justified = match self.which {
                Justify::Hours => justify_hours(span)?,
                Justify::Days => justify_days(span)?,
                Justify::Interval => justify_interval(span)?,
            };
            Ok(justified.to_arrow()?)
        })
    }
}

fn per_row(
    args: &[ColumnarValue],
    number_rows: usize,
    f: impl Fn(&[ArrayRef], usize) -> Result<IntervalMonthDayNano>,
) -> Result<ColumnarValue> {
    let scalars = args.iter().all(|a| matches!(a, ColumnarValue::Scalar(_)));
    let rows = if scalars { 1 } else { number_rows };
    let columns: Vec<ArrayRef> = args
        .iter()
        .map(|a| a.to_array(rows))
        .collect::<Result<_>>()?;
    let mut out = IntervalMonthDayNanoArray::builder(rows);
    for row in 0..rows {
        if columns.iter().any(|c| c.is_null(row)) {
            out.append_null();
        } else {
            out.append_value(f(&columns, row)?);
        }
    }
    let result: ArrayRef = Arc::new(out.finish());
    if scalars {
        Ok(ColumnarValue::Scalar(ScalarValue::try_from_array(
            &result, 0,
        )?))
    } else {
        Ok(ColumnarValue::Array(result))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn span(months: i32, days: i32, hours: i64) -> PgInterval {
        PgInterval {
            months,
            days,
            micros: hours * 3_600_000_000,
        }
    }

    #[test]
    fn justified_intervals_are_postgresqls() {
        assert_eq!(justify_hours(span(0, 0, 27)), Ok(span(0, 1, 3)));
        assert_eq!(justify_hours(span(0, 1, -1)), Ok(span(0, 0, 23)));
        assert_eq!(justify_hours(span(0, -1, 25)), Ok(span(0, 0, 1)));
        assert_eq!(justify_days(span(0, 35, 0)), Ok(span(1, 5, 0)));
        assert_eq!(justify_days(span(1, -1, 0)), Ok(span(0, 29, 0)));
        assert_eq!(justify_interval(span(1, 0, -1)), Ok(span(0, 29, 23)));
        assert_eq!(justify_interval(span(0, 29, 25)), Ok(span(1, 0, 1)));
        assert_eq!(justify_interval(span(-1, 0, 1)), Ok(span(0, -29, -23)));
    }

    fn interval(months: i32, days: i32, micros: i64) -> PgInterval {
        PgInterval {
            months,
            days,
            micros,
        }
    }

    const HOUR: i64 = 3_600_000_000;

    #[test]
    fn timestamp_differences_are_justified_into_days() {
        assert_eq!(
            timestamp_difference(27 * HOUR, 0).expect("fits"),
            interval(0, 1, 3 * HOUR)
        );
        assert_eq!(
            timestamp_difference(0, 27 * HOUR).expect("fits"),
            interval(0, -1, -3 * HOUR)
        );
        assert_eq!(
            timestamp_difference(12 * 24 * HOUR, 0).expect("fits"),
            interval(0, 12, 0)
        );
    }

    #[test]
    fn scaling_cascades_fractions_down() {
        // interval '1 month' * 1.5 = 1 mon 15 days
        assert_eq!(
            scale(interval(1, 0, 0), 1.5, false).expect("fits"),
            interval(1, 15, 0)
        );
        // interval '1 day' / 4 = 06:00:00
        assert_eq!(
            scale(interval(0, 1, 0), 4.0, true).expect("fits"),
            interval(0, 0, 6 * HOUR)
        );
        // 2 * interval '1 hour'
        assert_eq!(
            scale(interval(0, 0, HOUR), 2.0, false).expect("fits"),
            interval(0, 0, 2 * HOUR)
        );
        assert_eq!(
            scale(interval(0, 0, HOUR), 0.0, true),
            Err(SqlError::division_by_zero())
        );
    }

    #[test]
    fn make_interval_adds_its_parts() {
        assert_eq!(
            make_interval([1, 2, 1, 3, 4, 5], 6.5).expect("fits"),
            interval(14, 10, 4 * HOUR + 5 * 60_000_000 + 6_500_000)
        );
    }
}
