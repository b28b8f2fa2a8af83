//! Bound parameters (`$1`..) on Trino: written into the statement as constants of their
//! types, which the Trino rendering then reads as any cast constant the user wrote.
//!
//! Describing such a statement asks Trino for its columns with each parameter as NULL, which
//! is only faithful where a parameter cannot reach a result column: statements with one in
//! a select list or VALUES are refused (0A000), so `auto` runs them in process.

use std::ops::ControlFlow;

use chrono::{DateTime, Datelike, NaiveDate};
use datafusion::scalar::ScalarValue;
use junction_transpiler::parameter_number;
use sqlparser::ast::{
    visit_expressions, visit_expressions_mut, CastKind, DataType, ExactNumberInfo, Expr,
    LimitClause, Query, SetExpr, Statement, TimezoneInfo, Value, Visit, VisitMut, Visitor,
    VisitorMut,
};

use crate::{EngineError, Result};

/// Refuses a statement whose parameters could reach a result column's type.
pub fn check_placement(statement: &Statement) -> Result<()> {
    let mut finder = InResults(false);
    let _ = Visit::visit(statement, &mut finder);
    if finder.0 {
        return Err(EngineError::Unsupported(
            "trino does not take parameters in a select list or VALUES yet".to_owned(),
        ));
    }
    Ok(())
}

/// `statement` with each parameter written as `values[n - 1]`, or as NULL where `values` is
/// empty (to describe it). Trino takes only a number after LIMIT and OFFSET: a parameter
/// there is written as one (0 to describe).
pub fn bind(statement: &Statement, values: &[ScalarValue]) -> Result<Statement> {
    let mut bound = statement.clone();
    let mut counts = Counts {
        values,
        failed: None,
    };
    let _ = VisitMut::visit(&mut bound, &mut counts);
    if let Some(e) = counts.failed {
        return Err(e);
    }
    let mut failed = None;
    let _ = visit_expressions_mut(&mut bound, |expr| {
        let Some(number) = parameter_number(expr) else {
            return ControlFlow::Continue(());
        };
        let written = match (values, number.checked_sub(1).and_then(|i| values.get(i))) {
            ([], _) => Ok(Expr::value(Value::Null)),
            (_, Some(value)) => constant(value),
            (_, None) => Err(EngineError::Unsupported(format!(
                "there is no parameter ${number}"
            ))),
        };
        match written {
            Ok(written) => {
                *expr = written;
                ControlFlow::Continue(())
            }
            Err(e) => {
                failed = Some(e);
                ControlFlow::Break(())
            }
        }
    });
    match failed {
        Some(e) => Err(e),
        None => Ok(bound),
    }
}

/// Writes the parameters of LIMIT and OFFSET as numbers.
struct Counts<'a> {
    values: &'a [ScalarValue],
    failed: Option<EngineError>,
}

impl Counts<'_> {
    fn write(&mut self, expr: &mut Expr) {
        let Some(number) = parameter_number(expr) else {
            return;
        };
        let written = match number.checked_sub(1).and_then(|i| self.values.get(i)) {
            _ if self.values.is_empty() => Ok(count(0)),
            Some(value) => count_of(number, value),
            None => Err(EngineError::Unsupported(format!(
                "there is no parameter ${number}"
            ))),
        };
        match written {
            Ok(written) => *expr = written,
            Err(e) => self.failed = Some(e),
        }
    }
}

impl VisitorMut for Counts<'_> {
    type Break = ();

    fn pre_visit_query(&mut self, query: &mut Query) -> ControlFlow<()> {
        match &mut query.limit_clause {
            Some(LimitClause::LimitOffset { limit, offset, .. }) => {
                if let Some(limit) = limit {
                    self.write(limit);
                }
                if let Some(offset) = offset {
                    self.write(&mut offset.value);
                }
            }
            Some(LimitClause::OffsetCommaLimit { offset, limit }) => {
                self.write(offset);
                self.write(limit);
            }
            None => {}
        }
        ControlFlow::Continue(())
    }
}

fn count(n: i64) -> Expr {
    Expr::value(Value::Number(n.to_string(), false))
}

