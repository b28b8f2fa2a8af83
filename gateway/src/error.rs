//! The gateway's errors, each with the SQLSTATE its clients see.

use junction_engines::EngineError;
use junction_router::RouteError;
use junction_transpiler::TranspileError;

/// Errors of the gateway.
#[derive(Debug, thiserror::Error)]
pub enum GatewayError {
    #[error(transparent)]
    Transpile(#[from] TranspileError),

    #[error(transparent)]
    Route(#[from] RouteError),

    #[error(transparent)]
    Engine(#[from] EngineError),

    #[error("unrecognized configuration parameter \"{0}\"")]
    UnknownSetting(String),

    /// A call of a function no engine that tried has for these arguments: `name(types)`.
    #[error("function {0} does not exist")]
    UndefinedFunction(String),

    #[error("invalid value for parameter \"{name}\": \"{value}\"{hint}")]
    BadSettingValue {
        name: String,
        value: String,
        hint: String,
    },

    #[error("cannot execute {0} in a read-only transaction")]
    ReadOnly(String),

    #[error("cursor \"{0}\" already exists")]
    DuplicateCursor(String),

    #[error("cursor \"{0}\" does not exist")]
    UnknownCursor(String),

    #[error("DECLARE CURSOR can only be used in transaction blocks")]
    NoTransactionBlock,

    #[error("prepared statement \"{0}\" already exists")]
    DuplicatePrepared(String),

    #[error("prepared statement \"{0}\" does not exist")]
    UnknownPrepared(String),

    /// PostgreSQL says the counts in a DETAIL, which junction's errors do not carry.
    #[error("wrong number of parameters for prepared statement \"{0}\"")]
    ParameterCount(String),

    #[error("{0} is not supported by junction")]
    Unsupported(String),

    #[error("canceling statement due to user request")]
    Cancelled,

    #[error("canceling statement due to statement timeout")]
    StatementTimeout,

    /// `[limits] max_connections` reached; PostgreSQL's words.
    #[error("sorry, too many clients already")]
    TooManyConnections,

    /// `[limits] max_running` statements ran for all of `queue_timeout`.
    #[error(
        "too many statements running: this one waited {} for one of the {running} running to end (max_running, queue_timeout)",
        humantime::format_duration(*waited)
    )]
    QueueTimeout {
        waited: std::time::Duration,
        running: usize,
    },

    #[error("not authenticated: {0}")]
    Unauthenticated(String),

    /// A wrong password, or a user that does not exist: the same words for both.
    #[error("password authentication failed for user \"{user}\"")]
    PasswordFailed { user: String },

    /// A login exchange that broke its protocol (a malformed SCRAM message, a channel
    /// binding that does not match).
    #[error("{0}")]
    AuthProtocol(String),

    /// A plaintext pg connection where `[server] tls_required` says TLS, in PostgreSQL's
    /// words for a `hostssl`-only pg_hba.conf.
    #[error(
        "no pg_hba.conf entry for host \"{host}\", user \"{user}\", database \"{database}\", no encryption"
    )]
    PlaintextRefused {
        host: String,
        user: String,
        database: String,
    },

    #[error("permission denied: {0}")]
    PermissionDenied(String),

    /// A prepared statement, ticket or session handle the server does not hold (any more).
    #[error("{0}")]
    UnknownHandle(String),

    /// Bound parameter values that do not fit the statement.
    #[error("{0}")]
    Parameters(String),

    /// A statement run without a value for one of its parameters (a simple query, or a
    /// Flight SQL statement, naming `$n`).
    #[error("there is no parameter ${0}")]
    NoParameter(usize),

    /// A request that holds no statement, or more than one where one is expected.
    #[error("{0}")]
    StatementCount(String),

    /// A value PostgreSQL's text format cannot carry (a timestamp beyond its range).
    #[error("value out of range for text output: {0}")]
    Encode(#[source] arrow::error::ArrowError),

    /// A statement's task panicked; the message goes to the log, not to the client.
    #[error("a statement panicked: {0}")]
    Panicked(String),

    /// A value PostgreSQL's binary format cannot carry.
    #[error(transparent)]
    BinaryEncode(#[from] crate::pg::OutOfRange),
}

impl GatewayError {
    /// The SQLSTATE clients see (DESIGN.md, "Errors").
    pub fn sqlstate(&self) -> &'static str {
        match self {
            GatewayError::Transpile(e) => e.sqlstate(),
            GatewayError::Route(e) => e.sqlstate(),
            GatewayError::Engine(e) => e.sqlstate(),
            GatewayError::UnknownSetting(_) => "42704",
            GatewayError::UndefinedFunction(_) => "42883",
            GatewayError::BadSettingValue { .. } => "22023",
            GatewayError::ReadOnly(_) => "25006",
            GatewayError::DuplicateCursor(_) => "42P03",
            GatewayError::UnknownCursor(_) => "34000",
            GatewayError::NoTransactionBlock => "25P01",
            GatewayError::DuplicatePrepared(_) => "42P05",
            GatewayError::UnknownPrepared(_) => "26000",
            GatewayError::ParameterCount(_) => "42601",
            GatewayError::Unsupported(_) => "0A000",
            GatewayError::Cancelled | GatewayError::StatementTimeout => "57014",
            GatewayError::TooManyConnections | GatewayError::QueueTimeout { .. } => "53300",
            GatewayError::Unauthenticated(_) | GatewayError::PlaintextRefused { .. } => "28000",
            GatewayError::PasswordFailed { .. } => "28P01",
            GatewayError::AuthProtocol(_) => "08P01",
            GatewayError::PermissionDenied(_) => "42501",
            GatewayError::UnknownHandle(_) => "26000",
            GatewayError::Parameters(_) => "22023",
            GatewayError::NoParameter(_) => "42P02",
            GatewayError::StatementCount(_) => "42601",
            GatewayError::Encode(_) | GatewayError::BinaryEncode(_) => "22008",
            GatewayError::Panicked(_) => "XX000",
        }
    }

    /// PostgreSQL's hint beside the message, where it gives one.
    pub fn hint(&self) -> Option<&'static str> {
        // PostgreSQL's hint beside every `function f(types) does not exist`, whichever layer
        // (transpiler, engine, gateway) found the function missing.
        let undefined_function =
            self.sqlstate() == "42883" && self.to_string().starts_with("function ");
        undefined_function.then_some(junction_transpiler::UNDEFINED_FUNCTION_HINT)
    }

    /// The message for the client. Internal errors keep their details in the log only, and
    /// no message names the server's directories or secrets ([`crate::redact`]).
    pub fn client_message(&self) -> String {
        if self.sqlstate() == "XX000" {
            tracing::error!(error = %self, "internal error");
            "internal error; details are in the junction server log".to_owned()
        } else {
            crate::redact::redact(self.to_string())
        }
    }
}
