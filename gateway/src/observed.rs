//! A result stream that tells the router how long its statement took, once the last batch
//! is out: what the router learns its per-statement times from.

use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Instant;

use arrow::array::RecordBatch;
use arrow::datatypes::SchemaRef;
use datafusion::error::Result;
use datafusion::execution::{RecordBatchStream, SendableRecordBatchStream};
use futures::Stream;
use junction_router::Observer;

/// Passes `inner` on; when it ends without an error, reports the time since `started` and
/// the rows passed. A statement that failed, or whose reader stopped early, teaches nothing.
pub struct ObservedStream {
    inner: SendableRecordBatchStream,
    observer: Option<Observer>,
    started: Instant,
    rows: u64,
}

impl ObservedStream {
    pub fn wrap(
        inner: SendableRecordBatchStream,
        observer: Observer,
        started: Instant,
    ) -> SendableRecordBatchStream {
        Box::pin(Self {
            inner,
            observer: Some(observer),
            started,
            rows: 0,
        })
    }
}

impl Stream for ObservedStream {
    type Item = Result<RecordBatch>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let polled = self.inner.as_mut().poll_next(cx);
        match &polled {
            Poll::Ready(Some(Ok(batch))) => self.rows += batch.num_rows() as u64,
            Poll::Ready(None) => {
                if let Some(observer) = self.observer.take() {
                    observer.finish(self.started.elapsed(), self.rows);
                }
            }
            Poll::Ready(Some(Err(_))) => self.observer = None,
            _ => {}
        }
        polled
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.inner.size_hint()
    }
}

impl RecordBatchStream for ObservedStream {
    fn schema(&self) -> SchemaRef {
        self.inner.schema()
    }
}
