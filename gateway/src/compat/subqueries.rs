//! Scalar subqueries of client catalog queries that DataFusion cannot decorrelate, made
//! plannable without changing their answer (SQLAlchemy's column reflection has four).
//!
//! - A scalar subquery over `pg_attrdef` (column defaults) or `pg_sequence` alone reads a
//!   table junction's pg_catalog always leaves empty (lake tables have neither), so it is
//!   NULL, as PostgreSQL gives for a subquery without rows.
//! - A scalar subquery whose every relation is a pg_catalog table pinned by its `oid`
//!   (`t.oid = <expr>`, in WHERE or a join's ON) yields at most one row; DataFusion plans it
//!   once the select item is aggregated, and `max` of at most one row is that row.

use std::ops::ControlFlow;

use junction_transpiler::split_and;
use sqlparser::ast::{
    visit_expressions_mut, BinaryOperator, Expr, Function, FunctionArg, FunctionArgExpr,
    FunctionArgumentList, FunctionArguments, GroupByExpr, Ident, JoinConstraint, JoinOperator,
    ObjectName, ObjectNamePart, Query, Select, SelectItem, SetExpr, Statement, TableFactor, Value,
};

/// pg_catalog tables junction never fills: lake tables have no column defaults, sequences,
/// row security policies, inheritance or triggers.
pub(super) const ALWAYS_EMPTY: [&str; 6] = [
    "pg_attrdef",
    "pg_sequence",
    "pg_policy",
    "pg_inherits",
    "pg_trigger",
    "pg_event_trigger",
];

/// Applies both rewrites to every scalar subquery of `statement`.
pub fn rewrite(statement: &mut Statement) {
    let _ = visit_expressions_mut(statement, |expr| {
        if let Expr::Subquery(query) = expr {
            if reads_only_empty_tables(query) {
                *expr = Expr::Value(Value::Null.into());
            } else if let Some(select) = oid_keyed_select(query) {
                aggregate_single_item(select);
            }
        }
        ControlFlow::<()>::Continue(())
    });
}

/// The name a relation is referred to by (its alias, else its last name part), when it is a
/// pg_catalog table.
fn catalog_relation(factor: &TableFactor) -> Option<(String, String)> {
    let TableFactor::Table { alias, .. } = factor else {
        return None;
    };
    let table = match junction_transpiler::table_name_parts(factor)?.as_slice() {
        [table] if table.starts_with("pg_") => table.clone(),
        [.., schema, table] if schema == "pg_catalog" => table.clone(),
        _ => return None,
    };
    let reference = alias
        .as_ref()
        .map_or_else(|| table.clone(), |a| junction_transpiler::fold(&a.name));
    Some((table, reference))
}

fn single_select(query: &Query) -> Option<&Select> {
    match query.body.as_ref() {
        SetExpr::Select(select) if select.projection.len() == 1 => Some(select),
        _ => None,
    }
}

pub(super) fn reads_only_empty_tables(query: &Query) -> bool {
    let Some(select) = single_select(query) else {
        return false;
    };
    match select.from.as_slice() {
        [only] if only.joins.is_empty() => catalog_relation(&only.relation)
            .is_some_and(|(table, _)| ALWAYS_EMPTY.contains(&table.as_str())),
        _ => false,
    }
}

/// The select of `query` when each of its relations is a pg_catalog table pinned by `oid`.
fn oid_keyed_select(query: &mut Query) -> Option<&mut Select> {
    let select = single_select(query)?;
    let grouped = !matches!(&select.group_by, GroupByExpr::Expressions(e, _) if e.is_empty());
    if grouped || select.having.is_some() {
        return None;
    }
    let mut references = Vec::new();
    let mut conjuncts = Vec::new();
    for from in &select.from {
        references.push(catalog_relation(&from.relation)?.1);
        for join in &from.joins {
            references.push(catalog_relation(&join.relation)?.1);
            match &join.join_operator {
                JoinOperator::Join(JoinConstraint::On(on))
                | JoinOperator::Inner(JoinConstraint::On(on)) => split_and(on, &mut conjuncts),
                _ => return None,
            }
        }
    }
    if let Some(selection) = &select.selection {
        split_and(selection, &mut conjuncts);
    }
    let keyed = |reference: &String| {
        conjuncts.iter().any(|c| match c {
            Expr::BinaryOp {
                left,
                op: BinaryOperator::Eq,
                right,
            } => is_oid_of(left, reference) || is_oid_of(right, reference),
            _ => false,
        })
    };
    if references.is_empty() || !references.iter().all(keyed) {
        return None;
    }
    match query.body.as_mut() {
        SetExpr::Select(select) => Some(select),
        _ => None,
    }
}

