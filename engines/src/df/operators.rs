//! PostgreSQL's meaning of the arithmetic operators, chosen while DataFusion plans a binary
//! expression: there the operand types are known exactly (the transpiler's types are a
//! guess from the catalog), so an operator whose DataFusion meaning differs from
//! PostgreSQL's becomes a call of a function that has PostgreSQL's.
//!
//! | operands | PostgreSQL | DataFusion |
//! |---|---|---|
//! | integer `+ - *` | 22003 on overflow | wraps around |
//! | float `+ - * /` | 22012 dividing by zero, 22003 on overflow | Infinity, NaN |
//! | numeric `/` | exact | four more digits than the dividend, truncated |
//! | numeric `*` past 38 digits of scale | exact | not planned |
//! | timestamp `-` timestamp | interval with days (`1 day 03:00:00`) | hours only (`27:00:00`) |
//! | interval `*` `/` number | interval | not planned |
//! | date `±` integer | 22008 past 5874897 AD | overflows |
//! | jsonb `?` text | key, array string or scalar string | object keys only |

use std::sync::Arc;

use datafusion::arrow::datatypes::DataType;
use datafusion::common::{DFSchema, Result};
use datafusion::logical_expr::expr::ScalarFunction;
use datafusion::logical_expr::planner::{ExprPlanner, PlannerResult, RawBinaryExpr};
use datafusion::logical_expr::{Expr, ExprSchemable, ScalarUDF};
use sqlparser::ast::BinaryOperator;

use super::arithmetic::{self, Op};
use super::domain_checks;
use super::intervals;
use super::jsonb_exists;

/// The functions that stand in for operators.
#[derive(Debug)]
pub struct PgOperators {
    integer: [Arc<ScalarUDF>; 5],
    float: [Arc<ScalarUDF>; 4],
    numeric_divide: Arc<ScalarUDF>,
    numeric_multiply: Arc<ScalarUDF>,
    timestamp_difference: Arc<ScalarUDF>,
    interval_multiply: Arc<ScalarUDF>,
    interval_divide: Arc<ScalarUDF>,
    date_plus_days: Arc<ScalarUDF>,
    date_minus_days: Arc<ScalarUDF>,
    jsonb_exists: Arc<ScalarUDF>,
    substr: Arc<ScalarUDF>,
}

impl Default for PgOperators {
    fn default() -> Self {
        Self {
            integer: [
                Op::Add,
                Op::Subtract,
                Op::Multiply,
                Op::Divide,
                Op::Remainder,
            ]
            .map(arithmetic::checked_integer_udf),
            float: [Op::Add, Op::Subtract, Op::Multiply, Op::Divide]
                .map(arithmetic::checked_float_udf),
            numeric_divide: arithmetic::numeric_divide_udf(),
            numeric_multiply: arithmetic::numeric_multiply_udf(),
            timestamp_difference: intervals::timestamp_difference_udf(),
            interval_multiply: intervals::interval_multiply_udf(),
            interval_divide: intervals::interval_divide_udf(),
            date_plus_days: arithmetic::date_plus_days_udf(false),
            date_minus_days: arithmetic::date_plus_days_udf(true),
            jsonb_exists: Arc::new(jsonb_exists::udf()),
            substr: domain_checks::substr(),
        }
    }
}

fn is_interval(t: &DataType) -> bool {
    matches!(t, DataType::Interval(_))
}

fn is_timestamp(t: &DataType) -> bool {
    matches!(t, DataType::Timestamp(..))
}

/// A number an interval can be scaled by.
fn is_factor(t: &DataType) -> bool {
    t.is_numeric() && !is_interval(t)
}