/// The LIMIT or OFFSET count parameter `$number` gives, as the number Trino takes there.
fn count_of(number: usize, value: &ScalarValue) -> Result<Expr> {
    let n = match value {
        ScalarValue::Int64(Some(n)) => Some(*n),
        ScalarValue::Int32(Some(n)) => Some(i64::from(*n)),
        ScalarValue::Int16(Some(n)) => Some(i64::from(*n)),
        // An engine that could not type the parameter leaves it text.
        ScalarValue::Utf8(Some(n)) => n.trim().parse().ok(),
        _ => None,
    };
    n.filter(|n| *n >= 0).map(count).ok_or_else(|| {
        EngineError::Unsupported(format!(
            "trino takes only a count that is not negative after LIMIT or OFFSET (${number})"
        ))
    })
}

/// Finds a parameter in a select list or a VALUES row.
struct InResults(bool);

impl Visitor for InResults {
    type Break = ();

    fn pre_visit_query(&mut self, query: &Query) -> ControlFlow<()> {
        if in_results(&query.body) {
            self.0 = true;
            return ControlFlow::Break(());
        }
        ControlFlow::Continue(())
    }
}

fn in_results(body: &SetExpr) -> bool {
    match body {
        SetExpr::Select(select) => select.projection.iter().any(holds_parameter),
        SetExpr::Values(values) => values.rows.iter().flatten().any(holds_parameter),
        SetExpr::SetOperation { left, right, .. } => in_results(left) || in_results(right),
        _ => false,
    }
}

fn holds_parameter<T: Visit>(node: &T) -> bool {
    visit_expressions(node, |e| match parameter_number(e) {
        Some(_) => ControlFlow::Break(()),
        None => ControlFlow::Continue(()),
    })
    .is_break()
}

fn cast(expr: Expr, data_type: DataType) -> Expr {
    Expr::Cast {
        kind: CastKind::Cast,
        expr: Box::new(expr),
        data_type,
        array: false,
        format: None,
    }
}

fn text(value: String) -> Expr {
    Expr::value(Value::SingleQuotedString(value))
}

/// `value` as a constant of PostgreSQL's type for it: its text (or number) cast to
/// [`sql_type`].
fn constant(value: &ScalarValue) -> Result<Expr> {
    let unsupported = || {
        EngineError::Unsupported(format!(
            "trino does not take parameters of type {} yet",
            value.data_type()
        ))
    };
    let data_type = sql_type(value).ok_or_else(unsupported)?;
    let number = |n: String| Expr::value(Value::Number(n, false));
    let float = |v: f64| match v {
        v if v.is_nan() => "NaN".to_owned(),
        v if v == f64::INFINITY => "Infinity".to_owned(),
        v if v == f64::NEG_INFINITY => "-Infinity".to_owned(),
        v => v.to_string(),
    };
    let written = match value {
        value if value.is_null() => Expr::value(Value::Null),
        ScalarValue::Boolean(Some(v)) => Expr::value(Value::Boolean(*v)),
        ScalarValue::Int16(Some(v)) => number(v.to_string()),
        ScalarValue::Int32(Some(v)) => number(v.to_string()),
        ScalarValue::Int64(Some(v)) => number(v.to_string()),
        ScalarValue::Float32(Some(v)) => text(float(f64::from(*v))),
        ScalarValue::Float64(Some(v)) => text(float(*v)),
        ScalarValue::Utf8(Some(v))
        | ScalarValue::LargeUtf8(Some(v))
        | ScalarValue::Utf8View(Some(v)) => text(v.clone()),
        ScalarValue::Date32(Some(days)) => {
            let date = NaiveDate::from_epoch_days(*days)
                .filter(|d| (1..=9999).contains(&d.year()))
                .ok_or_else(unsupported)?;
            text(date.format("%Y-%m-%d").to_string())
        }
        ScalarValue::TimestampMicrosecond(Some(micros), zone) => {
            let at = DateTime::from_timestamp_micros(*micros).ok_or_else(unsupported)?;
            let written = at.naive_utc().format("%Y-%m-%d %H:%M:%S%.6f");
            match zone {
                None => text(written.to_string()),
                Some(_) => text(format!("{written} UTC")),
            }
        }
        ScalarValue::Decimal128(Some(_), _, _) => text(value.to_string()),
        _ => return Err(unsupported()),
    };
    Ok(cast(written, data_type))
}

