//! Bound parameters (`$1`..) as DuckDB values.

use std::collections::HashMap;
use std::ops::ControlFlow;

use datafusion::arrow::array::Array as _;
use datafusion::scalar::ScalarValue;
use duckdb::types::TimeUnit;
use junction_transpiler::parameter_number;
use sqlparser::ast::{visit_expressions_mut, Array, Expr, Statement, Value};

use crate::{EngineError, Result};

/// `value` as the DuckDB value of the same type.
pub fn to_duckdb(value: &ScalarValue) -> Result<duckdb::types::Value> {
    use duckdb::types::Value;
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

/// `statement` and `parameters` as DuckDB can take them. Its client API binds no list
/// (asyncpg's and psycopg's `= any($1)` with a Python list), so a list parameter goes into the
/// statement as an `ARRAY[...]` of its values' literals, and the parameters after it are
/// renumbered. `None` when there is no list parameter.
pub fn inline_lists(
    statement: &Statement,
    parameters: &[ScalarValue],
) -> Result<Option<(Statement, Vec<ScalarValue>)>> {
    if !parameters
        .iter()
        .any(|p| matches!(p, ScalarValue::List(_)) && !p.is_null())
    {
        return Ok(None);
    }
    // Old number (1-based) → the array literal or the new number.
    let mut arrays = HashMap::new();
    let mut kept = Vec::new();
    let mut numbers = HashMap::new();
    for (i, value) in parameters.iter().enumerate() {
        match value {
            ScalarValue::List(list) if !value.is_null() => {
                let values = list.value(0);
                let elements = (0..values.len())
                    .map(|j| ScalarValue::try_from_array(&values, j).map_err(EngineError::from))
                    .map(|element| element.and_then(|e| literal(&e, value)))
                    .collect::<Result<Vec<_>>>()?;
                let array = Expr::Array(Array {
                    elem: elements,
                    named: true,
                });
                arrays.insert(i + 1, array);
            }
            _ => {
                kept.push(value.clone());
                numbers.insert(i + 1, kept.len());
            }
        }
    }
    let mut statement = statement.clone();
    let _ = visit_expressions_mut(&mut statement, |expr| {
        if let Some(n) = parameter_number(expr) {
            if let Some(array) = arrays.get(&n) {
                *expr = array.clone();
            } else if let Some(new) = numbers.get(&n) {
                *expr = Expr::value(Value::Placeholder(format!("${new}")));
            }
        }
        ControlFlow::<()>::Continue(())
    });
    Ok(Some((statement, kept)))
}

/// The SQL literal of one element of the list parameter `list`.
fn literal(element: &ScalarValue, list: &ScalarValue) -> Result<Expr> {
    if element.is_null() {
        return Ok(Expr::value(Value::Null));
    }
    let number = |text: String| Ok(Expr::value(Value::Number(text, false)));
    match element {
        ScalarValue::Boolean(Some(v)) => Ok(Expr::value(Value::Boolean(*v))),
        ScalarValue::Int8(Some(v)) => number(v.to_string()),
        ScalarValue::Int16(Some(v)) => number(v.to_string()),
        ScalarValue::Int32(Some(v)) => number(v.to_string()),
        ScalarValue::Int64(Some(v)) => number(v.to_string()),
        ScalarValue::Float32(Some(v)) if v.is_finite() => number(v.to_string()),
        ScalarValue::Float64(Some(v)) if v.is_finite() => number(v.to_string()),
        ScalarValue::Utf8(Some(v))
        | ScalarValue::LargeUtf8(Some(v))
        | ScalarValue::Utf8View(Some(v)) => Ok(Expr::value(Value::SingleQuotedString(v.clone()))),
        _ => Err(EngineError::Unsupported(format!(
            "duckdb does not support parameters of type {}",
            list.data_type()
        ))),
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use datafusion::arrow::array::{ListArray, StringArray};
    use datafusion::arrow::buffer::OffsetBuffer;
    use datafusion::arrow::datatypes::{DataType, Field};

    use super::*;

    fn list(values: &[Option<&str>]) -> ScalarValue {
        let field = Arc::new(Field::new_list_field(DataType::Utf8, true));
        let array = ListArray::new(
            field,
            OffsetBuffer::from_lengths([values.len()]),
            Arc::new(StringArray::from(values.to_vec())),
            None,
        );
        ScalarValue::List(Arc::new(array))
    }

    #[test]
    fn a_list_parameter_becomes_an_array_and_the_rest_are_renumbered() {
        let statement = junction_transpiler::parse(
            "SELECT * FROM t WHERE a = $1 AND ward = ANY($2::TEXT[]) AND b = $3 AND c = $1",
        )
        .expect("valid")
        .remove(0);
        let parameters = [
            ScalarValue::Int32(Some(4)),
            list(&[Some("ICU"), Some("it's"), None]),
            ScalarValue::Utf8(Some("x".to_owned())),
        ];
        let (inlined, kept) = inline_lists(&statement, &parameters)
            .expect("inlines")
            .expect("a list");
        assert_eq!(
            inlined.to_string(),
            "SELECT * FROM t WHERE a = $1 AND ward = ANY(ARRAY['ICU', 'it''s', NULL]::TEXT[]) \
             AND b = $2 AND c = $1"
        );
        assert_eq!(kept, vec![parameters[0].clone(), parameters[2].clone()]);
    }

    #[test]
    fn without_a_list_nothing_changes() {
        let statement = junction_transpiler::parse("SELECT $1")
            .expect("valid")
            .remove(0);
        assert!(inline_lists(&statement, &[ScalarValue::Int32(Some(1))])
            .expect("no error")
            .is_none());
    }
}
