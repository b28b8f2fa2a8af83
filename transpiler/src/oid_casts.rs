//! Casts to PostgreSQL's object-identifier types (`regclass`, `regtype`, `oid`, ...), which no
//! engine has: junction's pg_catalog keeps OIDs as plain integers, so such a cast is dropped.
//!
//! datafusion-pg-catalog's parser drops them too, but in a pre-order walk: once it replaces
//! `CAST(CAST(x AS regclass) AS oid)` by its operand, the walk goes on below that operand and
//! never looks at the inner cast it just promoted (SQLAlchemy's column reflection nests them
//! so). This rule walks bottom-up, so every nesting depth goes.

use std::ops::ControlFlow;

use sqlparser::ast::{visit_expressions_mut, DataType, Expr, Statement, Value};

/// The object-identifier types, as sqlparser prints them lowercased, with and without the
/// `pg_catalog.` qualifier.
const OID_TYPES: [&str; 9] = [
    "oid",
    "regclass",
    "regproc",
    "regprocedure",
    "regtype",
    "regnamespace",
    "regrole",
    "regoper",
    "regoperator",
];

fn oid_type_name(data_type: &DataType) -> Option<&'static str> {
    let name = data_type.to_string().to_lowercase();
    let name = name.strip_prefix("pg_catalog.").unwrap_or(&name);
    OID_TYPES.iter().copied().find(|t| *t == name)
}

/// `'23'`: an OID written as text (a name such as `'pg_class'` is a regclass's operand).
fn is_number_as_text(expr: &Expr) -> bool {
    matches!(expr, Expr::Value(v) if matches!(&v.value, Value::SingleQuotedString(s) if s.parse::<u32>().is_ok()))
}

/// Makes each OID written as text (`'23'::oid`, as psql's `\gdesc` writes type oids) a
/// number (`'23'::BIGINT`), where dropping the cast would leave a string; whether there was
/// one.
pub fn number_text_oids(statement: &mut Statement) -> bool {
    let mut found = false;
    let _ = visit_expressions_mut(statement, |expr| {
        if let Expr::Cast {
            data_type,
            expr: operand,
            ..
        } = expr
        {
            if oid_type_name(data_type) == Some("oid") && is_number_as_text(operand) {
                *data_type = DataType::BigInt(None);
                found = true;
            }
        }
        ControlFlow::<()>::Continue(())
    });
    found
}

/// Replaces every cast to an object-identifier type in `statement` by its operand (but for
/// an OID written as text, which becomes a number).
pub fn remove_oid_casts(statement: &mut Statement) {
    number_text_oids(statement);
    let _ = visit_expressions_mut(statement, |expr| {
        if let Expr::Cast {
            data_type,
            expr: operand,
            ..
        } = expr
        {
            if oid_type_name(data_type).is_some() {
                *expr = crate::ast::take(operand);
            }
        }
        ControlFlow::<()>::Continue(())
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse;

    fn rewritten(sql: &str) -> String {
        let mut statement = parse(sql).expect("valid SQL").remove(0);
        remove_oid_casts(&mut statement);
        statement.to_string()
    }

    #[test]
    fn an_oid_written_as_text_stays_a_number() {
        assert_eq!(
            rewritten("SELECT format_type(tp, -1) FROM (VALUES ('23'::pg_catalog.oid)) s(tp)"),
            "SELECT format_type(tp, -1) FROM (VALUES ('23'::BIGINT)) s (tp)"
        );
    }

    #[test]
    fn nested_casts_all_go() {
        assert_eq!(
            rewritten(
                "SELECT CAST(CAST(pg_get_serial_sequence(CAST(CAST(a.attrelid AS REGCLASS) AS TEXT), \
                 a.attname) AS REGCLASS) AS OID) FROM pg_attribute AS a"
            ),
            "SELECT pg_get_serial_sequence(CAST(a.attrelid AS TEXT), a.attname) FROM pg_attribute AS a"
        );
    }

    #[test]
    fn qualified_and_double_colon_forms_go() {
        assert_eq!(
            rewritten("SELECT 't'::pg_catalog.regclass::oid, x::regtype"),
            "SELECT 't', x"
        );
    }

    #[test]
    fn other_casts_stay() {
        assert_eq!(
            rewritten("SELECT x::int8, CAST(y AS TEXT)"),
            "SELECT x::INT8, CAST(y AS TEXT)"
        );
    }
}
