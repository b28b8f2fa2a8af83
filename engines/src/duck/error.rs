//! DuckDB's errors, classified by what DuckDB says they are. Every junction connection sets
//! `errors_as_json`, so DuckDB reports an error as its exception type, a subtype for the
//! common binder and catalog errors, and the name of the column, table or function it
//! concerns; the SQLSTATE follows from those, the message from the name where PostgreSQL's
//! words need it.
//!
//! DuckDB 1.5 gives some errors PostgreSQL tells apart no subtype (a missing GROUP BY column
//! and a type mismatch are both plain binder errors); those few are told apart by the start
//! of their message, in [`UNTYPED`], each pinned by a test against DuckDB itself.

use serde::Deserialize;

use crate::error::{undefined_column, Words};
use crate::EngineError;

/// An error as DuckDB reports it with `errors_as_json`.
#[derive(Debug, Deserialize)]
struct Reported {
    exception_type: Kind,
    exception_message: String,
    #[serde(default)]
    error_subtype: Option<Subtype>,
    /// The column, table or function the error concerns.
    #[serde(default)]
    name: Option<String>,
    /// What kind of catalog entry is missing ("Table", "Scalar Function", ...).
    #[serde(default, rename = "type")]
    entry: Option<String>,
}

/// DuckDB's exception types (`Exception::ExceptionTypeToString`), those junction tells apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
enum Kind {
    Parser,
    Catalog,
    Binder,
    Conversion,
    #[serde(rename = "Out of Range")]
    OutOfRange,
    #[serde(rename = "Invalid Input")]
    InvalidInput,
    #[serde(rename = "Divide by Zero")]
    DivideByZero,
    #[serde(rename = "INTERRUPT")]
    Interrupt,
    #[serde(rename = "Not implemented")]
    NotImplemented,
    #[serde(rename = "IO")]
    Io,
    #[serde(rename = "Out of Memory")]
    OutOfMemory,
    #[serde(rename = "Extension Autoloading")]
    Autoload,
    #[serde(rename = "Missing Extension")]
    MissingExtension,
    #[serde(rename = "Permission")]
    Permission,
    #[serde(other)]
    Other,
}

/// DuckDB's `error_subtype`s.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
enum Subtype {
    ColumnNotFound,
    MissingEntry,
    NoMatchingFunction,
    SyntaxError,
    EntryAlreadyExists,
    Unsupported,
    #[serde(other)]
    Other,
}

/// Errors DuckDB gives no subtype that PostgreSQL tells apart: the exception type, the
/// words that tell them apart, and the SQLSTATE.
const UNTYPED: [(Kind, Words, &str); 20] = [
    (Kind::Binder, Words::Start("Table \""), "42703"),
    (Kind::Binder, Words::Start("Values list \""), "42703"),
    (Kind::Binder, Words::Start("Column \""), "42703"),
    (Kind::Binder, Words::Start("Ambiguous reference"), "42702"),
    (Kind::Binder, Words::Start("Cannot compare values"), "42804"),
    (Kind::Binder, Words::Start("column \""), "42803"),
    (Kind::OutOfRange, Words::Start("Needed scale"), "0A000"),
    // DuckDB adds, subtracts and multiplies decimals of up to 18 digits in 18 digits (64-bit
    // integers), where the result would need more: its limit, not the data's (PostgreSQL
    // answers, and so does DataFusion in 38 digits), so `auto` runs it there.
    (
        Kind::OutOfRange,
        Words::Within(" of DECIMAL(18) ("),
        "0A000",
    ),
    (Kind::OutOfRange, Words::Start("Date out of range"), "22008"),
    (Kind::OutOfRange, Words::AnyCase("interval"), "22008"),
    (
        Kind::Conversion,
        Words::Within("not in timestamp range"),
        "22008",
    ),
    (Kind::Conversion, Words::Start("Date out of range"), "22008"),
    (Kind::Conversion, Words::Start("Interval value"), "22008"),
    (Kind::Conversion, Words::Within("out of range"), "22003"),
    // A cast between types DuckDB has none for: the statement's error, not its data's.
    (
        Kind::Conversion,
        Words::Start("Unimplemented type for cast"),
        "42846",
    ),
    (
        Kind::InvalidInput,
        Words::Start("Argument for ntile"),
        "22014",
    ),
    (
        Kind::InvalidInput,
        Words::Start("More than one row returned"),
        "21000",
    ),
    // A value too large for the integer a function keeps it in.
    (
        Kind::InvalidInput,
        Words::Within("out of range for the destination type"),
        "22003",
    ),
    // Users cannot name files on DuckDB (its file-reading table functions are closed): a
    // file in an error is a table's, which cannot be read.
    (Kind::InvalidInput, Words::Within(" file "), "58030"),
    (Kind::InvalidInput, Words::AnyCase("file '"), "58030"),
];

