//! Bound parameters (`$1`..) as DuckDB values.

use datafusion::scalar::ScalarValue;
use duckdb::types::{TimeUnit, Value};

use crate::{EngineError, Result};

/// `value` as the DuckDB value of the same type.
pub fn to_duckdb(value: &ScalarValue) -> Result<Value> {
    if value.is_null() {
        return Ok(Value::Null);
    }
    Ok(match value {
        ScalarValue::Boolean(Some(v)) => Value::Boolean(*v),
        ScalarValue::Int8(Some(v)) => Value::TinyInt(*v),
        ScalarValue::Int16(Some(v)) => Value::SmallInt(*v),
        ScalarValue::Int32(Some(v)) => Value::Int(*v),
        ScalarValue::Int64(Some(v)) => Value::BigInt(*v),
        ScalarValue::UInt8(Some(v)) => Value::UTinyInt(*v),
        ScalarValue::UInt16(Some(v)) => Value::USmallInt(*v),
        ScalarValue::UInt32(Some(v)) => Value::UInt(*v),
        ScalarValue::UInt64(Some(v)) => Value::UBigInt(*v),
        ScalarValue::Float32(Some(v)) => Value::Float(*v),
        ScalarValue::Float64(Some(v)) => Value::Double(*v),
        ScalarValue::Utf8(Some(v))
        | ScalarValue::LargeUtf8(Some(v))
        | ScalarValue::Utf8View(Some(v)) => Value::Text(v.clone()),
        ScalarValue::Binary(Some(v))
        | ScalarValue::LargeBinary(Some(v))
        | ScalarValue::BinaryView(Some(v)) => Value::Blob(v.clone()),
        ScalarValue::Date32(Some(v)) => Value::Date32(*v),
        ScalarValue::TimestampSecond(Some(v), _) => Value::Timestamp(TimeUnit::Second, *v),
        ScalarValue::TimestampMillisecond(Some(v), _) => {
            Value::Timestamp(TimeUnit::Millisecond, *v)
        }
        ScalarValue::TimestampMicrosecond(Some(v), _) => {
            Value::Timestamp(TimeUnit::Microsecond, *v)
        }
        ScalarValue::TimestampNanosecond(Some(v), _) => Value::Timestamp(TimeUnit::Nanosecond, *v),
        ScalarValue::Decimal128(Some(v), precision, scale) if *scale >= 0 => {
            let decimal = duckdb::types::Decimal::new(*precision, *scale as u8, *v)
                .map_err(|e| EngineError::Unsupported(format!("duckdb: parameter {value}: {e}")))?;
            Value::Decimal(decimal)
        }
        ScalarValue::IntervalMonthDayNano(Some(v)) => Value::Interval {
            months: v.months,
            days: v.days,
            nanos: v.nanoseconds,
        },
        other => {
            return Err(EngineError::Unsupported(format!(
                "duckdb does not support parameters of type {}",
                other.data_type()
            )))
        }
    })
}
