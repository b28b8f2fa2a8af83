//! Calls Trino names, types or treats otherwise, and `extract`/`date_part` through its field
//! functions.

use sqlparser::ast::{
    BinaryOperator, DataType, Expr, Function, FunctionArgumentClause, FunctionArguments, Ident,
    OrderByExpr, TimezoneInfo, UnaryOperator, Value,
};

use crate::ast::{
    arguments, binary, call, call_with, cast_in_place, function_name, number, rename, string,
    string_literal, take, take_arguments,
};
use crate::result_types::numeric;
use crate::types::{Scope, SqlType};
use crate::TranspileError;

use super::unsupported;

/// `extract` and `date_part` through Trino's field functions: PostgreSQL's `dow` counts
/// from Sunday = 0, Trino's day_of_week from Monday = 1. `extract` is numeric, `date_part`
/// float8.
pub(super) fn extract(expr: &mut Expr, scope: &Scope<'_>) -> Result<(), TranspileError> {
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
pub(super) fn functions(expr: &mut Expr, scope: &Scope<'_>) -> Result<(), TranspileError> {
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
