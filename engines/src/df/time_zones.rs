//! PostgreSQL's `AT TIME ZONE` on DataFusion, as `timezone(zone, value)` (the transpiler
//! writes the operator as this call, PostgreSQL's own spelling of it):
//!
//! - a `timestamp` (a wall-clock time) read in `zone` is the `timestamptz` instant;
//! - a `timestamptz` (an instant) is the wall-clock `timestamp` in `zone`.
//!
//! DataFusion reads `AT TIME ZONE` as a cast that relabels the zone, which put
//! `ts AT TIME ZONE 'UTC' AT TIME ZONE 'Europe/Warsaw'` off by the zone's offset. A wall time
//! that a daylight-saving change skips or repeats is read as PostgreSQL reads it: the later
//! of the instants it could mean.

use std::any::Any;
use std::str::FromStr;
use std::sync::Arc;

use chrono::{DateTime, FixedOffset, NaiveDateTime, Offset, TimeZone, Utc};
use chrono_tz::Tz;
use datafusion::arrow::array::{Array, ArrayRef, AsArray, PrimitiveBuilder};
use datafusion::arrow::datatypes::{
    DataType, TimeUnit, TimestampMicrosecondType, TimestampMillisecondType,
    TimestampNanosecondType, TimestampSecondType,
};
use datafusion::common::{exec_err, plan_err, Result};
use datafusion::logical_expr::{
    ColumnarValue, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, Volatility,
};
use datafusion::scalar::ScalarValue;

use crate::sql_error::SqlError;

/// The zone DataFusion labels timestamptz values with (the session's time zone).
const UTC_LABEL: &str = "+00:00";

/// A time zone as PostgreSQL names them: an IANA name (any case), `UTC`, or a POSIX offset
/// such as `+02`, which PostgreSQL reads as west of Greenwich.
#[derive(Debug, Clone, Copy)]
enum Zone {
    Named(Tz),
    Fixed(FixedOffset),
}

impl Zone {
    fn parse(name: &str) -> Result<Self, SqlError> {
        let unknown =
            || SqlError::invalid_parameter(format!("time zone \"{name}\" not recognized"));
        let trimmed = name.trim();
        if let Some(offset) = posix_offset(trimmed) {
            return Ok(Zone::Fixed(offset));
        }
        Tz::from_str_insensitive(trimmed)
            .or_else(|_| Tz::from_str(trimmed))
            .map(Zone::Named)
            .map_err(|_| unknown())
    }

    /// The instant the wall time `local` names here.
    fn instant(self, local: NaiveDateTime) -> DateTime<Utc> {
        match self {
            Zone::Fixed(offset) => (local - offset.fix()).and_utc(),
            Zone::Named(tz) => match tz.from_local_datetime(&local) {
                chrono::LocalResult::Single(t) => t.with_timezone(&Utc),
                chrono::LocalResult::Ambiguous(_, later) => later.with_timezone(&Utc),
                // Skipped by a change forward: read with the offset before the change.
                chrono::LocalResult::None => {
                    let before = tz
                        .offset_from_utc_datetime(&(local - chrono::Duration::days(1)))
                        .fix();
                    (local - before).and_utc()
                }
            },
        }
    }

    /// The wall time of `instant` here.
    fn local(self, instant: DateTime<Utc>) -> NaiveDateTime {
        match self {
            Zone::Fixed(offset) => instant.with_timezone(&offset).naive_local(),
            Zone::Named(tz) => instant.with_timezone(&tz).naive_local(),
        }
    }
}

/// `+02`, `-5`, `+05:30`: POSIX offsets, hours west of Greenwich for a positive sign.
fn posix_offset(name: &str) -> Option<FixedOffset> {
    let (sign, rest) = match name.as_bytes().first()? {
        b'+' => (1, &name[1..]),
        b'-' => (-1, &name[1..]),
        _ => return None,
    };
    let (hours, minutes) = rest.split_once(':').unwrap_or((rest, "0"));
    if hours.is_empty() || !hours.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let (hours, minutes): (i32, i32) = (hours.parse().ok()?, minutes.parse().ok()?);
    // POSIX: `+02` is two hours west, UTC-02:00.
    FixedOffset::east_opt(-sign * (hours * 3600 + minutes * 60))
}

