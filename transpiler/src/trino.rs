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

use std::ops::ControlFlow;

use sqlparser::ast::{
    ArrayElemTypeDef, BinaryOperator, CastKind, DataType, DateTimeField, Distinct, ExactNumberInfo,
    Expr, Fetch, Function, FunctionArgumentClause, FunctionArguments, Ident, Interval, LimitClause,
    ObjectName, Offset, OffsetRows, OrderByExpr, OrderByKind, Query, SelectItem, SetExpr,
    Statement, TableFactor, TimezoneInfo, UnaryOperator, Value, VisitMut, VisitorMut,
};

use crate::ast::{
    arguments, binary, call, call_with, cast_in_place, function_name, not, number, path_steps,
    rename, string, string_literal, take, take_arguments,
};
use crate::result_types::{half_even, numeric};
use crate::types::{Scope, SqlType};
use crate::{duckdb, result_types, shared, Dialect, TranspileError};

fn unsupported(what: impl std::fmt::Display) -> TranspileError {
    TranspileError::Unsupported(format!("{what} is not supported by trino"))
}

fn into_flow(result: Result<(), TranspileError>) -> ControlFlow<TranspileError> {
    match result {
        Ok(()) => ControlFlow::Continue(()),
        Err(e) => ControlFlow::Break(e),
    }
}

/// The rules for one expression whose children are done.
pub(crate) fn expression_rules(expr: &mut Expr, scope: &Scope<'_>) -> Result<(), TranspileError> {
    duckdb::quoted_literals(expr);
    escaped_literals(expr);
    shared::bytea_hex(expr, Dialect::Trino);
    shared::similar_to(expr, Dialect::Trino)?;
    shared::format_to_concat(expr, Dialect::Trino)?;
    interval_literals(expr)?;
    operators(expr, scope)?;
    extract(expr, scope)?;
    functions(expr, scope)?;
    float_to_int(expr, scope);
    result_types::apply(expr, scope);
    duckdb::int4_result(expr);
    Ok(())
}

/// `E'...'`: Trino has no escape strings; sqlparser holds the value unescaped.
fn escaped_literals(expr: &mut Expr) {
    if let Expr::Value(v) = expr {
        if let Value::EscapedStringLiteral(text) = &mut v.value {
            let text = std::mem::take(text);
            *expr = string(&text);
            duckdb::quoted_literals(expr);
        }
    }
}

/// PostgreSQL's `interval '1 day 2 hours'` as a sum of Trino's one-unit intervals. Trino
/// keeps year-month and day-second intervals apart, so an interval with both is 0A000.
fn interval_literals(expr: &mut Expr) -> Result<(), TranspileError> {
    let Expr::Interval(interval) = expr else {
        return Ok(());
    };
    if interval.leading_field.is_some() {
        return Ok(());
    }
    let Some(text) = string_literal(&interval.value) else {
        return Err(unsupported("an interval that is not a literal"));
    };
    let words: Vec<&str> = text.split_whitespace().collect();
    if words.is_empty() || !words.len().is_multiple_of(2) {
        return Err(unsupported(format!("the interval '{text}'")));
    }
    let mut parts = Vec::new();
    let (mut months, mut days) = (false, false);
    for pair in words.chunks(2) {
        let count: i64 = pair[0]
            .parse()
            .map_err(|_| unsupported(format!("the interval '{text}' (whole units only)")))?;
        let unit = pair[1].to_ascii_lowercase();
        let (field, count) = match unit.trim_end_matches('s') {
            "year" => (DateTimeField::Year, count),
            "mon" | "month" => (DateTimeField::Month, count),
            "week" => (DateTimeField::Day, count * 7),
            "day" => (DateTimeField::Day, count),
            "hour" => (DateTimeField::Hour, count),
            "min" | "minute" => (DateTimeField::Minute, count),
            "sec" | "second" => (DateTimeField::Second, count),
            _ => return Err(unsupported(format!("the interval unit {unit}"))),
        };
        match field {
            DateTimeField::Year | DateTimeField::Month => months = true,
            _ => days = true,
        }
        parts.push(Expr::Interval(Interval {
            value: Box::new(string(&count.to_string())),
            leading_field: Some(field),
            leading_precision: None,
            last_field: None,
            fractional_seconds_precision: None,
        }));
    }
    if months && days {
        return Err(unsupported(format!(
            "the interval '{text}' (months and days in one interval)"
        )));
    }
    let mut parts = parts.into_iter();
    let Some(first) = parts.next() else {
        return Ok(());
    };
    let sum = parts.fold(first, |sum, part| binary(sum, BinaryOperator::Plus, part));
    *expr = match sum {
        single @ Expr::Interval(_) => single,
        sum => Expr::Nested(Box::new(sum)),
    };
    Ok(())
}

