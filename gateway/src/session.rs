//! A client session: who is connected, to which catalog, and the settings it has made.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicI32, Ordering};
use std::sync::{Arc, Mutex};

use arrow::datatypes::SchemaRef;
use chrono::{DateTime, Utc};
use junction_catalogs::Catalogs;
use junction_engines::{QueryContext, SessionSetting};
use junction_transpiler::SessionValues;
use tokio_util::sync::CancellationToken;

use crate::activity::{Activity, Origin};
use crate::error::GatewayError;
use crate::sql_prepared::SqlPrepared;

/// Backend process ids handed to sessions of either front end; unique per server run.
static NEXT_PID: AtomicI32 = AtomicI32::new(10_000);

/// A fresh backend process id (what `pg_backend_pid()` returns to the session).
pub fn next_backend_pid() -> i32 {
    NEXT_PID.fetch_add(1, Ordering::Relaxed)
}

/// A server setting clients can read and set.
struct Setting {
    /// How PostgreSQL spells it in SHOW and ParameterStatus.
    name: &'static str,
    default: &'static str,
    /// Whether PostgreSQL reports changes to it with a ParameterStatus message.
    reported: bool,
    /// Whether clients may change it.
    settable: bool,
}

const fn setting(
    name: &'static str,
    default: &'static str,
    reported: bool,
    settable: bool,
) -> Setting {
    Setting {
        name,
        default,
        reported,
        settable,
    }
}

/// The settings junction knows, with PostgreSQL 15's defaults and junction's identity.
/// The session's Nessie reference: every catalog with references is read at it.
pub const NESSIE_REF: &str = "junction.nessie_ref";

const SETTINGS: &[Setting] = &[
    setting("application_name", "", true, true),
    setting("client_encoding", "UTF8", true, true),
    setting("client_min_messages", "notice", false, true),
    setting("DateStyle", "ISO, MDY", true, true),
    setting(
        "default_transaction_isolation",
        "read committed",
        false,
        true,
    ),
    setting("default_transaction_read_only", "on", true, false),
    setting("extra_float_digits", "1", false, true),
    setting("in_hot_standby", "off", true, false),
    setting("integer_datetimes", "on", true, false),
    setting("IntervalStyle", "postgres", true, true),
    setting("is_superuser", "off", true, false),
    // Whether the session's statements may be answered from the result cache.
    setting("junction.result_cache", "on", false, true),
    setting("lc_messages", "C", false, true),
    setting("lc_monetary", "C", false, true),
    setting("lc_numeric", "C", false, true),
    setting("lc_time", "C", false, true),
    setting("max_identifier_length", "63", false, false),
    setting("search_path", "\"$user\", public", false, true),
    setting("server_encoding", "UTF8", true, false),
    setting("server_version", "15.0", true, false),
    setting("server_version_num", "150000", false, false),
    setting("standard_conforming_strings", "on", true, true),
    setting("statement_timeout", "0", false, true),
    setting("TimeZone", "UTC", true, true),
    setting("transaction_isolation", "read committed", false, false),
    setting("transaction_read_only", "on", false, false),
];

fn find_setting(name: &str) -> Option<&'static Setting> {
    SETTINGS.iter().find(|s| s.name.eq_ignore_ascii_case(name))
}

/// Which engine runs the session's statements.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EngineChoice {
    Auto,
    Pinned(String),
}

impl EngineChoice {
    pub fn as_str(&self) -> &str {
        match self {
            EngineChoice::Auto => "auto",
            EngineChoice::Pinned(name) => name,
        }
    }
}

/// A setting's new `(name, value)`, for settings PostgreSQL reports with ParameterStatus.
pub type Report = (String, String);

/// Defaults the server's configuration gives some settings (`[limits] statement_timeout`),
/// in place of PostgreSQL's; what `RESET` returns to.
#[derive(Debug, Default)]
pub struct ServerDefaults {
    values: BTreeMap<&'static str, String>,
}

