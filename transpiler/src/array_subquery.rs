//! `ARRAY(SELECT e FROM ... [ORDER BY o])`, which DataFusion cannot plan (42883 `function
//! array() does not exist`): the subquery's rows as an array, in its order, empty when there
//! are none. Written `coalesce((SELECT array_agg(e ORDER BY o) FROM ...), make_array())`, a
//! scalar subquery of one row that DataFusion plans, also when correlated. psql's `\du` and
//! `\d+` send it (the gateway's catalog rewrites add shortcuts for catalog tables), and users
//! write it (`array_to_string(ARRAY(SELECT ...), ',')`).

use sqlparser::ast::{
    Expr, Function, FunctionArgumentClause, FunctionArguments, OrderByExpr, OrderByKind, Query,
    SelectItem, SetExpr, Value,
};

use crate::ast::{call_with, function_name};

/// `ARRAY(subquery)` in DataFusion's terms, when the subquery is a plain select of one item
/// (no grouping, DISTINCT, LIMIT, CTE or set operation); `None` otherwise (left as written).
pub fn array_of_subquery(expr: &Expr) -> Option<Expr> {
    let Expr::Function(function) = expr else {
        return None;
    };
    let FunctionArguments::Subquery(query) = &function.args else {
        return None;
    };
    if !function_name(function)?.eq_ignore_ascii_case("array") {
        return None;
    }
    let mut query: Query = query.as_ref().clone();
    let plain = query.with.is_none()
        && query.limit_clause.is_none()
        && query.fetch.is_none()
        && query.locks.is_empty();
    let SetExpr::Select(select) = query.body.as_mut() else {
        return None;
    };
    if !plain
        || crate::ast::is_grouped(select)
        || select.having.is_some()
        || select.distinct.is_some()
        || select.projection.len() != 1
    {
        return None;
    }
    let item = match select.projection.remove(0) {
        SelectItem::UnnamedExpr(e) | SelectItem::ExprWithAlias { expr: e, .. } => e,
        _ => return None,
    };
    let order: Vec<OrderByExpr> = match query.order_by.take().map(|o| o.kind) {
        None => Vec::new(),
        Some(OrderByKind::Expressions(exprs)) => exprs
            .into_iter()
            .map(|mut o| {
                // `ORDER BY 1` names the select item, which the aggregate no longer has.
                if matches!(&o.expr, Expr::Value(v) if v.value == Value::Number("1".into(), false))
                {
                    o.expr = item.clone();
                }
                o
            })
            .collect(),
        Some(OrderByKind::All(_)) => return None,
    };
    let mut aggregate = call_with("array_agg", vec![item]);
    if let Expr::Function(Function {
        args: FunctionArguments::List(list),
        ..
    }) = &mut aggregate
    {
        if !order.is_empty() {
            list.clauses.push(FunctionArgumentClause::OrderBy(order));
        }
    }
    select.projection = vec![SelectItem::UnnamedExpr(aggregate)];
    Some(call_with(
        "coalesce",
        vec![Expr::Subquery(Box::new(query)), empty_array()],
    ))
}

/// The empty array, `'{}'`.
pub fn empty_array() -> Expr {
    call_with("make_array", Vec::new())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rewritten(sql: &str) -> String {
        let mut statement = crate::parse(sql).expect("parses").remove(0);
        let _ = sqlparser::ast::visit_expressions_mut(&mut statement, |expr| {
            if let Some(replacement) = array_of_subquery(expr) {
                *expr = replacement;
            }
            std::ops::ControlFlow::<()>::Continue(())
        });
        statement.to_string()
    }

    #[test]
    fn a_plain_subquery_becomes_an_ordered_aggregate() {
        assert_eq!(
            rewritten("SELECT ARRAY(SELECT x FROM t WHERE x > 1 ORDER BY 1 DESC)"),
            "SELECT coalesce((SELECT array_agg(x ORDER BY x DESC) FROM t WHERE x > 1), make_array())"
        );
        assert_eq!(
            rewritten("SELECT p.id, array(SELECT d.name FROM d WHERE d.p = p.id) FROM p"),
            "SELECT p.id, coalesce((SELECT array_agg(d.name) FROM d WHERE d.p = p.id), make_array()) FROM p"
        );
    }

    #[test]
    fn other_shapes_are_left() {
        for sql in [
            "SELECT ARRAY(SELECT x FROM t LIMIT 2)",
            "SELECT ARRAY(SELECT DISTINCT x FROM t)",
            "SELECT ARRAY(SELECT x, y FROM t)",
            "SELECT ARRAY(SELECT x FROM t UNION SELECT 1)",
            "SELECT ARRAY(SELECT k FROM t GROUP BY k)",
            "SELECT ARRAY[1, 2]",
        ] {
            let parsed = crate::parse(sql).expect("parses")[0].to_string();
            assert_eq!(rewritten(sql), parsed, "{sql}");
        }
    }
}
