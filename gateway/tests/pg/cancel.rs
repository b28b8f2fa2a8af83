use std::time::Duration;

use tokio_postgres::NoTls;

use crate::server::{assert_usable, Server};

#[tokio::test]
async fn cancel_request_stops_a_running_query() {
    let server = Server::start();
    let client = server.connect().await;
    let token = client.cancel_token();
    // A cross join big enough to run for minutes unless cancelled.
    let query = client.simple_query(
        "select count(*) from silver.vitals a, silver.vitals b where a.heart_rate + b.heart_rate = 7",
    );
    let canceller = async {
        tokio::time::sleep(Duration::from_millis(500)).await;
        token.cancel_query(NoTls).await.expect("send cancel");
    };
    let (result, ()) = tokio::join!(query, canceller);
    let err = result.expect_err("cancelled");
    assert_eq!(err.as_db_error().expect("db error").code().code(), "57014");
    assert_usable(&client, "usable after cancel").await;
}

/// An Execute without a row limit streams: the first row of a result that would take hours
/// to produce arrives, and a cancel then ends it. (pgwire alone gathers such a result whole
/// before sending any of it; the timeout only keeps a regression from hanging the run.)
#[tokio::test]
async fn extended_results_stream_and_cancel_midway() {
    use futures::{pin_mut, TryStreamExt};

    let server = Server::start();
    let client = server.connect().await;
    let rows = client
        .query_raw(
            "select * from generate_series(1, 1000000000000) as t(n)",
            Vec::<i64>::new(),
        )
        .await
        .expect("execute");
    pin_mut!(rows);
    let first = tokio::time::timeout(Duration::from_secs(120), rows.try_next())
        .await
        .expect("the first row arrives while the query still runs")
        .expect("a row, not an error")
        .expect("a row, not the end");
    assert_eq!(first.get::<_, i64>(0), 1);

    client
        .cancel_token()
        .cancel_query(NoTls)
        .await
        .expect("send cancel");
    let error = loop {
        match tokio::time::timeout(Duration::from_secs(120), rows.try_next())
            .await
            .expect("the cancel ends the stream")
        {
            Ok(Some(_)) => continue,
            Ok(None) => panic!("the endless result ended without the cancel"),
            Err(e) => break e,
        }
    };
    assert_eq!(
        error.code(),
        Some(&tokio_postgres::error::SqlState::QUERY_CANCELED)
    );
    assert_usable(&client, "usable").await;
}

/// Two statements with a NOT IN filter of 50,000 items (a hundred thousand tokens, which
/// take a while to parse): one that answers at once, and one that runs for minutes.
fn slow_to_parse() -> (String, String) {
    let list: Vec<String> = (1..50_000u64)
        .map(|i| (3_000_000_000 + i).to_string())
        .collect();
    let filter = format!("x NOT IN ({})", list.join(","));
    (
        format!("select count(*) from generate_series(1, 3) as t(x) where {filter}"),
        format!(
            "select count(distinct x) from generate_series(1, 3000000000) as t(x) where {filter}"
        ),
    )
}

/// A session whose statements time out after 60 s, so that only a cancel ends one sooner.
async fn session(server: &Server) -> tokio_postgres::Client {
    let client = server.connect().await;
    client
        .batch_execute("SET statement_timeout = '60s'")
        .await
        .expect("set");
    client
}

/// The premise of a test: the server took a while over the cheap statement.
fn assert_slow(started: std::time::Instant, what: &str) {
    let took = started.elapsed();
    assert!(
        took > Duration::from_millis(100),
        "the premise: {what} takes a while ({took:?})"
    );
}

/// Sends a cancel as soon as the server has read `query` (pg_stat_activity shows its text,
/// which the server records before it parses; a fixed delay was too short on a loaded
/// machine, and a cancel before the message is read is lost, in PostgreSQL too) and checks
/// that the cancel, not the session's 60 s timeout, ended it.
async fn assert_cancelled_while_parsed<T>(
    server: &Server,
    client: &tokio_postgres::Client,
    query: impl std::future::Future<Output = Result<T, tokio_postgres::Error>>,
) {
    let token = client.cancel_token();
    let pid: i32 = client
        .query_one("select pg_backend_pid()", &[])
        .await
        .expect("pid")
        .get(0);
    let watcher = server.connect().await;
    let started = std::time::Instant::now();
    let canceller = async {
        loop {
            let read = watcher
                .query_one(
                    "select count(*) from pg_stat_activity where pid = $1 and length(query) > 10000",
                    &[&pid],
                )
                .await
                .expect("pg_stat_activity")
                .get::<_, i64>(0);
            if read == 1 {
                break;
            }
            assert!(started.elapsed() < Duration::from_secs(20), "never read");
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        token.cancel_query(NoTls).await.expect("send cancel");
    };
    let (result, ()) = tokio::join!(query, canceller);
    let Err(err) = result else {
        panic!("the statement was not cancelled")
    };
    let db = err.as_db_error().expect("db error");
    assert_eq!(db.code().code(), "57014", "{}", db.message());
    assert_eq!(db.message(), "canceling statement due to user request");
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "answered after {:?}",
        started.elapsed()
    );
    assert_usable(client, "usable after cancel").await;
}

/// A cancel applies from the moment the server has read the statement, as in PostgreSQL, not
/// only once it runs: one that arrives while the statement is still being parsed stops it.
/// (A cancel that landed before the statement started was lost, and the statement ran on for
/// minutes; under load, with parsing waiting for a worker, a cancel sent 100 ms after its
/// statement often did.)
#[tokio::test]
async fn a_cancel_while_the_statement_is_parsed_stops_it() {
    let server = Server::start();
    let client = session(&server).await;
    let (cheap, endless) = slow_to_parse();
    let started = std::time::Instant::now();
    client.simple_query(&cheap).await.expect("the cheap one");
    assert_slow(started, "parsing");
    assert_cancelled_while_parsed(&server, &client, client.simple_query(&endless)).await;
}

/// The same over the extended protocol: a cancel that arrives while a Parse is parsed and
/// described fails the Parse with 57014 (the statement never runs), as PostgreSQL's does.
#[tokio::test]
async fn a_cancel_while_a_parse_is_processed_stops_it() {
    let server = Server::start();
    let client = session(&server).await;
    let (cheap, endless) = slow_to_parse();
    let started = std::time::Instant::now();
    client.prepare(&cheap).await.expect("the cheap one");
    assert_slow(started, "a Parse");
    assert_cancelled_while_parsed(&server, &client, client.query(&endless, &[])).await;
}