impl ServerDefaults {
    pub fn new(statement_timeout: Option<std::time::Duration>) -> Self {
        let mut values = BTreeMap::new();
        // Bounded by the configuration's check to what the setting holds.
        let ms = statement_timeout.map_or(0, |t| u64::try_from(t.as_millis()).unwrap_or(0));
        values.insert("statement_timeout", duration_text(ms));
        Self { values }
    }

    fn default_of(&self, setting: &Setting) -> String {
        self.values
            .get(setting.name)
            .cloned()
            .unwrap_or_else(|| setting.default.to_owned())
    }
}

impl Vars {
    /// The value of a known setting: the client's, else the default.
    fn value(&self, setting: &Setting) -> String {
        self.settings
            .get(setting.name)
            .cloned()
            .unwrap_or_else(|| self.defaults.default_of(setting))
    }
}

#[derive(Debug)]
struct Vars {
    /// Values set by the client, by canonical name; absent ones have their default.
    settings: BTreeMap<&'static str, String>,
    /// Custom settings (`myapp.key`), which PostgreSQL accepts without declaration.
    custom: BTreeMap<String, String>,
    engine: EngineChoice,
    last_engine: Option<String>,
    /// When the open transaction block began (`BEGIN`); `None` outside one.
    transaction_start: Option<DateTime<Utc>>,
    defaults: Arc<ServerDefaults>,
}

/// A shared session a statement's task can hold for as long as it runs.
pub trait SessionHandle: Send + Sync + 'static {
    fn session(&self) -> &Session;
}

impl SessionHandle for std::sync::Arc<Session> {
    fn session(&self) -> &Session {
        self
    }
}

impl SessionHandle for Session {
    fn session(&self) -> &Session {
        self
    }
}

/// One client's session.
#[derive(Debug)]
pub struct Session {
    pub user: String,
    /// The current catalog: the database the client connected to.
    pub catalog: String,
    pub backend_pid: i32,
    /// Its front end and client.
    pub origin: Origin,
    vars: Mutex<Vars>,
    /// Cancels the statement running now; replaced at the start of each statement.
    cancel: Mutex<CancellationToken>,
    /// Fires when the session is to end (`pg_terminate_backend`).
    terminated: CancellationToken,
    /// What it runs now, for pg_stat_activity.
    activity: Mutex<Activity>,
    /// The SQL cursors open, by name; their rows wait in the pg connection's portals.
    cursors: Mutex<BTreeMap<String, Cursor>>,
    /// SQL-level prepared statements (`PREPARE`), by name.
    prepared: Mutex<BTreeMap<String, SqlPrepared>>,
}

/// An open SQL cursor.
#[derive(Debug, Clone)]
pub struct Cursor {
    /// `WITH HOLD`: it outlives the transaction that declared it.
    pub hold: bool,
    /// `BINARY`: a simple query's FETCH reads its rows in binary.
    pub binary: bool,
    pub schema: SchemaRef,
    /// Stops the cursor's query: a cancel or timeout during one of its FETCHes.
    pub stop: crate::stop::Stop,
    /// The rows not fetched yet, which each FETCH encodes in the format it asks for.
    pub rows: Arc<tokio::sync::Mutex<CursorRows>>,
}

/// A cursor's query's rows still to come: part of a batch a FETCH left, then the engine's
/// stream (`None` once a FETCH ALL took it). Dropping them stops the engine's work.
pub struct CursorRows {
    pub pending: Option<arrow::array::RecordBatch>,
    pub stream: Option<datafusion::physical_plan::SendableRecordBatchStream>,
}

impl std::fmt::Debug for CursorRows {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CursorRows")
            .field("pending", &self.pending.as_ref().map(|b| b.num_rows()))
            .field("stream", &self.stream.is_some())
            .finish()
    }
}

