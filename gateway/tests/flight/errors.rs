//! Bad requests get a gRPC status that names the problem, and the server keeps serving.

use std::time::Duration;

use arrow_flight::sql::{CommandStatementUpdate, ProstMessageExt, TicketStatementQuery};
use arrow_flight::Ticket;
use prost::Message;
use tonic::Code;

use crate::client::{anonymous, authenticated, fetch, query, scalar_text, status_of};
use crate::server::Server;

#[tokio::test]
async fn sql_errors_map_to_the_design_tables_codes() {
    let server = Server::start();
    let mut client = authenticated(&server, "alice").await;
    let wide_sum = format!("select {}", vec!["1"; 100_000].join("+"));
    let wide_list = format!("select {}", vec!["1"; 1_665].join(","));
    let cases = [
        (wide_sum.as_str(), Code::InvalidArgument, "too complex"),
        (
            wide_list.as_str(),
            Code::InvalidArgument,
            "at most 1664 entries",
        ),
        ("select * from silver.nosuch", Code::NotFound, "nosuch"),
        (
            "select * from nosuch.vitals",
            Code::NotFound,
            "does not exist",
        ),
        ("selec 1", Code::InvalidArgument, "syntax error"),
        (
            "select nosuch from silver.vitals",
            Code::InvalidArgument,
            "nosuch",
        ),
        ("select 1/0", Code::InvalidArgument, "division by zero"),
        (
            "set junction.engine = 'nosuch'",
            Code::InvalidArgument,
            "nosuch",
        ),
        (
            "select 1; select 2",
            Code::InvalidArgument,
            "2 SQL statements",
        ),
        (
            "insert into silver.devices values ('d')",
            Code::FailedPrecondition,
            "read-only",
        ),
    ];
    for (sql, code, words) in cases {
        let err = query(&mut client, sql).await.expect_err(sql);
        assert_eq!(err.code(), code, "{sql}: {err}");
        assert!(err.message().contains(words), "{sql}: {err}");
        assert!(
            err.metadata().get("x-junction-sqlstate").is_some(),
            "{sql}: the SQLSTATE travels along"
        );
    }
    // An error of a statement that reached an engine names its query id, as pg's DETAIL
    // does; one the parser refused has none.
    let err = query(
        &mut client,
        "select device_id, 1 / (length(model) - length(model)) from silver.devices",
    )
    .await
    .expect_err("division by zero");
    let query_id = err
        .metadata()
        .get("x-junction-query-id")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<i64>().ok());
    assert!(query_id.is_some(), "{err:?}");
    let err = query(&mut client, "selec 1").await.expect_err("syntax");
    assert!(
        err.metadata().get("x-junction-query-id").is_none(),
        "{err:?}"
    );
    assert_eq!(
        scalar_text(&mut client, "select 'still serving'").await,
        "still serving"
    );
}

#[tokio::test]
async fn writes_and_transactions_are_refused_clearly() {
    let server = Server::start();
    let mut client = authenticated(&server, "alice").await;
    let err = client
        .execute_update("delete from silver.devices".to_owned(), None)
        .await
        .map_err(status_of)
        .expect_err("a write");
    assert_eq!(err.code(), Code::FailedPrecondition, "{err}");
    assert!(err.message().contains("read-only"), "{err}");

    let err = client
        .execute_update("select 1".to_owned(), None)
        .await
        .map_err(status_of)
        .expect_err("a query as an update");
    assert_eq!(err.code(), Code::Unimplemented, "{err}");
    assert!(err.message().contains("CommandStatementQuery"), "{err}");

    // Settings are statements without rows: they work as updates.
    let affected = client
        .execute_update("set junction.engine = 'duckdb'".to_owned(), None)
        .await
        .map_err(status_of)
        .expect("SET as an update");
    assert_eq!(affected, 0);
    assert_eq!(
        scalar_text(&mut client, "show junction.engine").await,
        "duckdb"
    );

    let err = client
        .begin_transaction()
        .await
        .map_err(status_of)
        .expect_err("no transactions");
    assert_eq!(err.code(), Code::Unimplemented, "{err}");
    assert!(err.message().contains("read-only"), "{err}");
}

fn statement_ticket(handle: &'static [u8]) -> Ticket {
    Ticket::new(
        TicketStatementQuery {
            statement_handle: bytes::Bytes::from_static(handle),
        }
        .as_any()
        .encode_to_vec(),
    )
}

#[tokio::test]
async fn tickets_are_single_use_bound_to_their_session_and_unforgeable() {
    let server = Server::start();
    let mut alice = authenticated(&server, "alice").await;
    let mut bob = authenticated(&server, "bob").await;
    let info = alice
        .execute("select 1 as one".to_owned(), None)
        .await
        .map_err(status_of)
        .expect("GetFlightInfo");
    let ticket = info.endpoint[0].ticket.clone().expect("ticket");

    let err = fetch(&mut bob, ticket.clone()).await.expect_err("foreign");
    assert_eq!(err.code(), Code::PermissionDenied, "{err}");
    let mut stranger = anonymous(&server).await;
    let err = fetch(&mut stranger, ticket.clone())
        .await
        .expect_err("no session");
    assert_eq!(err.code(), Code::PermissionDenied, "{err}");

    // The foreign attempts did not use the ticket up; its owner still can, once.
    fetch(&mut alice, ticket.clone())
        .await
        .expect("the owner's ticket");
    let err = fetch(&mut alice, ticket).await.expect_err("replayed");
    assert_eq!(err.code(), Code::NotFound, "{err}");
    assert!(err.message().contains("already used"), "{err}");

    for forged in [statement_ticket(&[0; 16]), statement_ticket(b"short")] {
        let err = fetch(&mut alice, forged).await.expect_err("forged");
        assert_eq!(err.code(), Code::NotFound, "{err}");
    }
    let err = fetch(&mut alice, Ticket::new(b"not protobuf".to_vec()))
        .await
        .expect_err("garbage");
    assert_eq!(err.code(), Code::InvalidArgument, "{err}");

    let mut forger = anonymous(&server).await;
    forger.set_token("forged-token".to_owned());
    let err = query(&mut forger, "select 1")
        .await
        .expect_err("unknown token");
    assert_eq!(err.code(), Code::Unauthenticated, "{err}");

    assert_eq!(
        scalar_text(&mut alice, "select 'still serving'").await,
        "still serving"
    );
}

#[tokio::test]
async fn tickets_expire() {
    let server = Server::start_with_config("[flight]\nticket_ttl = \"300ms\"\n");
    let mut client = authenticated(&server, "alice").await;
    let info = client
        .execute("select 1".to_owned(), None)
        .await
        .map_err(status_of)
        .expect("GetFlightInfo");
    tokio::time::sleep(Duration::from_millis(800)).await;
    let ticket = info.endpoint[0].ticket.clone().expect("ticket");
    let err = fetch(&mut client, ticket).await.expect_err("expired");
    assert_eq!(err.code(), Code::NotFound, "{err}");
    assert!(err.message().contains("expired"), "{err}");
    // A fresh ticket works at once.
    assert_eq!(scalar_text(&mut client, "select 'fresh'").await, "fresh");
}

#[tokio::test]
async fn an_update_command_without_sql_is_an_error() {
    let server = Server::start();
    let mut client = authenticated(&server, "alice").await;
    let err = client
        .execute_update(String::new(), None)
        .await
        .map_err(status_of)
        .expect_err("empty");
    assert_eq!(err.code(), Code::InvalidArgument, "{err}");
    let _ = CommandStatementUpdate::default();
}