impl PgOperators {
    /// The function that computes `left op right` as PostgreSQL does, if DataFusion's own
    /// operator would not; `None` to keep DataFusion's.
    fn function_for(
        &self,
        op: &BinaryOperator,
        l: &DataType,
        r: &DataType,
    ) -> Option<(&Arc<ScalarUDF>, bool)> {
        let text =
            |t: &DataType| matches!(t, DataType::Utf8 | DataType::Utf8View | DataType::LargeUtf8);
        if *op == BinaryOperator::Question && text(l) && text(r) {
            return Some((&self.jsonb_exists, false));
        }
        let index = match op {
            BinaryOperator::Plus => 0,
            BinaryOperator::Minus => 1,
            BinaryOperator::Multiply => 2,
            BinaryOperator::Divide => 3,
            BinaryOperator::Modulo => 4,
            _ => return None,
        };
        // (function, whether the operands swap places)
        if arithmetic::integer_operands(l, r).is_some() {
            return self.integer.get(index).map(|f| (f, false));
        }
        if (arithmetic::is_float(l) || arithmetic::is_float(r)) && l.is_numeric() && r.is_numeric()
        {
            return self.float.get(index).map(|f| (f, false));
        }
        let date = |t: &DataType| *t == DataType::Date32;
        match (op, l, r) {
            (BinaryOperator::Plus, l, r) if date(l) && r.is_integer() => {
                Some((&self.date_plus_days, false))
            }
            (BinaryOperator::Plus, l, r) if l.is_integer() && date(r) => {
                Some((&self.date_plus_days, true))
            }
            (BinaryOperator::Minus, l, r) if date(l) && r.is_integer() => {
                Some((&self.date_minus_days, false))
            }
            (BinaryOperator::Divide, l, r) if arithmetic::is_numeric_division(l, r) => {
                Some((&self.numeric_divide, false))
            }
            (BinaryOperator::Multiply, l, r) if arithmetic::is_wide_numeric_product(l, r) => {
                Some((&self.numeric_multiply, false))
            }
            // A date beside a timestamp is its midnight.
            (BinaryOperator::Minus, l, r)
                if (is_timestamp(l) || date(l))
                    && (is_timestamp(r) || date(r))
                    && (is_timestamp(l) || is_timestamp(r)) =>
            {
                Some((&self.timestamp_difference, false))
            }
            (BinaryOperator::Multiply, l, r) if is_interval(l) && is_factor(r) => {
                Some((&self.interval_multiply, false))
            }
            (BinaryOperator::Multiply, l, r) if is_factor(l) && is_interval(r) => {
                Some((&self.interval_multiply, true))
            }
            (BinaryOperator::Divide, l, r) if is_interval(l) && is_factor(r) => {
                Some((&self.interval_divide, false))
            }
            _ => None,
        }
    }
}

impl ExprPlanner for PgOperators {
    /// `SUBSTRING(s FROM a FOR b)` as the registered `substr` (PostgreSQL's check of `b`);
    /// DataFusion's planner would call its own.
    fn plan_substring(&self, args: Vec<Expr>) -> Result<PlannerResult<Vec<Expr>>> {
        Ok(PlannerResult::Planned(Expr::ScalarFunction(
            ScalarFunction::new_udf(Arc::clone(&self.substr), args),
        )))
    }

    fn plan_binary_op(
        &self,
        expr: RawBinaryExpr,
        schema: &DFSchema,
    ) -> Result<PlannerResult<RawBinaryExpr>> {
        // Operands whose type cannot be told here (parameters not yet bound) keep
        // DataFusion's operator.
        let (Ok(l), Ok(r)) = (expr.left.get_type(schema), expr.right.get_type(schema)) else {
            return Ok(PlannerResult::Original(expr));
        };
        let Some((function, swap)) = self.function_for(&expr.op, &l, &r) else {
            return Ok(PlannerResult::Original(expr));
        };
        let args = if swap {
            vec![expr.right, expr.left]
        } else {
            vec![expr.left, expr.right]
        };
        Ok(PlannerResult::Planned(Expr::ScalarFunction(
            ScalarFunction::new_udf(Arc::clone(function), args),
        )))
    }
}
