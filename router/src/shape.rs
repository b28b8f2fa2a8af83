//! The shape of a statement, as the cost model weighs it: how much work per byte scanned its
//! operators make, and how many rows it is likely to return.

use std::ops::ControlFlow;

use sqlparser::ast::{
    Expr, GroupByExpr, LimitClause, Query, SelectItem, SetExpr, Statement, Value, Visit, Visitor,
};

/// What a statement does, counted over all its queries and subqueries.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Shape {
    /// Joins, explicit or by a comma in FROM.
    pub joins: u32,
    /// SELECTs that aggregate (GROUP BY, or an aggregate call with none).
    pub aggregations: u32,
    /// SELECT DISTINCT and set operations that remove duplicates.
    pub distincts: u32,
    /// Window function calls.
    pub windows: u32,
    /// ORDER BY clauses.
    pub sorts: u32,
    /// Subqueries and CTEs beside the outermost query.
    pub subqueries: u32,
    /// The outermost query's literal LIMIT, if any.
    pub limit: Option<u64>,
    /// The outermost query aggregates without GROUP BY: one row.
    pub single_row: bool,
}

impl Shape {
    pub fn of(statement: &Statement) -> Self {
        let mut counter = Counter::default();
        let _ = statement.visit(&mut counter);
        counter.shape
    }

    /// Operators that do work beyond scanning and filtering.
    pub fn operators(&self) -> u32 {
        self.joins + self.aggregations + self.distincts + self.windows + self.sorts
    }

    /// Whether it keeps rows in memory while it runs (hash tables, sorts, windows), rather
    /// than stream them: a filter, a projection, a global aggregate or a top-n need little.
    pub fn holds_rows(&self) -> bool {
        let global_aggregate_only = self.aggregations == 1 && self.single_row;
        self.joins + self.distincts + self.windows > 0
            || (self.sorts > 0 && self.limit.is_none())
            || (self.aggregations > 0 && !global_aggregate_only)
    }

    /// The rows the statement returns at most, where its text says.
    pub fn row_bound(&self) -> Option<u64> {
        match (self.single_row, self.limit) {
            (true, _) => Some(1),
            (false, limit) => limit,
        }
    }
}

#[derive(Default)]
struct Counter {
    shape: Shape,
    queries: u32,
}

impl Visitor for Counter {
    type Break = ();

    fn pre_visit_query(&mut self, query: &Query) -> ControlFlow<()> {
        let outermost = self.queries == 0;
        self.queries += 1;
        if !outermost {
            self.shape.subqueries += 1;
        }
        if let Some(with) = &query.with {
            self.shape.subqueries += u32::try_from(with.cte_tables.len()).unwrap_or(u32::MAX);
        }
        if query.order_by.is_some() {
            self.shape.sorts += 1;
        }
        if outermost {
            self.shape.limit = literal_limit(query.limit_clause.as_ref());
            self.shape.single_row = matches!(query.body.as_ref(), SetExpr::Select(select)
                if !grouped(&select.group_by) && select.projection.iter().any(aggregates));
        }
        self.count_body(&query.body);
        ControlFlow::Continue(())
    }

    fn pre_visit_expr(&mut self, expr: &Expr) -> ControlFlow<()> {
        if let Expr::Function(function) = expr {
            if function.over.is_some() {
                self.shape.windows += 1;
            }
        }
        ControlFlow::Continue(())
    }
}

impl Counter {
    /// The SELECTs of one query body; nested queries are visited on their own.
    fn count_body(&mut self, body: &SetExpr) {
        match body {
            SetExpr::Select(select) => {
                let tables = u32::try_from(select.from.len()).unwrap_or(u32::MAX);
                let joined: usize = select.from.iter().map(|t| t.joins.len()).sum();
                self.shape.joins +=
                    tables.saturating_sub(1) + u32::try_from(joined).unwrap_or(u32::MAX);
                if grouped(&select.group_by) || select.projection.iter().any(aggregates) {
                    self.shape.aggregations += 1;
                }
                if select.distinct.is_some() {
                    self.shape.distincts += 1;
                }
            }
            SetExpr::SetOperation {
                left,
                right,
                set_quantifier,
                ..
            } => {
                if !matches!(set_quantifier, sqlparser::ast::SetQuantifier::All) {
                    self.shape.distincts += 1;
                }
                self.count_body(left);
                self.count_body(right);
            }
            _ => {}
        }
    }
}

