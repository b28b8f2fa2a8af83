//! DataFusion reads a `timestamptz` as a wall-clock time in UTC (its session zone is fixed at
//! `+00:00`); PostgreSQL reads it in the session's `TimeZone`. In a session whose zone is not
//! UTC, a statement whose plan does so anywhere is refused (0A000), and `auto` runs it on
//! DuckDB, which takes the session's zone.
//!
//! The check reads the analyzed plan, where DataFusion's type coercion has made every
//! implicit conversion an explicit cast and every expression has its real type: a column of
//! a CTE or a `VALUES` list is as well known as a table's.

use arrow::datatypes::{DataType, IntervalUnit};
use datafusion::common::tree_node::{TreeNode, TreeNodeRecursion};

use super::plan_expressions::input_schema;
use datafusion::common::DFSchema;
use datafusion::execution::session_state::SessionState;
use datafusion::logical_expr::expr::{AggregateFunction, Cast, ScalarFunction, TryCast};
use datafusion::logical_expr::{BinaryExpr, Expr, ExprSchemable, LogicalPlan, Operator};
use datafusion::scalar::ScalarValue;

use crate::{EngineError, Result};

/// Functions that take a timestamptz without reading it in a zone: they keep the instant,
/// compare instants, or read it in a zone they are given.
const ZONE_FREE_FUNCTIONS: &[&str] = &[
    "timezone",
    "coalesce",
    "nullif",
    "greatest",
    "least",
    "make_array",
    "to_unixtime",
];

/// Aggregates and window functions that keep or compare instants.
const ZONE_FREE_AGGREGATES: &[&str] = &[
    "min",
    "max",
    "count",
    "first_value",
    "last_value",
    "nth_value",
    "array_agg",
    "lag",
    "lead",
];

/// Refuses `plan` when it reads a timestamptz as a wall-clock time and `zone`, the session's,
/// is not UTC.
pub fn refuse(state: &SessionState, plan: &LogicalPlan, zone: &str) -> Result<()> {
    let analyzed =
        state
            .analyzer()
            .execute_and_check(plan.clone(), state.config_options(), |_, _| {})?;
    let mut found: Option<String> = None;
    analyzed.apply_with_subqueries(|node| {
        let schema = input_schema(node);
        node.apply_expressions(|expr| {
            expr.apply(|e| {
                found = wall_clock_reading(e, &schema);
                Ok(match found {
                    Some(_) => TreeNodeRecursion::Stop,
                    None => TreeNodeRecursion::Continue,
                })
            })
        })
    })?;
    match found {
        Some(what) => Err(EngineError::UnsupportedInSession(format!(
            "{what} in the session's time zone ({zone}) is not supported by datafusion, \
             which computes it in UTC"
        ))),
        None => Ok(()),
    }
}

