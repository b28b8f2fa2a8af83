//! What a parsed statement asks of the gateway: run a query on an engine, or something the
//! gateway answers itself (settings, transactions, cursors), or refuses (writes).

use junction_transpiler::Directives;

use crate::sql_prepared::SqlPrepared;
use sqlparser::ast::{
    CloseCursor, Declare, DeclareType, Expr, FetchDirection, Ident, ObjectName, Reset, Set,
    Statement, Value, ValueWithSpan,
};

/// A statement, sorted by who answers it.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    /// Runs on an engine and returns rows; `engine` is the statement's own pin (a leading
    /// `/*+ ENGINE(name) */`), which overrides the session's.
    Query {
        statement: Box<Statement>,
        engine: Option<String>,
    },
    /// `EXPLAIN ROUTE <query>`: where the query would run, and why.
    ExplainRoute {
        statement: Box<Statement>,
        engine: Option<String>,
    },
    /// `SET name = value` (`None`: `SET name TO DEFAULT`).
    Set {
        name: String,
        value: Option<String>,
    },
    /// `SHOW name`, or `SHOW ALL` with `None`.
    Show(Option<String>),
    /// `RESET name`, or `RESET ALL` with `None`.
    Reset(Option<String>),
    Begin,
    Commit,
    Rollback,
    /// SAVEPOINT, RELEASE, ROLLBACK TO: nothing to undo in a read-only session. Holds the tag.
    Savepoint(&'static str),
    /// `DISCARD ALL` and friends: the session's settings go back to their defaults.
    Discard,
    /// `DECLARE name [BINARY] CURSOR [WITH HOLD] FOR query`.
    Declare {
        name: String,
        query: Box<Statement>,
        hold: bool,
        binary: bool,
    },
    /// `FETCH [FORWARD] count FROM name`.
    Fetch {
        name: String,
        count: FetchCount,
    },
    /// `MOVE [FORWARD] count FROM name`: FETCH's rows skipped, only counted.
    Move {
        name: String,
        count: FetchCount,
    },
    /// `CLOSE name`, or `CLOSE ALL` (`None`).
    Close(Option<String>),
    /// `PREPARE name [(types)] AS query`.
    Prepare {
        name: String,
        prepared: Box<SqlPrepared>,
    },
    /// `EXECUTE name [(arguments)]`.
    Execute {
        name: String,
        arguments: Vec<Expr>,
    },
    /// `DEALLOCATE [PREPARE] name`, or `DEALLOCATE ALL` (`None`).
    Deallocate(Option<String>),
    /// A write or DDL statement: junction is read-only. Holds the statement's keyword.
    Write(String),
    /// Valid SQL junction does not run. Holds a description of it.
    Unsupported(String),
}

/// How many rows a FETCH asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FetchCount {
    Rows(usize),
    /// Every row left.
    All,
}

