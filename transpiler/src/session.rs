//! Values a statement reads from its session rather than from its tables: the clock
//! (`now()`, `current_timestamp`, `statement_timestamp()`, `current_date`, `localtimestamp`),
//! settings (`current_setting('name')`), who and where the client is (`current_user`,
//! `current_database()`, `pg_backend_pid()`) and the server's `version()`, which must be
//! junction's whichever engine runs the statement.
//!
//! PostgreSQL's `now()` is the start of the transaction, the same for every statement of a
//! transaction block, and an engine's own clock is not: DataFusion's is the moment its
//! session state was made, DuckDB's the start of its own transaction. Binding these calls
//! to constants before a statement reaches an engine gives every engine PostgreSQL's answer,
//! the same one.

use std::ops::ControlFlow;

use chrono::{DateTime, NaiveDateTime, SecondsFormat, SubsecRound, Utc};
use sqlparser::ast::{
    visit_expressions_mut, DataType, Expr, FunctionArguments, Statement, TimezoneInfo, Value,
};

use crate::ast::{arguments, cast_in_place, function_name, string, string_literal};
use crate::TranspileError;

/// What a statement's session says when asked.
pub trait SessionValues {
    /// When the transaction the statement runs in began: `now()`.
    fn transaction_start(&self) -> DateTime<Utc>;

    /// When the statement began: `statement_timestamp()`.
    fn statement_start(&self) -> DateTime<Utc>;

    /// The value of the setting `name` (`current_setting`, `SHOW`), if there is one.
    fn setting(&self, name: &str) -> Option<String>;

    /// Every setting and its value (`SHOW ALL`), for a `current_setting` whose name is known
    /// only when the statement runs.
    fn settings(&self) -> Vec<(String, String)>;

    /// The connected user: `current_user`, `session_user`, `user`, `current_role`.
    fn user(&self) -> &str;

    /// The catalog connected to: `current_database()`, `current_catalog`.
    fn database(&self) -> &str;

    /// `pg_backend_pid()`.
    fn backend_pid(&self) -> i32;

    /// The wall-clock time of `at` in the session's `TimeZone` (`current_date`,
    /// `localtimestamp`).
    fn local(&self, at: DateTime<Utc>) -> NaiveDateTime;
}

/// What `version()` answers: PostgreSQL 15 first, so clients that parse it (SQLAlchemy) work.
pub fn server_version() -> String {
    format!(
        "PostgreSQL 15.0 (junction {}) on x86_64-linux",
        env!("CARGO_PKG_VERSION")
    )
}

/// The function engines provide for a `current_setting` of a name no setting has, known only
/// when the statement runs: it fails with PostgreSQL's 42704.
pub const UNKNOWN_SETTING_FUNCTION: &str = "junction_unknown_setting";

/// Replaces the session's clock and settings in `statement` by constants.
pub fn bind_session_values(
    statement: &mut Statement,
    session: &dyn SessionValues,
) -> Result<(), TranspileError> {
    let flow = visit_expressions_mut(statement, |expr| match bind(expr, session) {
        Ok(()) => ControlFlow::Continue(()),
        Err(e) => ControlFlow::Break(e),
    });
    match flow {
        ControlFlow::Continue(()) => Ok(()),
        ControlFlow::Break(e) => Err(e),
    }
}

