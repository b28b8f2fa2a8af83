//! The snapshot-exact result cache: a statement's answer kept under everything that decides
//! it, so that a kept answer is never stale and needs no expiry.
//!
//! The key is the routed statement (names qualified as the session resolved them), its
//! parameters, the settings that change results (the catalog, `TimeZone`, `DateStyle`,
//! `IntervalStyle`), the engine when the session or statement pinned one (every engine
//! answers as PostgreSQL does, so in `auto` an answer is the statement's whichever engine
//! gave it), and the snapshot of every table it reads (Delta version, Iceberg metadata file, plain files'
//! count, bytes and newest modification time). A commit changes a table's snapshot, and so
//! the key: the next statement misses and reads the new data. Statements that read the
//! session or the clock (`now()`, `random()`, `current_user`, ...) or the system catalogs
//! (which have no snapshot) are never kept. Grants apply before: the route that yields the
//! key resolves every table through the session's grants.
//!
//! The route resolves each table once, and the engine that runs the statement resolves it
//! again when it plans: a commit between the two would leave a newer answer under the older
//! snapshot's key. So the engine's catalogs record what it resolved ([`Reads`]), and an
//! answer is kept only when those are exactly the key's snapshots.

use std::ops::ControlFlow;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};

use arrow::array::RecordBatch;
use arrow::datatypes::SchemaRef;
use async_trait::async_trait;
use datafusion::error::Result;
use datafusion::execution::{RecordBatchStream, SendableRecordBatchStream};
use datafusion::physical_plan::memory::MemoryStream;
use datafusion::scalar::ScalarValue;
use futures::Stream;
use junction_catalogs::{Catalog, Catalogs, Location, Snapshot, TableHandle};
use junction_engines::tables::Relation;
use junction_router::Route;
use moka::sync::Cache;
use sqlparser::ast::{visit_expressions, Expr, Statement};

use crate::session::Session;

/// Results larger than this share of the cache stream through without being kept: one big
/// result must not empty the cache of many small ones.
const LARGEST_SHARE: u64 = 8;

/// Functions whose value depends on the session or the moment, not on the tables.
const SESSION_FUNCTIONS: &[&str] = &[
    "now",
    "current_timestamp",
    "current_date",
    "current_time",
    "localtime",
    "localtimestamp",
    "transaction_timestamp",
    "statement_timestamp",
    "clock_timestamp",
    "timeofday",
    "age",
    "random",
    "random_normal",
    "setseed",
    "gen_random_uuid",
    "uuid",
    "uuidv4",
    "uuidv7",
    "nextval",
    "currval",
    "lastval",
    "current_user",
    "session_user",
    "user",
    "current_role",
    "current_schema",
    "current_schemas",
    "current_database",
    "current_catalog",
    "current_setting",
    "pg_backend_pid",
    "inet_client_addr",
    "inet_client_port",
    "inet_server_addr",
    "inet_server_port",
    "pg_postmaster_start_time",
    "pg_conf_load_time",
    "txid_current",
    "pg_current_xact_id",
];

/// Everything that decides a statement's answer.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Key {
    statement: String,
    parameters: String,
    settings: [String; 4],
    pinned: Option<&'static str>,
    snapshots: Vec<(Location, Snapshot)>,
}

impl Key {
    /// The key of `route`'s answer with `parameters` in `session`; `None` when the answer
    /// may change without any table changing.
    pub fn of(
        route: &Route,
        original: &Statement,
        parameters: &[ScalarValue],
        session: &Session,
    ) -> Option<Self> {
        let snapshots = route.snapshots.clone()?;
        let reads_system = route
            .inputs
            .relations
            .iter()
            .any(|r| matches!(r, Relation::System(_)));
        if reads_system || reads_session(original) || !matches!(original, Statement::Query(_)) {
            return None;
        }
        let setting = |name: &str| session.show(name).map(|(_, v)| v).unwrap_or_default();
        Some(Self {
            statement: route.statement.to_string(),
            parameters: format!("{parameters:?}"),
            settings: [
                session.catalog.clone(),
                setting("TimeZone"),
                setting("DateStyle"),
                setting("IntervalStyle"),
            ],
            pinned: route.pinned.then(|| route.engine().name()),
            snapshots,
        })
    }
}