impl Command {
    pub fn from_statement(statement: Statement) -> Self {
        match statement {
            Statement::Query(_) | Statement::Explain { .. } => Command::Query {
                statement: Box::new(statement),
                engine: None,
            },
            Statement::Set(set) => from_set(set),
            Statement::ShowVariable { variable } => {
                let words: Vec<&str> = variable.iter().map(|i| i.value.as_str()).collect();
                // `SHOW junction.engine` arrives as two words, like `SHOW TIME ZONE`.
                let spaced = words.join(" ");
                let name = if MULTIWORD.iter().any(|m| m.eq_ignore_ascii_case(&spaced)) {
                    spaced
                } else {
                    words.join(".")
                };
                if name.eq_ignore_ascii_case("all") {
                    Command::Show(None)
                } else {
                    Command::Show(Some(show_alias(&name)))
                }
            }
            Statement::Reset(reset) => match reset.reset {
                Reset::ALL => Command::Reset(None),
                Reset::ConfigurationParameter(name) => Command::Reset(Some(object_name(&name))),
            },
            Statement::StartTransaction { .. } => Command::Begin,
            Statement::Commit { .. } => Command::Commit,
            Statement::Rollback {
                savepoint: None, ..
            } => Command::Rollback,
            Statement::Rollback {
                savepoint: Some(_), ..
            } => Command::Savepoint("ROLLBACK"),
            Statement::Savepoint { .. } => Command::Savepoint("SAVEPOINT"),
            Statement::ReleaseSavepoint { .. } => Command::Savepoint("RELEASE"),
            Statement::Discard { .. } => Command::Discard,
            Statement::Declare { stmts } => declare(stmts),
            Statement::Fetch {
                name,
                direction,
                into: None,
                ..
            } => fetch(&name, direction),
            Statement::Prepare {
                name,
                data_types,
                statement,
            } => match *statement {
                query @ Statement::Query(_) => Command::Prepare {
                    name: junction_transpiler::fold(&name),
                    prepared: Box::new(SqlPrepared {
                        statement: query,
                        types: data_types,
                    }),
                },
                other => match classify_other(other) {
                    Command::Write(keyword) => Command::Write(keyword),
                    _ => Command::Unsupported("PREPARE of a statement that is not a query".into()),
                },
            },
            Statement::Execute {
                name: Some(name),
                parameters,
                immediate: false,
                into,
                using,
                ..
            } if into.is_empty() && using.is_empty() => match name.0.as_slice() {
                [part] => match part.as_ident() {
                    Some(ident) => Command::Execute {
                        name: junction_transpiler::fold(ident),
                        arguments: parameters,
                    },
                    None => Command::Unsupported("EXECUTE of that name".into()),
                },
                _ => Command::Unsupported("EXECUTE of a qualified name".into()),
            },
            Statement::Deallocate { name, .. } => {
                if name.quote_style.is_none() && name.value.eq_ignore_ascii_case("all") {
                    Command::Deallocate(None)
                } else {
                    Command::Deallocate(Some(junction_transpiler::fold(&name)))
                }
            }
            Statement::Close { cursor } => match cursor {
                CloseCursor::All => Command::Close(None),
                CloseCursor::Specific { name } => {
                    Command::Close(Some(junction_transpiler::fold(&name)))
                }
            },
            other => classify_other(other),
        }
    }

    /// Whether running the command yields rows (a result set) rather than a command tag.
    pub fn returns_rows(&self) -> bool {
        matches!(
            self,
            Command::Query { .. }
                | Command::ExplainRoute { .. }
                | Command::Show(_)
                | Command::Fetch { .. }
                | Command::Execute { .. }
        )
    }

    /// The command as its directives change it. An engine hint on a statement no engine runs
    /// (SET, BEGIN) has nothing to pin and is a comment.
    pub fn directed(self, directives: Directives) -> Self {
        match self {
            Command::Query { statement, .. } if directives.explain_route => Command::ExplainRoute {
                statement,
                engine: directives.engine,
            },
            Command::Query { statement, .. } => Command::Query {
                statement,
                engine: directives.engine,
            },
            _ if directives.explain_route => {
                Command::Unsupported("EXPLAIN ROUTE of a statement that no engine runs".into())
            }
            other => other,
        }
    }
}

/// `DECLARE`: one cursor over a query, scanning forward.
fn declare(mut stmts: Vec<Declare>) -> Command {
    let (Some(declare), true) = (stmts.pop(), stmts.is_empty()) else {
        return Command::Unsupported("DECLARE of several cursors".into());
    };
    let Declare {
        mut names,
        declare_type: Some(DeclareType::Cursor),
        binary,
        scroll,
        hold,
        for_query: Some(query),
        ..
    } = declare
    else {
        return Command::Unsupported("DECLARE of anything but a cursor over a query".into());
    };
    if scroll == Some(true) {
        return Command::Unsupported("a SCROLL cursor (junction's cursors scan forward)".into());
    }
    let (Some(name), true) = (names.pop(), names.is_empty()) else {
        return Command::Unsupported("DECLARE of several cursors".into());
    };
    Command::Declare {
        name: junction_transpiler::fold(&name),
        query: Box::new(Statement::Query(query)),
        hold: hold == Some(true),
        binary: binary == Some(true),
    }
}