fn bind(expr: &mut Expr, session: &dyn SessionValues) -> Result<(), TranspileError> {
    if crate::names::is_current_role(expr) {
        *expr = name_value(session.user());
        return Ok(());
    }
    let Expr::Function(function) = expr else {
        return Ok(());
    };
    if function.over.is_some() || !in_pg_catalog(function) {
        return Ok(());
    }
    let Some(name) = function_name(function).map(str::to_ascii_lowercase) else {
        return Ok(());
    };
    // `current_timestamp` and friends without parentheses have no argument list.
    let bare = matches!(function.args, FunctionArguments::None);
    let args: Vec<&Expr> = arguments(function).collect();
    let (first, second) = (args.first().copied(), args.get(1).copied());
    let precision =
        || -> Result<Option<u16>, TranspileError> { first.map(precision_of).transpose() };
    let bound = match (name.as_str(), bare) {
        ("now" | "transaction_timestamp", false) if first.is_none() => {
            timestamptz(session.transaction_start(), None)
        }
        ("statement_timestamp", false) if first.is_none() => {
            timestamptz(session.statement_start(), None)
        }
        ("current_timestamp", _) if second.is_none() => {
            timestamptz(session.transaction_start(), precision()?)
        }
        ("localtimestamp", _) if second.is_none() => {
            let at = rounded(session.transaction_start(), precision()?);
            timestamp(session.local(at))
        }
        ("current_date", true) => {
            let today = session.local(session.transaction_start());
            let mut date = string(&today.format("%Y-%m-%d").to_string());
            cast_in_place(&mut date, DataType::Date);
            date
        }
        // age(x) is the age at midnight of the current date.
        ("age", false) if first.is_some() && second.is_none() => {
            let today = session.local(session.transaction_start());
            let mut midnight = string(&today.format("%Y-%m-%d 00:00:00").to_string());
            cast_in_place(&mut midnight, DataType::Timestamp(None, TimezoneInfo::None));
            let value = first.cloned().unwrap_or_else(|| Expr::value(Value::Null));
            crate::ast::call_with("age", vec![midnight, value])
        }
        ("current_setting", false) => current_setting(first, second, session)?,
        // SQL's special forms take no parentheses; PostgreSQL has no `current_user()`.
        ("current_user" | "session_user" | "user", true) => name_value(session.user()),
        ("current_catalog", true) => name_value(session.database()),
        ("current_database", false) if first.is_none() => name_value(session.database()),
        ("pg_backend_pid", false) if first.is_none() => {
            let mut pid = Expr::value(Value::Number(session.backend_pid().to_string(), false));
            cast_in_place(&mut pid, DataType::Integer(None));
            pid
        }
        ("version", false) if first.is_none() => text(&server_version()),
        _ => return Ok(()),
    };
    *expr = bound;
    Ok(())
}

/// `CAST('value' AS TEXT)`.
fn text(value: &str) -> Expr {
    let mut text = string(value);
    cast_in_place(&mut text, DataType::Text);
    text
}

/// `CAST('value' AS name)`: what PostgreSQL answers who and where the client is with.
fn name_value(value: &str) -> Expr {
    let mut name = string(value);
    let name_type = sqlparser::ast::ObjectName::from(vec![sqlparser::ast::Ident::new("name")]);
    cast_in_place(&mut name, DataType::Custom(name_type, Vec::new()));
    name
}

/// Whether `function` names PostgreSQL's own function: unqualified or in `pg_catalog`.
fn in_pg_catalog(function: &sqlparser::ast::Function) -> bool {
    match function.name.0.as_slice() {
        [_] => true,
        [schema, _] => schema
            .as_ident()
            .is_some_and(|s| s.value.eq_ignore_ascii_case("pg_catalog")),
        _ => false,
    }
}

/// `CAST('2026-01-01 10:00:00.123456+00:00' AS TIMESTAMP WITH TIME ZONE)`, to `precision`
/// digits of a second.
fn timestamptz(at: DateTime<Utc>, precision: Option<u16>) -> Expr {
    let at = rounded(at, precision);
    let text = at
        .to_rfc3339_opts(SecondsFormat::Micros, false)
        .replace('T', " ");
    let mut literal = string(&text);
    cast_in_place(
        &mut literal,
        DataType::Timestamp(None, TimezoneInfo::WithTimeZone),
    );
    literal
}

/// `CAST('2026-01-01 10:00:00.123456' AS TIMESTAMP)`: a wall-clock time.
fn timestamp(at: NaiveDateTime) -> Expr {
    let mut literal = string(&at.format("%Y-%m-%d %H:%M:%S%.6f").to_string());
    cast_in_place(&mut literal, DataType::Timestamp(None, TimezoneInfo::None));
    literal
}

/// PostgreSQL rounds the clock to the precision asked for (at most microseconds).
fn rounded(at: DateTime<Utc>, precision: Option<u16>) -> DateTime<Utc> {
    at.round_subsecs(precision.unwrap_or(6).min(6))
}

/// The precision argument of `current_timestamp(p)`: an integer literal from 0 on.
fn precision_of(expr: &Expr) -> Result<u16, TranspileError> {
    let digits = match expr {
        Expr::Value(v) => match &v.value {
            Value::Number(n, _) => n.parse::<u16>().ok(),
            _ => None,
        },
        _ => None,
    };
    digits.ok_or_else(|| {
        TranspileError::Syntax(format!(
            "syntax error: the precision of a time value must be an integer constant, not {expr}"
        ))
    })
}

