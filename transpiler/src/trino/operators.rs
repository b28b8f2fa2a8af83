//! Operators Trino lacks or reads otherwise: ILIKE, regular expressions, LIKE's escape,
//! `||` of non-text, date arithmetic, JSON operators, ANY/ALL, subscripts, float-to-int
//! casts.

use sqlparser::ast::{BinaryOperator, DataType, Expr, TimezoneInfo, UnaryOperator, Value};

use crate::ast::{
    binary, call, call_with, cast_in_place, not, path_steps, string, string_literal, take,
};
use crate::result_types::{half_even, numeric, DIVISION_SCALE};
use crate::types::{Scope, SqlType};
use crate::TranspileError;

use super::unsupported;

/// `numeric / x`: Trino divides decimals exactly, to the larger scale of the two, rounding
/// half up; a dividend with 16 digits after the point gives PostgreSQL's (at least) 16.
pub(super) fn exact_division(expr: &mut Expr, scope: &Scope<'_>) {
    let Expr::BinaryOp {
        left,
        op: BinaryOperator::Divide,
        right,
    } = expr
    else {
        return;
    };
    if !crate::result_types::exact_division(scope.type_of(left), scope.type_of(right)) {
        return;
    }
    cast_in_place(left, numeric(DIVISION_SCALE));
    cast_in_place(expr, numeric(DIVISION_SCALE));
}

/// Operators Trino lacks or reads otherwise.
pub(super) fn operators(expr: &mut Expr, scope: &Scope<'_>) -> Result<(), TranspileError> {
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

/// A float cast to an integer rounds half to even in PostgreSQL, half away from zero in
/// Trino.
pub(super) fn float_to_int(expr: &mut Expr, scope: &Scope<'_>) {
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
