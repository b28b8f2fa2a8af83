//! DataFusion's errors in PostgreSQL's terms: the SQLSTATE from the error's kind (its variant,
//! Arrow's, or the type of an external error: junction's own, the regex crate's, a table
//! format library's), the message without DataFusion's prefixes.
//!
//! DataFusion 53 reports planning errors as `Plan(String)`, some execution errors as
//! `Execution(String)` and Arrow's compute and cast errors as text, without a kind. Those
//! PostgreSQL tells apart are recognised by DataFusion's words, in [`PLANNED`], [`EXECUTED`],
//! [`COMPUTED`] and the cast rules of [`sqlstate`] only; a missing table or function never
//! gets that far (the router and `df/unknown_names.rs` find them).

use datafusion::arrow::error::ArrowError;
use datafusion::common::SchemaError;
use datafusion::error::DataFusionError;

use crate::error::{undefined_column, Words};
use crate::sql_error::SqlError;

/// Planning errors without a kind of their own: DataFusion's words and the SQLSTATE.
const PLANNED: [(Words, &str); 12] = [
    // A function DataFusion has, but not for these argument types.
    (Words::AnyCase("no function matches"), "42883"),
    // VALUES rows of types with no common one.
    (Words::Within("type mismatch"), "42804"),
    // An operator without a variant for its operands' types.
    (Words::Start("Cannot coerce arithmetic expression"), "42883"),
    (Words::Start("Cannot automatically convert"), "42883"),
    (Words::Within("can't cast to"), "42883"),
    (Words::AnyCase("cannot infer common"), "42804"),
    (Words::AnyCase("does not support"), "42804"),
    (
        Words::AnyCase("must appear in the group by clause"),
        "42803",
    ),
    (Words::AnyCase("must appear in group by clause"), "42803"),
    // Valid SQL (PostgreSQL checks the row count when it runs) that DataFusion cannot
    // decorrelate: an engine limitation, which another engine may not have.
    (
        Words::Start("Correlated scalar subquery must be aggregated"),
        "0A000",
    ),
    (
        Words::Start("Correlated scalar subquery can only be used in"),
        "0A000",
    ),
    // DataFusion's optimizer losing a column of a valid window query (a window over
    // constants beside an IN subquery): its own limitation, not the user's error.
    (
        Words::Start("Window schema has wrong number of fields"),
        "0A000",
    ),
];

/// Execution errors without a kind of their own: DataFusion's words and the SQLSTATE.
const EXECUTED: [(Words, &str); 9] = [
    (Words::Start(REGEX_NOT_COMPILED), "2201B"),
    (
        Words::Start("negative substring length not allowed"),
        "22011",
    ),
    (Words::Within("stride must be"), "22023"),
    (Words::AnyCase("overflow"), "22003"),
    (Words::AnyCase("out of range"), "22003"),
    (Words::AnyCase("cannot cast"), "22P02"),
    (Words::AnyCase("invalid"), "22P02"),
    // A construct DataFusion rejects only when it builds the physical plan.
    (Words::AnyCase("does not support"), "0A000"),
    (Words::AnyCase("not supported"), "0A000"),
];

/// Arrow compute errors without a kind of their own (its integer kernels' overflow).
const COMPUTED: [(Words, &str); 3] = [
    (Words::Start(TIMESTAMP_OUT_OF_RANGE), "22008"),
    (Words::Start(REGEX_NOT_COMPILED), "2201B"),
    (Words::AnyCase("overflow"), "22003"),
];