/// `current_setting('name' [, missing_ok])` as the setting's text, or NULL when missing is
/// fine; an unknown setting otherwise is 42704, as in PostgreSQL.
fn current_setting(
    name: Option<&Expr>,
    missing_ok: Option<&Expr>,
    session: &dyn SessionValues,
) -> Result<Expr, TranspileError> {
    let missing_ok = match missing_ok {
        None => false,
        Some(Expr::Value(v)) if v.value == Value::Boolean(true) => true,
        Some(Expr::Value(v)) if v.value == Value::Boolean(false) => false,
        Some(other) => {
            return Err(TranspileError::Unsupported(format!(
                "current_setting() with missing_ok {other}, not a constant, is not supported"
            )))
        }
    };
    let Some(name) = name else {
        return Err(TranspileError::Syntax(
            "function current_setting() does not exist".to_owned(),
        ));
    };
    let Some(name) = string_literal(name) else {
        return Ok(setting_of_expression(name, missing_ok, session));
    };
    match session.setting(name) {
        Some(value) => {
            let mut text = string(&value);
            cast_in_place(&mut text, DataType::Text);
            Ok(text)
        }
        None if missing_ok => {
            let mut null = Expr::value(Value::Null);
            cast_in_place(&mut null, DataType::Text);
            Ok(null)
        }
        None => Err(TranspileError::UndefinedObject(format!(
            "unrecognized configuration parameter \"{name}\""
        ))),
    }
}

/// `current_setting(name)` of a name known only when the statement runs (SQLAlchemy binds
/// it as a parameter): `CASE lower(name) WHEN 'setting' THEN 'value' ... END`, with every
/// setting of the session, and for any other name NULL when missing is fine, else the
/// engine's [`UNKNOWN_SETTING_FUNCTION`].
fn setting_of_expression(name: &Expr, missing_ok: bool, session: &dyn SessionValues) -> Expr {
    let text = |value: &str| {
        let mut text = string(value);
        cast_in_place(&mut text, DataType::Text);
        text
    };
    let conditions = session
        .settings()
        .into_iter()
        .map(|(setting, value)| sqlparser::ast::CaseWhen {
            condition: string(&setting.to_ascii_lowercase()),
            result: text(&value),
        })
        .collect();
    let otherwise = if missing_ok {
        text_null()
    } else {
        crate::ast::call_with(UNKNOWN_SETTING_FUNCTION, vec![name.clone()])
    };
    Expr::Case {
        case_token: sqlparser::ast::helpers::attached_token::AttachedToken::empty(),
        end_token: sqlparser::ast::helpers::attached_token::AttachedToken::empty(),
        operand: Some(Box::new(crate::ast::call_with("lower", vec![name.clone()]))),
        conditions,
        else_result: Some(Box::new(otherwise)),
    }
}

