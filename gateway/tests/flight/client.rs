//! Flight SQL clients of a test server, and reading their answers.

use arrow::array::{Array, AsArray, RecordBatch};
use arrow::datatypes::Int64Type;
use arrow_flight::error::FlightError;
use arrow_flight::sql::client::FlightSqlServiceClient;
use arrow_flight::{FlightInfo, Ticket};
use futures::TryStreamExt;
use tonic::transport::{Channel, Endpoint};

use crate::server::Server;

pub type Client = FlightSqlServiceClient<Channel>;

async fn channel(server: &Server) -> Channel {
    Endpoint::from_shared(format!("http://127.0.0.1:{}", server.flight_port))
        .expect("endpoint")
        .connect()
        .await
        .expect("connect to junction's Flight SQL port")
}

/// A client that made no handshake: it carries no credentials.
pub async fn anonymous(server: &Server) -> Client {
    FlightSqlServiceClient::new(channel(server).await)
}

/// A client that authenticated with Basic credentials and now carries its bearer token.
pub async fn authenticated(server: &Server, user: &str) -> Client {
    let mut client = anonymous(server).await;
    client.handshake(user, "secret").await.expect("handshake");
    assert!(client.token().is_some(), "the handshake set a bearer token");
    client
}

/// Every batch of the ticket's stream.
pub async fn fetch(client: &mut Client, ticket: Ticket) -> Result<Vec<RecordBatch>, tonic::Status> {
    let stream = client.do_get(ticket).await.map_err(status_of)?;
    stream.try_collect().await.map_err(status_of)
}

/// Every batch of every endpoint of `info`.
pub async fn fetch_info(
    client: &mut Client,
    info: FlightInfo,
) -> Result<Vec<RecordBatch>, tonic::Status> {
    let mut batches = Vec::new();
    for endpoint in info.endpoint {
        let ticket = endpoint.ticket.expect("every endpoint has a ticket");
        batches.extend(fetch(client, ticket).await?);
    }
    Ok(batches)
}

/// The rows of `sql`.
pub async fn query(client: &mut Client, sql: &str) -> Result<Vec<RecordBatch>, tonic::Status> {
    let info = client
        .execute(sql.to_owned(), None)
        .await
        .map_err(status_of)?;
    fetch_info(client, info).await
}

/// The one text value of a one-row, one-column answer.
pub async fn scalar_text(client: &mut Client, sql: &str) -> String {
    let batches = query(client, sql).await.expect(sql);
    let batch = batches.iter().find(|b| b.num_rows() > 0).expect("a row");
    let column = arrow::compute::cast(batch.column(0), &arrow::datatypes::DataType::Utf8)
        .expect("castable to text");
    column.as_string::<i32>().value(0).to_owned()
}

/// The int8 values of the first column of `batches`.
pub fn int64s(batches: &[RecordBatch]) -> Vec<i64> {
    batches
        .iter()
        .flat_map(|b| {
            let column = b.column(0).as_primitive::<Int64Type>();
            (0..column.len())
                .map(|i| column.value(i))
                .collect::<Vec<_>>()
        })
        .collect()
}

/// The text values of column `i` of `batches`.
pub fn strings(batches: &[RecordBatch], i: usize) -> Vec<String> {
    batches
        .iter()
        .flat_map(|b| {
            let column = arrow::compute::cast(b.column(i), &arrow::datatypes::DataType::Utf8)
                .expect("castable to text");
            let column = column.as_string::<i32>();
            (0..column.len())
                .map(|i| column.value(i).to_owned())
                .collect::<Vec<_>>()
        })
        .collect()
}

/// The gRPC status of an arrow-flight client error.
pub fn status_of(e: FlightError) -> tonic::Status {
    match e {
        FlightError::Tonic(status) => *status,
        other => tonic::Status::unknown(other.to_string()),
    }
}
