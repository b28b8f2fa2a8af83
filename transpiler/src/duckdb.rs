//! Rules that make DuckDB answer what PostgreSQL answers.
//!
//! Some differences are settings of the DuckDB engine rather than rewrites:
//! `integer_division` (PostgreSQL's `/` on integers truncates) and `default_null_order =
//! 'postgres'` (NULLs last ascending, first descending). The rest are rules here, each a small
//! walk over the AST:
//!
//! - [`checked_division`]: PostgreSQL raises `division by zero` (22012) for `/` and `%` by
//!   zero, where DuckDB returns NULL.
//! - [`int4_result`]: PostgreSQL's string lengths and positions and `ntile` are int4, DuckDB's
//!   BIGINT.

use std::ops::ControlFlow;

use sqlparser::ast::{visit_expressions_mut, BinaryOperator, DataType, Expr, Statement};

use crate::ast::{call, cast_in_place, function_name, take};

/// The DuckDB macro [`checked_division`] wraps divisors in.
pub const DIVISOR_MACRO: &str = "junction_divisor";

/// The macros the rules rely on, to be created in every DuckDB database queries run in.
pub const MACROS: &[&str] = &["CREATE OR REPLACE MACRO junction_divisor(x) AS \
     CASE WHEN x = 0 THEN error('division by zero') ELSE x END"];

/// Applies every rule to `statement`, in one bottom-up walk over its expressions.
pub fn apply(statement: &mut Statement) {
    let _ = visit_expressions_mut(statement, |expr| {
        checked_division(expr);
        int4_result(expr);
        ControlFlow::<()>::Continue(())
    });
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

/// A call of [`INT4_FUNCTIONS`] (or `position(a IN b)`) is cast to INTEGER, so that the
/// client sees PostgreSQL's type. Result columns keep their names: the router has already
/// named every result column as PostgreSQL does.
pub fn int4_result(expr: &mut Expr) {
    let int4 = match expr {
        Expr::Function(f) => function_name(f)
            .is_some_and(|name| INT4_FUNCTIONS.contains(&name.to_ascii_lowercase().as_str())),
        Expr::Position { .. } => true,
        _ => false,
    };
    if int4 {
        cast_in_place(expr, DataType::Integer(None));
    }
}

/// `a / b` and `a % b` become `a / junction_divisor(b)`: the macro passes `b` through, and
/// raises PostgreSQL's error where `b` is zero.
pub fn checked_division(expr: &mut Expr) {
    if let Expr::BinaryOp {
        op: BinaryOperator::Divide | BinaryOperator::Modulo,
        right,
        ..
    } = expr
    {
        let divisor = take(right);
        **right = call(DIVISOR_MACRO, divisor);
    }
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
