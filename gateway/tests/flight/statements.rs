//! Statements through CommandStatementQuery, session controls, and streaming.

use futures::StreamExt;

use crate::client::{anonymous, authenticated, fetch_info, int64s, query, scalar_text, status_of};
use crate::server::Server;

#[tokio::test]
async fn a_query_returns_the_engines_batches() {
    let server = Server::start();
    let mut client = authenticated(&server, "alice").await;
    let info = client
        .execute(
            "select patient_id, count(*) as readings from silver.vitals \
             group by patient_id order by patient_id"
                .to_owned(),
            None,
        )
        .await
        .map_err(status_of)
        .expect("GetFlightInfo");
    let schema = info.clone().try_decode_schema().expect("a schema");
    assert_eq!(schema.field(0).name(), "patient_id");
    assert_eq!(schema.field(1).name(), "readings");
    let batches = fetch_info(&mut client, info).await.expect("DoGet");
    let rows: usize = batches.iter().map(|b| b.num_rows()).sum();
    assert_eq!(rows, 10, "one row per patient of the demo");
    assert_eq!(
        batches[0].schema().field(1).data_type(),
        &arrow::datatypes::DataType::Int64
    );
    assert_eq!(
        scalar_text(&mut client, "select current_user").await,
        "alice",
        "the handshake's user is the session's"
    );
}

#[tokio::test]
async fn set_statements_and_the_engine_header_pin_the_session() {
    let server = Server::start();
    let mut client = authenticated(&server, "alice").await;
    assert_eq!(
        scalar_text(&mut client, "show junction.engine").await,
        "auto"
    );
    query(&mut client, "SET junction.engine = 'duckdb'")
        .await
        .expect("SET through CommandStatementQuery");
    assert_eq!(
        scalar_text(&mut client, "show junction.engine").await,
        "duckdb"
    );
    query(&mut client, "select count(*) from silver.devices")
        .await
        .expect("runs");
    assert_eq!(
        scalar_text(&mut client, "show junction.last_engine").await,
        "duckdb"
    );

    // A second session keeps its own settings; the header pins it like SET does.
    let mut other = authenticated(&server, "bob").await;
    assert_eq!(
        scalar_text(&mut other, "show junction.engine").await,
        "auto"
    );
    other.set_header("x-junction-engine", "DataFusion");
    query(&mut other, "select 1").await.expect("runs");
    assert_eq!(
        scalar_text(&mut other, "show junction.last_engine").await,
        "datafusion"
    );
    other.set_header("x-junction-engine", "nosuch");
    let err = query(&mut other, "select 1")
        .await
        .expect_err("unknown engine");
    assert_eq!(err.code(), tonic::Code::InvalidArgument);
    assert!(err.message().contains("datafusion, duckdb"), "{err}");
}

#[tokio::test]
async fn a_client_without_credentials_is_given_a_session_token() {
    let server = Server::start();
    let client = anonymous(&server).await;
    let mut raw = client.inner().clone();
    let descriptor = arrow_flight::FlightDescriptor::new_cmd(prost::Message::encode_to_vec(
        &arrow_flight::sql::ProstMessageExt::as_any(&arrow_flight::sql::CommandStatementQuery {
            query: "select 1".to_owned(),
            transaction_id: None,
        }),
    ));
    let response = raw
        .get_flight_info(descriptor)
        .await
        .expect("GetFlightInfo");
    let header = response
        .metadata()
        .get("authorization")
        .expect("a new session's token")
        .to_str()
        .expect("ascii");
    let token = header.strip_prefix("Bearer ").expect("a bearer token");
    assert!(token.len() >= 43, "256 random bits: {token}");

    // The token names the session from then on.
    let mut client = anonymous(&server).await;
    client.set_token(token.to_owned());
    query(&mut client, "set junction.engine = duckdb")
        .await
        .expect("SET");
    assert_eq!(
        scalar_text(&mut client, "show junction.engine").await,
        "duckdb"
    );
}

#[tokio::test]
async fn results_stream_without_being_gathered_first() {
    let server = Server::start();
    let mut client = authenticated(&server, "alice").await;
    // A result that would take hours to produce: the first batch arrives anyway.
    let info = client
        .execute(
            "select n from generate_series(1, 1000000000000) as t(n)".to_owned(),
            None,
        )
        .await
        .map_err(status_of)
        .expect("GetFlightInfo");
    let ticket = info.endpoint[0].ticket.clone().expect("ticket");
    let mut stream = tokio::time::timeout(std::time::Duration::from_secs(60), async {
        client.do_get(ticket).await.map_err(status_of)
    })
    .await
    .expect("DoGet answers")
    .expect("DoGet");
    let first = tokio::time::timeout(std::time::Duration::from_secs(60), stream.next())
        .await
        .expect("a first batch before the end")
        .expect("a batch")
        .expect("no error");
    assert_eq!(int64s(&[first])[..3], [1, 2, 3]);
    drop(stream);
    assert_eq!(scalar_text(&mut client, "select 2").await, "2");
}
