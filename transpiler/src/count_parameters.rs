//! Parameters whose type PostgreSQL infers from their place alone, where the engines infer
//! none: a LIMIT or OFFSET count is bigint (`LIMIT $1`).

use std::ops::ControlFlow;

use sqlparser::ast::{Expr, LimitClause, Query, Statement, Value, Visit, Visitor};

/// The numbers of the parameters that are a LIMIT or OFFSET count in `statement`.
pub fn count_parameters(statement: &Statement) -> Vec<usize> {
    let mut counts = Counts(Vec::new());
    let _ = statement.visit(&mut counts);
    counts.0
}

struct Counts(Vec<usize>);

impl Counts {
    fn note(&mut self, expr: &Expr) {
        if let Expr::Value(value) = expr {
            if let Value::Placeholder(p) = &value.value {
                if let Some(n) = p.strip_prefix('$').and_then(|n| n.parse().ok()) {
                    self.0.push(n);
                }
            }
        }
    }
}

impl Visitor for Counts {
    type Break = ();

    fn pre_visit_query(&mut self, query: &Query) -> ControlFlow<()> {
        match &query.limit_clause {
            Some(LimitClause::LimitOffset { limit, offset, .. }) => {
                if let Some(limit) = limit {
                    self.note(limit);
                }
                if let Some(offset) = offset {
                    self.note(&offset.value);
                }
            }
            Some(LimitClause::OffsetCommaLimit { offset, limit }) => {
                self.note(offset);
                self.note(limit);
            }
            None => {}
        }
        ControlFlow::Continue(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse;

    #[test]
    fn limit_and_offset_parameters_are_counts() {
        let statement = parse(
            "SELECT a FROM t WHERE b = $1 AND c IN (SELECT d FROM u LIMIT $4) LIMIT $2 OFFSET $3",
        )
        .expect("parses")
        .remove(0);
        let mut found = count_parameters(&statement);
        found.sort_unstable();
        assert_eq!(found, [2, 3, 4]);
    }
}
