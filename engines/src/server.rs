//! What the server shows of itself through SQL: its sessions (pg_stat_activity), what its
//! statements took (pg_stat_statements), and the signals a user sends its own sessions
//! (pg_cancel_backend, pg_terminate_backend). The gateway knows these; the engine that
//! serves pg_catalog asks it through [`ServerViews`].

use std::fmt::Debug;

use chrono::{DateTime, Utc};

/// The tables the server's views are (in pg_catalog; PostgreSQL keeps pg_stat_statements in
/// the schema its extension was created in, which the search path reaches the same way).
pub const SERVER_TABLES: [&str; 2] = ["pg_stat_activity", "pg_stat_statements"];

/// The `timestamptz` columns of the server table `table` (see [`SERVER_TABLES`]): what the
/// transpiler must know of them to read them as PostgreSQL does (`to_char(query_start,
/// '... TZ')`, pgAdmin's session view).
pub fn timestamptz_columns(table: &str) -> &'static [&'static str] {
    match table {
        "pg_stat_activity" => &["backend_start", "xact_start", "query_start", "state_change"],
        _ => &[],
    }
}

/// One session, as pg_stat_activity shows it to one user: another user's statement is not
/// shown (PostgreSQL shows it only to superusers and pg_read_all_stats).
#[derive(Debug, Clone, PartialEq)]
pub struct BackendActivity {
    pub pid: i32,
    pub user: String,
    /// The catalog the session connected to.
    pub database: String,
    pub application_name: String,
    pub client_addr: Option<String>,
    pub client_port: Option<i32>,
    pub backend_start: DateTime<Utc>,
    /// The remaining columns are the viewer's own sessions' only.
    pub transaction_start: Option<DateTime<Utc>>,
    pub query_start: Option<DateTime<Utc>>,
    pub state_change: Option<DateTime<Utc>>,
    /// `active`, `idle` or `idle in transaction`.
    pub state: Option<String>,
    pub query_id: Option<i64>,
    /// The statement's text, `<insufficient privilege>` for another user's session.
    pub query: String,
    /// `pg` or `flight`.
    pub frontend: &'static str,
    /// The engine of the session's current or last statement.
    pub engine: Option<String>,
}

/// What one statement fingerprint took on one engine, as pg_stat_statements shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct StatementStats {
    pub query_id: i64,
    /// The statement with its literals replaced by `$n`.
    pub query: String,
    pub engine: String,
    pub calls: i64,
    /// Milliseconds, as PostgreSQL reports them.
    pub total_ms: f64,
    pub min_ms: f64,
    pub max_ms: f64,
    pub mean_ms: f64,
    pub stddev_ms: f64,
    pub rows: i64,
}

/// pg_cancel_backend or pg_terminate_backend.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BackendSignal {
    Cancel,
    Terminate,
}

/// A user signalled a session of another user (PostgreSQL's 42501, in its words).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "{}",
    match .signal {
        BackendSignal::Cancel => "permission denied to cancel query",
        BackendSignal::Terminate => "permission denied to terminate process",
    }
)]
pub struct SignalRefused {
    pub signal: BackendSignal,
}

/// The server's sessions and statement statistics.
pub trait ServerViews: Send + Sync + Debug {
    /// Every open session, as `viewer` may see it.
    fn backends(&self, viewer: &str) -> Vec<BackendActivity>;

    /// Sends `signal` to the session `pid` for `sender`: `Ok(false)` when no session has
    /// that pid (PostgreSQL warns and answers false).
    fn signal(&self, sender: &str, pid: i32, signal: BackendSignal) -> Result<bool, SignalRefused>;

    /// Per fingerprint and engine, what statements took.
    fn statements(&self) -> Vec<StatementStats>;

    /// Forgets every statement's figures (`pg_stat_statements_reset()`).
    fn reset_statements(&self);
}

/// A server without sessions: an engine used on its own (calibration, benchmarks).
#[derive(Debug, Default)]
pub struct NoServer;

impl ServerViews for NoServer {
    fn backends(&self, _viewer: &str) -> Vec<BackendActivity> {
        Vec::new()
    }

    fn signal(
        &self,
        _sender: &str,
        _pid: i32,
        _signal: BackendSignal,
    ) -> Result<bool, SignalRefused> {
        Ok(false)
    }

    fn statements(&self) -> Vec<StatementStats> {
        Vec::new()
    }

    fn reset_statements(&self) {}
}
