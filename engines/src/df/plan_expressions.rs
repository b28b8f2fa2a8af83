//! What junction's analyzer rules ask of one plan node's expressions.

use std::sync::Arc;

use datafusion::common::tree_node::{Transformed, TreeNode, TreeNodeRecursion};
use datafusion::common::{DFSchema, DFSchemaRef, Result};
use datafusion::logical_expr::expr::WindowFunction;
use datafusion::logical_expr::expr_rewriter::NamePreserver;
use datafusion::logical_expr::utils::merge_schema;
use datafusion::logical_expr::{Expr, LogicalPlan};

/// The schema of the rows `node`'s expressions are evaluated over: its input's, its inputs'
/// merged (a join), or its own for a node without inputs (a scan's filters).
pub(super) fn input_schema(node: &LogicalPlan) -> DFSchemaRef {
    match node.inputs().as_slice() {
        [] => Arc::clone(node.schema()),
        [input] => Arc::clone(input.schema()),
        inputs => Arc::new(merge_schema(inputs)),
    }
}

/// Whether some expression of `node`, at any depth, is one `wanted` picks. A rule asks this
/// before rewriting, so that the nodes it leaves alone (most, in most statements) are not
/// rebuilt with every expression named to keep its name.
pub(super) fn any_expression(
    node: &LogicalPlan,
    mut wanted: impl FnMut(&Expr) -> bool,
) -> Result<bool> {
    let mut found = false;
    node.apply_expressions(|expr| {
        found = expr.exists(|e| Ok(wanted(e)))?;
        Ok(if found {
            TreeNodeRecursion::Stop
        } else {
            TreeNodeRecursion::Continue
        })
    })?;
    Ok(found)
}

/// Rewrites the window functions `wanted` picks, in every window node of `plan` and of its
/// subqueries, with `rewrite` (given the node's input schema); each expression keeps its
/// name.
pub(super) fn rewrite_window_functions(
    plan: LogicalPlan,
    wanted: impl Fn(&WindowFunction) -> bool,
    rewrite: impl Fn(WindowFunction, &DFSchema) -> Result<Transformed<WindowFunction>>,
) -> Result<LogicalPlan> {
    plan.transform_up_with_subqueries(|node| {
        let picked = |e: &Expr| matches!(e, Expr::WindowFunction(w) if wanted(w));
        if !matches!(node, LogicalPlan::Window(_)) || !any_expression(&node, picked)? {
            return Ok(Transformed::no(node));
        }
        let schema = input_schema(&node);
        let names = NamePreserver::new(&node);
        node.map_expressions(|expr| {
            let name = names.save(&expr);
            let rewritten = expr.transform_up(|expr| match expr {
                Expr::WindowFunction(window) if wanted(&window) => Ok(rewrite(*window, &schema)?
                    .update_data(|window| Expr::WindowFunction(Box::new(window)))),
                expr => Ok(Transformed::no(expr)),
            })?;
            Ok(rewritten.update_data(|expr| name.restore(expr)))
        })
    })
    .map(|rewritten| rewritten.data)
}