#[derive(Debug, PartialEq, Eq, Hash)]
pub struct AtTimeZone {
    signature: Signature,
}

pub fn timezone_udf() -> ScalarUDF {
    ScalarUDF::new_from_impl(AtTimeZone {
        signature: Signature::user_defined(Volatility::Immutable),
    })
}

impl ScalarUDFImpl for AtTimeZone {
    fn as_any(&self) -> &dyn Any {
        self
    }

    fn name(&self) -> &str {
        "timezone"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        match arg_types {
            [zone, ts @ DataType::Timestamp(..)] if is_text(zone) => {
                Ok(vec![DataType::Utf8, ts.clone()])
            }
            // A date is a timestamp at midnight, as PostgreSQL casts it.
            [zone, DataType::Date32 | DataType::Date64] if is_text(zone) => Ok(vec![
                DataType::Utf8,
                DataType::Timestamp(TimeUnit::Microsecond, None),
            ]),
            _ => plan_err!("timezone() takes a zone name and a timestamp, not {arg_types:?}"),
        }
    }

    fn return_type(&self, arg_types: &[DataType]) -> Result<DataType> {
        match arg_types {
            [_, DataType::Timestamp(unit, None)] => {
                Ok(DataType::Timestamp(*unit, Some(UTC_LABEL.into())))
            }
            [_, DataType::Timestamp(unit, Some(_))] => Ok(DataType::Timestamp(*unit, None)),
            _ => plan_err!("timezone() takes a zone name and a timestamp, not {arg_types:?}"),
        }
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let [zone, values] = args.args.as_slice() else {
            return exec_err!("timezone() takes two arguments");
        };
        let scalars = matches!(
            (zone, values),
            (ColumnarValue::Scalar(_), ColumnarValue::Scalar(_))
        );
        let rows = if scalars { 1 } else { args.number_rows };
        // The zone is nearly always one literal: parse it once.
        let constant_zone = match zone {
            ColumnarValue::Scalar(ScalarValue::Utf8(Some(name)))
            | ColumnarValue::Scalar(ScalarValue::Utf8View(Some(name)))
            | ColumnarValue::Scalar(ScalarValue::LargeUtf8(Some(name))) => Some(Zone::parse(name)?),
            _ => None,
        };
        let zones = zone.to_array(rows)?;
        let values = values.to_array(rows)?;
        let to_instant = matches!(values.data_type(), DataType::Timestamp(_, None));
        let result = match values.data_type() {
            DataType::Timestamp(TimeUnit::Second, _) => {
                convert::<TimestampSecondType>(&values, &zones, constant_zone, to_instant, 1)
            }
            DataType::Timestamp(TimeUnit::Millisecond, _) => convert::<TimestampMillisecondType>(
                &values,
                &zones,
                constant_zone,
                to_instant,
                1_000,
            ),
            DataType::Timestamp(TimeUnit::Microsecond, _) => convert::<TimestampMicrosecondType>(
                &values,
                &zones,
                constant_zone,
                to_instant,
                1_000_000,
            ),
            DataType::Timestamp(TimeUnit::Nanosecond, _) => convert::<TimestampNanosecondType>(
                &values,
                &zones,
                constant_zone,
                to_instant,
                1_000_000_000,
            ),
            other => return exec_err!("timezone() of {other}"),
        }?;
        // Relabel the zone of the result (instants are UTC, wall times have none).
        let result: ArrayRef =
            datafusion::arrow::compute::cast(result.as_ref(), args.return_type())?;
        if scalars {
            Ok(ColumnarValue::Scalar(ScalarValue::try_from_array(
                &result, 0,
            )?))
        } else {
            Ok(ColumnarValue::Array(result))
        }
    }
}

