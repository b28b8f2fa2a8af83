//! `sum` of int8 without wrapping.
//!
//! DataFusion sums an Int64 into an Int64 that wraps past its range (a debug build panics
//! instead): `sum(x)` over 9223372036854775807 and 1 answered -9223372036854775808. The
//! transpiler casts the argument to numeric where it knows the column is int8, and the sum is
//! then PostgreSQL's numeric; this rule, after type coercion, catches the sums it cannot type
//! (a column of `unnest` or `generate_series`). It sums those exactly too, but hands the sum
//! on as the int8 the nodes above were planned for (their operators and UNION branches took
//! its type then): past int8 that cast is 22003, never a wrapped value.

use std::sync::Arc;

use datafusion::arrow::datatypes::{DataType, DECIMAL128_MAX_PRECISION};
use datafusion::common::tree_node::{Transformed, TreeNode};
use datafusion::common::{Column, DFSchema, Result};
use datafusion::config::ConfigOptions;
use datafusion::logical_expr::expr::{AggregateFunction, Cast};
use datafusion::logical_expr::expr_rewriter::NamePreserver;
use datafusion::logical_expr::{
    cast, col, Expr, ExprSchemable, LogicalPlan, Projection, WindowFunctionDefinition,
};
use datafusion::optimizer::AnalyzerRule;

use super::plan_expressions::{any_expression, input_schema};

/// The exact type int8 values are summed in: 38 digits hold the sum of 10^19 of them.
const EXACT: DataType = DataType::Decimal128(DECIMAL128_MAX_PRECISION, 0);

#[derive(Debug, Default)]
pub(super) struct ExactSums;

impl AnalyzerRule for ExactSums {
    fn name(&self) -> &str {
        "junction_exact_sums"
    }

    fn analyze(&self, plan: LogicalPlan, _config: &ConfigOptions) -> Result<LogicalPlan> {
        plan.transform_up_with_subqueries(|node| {
            if !matches!(node, LogicalPlan::Aggregate(_) | LogicalPlan::Window(_))
                || !any_expression(&node, is_sum)?
            {
                return Ok(Transformed::no(node));
            }
            let planned = Arc::clone(node.schema());
            let schema = input_schema(&node);
            let names = NamePreserver::new(&node);
            let widened = node.map_expressions(|expr| {
                let name = names.save(&expr);
                let widened = expr.transform_up(|e| widen(e, &schema))?;
                Ok(widened.update_data(|expr| name.restore(expr)))
            })?;
            if !widened.transformed {
                return Ok(widened);
            }
            let node = widened.data.recompute_schema()?;
            Ok(Transformed::yes(as_planned(node, &planned)?))
        })
        .map(|rewritten| rewritten.data)
    }
}

fn is_sum(expr: &Expr) -> bool {
    match expr {
        Expr::AggregateFunction(AggregateFunction { func, .. }) => func.name() == "sum",
        Expr::WindowFunction(window) => matches!(
            &window.fun,
            WindowFunctionDefinition::AggregateUDF(func) if func.name() == "sum"
        ),
        _ => false,
    }
}

/// `sum(x)` of an int8 `x` as `sum(CAST(x AS Decimal128(38, 0)))`.
fn widen(expr: Expr, schema: &DFSchema) -> Result<Transformed<Expr>> {
    let args = match &expr {
        Expr::AggregateFunction(sum) if is_sum(&expr) => &sum.params.args,
        Expr::WindowFunction(sum) if is_sum(&expr) => &sum.params.args,
        _ => return Ok(Transformed::no(expr)),
    };
    if !matches!(args.as_slice(), [argument] if is_int8(argument, schema)) {
        return Ok(Transformed::no(expr));
    }
    let exact = |args: &mut Vec<Expr>| {
        for argument in args.iter_mut() {
            *argument = Expr::Cast(Cast::new(Box::new(argument.clone()), EXACT));
        }
    };
    Ok(Transformed::yes(match expr {
        Expr::AggregateFunction(mut sum) => {
            exact(&mut sum.params.args);
            Expr::AggregateFunction(sum)
        }
        Expr::WindowFunction(mut sum) => {
            exact(&mut sum.params.args);
            Expr::WindowFunction(sum)
        }
        other => other,
    }))
}

/// Whether `argument` is an int8 value, not a narrower integer that type coercion widened
/// for DataFusion's sum (PostgreSQL sums those into int8 too).
fn is_int8(argument: &Expr, schema: &DFSchema) -> bool {
    let type_of = |e: &Expr| e.get_type(schema).ok();
    if type_of(argument) != Some(DataType::Int64) {
        return false;
    }
    match argument {
        Expr::Cast(Cast { expr, .. }) => type_of(expr) == Some(DataType::Int64),
        _ => true,
    }
}

/// `node`'s rows with the types `planned` gave its columns.
fn as_planned(node: LogicalPlan, planned: &DFSchema) -> Result<LogicalPlan> {
    let columns = node
        .schema()
        .iter()
        .zip(planned.fields())
        .map(|((qualifier, have), want)| {
            let column = col(Column::new(qualifier.cloned(), have.name()));
            if have.data_type() == want.data_type() {
                column
            } else {
                cast(column, want.data_type().clone()).alias(have.name())
            }
        })
        .collect();
    Ok(LogicalPlan::Projection(Projection::try_new(
        columns,
        Arc::new(node),
    )?))
}
