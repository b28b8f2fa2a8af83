//! DataFusion names a cast by the value it casts: `max(CAST(x AS int8))` is `max(t.x)`, as
//! `max(x)` is. Two such calls at one query level are one name to the aggregate or window
//! node computing them, and DataFusion refuses the plan ("Schema contains duplicate
//! unqualified field name", apache/datafusion#18975) where PostgreSQL answers.
//!
//! A call that only its casts tell from another of its level gets its casts wrapped in
//! `coalesce`: once for the second such call, twice for the third. DataFusion names the
//! wrapper (`max(coalesce(t.x))`), and its simplifier then removes it (`coalesce` of one
//! value is that value), keeping the name.

use std::collections::HashMap;
use std::ops::ControlFlow;

use sqlparser::ast::{
    Expr, Function, OrderBy, Query, Select, SetExpr, Visit, VisitMut, Visitor, VisitorMut,
};

use crate::ast::{call, own_calls, take};

/// Gives each call of each of `query`'s levels a name of its own in DataFusion.
pub(crate) fn distinct_cast_names(query: &mut Query) {
    match query.body.as_mut() {
        SetExpr::Select(select) => level(select, query.order_by.as_mut()),
        other => branches(other),
    }
}

/// The SELECTs of a set operation: each aggregates its own rows.
fn branches(body: &mut SetExpr) {
    match body {
        SetExpr::Select(select) => level(select, None),
        SetExpr::SetOperation { left, right, .. } => {
            branches(left);
            branches(right);
        }
        _ => {}
    }
}

/// One query level: `select` and the ORDER BY that sorts its rows.
fn level(select: &mut Select, mut order_by: Option<&mut OrderBy>) {
    if !casts_in_calls(&*select) && !order_by.as_deref().is_some_and(casts_in_calls) {
        return;
    }
    // Per name as DataFusion writes it, the calls' texts: the one without casts first.
    let mut names: HashMap<String, Vec<String>> = HashMap::new();
    let mut note = |f: &mut Function| {
        let text = f.to_string();
        let name = without_casts(f);
        let texts = names.entry(name.clone()).or_default();
        if !texts.contains(&text) {
            if text == name {
                texts.insert(0, text);
            } else {
                texts.push(text);
            }
        }
    };
    own_calls(select, &mut note);
    if let Some(order_by) = order_by.as_deref_mut() {
        own_calls(order_by, &mut note);
    }
    // Each text after the first of its name, with its place there: how often it is wrapped.
    let wraps: HashMap<String, usize> = names
        .into_values()
        .flat_map(|texts| texts.into_iter().enumerate().skip(1))
        .map(|(place, text)| (text, place))
        .collect();
    if wraps.is_empty() {
        return;
    }
    // A call rewritten here is not found again: its text has changed.
    let mut rename = |f: &mut Function| {
        if let Some(&n) = wraps.get(&f.to_string()) {
            wrap_casts(f, n);
        }
    };
    own_calls(select, &mut rename);
    if let Some(order_by) = order_by {
        own_calls(order_by, &mut rename);
    }
}

/// Whether a function call of `node`'s own query level casts anything: one walk, however
/// deep the calls nest.
fn casts_in_calls<V: Visit>(node: &V) -> bool {
    #[derive(Default)]
    struct Finder {
        queries: usize,
        calls: usize,
    }
    impl Visitor for Finder {
        type Break = ();
        fn pre_visit_query(&mut self, _: &Query) -> ControlFlow<()> {
            self.queries += 1;
            ControlFlow::Continue(())
        }
        fn post_visit_query(&mut self, _: &Query) -> ControlFlow<()> {
            self.queries -= 1;
            ControlFlow::Continue(())
        }
        fn pre_visit_expr(&mut self, expr: &Expr) -> ControlFlow<()> {
            match expr {
                Expr::Cast { .. } if self.queries == 0 && self.calls > 0 => {
                    return ControlFlow::Break(())
                }
                Expr::Function(_) => self.calls += 1,
                _ => {}
            }
            ControlFlow::Continue(())
        }
        fn post_visit_expr(&mut self, expr: &Expr) -> ControlFlow<()> {
            if matches!(expr, Expr::Function(_)) {
                self.calls -= 1;
            }
            ControlFlow::Continue(())
        }
    }
    node.visit(&mut Finder::default()).is_break()
}