/// Operators Trino lacks or reads otherwise.
fn operators(expr: &mut Expr, scope: &Scope<'_>) -> Result<(), TranspileError> {
    match expr {
        Expr::ILike {
            negated,
            expr: value,
            pattern,
            escape_char,
            any: false,
        } => {
            // ILIKE: both sides lower-cased.
            let escape_char = escape_char.take();
            let like = Expr::Like {
                negated: *negated,
                any: false,
                expr: Box::new(call("lower", take(value))),
                pattern: Box::new(call("lower", take(pattern))),
                escape_char,
            };
            *expr = like;
            like_escape(expr);
        }
        Expr::Like { .. } => like_escape(expr),
        Expr::BinaryOp { left, op, right } => match op {
            BinaryOperator::PGRegexMatch
            | BinaryOperator::PGRegexIMatch
            | BinaryOperator::PGRegexNotMatch
            | BinaryOperator::PGRegexNotIMatch => {
                let insensitive = matches!(
                    op,
                    BinaryOperator::PGRegexIMatch | BinaryOperator::PGRegexNotIMatch
                );
                let negated = matches!(
                    op,
                    BinaryOperator::PGRegexNotMatch | BinaryOperator::PGRegexNotIMatch
                );
                let pattern = take(right);
                let pattern = if insensitive {
                    Expr::Nested(Box::new(binary(
                        string("(?i)"),
                        BinaryOperator::StringConcat,
                        pattern,
                    )))
                } else {
                    pattern
                };
                let matched = call_with("regexp_like", vec![take(left), pattern]);
                *expr = if negated { not(matched) } else { matched };
            }
            BinaryOperator::PGExp => {
                *expr = call_with("power", vec![take(left), take(right)]);
            }
            BinaryOperator::StringConcat => {
                // Trino concatenates varchar only; PostgreSQL's || takes any non-array.
                for side in [left, right] {
                    let text = matches!(side.as_ref(), Expr::Value(v) if v.value == Value::Null)
                        || scope
                            .type_of(side)
                            .is_some_and(|t| !matches!(t, SqlType::Text | SqlType::Array));
                    if text {
                        cast_in_place(side, DataType::Varchar(None));
                    }
                }
            }
            BinaryOperator::Plus | BinaryOperator::Minus => date_arithmetic(expr, scope),
            BinaryOperator::Arrow
            | BinaryOperator::LongArrow
            | BinaryOperator::HashArrow
            | BinaryOperator::HashLongArrow => json_operator(expr)?,
            _ => {}
        },
        Expr::AnyOp {
            left,
            compare_op,
            right,
            ..
        } => {
            if *compare_op != BinaryOperator::Eq {
                return Err(unsupported(format!("{compare_op} ANY (...)")));
            }
            *expr = call_with("contains", vec![take(right), take(left)]);
        }
        Expr::AllOp {
            left,
            compare_op,
            right,
        } => {
            if *compare_op != BinaryOperator::NotEq {
                return Err(unsupported(format!("{compare_op} ALL (...)")));
            }
            *expr = not(call_with("contains", vec![take(right), take(left)]));
        }
        Expr::CompoundFieldAccess { .. } => subscript(expr)?,
        _ => {}
    }
    Ok(())
}

