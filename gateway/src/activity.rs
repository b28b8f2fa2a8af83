//! What every session is doing: the open sessions of both front ends by backend pid, each
//! with its current statement. pg_stat_activity lists them; pg_cancel_backend and
//! pg_terminate_backend reach them; `/metrics` counts them.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, Weak};

use chrono::{DateTime, Utc};
use junction_engines::{BackendActivity, BackendSignal, SignalRefused};

use crate::metrics::Frontend;
use crate::session::{Session, SessionHandle};

/// Where a session came from.
#[derive(Debug, Clone, Copy)]
pub struct Origin {
    pub frontend: Frontend,
    /// The client's address; `None` where the front end does not tell (Flight).
    pub client: Option<SocketAddr>,
    pub backend_start: DateTime<Utc>,
}

impl Origin {
    pub fn new(frontend: Frontend, client: Option<SocketAddr>) -> Self {
        Self {
            frontend,
            client,
            backend_start: Utc::now(),
        }
    }
}

/// pg_stat_activity's `state` of a session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Idle,
    Active,
}

/// A session's current (or last) statement.
#[derive(Debug)]
pub struct Activity {
    query: Arc<str>,
    query_start: Option<DateTime<Utc>>,
    state_change: DateTime<Utc>,
    /// The router's fingerprint of the statement, once routed (pg_stat_statements' queryid).
    query_id: Option<i64>,
    /// How many of the session's statements are running: a cursor's query runs while the
    /// next statement starts.
    running: usize,
    /// The engine that runs the statement started last, once known.
    engine: Option<&'static str>,
    /// Who chose that engine (`auto`, `session`, `hint`), or `cache`.
    route: Option<&'static str>,
    /// pg_terminate_backend asked the session to end once its statements stopped.
    terminating: bool,
}

impl Default for Activity {
    fn default() -> Self {
        Self {
            query: Arc::from(""),
            query_start: None,
            state_change: Utc::now(),
            query_id: None,
            running: 0,
            engine: None,
            route: None,
            terminating: false,
        }
    }
}

impl Activity {
    /// The client sent `sql`.
    pub fn received(&mut self, sql: &str) {
        if *self.query != *sql {
            self.query = Arc::from(sql);
        }
        self.query_start = Some(Utc::now());
        self.query_id = None;
    }

    /// The statement is fingerprinted `query_id` and runs on `engine`.
    pub fn runs_on(&mut self, query_id: i64, engine: &'static str) {
        self.query_id = Some(query_id);
        self.engine = Some(engine);
    }

    /// The statement's engine was chosen by `route` (`auto`, `session`, `hint`), or its
    /// answer came from the cache (`cache`).
    pub fn routed_by(&mut self, route: &'static str) {
        self.route = Some(route);
    }

    /// Who chose the engine of the statement started last.
    pub fn route(&self) -> Option<&'static str> {
        self.route
    }

    /// The router's fingerprint of the statement, once routed.
    pub fn query_id(&self) -> Option<i64> {
        self.query_id
    }

    /// The text the client sent.
    pub fn query(&self) -> Arc<str> {
        Arc::clone(&self.query)
    }

    /// The engine of the statement started last, if it reached one.
    pub fn engine(&self) -> Option<&'static str> {
        self.engine
    }

    fn state(&self) -> State {
        if self.running > 0 {
            State::Active
        } else {
            State::Idle
        }
    }

    fn started(&mut self) {
        if self.running == 0 {
            self.state_change = Utc::now();
        }
        self.running += 1;
        self.query_id = None;
        self.engine = None;
        self.route = None;
    }

    /// Whether the session is now to end: terminated, with nothing running.
    pub fn ended(&mut self) -> bool {
        self.running = self.running.saturating_sub(1);
        if self.running == 0 {
            self.state_change = Utc::now();
        }
        self.terminating && self.running == 0
    }

    /// Notes the session as terminating; whether it can end now (nothing runs).
    pub fn terminate(&mut self) -> bool {
        self.terminating = true;
        self.running == 0
    }
}

/// One statement of a session running, from its start until dropped: the session is
/// `active` while one lives.
pub struct Busy<S: SessionHandle> {
    session: S,
}

impl<S: SessionHandle> Busy<S> {
    pub fn start(session: S) -> Self {
        session.session().activity().started();
        Self { session }
    }

