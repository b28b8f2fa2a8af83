//! PostgreSQL functions and operators the engines lack, written as what they mean in terms
//! the engines have: the prefix operators `|/`, `||/`, `@` and `~`, `#` on DuckDB,
//! `quote_literal` and `quote_nullable` of any value, `num_nulls`/`num_nonnulls`, `isfinite`,
//! `date_trunc` in a named zone, and the calendar fields `extract` lacks on DataFusion.

use sqlparser::ast::{BinaryOperator, DataType, DateTimeField, Expr, UnaryOperator};

use crate::ast::{
    arguments, binary, call, call_with, case_when, cast_in_place, function_name, number,
    take_all_arguments,
};
use crate::types::{Scope, SqlType};
use crate::{shared, Dialect};

/// Rules on an expression whose children are done.
pub(crate) fn apply(expr: &mut Expr, scope: &Scope<'_>, dialect: Dialect) {
    prefix_operators(expr, scope, dialect);
    bitwise_xor(expr, dialect);
    quoted_values(expr, scope, dialect);
    null_counts(expr);
    finite(expr, scope, dialect);
    if dialect == Dialect::DataFusion {
        calendar_fields(expr);
    }
}

/// `|/ x` (square root), `||/ x` (cube root), `@ x` (absolute value) as functions; `~ x`
/// on DataFusion, which has no bitwise not, as `x # -1` in `x`'s type.
fn prefix_operators(expr: &mut Expr, scope: &Scope<'_>, dialect: Dialect) {
    let Expr::UnaryOp { op, expr: operand } = expr else {
        return;
    };
    let function = match op {
        UnaryOperator::PGSquareRoot => "sqrt",
        UnaryOperator::PGCubeRoot => "cbrt",
        UnaryOperator::PGAbs => "abs",
        UnaryOperator::BitwiseNot if dialect == Dialect::DataFusion => {
            let mut ones = number(-1);
            let mut operand = crate::ast::take(operand);
            let small = match scope.type_of(&operand) {
                Some(SqlType::Int2) => Some(DataType::SmallInt(None)),
                Some(SqlType::Int4) => Some(DataType::Integer(None)),
                _ => None,
            };
            // Both sides in the operand's type: DataFusion's integer constants are int8.
            if let Some(small) = small {
                cast_in_place(&mut ones, small.clone());
                cast_in_place(&mut operand, small);
            }
            *expr = Expr::Nested(Box::new(binary(
                operand,
                BinaryOperator::PGBitwiseXor,
                ones,
            )));
            return;
        }
        _ => return,
    };
    let operand = crate::ast::take(operand);
    *expr = call(function, operand);
}

/// `a # b` (bitwise exclusive or) is `xor(a, b)` in DuckDB, where `#` is no operator.
fn bitwise_xor(expr: &mut Expr, dialect: Dialect) {
    if dialect != Dialect::DuckDb {
        return;
    }
    if let Expr::BinaryOp {
        left,
        op: BinaryOperator::PGBitwiseXor,
        right,
    } = expr
    {
        let (left, right) = (crate::ast::take(left), crate::ast::take(right));
        *expr = call_with("xor", vec![left, right]);
    }
}

/// `quote_literal(x)` and `quote_nullable(x)` of a value of any type quote its text, as
/// PostgreSQL prints it (`quote_literal(42)` is `'42'`).
fn quoted_values(expr: &mut Expr, scope: &Scope<'_>, dialect: Dialect) {
    let Expr::Function(function) = expr else {
        return;
    };
    let name = function_name(function).map(str::to_ascii_lowercase);
    let nullable = match name.as_deref() {
        Some("quote_literal") => false,
        Some("quote_nullable") => true,
        _ => return,
    };
    if arguments(function).count() != 1 {
        return;
    }
    let Some(mut text) = take_all_arguments(function).pop() else {
        return;
    };
    if scope.type_of(&text) != Some(SqlType::Text) {
        cast_in_place(&mut text, DataType::Text);
        shared::value_text(&mut text, scope, dialect);
    }
    let quoted = crate::result_types::quote_literal(text);
    *expr = match nullable {
        true => call_with("coalesce", vec![quoted, crate::ast::string("NULL")]),
        false => quoted,
    };
}

