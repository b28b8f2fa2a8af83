//! Results typed as PostgreSQL types them, where DuckDB and DataFusion pick another type
//! (a float for an exact average, BIGINT for `extract`, a 128-bit integer for a sum). Both
//! engines take these rules; each needs the argument types from [`Scope`].

use sqlparser::ast::{
    BinaryOperator, DataType, DateTimeField, ExactNumberInfo, Expr, TimezoneInfo,
};

use crate::ast::{
    arguments, arguments_mut, binary, call, call_with, case_when, cast_in_place, concatenation,
    function_name, is_call_to, number, rename, string, take, take_arguments,
};
use crate::types::{Scope, SqlType};

/// `numeric` as the engines hold PostgreSQL's unconstrained numeric: 38 digits, `scale` of
/// them after the point (PostgreSQL keeps every digit; a fixed scale is the closest).
pub(crate) fn numeric(scale: i64) -> DataType {
    DataType::Decimal(ExactNumberInfo::PrecisionAndScale(38, scale))
}

/// The scale of an exact average, standard deviation or division: PostgreSQL gives at least
/// 16 significant digits.
pub(crate) const DIVISION_SCALE: i64 = 16;

/// Digits before the point of what `extract` answers: an epoch in seconds of the engines'
/// latest timestamp has 13. Fewer than numeric's 38, so that a CASE or a UNION of an extract
/// and a numeric with a scale fits DuckDB's widest decimal without DuckDB dropping the
/// scale (`CASE ... THEN extract(dow ...) ELSE 1.5 END` gave 2). Found by the fuzzer.
const EXTRACT_DIGITS: i64 = 20;

/// The numeric type of `extract` with `scale` digits after the point.
pub(crate) fn extracted(scale: i64) -> DataType {
    DataType::Decimal(ExactNumberInfo::PrecisionAndScale(
        u64::try_from(EXTRACT_DIGITS + scale).unwrap_or(38),
        scale,
    ))
}

/// The scale `extract` answers with for fields with a fraction: microseconds.
const FRACTION_SCALE: i64 = 6;

/// The numeric scale of `extract(field ...)`: fields with a fraction of a second have six
/// digits after the point, the others none.
pub(crate) fn extract_scale(field: &DateTimeField) -> i64 {
    match field {
        DateTimeField::Second
        | DateTimeField::Seconds
        | DateTimeField::Epoch
        | DateTimeField::Julian => FRACTION_SCALE,
        // Milliseconds keep the microseconds as three digits after the point.
        DateTimeField::Millisecond | DateTimeField::Milliseconds => 3,
        _ => 0,
    }
}