/// PostgreSQL's type for `value`'s type; `None` for those not taken yet.
fn sql_type(value: &ScalarValue) -> Option<DataType> {
    Some(match value {
        ScalarValue::Null
        | ScalarValue::Utf8(_)
        | ScalarValue::LargeUtf8(_)
        | ScalarValue::Utf8View(_) => DataType::Text,
        ScalarValue::Boolean(_) => DataType::Boolean,
        ScalarValue::Int16(_) => DataType::SmallInt(None),
        ScalarValue::Int32(_) => DataType::Integer(None),
        ScalarValue::Int64(_) => DataType::BigInt(None),
        ScalarValue::Float32(_) => DataType::Real,
        ScalarValue::Float64(_) => DataType::DoublePrecision,
        ScalarValue::Date32(_) => DataType::Date,
        ScalarValue::TimestampMicrosecond(_, None) => DataType::Timestamp(None, TimezoneInfo::None),
        ScalarValue::TimestampMicrosecond(_, Some(_)) => {
            DataType::Timestamp(None, TimezoneInfo::WithTimeZone)
        }
        ScalarValue::Decimal128(_, precision, scale) if *scale >= 0 => DataType::Numeric(
            ExactNumberInfo::PrecisionAndScale(u64::from(*precision), i64::from(*scale)),
        ),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use sqlparser::dialect::PostgreSqlDialect;
    use sqlparser::parser::Parser;

    use super::*;

    fn parse(sql: &str) -> Statement {
        Parser::parse_sql(&PostgreSqlDialect {}, sql)
            .expect("parses")
            .remove(0)
    }

    #[test]
    fn parameters_become_constants_of_their_types() {
        let statement = parse(
            "SELECT a FROM t WHERE b > $2 AND c = $1 AND d < $3 AND e = $4 AND f = $5 LIMIT $2",
        );
        let bound = bind(
            &statement,
            &[
                ScalarValue::Utf8(Some("it's".to_owned())),
                ScalarValue::Int64(Some(7)),
                ScalarValue::Date32(Some(20456)),
                ScalarValue::TimestampMicrosecond(Some(1_767_225_600_123_456), None),
                ScalarValue::Float64(None),
            ],
        )
        .expect("binds");
        assert_eq!(
            bound.to_string(),
            "SELECT a FROM t WHERE b > CAST(7 AS BIGINT) AND c = CAST('it''s' AS TEXT) \
             AND d < CAST('2026-01-03' AS DATE) \
             AND e = CAST('2026-01-01 00:00:00.123456' AS TIMESTAMP) \
             AND f = CAST(NULL AS DOUBLE PRECISION) LIMIT 7"
        );
        let described = bind(&statement, &[]).expect("describes");
        assert_eq!(junction_transpiler::highest_parameter(&statement), 5);
        assert_eq!(junction_transpiler::highest_parameter(&described), 0);
        assert!(described.to_string().ends_with("LIMIT 0"), "{described}");
        assert!(bind(&statement, &[ScalarValue::Int32(Some(1))]).is_err());
    }

    #[test]
    fn parameters_that_may_reach_a_result_column_are_refused() {
        for sql in [
            "SELECT $1 FROM t",
            "SELECT a + $1 AS b FROM t",
            "SELECT * FROM (SELECT $1 AS x) s",
            "VALUES ($1)",
            "SELECT a FROM t UNION SELECT $1",
        ] {
            assert!(check_placement(&parse(sql)).is_err(), "{sql}");
        }
        for sql in [
            "SELECT a FROM t WHERE b = $1 LIMIT $2",
            "SELECT a, count(*) FROM t JOIN u ON u.x = $1 GROUP BY a HAVING count(*) > $2",
            "SELECT a FROM t WHERE b IN (SELECT c FROM u WHERE d = $1)",
        ] {
            assert!(check_placement(&parse(sql)).is_ok(), "{sql}");
        }
    }
}