/// The error DuckDB reported as `text`, with its SQLSTATE, message and the function it says
/// it lacks.
pub(crate) fn engine_error(text: &str) -> EngineError {
    let reported = reported(text);
    let (sqlstate, message) = match &reported {
        Some(reported) => reported.classify(),
        // Errors of the duckdb crate itself, not of a statement.
        None => ("XX000", format!("duckdb: {}", first_line(text))),
    };
    EngineError::DuckDb {
        message,
        sqlstate,
        function: reported
            .as_ref()
            .and_then(Reported::undefined_function)
            .map(str::to_owned),
    }
}

impl Reported {
    fn classify(&self) -> (&'static str, String) {
        let message = first_line(&self.exception_message);
        // junction's functions and macros raise `[SQLSTATE] message`.
        if let Some((sqlstate, message)) = raised_by_junction(message) {
            return (sqlstate, message.to_owned());
        }
        let name = self.name.as_deref();
        match (self.exception_type, self.error_subtype, name) {
            (Kind::Binder, Some(Subtype::ColumnNotFound), Some(column)) => {
                return ("42703", undefined_column(None, column));
            }
            (Kind::Catalog, Some(Subtype::MissingEntry), Some(name)) => {
                if let Some(found) = self.missing_entry(name) {
                    return found;
                }
            }
            _ => {}
        }
        // ICU's word for a zone it does not know.
        if let Some(zone) = message
            .strip_prefix("Unknown TimeZone '")
            .and_then(|rest| rest.strip_suffix("'!"))
        {
            return ("22023", format!("time zone \"{zone}\" not recognized"));
        }
        if let Some((_, _, sqlstate)) = UNTYPED
            .iter()
            .find(|(kind, words, _)| *kind == self.exception_type && words.in_message(message))
        {
            return (sqlstate, self.untyped_message(sqlstate, message));
        }
        let sqlstate = match (self.exception_type, self.error_subtype) {
            (Kind::Parser, _) => "42601",
            (Kind::Binder, Some(Subtype::NoMatchingFunction)) => "42883",
            (Kind::Binder, Some(Subtype::ColumnNotFound)) => "42703",
            (Kind::Binder, _) => "42000",
            (Kind::Catalog, Some(Subtype::EntryAlreadyExists)) => "42P07",
            (Kind::Catalog, _) => "42P01",
            (Kind::Conversion, _) => "22P02",
            (Kind::OutOfRange, _) => "22003",
            (Kind::DivideByZero, _) => "22012",
            (Kind::InvalidInput, _) => "22023",
            (Kind::Interrupt, _) => "57014",
            (Kind::NotImplemented, _) => "0A000",
            (Kind::Io, _) => "58030",
            (Kind::Permission, _) => "42501",
            (Kind::OutOfMemory, _) => {
                return (
                    "53200",
                    format!(
                        "out of memory: the statement needs more than its memory limit \
                         (duckdb: {message})"
                    ),
                )
            }
            // junction never lets DuckDB install extensions at run time.
            (Kind::Autoload | Kind::MissingExtension, _) => {
                return (
                    "0A000",
                    format!("the statement needs a DuckDB extension this server does not have (duckdb: {message})"),
                )
            }
            (Kind::Other, _) => "XX000",
        };
        // DuckDB's own words, said to be its.
        (sqlstate, format!("duckdb: {message}"))
    }

    /// A missing catalog entry, by what kind of entry it is.
    fn missing_entry(&self, name: &str) -> Option<(&'static str, String)> {
        let entry = self.entry.as_deref()?;
        Some(match entry {
            "Table" | "View" => ("42P01", format!("relation \"{name}\" does not exist")),
            "Schema" => ("3F000", format!("schema \"{name}\" does not exist")),
            "Database" => ("3D000", format!("catalog \"{name}\" does not exist")),
            "Type" => ("42704", format!("type \"{name}\" does not exist")),
            function if function.ends_with("Function") => (
                "42883",
                format!("duckdb: {}", first_line(&self.exception_message)),
            ),
            _ => return None,
        })
    }

