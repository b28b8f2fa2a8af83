//! Rules every engine dialect takes, with the dialect's own spelling where it matters:
//!
//! - `to_char`/`to_date`/`to_timestamp` templates ([`crate::formats`]);
//! - [`similar_to`]: PostgreSQL's SQL regular expressions, which DuckDB and DataFusion read
//!   as LIKE patterns or not at all;
//! - [`format_to_concat`]: `format('%s ...', ...)`, which neither engine has with
//!   PostgreSQL's meaning.

use std::ops::ControlFlow;

use sqlparser::ast::helpers::attached_token::AttachedToken;
use sqlparser::ast::{
    visit_expressions, BinaryOperator, CaseWhen, DataType, ExactNumberInfo, Expr, FunctionArg,
    FunctionArgExpr, FunctionArguments, Value,
};

use crate::ast::{
    arguments, binary, call, call_with, case_when, cast_in_place, concatenation, function_name,
    is_call_to, is_plain_cast, not, number, rename, string, string_literal, take,
};
use crate::types::{Scope, SqlType};
use crate::{formats, Dialect, TranspileError};

/// A cast to `name` as the dialect can hold it, before any rule reads it as the cast to
/// text it also is ([`crate::type_modifiers::name_cast`]).
pub(crate) fn name_cast(expr: &mut Expr, scope: &Scope<'_>, dialect: Dialect) {
    crate::type_modifiers::name_cast(expr, |text| value_text(text, scope, dialect));
}

/// Applies the shared rules to one expression whose children are done.
pub(crate) fn apply(
    expr: &mut Expr,
    scope: &Scope<'_>,
    dialect: Dialect,
) -> Result<(), TranspileError> {
    formats::apply(expr, scope, dialect)?;
    crate::ordered_input::distinct_input_order(expr);
    unconstrained_numeric(expr, scope);
    integer_rounding(expr, scope);
    make_interval(expr, dialect)?;
    bytea_hex(expr, dialect);
    bytea_length(expr, scope, dialect);
    interval_plus_signs(expr);
    empty_string_array(expr);
    similar_to(expr, dialect)?;
    bool_output_text(expr, scope);
    json_concatenation(expr, scope, dialect)?;
    format_to_concat(expr, dialect)?;
    crate::type_modifiers::truncating_cast(expr, |text| value_text(text, scope, dialect));
    value_text(expr, scope, dialect);
    float_to_integer(expr, scope);
    common_argument_type(expr, scope);
    Ok(())
}

/// `jsonb || jsonb` merges objects and joins arrays in PostgreSQL (`json || json` is no
/// operator there, and is taken as jsonb's); both engines would join the two texts into one
/// that is not JSON. junction's function does it on DataFusion and DuckDB (which takes it
/// text and gives it back as text, cast to JSON).
fn json_concatenation(
    expr: &mut Expr,
    scope: &Scope<'_>,
    dialect: Dialect,
) -> Result<(), TranspileError> {
    let Expr::BinaryOp {
        left,
        op: BinaryOperator::StringConcat,
        right,
    } = expr
    else {
        return Ok(());
    };
    if scope.type_of(left) != Some(SqlType::Json) || scope.type_of(right) != Some(SqlType::Json) {
        return Ok(());
    }
    let (mut left, mut right) = (take(left), take(right));
    let function = crate::datafusion::JSONB_CONCAT;
    match dialect {
        Dialect::DataFusion => *expr = call_with(function, vec![left, right]),
        Dialect::DuckDb => {
            cast_in_place(&mut left, DataType::Varchar(None));
            cast_in_place(&mut right, DataType::Varchar(None));
            *expr = call_with(function, vec![left, right]);
            cast_in_place(expr, DataType::JSON);
        }
        Dialect::Trino | Dialect::Postgres => {
            return Err(TranspileError::Unsupported(format!(
                "jsonb || jsonb is not supported by {dialect}"
            )))
        }
    }
    Ok(())
}

/// Booleans in `concat`, `concat_ws` and `format` as PostgreSQL's output function writes
/// them, `t` and `f`; the engines write `true` and `false` (which is what a cast to text
/// gives in PostgreSQL too, so only these calls change).
pub(crate) fn bool_output_text(expr: &mut Expr, scope: &Scope<'_>) {
    let Expr::Function(function) = expr else {
        return;
    };
    let Some(name) = function_name(function).map(str::to_ascii_lowercase) else {
        return;
    };
    // The separator and the template are not values.
    let skipped = match name.as_str() {
        "concat" => 0,
        "concat_ws" | "format" => 1,
        _ => return,
    };
    for argument in crate::ast::arguments_mut(function).skip(skipped) {
        if scope.type_of(argument) == Some(SqlType::Bool) {
            let value = take(argument);
            *argument = Expr::Case {
                case_token: AttachedToken::empty(),
                end_token: AttachedToken::empty(),
                operand: Some(Box::new(value)),
                conditions: [(true, "t"), (false, "f")]
                    .into_iter()
                    .map(|(value, text)| CaseWhen {
                        condition: Expr::Value(Value::Boolean(value).into()),
                        result: string(text),
                    })
                    .collect(),
                else_result: None,
            };
        }
    }
}