fn text_null() -> Expr {
    let mut null = Expr::value(Value::Null);
    cast_in_place(&mut null, DataType::Text);
    null
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::parse;

    /// A session two hours east of UTC whose transaction began at `transaction_start`.
    struct Fixed {
        transaction_start: DateTime<Utc>,
    }

    impl Fixed {
        /// A transaction begun on 2026-01-31 at 10:00:00.123456 UTC.
        fn morning() -> Self {
            let start = Utc.with_ymd_and_hms(2026, 1, 31, 10, 0, 0).single();
            Fixed {
                transaction_start: start.expect("valid") + chrono::Duration::microseconds(123_456),
            }
        }
    }

    impl SessionValues for Fixed {
        fn transaction_start(&self) -> DateTime<Utc> {
            self.transaction_start
        }

        fn statement_start(&self) -> DateTime<Utc> {
            Utc.with_ymd_and_hms(2026, 1, 31, 10, 0, 5)
                .single()
                .expect("valid")
        }

        fn setting(&self, name: &str) -> Option<String> {
            (name == "server_version_num").then(|| "150000".to_owned())
        }

        fn settings(&self) -> Vec<(String, String)> {
            vec![("server_version_num".to_owned(), "150000".to_owned())]
        }

        fn user(&self) -> &str {
            "nurse"
        }

        fn database(&self) -> &str {
            "warehouse"
        }

        fn backend_pid(&self) -> i32 {
            4242
        }

        // Two hours east of UTC.
        fn local(&self, at: DateTime<Utc>) -> NaiveDateTime {
            at.naive_utc() + chrono::Duration::hours(2)
        }
    }

    #[test]
    fn who_and_where_the_client_is_are_the_sessions() {
        assert_eq!(
            bound(
                "SELECT current_user, session_user, user, current_role, current_catalog, \
                 current_database(), pg_catalog.pg_backend_pid()"
            )
            .expect("binds"),
            "SELECT CAST('nurse' AS name), CAST('nurse' AS name), CAST('nurse' AS name), \
             CAST('nurse' AS name), CAST('warehouse' AS name), CAST('warehouse' AS name), \
             CAST(4242 AS INTEGER)"
        );
        // Another schema's function of the same name is the user's own.
        assert_eq!(
            bound("SELECT app.pg_backend_pid()").expect("binds"),
            "SELECT app.pg_backend_pid()"
        );
    }

    fn bound(sql: &str) -> Result<String, TranspileError> {
        let mut statement = parse(sql).expect("valid SQL").remove(0);
        bind_session_values(&mut statement, &Fixed::morning())?;
        Ok(statement.to_string())
    }

    #[test]
    fn the_clock_is_the_transactions_start() {
        assert_eq!(
            bound("SELECT now(), current_timestamp, transaction_timestamp()").expect("binds"),
            "SELECT CAST('2026-01-31 10:00:00.123456+00:00' AS TIMESTAMP WITH TIME ZONE), \
             CAST('2026-01-31 10:00:00.123456+00:00' AS TIMESTAMP WITH TIME ZONE), \
             CAST('2026-01-31 10:00:00.123456+00:00' AS TIMESTAMP WITH TIME ZONE)"
        );
        assert_eq!(
            bound("SELECT statement_timestamp(), current_date, localtimestamp(2)").expect("binds"),
            "SELECT CAST('2026-01-31 10:00:05.000000+00:00' AS TIMESTAMP WITH TIME ZONE), \
             CAST('2026-01-31' AS DATE), CAST('2026-01-31 12:00:00.120000' AS TIMESTAMP)"
        );
    }

    #[test]
    fn the_date_is_the_sessions_zones() {
        // 01:30 the next day, two hours east.
        let late = Fixed {
            transaction_start: Utc
                .with_ymd_and_hms(2026, 7, 1, 23, 30, 0)
                .single()
                .expect("valid"),
        };
        let mut statement = parse("SELECT current_date, localtimestamp(0)")
            .expect("valid SQL")
            .remove(0);
        bind_session_values(&mut statement, &late).expect("binds");
        assert_eq!(
            statement.to_string(),
            "SELECT CAST('2026-07-02' AS DATE), CAST('2026-07-02 01:30:00.000000' AS TIMESTAMP)"
        );
    }

    #[test]
    fn calls_inside_expressions_are_bound() {
        assert_eq!(
            bound("SELECT * FROM t WHERE ts > now() - INTERVAL '1 hour'").expect("binds"),
            "SELECT * FROM t WHERE ts > CAST('2026-01-31 10:00:00.123456+00:00' AS TIMESTAMP \
             WITH TIME ZONE) - INTERVAL '1 hour'"
        );
    }

    #[test]
    fn settings_are_their_text() {
        assert_eq!(
            bound("SELECT current_setting('server_version_num')::int").expect("binds"),
            "SELECT CAST('150000' AS TEXT)::INT"
        );
        assert_eq!(
            bound("SELECT current_setting('nope', true)").expect("binds"),
            "SELECT CAST(NULL AS TEXT)"
        );
        let err = bound("SELECT current_setting('nope')").expect_err("unknown");
        assert_eq!(err.sqlstate(), "42704");
        assert_eq!(
            err.to_string(),
            "unrecognized configuration parameter \"nope\""
        );
    }

    #[test]
    fn a_setting_named_when_the_statement_runs_is_looked_up_then() {
        assert_eq!(
            bound("SELECT current_setting($1)").expect("binds"),
            "SELECT CASE lower($1) WHEN 'server_version_num' THEN CAST('150000' AS TEXT) \
             ELSE junction_unknown_setting($1) END"
        );
        assert_eq!(
            bound("SELECT current_setting(name, true) FROM s").expect("binds"),
            "SELECT CASE lower(name) WHEN 'server_version_num' THEN CAST('150000' AS TEXT) \
             ELSE CAST(NULL AS TEXT) END FROM s"
        );
    }

    #[test]
    fn version_is_junction_s() {
        assert_eq!(
            bound("SELECT version(), pg_catalog.version()").expect("binds"),
            format!(
                "SELECT CAST('{v}' AS TEXT), CAST('{v}' AS TEXT)",
                v = server_version()
            )
        );
    }

    #[test]
    fn other_calls_are_left_alone() {
        assert_eq!(
            bound("SELECT clock_timestamp(), my.now()").expect("binds"),
            "SELECT clock_timestamp(), my.now()"
        );
    }
}
