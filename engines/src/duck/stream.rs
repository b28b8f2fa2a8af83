//! One DuckDB query on a blocking thread, its chunks streamed back as Arrow batches.
//!
//! duckdb's `query_arrow` materialises the whole result and its iterator panics when a fetch
//! fails mid-stream, so chunks are fetched here one by one with `Statement::step`, which
//! reports errors. A bounded channel holds the producer back while the client reads slowly;
//! dropping the stream interrupts the query.

use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use datafusion::arrow::array::RecordBatch;
use datafusion::arrow::datatypes::{Field, Schema, SchemaRef};
use datafusion::error::DataFusionError;
use datafusion::execution::{RecordBatchStream, SendableRecordBatchStream};
use duckdb::InterruptHandle;
use futures::Stream;
use tokio::sync::{mpsc, oneshot};

use super::instance::Instance;
use super::pool::Pooled;
use crate::{with_extension, EngineError, Result};

/// Batches in flight between DuckDB's thread and the client: enough to keep both busy.
const CHANNEL_DEPTH: usize = 4;

/// Whether the query still owns its connection. An interrupt is sent only while it does:
/// once the connection is back in the pool, another query runs on it.
#[derive(Debug)]
struct Running(Mutex<bool>);

impl Running {
    fn finish(&self) {
        if let Ok(mut running) = self.0.lock() {
            *running = false;
        }
    }

    /// Interrupts the query if it still owns its connection; whether it did.
    fn interrupt_if_running(&self, handle: &InterruptHandle) -> bool {
        match self.0.lock() {
            Ok(running) if *running => {
                handle.interrupt();
                true
            }
            _ => false,
        }
    }
}

/// How often an interrupt is repeated until the query's thread lets go of its connection.
const INTERRUPT_REPEAT: std::time::Duration = std::time::Duration::from_millis(20);

/// What the query thread runs before the query itself: `USE`, view refreshes.
pub type Setup = Box<dyn FnOnce(&mut Instance) -> Result<()> + Send>;

/// Runs `sql` with `params` on `instance` and streams its result.
pub async fn run(
    mut instance: Pooled<Instance>,
    setup: Setup,
    sql: String,
    params: Vec<duckdb::types::Value>,
) -> Result<SendableRecordBatchStream> {
    let interrupt = instance.connection.interrupt_handle();
    let running = Arc::new(Running(Mutex::new(true)));
    let (schema_tx, schema_rx) = oneshot::channel::<Result<SchemaRef>>();
    let (batch_tx, batch_rx) = mpsc::channel::<Result<RecordBatch>>(CHANNEL_DEPTH);
    let thread_running = Arc::clone(&running);
    tokio::task::spawn_blocking(move || {
        produce(&mut instance, setup, &sql, params, schema_tx, &batch_tx);
        // Before the instance goes back to the pool.
        thread_running.finish();
        drop(instance);
    });
    let guard = InterruptOnDrop {
        handle: interrupt,
        running,
    };
    let schema = match schema_rx.await {
        Ok(schema) => schema?,
        Err(_) => {
            return Err(EngineError::Unavailable(
                "duckdb: the query thread ended without a result".into(),
            ))
        }
    };
    Ok(Box::pin(DuckDbStream {
        schema,
        batches: batch_rx,
        _guard: guard,
    }))
}

fn produce(
    instance: &mut Instance,
    setup: Setup,
    sql: &str,
    params: Vec<duckdb::types::Value>,
    schema_tx: oneshot::Sender<Result<SchemaRef>>,
    batch_tx: &mpsc::Sender<Result<RecordBatch>>,
) {
    if let Err(e) = setup(instance) {
        let _ = schema_tx.send(Err(e));
        return;
    }
    let mut statement = match instance.connection.prepare(sql) {
        Ok(statement) => statement,
        Err(e) => {
            let _ = schema_tx.send(Err(e.into()));
            return;
        }
    };
    let schema = match statement.stream_arrow(duckdb::params_from_iter(params)) {
        // The iterator panics on a failed fetch; only its schema is used, then `step`.
        Ok(arrow) => arrow.get_schema(),
        Err(e) => {
            let _ = schema_tx.send(Err(e.into()));
            return;
        }
    };
    let schema = json_columns_tagged(&statement, schema);
    if schema_tx.send(Ok(Arc::clone(&schema))).is_err() {
        return;
    }
    loop {
        let item = match statement.step() {
            Ok(Some(chunk)) => RecordBatch::from(&chunk)
                .with_schema(Arc::clone(&schema))
                .map_err(|e| EngineError::DataFusion(DataFusionError::from(e))),
            Ok(None) => return,
            Err(e) => Err(EngineError::from(e)),
        };
        let failed = item.is_err();
        // A closed channel means the client let go: stop fetching.
        if batch_tx.blocking_send(item).is_err() || failed {
            return;
        }
    }
}

/// `schema` with its JSON columns tagged as Arrow's canonical JSON extension, which the pg
/// front end describes as json. DuckDB exports JSON as plain strings (its lossless Arrow
/// export would also turn booleans, UUIDs and HUGEINTs into extension types).
fn json_columns_tagged(statement: &duckdb::Statement<'_>, schema: SchemaRef) -> SchemaRef {
    let json: Vec<bool> = (0..schema.fields().len())
        .map(|i| {
            i < statement.column_count()
                && statement
                    .column_logical_type(i)
                    .get_alias()
                    .is_some_and(|alias| alias.eq_ignore_ascii_case("JSON"))
        })
        .collect();
    if !json.contains(&true) {
        return schema;
    }
    let fields: Vec<Field> = schema
        .fields()
        .iter()
        .zip(json)
        .map(|(field, json)| match json {
            true => with_extension(field.as_ref().clone(), crate::JSON_EXTENSION),
            false => field.as_ref().clone(),
        })
        .collect();
    Arc::new(Schema::new_with_metadata(fields, schema.metadata().clone()))
}

/// Interrupts the query if its stream is dropped while the query still runs.
struct InterruptOnDrop {
    handle: Arc<InterruptHandle>,
    running: Arc<Running>,
}

impl Drop for InterruptOnDrop {
    fn drop(&mut self) {
        if !self.running.interrupt_if_running(&self.handle) {
            return;
        }
        // DuckDB forgets an interrupt when a query begins: one that lands while the thread
        // still runs its setup (`USE`, view DDL) or prepares would be lost, and the query
        // would run to its end (found by the load benchmark: clients hanging up under load
        // left counts running for minutes). Repeat it until the thread is done.
        let (handle, running) = (Arc::clone(&self.handle), Arc::clone(&self.running));
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(async move {
                loop {
                    tokio::time::sleep(INTERRUPT_REPEAT).await;
                    if !running.interrupt_if_running(&handle) {
                        break;
                    }
                }
            });
        }
    }
}

struct DuckDbStream {
    schema: SchemaRef,
    batches: mpsc::Receiver<Result<RecordBatch>>,
    _guard: InterruptOnDrop,
}

impl Stream for DuckDbStream {
    type Item = datafusion::error::Result<RecordBatch>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.batches
            .poll_recv(cx)
            .map(|item| item.map(|r| r.map_err(|e| DataFusionError::External(Box::new(e)))))
    }
}

impl RecordBatchStream for DuckDbStream {
    fn schema(&self) -> SchemaRef {
        Arc::clone(&self.schema)
    }
}