/// A numeric constant written with an exponent (`1e3`, `2.5E-3`) as the same number without
/// one, with PostgreSQL's scale (`1000`, `0.0025`), which is numeric in PostgreSQL:
/// DataFusion reads `1e3` as a decimal of scale -3, which its casts to integers mangle
/// (`1e3::int` was 10); DuckDB reads it as a double, rounded half to even when cast to an
/// integer (`2.5e0::int` was 2, PostgreSQL's numeric rounds to 3) and divided as one. A
/// whole number is cast to a decimal of its digits, to stay numeric (`1000` alone is an
/// integer). Past 38 digits it is left to the engine.
pub(crate) fn exponent_literal(expr: &mut Expr) {
    let Expr::Value(value) = expr else {
        return;
    };
    let Value::Number(text, _) = &value.value else {
        return;
    };
    let Some((digits, scale)) = without_exponent(text) else {
        return;
    };
    let precision =
        u64::try_from(digits.chars().filter(char::is_ascii_digit).count()).unwrap_or(u64::MAX);
    if precision > 38 {
        return;
    }
    let plain = number(&digits);
    *expr = if scale == 0 {
        let mut whole = plain;
        cast_in_place(
            &mut whole,
            DataType::Decimal(ExactNumberInfo::PrecisionAndScale(precision, 0)),
        );
        whole
    } else {
        plain
    };
}