impl Session {
    pub fn new(
        origin: Origin,
        user: String,
        catalog: String,
        backend_pid: i32,
        defaults: Arc<ServerDefaults>,
    ) -> Self {
        Self {
            user,
            catalog,
            backend_pid,
            origin,
            terminated: CancellationToken::new(),
            activity: Mutex::new(Activity::default()),
            vars: Mutex::new(Vars {
                settings: BTreeMap::new(),
                custom: BTreeMap::new(),
                engine: EngineChoice::Auto,
                last_engine: None,
                transaction_start: None,
                defaults,
            }),
            cancel: Mutex::new(CancellationToken::new()),
            cursors: Mutex::new(BTreeMap::new()),
            prepared: Mutex::new(BTreeMap::new()),
        }
    }

    fn prepared(&self) -> std::sync::MutexGuard<'_, BTreeMap<String, SqlPrepared>> {
        self.prepared.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// `PREPARE`: PostgreSQL's 42P05 if a statement of that name is prepared.
    pub fn prepare(&self, name: &str, prepared: SqlPrepared) -> Result<(), GatewayError> {
        let mut statements = self.prepared();
        if statements.contains_key(name) {
            return Err(GatewayError::DuplicatePrepared(name.to_owned()));
        }
        statements.insert(name.to_owned(), prepared);
        Ok(())
    }

    /// The statement `PREPARE` stored as `name`; 26000 if there is none.
    pub fn prepared_statement(&self, name: &str) -> Result<SqlPrepared, GatewayError> {
        self.prepared()
            .get(name)
            .cloned()
            .ok_or_else(|| GatewayError::UnknownPrepared(name.to_owned()))
    }

    /// `DEALLOCATE name` (26000 if it is not prepared), or `DEALLOCATE ALL` with `None`.
    pub fn deallocate(&self, name: Option<&str>) -> Result<(), GatewayError> {
        let mut statements = self.prepared();
        match name {
            Some(name) => statements
                .remove(name)
                .map(|_| ())
                .ok_or_else(|| GatewayError::UnknownPrepared(name.to_owned())),
            None => {
                statements.clear();
                Ok(())
            }
        }
    }

    fn cursors(&self) -> std::sync::MutexGuard<'_, BTreeMap<String, Cursor>> {
        self.cursors.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Whether a transaction block is open (`BEGIN` without its `COMMIT` yet).
    pub fn in_transaction(&self) -> bool {
        self.vars().transaction_start.is_some()
    }

    /// Notes the cursor `name` as open; PostgreSQL's 42P03 if one of that name is.
    pub fn open_cursor(&self, name: &str, cursor: Cursor) -> Result<(), GatewayError> {
        let mut cursors = self.cursors();
        if cursors.contains_key(name) {
            return Err(GatewayError::DuplicateCursor(name.to_owned()));
        }
        cursors.insert(name.to_owned(), cursor);
        Ok(())
    }

    /// The open cursor `name`; PostgreSQL's 34000 if there is none.
    pub fn cursor(&self, name: &str) -> Result<Cursor, GatewayError> {
        self.cursors()
            .get(name)
            .cloned()
            .ok_or_else(|| GatewayError::UnknownCursor(name.to_owned()))
    }

    /// Forgets the cursor `name` (34000 if it is not open), or all of them with `None`;
    /// the names closed.
    pub fn close_cursors(&self, name: Option<&str>) -> Result<Vec<String>, GatewayError> {
        let mut cursors = self.cursors();
        match name {
            Some(name) => match cursors.remove(name) {
                Some(_) => Ok(vec![name.to_owned()]),
                None => Err(GatewayError::UnknownCursor(name.to_owned())),
            },
            None => Ok(std::mem::take(&mut *cursors).into_keys().collect()),
        }
    }

    /// At the end of a transaction: forgets the cursors it declared without `WITH HOLD`, and
    /// names them.
    pub fn end_transaction_cursors(&self) -> Vec<String> {
        let mut cursors = self.cursors();
        let ended: Vec<String> = cursors
            .iter()
            .filter(|(_, c)| !c.hold)
            .map(|(name, _)| name.clone())
            .collect();
        for name in &ended {
            cursors.remove(name);
        }
        ended
    }

