//! The order of an ordered derived table or CTE, where PostgreSQL keeps it for the query
//! that reads it: SQL does not promise it, but clients rely on it. Superset and Metabase wrap
//! a user's query as `SELECT ... FROM (query) AS virtual_table LIMIT 1000`; PostgREST and
//! Hasura build their JSON as `json_agg(t) FROM (SELECT ... ORDER BY ...) t`. DataFusion's SQL
//! planner drops the ORDER BY of a subquery without LIMIT (so the wrapped query's LIMIT kept
//! other rows than PostgreSQL's), and DuckDB aggregates in parallel.
//!
//! - [`keep_derived_order`]: an aggregate whose result lists its input in order
//!   (`string_agg`, `array_agg`, `json_agg`, ...) gets the derived table's order as its own
//!   `ORDER BY`, which every engine keeps.
//! - [`hoist_derived_order`] (DataFusion): a query that only filters and projects the ordered
//!   rows gets their order as its own `ORDER BY` (before its LIMIT), and its window functions
//!   over the whole input (`row_number() OVER ()`) get it in their `OVER`.
//!
//! Only where PostgreSQL itself keeps the order: one derived table or CTE read alone (no join)
//! and no grouping (a grouped aggregate may sort its input for the groups), and only for sort
//! keys the outer query can name (output columns of the derived table); other shapes are left
//! as written.

use sqlparser::ast::{
    Expr, Function, FunctionArgumentClause, FunctionArguments, Ident, ObjectName, OrderBy,
    OrderByExpr, OrderByKind, Query, Select, SelectItem, SetExpr, TableAlias, TableAliasColumnDef,
    TableFactor, Value, WindowFrame, WindowFrameBound, WindowFrameUnits, WindowSpec, WindowType,
    With,
};

use crate::ast::{function_name, own_calls};

/// Aggregates whose result lists their input in the order it came.
const ORDER_SENSITIVE: [&str; 7] = [
    "string_agg",
    "array_agg",
    "json_agg",
    "jsonb_agg",
    "json_object_agg",
    "jsonb_object_agg",
    "xmlagg",
];

/// Window functions that number or shift rows: the frame means nothing to them.
const FRAMELESS_WINDOWS: [&str; 4] = ["row_number", "ntile", "lag", "lead"];

/// Window functions whose value over the whole input a sort would change.
const RANKING_WINDOWS: [&str; 4] = ["rank", "dense_rank", "percent_rank", "cume_dist"];

/// Gives the order-sensitive aggregates of `query`'s select list the ORDER BY of the derived
/// table they read, where PostgreSQL keeps that order.
pub(crate) fn keep_derived_order(query: &mut Query) {
    let with = query.with.as_ref();
    let SetExpr::Select(select) = query.body.as_mut() else {
        return;
    };
    let Some(keys) = source_order(with, select) else {
        return;
    };
    own_calls(&mut select.projection, |f| order_aggregate(f, &keys));
    if let Some(having) = &mut select.having {
        own_calls(having, |f| order_aggregate(f, &keys));
    }
}

/// Gives `query` the order of the ordered derived table or CTE it only filters and projects
/// (DataFusion drops that order): as its own ORDER BY when it has none, and in the `OVER ()`
/// of its window functions over the whole input.
pub(crate) fn hoist_derived_order(query: &mut Query) {
    if query.order_by.is_some() {
        return;
    }
    let with = query.with.as_ref();
    let SetExpr::Select(select) = query.body.as_mut() else {
        return;
    };
    if select.distinct.is_some() || select.having.is_some() || !select.named_window.is_empty() {
        return;
    }
    let Some(keys) = source_order(with, select) else {
        return;
    };
    let mut windows = Windows::default();
    own_calls(&mut select.projection, |f| windows.note(f));
    if windows.aggregated || windows.reordering {
        return;
    }
    own_calls(&mut select.projection, |f| order_window(f, &keys));
    query.order_by = Some(OrderBy {
        kind: OrderByKind::Expressions(keys),
        interpolate: None,
    });
}

/// Where a query's rows come from, when that is one relation read alone.
struct Source<'a> {
    query: &'a Query,
    /// The column names the reference gives the query's output columns, by position.
    renames: &'a [TableAliasColumnDef],
    /// The name the outer query qualifies its columns with.
    qualifier: Option<&'a Ident>,
}