/// LIKE patterns escape with a backslash in PostgreSQL unless told otherwise; Trino has no
/// escape character unless told.
fn like_escape(expr: &mut Expr) {
    let Expr::Like {
        pattern,
        escape_char,
        ..
    } = expr
    else {
        return;
    };
    let literal_without_backslash = matches!(pattern.as_ref(), Expr::Value(_))
        && string_literal(pattern).is_some_and(|p| !p.contains('\\'));
    if escape_char.is_none() && !literal_without_backslash {
        *escape_char = Some(Value::SingleQuotedString("\\".to_owned()));
    }
}

/// Date arithmetic with PostgreSQL's result types: date ± integer is a date (Trino has no
/// such operator), date ± interval a timestamp (Trino keeps a date), date - date an int4
/// count of days (Trino has no such operator).
fn date_arithmetic(expr: &mut Expr, scope: &Scope<'_>) {
    let Expr::BinaryOp { left, op, right } = expr else {
        return;
    };
    let minus = *op == BinaryOperator::Minus;
    match (scope.type_of(left), scope.type_of(right)) {
        (Some(SqlType::Date), Some(SqlType::Date)) if minus => {
            let mut days = call_with("date_diff", vec![string("day"), take(right), take(left)]);
            cast_in_place(&mut days, DataType::Integer(None));
            *expr = days;
        }
        (Some(SqlType::Date), Some(t)) if t.is_integer() => {
            let mut count = take(right);
            if minus {
                count = Expr::UnaryOp {
                    op: UnaryOperator::Minus,
                    expr: Box::new(Expr::Nested(Box::new(count))),
                };
            }
            *expr = call_with("date_add", vec![string("day"), count, take(left)]);
        }
        (Some(t), Some(SqlType::Date)) if t.is_integer() && !minus => {
            *expr = call_with("date_add", vec![string("day"), take(left), take(right)]);
        }
        (Some(SqlType::Date), Some(SqlType::Interval)) => {
            cast_in_place(left, DataType::Timestamp(None, TimezoneInfo::None));
        }
        (Some(SqlType::Interval), Some(SqlType::Date)) if !minus => {
            cast_in_place(right, DataType::Timestamp(None, TimezoneInfo::None));
        }
        _ => {}
    }
}

/// `->`, `->>`, `#>`, `#>>` as Trino's JSON path functions. `->>` of an object or array is
/// its JSON text in PostgreSQL, where `json_extract_scalar` answers NULL.
fn json_operator(expr: &mut Expr) -> Result<(), TranspileError> {
    let Expr::BinaryOp { left, op, right } = expr else {
        return Ok(());
    };
    // Each step as a JSON path subscript: `[0]` for an index, `["key"]` for a key.
    let step = |step: &str| -> Result<String, TranspileError> {
        if step.parse::<u64>().is_ok() {
            Ok(format!("[{step}]"))
        } else if step.contains(['"', '\\']) {
            Err(unsupported("a JSON key with a double quote or backslash"))
        } else {
            Ok(format!("[\"{step}\"]"))
        }
    };
    let mut path = String::from("$");
    match op {
        BinaryOperator::Arrow | BinaryOperator::LongArrow => match right.as_ref() {
            Expr::Value(v) => match &v.value {
                Value::Number(n, _) => path.push_str(&step(n)?),
                Value::SingleQuotedString(key) if key.parse::<u64>().is_err() => {
                    path.push_str(&step(key)?)
                }
                _ => return Err(unsupported(format!("{op} with this key"))),
            },
            _ => {
                return Err(unsupported(format!(
                    "{op} with a key that is not a literal"
                )))
            }
        },
        _ => {
            let steps = string_literal(right)
                .and_then(path_steps)
                .ok_or_else(|| unsupported(format!("{op} with a path that is not a literal")))?;
            for s in steps {
                path.push_str(&step(s)?);
            }
        }
    }
    let text = matches!(
        op,
        BinaryOperator::LongArrow | BinaryOperator::HashLongArrow
    );
    let value = take(left);
    *expr = if text {
        let scalar = call_with("json_extract_scalar", vec![value.clone(), string(&path)]);
        let json = call(
            "json_format",
            call_with("json_extract", vec![value, string(&path)]),
        );
        call_with(
            "coalesce",
            vec![scalar, call_with("nullif", vec![json, string("null")])],
        )
    } else {
        call_with("json_extract", vec![value, string(&path)])
    };
    Ok(())
}

