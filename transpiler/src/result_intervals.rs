//! DuckDB hands intervals to Arrow in nanoseconds, multiplying its microseconds without a
//! check: an interval past about 292 years of time (2,562,047 hours) came out wrapped,
//! `interval '3000000 hours'` as `-2124095:34:33.709551`, where PostgreSQL prints
//! `3000000:00:00`. junction cannot carry such an interval, so a statement's result columns
//! that are intervals go through [`INTERVAL_CHECK`], which raises 22008 past that range and
//! passes every other value as it is.

use sqlparser::ast::{Expr, Ident, OrderByKind, Query, SelectItem, SetExpr};

use crate::ast::{call, take};
use crate::relations::fold;
use crate::types::{Scope, SqlType};

/// The DuckDB macro (in [`crate::duckdb::MACROS`]) that checks an interval.
pub const INTERVAL_CHECK: &str = "junction_interval_checked";

/// Checks the interval columns of `query`, a statement's outermost query as written (its
/// expressions not yet rewritten, which the scope types best).
pub(crate) fn check_result_intervals(query: &mut Query, scope: &Scope<'_>) {
    let mut checked = Vec::new();
    check_body(query.body.as_mut(), scope, &mut checked);
    // An ORDER BY of a DISTINCT select must name its items: keep naming them.
    let Some(OrderByKind::Expressions(keys)) = query.order_by.as_mut().map(|o| &mut o.kind) else {
        return;
    };
    for key in keys {
        if checked.contains(&key.expr.to_string()) {
            key.expr = call(INTERVAL_CHECK, take(&mut key.expr));
        }
    }
}

/// Wraps each interval item of `body`'s select lists, noting its text in `checked`.
fn check_body(body: &mut SetExpr, scope: &Scope<'_>, checked: &mut Vec<String>) {
    match body {
        SetExpr::Select(select) => {
            for item in &mut select.projection {
                check_item(item, scope, checked);
            }
        }
        SetExpr::SetOperation { left, right, .. } => {
            check_body(left, scope, checked);
            check_body(right, scope, checked);
        }
        SetExpr::Query(query) => check_result_intervals(query, scope),
        _ => {}
    }
}

fn check_item(item: &mut SelectItem, scope: &Scope<'_>, checked: &mut Vec<String>) {
    let is_interval = |e: &Expr| scope.type_of(e) == Some(SqlType::Interval);
    match item {
        SelectItem::ExprWithAlias { expr, .. } if is_interval(expr) => {
            checked.push(expr.to_string());
            *expr = call(INTERVAL_CHECK, take(expr));
        }
        SelectItem::UnnamedExpr(expr) if is_interval(expr) => {
            // A column keeps its name under the call.
            let name = match expr {
                Expr::Identifier(name) => name,
                Expr::CompoundIdentifier(parts) => match parts.last() {
                    Some(name) => name,
                    None => return,
                },
                // Other items are named by `name_result_columns`.
                _ => return,
            };
            let alias = Ident::with_quote('"', fold(name));
            checked.push(expr.to_string());
            let expr = call(INTERVAL_CHECK, take(expr));
            *item = SelectItem::ExprWithAlias { expr, alias };
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use crate::duckdb::tests::duckdb;

    #[test]
    fn result_intervals_are_checked() {
        assert_eq!(
            duckdb(
                "SELECT DISTINCT INTERVAL '1 hour' * 3 AS x, 1 AS y \
                 UNION SELECT i, 2 FROM (SELECT INTERVAL '2 hours' AS i) s \
                 ORDER BY INTERVAL '1 hour' * 3"
            ),
            "SELECT DISTINCT junction_interval_checked(INTERVAL '1 hour' * 3) AS x, 1 AS y \
             UNION SELECT junction_interval_checked(i) AS \"i\", 2 \
             FROM (SELECT INTERVAL '2 hours' AS i) s \
             ORDER BY junction_interval_checked(INTERVAL '1 hour' * 3)"
        );
    }

    #[test]
    fn other_columns_and_inner_intervals_are_left() {
        assert_eq!(
            duckdb("SELECT TIMESTAMP '2026-01-01' + INTERVAL '1 day' AS t, 'x' AS s"),
            "SELECT TIMESTAMP '2026-01-01' + INTERVAL '1 day' AS t, 'x' AS s"
        );
    }
}