/// The ordered source's sort keys as the outer `select` names them, when it reads one derived
/// table or CTE (of `with`) alone and does not group.
fn source_order(with: Option<&With>, select: &Select) -> Option<Vec<OrderByExpr>> {
    let [from] = select.from.as_slice() else {
        return None;
    };
    if !from.joins.is_empty() || crate::ast::is_grouped(select) {
        return None;
    }
    let source = source(with, &from.relation)?;
    let OrderByKind::Expressions(keys) = &source.query.order_by.as_ref()?.kind else {
        return None;
    };
    let SetExpr::Select(inner) = source.query.body.as_ref() else {
        return None;
    };
    if keys.is_empty() {
        return None;
    }
    keys.iter()
        .map(|key| {
            let (position, name) = output_column(inner, &key.expr)?;
            let name = if source.renames.is_empty() {
                name
            } else {
                &source.renames.get(position?)?.name
            };
            Some(OrderByExpr {
                expr: match source.qualifier {
                    Some(q) => Expr::CompoundIdentifier(vec![q.clone(), name.clone()]),
                    None => Expr::Identifier(name.clone()),
                },
                options: key.options,
                with_fill: None,
            })
        })
        .collect()
}

/// The derived table, or the CTE of `with` that `relation` names.
fn source<'a>(with: Option<&'a With>, relation: &'a TableFactor) -> Option<Source<'a>> {
    let columns = |alias: Option<&'a TableAlias>| alias.map_or(&[][..], |a| &a.columns[..]);
    match relation {
        TableFactor::Derived {
            lateral: false,
            subquery,
            alias,
            ..
        } => Some(Source {
            query: subquery,
            renames: columns(alias.as_ref()),
            qualifier: alias.as_ref().map(|a| &a.name),
        }),
        TableFactor::Table {
            name: ObjectName(parts),
            alias,
            args: None,
            ..
        } => {
            let [part] = parts.as_slice() else {
                return None;
            };
            let name = part.as_ident()?;
            let cte = with?
                .cte_tables
                .iter()
                .find(|cte| cte.alias.name.value == name.value)?;
            let renames = match columns(alias.as_ref()) {
                [] => &cte.alias.columns[..],
                renamed => renamed,
            };
            Some(Source {
                query: &cte.query,
                renames,
                qualifier: Some(alias.as_ref().map_or(name, |a| &a.name)),
            })
        }
        _ => None,
    }
}

/// Which output column of `inner` (its position, when known, and name) the sort key `key`
/// is.
fn output_column<'a>(inner: &'a Select, key: &'a Expr) -> Option<(Option<usize>, &'a Ident)> {
    let projection = &inner.projection;
    let wildcard = projection
        .iter()
        .any(|item| matches!(item, SelectItem::Wildcard(_)));
    if projection
        .iter()
        .any(|item| matches!(item, SelectItem::QualifiedWildcard(..)))
    {
        return None;
    }
    // A position is that item's, when no wildcard makes positions unknown.
    if let Expr::Value(value) = key {
        let Value::Number(n, _) = &value.value else {
            return None;
        };
        let position = n.parse::<usize>().ok()?.checked_sub(1)?;
        if wildcard {
            return None;
        }
        return Some((Some(position), output_name(projection.get(position)?)?));
    }
    let position = projection.iter().position(|item| match item {
        SelectItem::ExprWithAlias { expr, alias } => {
            same_column(expr, key) || bare(key).is_some_and(|k| same_name(k, alias))
        }
        SelectItem::UnnamedExpr(expr) => same_column(expr, key),
        _ => false,
    });
    match (position, wildcard) {
        (Some(position), false) => Some((Some(position), output_name(&projection[position])?)),
        (Some(position), true) => Some((None, output_name(&projection[position])?)),
        // Behind `*` over one table, the key's column is an output column by its own name,
        // unless an item of the same name shadows it.
        (None, true) => {
            let [from] = inner.from.as_slice() else {
                return None;
            };
            if !from.joins.is_empty() {
                return None;
            }
            let name = column_name(key)?;
            let shadowed = projection
                .iter()
                .filter_map(output_name)
                .any(|n| same_name(n, name));
            (!shadowed).then_some((None, name))
        }
        (None, false) => None,
    }
}