/// `a[i]` is NULL out of range in PostgreSQL, an error in Trino: `element_at`.
fn subscript(expr: &mut Expr) -> Result<(), TranspileError> {
    use sqlparser::ast::{AccessExpr, Subscript};
    let Expr::CompoundFieldAccess { root, access_chain } = expr else {
        return Ok(());
    };
    let [AccessExpr::Subscript(Subscript::Index { index })] = access_chain.as_mut_slice() else {
        return Err(unsupported("this array access"));
    };
    let index = take(index);
    *expr = call_with("element_at", vec![take(root), index]);
    Ok(())
}

/// `extract` and `date_part` through Trino's field functions: PostgreSQL's `dow` counts
/// from Sunday = 0, Trino's day_of_week from Monday = 1. `extract` is numeric, `date_part`
/// float8.
fn extract(expr: &mut Expr, scope: &Scope<'_>) -> Result<(), TranspileError> {
    let (field, source, float) = match expr {
        Expr::Extract { field, expr, .. } => {
            (field.to_string().to_ascii_lowercase(), take(expr), false)
        }
        Expr::Function(function)
            if function_name(function).is_some_and(|n| n.eq_ignore_ascii_case("date_part")) =>
        {
            let Some([field, source]) = take_arguments(function) else {
                return Ok(());
            };
            let Some(field) = string_literal(&field).map(str::to_ascii_lowercase) else {
                return Err(unsupported("date_part with a field that is not a literal"));
            };
            (field, source, true)
        }
        _ => return Ok(()),
    };
    let of = |name: &str| call(name, source.clone());
    let mut value = match field.as_str() {
        "year" | "years" => of("year"),
        "quarter" => of("quarter"),
        "month" | "months" => of("month"),
        "week" => of("week"),
        "day" | "days" => of("day"),
        "hour" | "hours" => of("hour"),
        "minute" | "minutes" => of("minute"),
        "isoyear" => of("year_of_week"),
        "isodow" => of("day_of_week"),
        "dow" => Expr::Nested(Box::new(binary(
            of("day_of_week"),
            BinaryOperator::Modulo,
            number(7),
        ))),
        "doy" => of("day_of_year"),
        "epoch" => {
            let mut zoned = source.clone();
            if scope.type_of(&source) != Some(SqlType::TimestampTz) {
                cast_in_place(
                    &mut zoned,
                    DataType::Timestamp(Some(6), TimezoneInfo::WithTimeZone),
                );
            }
            let mut seconds = call("to_unixtime", zoned);
            if !float {
                cast_in_place(
                    &mut seconds,
                    numeric(if scope.type_of(&source) == Some(SqlType::Date) {
                        0
                    } else {
                        6
                    }),
                );
            }
            *expr = seconds;
            return Ok(());
        }
        other => return Err(unsupported(format!("extract({other} ...)"))),
    };
    cast_in_place(
        &mut value,
        if float {
            DataType::DoublePrecision
        } else {
            numeric(0)
        },
    );
    *expr = value;
    Ok(())
}

