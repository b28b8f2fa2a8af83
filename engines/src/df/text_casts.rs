//! Casts to text that DataFusion's own cast gets wrong, wherever the cast comes from.
//!
//! - An interval prints as PostgreSQL prints it: DataFusion's cast prints `1 mons 2 days 3
//!   hours`. The transpiler calls junction's printing function where it knows an expression
//!   is an interval; this rule, after type coercion, also catches the ones it cannot type (a
//!   VALUES column, a table's interval column, `||` and `concat`, whose operands type
//!   coercion casts).
//! - A time prints its fraction without trailing zeros (DataFusion: `10:00:01.500`), a
//!   timestamp with a space and, when zoned, its offset (DataFusion: `2026-01-01T10:00:00Z`,
//!   in `'at ' || max(ts)`, `concat`, `format` and a `to_timestamp(...)` the transpiler
//!   cannot type).
//! - An array prints as PostgreSQL prints it (`{1,2}`; DataFusion: `[1, 2]`).
//! - json cast to text is text: json is text to DataFusion, so the cast is a no-op that
//!   keeps the value tagged as json, and the client saw json where it asked for text.

use std::sync::LazyLock;

use datafusion::arrow::datatypes::DataType;
use datafusion::common::tree_node::{Transformed, TreeNode};
use datafusion::common::Result;
use datafusion::config::ConfigOptions;
use datafusion::logical_expr::expr::{Cast, TryCast};
use datafusion::logical_expr::expr_rewriter::NamePreserver;
use datafusion::logical_expr::{Expr, ExprSchemable, LogicalPlan, ScalarUDF};
use datafusion::optimizer::AnalyzerRule;

use super::float_text_udf::{array_text_udf, interval_text_udf, timestamp_text_udf};
use super::json_build_object::JSON_EXTENSION;
use super::json_text::json_as_text_udf;
use super::plan_expressions::{any_expression, input_schema};

/// junction's printing of an interval, a time and an array, and its untagging of json,
/// built once.
static PRINTER: LazyLock<ScalarUDF> = LazyLock::new(interval_text_udf);
static TIME_PRINTER: LazyLock<ScalarUDF> = LazyLock::new(timestamp_text_udf);
static UNTAGGED: LazyLock<ScalarUDF> = LazyLock::new(json_as_text_udf);
static ARRAY_PRINTER: LazyLock<ScalarUDF> = LazyLock::new(array_text_udf);

#[derive(Debug, Default)]
pub(super) struct TextCasts;

impl AnalyzerRule for TextCasts {
    fn name(&self) -> &str {
        "junction_text_casts"
    }

    fn analyze(&self, plan: LogicalPlan, _config: &ConfigOptions) -> Result<LogicalPlan> {
        plan.transform_up_with_subqueries(|node| {
            if !any_expression(&node, |e| text_cast(e).is_some())? {
                return Ok(Transformed::no(node));
            }
            let schema = input_schema(&node);
            let names = NamePreserver::new(&node);
            let rewritten = node.map_expressions(|expr| {
                let name = names.save(&expr);
                let printed = expr.transform_up(|expr| {
                    let Some((inner, data_type)) = text_cast(&expr) else {
                        return Ok(Transformed::no(expr));
                    };
                    let Ok((_, field)) = inner.to_field(schema.as_ref()) else {
                        return Ok(Transformed::no(expr));
                    };
                    let function = if field.extension_type_name() == Some(JSON_EXTENSION) {
                        &*UNTAGGED
                    } else if matches!(
                        field.data_type(),
                        DataType::Interval(_) | DataType::Duration(_)
                    ) {
                        &*PRINTER
                    } else if matches!(
                        field.data_type(),
                        DataType::Time64(_) | DataType::Timestamp(..)
                    ) {
                        &*TIME_PRINTER
                    } else if field.data_type().is_list() {
                        &*ARRAY_PRINTER
                    } else {
                        return Ok(Transformed::no(expr));
                    };
                    let text = function.call(vec![inner.clone()]);
                    Ok(Transformed::yes(match data_type {
                        DataType::Utf8 => text,
                        other => Expr::Cast(Cast::new(Box::new(text), other.clone())),
                    }))
                })?;
                Ok(printed.update_data(|expr| name.restore(expr)))
            })?;
            if rewritten.transformed {
                // The output loses json's tag.
                rewritten.map_data(LogicalPlan::recompute_schema)
            } else {
                Ok(rewritten)
            }
        })
        .map(|rewritten| rewritten.data)
    }
}

/// The operand and target type of a cast to text.
fn text_cast(expr: &Expr) -> Option<(&Expr, &DataType)> {
    match expr {
        Expr::Cast(Cast { expr, data_type }) | Expr::TryCast(TryCast { expr, data_type })
            if matches!(
                data_type,
                DataType::Utf8 | DataType::Utf8View | DataType::LargeUtf8
            ) =>
        {
            Some((expr, data_type))
        }
        _ => None,
    }
}