/// `num_nulls(...)` and `num_nonnulls(...)`: how many arguments are (not) NULL, int4.
fn null_counts(expr: &mut Expr) {
    let Expr::Function(function) = expr else {
        return;
    };
    let name = function_name(function).map(str::to_ascii_lowercase);
    let nulls = match name.as_deref() {
        Some("num_nulls") => true,
        Some("num_nonnulls") => false,
        _ => return,
    };
    let counted = take_all_arguments(function)
        .into_iter()
        .map(|argument| {
            let test = match nulls {
                true => Expr::IsNull(Box::new(argument)),
                false => Expr::IsNotNull(Box::new(argument)),
            };
            case_when(test, number(1), Some(number(0)))
        })
        .reduce(|sum, one| binary(sum, BinaryOperator::Plus, one));
    let Some(mut count) = counted else {
        return;
    };
    cast_in_place(&mut count, DataType::Integer(None));
    *expr = count;
}

/// `isfinite(x)`: true but for NULL where the engine has no infinite values of the type
/// (DataFusion's dates and timestamps, intervals on both); DuckDB's own for its dates and
/// timestamps, which can be infinite.
fn finite(expr: &mut Expr, scope: &Scope<'_>, dialect: Dialect) {
    let Expr::Function(function) = expr else {
        return;
    };
    if function_name(function)
        .map(str::to_ascii_lowercase)
        .as_deref()
        != Some("isfinite")
    {
        return;
    }
    let Some(value) = arguments(function).next() else {
        return;
    };
    let engine_has_infinities = dialect == Dialect::DuckDb
        && matches!(
            scope.type_of(value),
            Some(SqlType::Date | SqlType::Timestamp | SqlType::TimestampTz)
        );
    if engine_has_infinities || arguments(function).count() != 1 {
        return;
    }
    let Some(value) = take_all_arguments(function).pop() else {
        return;
    };
    let mut finite = Expr::Value(sqlparser::ast::Value::Boolean(true).into());
    finite = case_when(Expr::IsNotNull(Box::new(value)), finite, None);
    *expr = finite;
}

/// `date_trunc(field, ts, zone)`: truncated on the zone's wall clock, as the instant that
/// wall-clock time is there. Read before the parts' rules, so that each dialect writes the
/// two `AT TIME ZONE` its own way.
pub(crate) fn zoned_truncation(expr: &mut Expr) {
    let Expr::Function(function) = expr else {
        return;
    };
    if function_name(function)
        .map(str::to_ascii_lowercase)
        .as_deref()
        != Some("date_trunc")
        || arguments(function).count() != 3
    {
        return;
    }
    let Ok([field, instant, zone]) = <[Expr; 3]>::try_from(take_all_arguments(function)) else {
        return;
    };
    let wall_clock = Expr::AtTimeZone {
        timestamp: Box::new(instant),
        time_zone: Box::new(zone.clone()),
    };
    let truncated = call_with("date_trunc", vec![field, wall_clock]);
    *expr = Expr::AtTimeZone {
        timestamp: Box::new(Expr::Nested(Box::new(truncated))),
        time_zone: Box::new(zone),
    };
}

/// `extract(century | millennium | decade ...)`, which DataFusion's date_part lacks, from
/// the year (DataFusion has no years before Christ, where the formulas would differ).
fn calendar_fields(expr: &mut Expr) {
    let Expr::Extract {
        field, expr: value, ..
    } = expr
    else {
        return;
    };
    let (add, divisor) = match field {
        DateTimeField::Century => (99, 100),
        DateTimeField::Millennium => (999, 1000),
        DateTimeField::Decade => (0, 10),
        _ => return,
    };
    let mut year = Expr::Extract {
        field: DateTimeField::Year,
        syntax: sqlparser::ast::ExtractSyntax::From,
        expr: Box::new(crate::ast::take(value)),
    };
    cast_in_place(&mut year, DataType::BigInt(None));
    let shifted = binary(year, BinaryOperator::Plus, number(add));
    let mut result = binary(
        Expr::Nested(Box::new(shifted)),
        BinaryOperator::Divide,
        number(divisor),
    );
    cast_in_place(&mut result, crate::result_types::extracted(0));
    *expr = result;
}