    fn vars(&self) -> std::sync::MutexGuard<'_, Vars> {
        // Plain data: a panic elsewhere cannot leave it inconsistent.
        self.vars.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The value of a setting as `SHOW` prints it.
    pub fn show(&self, name: &str) -> Result<(String, String), GatewayError> {
        let lower = name.to_ascii_lowercase();
        let vars = self.vars();
        match lower.as_str() {
            "junction.engine" => return Ok((lower, vars.engine.as_str().to_owned())),
            "junction.last_engine" => {
                let last = vars
                    .last_engine
                    .clone()
                    .unwrap_or_else(|| "none".to_owned());
                return Ok((lower, last));
            }
            _ => {}
        }
        if let Some(setting) = find_setting(name) {
            // PostgreSQL's SHOW names the column in lower case.
            return Ok((setting.name.to_ascii_lowercase(), vars.value(setting)));
        }
        vars.custom
            .get(&lower)
            .map(|v| (lower.clone(), v.clone()))
            .ok_or(GatewayError::UnknownSetting(lower))
    }

    /// `extra_float_digits`; validated on SET, so the fallback is only the default.
    pub fn extra_float_digits(&self) -> i32 {
        self.setting_value("extra_float_digits")
            .parse()
            .unwrap_or(1)
    }

    /// `statement_timeout`, `None` for none; validated on SET, so the fallback is only the
    /// default.
    pub fn statement_timeout(&self) -> Option<std::time::Duration> {
        milliseconds(&self.setting_value("statement_timeout"))
            .filter(|ms| *ms > 0)
            .map(std::time::Duration::from_millis)
    }

    /// The session's TimeZone; validated on SET, so the fallback is only the default.
    pub fn time_zone(&self) -> chrono_tz::Tz {
        self.setting_value("TimeZone")
            .parse()
            .unwrap_or(chrono_tz::Tz::UTC)
    }

    fn setting_value(&self, name: &str) -> String {
        let vars = self.vars();
        find_setting(name)
            .map(|s| vars.value(s))
            .unwrap_or_default()
    }

    /// Every setting, for `SHOW ALL`: (name, value).
    pub fn show_all(&self) -> Vec<(String, String)> {
        let vars = self.vars();
        let mut all: Vec<(String, String)> = SETTINGS
            .iter()
            .map(|s| (s.name.to_owned(), vars.value(s)))
            .collect();
        all.push((
            "junction.engine".to_owned(),
            vars.engine.as_str().to_owned(),
        ));
        all.extend(vars.custom.iter().map(|(k, v)| (k.clone(), v.clone())));
        all
    }

    /// The ParameterStatus values sent at startup.
    pub fn reported_settings(&self) -> Vec<(String, String)> {
        let vars = self.vars();
        SETTINGS
            .iter()
            .filter(|s| s.reported)
            .map(|s| (s.name.to_owned(), vars.value(s)))
            .collect()
    }

    /// `SET name = value`; `engines` are the configured engine names, for junction.engine.
    pub fn set(
        &self,
        name: &str,
        value: &str,
        engines: &[&str],
    ) -> Result<Option<Report>, GatewayError> {
        let lower = name.to_ascii_lowercase();
        let mut vars = self.vars();
        if lower == "junction.engine" {
            let wanted = value.to_ascii_lowercase();
            vars.engine = if wanted == "auto" {
                EngineChoice::Auto
            } else if engines.contains(&wanted.as_str()) {
                EngineChoice::Pinned(wanted)
            } else {
                return Err(GatewayError::BadSettingValue {
                    name: lower,
                    value: value.to_owned(),
                    hint: format!(" (engines: auto, {})", engines.join(", ")),
                });
            };
            return Ok(None);
        }
        if lower == "junction.last_engine" {
            return Err(GatewayError::BadSettingValue {
                name: lower,
                value: value.to_owned(),
                hint: " (it is read-only)".to_owned(),
            });
        }
        if let Some(setting) = find_setting(name) {
            let value = validate(setting, value)?;
            if !setting.settable {
                if value == setting.default {
                    return Ok(None);
                }
                return Err(GatewayError::BadSettingValue {
                    name: setting.name.to_owned(),
                    value,
                    hint: " (junction does not allow changing it)".to_owned(),
                });
            }
            let report = setting
                .reported
                .then(|| (setting.name.to_owned(), value.clone()));
            vars.settings.insert(setting.name, value);
            return Ok(report);
        }
        if lower.contains('.') {
            vars.custom.insert(lower, value.to_owned());
            return Ok(None);
        }
        Err(GatewayError::UnknownSetting(lower))
    }

