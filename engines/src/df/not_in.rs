//! `x NOT IN (subquery)` with PostgreSQL's NULL semantics on DataFusion.
//!
//! PostgreSQL's `x NOT IN (SELECT y ...)` is NULL, so the row is dropped, when `x` is NULL
//! over a non-empty subquery or when no `y` matches and some `y` is NULL. DataFusion 53
//! decorrelates the subquery into a join that gets this right only in one case: a top-level
//! WHERE conjunct becomes a null-aware anti join, but it asks for null awareness only when a
//! *column* in the condition is nullable, so `CAST(NULL AS int4) NOT IN (...)` or a CASE
//! that yields NULL over a NOT NULL column answered every row. Anywhere else (under OR, NOT,
//! in a projection) it becomes a mark join, which knows only true and false.
//!
//! This rule runs just before DataFusion's decorrelation: a nullable expression, or one
//! reading no column, on the left of a top-level NOT IN is projected into a column of its
//! own, which that decorrelation then sees as nullable and keeps in the join condition; a
//! subquery test elsewhere whose sides may be NULL, where a mark join would answer false or
//! true for PostgreSQL's NULL, is refused with 0A000 (so `auto` runs it on DuckDB) rather
//! than answered wrongly.

use std::sync::Arc;

use datafusion::common::tree_node::{Transformed, TreeNode, TreeNodeRecursion};
use datafusion::common::{Column, DFSchema, Result};
use datafusion::error::DataFusionError;
use datafusion::logical_expr::expr::InSubquery;
use datafusion::logical_expr::utils::{conjunction, split_conjunction, split_conjunction_owned};
use datafusion::logical_expr::{
    Expr, ExprSchemable, Filter, LogicalPlan, LogicalPlanBuilder, Operator,
};
use datafusion::optimizer::{OptimizerConfig, OptimizerRule};

/// The column a projected NOT IN operand is given; numbered per filter.
const OPERAND_PREFIX: &str = "__junction_not_in_";

/// Inserts [`NullAwareNotIn`] before DataFusion's subquery decorrelation.
pub(super) fn with_rule(
    rules: &[Arc<dyn OptimizerRule + Send + Sync>],
) -> Vec<Arc<dyn OptimizerRule + Send + Sync>> {
    let mut out = Vec::with_capacity(rules.len() + 1);
    for rule in rules {
        if rule.name() == "decorrelate_predicate_subquery" {
            out.push(Arc::new(NullAwareNotIn) as Arc<dyn OptimizerRule + Send + Sync>);
        }
        out.push(Arc::clone(rule));
    }
    out
}

#[derive(Debug, Default)]
pub(super) struct NullAwareNotIn;

impl OptimizerRule for NullAwareNotIn {
    fn name(&self) -> &str {
        "junction_null_aware_not_in"
    }

    fn rewrite(
        &self,
        plan: LogicalPlan,
        _config: &dyn OptimizerConfig,
    ) -> Result<Transformed<LogicalPlan>> {
        plan.transform_up_with_subqueries(|node| {
            refuse_two_valued_tests(&node)?;
            match node {
                LogicalPlan::Filter(filter) => project_nullable_operands(filter),
                node => Ok(Transformed::no(node)),
            }
        })
    }
}

/// A top-level `e NOT IN (subquery)` conjunct whose `e` is a nullable expression (not a
/// column) gets `e` projected as a column below the filter, and the filter's output is
/// projected back to its input's columns.
fn project_nullable_operands(filter: Filter) -> Result<Transformed<LogicalPlan>> {
    let schema = Arc::clone(filter.input.schema());
    // Most filters hold no such test: look before taking the predicate apart.
    let wanted = |conjunct: &Expr| -> Result<bool> {
        Ok(match as_not_in(conjunct) {
            Some(test) => needs_column(&test.expr, &schema)?,
            None => false,
        })
    };
    let mut any = false;
    for conjunct in split_conjunction(&filter.predicate) {
        any |= wanted(conjunct)?;
    }
    if !any {
        return Ok(Transformed::no(LogicalPlan::Filter(filter)));
    }
    let conjuncts = split_conjunction_owned(filter.predicate.clone());
    let mut projected = Vec::new();
    let mut rewritten = Vec::with_capacity(conjuncts.len());
    for conjunct in conjuncts {
        let Some(InSubquery {
            expr,
            subquery,
            negated: true,
        }) = as_not_in(&conjunct)
        else {
            rewritten.push(conjunct);
            continue;
        };
        if !needs_column(&expr, &schema)? {
            rewritten.push(conjunct);
            continue;
        }
        if expr.contains_outer() {
            return Err(DataFusionError::NotImplemented(
                "NOT IN (subquery) whose left operand may be NULL and refers to an outer query is not supported on DataFusion"
                    .to_owned(),
            ));
        }
        let name = format!("{OPERAND_PREFIX}{}", projected.len());
        projected.push(expr.as_ref().clone().alias(&name));
        rewritten.push(Expr::InSubquery(InSubquery::new(
            Box::new(Expr::Column(Column::from_name(name))),
            subquery,
            true,
        )));
    }
    if projected.is_empty() {
        return Ok(Transformed::no(LogicalPlan::Filter(filter)));
    }
    let passthrough = columns_of(&schema);
    let below = LogicalPlanBuilder::from(Arc::unwrap_or_clone(filter.input))
        .project(passthrough.iter().cloned().chain(projected))?
        .build()?;
    let Some(predicate) = conjunction(rewritten) else {
        return Err(DataFusionError::Internal(
            "a filter lost its conjuncts".to_owned(),
        ));
    };
    let filtered = LogicalPlan::Filter(Filter::try_new(predicate, Arc::new(below))?);
    let plan = LogicalPlanBuilder::from(filtered)
        .project(passthrough)?
        .build()?;
    Ok(Transformed::yes(plan))
}

