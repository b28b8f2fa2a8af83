//! Literals Trino writes otherwise: escape strings and PostgreSQL's interval strings.

use sqlparser::ast::{BinaryOperator, DateTimeField, Expr, Interval, Value};

use crate::ast::{binary, string, string_literal};
use crate::TranspileError;

use super::unsupported;

/// `E'...'`: Trino has no escape strings; sqlparser holds the value unescaped.
pub(super) fn escaped_literals(expr: &mut Expr) {
    if let Expr::Value(v) = expr {
        if let Value::EscapedStringLiteral(text) = &mut v.value {
            let text = std::mem::take(text);
            *expr = string(&text);
            crate::shared::quoted_literals(expr);
        }
    }
}

/// PostgreSQL's `interval '1 day 2 hours'` as a sum of Trino's one-unit intervals. Trino
/// keeps year-month and day-second intervals apart, so an interval with both is 0A000.
pub(super) fn interval_literals(expr: &mut Expr) -> Result<(), TranspileError> {
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
