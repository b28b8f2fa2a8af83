//! Why a running statement stops before its end: a cancel (a CancelRequest, or the client
//! gone) or its `statement_timeout`; both are 57014, with PostgreSQL's message for each.

use std::future::Future;
use std::time::Duration;

use tokio_util::sync::{CancellationToken, DropGuard};

use crate::error::GatewayError;

#[derive(Debug, Clone)]
pub struct Stop {
    /// Fires on any stop.
    stopped: CancellationToken,
    /// Fires first when the stop is the timeout.
    timed_out: CancellationToken,
}

impl Stop {
    pub fn new(stopped: CancellationToken) -> Self {
        Self {
            stopped,
            timed_out: CancellationToken::new(),
        }
    }

    /// Stops the statement as a cancel request does.
    pub fn cancel(&self) {
        self.stopped.cancel();
    }

    /// Stops the statement for having run past its timeout.
    pub fn time_out(&self) {
        self.timed_out.cancel();
        self.stopped.cancel();
    }

    /// Stops the statement as a cancel does when `cancelled` resolves (a cancel request, a
    /// client gone), or for its timeout once `timeout` has passed; the watch ends when the
    /// returned guard is dropped (the statement ended first).
    pub fn watch(
        &self,
        cancelled: impl Future<Output = ()> + Send + 'static,
        timeout: Option<Duration>,
    ) -> DropGuard {
        let watching = CancellationToken::new();
        let (stop, ended) = (self.clone(), watching.clone());
        tokio::spawn(async move {
            let expired = async {
                match timeout {
                    Some(timeout) => tokio::time::sleep(timeout).await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                () = ended.cancelled() => {}
                () = stop.stopped.cancelled() => {}
                () = cancelled => stop.cancel(),
                () = expired => stop.time_out(),
            }
        });
        watching.drop_guard()
    }

    /// Resolves when the statement is stopped, with the error the client hears.
    pub async fn stopped(&self) -> GatewayError {
        self.stopped.cancelled().await;
        if self.timed_out.is_cancelled() {
            GatewayError::StatementTimeout
        } else {
            GatewayError::Cancelled
        }
    }
}