/// `function`'s text as DataFusion names it: without its casts.
fn without_casts(function: &Function) -> String {
    struct Uncast;
    impl VisitorMut for Uncast {
        type Break = ();
        fn post_visit_expr(&mut self, expr: &mut Expr) -> ControlFlow<()> {
            if let Expr::Cast { expr: inner, .. } = expr {
                *expr = take(inner);
            }
            ControlFlow::Continue(())
        }
    }
    let mut copy = function.clone();
    let _ = VisitMut::visit(&mut copy, &mut Uncast);
    copy.to_string()
}

/// Wraps each outermost cast of `function`'s own level in `wraps` calls of `coalesce`.
fn wrap_casts(function: &mut Function, wraps: usize) {
    struct Wrapper {
        wraps: usize,
        queries: usize,
        casts: usize,
    }
    impl VisitorMut for Wrapper {
        type Break = ();
        fn pre_visit_query(&mut self, _: &mut Query) -> ControlFlow<()> {
            self.queries += 1;
            ControlFlow::Continue(())
        }
        fn post_visit_query(&mut self, _: &mut Query) -> ControlFlow<()> {
            self.queries -= 1;
            ControlFlow::Continue(())
        }
        fn pre_visit_expr(&mut self, expr: &mut Expr) -> ControlFlow<()> {
            if matches!(expr, Expr::Cast { .. }) && self.queries == 0 {
                self.casts += 1;
            }
            ControlFlow::Continue(())
        }
        fn post_visit_expr(&mut self, expr: &mut Expr) -> ControlFlow<()> {
            if !matches!(expr, Expr::Cast { .. }) || self.queries > 0 {
                return ControlFlow::Continue(());
            }
            self.casts -= 1;
            if self.casts == 0 {
                for _ in 0..self.wraps {
                    *expr = call("coalesce", take(expr));
                }
            }
            ControlFlow::Continue(())
        }
    }
    let _ = VisitMut::visit(
        function,
        &mut Wrapper {
            wraps,
            queries: 0,
            casts: 0,
        },
    );
}

#[cfg(test)]
mod tests {
    use sqlparser::ast::Statement;
    use sqlparser::dialect::PostgreSqlDialect;
    use sqlparser::parser::Parser;

    fn renamed(sql: &str) -> String {
        let mut statements = Parser::parse_sql(&PostgreSqlDialect {}, sql).expect("parses");
        let Statement::Query(query) = &mut statements[0] else {
            panic!("a query");
        };
        super::distinct_cast_names(query);
        statements[0].to_string()
    }

    #[test]
    fn calls_told_apart_only_by_casts_are_named_apart() {
        assert_eq!(
            renamed("SELECT max(a), max(CAST(a AS BIGINT)), max(a::SMALLINT) FROM t"),
            "SELECT max(a), max(coalesce(CAST(a AS BIGINT))), \
             max(coalesce(coalesce(a::SMALLINT))) FROM t"
        );
        assert_eq!(
            renamed(
                "SELECT avg(CAST(x AS INT)) AS c0 FROM t \
                 HAVING avg(x) > 0 ORDER BY avg(CAST(x AS BIGINT))"
            ),
            "SELECT avg(coalesce(CAST(x AS INT))) AS c0 FROM t \
             HAVING avg(x) > 0 ORDER BY avg(coalesce(coalesce(CAST(x AS BIGINT))))"
        );
    }

    #[test]
    fn other_calls_and_other_levels_are_left() {
        for sql in [
            "SELECT max(CAST(a AS BIGINT)), max(CAST(a AS BIGINT)), min(CAST(a AS INT)) FROM t",
            "SELECT max(a) FROM t UNION SELECT max(CAST(a AS BIGINT)) FROM u",
            "SELECT max(a), (SELECT max(CAST(a AS BIGINT)) FROM u) FROM t",
            "SELECT sum(a) OVER (), sum(a) FROM t",
        ] {
            assert_eq!(renamed(sql), sql);
        }
    }
}
