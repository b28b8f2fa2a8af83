//! What junction's analyzer rules ask of one plan node's expressions.

use std::sync::Arc;

use datafusion::common::tree_node::{TreeNode, TreeNodeRecursion};
use datafusion::common::{DFSchemaRef, Result};
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
