//! DoGet responses: record batches encoded as Flight IPC messages as they arrive, never
//! collected, and stopped by a cancel.

use std::pin::Pin;

use arrow::array::RecordBatch;
use arrow_flight::encode::FlightDataEncoderBuilder;
use arrow_flight::error::FlightError;
use arrow_flight::FlightData;
use datafusion::execution::SendableRecordBatchStream;
use futures::{Stream, StreamExt, TryStreamExt};
use junction_engines::EngineError;
use tokio_util::sync::CancellationToken;
use tonic::Status;

use super::status::to_status;
use super::tickets::RunningGuard;
use crate::error::GatewayError;

pub type FlightDataStream = Pin<Box<dyn Stream<Item = Result<FlightData, Status>> + Send>>;

/// One batch (a metadata answer) as a Flight stream.
pub fn one_batch(batch: RecordBatch) -> FlightDataStream {
    let schema = batch.schema();
    Box::pin(
        FlightDataEncoderBuilder::new()
            .with_schema(schema)
            .build(futures::stream::once(async { Ok(batch) }))
            .map_err(Status::from),
    )
}

struct Streaming {
    batches: SendableRecordBatchStream,
    cancel: CancellationToken,
    /// Keeps the ticket registered as running (so it can be cancelled) while this lives.
    _running: Option<RunningGuard>,
    done: bool,
}

/// `batches` as a Flight stream that ends with a CANCELLED status when `cancel` fires.
pub fn streaming(
    batches: SendableRecordBatchStream,
    cancel: CancellationToken,
    running: Option<RunningGuard>,
) -> FlightDataStream {
    let schema = batches.schema();
    let state = Streaming {
        batches,
        cancel,
        _running: running,
        done: false,
    };
    let batches = futures::stream::unfold(state, |mut state| async move {
        if state.done {
            return None;
        }
        let item = tokio::select! {
            biased;
            () = state.cancel.cancelled() => Some(Err(GatewayError::Cancelled)),
            item = state.batches.next() => item.map(|batch| {
                batch.map_err(|e| GatewayError::Engine(EngineError::from(e)))
            }),
        };
        match item {
            None => None,
            Some(Ok(batch)) => Some((Ok(batch), state)),
            Some(Err(e)) => {
                state.done = true;
                Some((Err(FlightError::Tonic(Box::new(to_status(&e)))), state))
            }
        }
    });
    Box::pin(
        FlightDataEncoderBuilder::new()
            .with_schema(schema)
            .build(batches)
            .map_err(Status::from),
    )
}