/// The name a select item's column has outside the query.
fn output_name(item: &SelectItem) -> Option<&Ident> {
    match item {
        SelectItem::ExprWithAlias { alias, .. } => Some(alias),
        SelectItem::UnnamedExpr(expr) => column_name(expr),
        _ => None,
    }
}

/// A column reference's column, `x` of `t.x`.
fn column_name(expr: &Expr) -> Option<&Ident> {
    match expr {
        Expr::Identifier(ident) => Some(ident),
        Expr::CompoundIdentifier(parts) => parts.last(),
        _ => None,
    }
}

/// Whether the select item's `expr` is the sort key `key`: the same expression, or the same
/// column once qualified and once not (`x` and `t.x`; SQL refuses `x` if it were ambiguous).
fn same_column(expr: &Expr, key: &Expr) -> bool {
    if expr == key {
        return true;
    }
    match (expr, key) {
        (Expr::Identifier(a), Expr::CompoundIdentifier(b))
        | (Expr::CompoundIdentifier(b), Expr::Identifier(a)) => {
            b.last().is_some_and(|b| same_name(a, b))
        }
        (Expr::Identifier(a), Expr::Identifier(b)) => same_name(a, b),
        _ => false,
    }
}

/// Whether two identifiers name the same thing: unquoted ones fold to lower case.
fn same_name(a: &Ident, b: &Ident) -> bool {
    let folded = |i: &Ident| match i.quote_style {
        Some(_) => i.value.clone(),
        None => i.value.to_ascii_lowercase(),
    };
    folded(a) == folded(b)
}

/// An unqualified name: an ORDER BY may name an output column by its alias.
fn bare(expr: &Expr) -> Option<&Ident> {
    match expr {
        Expr::Identifier(ident) => Some(ident),
        _ => None,
    }
}

/// An order-sensitive aggregate with DISTINCT and no ORDER BY (`string_agg(DISTINCT ward,
/// ', ')`) lists its values in their order, as PostgreSQL's does: PostgreSQL finds the
/// distinct values by sorting them, the engines by hashing, so their lists came in any order
/// and could change from run to run. The aggregated values (string_agg's, not its
/// delimiter) become the ORDER BY.
pub(crate) fn distinct_input_order(expr: &mut Expr) {
    let Expr::Function(function) = expr else {
        return;
    };
    let name = lowercase_name(function);
    if function.over.is_some() || !ORDER_SENSITIVE.contains(&name.as_str()) {
        return;
    }
    let FunctionArguments::List(list) = &mut function.args else {
        return;
    };
    let distinct = matches!(
        list.duplicate_treatment,
        Some(sqlparser::ast::DuplicateTreatment::Distinct)
    );
    let ordered = list
        .clauses
        .iter()
        .any(|clause| matches!(clause, FunctionArgumentClause::OrderBy(_)));
    if !distinct || ordered {
        return;
    }
    let aggregated = if name == "string_agg" {
        1
    } else {
        list.args.len()
    };
    let keys: Vec<OrderByExpr> = list
        .args
        .iter()
        .take(aggregated)
        .filter_map(|argument| match argument {
            sqlparser::ast::FunctionArg::Unnamed(sqlparser::ast::FunctionArgExpr::Expr(e)) => {
                Some(OrderByExpr {
                    expr: e.clone(),
                    options: sqlparser::ast::OrderByOptions {
                        asc: None,
                        nulls_first: Some(false),
                    },
                    with_fill: None,
                })
            }
            _ => None,
        })
        .collect();
    if keys.len() == aggregated {
        list.clauses
            .insert(0, FunctionArgumentClause::OrderBy(keys));
    }
}

/// Gives an order-sensitive aggregate without its own ORDER BY or DISTINCT the keys.
fn order_aggregate(function: &mut Function, keys: &[OrderByExpr]) {
    if function.over.is_some() || !ORDER_SENSITIVE.contains(&lowercase_name(function).as_str()) {
        return;
    }
    let FunctionArguments::List(list) = &mut function.args else {
        return;
    };
    // DISTINCT sorts the input by the arguments anyway; an own ORDER BY wins.
    let ordered = list
        .clauses
        .iter()
        .any(|clause| matches!(clause, FunctionArgumentClause::OrderBy(_)));
    if list.duplicate_treatment.is_none() && !ordered {
        list.clauses
            .insert(0, FunctionArgumentClause::OrderBy(keys.to_vec()));
    }
}

