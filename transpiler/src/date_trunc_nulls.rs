//! DuckDB's optimizer answers `date_trunc(part, x) = c` with `false`, and `<>` with `true`,
//! when the constant `c` is not a whole `part` (no truncation equals it), without looking
//! at `x`: where `x` is NULL PostgreSQL's answer is NULL, so `NOT (date_trunc('month', d) =
//! TIMESTAMP '2026-01-01 06:15:30')` kept every row whose `d` is NULL, and the comparison
//! itself printed `f` for them. A comparison with such a literal keeps its NULL here
//! (`CASE WHEN x IS NULL THEN NULL ELSE ... END`); a whole `part`, which DuckDB turns into
//! a range on `x` that keeps NULLs, is left to it.

use chrono::{Datelike, NaiveDate, NaiveDateTime, Timelike};
use sqlparser::ast::{BinaryOperator, DataType, Expr, UnaryOperator, Value};

use crate::ast::{arguments, case_when, function_name, take};

/// `date_trunc(part, x) = c` or `<>` (either way round) with `c` a literal that is not a
/// whole `part`, with the NULL of a NULL `x`.
pub(crate) fn null_keeping_comparison(expr: &mut Expr) {
    let Expr::BinaryOp { left, op, right } = expr else {
        return;
    };
    if !matches!(op, BinaryOperator::Eq | BinaryOperator::NotEq) {
        return;
    }
    let truncated = truncated_operand(left, right).or_else(|| truncated_operand(right, left));
    let Some(operand) = truncated else {
        return;
    };
    let is_null = Expr::IsNull(Box::new(operand));
    let comparison = take(expr);
    *expr = case_when(is_null, Expr::value(Value::Null), Some(comparison));
}

/// `x` of `trunc = constant` where the constant is not a whole part of `trunc`'s.
fn truncated_operand(trunc: &Expr, constant: &Expr) -> Option<Expr> {
    let Expr::Function(function) = trunc else {
        return None;
    };
    if !function_name(function).is_some_and(|n| n.eq_ignore_ascii_case("date_trunc")) {
        return None;
    }
    let mut args = arguments(function);
    let (Some(part), Some(operand), None) = (args.next(), args.next(), args.next()) else {
        return None;
    };
    let part = string_of(part)?.to_ascii_lowercase();
    let moment = moment_of(constant)?;
    (!is_whole(&part, moment)?).then(|| operand.clone())
}

fn string_of(expr: &Expr) -> Option<&str> {
    match expr {
        Expr::Value(v) => match &v.value {
            Value::SingleQuotedString(s) => Some(s),
            _ => None,
        },
        _ => None,
    }
}

/// The moment a date or timestamp literal names (`TIMESTAMP '...'`, `'...'::date`).
fn moment_of(expr: &Expr) -> Option<NaiveDateTime> {
    let text = match expr {
        Expr::TypedString(typed) => match &typed.value.value {
            Value::SingleQuotedString(s) => s.as_str(),
            _ => return None,
        },
        Expr::Cast {
            expr: inner,
            data_type: DataType::Timestamp(..) | DataType::Date | DataType::Datetime(_),
            ..
        } => string_of(inner)?,
        Expr::Nested(inner) => return moment_of(inner),
        Expr::UnaryOp {
            op: UnaryOperator::Plus,
            expr: inner,
        } => return moment_of(inner),
        _ => return None,
    };
    let text = text.trim();
    [
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M",
    ]
    .iter()
    .find_map(|format| NaiveDateTime::parse_from_str(text, format).ok())
    .or_else(|| {
        NaiveDate::parse_from_str(text, "%Y-%m-%d")
            .ok()
            .and_then(|d| d.and_hms_opt(0, 0, 0))
    })
}

/// Whether `moment` is a whole `part` (its own truncation); `None` for a part junction does
/// not know DuckDB to simplify.
fn is_whole(part: &str, moment: NaiveDateTime) -> Option<bool> {
    let nanos = moment.nanosecond();
    let second = nanos == 0;
    let minute = second && moment.second() == 0;
    let hour = minute && moment.minute() == 0;
    let day = hour && moment.hour() == 0;
    let month = day && moment.day() == 1;
    let year = month && moment.month() == 1;
    Some(match part {
        "microseconds" | "microsecond" | "us" => nanos.is_multiple_of(1_000),
        "milliseconds" | "millisecond" | "ms" => nanos.is_multiple_of(1_000_000),
        "second" | "seconds" | "s" => second,
        "minute" | "minutes" | "m" => minute,
        "hour" | "hours" | "h" => hour,
        "day" | "days" | "d" => day,
        "week" | "weeks" | "w" => day && moment.weekday() == chrono::Weekday::Mon,
        "month" | "months" | "mon" => month,
        "quarter" | "quarters" => month && moment.month() % 3 == 1,
        "year" | "years" | "y" => year,
        "decade" | "decades" => year && moment.year() % 10 == 0,
        "century" | "centuries" => year && moment.year() % 100 == 1,
        "millennium" | "millennia" => year && moment.year() % 1000 == 1,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use crate::duckdb::tests::duckdb;

    #[test]
    fn comparisons_with_a_part_that_is_not_whole_keep_their_null() {
        assert_eq!(
            duckdb("SELECT date_trunc('month', d) = TIMESTAMP '2026-01-01 06:15:30' FROM t"),
            "SELECT CASE WHEN d IS NULL THEN NULL \
             ELSE date_trunc('month', d) = TIMESTAMP '2026-01-01 06:15:30' END FROM t"
        );
        assert_eq!(
            duckdb("SELECT * FROM t WHERE DATE '2026-01-02' <> date_trunc('week', d)"),
            "SELECT * FROM t WHERE CASE WHEN d IS NULL THEN NULL \
             ELSE DATE '2026-01-02' <> date_trunc('week', d) END"
        );
    }

    #[test]
    fn whole_parts_and_other_comparisons_are_left() {
        for sql in [
            "SELECT date_trunc('month', d) = TIMESTAMP '2026-01-01 00:00:00' FROM t",
            "SELECT date_trunc('week', d) = DATE '2026-01-05' FROM t",
            "SELECT date_trunc('month', d) < TIMESTAMP '2026-01-01 06:15:30' FROM t",
            "SELECT date_trunc('month', d) = e FROM t",
        ] {
            assert_eq!(duckdb(sql), sql);
        }
    }
}
