//! Where a statement reads a `timestamptz` as a wall-clock time, which PostgreSQL does in the
//! session's `TimeZone`: a cast to `date`, `timestamp` or `time` and back, `extract`,
//! `date_trunc`, `to_char`, calendar arithmetic (`+ interval '1 day'` across a daylight-saving
//! change), comparing with a `date` or a `timestamp`, text read without an offset.
//!
//! An engine that computes these in UTC answers a session in another zone wrongly, and
//! silently: such a statement is refused there (0A000), so that `auto` runs it where the
//! session's zone is honoured.

use std::ops::ControlFlow;

use sqlparser::ast::{visit_expressions, BinaryOperator, DateTimeField, Expr, Statement, Value};

use crate::ast::{arguments, function_name, string_literal};
use crate::types::{Scope, SqlType, TypeOracle};

/// The first construct of `statement` that reads a `timestamptz` as a wall-clock time (its
/// words, for an error message); `None` when its answer is the same in every time zone.
pub fn local_time_use(statement: &Statement, types: &dyn TypeOracle) -> Option<&'static str> {
    let scope = Scope::of(statement, types);
    let found = visit_expressions(statement, |expr| match local_time(expr, &scope) {
        Some(what) => ControlFlow::Break(what),
        None => ControlFlow::Continue(()),
    });
    match found {
        ControlFlow::Break(what) => Some(what),
        ControlFlow::Continue(()) => None,
    }
}

/// Whether `zone` (a `TimeZone` setting) is UTC all year, so that wall-clock readings of an
/// instant are UTC's.
pub fn is_utc(zone: &str) -> bool {
    let zone = zone.trim();
    // The zones whose abbreviation is `UTC` too (to_char's `TZ`).
    [
        "utc",
        "etc/utc",
        "uct",
        "etc/uct",
        "universal",
        "etc/universal",
        "zulu",
        "etc/zulu",
    ]
    .iter()
    .any(|utc| zone.eq_ignore_ascii_case(utc))
}