/// `FETCH`: forward only, as a NO SCROLL cursor allows.
fn fetch(name: &Ident, direction: FetchDirection) -> Command {
    let count = |limit: &Value| match limit {
        Value::Number(n, _) => n.parse::<usize>().ok().filter(|n| *n > 0),
        _ => None,
    };
    let count = match &direction {
        FetchDirection::Next | FetchDirection::Forward { limit: None } => Some(FetchCount::Rows(1)),
        FetchDirection::Count { limit } | FetchDirection::Forward { limit: Some(limit) } => {
            count(limit).map(FetchCount::Rows)
        }
        FetchDirection::All | FetchDirection::ForwardAll => Some(FetchCount::All),
        _ => None,
    };
    match count {
        Some(count) => Command::Fetch {
            name: junction_transpiler::fold(name),
            count,
        },
        None => Command::Unsupported(format!(
            "FETCH {direction} (junction's cursors scan forward only)"
        )),
    }
}

/// `sql` with FETCH in place of a leading MOVE, which has FETCH's grammar and which sqlparser
/// does not read; `None` for a statement that does not begin with MOVE.
pub fn move_as_fetch(sql: &str) -> Option<String> {
    let sql = sql.trim_start();
    let end = sql
        .find(|c: char| !c.is_ascii_alphabetic())
        .unwrap_or(sql.len());
    let (word, rest) = sql.split_at(end);
    word.eq_ignore_ascii_case("move")
        .then(|| format!("FETCH{rest}"))
}

impl Command {
    /// The MOVE a FETCH read from [`move_as_fetch`]'s text stands for.
    pub fn into_move(self) -> Self {
        match self {
            Command::Fetch { name, count } => Command::Move { name, count },
            Command::Unsupported(what) => Command::Unsupported(what.replacen("FETCH", "MOVE", 1)),
            other => other,
        }
    }
}

/// SHOW names PostgreSQL spells with spaces.
const MULTIWORD: [&str; 3] = [
    "transaction isolation level",
    "time zone",
    "session authorization",
];

/// `SHOW TRANSACTION ISOLATION LEVEL` is PostgreSQL's spelling of `transaction_isolation`.
fn show_alias(name: &str) -> String {
    match name.to_ascii_lowercase().as_str() {
        "transaction isolation level" => "transaction_isolation".to_owned(),
        "time zone" => "TimeZone".to_owned(),
        _ => name.to_owned(),
    }
}

fn object_name(name: &ObjectName) -> String {
    name.0
        .iter()
        .map(|p| {
            p.as_ident()
                .map_or_else(|| p.to_string(), |i| i.value.clone())
        })
        .collect::<Vec<_>>()
        .join(".")
}

/// A SET value as PostgreSQL stores it: strings unquoted, identifiers as written, lists
/// joined with `, `.
fn set_value(values: &[Expr]) -> Option<String> {
    if let [Expr::Identifier(i)] = values {
        if i.quote_style.is_none() && i.value.eq_ignore_ascii_case("default") {
            return None;
        }
    }
    let parts: Vec<String> = values
        .iter()
        .map(|v| match v {
            Expr::Value(ValueWithSpan {
                value: Value::SingleQuotedString(s),
                ..
            }) => s.clone(),
            Expr::Identifier(i) if i.quote_style.is_some() && values.len() > 1 => {
                format!("\"{}\"", i.value)
            }
            Expr::Identifier(i) => i.value.clone(),
            other => other.to_string(),
        })
        .collect();
    Some(parts.join(", "))
}