/// What of `expr` reads a timestamptz as a wall-clock time, if anything.
fn wall_clock_reading(expr: &Expr, schema: &DFSchema) -> Option<String> {
    let type_of = |e: &Expr| e.get_type(schema).ok();
    let zoned = |e: &Expr| matches!(type_of(e), Some(DataType::Timestamp(_, Some(_))));
    match expr {
        Expr::Cast(Cast {
            expr: from,
            data_type,
        })
        | Expr::TryCast(TryCast {
            expr: from,
            data_type,
        }) => {
            let from_type = type_of(from)?;
            match (&from_type, data_type) {
                (DataType::Timestamp(_, Some(_)), DataType::Timestamp(_, Some(_))) => None,
                // A NULL is the same in every zone.
                (DataType::Null, _) => None,
                (DataType::Timestamp(_, Some(_)), to) => {
                    Some(format!("a timestamptz cast to {}", pg_name(to).1))
                }
                (_, DataType::Timestamp(_, Some(_))) if !is_text_with_offset(from) => {
                    let (article, name) = pg_name(&from_type);
                    Some(format!("{article}{name} cast to timestamptz"))
                }
                _ => None,
            }
        }
        Expr::ScalarFunction(ScalarFunction { func, args }) => {
            let name = func.name().to_ascii_lowercase();
            // An array's text prints its timestamptz elements as a cast to text would.
            let printed_array = |e: &Expr| {
                name == junction_transpiler::ARRAY_TEXT
                    && type_of(e).as_ref().is_some_and(has_zoned_elements)
            };
            if ZONE_FREE_FUNCTIONS.contains(&name.as_str())
                || !args.iter().any(|a| zoned(a) || printed_array(a))
            {
                return None;
            }
            let epoch = name == "date_part"
                && matches!(args.first(), Some(Expr::Literal(ScalarValue::Utf8(Some(part)), _))
                    if part.eq_ignore_ascii_case("epoch"));
            // junction's own functions (`junction_timestamp_text`, ...) are operators or
            // casts to the client.
            if name == junction_transpiler::TIMESTAMP_TEXT {
                return Some("a timestamptz as text".to_owned());
            }
            let what = match name.starts_with("junction_") || name.starts_with("pg_") {
                true => "an operation".to_owned(),
                false => format!("{name}()"),
            };
            (!epoch).then(|| format!("{what} on a timestamptz"))
        }
        Expr::AggregateFunction(AggregateFunction { func, params }) => {
            let name = func.name().to_ascii_lowercase();
            (!ZONE_FREE_AGGREGATES.contains(&name.as_str()) && params.args.iter().any(zoned))
                .then(|| format!("{name}() of a timestamptz"))
        }
        Expr::BinaryExpr(BinaryExpr { left, op, right }) => {
            let calendar = |instant: &Expr, interval: &Expr| {
                zoned(instant)
                    && matches!(type_of(interval), Some(DataType::Interval(_)))
                    && !is_clock_interval(interval)
            };
            match op {
                Operator::Plus | Operator::Minus
                    if calendar(left, right) || calendar(right, left) =>
                {
                    Some("calendar arithmetic on a timestamptz".to_owned())
                }
                Operator::StringConcat if zoned(left) || zoned(right) => {
                    Some("a timestamptz as text".to_owned())
                }
                _ => None,
            }
        }
        _ => None,
    }
}

/// Whether `data_type` is an array (of arrays) of timestamptz.
fn has_zoned_elements(data_type: &DataType) -> bool {
    match data_type {
        DataType::List(field) | DataType::LargeList(field) | DataType::FixedSizeList(field, _) => {
            matches!(field.data_type(), DataType::Timestamp(_, Some(_)))
                || has_zoned_elements(field.data_type())
        }
        _ => false,
    }
}

/// PostgreSQL's name of a type a timestamptz meets, and the article a value of it takes.
fn pg_name(data_type: &DataType) -> (&'static str, &'static str) {
    match data_type {
        DataType::Date32 | DataType::Date64 => ("a ", "date"),
        DataType::Timestamp(_, None) => ("a ", "timestamp"),
        DataType::Time32(_) | DataType::Time64(_) => ("a ", "time"),
        DataType::Utf8 | DataType::Utf8View | DataType::LargeUtf8 => ("", "text"),
        _ => ("a ", "value of another type"),
    }
}

/// A text literal that names its offset or zone: the same instant in every session.
fn is_text_with_offset(expr: &Expr) -> bool {
    match expr {
        Expr::Literal(
            ScalarValue::Utf8(Some(text))
            | ScalarValue::Utf8View(Some(text))
            | ScalarValue::LargeUtf8(Some(text)),
            _,
        ) => junction_transpiler::text_has_offset(text),
        _ => false,
    }
}

/// An interval literal of whole units of time only (no months, no days): it moves an
/// instant the same in every zone.
fn is_clock_interval(expr: &Expr) -> bool {
    match expr {
        Expr::Literal(ScalarValue::IntervalMonthDayNano(Some(interval)), _) => {
            interval.months == 0 && interval.days == 0
        }
        Expr::Literal(ScalarValue::IntervalDayTime(Some(interval)), _) => interval.days == 0,
        Expr::Cast(Cast { expr, data_type }) => {
            matches!(data_type, DataType::Interval(IntervalUnit::MonthDayNano))
                && is_clock_interval(expr)
        }
        _ => false,
    }
}