/// The SQLSTATE `table` gives `message`, if any.
fn worded(table: &[(Words, &'static str)], message: &str) -> Option<&'static str> {
    table
        .iter()
        .find(|(words, _)| words.in_message(message))
        .map(|(_, sqlstate)| *sqlstate)
}

/// DataFusion's message without its error-kind prefixes ("Error during planning: ").
pub(crate) fn message(e: &DataFusionError) -> String {
    let e = innermost(e);
    match e {
        DataFusionError::Plan(m) => m.clone(),
        DataFusionError::Execution(m) if m.starts_with(REGEX_NOT_COMPILED) => invalid_regex(m),
        DataFusionError::Execution(m)
        | DataFusionError::NotImplemented(m)
        | DataFusionError::Configuration(m) => m.clone(),
        DataFusionError::SchemaError(s, _) => match s.as_ref() {
            SchemaError::FieldNotFound { field, .. } => {
                undefined_column(field.relation.as_ref().map(|r| r.table()), &field.name)
            }
            other => other.to_string(),
        },
        DataFusionError::ArrowError(a, _) => arrow_message(a),
        DataFusionError::SQL(p, _) => p.to_string(),
        // junction's statement pool says which bound was met (df/memory.rs).
        DataFusionError::ResourcesExhausted(m) => format!("out of memory: {}", pool_refusal(m)),
        DataFusionError::External(inner) => match inner.downcast_ref::<SqlError>() {
            Some(sql) => sql.message.clone(),
            None => regex_report(inner.as_ref()).map_or_else(|| e.to_string(), invalid_regex),
        },
        other => other.to_string(),
    }
}

/// What a memory pool's refusal says failed to fit: its last line (the lines before list the
/// largest consumers).
pub(crate) fn pool_refusal(message: &str) -> &str {
    message
        .lines()
        .last()
        .unwrap_or(message)
        .trim_start_matches("Error: ")
}

/// The report of a regular expression that does not compile: the regex crate's error (its
/// functions) or regex-syntax's (its simplifier).
fn regex_report(e: &(dyn std::error::Error + Send + Sync + 'static)) -> Option<String> {
    e.downcast_ref::<regex::Error>()
        .map(ToString::to_string)
        .or_else(|| {
            e.downcast_ref::<regex_syntax::Error>()
                .map(ToString::to_string)
        })
}

/// PostgreSQL's 2201B message, with the regex crate's reason (the last line of its report,
/// which first repeats the pattern).
fn invalid_regex(report: impl AsRef<str>) -> String {
    let report = report.as_ref();
    let reason = report
        .lines()
        .find_map(|line| line.strip_prefix("error: "))
        .or_else(|| report.lines().last())
        .unwrap_or(report);
    format!("invalid regular expression: {reason}")
}

/// What arrow-arith says of a date or timestamp moved past the timestamp range.
const TIMESTAMP_OUT_OF_RANGE: &str = "Timestamp out of range";

/// How DataFusion's regular-expression kernels begin the error of a pattern that does not
/// compile, where they do not pass the regex crate's error on.
const REGEX_NOT_COMPILED: &str = "Regular expression did not compile: ";

fn arrow_message(a: &ArrowError) -> String {
    match a {
        ArrowError::ExternalError(inner) if inner.downcast_ref::<SqlError>().is_some() => {
            inner.to_string()
        }
        ArrowError::DivideByZero => "division by zero".to_owned(),
        ArrowError::ComputeError(m) if m == TIMESTAMP_OUT_OF_RANGE => {
            "timestamp out of range".to_owned()
        }
        ArrowError::ComputeError(m) if m.starts_with(REGEX_NOT_COMPILED) => invalid_regex(m),
        ArrowError::CastError(m)
        | ArrowError::ComputeError(m)
        | ArrowError::InvalidArgumentError(m) => m.clone(),
        other => other.to_string(),
    }
}

pub(crate) fn innermost(e: &DataFusionError) -> &DataFusionError {
    match e {
        DataFusionError::Context(_, inner) | DataFusionError::Diagnostic(_, inner) => {
            innermost(inner)
        }
        DataFusionError::Shared(inner) => innermost(inner),
        DataFusionError::Collection(errors) => errors.first().map_or(e, innermost),
        other => other,
    }
}

/// The SQLSTATE of a DataFusion error (the innermost of its context).
pub(crate) fn sqlstate(e: &DataFusionError) -> &'static str {
    match e {
        DataFusionError::SQL(..) => "42601",
        DataFusionError::SchemaError(s, _) => match s.as_ref() {
            SchemaError::FieldNotFound { .. } => "42703",
            SchemaError::AmbiguousReference { .. } => "42702",
            SchemaError::DuplicateQualifiedField { .. }
            | SchemaError::DuplicateUnqualifiedField { .. } => "42701",
        },
        DataFusionError::Plan(m) => worded(&PLANNED, m).unwrap_or("42601"),
        DataFusionError::NotImplemented(_) => "0A000",
        DataFusionError::ResourcesExhausted(_) => "53200",
        DataFusionError::ArrowError(a, _) => match a.as_ref() {
            ArrowError::DivideByZero => "22012",
            ArrowError::CastError(m)
                if m.to_ascii_lowercase().contains("overflow") || m.contains("out of range") =>
            {
                // PostgreSQL's class for a date, time or interval out of range is 22008.
                if m.contains("Interval") || m.contains("Timestamp") || m.contains("Date") {
                    "22008"
                } else {
                    "22003"
                }
            }
            ArrowError::ComputeError(m) => worded(&COMPUTED, m).unwrap_or("XX000"),
            // A number that does not fit the type it is cast to.
            ArrowError::CastError(m) if m.starts_with("Can't cast value") => "22003",
            ArrowError::CastError(_) | ArrowError::ParseError(_) => "22P02",
            ArrowError::ArithmeticOverflow(_) => "22003",
            // A numeric too wide for its numeric(p, s), as arrow-data words it.
            ArrowError::InvalidArgumentError(m)
                if m.contains("to store in a Decimal") && m.contains(" of precision ") =>
            {
                "22003"
            }
            ArrowError::IoError(..) => "58030",
            ArrowError::ExternalError(inner) => external_sqlstate(inner.as_ref()),
            _ => "XX000",
        },
        DataFusionError::Execution(m) => worded(&EXECUTED, m).unwrap_or("XX000"),
        DataFusionError::External(e) => external_sqlstate(e.as_ref()),
        DataFusionError::ObjectStore(_)
        | DataFusionError::IoError(_)
        | DataFusionError::ParquetError(_) => "58030",
        _ => "XX000",
    }
}

/// Table-format libraries report through DataFusion's `External`: a file or manifest that
/// cannot be read is a storage error (58030), a format feature they lack is 0A000.
fn external_sqlstate(e: &(dyn std::error::Error + Send + Sync + 'static)) -> &'static str {
    if let Some(sql) = e.downcast_ref::<SqlError>() {
        return sql.sqlstate;
    }
    if let Some(datafusion) = e.downcast_ref::<DataFusionError>() {
        return sqlstate(innermost(datafusion));
    }
    if regex_report(e).is_some() {
        return "2201B";
    }
    if let Some(iceberg) = e.downcast_ref::<iceberg::Error>() {
        return match iceberg.kind() {
            iceberg::ErrorKind::FeatureUnsupported => "0A000",
            _ => "58030",
        };
    }
    if e.downcast_ref::<deltalake::DeltaTableError>().is_some()
        || e.downcast_ref::<std::io::Error>().is_some()
        || e.downcast_ref::<object_store::Error>().is_some()
    {
        return "58030";
    }
    "XX000"
}

#[cfg(test)]
mod tests {
    use datafusion::prelude::SessionContext;

    use crate::EngineError;

    /// The SQLSTATE and message junction gives DataFusion's own error for `sql`, planned or
    /// run.
    async fn error_of(sql: &str) -> (&'static str, String) {
        let ctx = SessionContext::new();
        ctx.sql("CREATE TABLE p (ward VARCHAR, id INT) AS VALUES ('a', 1), ('(', 2)")
            .await
            .expect("a table");
        let failure = match ctx.sql(sql).await {
            Err(e) => e,
            Ok(frame) => match frame.collect().await {
                Err(e) => e,
                Ok(_) => panic!("{sql} did not fail"),
            },
        };
        let e = EngineError::from(failure);
        (e.sqlstate(), e.to_string())
    }

    #[tokio::test]
    async fn each_worded_planning_error_is_told_apart() {
        for (sql, sqlstate) in [
            ("SELECT abs('x')", "42883"),
            ("SELECT 1 + 'a'", "42883"),
            ("SELECT DATE '2026-01-01' = TIME '10:00'", "42883"),
            ("SELECT 1 IN (SELECT X'61')", "42883"),
            ("SELECT [1] = 'a'", "42804"),
            ("SELECT ward FROM p GROUP BY id", "42803"),
            ("SELECT id FROM p HAVING count(*) > 1", "42803"),
            (
                "SELECT (SELECT id FROM p q WHERE q.id = p.id) FROM p",
                "0A000",
            ),
            ("SELECT * FROM p GROUP BY id", "42803"),
            ("SELECT id FROM p GROUP BY ward HAVING id > 1", "42803"),
            ("SELECT abs()", "42883"),
        ] {
            assert_eq!(error_of(sql).await.0, sqlstate, "{sql}");
        }
    }

    #[tokio::test]
    async fn each_worded_execution_error_is_told_apart() {
        for (sql, sqlstate) in [
            ("SELECT to_timestamp('x', '%Y')", "22P02"),
            ("SELECT regexp_like('x', ward) FROM p", "2201B"),
            ("SELECT 'a' LIKE ward ESCAPE '#' FROM p", "0A000"),
            ("SELECT 'a' SIMILAR TO 'a' ESCAPE '#'", "0A000"),
            ("SELECT date_part('nosuch', now())", "0A000"),
            ("SELECT substr('abc', 1, -1)", "22011"),
            ("SELECT date_bin(INTERVAL '0 seconds', now())", "22023"),
            ("SELECT factorial(100)", "22003"),
            ("SELECT make_date(2026, 13, 1)", "22003"),
            ("SELECT chr(-1)", "22P02"),
        ] {
            assert_eq!(error_of(sql).await.0, sqlstate, "{sql}");
        }
    }

    #[tokio::test]
    async fn arrow_and_external_errors_take_their_kind() {
        assert_eq!(
            error_of("SELECT 1 / 0").await,
            ("22012", "division by zero".to_owned())
        );
        assert_eq!(error_of("SELECT CAST('x' AS INT)").await.0, "22P02");
        assert_eq!(error_of("SELECT CAST(300 AS TINYINT)").await.0, "22003");
        assert_eq!(
            error_of("SELECT abs(-9223372036854775807 - 1)").await.0,
            "22003"
        );
        assert_eq!(
            error_of("SELECT gcd(-9223372036854775808, 0)").await.0,
            "22003"
        );
        assert_eq!(
            error_of(
                "SELECT t + INTERVAL '1000000 years' FROM (VALUES (TIMESTAMP '2026-01-01')) v(t)"
            )
            .await,
            ("22008", "timestamp out of range".to_owned())
        );
        assert_eq!(
            error_of("SELECT 'x' ~ '('").await,
            (
                "2201B",
                "invalid regular expression: unclosed group".to_owned()
            )
        );
        assert_eq!(
            error_of("SELECT regexp_replace('a', '(', 'b')").await.0,
            "2201B"
        );
    }
}
