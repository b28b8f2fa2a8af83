//! Cancelling a query: Flight SQL's CancelQuery and Flight's CancelFlightInfo actions.

use std::time::Duration;

use arrow_flight::sql::{ActionCancelQueryRequest, ProstMessageExt};
use arrow_flight::{Action, CancelFlightInfoRequest, FlightInfo};
use futures::{StreamExt, TryStreamExt};
use prost::Message;
use tonic::Code;

use crate::client::{authenticated, fetch, query, scalar_text, status_of, Client};
use crate::server::Server;

/// A query that would run for hours unless cancelled.
const LONG: &str = "select sum(n) from generate_series(1, 100000000000) as t(n)";

fn cancel_query(info: &FlightInfo) -> Action {
    Action {
        r#type: "CancelQuery".to_owned(),
        body: ActionCancelQueryRequest {
            info: info.encode_to_vec().into(),
        }
        .as_any()
        .encode_to_vec()
        .into(),
    }
}

fn cancel_flight_info(info: &FlightInfo) -> Action {
    Action {
        r#type: "CancelFlightInfo".to_owned(),
        body: CancelFlightInfoRequest::new(info.clone())
            .encode_to_vec()
            .into(),
    }
}

async fn act(client: &mut Client, action: Action) -> Result<(), tonic::Status> {
    let results: Vec<arrow_flight::Result> = client
        .do_action(action)
        .await
        .map_err(status_of)?
        .try_collect()
        .await?;
    assert_eq!(results.len(), 1, "one result");
    Ok(())
}

#[tokio::test]
async fn cancel_stops_a_running_query_on_each_engine() {
    let server = Server::start();
    for (engine, how) in [
        ("datafusion", "CancelQuery"),
        ("duckdb", "CancelFlightInfo"),
    ] {
        let mut client = authenticated(&server, "alice").await;
        client.set_header("x-junction-engine", engine);
        let info = client
            .execute(LONG.to_owned(), None)
            .await
            .map_err(status_of)
            .expect("GetFlightInfo");
        let ticket = info.endpoint[0].ticket.clone().expect("ticket");
        let mut canceller = client.clone();
        let cancel = {
            let info = info.clone();
            async move {
                tokio::time::sleep(Duration::from_millis(500)).await;
                let action = match how {
                    "CancelQuery" => cancel_query(&info),
                    _ => cancel_flight_info(&info),
                };
                act(&mut canceller, action).await
            }
        };
        let run = async {
            let mut stream = client.do_get(ticket).await.map_err(status_of)?;
            while let Some(batch) = stream.next().await {
                batch.map_err(status_of)?;
            }
            Ok::<_, tonic::Status>(())
        };
        let (ran, cancelled) =
            tokio::time::timeout(Duration::from_secs(60), async { tokio::join!(run, cancel) })
                .await
                .expect("the cancel ends the query");
        cancelled.expect("cancel accepted");
        let err = ran.expect_err("cancelled");
        assert_eq!(err.code(), Code::Cancelled, "{engine}: {err}");
        assert!(
            err.message().contains("canceling statement"),
            "{engine}: {err}"
        );

        // Done now: another cancel finds nothing, and the session goes on.
        let err = act(&mut client, cancel_query(&info))
            .await
            .expect_err("finished");
        assert_eq!(err.code(), Code::NotFound, "{err}");
        assert_eq!(scalar_text(&mut client, "select 'next'").await, "next");
    }
}

#[tokio::test]
async fn a_query_cancelled_before_its_doget_never_runs() {
    let server = Server::start();
    let mut client = authenticated(&server, "alice").await;
    let info = client
        .execute(LONG.to_owned(), None)
        .await
        .map_err(status_of)
        .expect("GetFlightInfo");
    act(&mut client, cancel_query(&info)).await.expect("cancel");
    let ticket = info.endpoint[0].ticket.clone().expect("ticket");
    let err = fetch(&mut client, ticket).await.expect_err("cancelled");
    assert_eq!(err.code(), Code::NotFound, "{err}");

    // Another session cannot cancel this one's queries.
    let info = client
        .execute(LONG.to_owned(), None)
        .await
        .map_err(status_of)
        .expect("GetFlightInfo");
    let mut other = authenticated(&server, "mallory").await;
    let err = act(&mut other, cancel_query(&info))
        .await
        .expect_err("foreign");
    assert_eq!(err.code(), Code::NotFound, "{err}");
}

#[tokio::test]
async fn statement_timeout_ends_a_doget_with_deadline_exceeded() {
    let server = Server::start_with_config("[limits]\nstatement_timeout = \"1s\"\n");
    let mut client = authenticated(&server, "alice").await;
    for engine in ["datafusion", "duckdb"] {
        client.set_header("x-junction-engine", engine);
        let started = std::time::Instant::now();
        let err = query(&mut client, LONG).await.expect_err("times out");
        assert_eq!(err.code(), Code::DeadlineExceeded, "{engine}: {err}");
        assert_eq!(
            err.message(),
            "canceling statement due to statement timeout",
            "{engine}"
        );
        assert_eq!(
            err.metadata()
                .get("x-junction-sqlstate")
                .and_then(|v| v.to_str().ok()),
            Some("57014")
        );
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "{engine}: {:?}",
            started.elapsed()
        );
        assert_eq!(scalar_text(&mut client, "select 'next'").await, "next");
    }
    // The session's own setting overrides the configured default.
    query(&mut client, "SET statement_timeout = '50ms'")
        .await
        .expect("SET");
    let err = query(&mut client, LONG).await.expect_err("times out");
    assert_eq!(err.code(), Code::DeadlineExceeded, "{err}");
}
