//! The transpiler: parses PostgreSQL-dialect SQL once, and renders the AST for each engine.
//!
//! DataFusion plans the sqlparser AST itself, after the rules of [`datafusion`]; DuckDB gets
//! the statement rewritten by the rules of [`duckdb`], as text, and Trino by those of
//! `trino`. Both take the shared rules
//! (result types, `to_char` templates, SIMILAR TO, `format`, set-returning functions).
//! Rules whose rewrite depends on types ask a [`TypeOracle`], which the router fills with the
//! column types of the tables the statement reads; the transpiler itself knows no catalog.
//! What a dialect cannot express is a [`TranspileError::Unsupported`] (0A000) naming the
//! construct and the dialect, which makes the engine ineligible for the statement.

use std::fmt;

/// PostgreSQL's aggregate functions that dashboards and junction's rewrites call, by name
/// (junction's own `avg` and `mode` are made of `sum`, `count` and `array_agg`).
pub const AGGREGATES: [&str; 19] = [
    "count",
    "sum",
    "avg",
    "min",
    "max",
    "stddev",
    "stddev_samp",
    "stddev_pop",
    "variance",
    "var_samp",
    "var_pop",
    "bool_and",
    "bool_or",
    "every",
    "string_agg",
    "array_agg",
    "percentile_cont",
    "percentile_disc",
    "mode",
];

mod array_subquery;
mod ast;
mod cast_names;
pub mod datafusion;
mod date_trunc_nulls;
mod decimal_branches;
mod directives;
pub mod duckdb;
mod equivalents;
mod formats;
pub mod identifiers;
mod limits;
mod local_time;
mod messages;
mod names;
mod oid_casts;
mod ordered_input;
mod parameters;
mod placeholders;
mod relations;
mod result_intervals;
mod result_types;
mod rewrite;
mod session;
mod set_returning;
mod shared;
mod symmetric;
mod trino;
mod type_modifiers;
mod types;

pub use array_subquery::{array_of_subquery, empty_array};
pub use ast::split_and;
pub use directives::{directives, Directed, Directives};
pub use formats::TO_CHAR_NUMBER;
use limits::check_parameters;
pub use limits::{check_size, MAX_NESTING, MAX_OPERATORS, MAX_PARAMETERS};
pub use local_time::{is_utc, local_time_use, text_has_offset};
pub use messages::{function_signature, UNDEFINED_FUNCTION_HINT};
pub use names::{client_column_name, name_result_columns};
pub use oid_casts::{number_text_oids, remove_oid_casts};
pub use parameters::{
    cast_parameters, count_parameters, first_unbound_parameter, highest_parameter, parameter_number,
};
pub use placeholders::number_question_marks;
pub use relations::{fold, table_name_parts, table_references, SYSTEM_SCHEMAS};
pub use session::{bind_session_values, server_version, SessionValues, UNKNOWN_SETTING_FUNCTION};
pub use shared::{ARRAY_TEXT, FLOAT8_TEXT, INTERVAL_TEXT, TIMESTAMP_TEXT};
pub use type_modifiers::NAME_FUNCTION;
pub use types::{NoTypes, SqlType, TableTypes, TypeOracle};

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
    DuckDb,
    /// Trino's SQL, as text for its HTTP protocol.
    Trino,
}

impl Dialect {
    pub const ALL: [Dialect; 4] = [
        Dialect::Postgres,
        Dialect::DataFusion,
        Dialect::DuckDb,
        Dialect::Trino,
    ];
}

impl fmt::Display for Dialect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Dialect::Postgres => "postgres",
            Dialect::DataFusion => "datafusion",
            Dialect::DuckDb => "duckdb",
            Dialect::Trino => "trino",
        })
    }
}