/// The snapshot of every table a statement's engines resolved, recorded by the catalogs
/// [`Reads::recording`] gives them.
#[derive(Debug, Clone, Default)]
pub struct Reads(Arc<Mutex<Vec<(Location, Snapshot)>>>);

impl Reads {
    /// `catalogs`, each recording here the snapshot of every table it resolves.
    pub fn recording(&self, catalogs: &Catalogs) -> Catalogs {
        catalogs.wrapped(|inner| self.wrap(Arc::clone(inner)))
    }

    fn wrap(&self, inner: Arc<dyn Catalog>) -> Arc<dyn Catalog> {
        Arc::new(Recording {
            inner,
            reads: self.clone(),
        })
    }

    fn record(&self, handle: &TableHandle) {
        let read = (handle.location().clone(), handle.snapshot().clone());
        let mut reads = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        if !reads.contains(&read) {
            reads.push(read);
        }
    }

    /// Whether exactly `snapshots` were read: every one of them, and no other.
    fn are(&self, snapshots: &[(Location, Snapshot)]) -> bool {
        let reads = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        reads.iter().all(|read| snapshots.contains(read))
            && snapshots.iter().all(|snapshot| reads.contains(snapshot))
    }
}

/// A catalog recording the snapshot of every table it resolves.
#[derive(Debug)]
struct Recording {
    inner: Arc<dyn Catalog>,
    reads: Reads,
}

#[async_trait]
impl Catalog for Recording {
    fn name(&self) -> &str {
        self.inner.name()
    }

    async fn schema_names(&self) -> junction_catalogs::Result<Vec<String>> {
        self.inner.schema_names().await
    }

    async fn table_names(&self, schema: &str) -> junction_catalogs::Result<Vec<String>> {
        self.inner.table_names(schema).await
    }

    async fn table(
        &self,
        schema: &str,
        table: &str,
    ) -> junction_catalogs::Result<Option<Arc<TableHandle>>> {
        let handle = self.inner.table(schema, table).await?;
        if let Some(handle) = &handle {
            self.reads.record(handle);
        }
        Ok(handle)
    }

    async fn known_columns(
        &self,
        schema: &str,
        table: &str,
    ) -> Option<arrow::datatypes::SchemaRef> {
        self.inner.known_columns(schema, table).await
    }

    async fn at_reference(&self, reference: &str) -> Option<Arc<dyn Catalog>> {
        let at = self.inner.at_reference(reference).await?;
        Some(self.reads.wrap(at))
    }

    fn has_references(&self) -> bool {
        self.inner.has_references()
    }

    fn is_view(&self, schema: &str, table: &str) -> bool {
        self.inner.is_view(schema, table)
    }
}

/// Whether `statement` calls a function of the session or the clock.
fn reads_session(statement: &Statement) -> bool {
    let found = visit_expressions(statement, |expr| match expr {
        Expr::Function(f) => {
            let name = f
                .name
                .0
                .last()
                .and_then(|part| part.as_ident())
                .map(|ident| ident.value.to_ascii_lowercase());
            match name {
                Some(name) if SESSION_FUNCTIONS.contains(&name.as_str()) => ControlFlow::Break(()),
                _ => ControlFlow::Continue(()),
            }
        }
        _ => ControlFlow::Continue(()),
    });
    found.is_break()
}

/// A kept answer.
#[derive(Debug)]
struct Answer {
    schema: SchemaRef,
    batches: Vec<RecordBatch>,
    bytes: usize,
}

/// The answers kept, weighed by their Arrow memory.
#[derive(Debug, Clone)]
pub struct ResultCache {
    answers: Cache<Key, Arc<Answer>>,
    /// The largest answer kept.
    largest: usize,
}

