//! Statement fingerprints: a statement with its literals left out, as pg_stat_statements
//! groups statements, so that a dashboard's query learns across the values it is sent with.

use std::hash::{DefaultHasher, Hash, Hasher};
use std::ops::ControlFlow;

use sqlparser::ast::{Expr, Statement, Value, VisitMut, VisitorMut};

/// The identity of a statement up to its literal values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Fingerprint(pub u64);

impl Fingerprint {
    pub fn of(statement: &Statement) -> Self {
        let mut normalised = statement.clone();
        let _ = normalised.visit(&mut Literals);
        let mut hasher = DefaultHasher::new();
        normalised.hash(&mut hasher);
        Fingerprint(hasher.finish())
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
}