/// Applies the result-type rules to one expression whose children are done.
pub(crate) fn apply(expr: &mut Expr, scope: &Scope<'_>) {
    let target = match expr {
        Expr::Extract {
            field,
            expr: source,
            ..
        } => {
            // PostgreSQL extracts from a date without a time of day: whole numbers.
            let scale = match scope.type_of(source) {
                Some(SqlType::Date) => 0,
                _ => extract_scale(field),
            };
            if matches!(field, DateTimeField::Second | DateTimeField::Seconds) {
                // Both engines answer whole seconds; their microseconds count the seconds too.
                let mut micros = Expr::Extract {
                    field: DateTimeField::Microsecond,
                    syntax: sqlparser::ast::ExtractSyntax::From,
                    expr: Box::new(take(source)),
                };
                cast_in_place(&mut micros, numeric(0));
                *expr = binary(micros, BinaryOperator::Divide, number(1_000_000));
            }
            Some(extracted(scale))
        }
        Expr::BinaryOp {
            left,
            op: BinaryOperator::Minus,
            right,
        } if scope.type_of(left) == Some(SqlType::Date)
            && scope.type_of(right) == Some(SqlType::Date) =>
        {
            Some(DataType::Integer(None))
        }
        // `a ^ b` of numerics, as `power(a, b)` below (DataFusion's rules have written it
        // as that call already).
        Expr::BinaryOp {
            op: BinaryOperator::PGExp,
            ..
        } if scope.type_of(expr) == Some(SqlType::Numeric) => Some(numeric(DIVISION_SCALE)),
        Expr::Function(function) => {
            let Some(name) = function_name(function).map(str::to_ascii_lowercase) else {
                return;
            };
            if name == "every" {
                rename(function, "bool_and");
                return;
            }
            let argument = arguments(function).next().and_then(|e| scope.type_of(e));
            match (name.as_str(), argument) {
                ("sum", Some(SqlType::Int2 | SqlType::Int4)) => Some(DataType::BigInt(None)),
                ("sum", Some(SqlType::Int8)) => {
                    // Exact, where the engines would overflow or widen to 128 bits.
                    if let Some(first) = arguments_mut(function).next() {
                        cast_in_place(first, numeric(0));
                    }
                    None
                }
                ("avg", Some(t)) if t.is_exact() => {
                    // DataFusion averages a decimal to four more digits than it has, so a
                    // two-digit money column would average to six.
                    if let Some(first) = arguments_mut(function).next() {
                        cast_in_place(first, numeric(DIVISION_SCALE));
                    }
                    Some(numeric(DIVISION_SCALE))
                }
                (
                    "stddev" | "stddev_samp" | "stddev_pop" | "variance" | "var_samp" | "var_pop",
                    Some(t),
                ) if t.is_exact() => Some(numeric(DIVISION_SCALE)),
                ("percentile_cont", _) => {
                    // float8 in PostgreSQL whatever it orders by (intervals aside); the engines
                    // interpolate decimals as decimals.
                    (scope.function_type(function) == Some(SqlType::Float8))
                        .then_some(DataType::DoublePrecision)
                }
                ("date_trunc", _)
                    if arguments(function).nth(1).and_then(|e| scope.type_of(e))
                        == Some(SqlType::Date) =>
                {
                    // A date is truncated as a timestamptz at midnight; both engines answer a
                    // timestamp without zone.
                    Some(DataType::Timestamp(None, TimezoneInfo::WithTimeZone))
                }
                ("date_part", _) => Some(DataType::DoublePrecision),
                // sign() has numeric and float8 forms; an integer takes the float8 one.
                // -1, 0 or 1: one digit, so that DuckDB's common type of it and another
                // numeric keeps that one's scale (`coalesce(0.25, sign(x))` answered 0).
                ("sign" | "signum", Some(SqlType::Numeric)) => {
                    Some(DataType::Decimal(ExactNumberInfo::PrecisionAndScale(1, 0)))
                }
                ("sign" | "signum", Some(t)) if t.is_integer() || t.is_float() => {
                    Some(DataType::DoublePrecision)
                }
                ("power" | "pow", _) if scope.function_type(function) == Some(SqlType::Numeric) => {
                    Some(numeric(DIVISION_SCALE))
                }
                ("div", _) => {
                    // div(a, b): the quotient truncated toward zero, as numeric.
                    if let Some([mut dividend, divisor]) = take_arguments(function) {
                        cast_in_place(&mut dividend, DataType::DoublePrecision);
                        let divisor = Expr::Nested(Box::new(divisor));
                        *expr = call("trunc", binary(dividend, BinaryOperator::Divide, divisor));
                    }
                    Some(numeric(0))
                }
                ("round", Some(t)) if t.is_float() => {
                    if let Some([x]) = take_arguments(function) {
                        *expr = half_even(x);
                    }
                    None
                }
                ("array_length" | "array_upper", _) => {
                    // PostgreSQL has no length for an empty array's dimension: NULL. The
                    // engines' arrays start at 1, so the upper bound is the length.
                    rename(function, "array_length");
                    let length = take(expr);
                    *expr = call_with("nullif", vec![length, number(0)]);
                    Some(DataType::Integer(None))
                }
                ("array_lower", _) => {
                    // 1 where the dimension has elements, NULL where it has none.
                    rename(function, "array_length");
                    let length = take(expr);
                    let filled = binary(length, BinaryOperator::Gt, number(0));
                    *expr = case_when(filled, number(1), None);
                    Some(DataType::Integer(None))
                }
                ("grouping" | "cardinality" | "array_position", _) => Some(DataType::Integer(None)),
                _ => None,
            }
        }
        _ => None,
    };
    if let Some(data_type) = target {
        cast_in_place(expr, data_type);
    }
}

