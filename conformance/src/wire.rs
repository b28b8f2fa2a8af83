//! A sqllogictest database spoken to over the PostgreSQL wire with tokio-postgres.
//!
//! Each statement is first described (Parse/Describe, as drivers do) to learn the result's
//! type OIDs, then run with the simple query protocol, whose text values are what psql shows.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use sqllogictest::{AsyncDB, DBOutput};
use tokio_postgres::types::Type;
use tokio_postgres::{Client, SimpleQueryMessage};

/// Column classes of a `query` record's type string, coarse enough to read as a spec; exact
/// type names are compared against PostgreSQL separately (see [`TypeLog`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnType {
    /// `I`: int2, int4, int8.
    Integer,
    /// `R`: float4, float8, numeric.
    Real,
    /// `T`: text, varchar, char, name.
    Text,
    /// `B`: bool.
    Bool,
    /// `D`: date.
    Date,
    /// `P`: timestamp, timestamptz (a point in time).
    Timestamp,
    /// `?`: anything else (interval, bytea, json, arrays, ...).
    Other,
}

impl sqllogictest::ColumnType for ColumnType {
    fn from_char(value: char) -> Option<Self> {
        Some(match value {
            'I' => Self::Integer,
            'R' => Self::Real,
            'T' => Self::Text,
            'B' => Self::Bool,
            'D' => Self::Date,
            'P' => Self::Timestamp,
            '?' => Self::Other,
            _ => return None,
        })
    }

    fn to_char(&self) -> char {
        match self {
            Self::Integer => 'I',
            Self::Real => 'R',
            Self::Text => 'T',
            Self::Bool => 'B',
            Self::Date => 'D',
            Self::Timestamp => 'P',
            Self::Other => '?',
        }
    }
}

impl From<&Type> for ColumnType {
    fn from(ty: &Type) -> Self {
        match *ty {
            Type::INT2 | Type::INT4 | Type::INT8 => Self::Integer,
            Type::FLOAT4 | Type::FLOAT8 | Type::NUMERIC => Self::Real,
            Type::TEXT | Type::VARCHAR | Type::BPCHAR | Type::NAME | Type::CHAR => Self::Text,
            Type::BOOL => Self::Bool,
            Type::DATE => Self::Date,
            Type::TIMESTAMP | Type::TIMESTAMPTZ => Self::Timestamp,
            _ => Self::Other,
        }
    }
}

/// Result type names per SQL text as the reference reported them, so that a run against
/// junction can insist on the very same types, not just the same class.
#[derive(Debug, Clone, Default)]
pub struct TypeLog(Arc<Mutex<HashMap<String, Vec<String>>>>);

impl TypeLog {
    fn record(&self, sql: &str, types: Vec<String>) {
        if let Ok(mut log) = self.0.lock() {
            log.insert(sql.to_owned(), types);
        }
    }

    fn expected(&self, sql: &str) -> Option<Vec<String>> {
        self.0.lock().ok()?.get(sql).cloned()
    }
}

/// What [`PgWire`] does with the type log.
#[derive(Debug, Clone)]
pub enum Types {
    /// The reference: write down the types it answers with.
    Record(TypeLog),
    /// A system under test: its types must equal the reference's.
    Check(TypeLog),
}

#[derive(Debug, thiserror::Error)]
pub enum WireError {
    #[error("{}", describe(.0))]
    Pg(#[from] tokio_postgres::Error),
    #[error("result types {actual:?} differ from PostgreSQL's {expected:?}")]
    Types {
        actual: Vec<String>,
        expected: Vec<String>,
    },
}

/// One client session as a sqllogictest database.
pub struct PgWire {
    client: Client,
    types: Types,
}

impl PgWire {
    pub fn new(client: Client, types: Types) -> Self {
        Self { client, types }
    }

    fn check_types(&self, sql: &str, actual: Vec<String>) -> Result<(), WireError> {
        match &self.types {
            Types::Record(log) => log.record(sql, actual),
            Types::Check(log) => {
                if let Some(expected) = log.expected(sql) {
                    if expected != actual {
                        return Err(WireError::Types { actual, expected });
                    }
                }
            }
        }
        Ok(())
    }
}

/// The server's SQLSTATE and message, which tokio-postgres's Display leaves out.
fn describe(e: &tokio_postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => format!("{}: {}", db.code().code(), db.message()),
        None => e.to_string(),
    }
}

/// psql's rendering of a text value, made unambiguous for sqllogictest's whitespace rules.
fn cell(value: Option<&str>) -> String {
    match value {
        None => "NULL".to_owned(),
        Some("") => "(empty)".to_owned(),
        Some(value) => value.to_owned(),
    }
}

#[async_trait]
impl AsyncDB for PgWire {
    type Error = WireError;
    type ColumnType = ColumnType;

    async fn run(&mut self, sql: &str) -> Result<DBOutput<ColumnType>, WireError> {
        let statement = self.client.prepare(sql).await?;
        let types: Vec<Type> = statement
            .columns()
            .iter()
            .map(|c| c.type_().clone())
            .collect();
        drop(statement);

        let mut rows = Vec::new();
        let mut described = false;
        let mut count = 0;
        for message in self.client.simple_query(sql).await? {
            match message {
                SimpleQueryMessage::RowDescription(_) => described = true,
                SimpleQueryMessage::Row(row) => {
                    rows.push((0..row.len()).map(|i| cell(row.get(i))).collect());
                }
                SimpleQueryMessage::CommandComplete(n) => count = n,
                _ => {}
            }
        }
        if !described {
            return Ok(DBOutput::StatementComplete(count));
        }
        // Checked only once the statement ran: an expected execution error comes first.
        self.check_types(sql, types.iter().map(|t| t.name().to_owned()).collect())?;
        Ok(DBOutput::Rows {
            types: types.iter().map(ColumnType::from).collect(),
            rows,
        })
    }

    async fn shutdown(&mut self) {}

    fn engine_name(&self) -> &str {
        "postgres-wire"
    }

    async fn sleep(dur: Duration) {
        tokio::time::sleep(dur).await;
    }

    fn error_sql_state(err: &WireError) -> Option<String> {
        match err {
            WireError::Pg(e) => e.code().map(|c| c.code().to_owned()),
            WireError::Types { .. } => None,
        }
    }
}