    pub fn session(&self) -> &Session {
        self.session.session()
    }
}

impl<S: SessionHandle> Drop for Busy<S> {
    fn drop(&mut self) {
        self.session.session().statement_ended();
    }
}

/// The open sessions, by backend pid. Entries are weak: a session ends when its front end
/// drops it, and its entry goes with the next registration or listing.
#[derive(Debug, Default)]
pub struct SessionRegistry {
    open: Mutex<BTreeMap<i32, Weak<dyn SessionHandle>>>,
    /// Registrations since dead entries were last swept.
    since_sweep: AtomicUsize,
}

impl SessionRegistry {
    /// Notes `session` (a [`Session`] or what holds one) as open, until it is dropped.
    pub fn register<H: SessionHandle>(&self, session: &Arc<H>) {
        let pid = session.session().backend_pid;
        let weak = Arc::downgrade(session);
        let session: Weak<dyn SessionHandle> = weak;
        let mut open = self.lock();
        // Sweeping as often as sessions open keeps the map within twice the live ones.
        if self.since_sweep.fetch_add(1, Ordering::Relaxed) >= open.len() {
            open.retain(|_, s| s.strong_count() > 0);
            self.since_sweep.store(0, Ordering::Relaxed);
        }
        open.insert(pid, session);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<i32, Weak<dyn SessionHandle>>> {
        self.open.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The live sessions, by pid.
    fn live(&self) -> Vec<Arc<dyn SessionHandle>> {
        let mut open = self.lock();
        open.retain(|_, s| s.strong_count() > 0);
        open.values().filter_map(Weak::upgrade).collect()
    }

    /// How many sessions each front end has open.
    pub fn count(&self, frontend: Frontend) -> usize {
        self.live()
            .iter()
            .filter(|s| s.session().origin.frontend == frontend)
            .count()
    }

    fn find(&self, pid: i32) -> Option<Arc<dyn SessionHandle>> {
        self.lock().get(&pid).and_then(Weak::upgrade)
    }
}

impl SessionRegistry {
    /// Every open session, as `viewer` sees it in pg_stat_activity.
    pub fn backends(&self, viewer: &str) -> Vec<BackendActivity> {
        self.live()
            .iter()
            .map(|handle| backend(handle.session(), viewer))
            .collect()
    }

    /// Sends `signal` to the session `pid` for `sender`, who must be its user; `Ok(false)`
    /// when no session has that pid.
    pub fn signal(
        &self,
        sender: &str,
        pid: i32,
        signal: BackendSignal,
    ) -> Result<bool, SignalRefused> {
        let Some(handle) = self.find(pid) else {
            return Ok(false);
        };
        let session = handle.session();
        if session.user != sender {
            return Err(SignalRefused { signal });
        }
        match signal {
            BackendSignal::Cancel => session.cancel(),
            BackendSignal::Terminate => session.terminate(),
        }
        Ok(true)
    }
}

/// `session` as `viewer` sees it: PostgreSQL shows another user's statement only to
/// superusers and members of pg_read_all_stats, and junction has neither.
fn backend(session: &Session, viewer: &str) -> BackendActivity {
    let activity = session.activity();
    let own = session.user == viewer;
    let state = match activity.state() {
        State::Active => "active",
        State::Idle if session.in_transaction() => "idle in transaction",
        State::Idle => "idle",
    };
    BackendActivity {
        pid: session.backend_pid,
        user: session.user.clone(),
        database: session.catalog.clone(),
        application_name: session.application_name(),
        client_addr: session.origin.client.map(|a| a.ip().to_string()),
        client_port: session.origin.client.map(|a| i32::from(a.port())),
        backend_start: session.origin.backend_start,
        transaction_start: session.transaction_start().filter(|_| own),
        query_start: activity.query_start.filter(|_| own),
        state_change: Some(activity.state_change).filter(|_| own),
        state: own.then(|| state.to_owned()),
        query_id: activity.query_id.filter(|_| own),
        query: if own {
            activity.query.to_string()
        } else {
            "<insufficient privilege>".to_owned()
        },
        frontend: session.origin.frontend.as_str(),
        engine: activity
            .engine()
            .map(str::to_owned)
            .or_else(|| session.last_engine())
            .filter(|_| own),
    }
}