    /// `RESET name`, or `RESET ALL` with `None`.
    pub fn reset(&self, name: Option<&str>) -> Result<Vec<Report>, GatewayError> {
        let Some(name) = name else {
            let mut vars = self.vars();
            let changed = SETTINGS
                .iter()
                .filter(|s| s.reported && vars.settings.contains_key(s.name))
                .map(|s| (s.name.to_owned(), vars.defaults.default_of(s)))
                .collect();
            vars.settings.clear();
            vars.custom.clear();
            vars.engine = EngineChoice::Auto;
            return Ok(changed);
        };
        let lower = name.to_ascii_lowercase();
        let mut vars = self.vars();
        if lower == "junction.engine" {
            vars.engine = EngineChoice::Auto;
            return Ok(vec![]);
        }
        if let Some(setting) = find_setting(name) {
            vars.settings.remove(setting.name);
            let report = setting
                .reported
                .then(|| (setting.name.to_owned(), vars.defaults.default_of(setting)));
            return Ok(report.into_iter().collect());
        }
        if vars.custom.remove(&lower).is_some() || lower.contains('.') {
            return Ok(vec![]);
        }
        Err(GatewayError::UnknownSetting(lower))
    }

    /// The engine the session pinned with `SET junction.engine`, if any.
    pub fn pinned_engine(&self) -> Option<String> {
        match &self.vars().engine {
            EngineChoice::Auto => None,
            EngineChoice::Pinned(name) => Some(name.clone()),
        }
    }

    pub fn set_last_engine(&self, engine: &str) {
        self.vars().last_engine = Some(engine.to_owned());
    }

    /// The schemas of `search_path`, with `$user` replaced by the user name.
    pub fn search_path(&self) -> Vec<String> {
        let raw = self.show("search_path").map(|(_, v)| v).unwrap_or_default();
        split_list(&raw)
            .into_iter()
            .map(|s| if s == "$user" { self.user.clone() } else { s })
            .collect()
    }

    /// The reference `SET junction.nessie_ref` chose, if any.
    pub fn nessie_reference(&self) -> Option<String> {
        self.vars()
            .custom
            .get(NESSIE_REF)
            .filter(|r| !r.is_empty())
            .cloned()
    }

    /// `BEGIN`: statements until the block ends see the clock stopped at this moment, as
    /// `now()` is the transaction's start in PostgreSQL. A second `BEGIN` changes nothing.
    pub fn begin_transaction(&self) {
        self.vars().transaction_start.get_or_insert_with(Utc::now);
    }

    /// `COMMIT` or `ROLLBACK`: each statement is its own transaction again.
    pub fn end_transaction(&self) {
        self.vars().transaction_start = None;
    }