/// `expr` is `<reference>.oid` (or `pg_catalog.<reference>.oid`).
fn is_oid_of(expr: &Expr, reference: &str) -> bool {
    match expr {
        Expr::CompoundIdentifier(idents) => match idents.as_slice() {
            [.., table, column] => {
                column.value.eq_ignore_ascii_case("oid")
                    && table.value.eq_ignore_ascii_case(reference)
            }
            _ => false,
        },
        _ => false,
    }
}

/// Wraps the one select item in `max(...)`, keeping its name.
fn aggregate_single_item(select: &mut Select) {
    let Some(item) = select.projection.first_mut() else {
        return;
    };
    let (SelectItem::UnnamedExpr(expr) | SelectItem::ExprWithAlias { expr, .. }) = item else {
        return;
    };
    let inner = std::mem::replace(expr, Expr::Value(Value::Null.into()));
    *expr = Expr::Function(Function {
        name: ObjectName(vec![ObjectNamePart::Identifier(Ident::new("max"))]),
        uses_odbc_syntax: false,
        parameters: FunctionArguments::None,
        args: FunctionArguments::List(FunctionArgumentList {
            duplicate_treatment: None,
            args: vec![FunctionArg::Unnamed(FunctionArgExpr::Expr(inner))],
            clauses: Vec::new(),
        }),
        filter: None,
        null_treatment: None,
        over: None,
        within_group: Vec::new(),
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rewritten(sql: &str) -> String {
        let mut statement = junction_transpiler::parse(sql)
            .expect("valid SQL")
            .remove(0);
        rewrite(&mut statement);
        statement.to_string()
    }

    #[test]
    fn subqueries_over_always_empty_tables_are_null() {
        assert_eq!(
            rewritten(
                "SELECT CASE WHEN a.atthasdef THEN (SELECT pg_get_expr(d.adbin, d.adrelid) \
                 FROM pg_catalog.pg_attrdef AS d WHERE a.atthasdef AND d.adrelid = a.attrelid) \
                 ELSE NULL END FROM pg_catalog.pg_attribute AS a"
            ),
            "SELECT CASE WHEN a.atthasdef THEN NULL ELSE NULL END FROM pg_catalog.pg_attribute AS a"
        );
    }

    #[test]
    fn oid_keyed_subqueries_are_aggregated() {
        assert_eq!(
            rewritten(
                "SELECT (SELECT pg_catalog.pg_type.typcollation FROM pg_catalog.pg_type \
                 WHERE pg_catalog.pg_type.oid = a.atttypid) FROM pg_catalog.pg_attribute AS a"
            ),
            "SELECT (SELECT max(pg_catalog.pg_type.typcollation) FROM pg_catalog.pg_type \
             WHERE pg_catalog.pg_type.oid = a.atttypid) FROM pg_catalog.pg_attribute AS a"
        );
        // Every relation must be pinned: the namespace by the join, the collation by WHERE.
        assert_eq!(
            rewritten(
                "SELECT (SELECT c.collname AS x FROM pg_collation AS c JOIN pg_namespace AS n \
                 ON n.oid = c.collnamespace WHERE c.oid = a.attcollation) FROM pg_attribute AS a"
            ),
            "SELECT (SELECT max(c.collname) AS x FROM pg_collation AS c JOIN pg_namespace AS n \
             ON n.oid = c.collnamespace WHERE c.oid = a.attcollation) FROM pg_attribute AS a"
        );
    }

    #[test]
    fn other_subqueries_are_left_alone() {
        for sql in [
            // Not keyed by oid: several rows are possible, and PostgreSQL would say so.
            "SELECT (SELECT t.typname FROM pg_catalog.pg_type AS t WHERE t.typlen = a.attlen) \
             FROM pg_catalog.pg_attribute AS a",
            // A join whose other side is not pinned.
            "SELECT (SELECT c.collname FROM pg_collation AS c JOIN pg_namespace AS n \
             ON n.nspname = c.collname WHERE c.oid = a.attcollation) FROM pg_attribute AS a",
            // Not the catalog.
            "SELECT (SELECT p.ward FROM silver.patients AS p WHERE p.oid = v.patient_id) \
             FROM silver.vitals AS v",
        ] {
            assert_eq!(
                rewritten(sql),
                junction_transpiler::parse(sql).expect("valid")[0].to_string()
            );
        }
    }
}