/// Calls Trino names, types or treats otherwise.
fn functions(expr: &mut Expr, scope: &Scope<'_>) -> Result<(), TranspileError> {
    let Expr::Function(function) = expr else {
        return Ok(());
    };
    let Some(name) = function_name(function).map(str::to_ascii_lowercase) else {
        return Ok(());
    };
    let count = arguments(function).count();
    match name.as_str() {
        "concat" => {
            // Trino's concat is NULL when any argument is; PostgreSQL's skips NULLs.
            let parts: Vec<Expr> = crate::ast::take_all_arguments(function)
                .into_iter()
                .map(|part| {
                    let mut text = part;
                    if string_literal(&text).is_none()
                        && scope.type_of(&text) != Some(SqlType::Text)
                    {
                        cast_in_place(&mut text, DataType::Varchar(None));
                    }
                    call_with("coalesce", vec![text, string("")])
                })
                .collect();
            *expr = match parts.len() {
                0 => string(""),
                1 => parts.into_iter().next().unwrap_or_else(|| string("")),
                _ => call_with("concat", parts),
            };
        }
        "concat_ws" => {
            for (i, part) in crate::ast::arguments_mut(function).enumerate() {
                if i > 0 && scope.type_of(part) != Some(SqlType::Text) {
                    cast_in_place(part, DataType::Varchar(None));
                }
            }
        }
        "left" | "right" => {
            let Some([text, length]) = take_arguments(function) else {
                return Ok(());
            };
            let negative = matches!(
                &length,
                Expr::UnaryOp {
                    op: UnaryOperator::Minus,
                    ..
                }
            );
            if negative || !matches!(&length, Expr::Value(_)) {
                return Err(unsupported(format!(
                    "{name}() with a length that is not a literal of at least 0"
                )));
            }
            *expr = if name == "left" {
                call_with("substr", vec![text, number(1), length])
            } else {
                let start = binary(
                    binary(call("length", text.clone()), BinaryOperator::Minus, length),
                    BinaryOperator::Plus,
                    number(1),
                );
                call_with(
                    "substr",
                    vec![text, call_with("greatest", vec![start, number(1)])],
                )
            };
        }
        "lpad" | "rpad" if count == 2 => crate::ast::push_argument(function, string(" ")),
        "btrim" => rename(function, "trim"),
        "md5" => {
            let Some([text]) = take_arguments(function) else {
                return Ok(());
            };
            *expr = call("lower", call("to_hex", call("md5", call("to_utf8", text))));
        }
        "octet_length" => {
            let Some([text]) = take_arguments(function) else {
                return Ok(());
            };
            let mut length = call("length", call("to_utf8", text));
            cast_in_place(&mut length, DataType::Integer(None));
            *expr = length;
        }
        "char_length" | "character_length" => rename(function, "length"),
        "log" if count == 1 => rename(function, "log10"),
        "string_to_array" if count == 2 => rename(function, "split"),
        "array_to_string" => rename(function, "array_join"),
        "regexp_replace" => regexp_replace(function)?,
        "string_agg" => string_agg(function, scope)?,
        "greatest" | "least" => {
            // Trino's are NULL when any argument is; PostgreSQL's skip NULLs.
            let all_known =
                arguments(function).all(|a| matches!(a, Expr::Value(v) if v.value != Value::Null));
            if !all_known && count > 1 {
                let values = Expr::Array(sqlparser::ast::Array {
                    elem: crate::ast::take_all_arguments(function),
                    named: true,
                });
                let kept = call_with(
                    "filter",
                    vec![
                        values,
                        Expr::Lambda(sqlparser::ast::LambdaFunction {
                            params: sqlparser::ast::OneOrManyWithParens::One(Ident::new(
                                "junction_value",
                            )),
                            body: Box::new(Expr::IsNotNull(Box::new(Expr::Identifier(
                                Ident::new("junction_value"),
                            )))),
                            syntax: sqlparser::ast::LambdaSyntax::Arrow,
                        }),
                    ],
                );
                *expr = call(
                    if name == "greatest" {
                        "array_max"
                    } else {
                        "array_min"
                    },
                    kept,
                );
            }
        }
        "to_timestamp" if count == 1 => rename(function, "from_unixtime"),
        "to_char" | "to_date" | "to_timestamp" | "initcap" | "age" | "make_date"
        | "make_timestamp" | "percentile_cont" | "percentile_disc" | "regexp_match"
        | "json_build_object" | "quote_literal" | "format" => {
            return Err(unsupported(format!("{name}()")));
        }
        _ => {}
    }
    Ok(())
}