    /// The session as a statement starting now sees it: its clock and settings.
    pub fn statement_values(&self) -> StatementValues<'_> {
        let statement_start = Utc::now();
        let transaction_start = self.vars().transaction_start.unwrap_or(statement_start);
        StatementValues {
            session: self,
            transaction_start,
            statement_start,
        }
    }

    /// What the engines need to know about this session; `catalogs` as it sees them.
    pub fn query_context(&self, catalogs: Catalogs) -> QueryContext {
        QueryContext {
            catalog: self.catalog.clone(),
            search_path: self.search_path(),
            user: self.user.clone(),
            backend_pid: self.backend_pid,
            catalogs,
            settings: self.settings(),
        }
    }

    /// Every setting with its value and default, for pg_settings.
    fn settings(&self) -> Vec<SessionSetting> {
        let vars = self.vars();
        let mut all: Vec<SessionSetting> = SETTINGS
            .iter()
            .map(|s| SessionSetting {
                name: s.name.to_owned(),
                value: vars.value(s),
                default: Some(vars.defaults.default_of(s)),
            })
            .collect();
        all.extend(vars.custom.iter().map(|(name, value)| SessionSetting {
            name: name.clone(),
            value: value.clone(),
            default: None,
        }));
        all
    }

    /// The client sent `sql`: what pg_stat_activity shows until the next.
    pub fn received(&self, sql: &str) {
        self.activity().received(sql);
    }

    /// Starts a statement: returns the token a cancel request will fire.
    pub fn start_statement(&self) -> CancellationToken {
        let token = CancellationToken::new();
        *self.cancel.lock().unwrap_or_else(|e| e.into_inner()) = token.clone();
        token
    }

    /// What the session runs now.
    pub fn activity(&self) -> std::sync::MutexGuard<'_, Activity> {
        // Plain data: a panic elsewhere cannot leave it inconsistent.
        self.activity.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Whether the current statement was cancelled (a cancel request, its timeout).
    pub fn statement_cancelled(&self) -> bool {
        self.cancel
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .is_cancelled()
    }

    /// Fires `ended` (the token its connection ends by) when the session is terminated.
    pub fn ending_with(mut self, ended: CancellationToken) -> Self {
        self.terminated = ended;
        self
    }

    /// Ends the session (`pg_terminate_backend`): its statement stops as a cancel stops it,
    /// and once it has (its error sent) the front end closes the session.
    pub fn terminate(&self) {
        let idle = self.activity().terminate();
        self.cancel();
        if idle {
            self.terminated.cancel();
        }
    }

    /// A statement of the session ended; a terminated session ends with its last.
    pub fn statement_ended(&self) {
        if self.activity().ended() {
            self.terminated.cancel();
        }
    }

    pub fn is_terminated(&self) -> bool {
        self.terminated.is_cancelled()
    }

    /// Whether the result cache may answer the session's statements
    /// (`junction.result_cache`).
    pub fn result_cache(&self) -> bool {
        self.show("junction.result_cache")
            .is_ok_and(|(_, value)| value == "on")
    }

    /// The client's `application_name`.
    pub fn application_name(&self) -> String {
        self.show("application_name")
            .map(|(_, value)| value)
            .unwrap_or_default()
    }

    /// When the open transaction block began; `None` outside one.
    pub fn transaction_start(&self) -> Option<DateTime<Utc>> {
        self.vars().transaction_start
    }

    /// The engine of the session's last statement.
    pub fn last_engine(&self) -> Option<String> {
        self.vars().last_engine.clone()
    }

    /// Cancels the statement running now, if any.
    pub fn cancel(&self) {
        self.cancel
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .cancel();
    }
}

/// A session's values for one statement (see [`junction_transpiler::SessionValues`]).
pub struct StatementValues<'a> {
    session: &'a Session,
    transaction_start: DateTime<Utc>,
    statement_start: DateTime<Utc>,
}

impl SessionValues for StatementValues<'_> {
    fn transaction_start(&self) -> DateTime<Utc> {
        self.transaction_start
    }

    fn statement_start(&self) -> DateTime<Utc> {
        self.statement_start
    }

    fn setting(&self, name: &str) -> Option<String> {
        self.session.show(name).ok().map(|(_, value)| value)
    }

    fn settings(&self) -> Vec<(String, String)> {
        self.session.show_all()
    }

    fn user(&self) -> &str {
        &self.session.user
    }

    fn database(&self) -> &str {
        &self.session.catalog
    }

    fn backend_pid(&self) -> i32 {
        self.session.backend_pid
    }

    fn local(&self, at: DateTime<Utc>) -> chrono::NaiveDateTime {
        at.with_timezone(&self.session.time_zone()).naive_local()
    }
}

