//! Rules every engine dialect takes, with the dialect's own spelling where it matters:
//!
//! - `to_char`/`to_date`/`to_timestamp` templates ([`crate::formats`]);
//! - [`similar_to`]: PostgreSQL's SQL regular expressions, which DuckDB and DataFusion read
//!   as LIKE patterns or not at all;
//! - [`format_to_concat`]: `format('%s ...', ...)`, which neither engine has with
//!   PostgreSQL's meaning.

use sqlparser::ast::{BinaryOperator, Expr};

use crate::ast::{
    binary, call_with, concatenation, function_name, not, string, string_literal, take,
};
use crate::types::Scope;
use crate::{formats, Dialect, TranspileError};

/// Applies the shared rules to one expression whose children are done.
pub(crate) fn apply(
    expr: &mut Expr,
    scope: &Scope<'_>,
    dialect: Dialect,
) -> Result<(), TranspileError> {
    formats::apply(expr, scope, dialect)?;
    bytea_hex(expr, dialect);
    similar_to(expr, dialect)?;
    format_to_concat(expr, dialect)
}

/// `x SIMILAR TO 'pattern'` becomes an anchored regular expression match, translated the
/// way PostgreSQL's `similar_to_escape` does: `%` is `.*`, `_` is `.`, a regular
/// expression's own `.` is literal.
pub fn similar_to(expr: &mut Expr, dialect: Dialect) -> Result<(), TranspileError> {
    let Expr::SimilarTo {
        negated,
        expr: value,
        pattern,
        escape_char,
    } = expr
    else {
        return Ok(());
    };
    if escape_char.is_some() {
        return Err(TranspileError::Unsupported(format!(
            "SIMILAR TO ... ESCAPE is not supported by {dialect}"
        )));
    }
    let Some(text) = string_literal(pattern) else {
        return Err(TranspileError::Unsupported(format!(
            "SIMILAR TO with a pattern that is not a literal is not supported by {dialect}"
        )));
    };
    let mut regex = String::from("^(?:");
    let mut chars = text.chars();
    let mut in_class = false;
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                regex.push('\\');
                if let Some(next) = chars.next() {
                    regex.push(next);
                }
            }
            '[' => {
                in_class = true;
                regex.push(c);
            }
            ']' => {
                in_class = false;
                regex.push(c);
            }
            _ if in_class => regex.push(c),
            '%' => regex.push_str(".*"),
            '_' => regex.push('.'),
            '.' | '^' | '$' => {
                regex.push('\\');
                regex.push(c);
            }
            c => regex.push(c),
        }
    }
    regex.push_str(")$");
    let value = take(value);
    let matched = match dialect {
        Dialect::DuckDb => call_with("regexp_full_match", vec![value, string(&regex)]),
        Dialect::Trino => call_with("regexp_like", vec![value, string(&regex)]),
        _ => binary(value, BinaryOperator::PGRegexMatch, string(&regex)),
    };
    *expr = if *negated {
        not(Expr::Nested(Box::new(matched)))
    } else {
        matched
    };
    Ok(())
}

/// `format('%s-%s', a, b)` with a literal format of `%s` and `%%` only is `concat(a, '-',
/// b)`: both print NULL as nothing. Other specifiers (`%I`, `%L`, widths, positions) are
/// 0A000.
pub fn format_to_concat(expr: &mut Expr, dialect: Dialect) -> Result<(), TranspileError> {
    let Expr::Function(function) = expr else {
        return Ok(());
    };
    if !function_name(function).is_some_and(|n| n.eq_ignore_ascii_case("format")) {
        return Ok(());
    }
    let arguments: Vec<Expr> = crate::ast::arguments(function).cloned().collect();
    let mut arguments = arguments.into_iter();
    let Some(template) = arguments.next() else {
        return Ok(());
    };
    let Some(template) = string_literal(&template).map(str::to_owned) else {
        return Err(TranspileError::Unsupported(format!(
            "format() with a format that is not a literal is not supported by {dialect}"
        )));
    };
    let mut parts = Vec::new();
    let mut literal = String::new();
    let mut chars = template.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            literal.push(c);
            continue;
        }
        match chars.next() {
            Some('%') => literal.push('%'),
            Some('s') => {
                if !literal.is_empty() {
                    parts.push(string(&std::mem::take(&mut literal)));
                }
                let argument = arguments.next().ok_or_else(|| {
                    TranspileError::Syntax("too few arguments for format()".to_owned())
                })?;
                parts.push(argument);
            }
            other => {
                return Err(TranspileError::Unsupported(format!(
                    "format() specifier %{} is not supported by {dialect}",
                    other.map(String::from).unwrap_or_default()
                )))
            }
        }
    }
    if !literal.is_empty() || parts.is_empty() {
        parts.push(string(&literal));
    }
    *expr = call_with("concat", parts);
    Ok(())
}

/// `'\\x0102'::bytea`, PostgreSQL's hex input, as the bytes it means; the engines would
/// take the text's own bytes.
pub fn bytea_hex(expr: &mut Expr, dialect: Dialect) {
    let Expr::Cast {
        expr: value,
        data_type,
        ..
    } = expr
    else {
        return;
    };
    if crate::types::SqlType::of(data_type) != crate::types::SqlType::Bytea {
        return;
    }
    let Some(hex) = string_literal(value).and_then(|text| text.strip_prefix("\\x")) else {
        return;
    };
    let hex = string(hex);
    *expr = match dialect {
        Dialect::DuckDb | Dialect::Trino => call_with("from_hex", vec![hex]),
        _ => call_with("decode", vec![hex, string("hex")]),
    };
}

/// A string literal with a quote next to a quote or after a backslash, as a concatenation
/// of literals: sqlparser renders `''` inside a value as an already-escaped quote (one
/// quote), so DuckDB and Trino would read another string.
pub fn quoted_literals(expr: &mut Expr) {
    let Some(text) = string_literal(expr) else {
        return;
    };
    if !(text.contains("''") || text.contains("\\'")) {
        return;
    }
    let mut pieces: Vec<Expr> = Vec::new();
    for (i, part) in text.split('\'').enumerate() {
        if i > 0 {
            pieces.push(string("'"));
        }
        if !part.is_empty() {
            pieces.push(string(part));
        }
    }
    *expr = Expr::Nested(Box::new(concatenation(pieces)));
}
