//! PostgreSQL's `to_char`, `to_date` and `to_timestamp` templates (`YYYY-MM-DD HH24:MI`) as
//! the strftime patterns DuckDB (`strftime`, `strptime`) and DataFusion (`to_char`, chrono's
//! patterns) take.
//!
//! A template becomes a concatenation of parts: runs of patterns strftime has, and the few
//! PostgreSQL pads where strftime does not (`Month` and `Day` are blank-padded to nine
//! characters unless `FM` precedes them). Template words junction does not know are refused
//! (0A000) rather than printed literally, which PostgreSQL would do only for non-patterns.

use sqlparser::ast::{DataType, Expr};

use crate::ast::{call_with, cast_in_place, concatenation, number, string, string_literal};
use crate::types::{Scope, SqlType};
use crate::{Dialect, TranspileError};

/// One piece of a translated template.
#[derive(Debug, PartialEq)]
enum Part {
    /// A strftime pattern (literal text with `%` escaped).
    Pattern(String),
    /// A month or day name: its strftime pattern, its case, and whether PostgreSQL
    /// blank-pads it to 9 characters.
    Name {
        pattern: &'static str,
        case: Case,
        padded: bool,
    },
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Case {
    AsIs,
    Upper,
    Lower,
}

/// Template patterns, longest first: PostgreSQL's spelling and strftime's. `FM` before a
/// numeric one drops its zero padding (strftime's `%-`).
const PATTERNS: &[(&str, &str)] = &[
    ("HH24", "%H"),
    ("HH12", "%I"),
    ("IYYY", "%G"),
    ("YYYY", "%Y"),
    ("DDD", "%j"),
    ("HH", "%I"),
    ("MI", "%M"),
    ("SS", "%S"),
    ("YY", "%y"),
    ("MM", "%m"),
    ("DD", "%d"),
    ("IW", "%V"),
    ("AM", "%p"),
    ("PM", "%p"),
];

/// Names PostgreSQL spells in three cases: `Month`, `MONTH`, `month`; the full ones padded
/// to 9 in to_char unless `FM` precedes them, the abbreviations (`Mon`, `Dy`) never.
const NAMES: &[(&str, &str)] = &[("month", "%B"), ("day", "%A"), ("mon", "%b"), ("dy", "%a")];

/// How `TZ` prints for the value formatted: its zone's abbreviation, or nothing for a value
/// without a zone.
#[derive(Debug, Clone, Copy)]
enum ZoneText {
    /// A timestamptz on an engine that runs it only in UTC sessions (see
    /// [`crate::local_time_use`]).
    Utc,
    /// A timestamp or a date.
    Empty,
    /// A value whose type is unknown, or an engine in the session's own zone.
    Unknown,
}

fn translate(
    template: &str,
    dialect: Dialect,
    parsing: bool,
    zone: ZoneText,
) -> Result<Vec<Part>, TranspileError> {
    let unsupported = |what: &str| {
        TranspileError::Unsupported(format!(
            "the to_char/to_date template pattern \"{what}\" is not supported by {dialect}"
        ))
    };
    // Fractions of a second: DuckDB's strftime and chrono spell them differently.
    let fractions: [(&str, &str); 2] = match dialect {
        Dialect::DuckDb => [("MS", "%g"), ("US", "%f")],
        _ => [("MS", "%3f"), ("US", "%6f")],
    };
    let mut parts = Vec::new();
    let mut run = String::new();
    let mut rest = template;
    let mut fill_mode = false;
    while let Some(c) = rest.chars().next() {
        // The zone's abbreviation. DataFusion runs a timestamptz's to_char only in a UTC
        // session, so it is `UTC`; DuckDB's `%Z` is the zone's name (`Europe/Warsaw`).
        if let Some(after) = rest.strip_prefix("TZ").filter(|_| !parsing) {
            if let Some(offset) = ["TZH", "TZM"].into_iter().find(|p| rest.starts_with(p)) {
                return Err(unsupported(offset));
            }
            match zone {
                ZoneText::Utc => run.push_str("UTC"),
                ZoneText::Empty => {}
                ZoneText::Unknown => return Err(unsupported("TZ")),
            }
            rest = after;
            fill_mode = false;
            continue;
        }
        if let Some(after) = rest.strip_prefix("FM") {
            fill_mode = true;
            rest = after;
            continue;
        }
        if c == '"' {
            let end = rest[1..]
                .find('"')
                .ok_or_else(|| unsupported("an unterminated quoted text"))?;
            for literal in rest[1..=end].chars() {
                push_literal(&mut run, literal);
            }
            rest = &rest[end + 2..];
            continue;
        }
        // `get`, not indexing: the template is user text, and may split a character there.
        if let Some((name, pattern, written)) = NAMES.iter().find_map(|(name, pattern)| {
            let written = rest.get(..name.len())?;
            written
                .eq_ignore_ascii_case(name)
                .then_some((name, pattern, written))
        }) {
            let case = if written.chars().all(|c| c.is_ascii_uppercase()) {
                Case::Upper
            } else if written.chars().all(|c| c.is_ascii_lowercase()) {
                Case::Lower
            } else {
                Case::AsIs
            };
            let padded = !matches!(*name, "mon" | "dy") && !fill_mode;
            if parsing || (!padded && case == Case::AsIs) {
                run.push_str(pattern);
            } else {
                if !run.is_empty() {
                    parts.push(Part::Pattern(std::mem::take(&mut run)));
                }
                parts.push(Part::Name {
                    pattern,
                    case,
                    padded,
                });
            }
            rest = &rest[name.len()..];
            fill_mode = false;
            continue;
        }
        if let Some((written, pattern)) = fractions
            .iter()
            .chain(PATTERNS)
            .find(|(p, _)| rest.starts_with(p))
        {
            if fill_mode && pattern.len() == 2 && "HIMSdmjV".contains(&pattern[1..]) {
                run.push_str("%-");
                run.push_str(&pattern[1..]);
            } else {
                run.push_str(pattern);
            }
            rest = &rest[written.len()..];
            fill_mode = false;
            continue;
        }
        if c.is_ascii_alphabetic() {
            let word: String = rest.chars().take_while(char::is_ascii_alphabetic).collect();
            return Err(unsupported(&word));
        }
        push_literal(&mut run, c);
        rest = &rest[c.len_utf8()..];
    }
    if !run.is_empty() || parts.is_empty() {
        parts.push(Part::Pattern(run));
    }
    Ok(parts)
}

fn push_literal(run: &mut String, c: char) {
    if c == '%' {
        run.push_str("%%");
    } else {
        run.push(c);
    }
}

/// `value` formatted with the strftime `pattern` in `dialect`.
fn format_call(value: Expr, pattern: &str, dialect: Dialect) -> Expr {
    let name = match dialect {
        Dialect::DuckDb => "strftime",
        _ => "to_char",
    };
    call_with(name, vec![value, string(pattern)])
}

/// The function both in-process engines register for `to_char` of a number: the number as
/// text, its kind (`i` integer, `n` numeric, `f` float8, `r` float4) and the template.
pub const TO_CHAR_NUMBER: &str = "junction_to_char_number";

/// Rewrites `to_char(value, 'template')`, `to_date(text, 'template')` and
/// `to_timestamp(text, 'template')` for `dialect`.
pub(crate) fn apply(
    expr: &mut Expr,
    scope: &Scope<'_>,
    dialect: Dialect,
) -> Result<(), TranspileError> {
    let Expr::Function(function) = expr else {
        return Ok(());
    };
    let Some(name) = crate::ast::function_name(function).map(str::to_ascii_lowercase) else {
        return Ok(());
    };
    if !matches!(name.as_str(), "to_char" | "to_date" | "to_timestamp") {
        return Ok(());
    }
    let arguments: Vec<Expr> = crate::ast::arguments(function).cloned().collect();
    let [value, template] = arguments.as_slice() else {
        // to_timestamp(epoch) and anything else pass as written.
        return Ok(());
    };
    let Some(template) = string_literal(template) else {
        return Err(TranspileError::Unsupported(format!(
            "{name} with a template that is not a literal is not supported by {dialect}"
        )));
    };
    if name == "to_char" {
        let kind = match scope.type_of(value) {
            Some(t) if t.is_integer() => Some("i"),
            Some(SqlType::Numeric) => Some("n"),
            Some(SqlType::Float8) => Some("f"),
            Some(SqlType::Float4) => Some("r"),
            _ => None,
        };
        if let Some(kind) = kind {
            if dialect == Dialect::Trino {
                return Err(TranspileError::Unsupported(format!(
                    "to_char of a number is not supported by {dialect}"
                )));
            }
            // junction's own function in both engines, with the number as its exact text.
            let mut text = value.clone();
            cast_in_place(&mut text, DataType::Varchar(None));
            *expr = call_with(TO_CHAR_NUMBER, vec![text, string(kind), string(template)]);
            return Ok(());
        }
        let zone = match (scope.type_of(value), dialect) {
            (Some(SqlType::TimestampTz), Dialect::DataFusion) => ZoneText::Utc,
            (Some(SqlType::Timestamp | SqlType::Date), _) => ZoneText::Empty,
            _ => ZoneText::Unknown,
        };
        let parts = translate(template, dialect, false, zone)?
            .into_iter()
            .map(|part| match part {
                Part::Pattern(pattern) => format_call(value.clone(), &pattern, dialect),
                Part::Name {
                    pattern,
                    case,
                    padded,
                } => {
                    let text = format_call(value.clone(), pattern, dialect);
                    let text = match case {
                        Case::AsIs => text,
                        Case::Upper => call_with("upper", vec![text]),
                        Case::Lower => call_with("lower", vec![text]),
                    };
                    if padded {
                        call_with("rpad", vec![text, number(9), string(" ")])
                    } else {
                        text
                    }
                }
            })
            .collect();
        *expr = concatenation(parts);
        return Ok(());
    }
    // Parsing reads names in any case and ignores padding: one pattern.
    let pattern = match translate(template, dialect, true, ZoneText::Unknown)?.pop() {
        Some(Part::Pattern(pattern)) => pattern,
        _ => String::new(),
    };
    *expr = match dialect {
        Dialect::DuckDb => call_with("strptime", vec![value.clone(), string(&pattern)]),
        _ => call_with(&name, vec![value.clone(), string(&pattern)]),
    };
    // PostgreSQL's to_timestamp is a timestamptz, and its to_date a date.
    let data_type = match name.as_str() {
        "to_date" => DataType::Date,
        _ => DataType::Timestamp(None, sqlparser::ast::TimezoneInfo::WithTimeZone),
    };
    cast_in_place(expr, data_type);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn patterns(template: &str) -> Vec<Part> {
        translate(template, Dialect::DuckDb, false, ZoneText::Unknown).expect("translates")
    }

    #[test]
    fn templates_become_strftime_patterns() {
        assert_eq!(
            patterns("YYYY-MM-DD HH24:MI:SS"),
            vec![Part::Pattern("%Y-%m-%d %H:%M:%S".into())]
        );
        assert_eq!(
            patterns("HH12:MI AM, Dy Mon DDD \"week\" IW 100%"),
            vec![Part::Pattern("%I:%M %p, %a %b %j week %V 100%%".into())]
        );
        assert_eq!(
            patterns("FMDD.FMMM HH24:MI:SS.MS US"),
            vec![Part::Pattern("%-d.%-m %H:%M:%S.%g %f".into())]
        );
    }

    #[test]
    fn month_and_day_names_are_padded_unless_fill_mode() {
        assert_eq!(
            patterns("Month DD"),
            vec![
                Part::Name {
                    pattern: "%B",
                    case: Case::AsIs,
                    padded: true
                },
                Part::Pattern(" %d".into())
            ]
        );
        assert_eq!(patterns("FMMonth"), vec![Part::Pattern("%B".into())]);
        assert_eq!(
            patterns("DAY"),
            vec![Part::Name {
                pattern: "%A",
                case: Case::Upper,
                padded: true
            }]
        );
    }

    #[test]
    fn multibyte_text_next_to_names_is_literal() {
        assert_eq!(patterns("éé YYYY"), vec![Part::Pattern("éé %Y".into())]);
    }

    #[test]
    fn unknown_patterns_are_0a000() {
        for template in ["Q", "YYYY-WW", "TZ", "J"] {
            let err =
                translate(template, Dialect::DuckDb, false, ZoneText::Unknown).expect_err(template);
            assert_eq!(err.sqlstate(), "0A000", "{template}");
        }
    }

    #[test]
    fn the_zones_abbreviation_is_utc_or_nothing() {
        assert_eq!(
            translate("HH24:MI TZ", Dialect::DataFusion, false, ZoneText::Utc).expect("translates"),
            vec![Part::Pattern("%H:%M UTC".into())]
        );
        assert_eq!(
            translate("HH24:MI TZ", Dialect::DuckDb, false, ZoneText::Empty).expect("translates"),
            vec![Part::Pattern("%H:%M ".into())]
        );
        for template in ["TZ", "HH TZH:TZM"] {
            let err =
                translate(template, Dialect::DuckDb, false, ZoneText::Unknown).expect_err(template);
            assert_eq!(err.sqlstate(), "0A000", "{template}");
        }
    }
}
