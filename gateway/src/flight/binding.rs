//! A DoPut's parameter binding: the client's FlightData read into record batches.
//!
//! The bytes are the client's, and arrow-ipc's reader panics on some malformed messages (a
//! buffer said to lie beyond the message body, found by fuzz/'s flight_sql target): such a
//! panic would drop the client's connection instead of answering it. Each read is guarded,
//! and a panic is the binding's INVALID_ARGUMENT like any other unreadable binding.

use std::panic::AssertUnwindSafe;

use arrow::array::RecordBatch;
use arrow_flight::decode::FlightRecordBatchStream;
use arrow_flight::error::FlightError;
use arrow_flight::FlightData;
use futures::{FutureExt, Stream, TryStreamExt};

use crate::error::GatewayError;

/// The batches of a binding, read until its second row (a binding is one row; whatever else
/// the client sends is not read).
pub async fn read(
    data: impl Stream<Item = Result<FlightData, FlightError>> + Send + Unpin + 'static,
) -> Result<Vec<RecordBatch>, GatewayError> {
    let unreadable = |why: String| {
        GatewayError::Parameters(format!("the parameter binding cannot be read: {why}"))
    };
    let mut binding = FlightRecordBatchStream::new_from_flight_data(data);
    let mut batches = Vec::new();
    while batches.iter().map(RecordBatch::num_rows).sum::<usize>() <= 1 {
        let next = AssertUnwindSafe(binding.try_next())
            .catch_unwind()
            .await
            .map_err(|_| unreadable("a malformed Arrow IPC message".to_owned()))?
            .map_err(|e| unreadable(e.to_string()))?;
        match next {
            Some(batch) => batches.push(batch),
            None => break,
        }
    }
    Ok(batches)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The input fuzz/'s flight_sql target found: a record batch whose buffer lies past the
    /// message body, once a panic in arrow-ipc.
    #[tokio::test]
    async fn a_malformed_binding_is_an_error_not_a_panic() {
        let schema = arrow::datatypes::Schema::new(vec![arrow::datatypes::Field::new(
            "$1",
            arrow::datatypes::DataType::Int64,
            true,
        )]);
        let batch = RecordBatch::try_new(
            std::sync::Arc::new(schema),
            vec![std::sync::Arc::new(arrow::array::Int64Array::from(vec![
                42,
            ]))],
        )
        .expect("batch");
        let mut messages: Vec<FlightData> = arrow_flight::encode::FlightDataEncoderBuilder::new()
            .build(futures::stream::iter([Ok(batch)]))
            .try_collect()
            .await
            .expect("encode");
        // The batch's body cut short: its buffers now lie past its end.
        let last = messages.last_mut().expect("a batch message");
        last.data_body = last.data_body.slice(..0);
        let read = read(futures::stream::iter(messages.into_iter().map(Ok))).await;
        let err = read.expect_err("unreadable");
        assert_eq!(err.sqlstate(), "22023");
        assert!(
            err.to_string().contains("a malformed Arrow IPC message"),
            "{err}"
        );
    }
}