fn grouped(group_by: &GroupByExpr) -> bool {
    match group_by {
        GroupByExpr::All(_) => true,
        GroupByExpr::Expressions(exprs, _) => !exprs.is_empty(),
    }
}

/// Whether a select item calls one of the aggregates dashboards use, outside a window.
fn aggregates(item: &SelectItem) -> bool {
    let expr = match item {
        SelectItem::UnnamedExpr(e) | SelectItem::ExprWithAlias { expr: e, .. } => e,
        _ => return false,
    };
    let mut found = false;
    let _ = sqlparser::ast::visit_expressions(expr, |e| {
        if let Expr::Function(f) = e {
            let name = f.name.to_string().to_ascii_lowercase();
            if f.over.is_none() && junction_transpiler::AGGREGATES.contains(&name.as_str()) {
                found = true;
                return ControlFlow::Break(());
            }
        }
        ControlFlow::Continue(())
    });
    found
}

fn literal_limit(clause: Option<&LimitClause>) -> Option<u64> {
    let limit = match clause? {
        LimitClause::LimitOffset { limit, .. } => limit.as_ref()?,
        LimitClause::OffsetCommaLimit { limit, .. } => limit,
    };
    match limit {
        Expr::Value(value) => match &value.value {
            Value::Number(n, _) => n.parse().ok(),
            _ => None,
        },
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use sqlparser::dialect::PostgreSqlDialect;
    use sqlparser::parser::Parser;

    use super::*;

    fn shape(sql: &str) -> Shape {
        let statements = Parser::parse_sql(&PostgreSqlDialect {}, sql).expect("parses");
        Shape::of(&statements[0])
    }

    #[test]
    fn counts_joins_aggregates_windows_and_sorts() {
        let s = shape(
            "SELECT p.ward, count(*), rank() OVER (ORDER BY count(*)) FROM silver.patients p \
             JOIN silver.vitals v ON v.patient_id = p.patient_id, silver.devices d \
             GROUP BY 1 ORDER BY 2 LIMIT 5",
        );
        assert_eq!(s.joins, 2);
        assert_eq!(s.aggregations, 1);
        assert_eq!(s.windows, 1);
        assert_eq!(s.sorts, 1);
        assert_eq!(s.limit, Some(5));
        assert!(!s.single_row);
        assert_eq!(s.operators(), 5);
    }

    #[test]
    fn a_global_aggregate_returns_one_row() {
        let s = shape("SELECT count(*) FROM silver.vitals WHERE heart_rate > 100");
        assert!(s.single_row);
        assert_eq!(s.row_bound(), Some(1));
        assert_eq!(shape("SELECT * FROM silver.vitals").row_bound(), None);
    }

    #[test]
    fn streaming_statements_hold_no_rows() {
        for sql in [
            "SELECT * FROM silver.vitals WHERE heart_rate > 100",
            "SELECT count(*), max(heart_rate) FROM silver.vitals",
            "SELECT * FROM silver.vitals ORDER BY ts DESC LIMIT 10",
        ] {
            assert!(!shape(sql).holds_rows(), "{sql}");
        }
        for sql in [
            "SELECT ward, count(*) FROM silver.patients GROUP BY 1",
            "SELECT * FROM silver.vitals ORDER BY ts",
            "SELECT DISTINCT patient_id FROM silver.vitals",
            "SELECT * FROM silver.vitals v JOIN silver.patients p USING (patient_id) LIMIT 5",
        ] {
            assert!(shape(sql).holds_rows(), "{sql}");
        }
    }

    #[test]
    fn subqueries_and_set_operations_count() {
        let s = shape(
            "WITH h AS (SELECT patient_id FROM silver.vitals) \
             SELECT patient_id FROM h WHERE patient_id IN (SELECT patient_id FROM silver.patients) \
             UNION SELECT 1",
        );
        assert_eq!(s.subqueries, 3);
        assert_eq!(s.distincts, 1);
    }
}
