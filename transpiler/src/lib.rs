//! The transpiler: parses PostgreSQL-dialect SQL once, and renders the AST for each engine.
//!
//! Today the only engine is DataFusion, which plans the sqlparser AST itself, so rendering is
//! the identity; the rules that make other dialects return PostgreSQL's answers land here.

use std::fmt;

mod directives;
mod names;
mod oid_casts;
mod relations;

pub use directives::{directives, Directed, Directives};
pub use names::{client_column_name, name_result_columns};
pub use oid_casts::remove_oid_casts;
pub use relations::{fold, table_name_parts, table_references, SYSTEM_SCHEMAS};

use sqlparser::ast::Statement;
use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::parser::{Parser, ParserError};

/// An SQL dialect junction reads or writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// What clients write.
    Postgres,
    /// Apache DataFusion's SQL, planned straight from the AST.
    DataFusion,
}

impl fmt::Display for Dialect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Dialect::Postgres => "postgres",
            Dialect::DataFusion => "datafusion",
        })
    }
}

/// Errors of the transpiler.
#[derive(Debug, thiserror::Error)]
pub enum TranspileError {
    #[error("{0}")]
    Syntax(String),

    /// A junction hint comment that does not say what it means.
    #[error("{0}")]
    Hint(String),
}

impl TranspileError {
    /// The SQLSTATE clients see for this error.
    pub fn sqlstate(&self) -> &'static str {
        match self {
            TranspileError::Syntax(_) => "42601",
            TranspileError::Hint(_) => "22023",
        }
    }
}

/// Parses PostgreSQL SQL text into statements (none for an empty string or lone `;`).
pub fn parse(sql: &str) -> Result<Vec<Statement>, TranspileError> {
    Parser::parse_sql(&PostgreSqlDialect {}, sql).map_err(syntax_error)
}

/// A sqlparser error as the syntax error clients see.
pub fn syntax_error(e: ParserError) -> TranspileError {
    // sqlparser prefixes every message with its own name; clients want PostgreSQL's wording.
    let message = e.to_string();
    let message = message
        .strip_prefix("sql parser error: ")
        .unwrap_or(&message)
        .to_owned();
    TranspileError::Syntax(format!("syntax error: {message}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_several_statements() {
        let statements = parse("select 1; select 2").expect("valid SQL");
        assert_eq!(statements.len(), 2);
    }

    #[test]
    fn empty_input_is_no_statement() {
        assert!(parse("").expect("empty is valid").is_empty());
        assert!(parse(" ; ").expect("lone semicolon is valid").is_empty());
    }

    #[test]
    fn syntax_errors_carry_42601() {
        let err = parse("selec 1").expect_err("not SQL");
        assert_eq!(err.sqlstate(), "42601");
        assert!(err.to_string().starts_with("syntax error"), "{err}");
    }
}