/// Whether a NOT IN's left operand must be a column of its own for DataFusion to keep
/// PostgreSQL's NULLs: a nullable expression (else the join is not null-aware), and one that
/// reads no column at all (`'a' NOT IN (...)`), whose join condition then names only the
/// subquery's column and is pushed into the subquery, where the anti join forgot that a
/// NULL there makes the test NULL (every row was answered).
fn needs_column(expr: &Expr, schema: &DFSchema) -> Result<bool> {
    Ok(!matches!(expr, Expr::Column(_))
        && (expr.column_refs().is_empty() || expr.nullable(schema)?))
}

/// `e NOT IN (q)` or `NOT (e IN (q))`, as DataFusion's decorrelation reads a conjunct.
fn as_not_in(conjunct: &Expr) -> Option<InSubquery> {
    match conjunct {
        Expr::InSubquery(test) if test.negated => Some(test.clone()),
        Expr::Not(inner) => match inner.as_ref() {
            Expr::InSubquery(test) if !test.negated => Some(InSubquery::new(
                test.expr.clone(),
                test.subquery.clone(),
                true,
            )),
            _ => None,
        },
        _ => None,
    }
}

fn columns_of(schema: &DFSchema) -> Vec<Expr> {
    schema
        .iter()
        .map(|(qualifier, field)| Expr::Column(Column::from((qualifier, field))))
        .collect()
}

/// Refuses the IN (subquery) tests of `node` that DataFusion would turn into a mark join
/// and whose answer PostgreSQL could make NULL where the mark join says true or false.
///
/// A test is safe when neither side can be NULL, or when it is a plain `IN` reached from a
/// filter's root through AND/OR only, where NULL and false both drop the row.
fn refuse_two_valued_tests(node: &LogicalPlan) -> Result<()> {
    let input_schema = match node.inputs().as_slice() {
        [input] => Arc::clone(input.schema()),
        _ => return Ok(()),
    };
    let check = |expr: &Expr, truthy: bool| check_expr(expr, truthy, &input_schema);
    match node {
        LogicalPlan::Filter(filter) => {
            for conjunct in split_conjunction(&filter.predicate) {
                // Top-level conjuncts become semi or anti joins, which handle NULLs.
                if matches!(conjunct, Expr::InSubquery(_))
                    || matches!(conjunct, Expr::Not(inner) if matches!(inner.as_ref(), Expr::InSubquery(_)))
                {
                    continue;
                }
                check(conjunct, true)?;
            }
            Ok(())
        }
        node => node
            .apply_expressions(|expr| check(expr, false).map(|()| TreeNodeRecursion::Continue))
            .map(|_| ()),
    }
}

fn check_expr(expr: &Expr, truthy: bool, schema: &DFSchema) -> Result<()> {
    match expr {
        Expr::BinaryExpr(binary) if truthy && matches!(binary.op, Operator::And | Operator::Or) => {
            check_expr(&binary.left, true, schema)?;
            check_expr(&binary.right, true, schema)
        }
        Expr::InSubquery(test) if truthy && !test.negated => check_expr(&test.expr, false, schema),
        Expr::InSubquery(test) => {
            if may_be_null(test, schema)? {
                return Err(DataFusionError::NotImplemented(format!(
                    "{}IN (subquery) inside another expression, where either side may be NULL, is not supported on DataFusion",
                    if test.negated { "NOT " } else { "" }
                )));
            }
            check_expr(&test.expr, false, schema)
        }
        expr => expr
            .apply_children(|child| {
                check_expr(child, false, schema).map(|()| TreeNodeRecursion::Continue)
            })
            .map(|_| ()),
    }
}

fn may_be_null(test: &InSubquery, schema: &DFSchema) -> Result<bool> {
    // Outer references cannot be typed against this schema: assume the worst.
    if test.expr.contains_outer() || test.expr.nullable(schema)? {
        return Ok(true);
    }
    let output = test.subquery.subquery.schema();
    Ok(output.fields().iter().any(|field| field.is_nullable()))
}