impl std::str::FromStr for Dialect {
    type Err = TranspileError;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        Dialect::ALL
            .into_iter()
            .find(|d| d.to_string().eq_ignore_ascii_case(name))
            .ok_or_else(|| {
                let names: Vec<String> = Dialect::ALL.iter().map(ToString::to_string).collect();
                TranspileError::UnknownDialect(format!(
                    "unknown dialect \"{name}\" (dialects: {})",
                    names.join(", ")
                ))
            })
    }
}

/// `statement` (PostgreSQL's dialect) as `dialect` must run it to answer what PostgreSQL
/// answers; `types` knows the columns of the tables it reads.
pub fn render(
    statement: &Statement,
    dialect: Dialect,
    types: &dyn TypeOracle,
) -> Result<String, TranspileError> {
    let mut statement = statement.clone();
    rewrite(&mut statement, dialect, types)?;
    Ok(statement.to_string())
}

/// Rewrites `statement` in place for an engine that plans the AST itself (DataFusion); the
/// text [`render`] gives for other dialects comes from the same rewrite.
pub fn rewrite(
    statement: &mut Statement,
    dialect: Dialect,
    types: &dyn TypeOracle,
) -> Result<(), TranspileError> {
    match dialect {
        Dialect::DataFusion | Dialect::DuckDb | Dialect::Trino => {
            rewrite::rewrite(statement, dialect, types)
        }
        Dialect::Postgres => Ok(()),
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

    #[error("{0}")]
    UnknownDialect(String),

    /// A construct the target dialect cannot express (the message names both).
    #[error("{0}")]
    Unsupported(String),

    /// junction's own metadata or the session's identity (`current_schema()`, pg_catalog's
    /// functions), which the target engine does not serve: another engine answers it, even
    /// with the session pinned to this one.
    #[error("{0}")]
    Metadata(String),

    /// A named object the statement refers to that does not exist (a setting).
    #[error("{0}")]
    UndefinedObject(String),

    /// A call of a function that does not exist with these arguments.
    #[error("{0}")]
    UndefinedFunction(String),

    /// A statement past the operator, nesting or token bounds of [`check_size`].
    #[error("{0}")]
    TooComplex(String),

    /// A statement longer than [`check_size`] takes.
    #[error("{0}")]
    TooLarge(String),

    /// A value PostgreSQL refuses as a parameter of a type or function (`varchar(0)`).
    #[error("{0}")]
    InvalidParameter(String),

    /// A select list wider than PostgreSQL allows.
    #[error("{0}")]
    TooManyColumns(String),
}

impl TranspileError {
    /// The SQLSTATE clients see for this error.
    pub fn sqlstate(&self) -> &'static str {
        match self {
            TranspileError::Syntax(_) => "42601",
            TranspileError::Hint(_)
            | TranspileError::UnknownDialect(_)
            | TranspileError::InvalidParameter(_) => "22023",
            TranspileError::Unsupported(_) | TranspileError::Metadata(_) => "0A000",
            TranspileError::UndefinedObject(_) => "42704",
            TranspileError::UndefinedFunction(_) => "42883",
            TranspileError::TooComplex(_) => "54001",
            TranspileError::TooLarge(_) => "54000",
            TranspileError::TooManyColumns(_) => "54011",
        }
    }
}

/// Parses PostgreSQL SQL text into statements (none for an empty string or lone `;`).
pub fn parse(sql: &str) -> Result<Vec<Statement>, TranspileError> {
    check_size(sql)?;
    let marked = symmetric::mark(sql);
    let mut statements = Parser::parse_sql(&PostgreSqlDialect {}, &marked).map_err(syntax_error)?;
    if let std::borrow::Cow::Owned(_) = marked {
        statements.iter_mut().for_each(symmetric::expand);
    }
    statements.iter().try_for_each(check_statement)?;
    Ok(statements)
}

/// What PostgreSQL refuses in a parsed statement before it plans it: too many parameters,
/// a type modifier out of range.
pub fn check_statement(statement: &Statement) -> Result<(), TranspileError> {
    check_parameters(statement)?;
    type_modifiers::check_type_modifiers(statement)
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