/// What the window functions and aggregates of a select list do to the order of its rows.
#[derive(Default)]
struct Windows {
    /// An aggregate outside a window: the query makes one row ([`keep_derived_order`] orders
    /// its input).
    aggregated: bool,
    /// A window that sorts its input (PARTITION BY, ORDER BY, a named window) or whose value
    /// an order would change (`rank() OVER ()`).
    reordering: bool,
}

impl Windows {
    /// Notes what one call of the select list's own level does.
    fn note(&mut self, function: &Function) {
        let name = lowercase_name(function);
        match &function.over {
            None => {
                self.aggregated |= crate::AGGREGATES.contains(&name.as_str())
                    || ORDER_SENSITIVE.contains(&name.as_str())
            }
            Some(WindowType::WindowSpec(spec)) if whole_input(spec) => {
                self.reordering |= RANKING_WINDOWS.contains(&name.as_str())
            }
            Some(_) => self.reordering = true,
        }
    }
}

/// `OVER ()`.
fn whole_input(spec: &WindowSpec) -> bool {
    spec.window_name.is_none()
        && spec.partition_by.is_empty()
        && spec.order_by.is_empty()
        && spec.window_frame.is_none()
}

fn lowercase_name(function: &Function) -> String {
    function_name(function).map_or_else(String::new, str::to_ascii_lowercase)
}

