//! Trino's rules: PostgreSQL's SQL as Trino must read it to answer what PostgreSQL answers.
//!
//! The rules run in two steps. The walk of [`crate::rewrite`] applies [`expression_rules`],
//! [`query_rules`] and [`table_factor`] with the statement's types, as for the other
//! dialects, and the shared result-type rules. Then [`spell`] renames what Trino spells
//! otherwise (types, `::` casts, functions, NULL ordering) everywhere, including in the
//! expressions the first step built.
//!
//! Facts from Trino's documentation (functions and operators, SELECT, data types, release
//! 470): no `::`, no ILIKE, no default LIKE escape, `concat` is NULL when any argument is,
//! `greatest` is NULL when any argument is, NULLs sort last in both directions, OFFSET comes
//! before LIMIT, a plain TIMESTAMP has millisecond precision, DECIMAL alone is DECIMAL(38,0),
//! array subscripts out of range fail, and there are no `left`/`right`/`initcap`/`to_char`
//! or exact percentiles.

mod functions;
mod literals;
mod operators;
mod spelling;

pub(crate) use spelling::spell;

use sqlparser::ast::{
    Distinct, Expr, Fetch, FunctionArg, FunctionArguments, LimitClause, ObjectName, Offset,
    OffsetRows, Query, SelectItem, SetExpr, TableAlias, TableFactor,
};

use crate::ast::{call_with, function_name};
use crate::types::Scope;
use crate::{result_types, shared, Dialect, TranspileError};

fn unsupported(what: impl std::fmt::Display) -> TranspileError {
    TranspileError::Unsupported(format!("{what} is not supported by trino"))
}

/// The rules for one expression whose children are done.
pub(crate) fn expression_rules(expr: &mut Expr, scope: &Scope<'_>) -> Result<(), TranspileError> {
    shared::quoted_literals(expr);
    literals::escaped_literals(expr);
    shared::bytea_hex(expr, Dialect::Trino);
    shared::similar_to(expr, Dialect::Trino)?;
    shared::bool_output_text(expr, scope);
    shared::format_to_concat(expr, Dialect::Trino)?;
    literals::interval_literals(expr)?;
    operators::operators(expr, scope)?;
    functions::extract(expr, scope)?;
    functions::functions(expr, scope)?;
    operators::float_to_int(expr, scope);
    operators::exact_division(expr, scope);
    result_types::apply(expr, scope);
    result_types::int4_result(expr);
    Ok(())
}

/// Query-level rules: Trino has no DISTINCT ON and no set-returning call in a select list,
/// and takes OFFSET before LIMIT.
pub(crate) fn query_rules(query: &mut Query) -> Result<(), TranspileError> {
    if let SetExpr::Select(select) = query.body.as_ref() {
        if matches!(select.distinct, Some(Distinct::On(_))) {
            return Err(unsupported("DISTINCT ON"));
        }
        for item in &select.projection {
            if let SelectItem::UnnamedExpr(Expr::Function(f))
            | SelectItem::ExprWithAlias {
                expr: Expr::Function(f),
                ..
            } = item
            {
                if function_name(f).is_some_and(|n| {
                    n.eq_ignore_ascii_case("generate_series") || n.eq_ignore_ascii_case("unnest")
                }) {
                    return Err(unsupported("a set-returning function in the select list"));
                }
            }
        }
    }
    if let Some(LimitClause::LimitOffset {
        limit,
        offset: offset @ Some(_),
        ..
    }) = &mut query.limit_clause
    {
        // `OFFSET n ROWS FETCH FIRST m ROWS ONLY`: Trino reads LIMIT before OFFSET as an error.
        if let Some(Offset { rows, .. }) = offset {
            *rows = OffsetRows::Rows;
        }
        if let Some(limit) = limit.take() {
            if query.fetch.is_some() {
                return Err(unsupported("LIMIT with FETCH FIRST"));
            }
            query.fetch = Some(Fetch {
                with_ties: false,
                percent: false,
                quantity: Some(limit),
            });
        }
    }
    Ok(())
}

/// `generate_series(a, b [, step])` in FROM is `UNNEST(sequence(a, b [, step]))`, its column
/// named as PostgreSQL names it; a series of int4 literals stays int4. Other table functions
/// are 0A000.
pub(crate) fn table_factor(factor: &mut TableFactor) -> Result<(), TranspileError> {
    if let TableFactor::Table {
        name,
        args: Some(_),
        ..
    } = factor
    {
        if !is_series(name) {
            return Err(unsupported(format!("the table function {name}")));
        }
    }
    crate::set_returning::name_column(factor);
    match factor {
        // name_column wraps an int4 series in a subquery that casts it.
        TableFactor::Derived { subquery, .. } => {
            if let SetExpr::Select(select) = subquery.body.as_mut() {
                for from in &mut select.from {
                    series_to_unnest(&mut from.relation);
                }
            }
        }
        _ => series_to_unnest(factor),
    }
    Ok(())
}

fn series_to_unnest(factor: &mut TableFactor) {
    if let TableFactor::Table {
        name,
        args: Some(args),
        alias,
        ..
    } = factor
    {
        if is_series(name) {
            let arguments = std::mem::take(&mut args.args);
            let alias = alias.take();
            *factor = unnest(arguments, alias);
        }
    }
}

fn is_series(name: &ObjectName) -> bool {
    name.0
        .last()
        .and_then(|p| p.as_ident())
        .is_some_and(|i| i.value.eq_ignore_ascii_case("generate_series"))
}

fn unnest(arguments: Vec<FunctionArg>, alias: Option<TableAlias>) -> TableFactor {
    let mut sequence = call_with("sequence", vec![]);
    if let Expr::Function(function) = &mut sequence {
        if let FunctionArguments::List(list) = &mut function.args {
            list.args = arguments;
        }
    }
    TableFactor::UNNEST {
        alias,
        array_exprs: vec![sequence],
        with_offset: false,
        with_offset_alias: None,
        with_ordinality: false,
    }
}
