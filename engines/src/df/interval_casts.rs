//! An interval cast to text prints as PostgreSQL prints it, wherever the cast comes from.
//!
//! DataFusion's cast prints `1 mons 2 days 3 hours`. The transpiler calls junction's
//! printing function where it knows an expression is an interval; this rule, after type
//! coercion, also catches the ones it cannot type (a VALUES column, a table's interval
//! column, `||` and `concat`, whose operands type coercion casts).

use datafusion::arrow::datatypes::DataType;
use datafusion::common::tree_node::{Transformed, TreeNode};
use datafusion::common::Result;
use datafusion::config::ConfigOptions;
use datafusion::logical_expr::expr::{Cast, TryCast};
use datafusion::logical_expr::expr_rewriter::NamePreserver;
use datafusion::logical_expr::utils::merge_schema;
use datafusion::logical_expr::{Expr, ExprSchemable, LogicalPlan};
use datafusion::optimizer::AnalyzerRule;

use super::float_text_udf::interval_text_udf;

#[derive(Debug, Default)]
pub(super) struct IntervalCasts;

impl AnalyzerRule for IntervalCasts {
    fn name(&self) -> &str {
        "junction_interval_casts"
    }

    fn analyze(&self, plan: LogicalPlan, _config: &ConfigOptions) -> Result<LogicalPlan> {
        let printer = interval_text_udf();
        plan.transform_up_with_subqueries(|node| {
            let schema = merge_schema(&node.inputs());
            let names = NamePreserver::new(&node);
            node.map_expressions(|expr| {
                let name = names.save(&expr);
                let printed = expr.transform_up(|expr| {
                    let (inner, data_type) = match &expr {
                        Expr::Cast(Cast { expr, data_type })
                        | Expr::TryCast(TryCast { expr, data_type }) => (expr, data_type),
                        _ => return Ok(Transformed::no(expr)),
                    };
                    let is_text = matches!(
                        data_type,
                        DataType::Utf8 | DataType::Utf8View | DataType::LargeUtf8
                    );
                    let is_interval = matches!(
                        inner.get_type(&schema),
                        Ok(DataType::Interval(_) | DataType::Duration(_))
                    );
                    if !(is_text && is_interval) {
                        return Ok(Transformed::no(expr));
                    }
                    let text = printer.call(vec![inner.as_ref().clone()]);
                    Ok(Transformed::yes(match data_type {
                        DataType::Utf8 => text,
                        other => Expr::Cast(Cast::new(Box::new(text), other.clone())),
                    }))
                })?;
                Ok(printed.update_data(|expr| name.restore(expr)))
            })
        })
        .map(|rewritten| rewritten.data)
    }
}