fn from_set(set: Set) -> Command {
    match set {
        Set::SingleAssignment {
            variable, values, ..
        } => Command::Set {
            name: object_name(&variable),
            value: set_value(&values),
        },
        Set::SetTimeZone { value, .. } => Command::Set {
            name: "TimeZone".to_owned(),
            value: set_value(std::slice::from_ref(&value)),
        },
        Set::SetNames { charset_name, .. } => Command::Set {
            name: "client_encoding".to_owned(),
            value: Some(charset_name.value),
        },
        // Every transaction is read-only here; accepting these keeps drivers' setup working.
        Set::SetTransaction { .. } => Command::Set {
            name: "transaction_isolation".to_owned(),
            value: None,
        },
        other => Command::Unsupported(format!("SET statement `{other}`")),
    }
}

fn classify_other(statement: Statement) -> Command {
    let keyword = match &statement {
        Statement::Insert(_) => "INSERT",
        Statement::Update { .. } => "UPDATE",
        Statement::Delete(_) => "DELETE",
        Statement::Merge { .. } => "MERGE",
        Statement::Truncate { .. } => "TRUNCATE",
        Statement::Copy { .. } => "COPY",
        Statement::CreateTable(_) => "CREATE TABLE",
        Statement::CreateView { .. } => "CREATE VIEW",
        Statement::CreateSchema { .. } => "CREATE SCHEMA",
        Statement::CreateDatabase { .. } => "CREATE DATABASE",
        Statement::CreateIndex(_) => "CREATE INDEX",
        Statement::CreateFunction(_) => "CREATE FUNCTION",
        Statement::AlterTable { .. } => "ALTER TABLE",
        Statement::Drop { .. } => "DROP",
        Statement::Grant { .. } => "GRANT",
        Statement::Revoke { .. } => "REVOKE",
        _ => {
            let text = statement.to_string();
            let head: String = text
                .split_whitespace()
                .take(2)
                .collect::<Vec<_>>()
                .join(" ");
            return Command::Unsupported(format!("the statement `{head}`"));
        }
    };
    Command::Write(keyword.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn command(sql: &str) -> Command {
        let mut statements = junction_transpiler::parse(sql).expect("valid SQL");
        Command::from_statement(statements.remove(0))
    }

    #[test]
    fn cursor_statements() {
        match command("DECLARE \"Cur\" NO SCROLL CURSOR WITH HOLD FOR SELECT 1") {
            Command::Declare { name, hold, .. } => assert_eq!((name.as_str(), hold), ("Cur", true)),
            other => panic!("{other:?}"),
        }
        match command("DECLARE b BINARY CURSOR FOR SELECT 1") {
            Command::Declare { binary, .. } => assert!(binary),
            other => panic!("{other:?}"),
        }
        for (sql, count) in [
            ("FETCH FORWARD 100 FROM c", FetchCount::Rows(100)),
            ("FETCH NEXT FROM c", FetchCount::Rows(1)),
            ("FETCH 7 FROM c", FetchCount::Rows(7)),
            ("FETCH ALL FROM c", FetchCount::All),
            ("FETCH FORWARD ALL FROM c", FetchCount::All),
        ] {
            assert_eq!(
                command(sql),
                Command::Fetch {
                    name: "c".into(),
                    count
                },
                "{sql}"
            );
        }
        for sql in [
            "FETCH BACKWARD 1 FROM c",
            "FETCH PRIOR FROM c",
            "DECLARE c SCROLL CURSOR FOR SELECT 1",
        ] {
            assert!(matches!(command(sql), Command::Unsupported(_)), "{sql}");
        }
        assert_eq!(command("CLOSE ALL"), Command::Close(None));
        let moved = |sql: &str| command(&move_as_fetch(sql).expect("a MOVE")).into_move();
        assert_eq!(
            moved("move forward 5 in c"),
            Command::Move {
                name: "c".into(),
                count: FetchCount::Rows(5)
            }
        );
        assert_eq!(
            moved("MOVE ALL FROM c"),
            Command::Move {
                name: "c".into(),
                count: FetchCount::All
            }
        );
        assert!(
            matches!(moved("MOVE BACKWARD 1 FROM c"), Command::Unsupported(w) if w.starts_with("MOVE"))
        );
        assert_eq!(move_as_fetch("MOVEMENT"), None);
        assert_eq!(move_as_fetch("SELECT 1"), None);
        assert!(matches!(
            command("PREPARE p (int) AS SELECT $1 + 1"),
            Command::Prepare { name, .. } if name == "p"
        ));
        assert!(matches!(
            command("EXECUTE p(41)"),
            Command::Execute { name, arguments } if name == "p" && arguments.len() == 1
        ));
        assert_eq!(command("DEALLOCATE ALL"), Command::Deallocate(None));
        assert_eq!(
            command("DEALLOCATE PREPARE p"),
            Command::Deallocate(Some("p".into()))
        );
        assert_eq!(command("CLOSE c"), Command::Close(Some("c".into())));
    }

    #[test]
    fn set_forms() {
        let cases = [
            (
                "SET search_path = silver, gold",
                "search_path",
                Some("silver, gold"),
            ),
            (
                "SET search_path TO \"$user\", public",
                "search_path",
                Some("\"$user\", public"),
            ),
            (
                "SET junction.engine = 'DuckDB'",
                "junction.engine",
                Some("DuckDB"),
            ),
            (
                "SET LOCAL junction.engine TO datafusion",
                "junction.engine",
                Some("datafusion"),
            ),
            ("SET TIME ZONE 'UTC'", "TimeZone", Some("UTC")),
            (
                "SET extra_float_digits = 3",
                "extra_float_digits",
                Some("3"),
            ),
            ("SET application_name TO DEFAULT", "application_name", None),
        ];
        for (sql, name, value) in cases {
            match command(sql) {
                Command::Set { name: n, value: v } => {
                    assert_eq!(n, name, "{sql}");
                    assert_eq!(v.as_deref(), value, "{sql}");
                }
                other => panic!("{sql} gave {other:?}"),
            }
        }
    }

    #[test]
    fn show_and_reset() {
        assert!(
            matches!(command("SHOW junction.engine"), Command::Show(Some(n)) if n == "junction.engine")
        );
        assert!(matches!(command("SHOW ALL"), Command::Show(None)));
        assert!(
            matches!(command("SHOW junction.last_engine"), Command::Show(Some(n)) if n == "junction.last_engine")
        );
        assert!(
            matches!(command("SHOW TRANSACTION ISOLATION LEVEL"), Command::Show(Some(n)) if n == "transaction_isolation")
        );
        assert!(
            matches!(command("RESET junction.engine"), Command::Reset(Some(n)) if n == "junction.engine")
        );
        assert!(matches!(command("RESET ALL"), Command::Reset(None)));
    }

    #[test]
    fn writes_are_refused_by_keyword() {
        assert!(matches!(command("insert into t values (1)"), Command::Write(k) if k == "INSERT"));
        assert!(
            matches!(command("create table t (a int)"), Command::Write(k) if k == "CREATE TABLE")
        );
        assert!(matches!(command("drop table t"), Command::Write(k) if k == "DROP"));
    }

    #[test]
    fn transactions() {
        assert!(matches!(command("BEGIN"), Command::Begin));
        assert!(matches!(
            command("START TRANSACTION READ ONLY"),
            Command::Begin
        ));
        assert!(matches!(command("COMMIT"), Command::Commit));
        assert!(matches!(command("ROLLBACK"), Command::Rollback));
        assert!(matches!(
            command("SAVEPOINT s1"),
            Command::Savepoint("SAVEPOINT")
        ));
        assert!(matches!(
            command("RELEASE SAVEPOINT s1"),
            Command::Savepoint("RELEASE")
        ));
        assert!(matches!(
            command("ROLLBACK TO SAVEPOINT s1"),
            Command::Savepoint("ROLLBACK")
        ));
    }
}