fn validate(setting: &Setting, value: &str) -> Result<String, GatewayError> {
    let bad = |hint: &str| GatewayError::BadSettingValue {
        name: setting.name.to_owned(),
        value: value.to_owned(),
        hint: hint.to_owned(),
    };
    match setting.name {
        "client_encoding" => {
            let v = value.to_ascii_uppercase().replace(['-', '_'], "");
            if v == "UTF8" || v == "UNICODE" {
                Ok("UTF8".to_owned())
            } else {
                Err(bad(" (junction speaks UTF8 only)"))
            }
        }
        "junction.result_cache" => match value.trim().to_ascii_lowercase().as_str() {
            "on" | "true" | "1" | "yes" => Ok("on".to_owned()),
            "off" | "false" | "0" | "no" => Ok("off".to_owned()),
            _ => Err(bad(" (on or off)")),
        },
        "extra_float_digits" => match value.trim().parse::<i32>() {
            Ok(n) if (-15..=3).contains(&n) => Ok(n.to_string()),
            _ => Err(bad(" (an integer from -15 to 3)")),
        },
        "standard_conforming_strings" => match value.to_ascii_lowercase().as_str() {
            "on" | "true" | "1" | "yes" => Ok("on".to_owned()),
            _ => Err(bad(" (junction always uses standard conforming strings)")),
        },
        "DateStyle" => {
            let upper = value.to_ascii_uppercase();
            // Rows are always rendered in ISO style; accept what drivers send for it.
            if upper
                .split(',')
                .map(str::trim)
                .all(|p| ["ISO", "MDY", "DMY", "YMD", ""].contains(&p))
            {
                let order = if upper.contains("DMY") {
                    "DMY"
                } else if upper.contains("YMD") {
                    "YMD"
                } else {
                    "MDY"
                };
                Ok(format!("ISO, {order}"))
            } else {
                Err(bad(" (junction renders dates in ISO style)"))
            }
        }
        "statement_timeout" => match milliseconds(value) {
            Some(ms) => Ok(duration_text(ms)),
            None => Err(bad(" (milliseconds, or a number with ms, s, min, h or d)")),
        },
        "TimeZone" => match value.to_ascii_uppercase().as_str() {
            "UTC" | "GMT" | "ETC/UTC" | "Z" | "ZULU" | "UCT" => Ok(value.to_owned()),
            _ if value.parse::<chrono_tz::Tz>().is_ok() => Ok(value.to_owned()),
            _ => Err(bad("")),
        },
        _ => Ok(value.to_owned()),
    }
}

/// A time setting in milliseconds, as PostgreSQL reads one: a number of milliseconds, or a
/// number with a unit (`2s`, `1.5min`, `500 ms`), at most `i32::MAX` ms.
fn milliseconds(value: &str) -> Option<u64> {
    let value = value.trim();
    let split = value
        .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '-' || c == '+'))
        .unwrap_or(value.len());
    let (number, unit) = value.split_at(split);
    let number: f64 = number.parse().ok()?;
    let scale = match unit.trim() {
        "" | "ms" => 1.0,
        "s" => 1_000.0,
        "min" => 60_000.0,
        "h" => 3_600_000.0,
        "d" => 86_400_000.0,
        _ => return None,
    };
    let ms = (number * scale).round();
    (0.0..=f64::from(i32::MAX))
        .contains(&ms)
        .then_some(ms as u64)
}

/// Milliseconds as PostgreSQL shows a time setting: in the largest unit that divides them.
fn duration_text(ms: u64) -> String {
    if ms == 0 {
        return "0".to_owned();
    }
    for (unit, size) in [
        ("d", 86_400_000),
        ("h", 3_600_000),
        ("min", 60_000),
        ("s", 1_000),
    ] {
        if ms.is_multiple_of(size) {
            return format!("{}{unit}", ms / size);
        }
    }
    format!("{ms}ms")
}

