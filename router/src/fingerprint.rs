//! Statement fingerprints: a statement with its literals left out, as pg_stat_statements
//! groups statements, so that a dashboard's query learns across the values it is sent with.

use std::hash::{DefaultHasher, Hash, Hasher};
use std::ops::ControlFlow;

use sqlparser::ast::{Expr, Statement, Value, VisitMut, VisitorMut};

/// The identity of a statement up to its literal values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Fingerprint(pub u64);

impl Fingerprint {
    /// The fingerprint's bits as a signed bigint, as PostgreSQL's `queryid` is.
    pub fn query_id(self) -> i64 {
        i64::from_ne_bytes(self.0.to_ne_bytes())
    }

    pub fn of(statement: &Statement) -> Self {
        let mut normalised = statement.clone();
        let _ = normalised.visit(&mut Literals);
        let mut hasher = DefaultHasher::new();
        normalised.hash(&mut hasher);
        Fingerprint(hasher.finish())
    }
}

/// `statement` as pg_stat_statements shows it: each literal replaced by a parameter
/// numbered after the statement's own (`WHERE id = 7 AND ward = $1` reads
/// `WHERE id = $2 AND ward = $1`).
pub fn normalised_text(statement: &Statement) -> String {
    let mut normalised = statement.clone();
    let mut highest = Highest(0);
    let _ = sqlparser::ast::Visit::visit(&normalised, &mut highest);
    let _ = normalised.visit(&mut Numbered {
        next: highest.0 + 1,
    });
    normalised.to_string()
}

/// The highest `$n` a statement names.
struct Highest(usize);

impl sqlparser::ast::Visitor for Highest {
    type Break = ();

    fn pre_visit_expr(&mut self, expr: &Expr) -> ControlFlow<()> {
        if let Expr::Value(value) = expr {
            if let Value::Placeholder(p) = &value.value {
                if let Some(n) = p.strip_prefix('$').and_then(|n| n.parse::<usize>().ok()) {
                    self.0 = self.0.max(n);
                }
            }
        }
        ControlFlow::Continue(())
    }
}

/// Replaces each literal with the next `$n`, in the order they appear.
struct Numbered {
    next: usize,
}

impl VisitorMut for Numbered {
    type Break = ();

    fn pre_visit_expr(&mut self, expr: &mut Expr) -> ControlFlow<()> {
        if let Expr::Value(value) = expr {
            if !matches!(value.value, Value::Placeholder(_)) {
                value.value = Value::Placeholder(format!("${}", self.next));
                self.next += 1;
            }
        }
        ControlFlow::Continue(())
    }
}

/// Replaces every literal with the same placeholder.
struct Literals;

impl VisitorMut for Literals {
    type Break = ();

    fn post_visit_expr(&mut self, expr: &mut Expr) -> ControlFlow<()> {
        if let Expr::Value(value) = expr {
            if !matches!(value.value, Value::Placeholder(_)) {
                value.value = Value::Placeholder("?".to_owned());
            }
        }
        ControlFlow::Continue(())
    }
}

#[cfg(test)]
mod tests {
    use sqlparser::dialect::PostgreSqlDialect;
    use sqlparser::parser::Parser;

    use super::*;

    fn of(sql: &str) -> Fingerprint {
        let statements = Parser::parse_sql(&PostgreSqlDialect {}, sql).expect("parses");
        Fingerprint::of(&statements[0])
    }

    #[test]
    fn literals_do_not_count_but_everything_else_does() {
        let a = of("SELECT * FROM silver.vitals WHERE patient_id = 7 AND ward = 'ICU' LIMIT 10");
        let b =
            of("SELECT * FROM silver.vitals WHERE patient_id = 12 AND ward = 'oncology' LIMIT 5");
        assert_eq!(a, b);
        assert_ne!(
            a,
            of("SELECT * FROM silver.vitals WHERE patient_id > 7 AND ward = 'ICU' LIMIT 10")
        );
        assert_ne!(
            a,
            of("SELECT * FROM gold.vitals WHERE patient_id = 7 AND ward = 'ICU' LIMIT 10")
        );
    }

    #[test]
    fn the_text_numbers_literals_after_the_statements_own_parameters() {
        let statements = Parser::parse_sql(
            &PostgreSqlDialect {},
            "SELECT * FROM silver.vitals WHERE patient_id = 7 AND ward = $1 LIMIT 10",
        )
        .expect("parses");
        assert_eq!(
            normalised_text(&statements[0]),
            "SELECT * FROM silver.vitals WHERE patient_id = $2 AND ward = $1 LIMIT $3"
        );
    }
}
