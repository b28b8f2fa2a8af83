//! Parameter markers (`$1`) in a parsed statement: their numbers, and those whose type
//! PostgreSQL infers from their place alone where the engines infer none (a LIMIT or OFFSET
//! count is bigint).

use std::ops::ControlFlow;

use sqlparser::ast::{
    visit_expressions, Expr, LimitClause, Query, Statement, Value, Visit, Visitor,
};

use crate::types::SqlType;

/// The number of a parameter marker: 3 for `$3`.
pub fn parameter_number(expr: &Expr) -> Option<usize> {
    match expr {
        Expr::Value(value) => match &value.value {
            Value::Placeholder(p) => p.strip_prefix('$')?.parse().ok(),
            _ => None,
        },
        _ => None,
    }
}

/// The highest parameter number `statement` refers to, 0 for none.
pub fn highest_parameter(statement: &Statement) -> usize {
    let mut highest = 0;
    let _ = visit_expressions(statement, |expr| {
        highest = highest.max(parameter_number(expr).unwrap_or(0));
        ControlFlow::<()>::Continue(())
    });
    highest
}

/// The first parameter `statement` refers to, in the order it is written, that is not among
/// the `bound` values: PostgreSQL's "there is no parameter $n".
pub fn first_unbound_parameter(statement: &Statement, bound: usize) -> Option<usize> {
    let found = visit_expressions(statement, |expr| match parameter_number(expr) {
        Some(n) if n > bound => ControlFlow::Break(n),
        _ => ControlFlow::Continue(()),
    });
    match found {
        ControlFlow::Break(n) => Some(n),
        ControlFlow::Continue(()) => None,
    }
}

/// The parameters written with a cast (`$1::int8`, SQLAlchemy's `$1::VARCHAR`), each with the
/// cast's type, first cast first: PostgreSQL gives such a parameter that type, where the
/// engines infer none (DataFusion types a placeholder by what it is compared with).
pub fn cast_parameters(statement: &Statement) -> Vec<(usize, SqlType)> {
    let mut cast = Vec::new();
    let _ = visit_expressions(statement, |expr| {
        if let Expr::Cast {
            expr: operand,
            data_type,
            ..
        } = expr
        {
            if let Some(n) = parameter_number(operand) {
                if !cast.iter().any(|(seen, _)| *seen == n) {
                    cast.push((n, SqlType::of(data_type)));
                }
            }
        }
        ControlFlow::<()>::Continue(())
    });
    cast
}

/// The numbers of the parameters that are a LIMIT or OFFSET count in `statement`.
pub fn count_parameters(statement: &Statement) -> Vec<usize> {
    let mut counts = Counts(Vec::new());
    let _ = statement.visit(&mut counts);
    counts.0
}

struct Counts(Vec<usize>);

impl Counts {
    fn note(&mut self, expr: &Expr) {
        self.0.extend(parameter_number(expr));
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
        assert_eq!(highest_parameter(&statement), 4);
    }

    #[test]
    fn a_cast_parameter_takes_the_first_casts_type() {
        let statement = parse("SELECT $2::int8, CAST($1 AS VARCHAR), $2::text, $3 + 1")
            .expect("parses")
            .remove(0);
        assert_eq!(
            cast_parameters(&statement),
            [(2, SqlType::Int8), (1, SqlType::Text)]
        );
    }

    #[test]
    fn the_first_unbound_parameter_is_the_first_written() {
        let statement = parse("SELECT $3, $1 + $2").expect("parses").remove(0);
        assert_eq!(first_unbound_parameter(&statement, 0), Some(3));
        assert_eq!(first_unbound_parameter(&statement, 2), Some(3));
        assert_eq!(first_unbound_parameter(&statement, 3), None);
        let statement = parse("SELECT '$1'").expect("parses").remove(0);
        assert_eq!(first_unbound_parameter(&statement, 0), None);
    }
}