/// Splits a setting list like `"$user", public` into its names.
pub fn split_list(raw: &str) -> Vec<String> {
    raw.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.strip_prefix('"')
                .and_then(|s| s.strip_suffix('"'))
                .map(|s| s.replace("\"\"", "\""))
                .unwrap_or_else(|| s.to_lowercase())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::Frontend;

    #[test]
    fn statement_timeouts_read_and_show_as_postgresql_does() {
        for (set, shown, ms) in [
            ("0", "0", 0),
            ("2000", "2s", 2_000),
            ("1500", "1500ms", 1_500),
            ("2s", "2s", 2_000),
            ("1.5min", "90s", 90_000),
            ("60 s", "1min", 60_000),
            ("1d", "1d", 86_400_000),
        ] {
            assert_eq!(milliseconds(set), Some(ms), "{set}");
            assert_eq!(duration_text(ms), shown, "{set}");
        }
        for bad in ["abc", "5 parsecs", "-1", "3000000000", ""] {
            assert_eq!(milliseconds(bad), None, "{bad}");
        }
    }

    fn session() -> Session {
        Session::new(
            Origin::new(Frontend::Pg, None),
            "alice".into(),
            "warehouse".into(),
            7,
            Arc::new(ServerDefaults::default()),
        )
    }

    #[test]
    fn the_configured_statement_timeout_is_the_default_reset_returns_to() {
        let defaults = ServerDefaults::new(Some(std::time::Duration::from_secs(300)));
        let s = Session::new(
            Origin::new(Frontend::Pg, None),
            "alice".into(),
            "warehouse".into(),
            7,
            Arc::new(defaults),
        );
        assert_eq!(s.show("statement_timeout").expect("known").1, "5min");
        assert_eq!(
            s.statement_timeout(),
            Some(std::time::Duration::from_secs(300))
        );
        s.set("statement_timeout", "0", &[]).expect("settable");
        assert_eq!(s.statement_timeout(), None);
        s.reset(Some("statement_timeout")).expect("resets");
        assert_eq!(s.show("statement_timeout").expect("known").1, "5min");
    }

    #[test]
    fn search_path_substitutes_user() {
        let s = session();
        assert_eq!(s.search_path(), vec!["alice", "public"]);
        s.set("search_path", "silver, gold", &["datafusion"])
            .expect("settable");
        assert_eq!(s.search_path(), vec!["silver", "gold"]);
    }

    #[test]
    fn engine_setting_rejects_unknown_engines() {
        let s = session();
        let err = s
            .set("junction.engine", "duckdb", &["datafusion"])
            .expect_err("unconfigured");
        assert_eq!(err.sqlstate(), "22023");
        assert!(err.to_string().contains("datafusion"), "{err}");
        s.set("junction.engine", "DataFusion", &["datafusion"])
            .expect("configured");
        assert_eq!(s.show("junction.engine").expect("known").1, "datafusion");
        s.reset(Some("junction.engine")).expect("resettable");
        assert_eq!(s.show("junction.engine").expect("known").1, "auto");
    }

    #[test]
    fn last_engine_is_none_until_a_query_ran() {
        let s = session();
        assert_eq!(s.show("junction.last_engine").expect("known").1, "none");
        s.set_last_engine("datafusion");
        assert_eq!(
            s.show("junction.last_engine").expect("known").1,
            "datafusion"
        );
    }

    #[test]
    fn unknown_settings_are_42704_but_custom_ones_are_kept() {
        let s = session();
        assert_eq!(
            s.set("no_such", "1", &[]).expect_err("unknown").sqlstate(),
            "42704"
        );
        s.set("myapp.tenant", "42", &[])
            .expect("custom settings are free");
        assert_eq!(s.show("myapp.tenant").expect("set").1, "42");
    }

    #[test]
    fn reported_settings_carry_the_identity() {
        let s = session();
        let reported: BTreeMap<_, _> = s.reported_settings().into_iter().collect();
        assert_eq!(reported["server_version"], "15.0");
        assert_eq!(reported["DateStyle"], "ISO, MDY");
        assert_eq!(reported["TimeZone"], "UTC");
        assert_eq!(reported["integer_datetimes"], "on");
    }
}