/// Orders a window over the whole input by the keys; one that reads a frame keeps the whole
/// input as its frame (an ORDER BY alone would end it at the current row).
fn order_window(function: &mut Function, keys: &[OrderByExpr]) {
    let frameless = FRAMELESS_WINDOWS.contains(&lowercase_name(function).as_str());
    if let Some(WindowType::WindowSpec(spec)) = &mut function.over {
        spec.order_by = keys.to_vec();
        if !frameless {
            spec.window_frame = Some(WindowFrame {
                units: WindowFrameUnits::Rows,
                start_bound: WindowFrameBound::Preceding(None),
                end_bound: Some(WindowFrameBound::Following(None)),
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `sql`, one query, after `rule`.
    fn applied(sql: &str, rule: fn(&mut Query)) -> String {
        let mut statements = crate::parse(sql).expect("parses");
        let sqlparser::ast::Statement::Query(query) = &mut statements[0] else {
            panic!("a query");
        };
        rule(query);
        query.to_string()
    }

    fn kept(sql: &str) -> String {
        applied(sql, keep_derived_order)
    }

    fn hoisted(sql: &str) -> String {
        applied(sql, hoist_derived_order)
    }

    #[test]
    fn the_derived_tables_order_becomes_the_aggregates() {
        assert_eq!(
            kept("SELECT string_agg(name, ',') FROM (SELECT name FROM p ORDER BY name DESC) s"),
            "SELECT string_agg(name, ',' ORDER BY s.name DESC) FROM (SELECT name FROM p ORDER BY name DESC) s"
        );
        assert_eq!(
            kept("SELECT coalesce(json_agg(t), '[]') FROM (SELECT id, n AS m FROM p ORDER BY m, 1 LIMIT 3) t"),
            "SELECT coalesce(json_agg(t ORDER BY t.m, t.id), '[]') FROM (SELECT id, n AS m FROM p ORDER BY m, 1 LIMIT 3) t"
        );
        assert_eq!(
            kept("SELECT array_agg(a) FROM (SELECT * FROM p ORDER BY p.x NULLS FIRST) AS s(a)"),
            "SELECT array_agg(a) FROM (SELECT * FROM p ORDER BY p.x NULLS FIRST) AS s (a)",
            "renamed columns behind a wildcard cannot be named"
        );
        assert_eq!(
            kept("SELECT array_agg(a) FROM (SELECT * FROM p ORDER BY p.x NULLS FIRST) AS s"),
            "SELECT array_agg(a ORDER BY s.x NULLS FIRST) FROM (SELECT * FROM p ORDER BY p.x NULLS FIRST) AS s"
        );
        assert_eq!(
            kept("SELECT array_agg(b) FROM (SELECT x + 1 AS a, y FROM p ORDER BY x + 1) AS s(b, c)"),
            "SELECT array_agg(b ORDER BY s.b) FROM (SELECT x + 1 AS a, y FROM p ORDER BY x + 1) AS s (b, c)"
        );
    }

    #[test]
    fn a_query_that_filters_and_projects_ordered_rows_keeps_their_order() {
        assert_eq!(
            hoisted("SELECT x FROM (SELECT x FROM t ORDER BY x DESC) s WHERE x > 1 LIMIT 5"),
            "SELECT x FROM (SELECT x FROM t ORDER BY x DESC) s WHERE x > 1 ORDER BY s.x DESC LIMIT 5"
        );
        assert_eq!(
            hoisted("SELECT x FROM (SELECT X AS y, x FROM t ORDER BY t.x) s"),
            "SELECT x FROM (SELECT X AS y, x FROM t ORDER BY t.x) s ORDER BY s.y"
        );
        assert_eq!(
            hoisted("WITH c (y) AS (SELECT x FROM t ORDER BY 1) SELECT * FROM c"),
            "WITH c (y) AS (SELECT x FROM t ORDER BY 1) SELECT * FROM c ORDER BY c.y"
        );
        assert_eq!(
            hoisted(
                "SELECT row_number() OVER () AS rn, sum(x) OVER (), x FROM (SELECT x FROM t ORDER BY x DESC) s"
            ),
            "SELECT row_number() OVER (ORDER BY s.x DESC) AS rn, \
             sum(x) OVER (ORDER BY s.x DESC ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING), \
             x FROM (SELECT x FROM t ORDER BY x DESC) s ORDER BY s.x DESC"
        );
        // A window or an aggregate in a subquery of the select list works on that
        // subquery's rows.
        assert_eq!(
            hoisted(
                "SELECT x, (SELECT row_number() OVER () FROM u LIMIT 1), (SELECT max(y) FROM u) \
                 FROM (SELECT x FROM t ORDER BY x) s"
            ),
            "SELECT x, (SELECT row_number() OVER () FROM u LIMIT 1), (SELECT max(y) FROM u) \
             FROM (SELECT x FROM t ORDER BY x) s ORDER BY s.x"
        );
    }

    #[test]
    fn queries_that_order_group_or_sort_for_a_window_are_left() {
        for sql in [
            "SELECT x FROM (SELECT x FROM t ORDER BY x DESC) s ORDER BY x",
            "SELECT DISTINCT x FROM (SELECT x FROM t ORDER BY x DESC) s",
            "SELECT count(*) FROM (SELECT x FROM t ORDER BY x DESC) s",
            "SELECT rank() OVER () FROM (SELECT x FROM t ORDER BY x DESC) s",
            "SELECT row_number() OVER (PARTITION BY x) FROM (SELECT x FROM t ORDER BY x DESC) s",
            "SELECT x FROM (SELECT x FROM t ORDER BY x DESC) s JOIN u ON true",
            "WITH c AS (SELECT x FROM t) SELECT x FROM c",
        ] {
            let parsed = crate::parse(sql).expect("parses")[0].to_string();
            assert_eq!(hoisted(sql), parsed, "{sql}");
        }
    }

    #[test]
    fn shapes_where_postgresql_may_reorder_or_the_key_has_no_name_are_left() {
        for sql in [
            // grouped
            "SELECT k, string_agg(name, ',') FROM (SELECT k, name FROM p ORDER BY name) s GROUP BY k",
            // joined
            "SELECT string_agg(name, ',') FROM (SELECT name FROM p ORDER BY name) s JOIN q ON true",
            // a key that is no output column
            "SELECT string_agg(name, ',') FROM (SELECT name FROM p ORDER BY id) s",
            // its own order, DISTINCT, a window
            "SELECT string_agg(name, ',' ORDER BY name) FROM (SELECT name FROM p ORDER BY id) s",
            "SELECT string_agg(DISTINCT name, ',') FROM (SELECT name FROM p ORDER BY name) s",
            "SELECT string_agg(name, ',') OVER () FROM (SELECT name FROM p ORDER BY name) s",
            // an aggregate of another query level
            "SELECT (SELECT string_agg(x, ',') FROM q) FROM (SELECT name FROM p ORDER BY name) s",
            // not order-sensitive
            "SELECT sum(x) FROM (SELECT x FROM p ORDER BY x) s",
        ] {
            let parsed = crate::parse(sql).expect("parses")[0].to_string();
            assert_eq!(kept(sql), parsed, "{sql}");
        }
    }
}