/// `regexp_replace(s, pattern, replacement [, flags])`. Trino replaces every match and writes
/// group references `$1`; PostgreSQL replaces the first match unless the flags say `g`, and
/// writes `\1`. Only the first match of a pattern anchored at the start is the same as all.
fn regexp_replace(function: &mut Function) -> Result<(), TranspileError> {
    let arguments: Vec<&Expr> = arguments(function).collect();
    let flags = match arguments.get(3) {
        Some(flags) => string_literal(flags)
            .ok_or_else(|| unsupported("regexp_replace with flags that are not a literal"))?
            .to_owned(),
        None => String::new(),
    };
    let (Some(pattern), Some(replacement)) = (
        arguments.get(1).and_then(|p| string_literal(p)),
        arguments.get(2).and_then(|r| string_literal(r)),
    ) else {
        return Err(unsupported(
            "regexp_replace with a pattern or replacement that is not a literal",
        ));
    };
    if !flags.contains('g') && !pattern.starts_with('^') {
        return Err(unsupported(
            "regexp_replace of the first match only (without the 'g' flag)",
        ));
    }
    if flags.chars().any(|f| !matches!(f, 'g' | 'i')) {
        return Err(unsupported(format!("regexp_replace flags '{flags}'")));
    }
    let pattern = if flags.contains('i') {
        format!("(?i){pattern}")
    } else {
        pattern.to_owned()
    };
    let mut rewritten = String::new();
    let mut chars = replacement.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, chars.peek()) {
            ('\\', Some(d)) if d.is_ascii_digit() => {
                rewritten.push('$');
                rewritten.push(*d);
                chars.next();
            }
            ('\\', Some('&')) => {
                rewritten.push_str("$0");
                chars.next();
            }
            ('\\', Some('\\')) => {
                rewritten.push('\\');
                chars.next();
            }
            ('$', _) => rewritten.push_str("\\$"),
            (c, _) => rewritten.push(c),
        }
    }
    let Some([text, _, _]) = take_arguments::<3>(function).or_else(|| {
        take_arguments::<4>(function)
            .map(|[text, pattern, replacement, _]| [text, pattern, replacement])
    }) else {
        return Ok(());
    };
    *function = match call_with(
        "regexp_replace",
        vec![text, string(&pattern), string(&rewritten)],
    ) {
        Expr::Function(f) => f,
        _ => return Ok(()),
    };
    Ok(())
}

/// `string_agg(x, sep ORDER BY ...)` is `listagg(x, sep) WITHIN GROUP (ORDER BY ...)`,
/// which needs an order: without one, any order is PostgreSQL's too.
fn string_agg(function: &mut Function, scope: &Scope<'_>) -> Result<(), TranspileError> {
    let FunctionArguments::List(list) = &mut function.args else {
        return Ok(());
    };
    let mut order = Vec::new();
    list.clauses.retain(|clause| match clause {
        FunctionArgumentClause::OrderBy(by) => {
            order.extend(by.iter().cloned());
            false
        }
        _ => true,
    });
    if !list.clauses.is_empty() {
        return Err(unsupported("string_agg with this clause"));
    }
    let value = arguments(function).next().cloned();
    if order.is_empty() {
        let Some(value) = value.clone() else {
            return Ok(());
        };
        order.push(OrderByExpr {
            expr: value,
            options: Default::default(),
            with_fill: None,
        });
    }
    if let Some(first) = crate::ast::arguments_mut(function).next() {
        if scope.type_of(first) != Some(SqlType::Text) {
            cast_in_place(first, DataType::Varchar(None));
        }
    }
    rename(function, "listagg");
    function.within_group = order;
    Ok(())
}

