//! PostgreSQL's names for unaliased result columns: a function call is named after the
//! function (`count`), a cast after what it casts, anything else `?column?`.
//!
//! PostgreSQL lets two result columns share a name (`SELECT a, a::int`); engines do not. Such
//! a column is aliased `<name><MARK><position>`, unique for the engine, and front ends show
//! clients [`client_column_name`], the part before the mark.

/// Separates a result column's client name from the suffix that keeps it unique inside an
/// engine. ASCII "unit separator": no client writes it in an identifier.
const MARK: char = '\u{1f}';

/// The name a client sees for the engine's result column `name`.
pub fn client_column_name(name: &str) -> &str {
    name.find(MARK).map_or(name, |end| &name[..end])
}

use sqlparser::ast::{Expr, Ident, Query, SelectItem, SetExpr, Statement};

/// The name PostgreSQL gives `expr` as a result column, if it differs from what a plain
/// column reference already carries.
fn pg_name(expr: &Expr) -> Option<String> {
    match expr {
        _ if is_current_role(expr) => Some("current_role".to_owned()),
        Expr::Identifier(_) | Expr::CompoundIdentifier(_) => None,
        Expr::Function(f) => crate::ast::function_name(f).map(str::to_lowercase),
        Expr::Cast {
            expr, data_type, ..
        } => match expr.as_ref() {
            Expr::Identifier(i) => Some(i.value.clone()),
            Expr::CompoundIdentifier(parts) => parts.last().map(|i| i.value.clone()),
            Expr::Value(_) => Some(data_type.to_string().to_lowercase()),
            inner => pg_name(inner),
        },
        Expr::Nested(inner) => pg_name(inner),
        Expr::Case { .. } => Some("case".to_owned()),
        _ => Some("?column?".to_owned()),
    }
}

/// Whether `expr` is SQL's `current_role`, which the parser reads as a name (PostgreSQL
/// reserves the word: no column is called that unquoted).
pub(crate) fn is_current_role(expr: &Expr) -> bool {
    matches!(expr, Expr::Identifier(i)
        if i.quote_style.is_none() && i.value.eq_ignore_ascii_case("current_role"))
}

fn name_projection(query: &mut Query) {
    let SetExpr::Select(select) = query.body.as_mut() else {
        return;
    };
    // Behind a wildcard any name may be taken already; every alias then gets the mark.
    let wildcard = select.projection.iter().any(|item| {
        matches!(
            item,
            SelectItem::Wildcard(_) | SelectItem::QualifiedWildcard(..)
        )
    });
    let mut taken: Vec<String> = Vec::new();
    for (position, item) in select.projection.iter_mut().enumerate() {
        match item {
            SelectItem::UnnamedExpr(expr) => {
                let Some(name) = pg_name(expr) else {
                    match expr {
                        Expr::Identifier(i) => taken.push(i.value.to_lowercase()),
                        Expr::CompoundIdentifier(parts) => {
                            taken.extend(parts.last().map(|i| i.value.to_lowercase()))
                        }
                        _ => {}
                    }
                    continue;
                };
                let alias = if wildcard || taken.contains(&name) {
                    format!("{name}{MARK}{position}")
                } else {
                    name.clone()
                };
                taken.push(name);
                let expr = std::mem::replace(expr, Expr::value(sqlparser::ast::Value::Null));
                *item = SelectItem::ExprWithAlias {
                    expr,
                    alias: Ident::with_quote('"', alias),
                };
            }
            // Two columns given one name (`SELECT 1 AS a, 2 AS a`, which PostgreSQL answers):
            // the second is made unique for the engine. An ORDER BY of the name then sorts
            // by the first, where PostgreSQL calls it ambiguous.
            SelectItem::ExprWithAlias { alias, .. } => {
                let name = crate::relations::fold(alias);
                if taken.contains(&name) {
                    *alias = Ident::with_quote('"', format!("{name}{MARK}{position}"));
                }
                taken.push(name);
            }
            _ => {}
        }
    }
}

/// Gives the result columns of `statement` PostgreSQL's names.
pub fn name_result_columns(statement: &mut Statement) {
    if let Statement::Query(query) = statement {
        name_projection(query);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn named(sql: &str) -> String {
        let mut statement = crate::parse(sql).expect("valid").remove(0);
        name_result_columns(&mut statement);
        statement.to_string()
    }

    #[test]
    fn functions_casts_and_expressions() {
        assert_eq!(
            named("SELECT count(*) FROM t"),
            "SELECT count(*) AS \"count\" FROM t"
        );
        assert_eq!(named("SELECT 1"), "SELECT 1 AS \"?column?\"");
        assert_eq!(
            named("SELECT a::int FROM t"),
            "SELECT a::INT AS \"a\" FROM t"
        );
        assert_eq!(named("SELECT 1::int4"), "SELECT 1::INT4 AS \"int4\"");
        assert_eq!(named("SELECT a, b AS c FROM t"), "SELECT a, b AS c FROM t");
    }

    #[test]
    fn duplicate_aliases_are_unique_for_the_engine() {
        assert_eq!(
            named("SELECT 1 AS a, 2 AS A, 3 AS \"A\""),
            "SELECT 1 AS a, 2 AS \"a\u{1f}1\", 3 AS \"A\""
        );
    }

    #[test]
    fn duplicate_names_are_unique_for_the_engine_and_equal_for_the_client() {
        assert_eq!(
            named("SELECT count(a), count(b) FROM t"),
            "SELECT count(a) AS \"count\", count(b) AS \"count\u{1f}1\" FROM t"
        );
        assert_eq!(
            named("SELECT a, a::int FROM t"),
            "SELECT a, a::INT AS \"a\u{1f}1\" FROM t"
        );
        assert_eq!(
            named("SELECT *, a::int FROM t"),
            "SELECT *, a::INT AS \"a\u{1f}1\" FROM t"
        );
        assert_eq!(client_column_name("count\u{1f}1"), "count");
        assert_eq!(client_column_name("count"), "count");
    }
}