/// A number's digits written out without its exponent, and how many follow the point:
/// `2.5e3` is (`2500`, 0), `1.50e1` (`15.0`, 1), `1.5e-3` (`0.0015`, 4).
fn without_exponent(text: &str) -> Option<(String, usize)> {
    let (mantissa, exponent) = text.split_once(['e', 'E'])?;
    let exponent: i64 = exponent.parse().ok()?;
    let (whole, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let digits: String = format!("{whole}{fraction}");
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    // digits × 10^shift
    let shift = exponent - i64::try_from(fraction.len()).ok()?;
    if shift.unsigned_abs() > 40 {
        return None;
    }
    let (whole, fraction) = if shift >= 0 {
        let zeros = "0".repeat(usize::try_from(shift).ok()?);
        (format!("{digits}{zeros}"), String::new())
    } else {
        let scale = usize::try_from(-shift).ok()?;
        let padded = format!("{digits:0>width$}", width = scale + 1);
        let (whole, fraction) = padded.split_at(padded.len() - scale);
        (whole.to_owned(), fraction.to_owned())
    };
    let whole = whole.trim_start_matches('0');
    let whole = if whole.is_empty() { "0" } else { whole };
    Some(if fraction.is_empty() {
        (whole.to_owned(), 0)
    } else {
        (format!("{whole}.{fraction}"), fraction.len())
    })
}

/// `OVERLAY(s PLACING r FROM p [FOR n])` as PostgreSQL defines it: `substring(s, 1, p - 1)
/// || r || substring(s, p + n)`, `n` the length of `r` by default (so a start below 1 is
/// 22011, and a tail that starts before the text takes all of it). DuckDB has no overlay;
/// DataFusion's answered `Z` for `overlay('abc' PLACING 'Z' FROM 9)` (PostgreSQL: `abcZ`).
/// `substring_rules` are the dialect's rules for the two substrings it makes.
pub(crate) fn overlay(expr: &mut Expr, substring_rules: impl Fn(&mut Expr)) {
    let Expr::Overlay {
        expr: text,
        overlay_what,
        overlay_from,
        overlay_for,
    } = expr
    else {
        return;
    };
    let (text, placed, from) = (take(text), take(overlay_what), take(overlay_from));
    let count = match overlay_for {
        Some(count) => take(count),
        None => call("length", placed.clone()),
    };
    let substring = |from: Expr, count: Option<Expr>| Expr::Substring {
        expr: Box::new(text.clone()),
        substring_from: Some(Box::new(from)),
        substring_for: count.map(Box::new),
        special: true,
        shorthand: false,
    };
    let nested = |e: Expr| Expr::Nested(Box::new(e));
    let mut head = substring(
        number(1),
        Some(nested(binary(
            from.clone(),
            BinaryOperator::Minus,
            number(1),
        ))),
    );
    substring_rules(&mut head);
    let mut tail = substring(nested(binary(from, BinaryOperator::Plus, count)), None);
    substring_rules(&mut tail);
    *expr = nested(concatenation(vec![head, placed, tail]));
}

/// `to_hex` of an int4 is its 32 bits in PostgreSQL (`to_hex(-1)` is `ffffffff`); both
/// engines compute in 64 (`ffffffffffffffff`). The value's low 32 bits, as a bigint, print
/// the same. Before the dialect's own renaming of `to_hex`.
pub(crate) fn int4_hex(expr: &mut Expr, scope: &Scope<'_>) {
    let Expr::Function(function) = expr else {
        return;
    };
    if !is_call_to(function, &["to_hex"]) {
        return;
    }
    let Some(argument) = crate::ast::arguments_mut(function).next() else {
        return;
    };
    let non_negative_constant = matches!(argument, Expr::Value(_));
    if non_negative_constant || scope.type_of(argument) != Some(SqlType::Int4) {
        return;
    }
    let mut wide = take(argument);
    cast_in_place(&mut wide, DataType::BigInt(None));
    *argument = binary(wide, BinaryOperator::BitwiseAnd, number(0xffff_ffff_u32));
}

/// A float cast to an integer rounds half to even in PostgreSQL (`9394.5::int8` is 9394);
/// DataFusion truncates, DuckDB rounds half away from zero.
fn float_to_integer(expr: &mut Expr, scope: &Scope<'_>) {
    if let Expr::Cast {
        kind,
        expr: inner,
        data_type,
        ..
    } = expr
    {
        if is_plain_cast(kind)
            && SqlType::of(data_type).is_integer()
            && scope.type_of(inner).is_some_and(SqlType::is_float)
        {
            **inner = crate::result_types::half_even(take(inner));
        }
    }
}

/// `agg(x) FILTER (WHERE c)` evaluates `x` only where `c` holds, as PostgreSQL does; both
/// engines compute an aggregate's arguments for every row and filter after, so an argument
/// that fails where the filter is false (`sum(1 / n) FILTER (WHERE n <> 0)`) failed the
/// statement (22012). Each argument that could fail becomes `CASE WHEN c THEN x END`, which
/// both evaluate for the matching rows only. A rule on the expression as written, before
/// its parts are rewritten. Found by the differential fuzzer (conformance/).
pub(crate) fn filtered_arguments(expr: &mut Expr) {
    let Expr::Function(function) = expr else {
        return;
    };
    if let (Some(condition), FunctionArguments::List(list)) =
        (function.filter.as_deref(), &mut function.args)
    {
        for argument in &mut list.args {
            if let FunctionArg::Unnamed(FunctionArgExpr::Expr(e)) = argument {
                if may_fail(e) {
                    *e = case_when(condition.clone(), take(e), None);
                }
            }
        }
    }
}

/// Whether evaluating `expr` could raise an error: anything but a constant or a column. A
/// subquery stays where it is (DataFusion plans none inside a CASE branch).
fn may_fail(expr: &Expr) -> bool {
    let simple = matches!(
        expr,
        Expr::Value(_) | Expr::Identifier(_) | Expr::CompoundIdentifier(_)
    );
    let has_subquery = visit_expressions(expr, |e| match e {
        Expr::Subquery(_) | Expr::Exists { .. } | Expr::InSubquery { .. } => ControlFlow::Break(()),
        _ => ControlFlow::Continue(()),
    })
    .is_break();
    !simple && !has_subquery
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

/// `format('%s-%L', a, b)` with a literal format is a concatenation: `%s` is the value as
/// text (NULL as nothing), `%L` the value quoted as a literal (NULL as `NULL`), `%%` a
/// percent sign; positions (`%2$s`) and widths (`%5s`, `%-5s`: padded, never cut) as
/// PostgreSQL reads them; `%I` the value's text as an identifier (quoted where it must be,
/// NULL an error) on the in-process engines. `*` widths, and `%I` on Trino, are 0A000.
pub fn format_to_concat(expr: &mut Expr, dialect: Dialect) -> Result<(), TranspileError> {
    let Expr::Function(function) = expr else {
        return Ok(());
    };
    if !function_name(function).is_some_and(|n| n.eq_ignore_ascii_case("format")) {
        return Ok(());
    }
    let mut arguments: Vec<Expr> = crate::ast::arguments(function).cloned().collect();
    if arguments.is_empty() {
        return Ok(());
    }
    let template = arguments.remove(0);
    let Some(template) = string_literal(&template).map(str::to_owned) else {
        return Err(TranspileError::Unsupported(format!(
            "format() with a format that is not a literal is not supported by {dialect}"
        )));
    };
    let unsupported = |what: &str| {
        TranspileError::Unsupported(format!("format() {what} is not supported by {dialect}"))
    };
    let too_few = || TranspileError::Syntax("too few arguments for format()".to_owned());
    let mut parts = Vec::new();
    let mut literal = String::new();
    let mut next_argument = 0usize;
    let mut chars = template.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '%' {
            literal.push(c);
            continue;
        }
        if chars.peek() == Some(&'%') {
            chars.next();
            literal.push('%');
            continue;
        }
        // %[position$][-][width]type
        let mut digits = String::new();
        while let Some(d) = chars.peek().filter(|d| d.is_ascii_digit()) {
            digits.push(*d);
            chars.next();
        }
        if !digits.is_empty() && chars.peek() == Some(&'$') {
            chars.next();
            let position: usize = digits.parse().map_err(|_| too_few())?;
            if position == 0 {
                return Err(TranspileError::Syntax(
                    "format specifies argument 0, but arguments are numbered from 1".to_owned(),
                ));
            }
            next_argument = position - 1;
            digits.clear();
        }
        let left_aligned = digits.is_empty() && chars.peek() == Some(&'-');
        if left_aligned {
            chars.next();
        }
        while let Some(d) = chars.peek().filter(|d| d.is_ascii_digit()) {
            digits.push(*d);
            chars.next();
        }
        if chars.peek() == Some(&'*') {
            return Err(unsupported("with a * width"));
        }
        let width: Option<usize> = if digits.is_empty() {
            None
        } else {
            Some(
                digits
                    .parse()
                    .map_err(|_| unsupported("with such a width"))?,
            )
        };
        let value = arguments.get(next_argument).cloned().ok_or_else(too_few)?;
        next_argument += 1;
        let mut value = match chars.next() {
            Some('s') => {
                let mut text = value;
                cast_in_place(&mut text, sqlparser::ast::DataType::Text);
                text
            }
            Some('L') => quote_nullable(value),
            Some('I') if dialect != Dialect::Trino => {
                let mut text = value;
                cast_in_place(&mut text, sqlparser::ast::DataType::Text);
                call(crate::identifiers::FORMAT_IDENTIFIER, text)
            }
            Some(other) => return Err(unsupported(&format!("specifier %{other}"))),
            None => {
                return Err(TranspileError::Syntax(
                    "unterminated format() type specifier".to_owned(),
                ))
            }
        };
        if let Some(width) = width {
            value = padded(value, width, left_aligned);
        }
        if !literal.is_empty() {
            parts.push(string(&std::mem::take(&mut literal)));
        }
        parts.push(value);
    }
    if !literal.is_empty() || parts.is_empty() {
        parts.push(string(&literal));
    }
    *expr = call_with("concat", parts);
    Ok(())
}

/// `text` padded with spaces to `width` characters (on the right when `left_aligned`); never
/// cut, unlike lpad/rpad. NULL (which format prints as nothing) pads to spaces.
fn padded(text: Expr, width: usize, left_aligned: bool) -> Expr {
    let text = call_with("coalesce", vec![text, string("")]);
    let pad = call_with(
        if left_aligned { "rpad" } else { "lpad" },
        vec![text.clone(), number(width), string(" ")],
    );
    let fits = binary(
        call("char_length", text.clone()),
        BinaryOperator::GtEq,
        number(width),
    );
    crate::ast::case_when(fits, text, Some(pad))
}

/// PostgreSQL's `quote_nullable(value)`: the value's text quoted as a literal, `NULL` for
/// NULL.
fn quote_nullable(value: Expr) -> Expr {
    let mut text = value;
    cast_in_place(&mut text, sqlparser::ast::DataType::Text);
    call_with(
        "coalesce",
        vec![crate::result_types::quote_literal(text), string("NULL")],
    )
}

/// An interval's text with `+` before a number or a time (`+3 days`, `-1 days +02:00:00`,
/// the way PostgreSQL prints an interval whose parts differ in sign) without it: the engines
/// refuse the sign (DuckDB that of a time), which says nothing.
fn interval_plus_signs(expr: &mut Expr) {
    let text = match expr {
        Expr::Interval(interval) => &mut *interval.value,
        Expr::Cast {
            expr: value,
            data_type: DataType::Interval { .. },
            ..
        } => &mut **value,
        _ => return,
    };
    let Some(written) = string_literal(text) else {
        return;
    };
    let signed = |word: &str| {
        word.strip_prefix('+')
            .is_some_and(|rest| rest.starts_with(|c: char| c.is_ascii_digit() || c == '.'))
    };
    if !written.split_whitespace().any(signed) {
        return;
    }
    let unsigned: Vec<&str> = written
        .split_whitespace()
        .map(|word| match signed(word) {
            true => &word[1..],
            false => word,
        })
        .collect();
    *text = string(&unsigned.join(" "));
}

/// `string_to_array('', delimiter)` is an empty array in PostgreSQL; the engines give one
/// empty string.
fn empty_string_array(expr: &mut Expr) {
    let Expr::Function(function) = expr else {
        return;
    };
    if !is_call_to(function, &["string_to_array"]) {
        return;
    }
    let Some(text) = arguments(function).next().cloned() else {
        return;
    };
    let split = take(expr);
    let none = crate::ast::subscripted(
        split.clone(),
        sqlparser::ast::Subscript::Slice {
            lower_bound: Some(number(1)),
            upper_bound: Some(number(0)),
            stride: None,
        },
    );
    let empty = binary(text, BinaryOperator::Eq, string(""));
    *expr = case_when(empty, none, Some(split));
}

/// `substring(x FROM 'pattern')`: a text pattern makes it PostgreSQL's regular-expression
/// substring, the first parenthesized group's match or else the whole match, NULL without
/// one; the engines took the pattern for a start position. As the first element of
/// `regexp_match`, which each dialect's rules then write. Read before its parts' rules run.
pub(crate) fn pattern_substring(expr: &mut Expr) {
    let Expr::Substring {
        expr: text,
        substring_from: Some(pattern),
        substring_for: None,
        shorthand: false,
        ..
    } = expr
    else {
        return;
    };
    if string_literal(pattern).is_none() {
        return;
    }
    let groups = call_with("regexp_match", vec![take(text), take(pattern)]);
    *expr = crate::ast::subscripted(
        groups,
        sqlparser::ast::Subscript::Index { index: number(1) },
    );
    // Text also where DuckDB folds a constant call to its untyped NULL (int4 on the wire).
    cast_in_place(expr, sqlparser::ast::DataType::Text);
}

/// A string constant beside a timestamp in `+` or `-`, typed as PostgreSQL resolves it:
/// `ts + '90 minutes'` adds an interval, `ts - '2025-12-31'` subtracts a timestamp (the
/// constant takes the other side's type), where the engines refused both. Read before the
/// operands' own rules run, so that they apply to the interval or cast made here.
pub(crate) fn untyped_temporal_operand(expr: &mut Expr, scope: &Scope<'_>) {
    let Expr::BinaryOp { left, op, right } = expr else {
        return;
    };
    let is_text = |e: &Expr| string_literal(e).is_some();
    let temporal =
        |t: Option<SqlType>| matches!(t, Some(SqlType::Timestamp | SqlType::TimestampTz));
    match op {
        BinaryOperator::Plus => {
            let as_interval = |text: &mut Expr| *text = crate::ast::interval_of(take(text));
            if is_text(left) && temporal(scope.type_of(right)) {
                as_interval(left);
            } else if is_text(right) && temporal(scope.type_of(left)) {
                as_interval(right);
            }
        }
        BinaryOperator::Minus if is_text(right) => {
            let data_type = match scope.type_of(left) {
                Some(SqlType::Timestamp) => {
                    sqlparser::ast::DataType::Timestamp(None, sqlparser::ast::TimezoneInfo::None)
                }
                Some(SqlType::TimestampTz) => sqlparser::ast::DataType::Timestamp(
                    None,
                    sqlparser::ast::TimezoneInfo::WithTimeZone,
                ),
                Some(SqlType::Date) => sqlparser::ast::DataType::Date,
                _ => return,
            };
            cast_in_place(right, data_type);
        }
        _ => {}
    }
}

/// `length(bytea)` and `octet_length(bytea)` count bytes in PostgreSQL; the engines'
/// `length` takes only text, and DataFusion's `octet_length` too, so there the bytes are
/// counted as half their hex digits.
fn bytea_length(expr: &mut Expr, scope: &Scope<'_>, dialect: Dialect) {
    let Expr::Function(function) = expr else {
        return;
    };
    let of_bytea = is_call_to(function, &["length", "octet_length"])
        && arguments(function).count() == 1
        && arguments(function).next().and_then(|e| scope.type_of(e)) == Some(SqlType::Bytea);
    if !of_bytea {
        return;
    }
    match dialect {
        Dialect::DataFusion => {
            if let Some([bytes]) = crate::ast::take_arguments(function) {
                let hex = call_with("encode", vec![bytes, string("hex")]);
                *expr = binary(call("length", hex), BinaryOperator::Divide, number(2));
            }
        }
        _ => rename(function, "octet_length"),
    }
    cast_in_place(expr, sqlparser::ast::DataType::Integer(None));
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

/// make_interval's parameters, in order, as PostgreSQL names them.
const MAKE_INTERVAL_PARAMETERS: [&str; 7] =
    ["years", "months", "weeks", "days", "hours", "mins", "secs"];

/// The position of make_interval's parameter `name`.
fn parameter_position(name: &str) -> Result<usize, TranspileError> {
    MAKE_INTERVAL_PARAMETERS
        .iter()
        .position(|p| p.eq_ignore_ascii_case(name))
        .ok_or_else(|| {
            TranspileError::UndefinedFunction(format!(
                "function make_interval({name} => ...) does not exist"
            ))
        })
}

/// `make_interval(...)` with every argument in place (named ones, `hours => 2`, moved to
/// their position, the missing ones 0): DataFusion's make_interval is junction's function,
/// which takes them by position; DuckDB has none, so there it is a sum of its `to_*`
/// intervals.
pub fn make_interval(expr: &mut Expr, dialect: Dialect) -> Result<(), TranspileError> {
    let Expr::Function(function) = expr else {
        return Ok(());
    };
    if !crate::ast::is_call_to(function, &["make_interval"]) || function.over.is_some() {
        return Ok(());
    }
    let FunctionArguments::List(list) = &function.args else {
        return Ok(());
    };
    let mut slots: [Option<Expr>; 7] = Default::default();
    let mut next = 0;
    for arg in &list.args {
        let (slot, value) = match arg {
            FunctionArg::Unnamed(FunctionArgExpr::Expr(e)) => {
                next += 1;
                (next - 1, e)
            }
            FunctionArg::Named {
                name,
                arg: FunctionArgExpr::Expr(e),
                ..
            } => (parameter_position(&name.value)?, e),
            FunctionArg::ExprNamed {
                name: Expr::Identifier(name),
                arg: FunctionArgExpr::Expr(e),
                ..
            } => (parameter_position(&name.value)?, e),
            _ => return Ok(()),
        };
        match slots.get_mut(slot) {
            Some(place) => *place = Some(value.clone()),
            None => {
                return Err(TranspileError::UndefinedFunction(
                    "function make_interval with more than 7 arguments does not exist".to_owned(),
                ))
            }
        }
    }
    let [years, months, weeks, days, hours, minutes, seconds] =
        slots.map(|s| s.unwrap_or_else(|| number(0)));
    *expr = match dialect {
        Dialect::DuckDb => {
            let months = binary(
                binary(years, BinaryOperator::Multiply, number(12)),
                BinaryOperator::Plus,
                months,
            );
            let days = binary(
                binary(weeks, BinaryOperator::Multiply, number(7)),
                BinaryOperator::Plus,
                days,
            );
            let mut micros = call(
                "round",
                binary(seconds, BinaryOperator::Multiply, number(1_000_000)),
            );
            cast_in_place(&mut micros, sqlparser::ast::DataType::BigInt(None));
            let sum = [
                call("to_months", Expr::Nested(Box::new(months))),
                call("to_days", Expr::Nested(Box::new(days))),
                call("to_hours", hours),
                call("to_minutes", minutes),
                call("to_microseconds", micros),
            ]
            .into_iter()
            .reduce(|a, b| binary(a, BinaryOperator::Plus, b))
            .unwrap_or_else(|| number(0));
            Expr::Nested(Box::new(sum))
        }
        Dialect::Trino => {
            return Err(TranspileError::Unsupported(
                "make_interval is not supported by trino".to_owned(),
            ))
        }
        _ => call_with(
            "make_interval",
            vec![years, months, weeks, days, hours, minutes, seconds],
        ),
    };
    Ok(())
}

/// `CAST(x AS numeric)` without a scale keeps the digits `x` has, as PostgreSQL's
/// unconstrained numeric does: an integer gets none (`5`, where the engines' default scale
/// would print `5.0000000000`) and an exact number keeps its own scale. From a float or text
/// the engines' fixed scale stays: the digits are only known at run time.
pub fn unconstrained_numeric(expr: &mut Expr, scope: &Scope<'_>) {
    use sqlparser::ast::{DataType, ExactNumberInfo};
    let Expr::Cast {
        expr: inner,
        data_type:
            data_type @ (DataType::Numeric(ExactNumberInfo::None)
            | DataType::Decimal(ExactNumberInfo::None)),
        ..
    } = expr
    else {
        return;
    };
    // A constant text of a plain number is that number, with the digits it has
    // (`'1.50'::numeric` is 1.50, where the engines' text cast gives ten after the point).
    if let Some((negative, number)) = string_literal(inner).and_then(plain_number) {
        let number = Expr::Value(Value::Number(number, false).into());
        **inner = match negative {
            true => Expr::UnaryOp {
                op: sqlparser::ast::UnaryOperator::Minus,
                expr: Box::new(number),
            },
            false => number,
        };
    }
    match scope.type_of(inner) {
        // 20 digits hold any int8 and leave room for a scale when an engine widens.
        Some(t) if t.is_integer() => {
            *data_type = DataType::Decimal(ExactNumberInfo::PrecisionAndScale(20, 0));
        }
        Some(crate::types::SqlType::Numeric) => *expr = take(inner),
        _ => {}
    }
}

/// `text` as a sign and an unsigned number literal, if it is a plain decimal number (white
/// space around it, a sign, digits with or without a point, an exponent), written out with
/// the scale numeric's input gives it (`1.50e1` is `15.0`).
fn plain_number(text: &str) -> Option<(bool, String)> {
    let text = text.trim();
    let unsigned = text.strip_prefix(['+', '-']).unwrap_or(text);
    let (mantissa, exponent) = match unsigned.split_once(['e', 'E']) {
        Some((mantissa, exponent)) => (mantissa, exponent.parse::<i32>().ok()?),
        None => (unsigned, 0),
    };
    let (whole, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let digits = |part: &str| part.bytes().all(|b| b.is_ascii_digit());
    if whole.is_empty() && fraction.is_empty() || !digits(whole) || !digits(fraction) {
        return None;
    }
    // Beyond this the literal would be wider than any engine's decimal anyway.
    if exponent.unsigned_abs() > 64 {
        return None;
    }
    let mut all = format!("{whole}{fraction}");
    let shift = exponent - i32::try_from(fraction.len()).ok()?;
    let scale = usize::try_from(-shift).unwrap_or(0);
    if let Ok(zeros) = usize::try_from(shift) {
        all.push_str(&"0".repeat(zeros));
    }
    if all.len() <= scale {
        all.insert_str(0, &"0".repeat(scale + 1 - all.len()));
    }
    let (integer, decimals) = all.split_at(all.len() - scale);
    let integer = integer.trim_start_matches('0');
    let mut number = if integer.is_empty() { "0" } else { integer }.to_owned();
    if !decimals.is_empty() {
        number.push('.');
        number.push_str(decimals);
    }
    Some((text.starts_with('-'), number))
}

/// `round`, `trunc`, `ceil` and `floor` of an integer as PostgreSQL resolves them: alone
/// they take the float8 form, with a digit count the numeric one (the engines would keep
/// the integer, or answer a float).
pub fn integer_rounding(expr: &mut Expr, scope: &Scope<'_>) {
    let Expr::Function(function) = expr else {
        return;
    };
    if !crate::ast::is_call_to(function, &["round", "trunc", "ceil", "ceiling", "floor"]) {
        return;
    }
    let count = crate::ast::arguments(function).count();
    let Some(first) = crate::ast::arguments_mut(function).next() else {
        return;
    };
    if !scope
        .type_of(first)
        .is_some_and(crate::types::SqlType::is_integer)
    {
        return;
    }
    let target = if count == 2 {
        sqlparser::ast::DataType::Numeric(sqlparser::ast::ExactNumberInfo::None)
    } else {
        sqlparser::ast::DataType::DoublePrecision
    };
    cast_in_place(first, target);
}

/// junction's function (in both engines) that prints a float8 as PostgreSQL does.
pub const FLOAT8_TEXT: &str = "junction_float8_text";

/// junction's function (DataFusion's) that prints a timestamp or a date as PostgreSQL does.
pub const TIMESTAMP_TEXT: &str = "junction_timestamp_text";

/// junction's function (in both engines) that prints an interval as PostgreSQL does.
pub const INTERVAL_TEXT: &str = "junction_interval_text";

/// junction's function (in both engines) that prints an array as PostgreSQL does (`{1,2}`
/// where the engines print `[1, 2]`). DataFusion's takes the array; DuckDB's its elements
/// as DuckDB prints them and `typeof` of the array, which says how to read them back.
pub const ARRAY_TEXT: &str = "junction_array_text";

/// The function printing a value of type `t` as PostgreSQL does, where the engines print it
/// otherwise: floats (`62`, `1e+15` where they print `62.0` and `1e15`) and intervals
/// (`1 mon 2 days 03:00:00` where DataFusion prints `1 mons 2 days 3 hours` and DuckDB
/// `1 month 2 days 03:00:00`).
/// Arrays too on DuckDB; on DataFusion an analyzer rule prints every array cast to text,
/// wherever the cast comes from.
fn text_function(t: Option<crate::types::SqlType>, dialect: Dialect) -> Option<&'static str> {
    match t? {
        t if t.is_float() => Some(FLOAT8_TEXT),
        crate::types::SqlType::Interval => Some(INTERVAL_TEXT),
        crate::types::SqlType::Array if dialect == Dialect::DuckDb => Some(ARRAY_TEXT),
        _ => None,
    }
}

/// A float or an interval turned into text as PostgreSQL prints it ([`text_function`]):
/// casts to text, `||` and `concat`'s arguments.
pub fn value_text(expr: &mut Expr, scope: &Scope<'_>, dialect: Dialect) {
    let printer = |e: &Expr| text_function(scope.type_of(e), dialect);
    // A value, or a value cast to text.
    let printed = |e: &mut Expr| {
        let (function, mut inner) = match &mut *e {
            Expr::Cast {
                expr: inner,
                data_type,
                ..
            } if crate::types::SqlType::of(data_type) == crate::types::SqlType::Text => {
                match printer(inner) {
                    Some(function) => (function, take(inner)),
                    None => return,
                }
            }
            other => match printer(other) {
                Some(function) => (function, take(other)),
                None => return,
            },
        };
        if function == INTERVAL_TEXT && dialect == Dialect::DuckDb {
            // DuckDB hands junction's functions no interval, only its text
            // (`1 year 2 months 03:00:00`), which the function reads back.
            cast_in_place(&mut inner, sqlparser::ast::DataType::Varchar(None));
        }
        if function == ARRAY_TEXT {
            // Nor lists of every element type: the elements' text, and the type to read
            // it back by.
            let type_name = crate::ast::call("typeof", inner.clone());
            let elements =
                sqlparser::ast::DataType::Array(sqlparser::ast::ArrayElemTypeDef::SquareBracket(
                    Box::new(sqlparser::ast::DataType::Varchar(None)),
                    None,
                ));
            cast_in_place(&mut inner, elements);
            *e = crate::ast::call_with(function, vec![inner, type_name]);
            return;
        }
        *e = crate::ast::call(function, inner);
    };
    match expr {
        // `printed` leaves a cast of what it does not print as it is.
        Expr::Cast { data_type, .. }
            if crate::types::SqlType::of(data_type) == crate::types::SqlType::Text =>
        {
            printed(expr)
        }
        // With an array on either side `||` is the array's concatenation, not text's.
        Expr::BinaryOp {
            left,
            op: BinaryOperator::StringConcat,
            right,
        } if ![&**left, &**right]
            .into_iter()
            .any(|e| scope.type_of(e) == Some(crate::types::SqlType::Array)) =>
        {
            printed(left);
            printed(right);
        }
        Expr::Function(f) if crate::ast::is_call_to(f, &["concat", "concat_ws"]) => {
            crate::ast::arguments_mut(f).for_each(printed);
        }
        _ => {}
    }
}

/// `coalesce`, `nullif`, `greatest` and `least` of numbers of different types answer their
/// common type (int4 and numeric is numeric); the engines may keep the first argument's.
/// The arguments of another type are cast to it; a numeric keeps its own digits.
pub fn common_argument_type(expr: &mut Expr, scope: &Scope<'_>) {
    let Expr::Function(function) = expr else {
        return;
    };
    if !crate::ast::is_call_to(function, &["coalesce", "nullif", "greatest", "least"]) {
        return;
    }
    let Some(common) = scope.function_type(function) else {
        return;
    };
    let data_type = match common {
        // An integer as a numeric with room after the point for the others' digits: the
        // engines take the larger scale of two decimals.
        crate::types::SqlType::Numeric => crate::result_types::numeric(10),
        crate::types::SqlType::Float8 => sqlparser::ast::DataType::DoublePrecision,
        crate::types::SqlType::Int8 => sqlparser::ast::DataType::BigInt(None),
        _ => return,
    };
    for argument in crate::ast::arguments_mut(function) {
        let own = scope.type_of(argument);
        if own.is_some_and(|t| {
            t != common && (t.is_integer() || t.is_float() || t == crate::types::SqlType::Numeric)
        }) {
            cast_in_place(argument, data_type.clone());
        }
    }
}

/// Timestamp text without seconds read as PostgreSQL reads it: `'2026-01-01 10:00'`, also
/// with an offset or zone after it (`'2026-01-01 10:00+02'`), in a cast or typed literal or
/// compared with a timestamp. DataFusion refuses any of them, DuckDB those with an offset.
pub fn timestamp_seconds(expr: &mut Expr, scope: &Scope<'_>) {
    rewrite_dated_literals(
        expr,
        scope,
        &[SqlType::Timestamp, SqlType::TimestampTz],
        with_seconds,
    );
}

/// Rewrites by `rewrite` each text literal of `expr` that is read as a value of one of
/// `types` (dates or timestamps): the text of a typed literal, of a cast to one of them,
/// compared with one (`ts < '2026-01-01 10:00'`) or a bound of a BETWEEN on one. `rewrite`
/// answers `None` to leave a text as it is.
pub(crate) fn rewrite_dated_literals(
    expr: &mut Expr,
    scope: &Scope<'_>,
    types: &[SqlType],
    rewrite: impl Fn(&str) -> Option<String>,
) {
    let is_dated = |t: Option<SqlType>| t.is_some_and(|t| types.contains(&t));
    let rewrite_text = |e: &mut Expr| {
        if let Some(rewritten) = string_literal(e).and_then(&rewrite) {
            *e = string(&rewritten);
        }
    };
    match expr {
        Expr::BinaryOp { left, right, .. } => {
            if is_dated(scope.type_of(left)) {
                rewrite_text(right);
            }
            if is_dated(scope.type_of(right)) {
                rewrite_text(left);
            }
        }
        Expr::Between {
            expr: value,
            low,
            high,
            ..
        } if is_dated(scope.type_of(value)) => {
            rewrite_text(low);
            rewrite_text(high);
        }
        Expr::Cast {
            kind,
            expr: text,
            data_type,
            ..
        } if is_plain_cast(kind) && is_dated(Some(SqlType::of(data_type))) => rewrite_text(text),
        Expr::TypedString(typed) if is_dated(Some(SqlType::of(&typed.data_type))) => {
            if let Value::SingleQuotedString(text) = &mut typed.value.value {
                if let Some(rewritten) = rewrite(text) {
                    *text = rewritten;
                }
            }
        }
        _ => {}
    }
}

/// `YYYY-MM-DD HH:MM` (or with a `T`), maybe followed by an offset or a zone, with `:00`
/// seconds after the minutes.
fn with_seconds(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let minutes_only = bytes.len() >= 16
        && (bytes[10] == b' ' || bytes[10] == b'T')
        && bytes[13] == b':'
        && bytes[..16].iter().enumerate().all(|(i, b)| match i {
            4 | 7 => *b == b'-',
            10 | 13 => true,
            _ => b.is_ascii_digit(),
        })
        && matches!(bytes.get(16), None | Some(b'+' | b'-' | b'Z' | b'z' | b' '));
    minutes_only.then(|| format!("{}:00{}", &text[..16], &text[16..]))
}

#[cfg(test)]
mod tests {
    use super::plain_number;

    #[test]
    fn number_texts_keep_numerics_scale() {
        let plain = |t: &str| plain_number(t).map(|(negative, n)| format!("{negative} {n}"));
        assert_eq!(plain(" -2.50 ").as_deref(), Some("true 2.50"));
        assert_eq!(plain("1.").as_deref(), Some("false 1"));
        assert_eq!(plain(".5").as_deref(), Some("false 0.5"));
        assert_eq!(plain("1e3").as_deref(), Some("false 1000"));
        assert_eq!(plain("1.50e1").as_deref(), Some("false 15.0"));
        assert_eq!(plain("15e-3").as_deref(), Some("false 0.015"));
        assert_eq!(plain("007.20").as_deref(), Some("false 7.20"));
        assert_eq!(plain("NaN"), None);
        assert_eq!(plain("1.2.3"), None);
        assert_eq!(plain("."), None);
        assert_eq!(plain("1e999"), None);
    }
}
