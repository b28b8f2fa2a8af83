//! `[limits]`: how much the server takes on at once. Connections beyond `max_connections` are
//! refused as PostgreSQL refuses them; statements beyond `max_running` wait their turn in
//! arrival order, and one that waited `queue_timeout` gives up, so a burst of heavy
//! statements slows everyone a little instead of starving the machine or the engines' pools.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use datafusion::execution::{RecordBatchStream, SendableRecordBatchStream};
use futures::Stream;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::error::GatewayError;

/// The limits in force; [`Limits::default`] holds DESIGN.md's defaults.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Every session's `statement_timeout` until it sets its own; `None` for none.
    pub statement_timeout: Option<Duration>,
    pub max_connections: usize,
    pub max_running: usize,
    pub queue_timeout: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            statement_timeout: Some(Duration::from_secs(5 * 60)),
            max_connections: 500,
            max_running: 32,
            queue_timeout: Duration::from_secs(30),
        }
    }
}

/// Admits connections and statements within the [`Limits`].
#[derive(Debug)]
pub struct Admission {
    limits: Limits,
    /// A FIFO queue: tokio's semaphore hands permits out in the order they were asked for.
    running: Arc<Semaphore>,
    connections: Arc<AtomicUsize>,
    /// Statements waiting for a place.
    waiting: AtomicUsize,
}

impl Admission {
    pub fn new(limits: Limits) -> Self {
        Self {
            running: Arc::new(Semaphore::new(limits.max_running)),
            connections: Arc::new(AtomicUsize::new(0)),
            waiting: AtomicUsize::new(0),
            limits,
        }
    }

    /// How many statements are running now.
    pub fn running(&self) -> usize {
        self.limits
            .max_running
            .saturating_sub(self.running.available_permits())
    }

    /// How many statements wait for a place now.
    pub fn queued(&self) -> usize {
        self.waiting.load(Ordering::Relaxed)
    }

    /// How many connections are open now.
    pub fn connections(&self) -> usize {
        self.connections.load(Ordering::Relaxed)
    }

    /// Waits until no statement runs, or `deadline` passed; whether none runs.
    pub async fn drained(&self, deadline: Duration) -> bool {
        let until = tokio::time::Instant::now() + deadline;
        // Taking every permit waits for all running statements, and queued ones go first (the
        // semaphore is fair); they are dropped at once, for nothing new arrives once the
        // listeners stopped.
        let all = u32::try_from(self.limits.max_running).unwrap_or(u32::MAX);
        let everyone = Arc::clone(&self.running).acquire_many_owned(all);
        matches!(tokio::time::timeout_at(until, everyone).await, Ok(Ok(_)))
    }

    /// A connection's place, held for as long as it lives; PostgreSQL's 53300 when
    /// `max_connections` are open.
    pub fn connect(&self) -> Result<ConnectionSlot, GatewayError> {
        let max = self.limits.max_connections;
        self.connections
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |open| {
                (open < max).then_some(open + 1)
            })
            .map_err(|_| GatewayError::TooManyConnections)?;
        Ok(ConnectionSlot(Arc::clone(&self.connections)))
    }

    /// A statement's turn to run, after those that asked before it; 53300 after waiting
    /// `queue_timeout`.
    pub async fn run(&self) -> Result<RunningSlot, GatewayError> {
        let turn = Arc::clone(&self.running).acquire_owned();
        // Counted while it waits, also when the wait is abandoned (a cancel).
        self.waiting.fetch_add(1, Ordering::Relaxed);
        let _waiting = Waiting(&self.waiting);
        match tokio::time::timeout(self.limits.queue_timeout, turn).await {
            Ok(Ok(permit)) => Ok(RunningSlot { _permit: permit }),
            // The semaphore is never closed; were it, no statement could run again.
            Ok(Err(_)) | Err(_) => Err(GatewayError::QueueTimeout {
                waited: self.limits.queue_timeout,
                running: self.limits.max_running,
            }),
        }
    }
}

/// A statement waiting for its place, counted until dropped.
struct Waiting<'a>(&'a AtomicUsize);

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

/// An open connection, counted until dropped.
#[derive(Debug)]
pub struct ConnectionSlot(Arc<AtomicUsize>);

impl Drop for ConnectionSlot {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

/// A running statement's place among the `max_running`.
#[derive(Debug)]
pub struct RunningSlot {
    _permit: OwnedSemaphorePermit,
}

impl RunningSlot {
    /// `stream`, holding this place until it ends or is dropped: a statement runs for as long
    /// as its rows are produced.
    pub fn hold(self, stream: SendableRecordBatchStream) -> SendableRecordBatchStream {
        Box::pin(Holding {
            stream,
            slot: Some(self),
        })
    }
}

struct Holding {
    stream: SendableRecordBatchStream,
    slot: Option<RunningSlot>,
}

impl Stream for Holding {
    type Item = <SendableRecordBatchStream as Stream>::Item;

    fn poll_next(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Self::Item>> {
        let polled = self.stream.as_mut().poll_next(cx);
        if let std::task::Poll::Ready(None) = polled {
            // The last batch is out: the next statement need not wait for this stream's drop.
            self.slot = None;
        }
        polled
    }
}

impl RecordBatchStream for Holding {
    fn schema(&self) -> arrow::datatypes::SchemaRef {
        self.stream.schema()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits(max_connections: usize, max_running: usize, queue_ms: u64) -> Limits {
        Limits {
            statement_timeout: None,
            max_connections,
            max_running,
            queue_timeout: Duration::from_millis(queue_ms),
        }
    }

    #[test]
    fn connections_beyond_the_limit_are_refused_until_one_closes() {
        let admission = Admission::new(limits(2, 1, 10));
        let first = admission.connect().expect("first");
        let _second = admission.connect().expect("second");
        let refused = admission.connect().expect_err("third");
        assert_eq!(refused.sqlstate(), "53300");
        assert_eq!(refused.to_string(), "sorry, too many clients already");
        drop(first);
        admission.connect().expect("a place freed");
    }

    #[tokio::test]
    async fn statements_wait_their_turn_in_order_and_give_up_after_the_queue_timeout() {
        let admission = Arc::new(Admission::new(limits(10, 1, 200)));
        let running = admission.run().await.expect("first runs");
        let order = Arc::new(std::sync::Mutex::new(Vec::new()));
        let mut waiting = Vec::new();
        for i in 0..3 {
            let (admission, order) = (Arc::clone(&admission), Arc::clone(&order));
            waiting.push(tokio::spawn(async move {
                let slot = admission.run().await.expect("its turn comes");
                order.lock().expect("order").push(i);
                drop(slot);
            }));
            // Asked in this order.
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        drop(running);
        for task in waiting {
            task.await.expect("task");
        }
        assert_eq!(*order.lock().expect("order"), vec![0, 1, 2]);

        let _held = admission.run().await.expect("runs");
        let waited = admission.run().await.expect_err("waits too long");
        assert_eq!(waited.sqlstate(), "53300");
    }
}