/// `avg(x)` of integers or numerics as PostgreSQL computes it, the exact quotient of
/// `sum(x)` and `count(x)` (`divide` writes junction's numeric division of the two in the
/// dialect): the engines average decimals through a double, or to a handful of digits.
/// DISTINCT, FILTER and OVER apply to both halves.
pub(crate) fn exact_average(
    expr: &mut Expr,
    scope: &Scope<'_>,
    divide: impl Fn(Expr, Expr) -> Expr,
) {
    let Expr::Function(function) = expr else {
        return;
    };
    if !is_call_to(function, &["avg"]) || arguments(function).count() != 1 {
        return;
    }
    let argument = arguments(function).next().and_then(|x| scope.type_of(x));
    if !argument.is_some_and(SqlType::is_exact) {
        return;
    }
    let mut sum = function.clone();
    rename(&mut sum, "sum");
    if argument == Some(SqlType::Int8) {
        // Exact, where the engines would overflow or widen to 128 bits.
        if let Some(first) = arguments_mut(&mut sum).next() {
            cast_in_place(first, numeric(0));
        }
    }
    let mut count = function.clone();
    rename(&mut count, "count");
    *expr = divide(Expr::Function(sum), Expr::Function(count));
}

/// Functions PostgreSQL types int4 that DuckDB and Trino type BIGINT.
const INT4_FUNCTIONS: [&str; 8] = [
    "length",
    "char_length",
    "character_length",
    "octet_length",
    "bit_length",
    "strpos",
    "ntile",
    // octet_length of text, as function_names spells it
    "strlen",
];

/// A call of [`INT4_FUNCTIONS`] (or `position(a IN b)`) is cast to INTEGER, so that the
/// client sees PostgreSQL's type. Result columns keep their names: the router has already
/// named every result column as PostgreSQL does.
pub(crate) fn int4_result(expr: &mut Expr) {
    let int4 = match expr {
        Expr::Function(f) => is_call_to(f, &INT4_FUNCTIONS),
        Expr::Position { .. } => true,
        _ => false,
    };
    if int4 {
        cast_in_place(expr, DataType::Integer(None));
    }
}

/// Whether PostgreSQL divides numerics here: one side numeric, neither a float.
pub(crate) fn exact_division(left: Option<SqlType>, right: Option<SqlType>) -> bool {
    let (Some(l), Some(r)) = (left, right) else {
        return false;
    };
    (l == SqlType::Numeric || r == SqlType::Numeric) && l.is_exact() && r.is_exact()
}

/// `round(x)` of a float as PostgreSQL's `rint`: half to even, where the engines round half
/// away from zero.
pub(crate) fn half_even(x: Expr) -> Expr {
    // Nested: DuckDB reads the rule's text, where `a + b / 2` would bind as `a + (b / 2)`
    // (`round(h + 0.5::float8)` answered twice the value there).
    let x = match x {
        atom @ (Expr::Identifier(_)
        | Expr::CompoundIdentifier(_)
        | Expr::Value(_)
        | Expr::Nested(_)
        | Expr::Function(_)) => atom,
        other => Expr::Nested(Box::new(other)),
    };
    // CASE WHEN abs(x - trunc(x)) = 0.5 THEN 2 * round(x / 2) ELSE round(x) END
    let fraction = call(
        "abs",
        binary(x.clone(), BinaryOperator::Minus, call("trunc", x.clone())),
    );
    let halfway = binary(fraction, BinaryOperator::Eq, number("0.5"));
    let even = binary(
        number(2),
        BinaryOperator::Multiply,
        call(
            "round",
            binary(x.clone(), BinaryOperator::Divide, number(2)),
        ),
    );
    case_when(halfway, even, Some(call("round", x)))
}

/// PostgreSQL's `quote_literal(text)`: the text in single quotes, its quotes doubled; with a
/// backslash in it, an `E'...'` literal with the backslashes doubled too. NULL stays NULL.
pub(crate) fn quote_literal(text: Expr) -> Expr {
    let quote = || string("'");
    let backslash = || string("\\");
    // Two one-quote literals: sqlparser would print a `''` value as one quote.
    let two_quotes = || Expr::Nested(Box::new(concatenation(vec![quote(), quote()])));
    let quotes_doubled = call_with("replace", vec![text.clone(), quote(), two_quotes()]);
    let plain = call_with("concat", vec![quote(), quotes_doubled.clone(), quote()]);
    let both_doubled = call_with(
        "replace",
        vec![
            quotes_doubled,
            backslash(),
            Expr::Nested(Box::new(concatenation(vec![backslash(), backslash()]))),
        ],
    );
    let escaped = call_with("concat", vec![string("E"), quote(), both_doubled, quote()]);
    let has_backslash = binary(
        call_with("strpos", vec![text.clone(), backslash()]),
        BinaryOperator::Gt,
        number(0),
    );
    case_when(
        Expr::IsNotNull(Box::new(text)),
        case_when(has_backslash, escaped, Some(plain)),
        None,
    )
}