    /// PostgreSQL's words for the untyped errors it has words for.
    fn untyped_message(&self, sqlstate: &str, message: &str) -> String {
        match sqlstate {
            "22014" => "argument of ntile must be greater than zero".to_owned(),
            "22008" if message.starts_with("Date out") => "date out of range".to_owned(),
            "22008" if message.contains("timestamp range") => "timestamp out of range".to_owned(),
            "21000" => "more than one row returned by a subquery used as an expression".to_owned(),
            "0A000" => format!("duckdb cannot multiply these numerics exactly: {message}"),
            "42703" => match (quoted(message, 0), quoted(message, 1)) {
                (Some(table), Some(column)) => undefined_column(Some(table), column),
                (Some(column), None) => undefined_column(None, column),
                _ => format!("duckdb: {message}"),
            },
            _ => format!("duckdb: {message}"),
        }
    }

    /// The function a statement called that DuckDB does not have, by that name or for those
    /// argument types.
    fn undefined_function(&self) -> Option<&str> {
        match (self.exception_type, self.error_subtype) {
            (Kind::Binder, Some(Subtype::NoMatchingFunction)) => self.name.as_deref(),
            (Kind::Catalog, Some(Subtype::MissingEntry))
                if self
                    .entry
                    .as_deref()
                    .is_some_and(|e| e.ends_with("Function")) =>
            {
                self.name.as_deref()
            }
            _ => None,
        }
    }
}

/// The error DuckDB reported as `text`: its JSON, which a statement that fails to prepare
/// gets behind its type's name (`Parser Error: {...}`).
fn reported(text: &str) -> Option<Reported> {
    let json = match text.split_once(" Error: ") {
        Some((_, json)) if !text.starts_with('{') => json,
        _ => text,
    };
    serde_json::from_str(json).ok()
}

fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or(text)
}

/// The `n`-th double-quoted word of `message`.
fn quoted(message: &str, n: usize) -> Option<&str> {
    message.split('"').skip(1).step_by(2).nth(n)
}

/// The SQLSTATEs junction's own DuckDB functions raise, read back from `[SQLSTATE] message`.
fn raised_by_junction(message: &str) -> Option<(&'static str, &str)> {
    const RAISED: [&str; 15] = [
        "22012", "22003", "22008", "22023", "22P02", "2201E", "2201F", "2201G", "22011", "42883",
        "42601", "0A000", "XX000", "22004", "54000",
    ];
    let rest = message.strip_prefix('[')?;
    let (code, text) = rest.split_once("] ")?;
    RAISED.iter().find(|c| **c == code).map(|c| (*c, text))
}

#[cfg(test)]
mod tests {
    use duckdb::{Config, Connection};

    use super::engine_error;

    /// The SQLSTATE and message junction gives DuckDB's real error for `sql`.
    fn error_of(sql: &str) -> (&'static str, String) {
        let config = Config::default()
            .with("errors_as_json", "true")
            .expect("a DuckDB setting");
        let connection = Connection::open_in_memory_with_flags(config).expect("DuckDB opens");
        connection
            .execute_batch(
                "CREATE TABLE p (ward VARCHAR, id INTEGER); CREATE TABLE d (ward VARCHAR)",
            )
            .expect("tables");
        // As junction runs a statement: prepared, then run.
        let failure = match connection.prepare(sql) {
            Err(e) => e,
            Ok(mut statement) => match statement.query([]) {
                Err(e) => e,
                Ok(mut rows) => match rows.next() {
                    Err(e) => e,
                    Ok(_) => panic!("{sql} did not fail"),
                },
            },
        };
        let duckdb::Error::DuckDBFailure(_, Some(text)) = failure else {
            panic!("{sql} failed outside DuckDB: {failure}");
        };
        let e = engine_error(&text);
        (e.sqlstate(), e.to_string())
    }

