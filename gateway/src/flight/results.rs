//! DoGet responses: record batches encoded as Flight IPC messages as they arrive, never
//! collected, and stopped by a cancel.

use std::pin::Pin;
use std::sync::Arc;

use arrow::array::RecordBatch;
use arrow::datatypes::SchemaRef;
use arrow_flight::encode::FlightDataEncoderBuilder;
use arrow_flight::error::FlightError;
use arrow_flight::FlightData;
use datafusion::error::DataFusionError;
use datafusion::execution::SendableRecordBatchStream;
use datafusion::physical_plan::stream::RecordBatchStreamAdapter;
use futures::{Stream, StreamExt, TryStreamExt};
use tokio_util::sync::DropGuard;
use tonic::Status;

use super::status::statement_status;
use super::tickets::RunningGuard;
use crate::stop::Stop;

pub type FlightDataStream = Pin<Box<dyn Stream<Item = Result<FlightData, Status>> + Send>>;

/// `batches` IPC-encoded; the schema goes first, also when no batch follows.
fn encode(
    schema: SchemaRef,
    batches: impl Stream<Item = Result<RecordBatch, FlightError>> + Send + 'static,
) -> FlightDataStream {
    Box::pin(
        FlightDataEncoderBuilder::new()
            .with_schema(schema)
            .build(batches)
            .map_err(Status::from),
    )
}

/// One batch (a metadata answer) as a Flight stream.
pub fn one_batch(batch: RecordBatch) -> FlightDataStream {
    encode(batch.schema(), futures::stream::once(async { Ok(batch) }))
}

/// `batches` under `announced`, the schema GetFlightInfo promised: clients such as ADBC
/// refuse a stream whose schema differs even in nullability. Planning for the description
/// and for the run can disagree in such details (or in a type, when the run fell back to
/// another engine); equal columns pass untouched, others are cast, and a null in a column
/// announced as non-null is an error rather than a silent relabel.
pub fn conformed(
    batches: SendableRecordBatchStream,
    announced: SchemaRef,
) -> SendableRecordBatchStream {
    if batches.schema() == announced {
        return batches;
    }
    let schema = Arc::clone(&announced);
    Box::pin(RecordBatchStreamAdapter::new(
        schema,
        batches.map(move |batch| {
            let batch = batch?;
            if batch.num_columns() != announced.fields().len() {
                return Err(DataFusionError::Execution(format!(
                    "the query returned {} columns where {} were described",
                    batch.num_columns(),
                    announced.fields().len()
                )));
            }
            let columns = batch
                .columns()
                .iter()
                .zip(announced.fields())
                .map(|(column, field)| {
                    if column.data_type() == field.data_type() {
                        Ok(Arc::clone(column))
                    } else {
                        arrow::compute::cast(column, field.data_type())
                    }
                })
                .collect::<Result<Vec<_>, _>>()?;
            Ok(RecordBatch::try_new(Arc::clone(&announced), columns)?)
        }),
    ))
}

/// What a statement's stream holds while its batches flow.
pub struct Running {
    pub stop: Stop,
    /// The statement's query id, for its errors.
    pub query_id: Option<i64>,
    /// Watches `statement_timeout` until dropped.
    pub _expiry: Option<DropGuard>,
    /// Keeps the ticket registered as running (so it can be cancelled).
    pub _ticket: Option<RunningGuard>,
}

struct Streaming {
    batches: SendableRecordBatchStream,
    running: Running,
    done: bool,
}

/// `batches` as a Flight stream that ends with a CANCELLED status at a cancel, and with
/// DEADLINE_EXCEEDED at the statement's timeout.
pub fn streaming(batches: SendableRecordBatchStream, running: Running) -> FlightDataStream {
    let schema = batches.schema();
    let state = Streaming {
        batches,
        running,
        done: false,
    };
    let batches = futures::stream::unfold(state, |mut state| async move {
        if state.done {
            return None;
        }
        let item = tokio::select! {
            biased;
            e = state.running.stop.stopped() => Some(Err(e)),
            item = state.batches.next() => item.map(|batch| {
                batch.map_err(crate::workers::stream_error)
            }),
        };
        match item {
            None => None,
            Some(Ok(batch)) => Some((Ok(batch), state)),
            Some(Err(e)) => {
                state.done = true;
                let status = statement_status(&e, state.running.query_id);
                Some((Err(FlightError::Tonic(Box::new(status))), state))
            }
        }
    });
    encode(schema, batches)
}

#[cfg(test)]
mod tests {
    use arrow::array::{Int32Array, Int64Array};
    use arrow::datatypes::{DataType, Field, Schema};
    use datafusion::physical_plan::memory::MemoryStream;
    use futures::TryStreamExt;

    use super::*;

    fn stream(batch: RecordBatch) -> SendableRecordBatchStream {
        let schema = batch.schema();
        Box::pin(MemoryStream::try_new(vec![batch], schema, None).expect("stream"))
    }

    #[tokio::test]
    async fn batches_take_the_announced_schema() {
        let ran = RecordBatch::try_new(
            Arc::new(Schema::new(vec![Field::new("n", DataType::Int32, false)])),
            vec![Arc::new(Int32Array::from(vec![1, 2]))],
        )
        .expect("batch");
        let announced = Arc::new(Schema::new(vec![Field::new("n", DataType::Int64, true)]));
        let out: Vec<RecordBatch> = conformed(stream(ran), Arc::clone(&announced))
            .try_collect()
            .await
            .expect("conforms");
        assert_eq!(out[0].schema(), announced);
        let expected: arrow::array::ArrayRef = Arc::new(Int64Array::from(vec![1, 2]));
        assert_eq!(out[0].column(0), &expected);
    }

    #[tokio::test]
    async fn a_null_where_none_was_announced_is_an_error() {
        let ran = RecordBatch::try_new(
            Arc::new(Schema::new(vec![Field::new("n", DataType::Int32, true)])),
            vec![Arc::new(Int32Array::from(vec![Some(1), None]))],
        )
        .expect("batch");
        let announced = Arc::new(Schema::new(vec![Field::new("n", DataType::Int32, false)]));
        let out: Result<Vec<RecordBatch>, _> =
            conformed(stream(ran), announced).try_collect().await;
        assert!(out.is_err());
    }
}
