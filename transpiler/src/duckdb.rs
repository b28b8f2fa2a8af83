//! Rules that make DuckDB answer what PostgreSQL answers.
//!
//! Some differences are settings of the DuckDB engine rather than rewrites:
//! `integer_division` (PostgreSQL's `/` on integers truncates) and `default_null_order =
//! 'postgres'` (NULLs last ascending, first descending). The rest are rules here, each a small
//! walk over the AST:
//!
//! - [`checked_division`]: PostgreSQL raises `division by zero` (22012) for `/` and `%` by
//!   zero, where DuckDB returns NULL.
//! - [`int4_results`]: PostgreSQL's string lengths and positions and `ntile` are int4, DuckDB's
//!   BIGINT.

use std::ops::ControlFlow;

use sqlparser::ast::{
    visit_expressions_mut, BinaryOperator, CastKind, DataType, Expr, Function, FunctionArg,
    FunctionArgExpr, FunctionArgumentList, FunctionArguments, Ident, ObjectName, Statement, Value,
};

/// The DuckDB macro [`checked_division`] wraps divisors in.
pub const DIVISOR_MACRO: &str = "junction_divisor";

/// The macros the rules rely on, to be created in every DuckDB database queries run in.
pub const MACROS: &[&str] = &["CREATE OR REPLACE MACRO junction_divisor(x) AS \
     CASE WHEN x = 0 THEN error('division by zero') ELSE x END"];

/// Applies every rule to `statement`.
pub fn apply(statement: &mut Statement) {
    checked_division(statement);
    int4_results(statement);
}

/// Functions PostgreSQL types int4 that DuckDB types BIGINT.
const INT4_FUNCTIONS: [&str; 7] = [
    "length",
    "char_length",
    "character_length",
    "octet_length",
    "bit_length",
    "strpos",
    "ntile",
];

/// Calls of [`INT4_FUNCTIONS`] (and `position(a IN b)`) are cast to INTEGER, so that the
/// client sees PostgreSQL's type. Result columns keep their names: the router has already
/// named every result column as PostgreSQL does.
pub fn int4_results(statement: &mut Statement) {
    let _ = visit_expressions_mut(statement, |expr| {
        let int4 = match expr {
            Expr::Function(f) => f
                .name
                .0
                .last()
                .and_then(|part| part.as_ident())
                .is_some_and(|name| {
                    INT4_FUNCTIONS.contains(&name.value.to_ascii_lowercase().as_str())
                }),
            Expr::Position { .. } => true,
            _ => false,
        };
        if int4 {
            let call = std::mem::replace(expr, Expr::value(Value::Null));
            *expr = Expr::Cast {
                kind: CastKind::Cast,
                expr: Box::new(call),
                data_type: DataType::Integer(None),
                array: false,
                format: None,
            };
        }
        ControlFlow::<()>::Continue(())
    });
}

/// `a / b` and `a % b` become `a / junction_divisor(b)`: the macro passes `b` through, and
/// raises PostgreSQL's error where `b` is zero.
pub fn checked_division(statement: &mut Statement) {
    let _ = visit_expressions_mut(statement, |expr| {
        if let Expr::BinaryOp {
            op: BinaryOperator::Divide | BinaryOperator::Modulo,
            right,
            ..
        } = expr
        {
            let divisor = std::mem::replace(right.as_mut(), Expr::value(Value::Null));
            **right = call(DIVISOR_MACRO, divisor);
        }
        ControlFlow::<()>::Continue(())
    });
}

fn call(name: &str, argument: Expr) -> Expr {
    Expr::Function(Function {
        name: ObjectName::from(vec![Ident::new(name)]),
        uses_odbc_syntax: false,
        parameters: FunctionArguments::None,
        args: FunctionArguments::List(FunctionArgumentList {
            duplicate_treatment: None,
            args: vec![FunctionArg::Unnamed(FunctionArgExpr::Expr(argument))],
            clauses: vec![],
        }),
        filter: None,
        null_treatment: None,
        over: None,
        within_group: vec![],
    })
}

#[cfg(test)]
mod tests {
    use crate::{render, Dialect};

    fn duckdb(sql: &str) -> String {
        let statement = crate::parse(sql).expect("parses").remove(0);
        render(&statement, Dialect::DuckDb).expect("renders")
    }

    #[test]
    fn divisors_are_checked() {
        assert_eq!(
            duckdb("SELECT a / b, a % (b - 1) FROM t"),
            "SELECT a / junction_divisor(b), a % junction_divisor((b - 1)) FROM t"
        );
    }

    #[test]
    fn nested_divisions_are_each_checked_once() {
        assert_eq!(
            duckdb("SELECT x / (y / z) FROM t WHERE a / 2 > 1"),
            "SELECT x / junction_divisor((y / junction_divisor(z))) FROM t \
             WHERE a / junction_divisor(2) > 1"
        );
    }

    #[test]
    fn string_lengths_are_int4() {
        assert_eq!(
            duckdb("SELECT length(name) AS length, position('a' IN name) FROM t WHERE strpos(name, 'b') > 1"),
            "SELECT CAST(length(name) AS INTEGER) AS length, CAST(POSITION('a' IN name) AS INTEGER) \
             FROM t WHERE CAST(strpos(name, 'b') AS INTEGER) > 1"
        );
    }

    #[test]
    fn other_operators_are_untouched() {
        assert_eq!(
            duckdb("SELECT a * b + c - d FROM t"),
            "SELECT a * b + c - d FROM t"
        );
    }
}