fn is_text(t: &DataType) -> bool {
    matches!(
        t,
        DataType::Utf8 | DataType::Utf8View | DataType::LargeUtf8 | DataType::Null
    )
}

/// Converts each value (`per_second` units a second) between wall time and instant.
fn convert<T>(
    values: &ArrayRef,
    zones: &ArrayRef,
    constant: Option<Zone>,
    to_instant: bool,
    per_second: i64,
) -> Result<ArrayRef>
where
    T: datafusion::arrow::datatypes::ArrowTimestampType,
{
    let values = values.as_primitive::<T>();
    let zones = datafusion::arrow::compute::cast(zones, &DataType::Utf8)?;
    let zones = zones.as_string::<i32>();
    let mut out = PrimitiveBuilder::<T>::with_capacity(values.len());
    for row in 0..values.len() {
        if values.is_null(row) || zones.is_null(row) {
            out.append_null();
            continue;
        }
        let zone = match constant {
            Some(zone) => zone,
            None => Zone::parse(zones.value(row))?,
        };
        let value = values.value(row);
        let (seconds, fraction) = (value.div_euclid(per_second), value.rem_euclid(per_second));
        let out_of_range = || SqlError::overflow("timestamp out of range");
        let at = DateTime::<Utc>::from_timestamp(seconds, 0).ok_or_else(out_of_range)?;
        let converted = if to_instant {
            zone.instant(at.naive_utc()).timestamp()
        } else {
            zone.local(at).and_utc().timestamp()
        };
        let converted = converted
            .checked_mul(per_second)
            .and_then(|v| v.checked_add(fraction))
            .ok_or_else(out_of_range)?;
        out.append_value(converted);
    }
    Ok(Arc::new(out.finish()))
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::*;

    fn wall(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(y, mo, d)
            .and_then(|d| d.and_hms_opt(h, mi, 0))
            .expect("valid")
    }

    fn zone(name: &str) -> Zone {
        Zone::parse(name).expect("known zone")
    }

    #[test]
    fn wall_times_read_in_a_zone_as_postgresql_reads_them() {
        // Checked against PostgreSQL 15.
        let warsaw = zone("europe/warsaw");
        assert_eq!(
            warsaw.instant(wall(2026, 1, 1, 1, 0)).naive_utc(),
            wall(2026, 1, 1, 0, 0)
        );
        // Skipped (clocks go forward at 02:00): the offset before.
        assert_eq!(
            warsaw.instant(wall(2026, 3, 29, 2, 30)).naive_utc(),
            wall(2026, 3, 29, 1, 30)
        );
        // Repeated (clocks go back at 03:00): the later instant.
        assert_eq!(
            warsaw.instant(wall(2026, 10, 25, 2, 30)).naive_utc(),
            wall(2026, 10, 25, 1, 30)
        );
        assert_eq!(
            zone("America/New_York")
                .instant(wall(2026, 3, 8, 2, 30))
                .naive_utc(),
            wall(2026, 3, 8, 7, 30)
        );
    }

    #[test]
    fn posix_offsets_are_west_of_greenwich() {
        assert_eq!(
            zone("+02").instant(wall(2026, 1, 1, 0, 0)).naive_utc(),
            wall(2026, 1, 1, 2, 0)
        );
        assert_eq!(
            zone("UTC").local(wall(2026, 1, 1, 0, 0).and_utc()),
            wall(2026, 1, 1, 0, 0)
        );
    }

    #[test]
    fn unknown_zones_are_22023() {
        let err = Zone::parse("Mars/Olympus").expect_err("no such zone");
        assert_eq!(err.sqlstate, "22023");
        assert_eq!(err.message, "time zone \"Mars/Olympus\" not recognized");
    }
}