    #[test]
    fn typed_errors_take_their_type_and_name() {
        assert_eq!(
            error_of("SELECT nosuch FROM p"),
            ("42703", "column \"nosuch\" does not exist".to_owned())
        );
        assert_eq!(
            error_of("SELECT * FROM nosuch"),
            ("42P01", "relation \"nosuch\" does not exist".to_owned())
        );
        assert_eq!(error_of("SELECT nosuch(1)").0, "42883");
        assert_eq!(error_of("SELECT abs('x'::VARCHAR)").0, "42883");
        assert_eq!(error_of("SELEC 1").0, "42601");
        assert_eq!(error_of("SELECT 'abc'::INTEGER").0, "22P02");
        assert_eq!(error_of("SELECT 2147483647::INTEGER + 1").0, "22003");
    }

    #[test]
    fn each_untyped_error_is_told_apart() {
        assert_eq!(
            error_of("SELECT p.nosuch FROM p"),
            ("42703", "column p.nosuch does not exist".to_owned())
        );
        assert_eq!(
            error_of("SELECT 1 FROM p JOIN d USING (nosuch)"),
            ("42703", "column \"nosuch\" does not exist".to_owned())
        );
        assert_eq!(error_of("SELECT ward FROM p, d").0, "42702");
        assert_eq!(error_of("SELECT ward, count(*) FROM p").0, "42803");
        assert_eq!(error_of("SELECT 1 IN (SELECT 'a'::BLOB)").0, "42804");
        assert_eq!(
            error_of("SELECT DATE '2026-01-01' = TIME '10:00'").0,
            "42846"
        );
        assert_eq!(
            error_of("SELECT ntile(0) OVER () FROM (VALUES (1)) t(x)"),
            (
                "22014",
                "argument of ntile must be greater than zero".to_owned()
            )
        );
        assert_eq!(
            error_of("SELECT 1.5::DECIMAL(38, 30) * 1.5::DECIMAL(38, 30)").0,
            "0A000"
        );
        assert_eq!(error_of("SELECT 300::INTEGER::TINYINT").0, "22003");
        assert_eq!(
            error_of("SELECT DATE '2026-01-01' + INTERVAL '1000000 years'"),
            ("22008", "timestamp out of range".to_owned())
        );
    }

    #[test]
    fn untyped_errors_of_values_ranges_subqueries_and_files() {
        assert_eq!(
            error_of("SELECT v.nosuch FROM (VALUES (1)) v(x)"),
            ("42703", "column v.nosuch does not exist".to_owned())
        );
        for sql in [
            "SELECT DATE '2026-01-01' + INTERVAL (2147483647) MONTH",
            "SELECT to_years(2147483647) * 12",
        ] {
            let got = error_of(sql);
            assert_eq!(got.0, "22008", "{sql}: {}", got.1);
        }
        assert_eq!(error_of("SELECT INTERVAL '1 day' * 3000000000").0, "22003");
        for sql in [
            "SELECT 1767399000.0 * 2147483647",
            "SELECT CAST(999999999999999999 AS DECIMAL(18,0)) + 1",
            "SELECT CAST(-999999999999999999 AS DECIMAL(18,0)) - 1",
        ] {
            let got = error_of(sql);
            assert_eq!(got.0, "0A000", "{sql}: {}", got.1);
        }
        // Past 38 digits the data is too large for both engines.
        let got =
            error_of("SELECT CAST(99999999999999999999999999999999999999 AS DECIMAL(38,0)) * 10");
        assert_eq!(got.0, "22003", "{}", got.1);
        assert_eq!(
            error_of("SELECT (SELECT x FROM (VALUES (1), (2)) t(x))"),
            (
                "21000",
                "more than one row returned by a subquery used as an expression".to_owned()
            )
        );
        let file =
            std::env::temp_dir().join(format!("junction-not-parquet-{}", std::process::id()));
        std::fs::write(&file, "not parquet").expect("a file");
        let failed = error_of(&format!("SELECT * FROM read_parquet('{}')", file.display()));
        assert_eq!(failed.0, "58030", "{}", failed.1);
        std::fs::write(&file, "not parquet, and long enough to be read as one").expect("a file");
        let failed = error_of(&format!("SELECT * FROM read_parquet('{}')", file.display()));
        let _ = std::fs::remove_file(&file);
        assert_eq!(failed.0, "58030", "{}", failed.1);
    }

    #[test]
    fn errors_junction_raises_keep_their_sqlstate() {
        assert_eq!(
            error_of("SELECT error('[22012] division by zero')"),
            ("22012", "division by zero".to_owned())
        );
    }

    #[test]
    fn text_that_is_not_a_reported_error_is_internal() {
        assert_eq!(engine_error("something odd").sqlstate(), "XX000");
    }
}
