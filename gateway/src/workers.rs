//! Where statements run: a runtime of their own, away from the threads that serve sockets.
//!
//! Routing, planning and the engines' work all happen on the workers, and the parsing of any
//! statement longer than a few KiB (a short one is parsed where it arrives: the hand-off
//! would cost more), so a statement that computes for a minute, or recurses deep into a wide
//! expression, cannot keep another session's `select 1` (or the signal handler) from being
//! served. Their threads have a big stack: a statement's analysis recurses as deep as its
//! expressions are wide, up to the bound the transpiler puts on them. A statement's task is
//! aborted when whoever waits for it lets go (a cancel, a client that went away); one that
//! panics answers an error and ends only itself.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use arrow::array::RecordBatch;
use arrow::datatypes::SchemaRef;
use datafusion::error::DataFusionError;
use datafusion::execution::{RecordBatchStream, SendableRecordBatchStream};
use futures::{Stream, StreamExt};
use tokio::runtime::{Handle, Runtime};
use tokio::sync::mpsc;
use tokio::task::{JoinError, JoinHandle};

use crate::error::GatewayError;

/// Each worker thread's stack. Only what a statement touches is ever committed; the size
/// bounds how deep analysis may recurse (see `junction_transpiler::MAX_OPERATORS`).
const WORKER_STACK: usize = 64 << 20;

/// Batches in flight between a statement's task and the connection sending them.
const BATCHES_IN_FLIGHT: usize = 2;

/// The statement runtime; dropping it stops whatever still runs there.
#[derive(Debug)]
pub struct Workers {
    runtime: Option<Runtime>,
    handle: Handle,
}

impl Workers {
    /// A runtime with `threads` worker threads (at least one).
    pub fn new(threads: usize) -> std::io::Result<Self> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(threads.max(1))
            .thread_name("junction-statement")
            .thread_stack_size(WORKER_STACK)
            .enable_all()
            .build()?;
        Ok(Self {
            handle: runtime.handle().clone(),
            runtime: Some(runtime),
        })
    }

    /// What puts work on these workers.
    pub fn spawner(&self) -> Spawner {
        Spawner {
            handle: self.handle.clone(),
        }
    }
}

/// Puts statements on the [`Workers`].
#[derive(Debug, Clone)]
pub struct Spawner {
    handle: Handle,
}

impl Spawner {
    /// Runs `work` on the workers and waits for it. Dropping the returned future aborts the
    /// work; a panic in it is an internal error.
    pub async fn run<T, F>(&self, work: F) -> Result<T, GatewayError>
    where
        F: Future<Output = Result<T, GatewayError>> + Send + 'static,
        T: Send + 'static,
    {
        let task = AbortOnDrop(self.handle.spawn(work));
        task.await
    }

    /// `stream` polled on the workers, its batches handed over as they come. Dropping the
    /// returned stream aborts the polling task, and with it the engine's work.
    pub fn stream(&self, mut stream: SendableRecordBatchStream) -> SendableRecordBatchStream {
        let schema = stream.schema();
        let (tx, rx) = mpsc::channel(BATCHES_IN_FLIGHT);
        let task = self.handle.spawn(async move {
            loop {
                let next = tokio::select! {
                    // The receiver let go: stop now rather than at the next batch.
                    () = tx.closed() => return,
                    next = stream.next() => next,
                };
                let Some(item) = next else { return };
                let failed = item.is_err();
                if tx.send(item).await.is_err() || failed {
                    return;
                }
            }
        });
        Box::pin(Handed {
            schema,
            batches: rx,
            task: AbortOnDrop(task),
            finished: false,
        })
    }
}

impl Drop for Workers {
    fn drop(&mut self) {
        // A statement that never yields must not hold the process up as it ends.
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

/// A task that is aborted when its handle is dropped.
struct AbortOnDrop<T>(JoinHandle<T>);

impl<T> Drop for AbortOnDrop<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
}

impl<T> Future for AbortOnDrop<Result<T, GatewayError>> {
    type Output = Result<T, GatewayError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        Pin::new(&mut self.0)
            .poll(cx)
            .map(|joined| joined.unwrap_or_else(|e| Err(ended(e))))
    }
}

/// What a statement task that ended without an answer tells the client.
fn ended(e: JoinError) -> GatewayError {
    if e.is_panic() {
        panicked(e.into_panic())
    } else {
        GatewayError::Cancelled
    }
}

/// The error for a statement's work that panicked with `payload`, which is logged.
pub(crate) fn panicked(payload: Box<dyn std::any::Any + Send>) -> GatewayError {
    let message = panic_message(payload);
    tracing::error!(panic = %message, "a statement panicked");
    GatewayError::Panicked(message)
}

fn panic_message(payload: Box<dyn std::any::Any + Send>) -> String {
    match payload.downcast::<String>() {
        Ok(s) => *s,
        Err(payload) => payload
            .downcast_ref::<&str>()
            .map_or_else(|| "(no message)".to_owned(), |s| (*s).to_owned()),
    }
}

/// The error a handed-over stream's item carries, as the gateway error it was (a panic, a
/// cancel) or the engine's.
pub fn stream_error(e: DataFusionError) -> GatewayError {
    match e {
        DataFusionError::External(inner) => match inner.downcast::<GatewayError>() {
            Ok(gateway) => *gateway,
            Err(inner) => GatewayError::Engine(DataFusionError::External(inner).into()),
        },
        e => GatewayError::Engine(e.into()),
    }
}

/// The connection's end of [`Spawner::stream`].
struct Handed {
    schema: SchemaRef,
    batches: mpsc::Receiver<datafusion::error::Result<RecordBatch>>,
    task: AbortOnDrop<()>,
    finished: bool,
}

impl Stream for Handed {
    type Item = datafusion::error::Result<RecordBatch>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if self.finished {
            return Poll::Ready(None);
        }
        match self.batches.poll_recv(cx) {
            Poll::Ready(Some(item)) => Poll::Ready(Some(item)),
            Poll::Pending => Poll::Pending,
            // The task ended: its last word, if it panicked, is an error rather than a
            // silently short result.
            Poll::Ready(None) => match Pin::new(&mut self.task.0).poll(cx) {
                Poll::Pending => Poll::Pending,
                Poll::Ready(joined) => {
                    self.finished = true;
                    match joined {
                        Ok(()) => Poll::Ready(None),
                        Err(e) => {
                            Poll::Ready(Some(Err(DataFusionError::External(Box::new(ended(e))))))
                        }
                    }
                }
            },
        }
    }
}

impl RecordBatchStream for Handed {
    fn schema(&self) -> SchemaRef {
        SchemaRef::clone(&self.schema)
    }
}