impl ResultCache {
    /// A cache of `bytes` of answers; `None` for 0 (no cache).
    pub fn new(bytes: u64) -> Option<Self> {
        if bytes == 0 {
            return None;
        }
        let answers = Cache::builder()
            .max_capacity(bytes)
            .weigher(|_: &Key, answer: &Arc<Answer>| {
                u32::try_from(answer.bytes).unwrap_or(u32::MAX)
            })
            .build();
        Some(Self {
            answers,
            largest: usize::try_from(bytes / LARGEST_SHARE).unwrap_or(usize::MAX),
        })
    }

    /// The answer kept under `key`, as a stream.
    pub fn get(&self, key: &Key) -> Option<SendableRecordBatchStream> {
        let answer = self.answers.get(key)?;
        let stream =
            MemoryStream::try_new(answer.batches.clone(), Arc::clone(&answer.schema), None).ok()?;
        Some(Box::pin(stream))
    }

    /// Whether an answer is kept under `key`.
    pub fn holds(&self, key: &Key) -> bool {
        self.answers.contains_key(key)
    }

    /// `stream`, whose answer is kept under `key` once it ends, if it is small enough and
    /// its engines `read` the key's snapshots.
    pub fn fill(
        &self,
        key: Key,
        read: Reads,
        stream: SendableRecordBatchStream,
    ) -> SendableRecordBatchStream {
        Box::pin(Filling {
            inner: stream,
            cache: self.clone(),
            pending: Some(Pending {
                key,
                read,
                batches: Vec::new(),
                bytes: 0,
            }),
        })
    }

    /// Arrow bytes kept now.
    pub fn bytes(&self) -> u64 {
        self.answers.run_pending_tasks();
        self.answers.weighted_size()
    }

    /// Answers kept now.
    pub fn entries(&self) -> u64 {
        self.answers.entry_count()
    }
}

struct Pending {
    key: Key,
    read: Reads,
    batches: Vec<RecordBatch>,
    bytes: usize,
}

/// A result stream whose batches are also kept, until they would be too many.
struct Filling {
    inner: SendableRecordBatchStream,
    cache: ResultCache,
    pending: Option<Pending>,
}

impl Stream for Filling {
    type Item = Result<RecordBatch>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let polled = self.inner.as_mut().poll_next(cx);
        match &polled {
            Poll::Ready(Some(Ok(batch))) => {
                let largest = self.cache.largest;
                if let Some(pending) = &mut self.pending {
                    pending.bytes += batch.get_array_memory_size();
                    pending.batches.push(batch.clone());
                    if pending.bytes > largest {
                        // Too big to keep: it streams on, and nothing more is held.
                        self.pending = None;
                    }
                }
            }
            Poll::Ready(None) => {
                // An engine that read another snapshot than the route's (a commit between the
                // two) answered for another key.
                let pending = self
                    .pending
                    .take()
                    .filter(|pending| pending.read.are(&pending.key.snapshots));
                if let Some(pending) = pending {
                    let answer = Answer {
                        schema: self.inner.schema(),
                        batches: pending.batches,
                        bytes: pending.bytes,
                    };
                    self.cache.answers.insert(pending.key, Arc::new(answer));
                }
            }
            // A failed statement's partial answer is no answer.
            Poll::Ready(Some(Err(_))) => self.pending = None,
            Poll::Pending => {}
        }
        polled
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.inner.size_hint()
    }
}

impl RecordBatchStream for Filling {
    fn schema(&self) -> SchemaRef {
        self.inner.schema()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sqlparser::dialect::PostgreSqlDialect;
    use sqlparser::parser::Parser;

    fn statement(sql: &str) -> Statement {
        Parser::parse_sql(&PostgreSqlDialect {}, sql)
            .expect("parses")
            .remove(0)
    }

    #[test]
    fn the_session_and_the_clock_are_not_kept() {
        for sql in [
            "select * from t where ts > now() - interval '1 hour'",
            "select current_timestamp",
            "select random() from t",
            "select current_user, count(*) from t group by 1",
            "select x from t where d = current_date",
            "select pg_catalog.now()",
        ] {
            assert!(reads_session(&statement(sql)), "{sql}");
        }
        for sql in [
            "select ward, count(*) from t group by 1",
            "select * from t where ts > '2026-01-01'::timestamptz",
        ] {
            assert!(!reads_session(&statement(sql)), "{sql}");
        }
    }
}