/// A float cast to an integer rounds half to even in PostgreSQL, half away from zero in
/// Trino.
fn float_to_int(expr: &mut Expr, scope: &Scope<'_>) {
    let Expr::Cast {
        expr: value,
        data_type,
        ..
    } = expr
    else {
        return;
    };
    if SqlType::of(data_type).is_integer() && scope.type_of(value).is_some_and(SqlType::is_float) {
        let rounded = half_even(take(value));
        **value = rounded;
    }
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
/// named as PostgreSQL names it; a series of int4 literals stays int4.
pub(crate) fn table_factor(factor: &mut TableFactor) -> Result<(), TranspileError> {
    crate::set_returning::name_column(factor);
    let TableFactor::Table {
        name,
        args: Some(args),
        alias,
        ..
    } = factor
    else {
        if let TableFactor::Derived { subquery, .. } = factor {
            // name_column wraps an int4 series in a subquery that casts it; its inner
            // factor is the series.
            if let SetExpr::Select(select) = subquery.body.as_mut() {
                for from in &mut select.from {
                    table_factor_series(&mut from.relation)?;
                }
            }
        }
        return Ok(());
    };
    if !is_series(name) {
        return Err(unsupported(format!("the table function {name}")));
    }
    let arguments = args.args.clone();
    let alias = alias.take();
    *factor = unnest(arguments, alias);
    Ok(())
}

fn table_factor_series(factor: &mut TableFactor) -> Result<(), TranspileError> {
    if let TableFactor::Table {
        name,
        args: Some(args),
        alias,
        ..
    } = factor
    {
        if is_series(name) {
            let arguments = args.args.clone();
            let alias = alias.take();
            *factor = unnest(arguments, alias);
        }
    }
    Ok(())
}

fn is_series(name: &ObjectName) -> bool {
    name.0
        .last()
        .and_then(|p| p.as_ident())
        .is_some_and(|i| i.value.eq_ignore_ascii_case("generate_series"))
}

fn unnest(
    arguments: Vec<sqlparser::ast::FunctionArg>,
    alias: Option<sqlparser::ast::TableAlias>,
) -> TableFactor {
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

/// Renames what Trino spells otherwise, everywhere in `statement`: types and `::` casts,
/// functions the rules produced under PostgreSQL's names, and NULL ordering.
pub(crate) fn spell(statement: &mut Statement) -> Result<(), TranspileError> {
    struct Spelling;
    impl VisitorMut for Spelling {
        type Break = TranspileError;

        fn post_visit_query(&mut self, query: &mut Query) -> ControlFlow<TranspileError> {
            if let Some(order_by) = &mut query.order_by {
                if let OrderByKind::Expressions(exprs) = &mut order_by.kind {
                    nulls_as_postgres(exprs);
                }
            }
            ControlFlow::Continue(())
        }

        fn post_visit_expr(&mut self, expr: &mut Expr) -> ControlFlow<TranspileError> {
            into_flow(spell_expr(expr))
        }
    }
    match statement.visit(&mut Spelling) {
        ControlFlow::Break(e) => Err(e),
        ControlFlow::Continue(()) => Ok(()),
    }
}

fn spell_expr(expr: &mut Expr) -> Result<(), TranspileError> {
    match expr {
        Expr::Cast {
            kind, data_type, ..
        } => {
            if *kind == CastKind::DoubleColon {
                *kind = CastKind::Cast;
            }
            *data_type = trino_type(data_type)?;
        }
        Expr::Function(function) => {
            if let Some(sqlparser::ast::WindowType::WindowSpec(spec)) = &mut function.over {
                nulls_as_postgres(&mut spec.order_by);
            }
            nulls_as_postgres(&mut function.within_group);
            if let FunctionArguments::List(list) = &mut function.args {
                for clause in &mut list.clauses {
                    if let FunctionArgumentClause::OrderBy(by) = clause {
                        nulls_as_postgres(by);
                    }
                }
            }
            let name = function_name(function).map(str::to_ascii_lowercase);
            match name.as_deref() {
                Some("trunc") => rename(function, "truncate"),
                Some("array_length") => {
                    let dimension = arguments(function).nth(1).and_then(string_or_number);
                    if dimension.as_deref() != Some("1") {
                        return Err(unsupported("array_length of a dimension other than 1"));
                    }
                    if let Some([array, _]) = take_arguments(function) {
                        *function = match call("cardinality", array) {
                            Expr::Function(f) => f,
                            _ => return Ok(()),
                        };
                    }
                }
                _ => {}
            }
        }
        _ => {}
    }
    Ok(())
}

fn string_or_number(expr: &Expr) -> Option<String> {
    match expr {
        Expr::Value(v) => match &v.value {
            Value::Number(n, _) => Some(n.clone()),
            _ => None,
        },
        _ => None,
    }
}

/// PostgreSQL sorts NULLs first when descending; Trino last in both directions.
fn nulls_as_postgres(order: &mut [OrderByExpr]) {
    for item in order {
        if item.options.asc == Some(false) && item.options.nulls_first.is_none() {
            item.options.nulls_first = Some(true);
        }
    }
}

/// A PostgreSQL type as Trino names it; PostgreSQL's timestamps have microseconds, Trino's
/// plain TIMESTAMP milliseconds.
fn trino_type(data_type: &DataType) -> Result<DataType, TranspileError> {
    use SqlType::*;
    Ok(match data_type {
        DataType::Varchar(_)
        | DataType::CharacterVarying(_)
        | DataType::Char(_)
        | DataType::Character(_) => data_type.clone(),
        DataType::Numeric(info) | DataType::Decimal(info) | DataType::Dec(info) => match info {
            ExactNumberInfo::None => numeric(10),
            ExactNumberInfo::Precision(p) if *p <= 38 => {
                DataType::Decimal(ExactNumberInfo::PrecisionAndScale(*p, 0))
            }
            ExactNumberInfo::PrecisionAndScale(p, s) if *p <= 38 => {
                DataType::Decimal(ExactNumberInfo::PrecisionAndScale(*p, *s))
            }
            _ => {
                return Err(unsupported(format!(
                    "the type {data_type} (precision above 38)"
                )))
            }
        },
        DataType::Array(element) => {
            let inner = match element {
                ArrayElemTypeDef::SquareBracket(inner, _)
                | ArrayElemTypeDef::AngleBracket(inner)
                | ArrayElemTypeDef::Parenthesis(inner) => trino_type(inner)?,
                ArrayElemTypeDef::None => return Err(unsupported("an array without element type")),
            };
            DataType::Array(ArrayElemTypeDef::Parenthesis(Box::new(inner)))
        }
        other => match SqlType::of(other) {
            Bool => DataType::Boolean,
            Int2 => DataType::SmallInt(None),
            Int4 => DataType::Integer(None),
            Int8 => DataType::BigInt(None),
            Float4 => DataType::Real,
            Float8 => DataType::Double(ExactNumberInfo::None),
            Text => DataType::Varchar(None),
            Bytea => DataType::Varbinary(None),
            Date => DataType::Date,
            Time => DataType::Time(Some(6), TimezoneInfo::None),
            Timestamp => DataType::Timestamp(Some(6), TimezoneInfo::None),
            TimestampTz => DataType::Timestamp(Some(6), TimezoneInfo::WithTimeZone),
            Json => DataType::JSON,
            Numeric | Interval | Array | Other => {
                return Err(unsupported(format!("the type {other}")));
            }
        },
    })
}
