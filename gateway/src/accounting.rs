//! A statement's account, from its start to its last row or its error: while it is open the
//! session shows as `active` in pg_stat_activity; when it closes, `/metrics` counts the
//! statement by engine and outcome and times it, and the statement log hears of it.

use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Instant;

use arrow::array::RecordBatch;
use arrow::datatypes::SchemaRef;
use datafusion::error::{DataFusionError, Result};
use datafusion::execution::{RecordBatchStream, SendableRecordBatchStream};
use futures::Stream;

use crate::activity::Busy;
use crate::metrics::{Metrics, Outcome};
use crate::session::SessionHandle;
use crate::statement_log::{Ended, StatementLog};

/// What a statement did, for its account: whether the router ran it (else junction
/// answered it itself).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Routed,
    Gateway,
}

/// An open statement account. Dropped without [`Account::close`] (the statement's future
/// was dropped: a cancel, the client gone), it closes as cancelled or dropped.
pub struct Account<S: SessionHandle> {
    busy: Busy<S>,
    /// The statement's span: its work on the workers runs in it, and its end is logged in
    /// it, with the query id, engine and route once known.
    span: tracing::Span,
    metrics: Metrics,
    log: StatementLog,
    kind: Kind,
    started: Instant,
    /// Rows handed to the client so far.
    rows: u64,
    closed: bool,
}

impl<S: SessionHandle> Account<S> {
    pub fn open(session: S, metrics: &Metrics, log: &StatementLog, kind: Kind) -> Self {
        let span = {
            let s = session.session();
            tracing::info_span!(
                target: "junction::statement",
                "statement",
                pid = s.backend_pid,
                user = %s.user,
                frontend = s.origin.frontend.as_str(),
                query_id = tracing::field::Empty,
                engine = tracing::field::Empty,
                route = tracing::field::Empty,
            )
        };
        Self {
            span,
            busy: Busy::start(session),
            metrics: metrics.clone(),
            log: log.clone(),
            kind,
            started: Instant::now(),
            rows: 0,
            closed: false,
        }
    }

    pub fn span(&self) -> &tracing::Span {
        &self.span
    }

    /// Closes the account: the statement ended with `outcome`.
    pub fn close(mut self, outcome: Outcome) {
        self.record(outcome);
    }

    fn record(&mut self, outcome: Outcome) {
        self.closed = true;
        let took = self.started.elapsed();
        let session = self.busy.session();
        let (engine, query_id, route) = {
            let activity = session.activity();
            (activity.engine(), activity.query_id(), activity.route())
        };
        // The engine label: the engine that ran the statement, `none` for a routed
        // statement that failed before one did, `gateway` for what junction answers itself.
        let engine = match (self.kind, engine) {
            (_, Some(engine)) => engine,
            (Kind::Routed, None) => "none",
            (Kind::Gateway, None) => "gateway",
        };
        self.metrics
            .statement(session.origin.frontend, engine, outcome, took);
        if let Some(query_id) = query_id {
            self.span.record("query_id", query_id);
        }
        if let Some(route) = route {
            self.span.record("route", route);
        }
        self.span.record("engine", engine);
        let ended = Ended {
            engine,
            query_id,
            outcome,
            rows: self.rows,
            took,
        };
        self.span.in_scope(|| self.log.ended(session, &ended));
    }

    /// How a statement that stopped before its end ended.
    fn interrupted(&self) -> Outcome<'static> {
        if self.busy.session().statement_cancelled() {
            Outcome::Sqlstate("57014")
        } else {
            Outcome::Dropped
        }
    }

    /// `stream`, closing the account when its last batch is out, at its error, or when it
    /// is dropped before either (the reader stopped, or the statement was cancelled).
    pub fn stream(self, stream: SendableRecordBatchStream) -> SendableRecordBatchStream
    where
        S: Unpin,
    {
        Box::pin(Accounted {
            inner: stream,
            account: Some(self),
        })
    }
}

impl<S: SessionHandle> Drop for Account<S> {
    fn drop(&mut self) {
        if !self.closed {
            let outcome = self.interrupted();
            self.record(outcome);
        }
    }
}

/// A statement's result stream; its account closes at the end or the error, and with the
/// stream when it is dropped before either.
struct Accounted<S: SessionHandle> {
    inner: SendableRecordBatchStream,
    account: Option<Account<S>>,
}

impl<S: SessionHandle + Unpin> Stream for Accounted<S> {
    type Item = Result<RecordBatch>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let polled = self.inner.as_mut().poll_next(cx);
        match polled {
            Poll::Ready(Some(Ok(batch))) => {
                if let Some(account) = &mut self.account {
                    account.rows += batch.num_rows() as u64;
                    let frontend = account.busy.session().origin.frontend;
                    account
                        .metrics
                        .sent(frontend, batch.num_rows(), batch.get_array_memory_size());
                }
                Poll::Ready(Some(Ok(batch)))
            }
            Poll::Ready(Some(Err(e))) => {
                // The SQLSTATE is read from the error the client will hear, which is then
                // passed on as it is.
                let error = crate::workers::stream_error(e);
                if let Some(account) = self.account.take() {
                    account.close(Outcome::Sqlstate(error.sqlstate()));
                }
                Poll::Ready(Some(Err(DataFusionError::External(Box::new(error)))))
            }
            Poll::Ready(None) => {
                if let Some(account) = self.account.take() {
                    account.close(Outcome::Sqlstate("00000"));
                }
                Poll::Ready(None)
            }
            Poll::Pending => Poll::Pending,
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.inner.size_hint()
    }
}

impl<S: SessionHandle + Unpin> RecordBatchStream for Accounted<S> {
    fn schema(&self) -> SchemaRef {
        self.inner.schema()
    }
}