fn local_time(expr: &Expr, scope: &Scope<'_>) -> Option<&'static str> {
    let tz = |e: &Expr| scope.type_of(e) == Some(SqlType::TimestampTz);
    match expr {
        Expr::Cast {
            expr: inner,
            data_type,
            ..
        } => {
            let to = SqlType::of(data_type);
            if tz(inner) && matches!(to, SqlType::Date | SqlType::Time | SqlType::Timestamp) {
                return Some("a timestamptz cast to a wall-clock type");
            }
            (to == SqlType::TimestampTz && !tz(inner) && !has_offset(inner))
                .then_some("a wall-clock value cast to timestamptz")
        }
        Expr::TypedString(typed) => (SqlType::of(&typed.data_type) == SqlType::TimestampTz
            && !matches!(&typed.value.value, Value::SingleQuotedString(text) if text_has_offset(text)))
        .then_some("a timestamptz literal without an offset"),
        Expr::Extract { field, expr, .. } => (tz(expr) && !is_epoch(field))
            .then_some("extract from a timestamptz"),
        Expr::Function(function) => {
            let name = function_name(function)?.to_ascii_lowercase();
            let args: Vec<&Expr> = arguments(function).collect();
            let any_tz = args.iter().any(|a| tz(a));
            match name.as_str() {
                "date_part" => {
                    let epoch = args
                        .first()
                        .and_then(|a| string_literal(a))
                        .is_some_and(|f| f.eq_ignore_ascii_case("epoch"));
                    (any_tz && !epoch).then_some("date_part of a timestamptz")
                }
                "date_trunc" | "date_bin" | "to_char" | "age" | "generate_series" => {
                    any_tz.then_some("a calendar function of a timestamptz")
                }
                "to_timestamp" if args.len() == 2 => Some("to_timestamp of text"),
                "make_timestamptz" if args.len() < 7 => Some("make_timestamptz without a zone"),
                _ => None,
            }
        }
        Expr::BinaryOp { left, op, right } => {
            let (l, r) = (scope.type_of(left), scope.type_of(right));
            let arithmetic = matches!(op, BinaryOperator::Plus | BinaryOperator::Minus);
            if arithmetic {
                let calendar = |tz_side: &Expr, other: &Expr, other_type: Option<SqlType>| {
                    tz(tz_side)
                        && other_type == Some(SqlType::Interval)
                        && !is_clock_interval(other)
                };
                return (calendar(left, right, r) || calendar(right, left, l))
                    .then_some("calendar arithmetic on a timestamptz");
            }
            let comparison = matches!(
                op,
                BinaryOperator::Eq
                    | BinaryOperator::NotEq
                    | BinaryOperator::Lt
                    | BinaryOperator::LtEq
                    | BinaryOperator::Gt
                    | BinaryOperator::GtEq
            );
            (comparison && (mixed(l, right, r) || mixed(r, left, l)))
                .then_some("a timestamptz compared with a wall-clock value")
        }
        Expr::Between {
            expr, low, high, ..
        } => {
            let t = scope.type_of(expr);
            let mixes = |bound: &Expr| {
                let b = scope.type_of(bound);
                mixed(t, bound, b) || mixed(b, expr, t)
            };
            (mixes(low) || mixes(high)).then_some("a timestamptz compared with a wall-clock value")
        }
        _ => None,
    }
}

/// Whether a timestamptz (`a_type`) meets `b`, a date, a timestamp or text without an
/// offset, which PostgreSQL reads in the session's zone.
fn mixed(a_type: Option<SqlType>, b: &Expr, b_type: Option<SqlType>) -> bool {
    if a_type != Some(SqlType::TimestampTz) {
        return false;
    }
    match b_type {
        Some(SqlType::Date | SqlType::Timestamp) => true,
        Some(SqlType::Text) | None => string_literal(b).is_some_and(|text| !text_has_offset(text)),
        _ => false,
    }
}

fn is_epoch(field: &DateTimeField) -> bool {
    match field {
        DateTimeField::Epoch => true,
        DateTimeField::Custom(ident) => ident.value.eq_ignore_ascii_case("epoch"),
        _ => false,
    }
}

/// An interval literal of hours, minutes and seconds only: added to an instant it moves the
/// instant by that much in every zone.
fn is_clock_interval(expr: &Expr) -> bool {
    let Expr::Interval(interval) = expr else {
        return false;
    };
    if let Some(field) = &interval.leading_field {
        if !matches!(
            field,
            DateTimeField::Hour
                | DateTimeField::Hours
                | DateTimeField::Minute
                | DateTimeField::Minutes
                | DateTimeField::Second
                | DateTimeField::Seconds
        ) {
            return false;
        }
    }
    let Some(text) = string_literal(&interval.value) else {
        return false;
    };
    let text = text.to_ascii_lowercase();
    text.split(|c: char| !c.is_ascii_alphabetic())
        .filter(|word| !word.is_empty())
        .all(|word| {
            ["h", "min", "s", "ms", "us", "milli", "micro"]
                .iter()
                .any(|unit| word.starts_with(unit))
        })
}

/// Whether `expr` is text naming its own offset or zone.
fn has_offset(expr: &Expr) -> bool {
    string_literal(expr).is_some_and(text_has_offset)
}

/// Whether the timestamp text `text` ends in an offset (`Z`, `+02`, `-05:30`) or a zone name.
pub fn text_has_offset(text: &str) -> bool {
    let text = text.trim();
    if text.ends_with(['Z', 'z']) {
        return true;
    }
    // Offsets and zone names follow the time of day; a date alone has neither.
    let Some(colon) = text.find(':') else {
        return false;
    };
    let after_time = &text[colon..];
    if after_time.contains(['+', '-']) {
        return true;
    }
    after_time.rsplit_once(' ').is_some_and(|(_, last)| {
        last.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
            && !last.eq_ignore_ascii_case("am")
            && !last.eq_ignore_ascii_case("pm")
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::TableTypes;

    fn found(sql: &str) -> Option<&'static str> {
        let statement = crate::parse(sql).expect("valid").remove(0);
        let mut types = TableTypes::default();
        types.insert(
            vec!["t".to_owned()],
            vec![
                ("at".to_owned(), SqlType::TimestampTz),
                ("local".to_owned(), SqlType::Timestamp),
                ("day".to_owned(), SqlType::Date),
            ],
        );
        local_time_use(&statement, &types)
    }

    #[test]
    fn wall_clock_readings_of_an_instant_are_found() {
        for sql in [
            "SELECT at::date FROM t",
            "SELECT CAST(at AS timestamp) FROM t",
            "SELECT extract(hour FROM at) FROM t",
            "SELECT date_part('dow', at) FROM t",
            "SELECT date_trunc('day', at) FROM t GROUP BY 1",
            "SELECT to_char(at, 'HH24') FROM t",
            "SELECT at + interval '1 day' FROM t",
            "SELECT at - interval '1 month' FROM t",
            "SELECT * FROM t WHERE at >= day",
            "SELECT * FROM t WHERE at < local",
            "SELECT * FROM t WHERE at >= '2026-07-01'",
            "SELECT * FROM t WHERE at BETWEEN '2026-07-01 00:00' AND '2026-07-02 00:00'",
            "SELECT '2026-07-01 10:00'::timestamptz",
            "SELECT timestamptz '2026-07-01 10:00'",
            "SELECT local::timestamptz FROM t",
            "SELECT to_timestamp('2026-07-01', 'YYYY-MM-DD')",
        ] {
            assert!(found(sql).is_some(), "{sql}");
        }
    }

    #[test]
    fn instants_alone_are_the_same_in_every_zone() {
        for sql in [
            "SELECT at FROM t",
            "SELECT at + interval '1 hour' FROM t",
            "SELECT at - interval '90 minutes' FROM t",
            "SELECT extract(epoch FROM at) FROM t",
            "SELECT * FROM t WHERE at >= '2026-07-01T00:00:00Z'",
            "SELECT * FROM t WHERE at < '2026-07-01 10:00:00+02'",
            "SELECT * FROM t WHERE at >= CAST('2026-07-01 00:00:00+00:00' AS timestamptz)",
            "SELECT max(at) - min(at) FROM t",
            "SELECT at AT TIME ZONE 'Europe/Warsaw' FROM t",
            "SELECT local::date, extract(hour FROM local) FROM t",
            "SELECT to_timestamp(1767399000)",
        ] {
            assert_eq!(found(sql), None, "{sql}");
        }
    }

    #[test]
    fn zones_that_are_utc() {
        for zone in ["UTC", "utc", "Etc/UTC", "Universal"] {
            assert!(is_utc(zone), "{zone}");
        }
        for zone in [
            "Europe/Warsaw",
            "America/New_York",
            "+02",
            "Europe/London",
            "GMT",
        ] {
            assert!(!is_utc(zone), "{zone}");
        }
    }
}
