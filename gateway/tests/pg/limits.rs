//! `[limits]`: the configured `statement_timeout` is every session's default, connections
//! beyond `max_connections` are refused as PostgreSQL refuses them, and statements beyond
//! `max_running` wait their turn and give up after `queue_timeout`; `query_memory` bounds
//! each statement on every engine, `server_memory` the server.

use std::time::{Duration, Instant};

use junction_conformance::peers::connect;
use tokio_postgres::{Client, NoTls, SimpleQueryMessage};

use crate::server::{assert_usable, Server};

/// Runs for minutes on either engine unless stopped.
const LONG: &str = "select count(distinct x) from generate_series(1, 3000000000) as t(x)";

async fn show(client: &Client, name: &str) -> String {
    let messages = client
        .simple_query(&format!("SHOW {name}"))
        .await
        .expect("SHOW");
    messages
        .iter()
        .find_map(|m| match m {
            SimpleQueryMessage::Row(row) => row.get(0).map(str::to_owned),
            _ => None,
        })
        .expect("a row")
}

#[tokio::test]
async fn the_configured_statement_timeout_is_every_sessions_default() {
    let server = Server::start_with_config("[limits]\nstatement_timeout = \"1s\"\n");
    let client = server.connect().await;
    assert_eq!(show(&client, "statement_timeout").await, "1s");
    for engine in ["datafusion", "duckdb"] {
        client
            .batch_execute(&format!("set junction.engine = '{engine}'"))
            .await
            .expect("engine");
        let started = Instant::now();
        let err = client.simple_query(LONG).await.expect_err(engine);
        let db = err.as_db_error().expect("a server error");
        assert_eq!(db.code().code(), "57014", "{engine}");
        assert_eq!(db.message(), "canceling statement due to statement timeout");
        assert!(started.elapsed() < Duration::from_secs(10), "{engine}");
    }
    client
        .batch_execute("SET statement_timeout = 0")
        .await
        .expect("set");
    assert_eq!(show(&client, "statement_timeout").await, "0");
    client
        .batch_execute("RESET statement_timeout")
        .await
        .expect("reset");
    assert_eq!(show(&client, "statement_timeout").await, "1s");
}

#[tokio::test]
async fn no_statement_timeout_is_the_default_of_pg_without_one_configured() {
    let server = Server::start_with_config("[limits]\nstatement_timeout = \"0\"\n");
    let client = server.connect().await;
    assert_eq!(show(&client, "statement_timeout").await, "0");
    let server = Server::start();
    let client = server.connect().await;
    assert_eq!(show(&client, "statement_timeout").await, "5min");
}

#[tokio::test]
async fn connections_beyond_max_connections_are_refused_with_53300() {
    let server = Server::start_with_config("[limits]\nmax_connections = 2\n");
    let first = server.connect().await;
    let second = server.connect().await;
    let err = connect(server.port, "tester", "junction")
        .await
        .expect_err("a third connection is refused");
    let db = err.as_db_error().expect("a server error");
    assert_eq!(db.code().code(), "53300");
    assert_eq!(db.message(), "sorry, too many clients already");
    assert_eq!(db.severity(), "FATAL");

    // A cancel request takes no place.
    first
        .cancel_token()
        .cancel_query(NoTls)
        .await
        .expect("a cancel request is heard");
    assert_usable(&second, "the open connections go on").await;

    // A closed connection frees its place (the server notices the close a moment later).
    drop(first);
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        match connect(server.port, "tester", "junction").await {
            Ok(client) => {
                assert_usable(&client, "a freed place").await;
                break;
            }
            Err(e) if Instant::now() < deadline => {
                assert_eq!(e.as_db_error().map(|e| e.code().code()), Some("53300"));
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            Err(e) => panic!("the closed connection's place was never freed: {e}"),
        }
    }
}

#[tokio::test]
async fn statements_beyond_max_running_wait_their_turn_and_give_up_after_queue_timeout() {
    let server = Server::start_with_config("[limits]\nmax_running = 1\nqueue_timeout = \"1s\"\n");
    let busy = server.connect().await;
    let cancel = busy.cancel_token();
    let running = tokio::spawn(async move { busy.simple_query(LONG).await.map(|_| ()) });
    tokio::time::sleep(Duration::from_millis(500)).await;

    let other = server.connect().await;
    // Settings are no statements the engines run: they need no place.
    assert_eq!(show(&other, "junction.engine").await, "auto");
    let started = Instant::now();
    let err = other.simple_query("select 1").await.expect_err("no place");
    let waited = started.elapsed();
    let db = err.as_db_error().expect("a server error");
    assert_eq!(db.code().code(), "53300");
    assert!(db.message().contains("max_running"), "{}", db.message());
    assert!(
        waited >= Duration::from_millis(900) && waited < Duration::from_secs(5),
        "gave up after {waited:?}"
    );

    // A statement queued behind the long one runs once it ends.
    let queued = tokio::spawn(async move {
        let row = other.query_one("select 2", &[]).await;
        row.map(|r| r.get::<_, i32>(0))
    });
    tokio::time::sleep(Duration::from_millis(200)).await;
    cancel.cancel_query(NoTls).await.expect("cancel");
    let cancelled = running.await.expect("task").expect_err("cancelled");
    assert_eq!(
        cancelled.as_db_error().map(|e| e.code().code()),
        Some("57014")
    );
    assert_eq!(queued.await.expect("task").expect("its turn"), 2);
}

/// A join of 3 million keys needs about 100 MB for its hash table, several times the
/// 32 MB each statement may hold.
const BIG_JOIN: &str = "SELECT count(*) FROM generate_series(1, 3000000) a(x) \
     JOIN generate_series(1, 3000000) b(y) ON x = y";

async fn answer(client: &Client, sql: &str) -> Result<String, tokio_postgres::Error> {
    let messages = client.simple_query(sql).await?;
    Ok(messages
        .iter()
        .find_map(|m| match m {
            SimpleQueryMessage::Row(row) => row.get(0).map(str::to_owned),
            _ => None,
        })
        .unwrap_or_default())
}

/// The message of the 53200 `result` must be.
fn assert_out_of_memory(result: Result<String, tokio_postgres::Error>, what: &str) -> String {
    let err = result.expect_err(what);
    let db = err.as_db_error().expect("a server error");
    assert_eq!(db.code().code(), "53200", "{what}: {}", db.message());
    assert!(
        db.message().starts_with("out of memory"),
        "{}",
        db.message()
    );
    db.message().to_owned()
}

/// A session with its statements pinned to DataFusion, and another.
async fn on_datafusion_and_another(server: &Server) -> (Client, Client) {
    let client = server.connect().await;
    client
        .batch_execute("set junction.engine = 'datafusion'")
        .await
        .expect("engine");
    (client, server.connect().await)
}

#[tokio::test]
async fn query_memory_bounds_each_statement_on_every_engine() {
    let server = Server::start_with_config("[limits]\nquery_memory = \"32MB\"\n");
    let client = server.connect().await;
    let other = server.connect().await;

    // In auto the router expects DataFusion to be quicker; DataFusion fails over the limit
    // before any row is sent, and the statement runs on DuckDB, which spills.
    let route = client
        .simple_query(&format!("EXPLAIN ROUTE {BIG_JOIN}"))
        .await
        .expect("explain");
    let chosen: Vec<String> = route
        .iter()
        .filter_map(|m| match m {
            SimpleQueryMessage::Row(row) if row.get(1) == Some("t") => {
                row.get(0).map(str::to_owned)
            }
            _ => None,
        })
        .collect();
    assert_eq!(
        chosen,
        ["datafusion"],
        "the premise: DataFusion is tried first"
    );
    assert_eq!(
        answer(&client, BIG_JOIN).await.expect("falls back"),
        "3000000"
    );
    assert_eq!(show(&client, "junction.last_engine").await, "duckdb");

    // DataFusion cannot spill a hash join's build side: over the limit the statement fails.
    client
        .batch_execute("set junction.engine = 'datafusion'")
        .await
        .expect("engine");
    assert_out_of_memory(answer(&client, BIG_JOIN).await, "datafusion's join");
    assert_usable(&other, "another session").await;
    // What fits runs.
    let small = BIG_JOIN.replace("3000000", "100000");
    assert_eq!(answer(&client, &small).await.expect("fits"), "100000");

    // DuckDB spills the join to its temporary directory and answers within the limit; an
    // aggregate holding every value cannot spill, and fails.
    client
        .batch_execute("set junction.engine = 'duckdb'")
        .await
        .expect("engine");
    assert_eq!(answer(&client, BIG_JOIN).await.expect("spills"), "3000000");
    assert_out_of_memory(
        answer(
            &client,
            "SELECT cardinality(array_agg(md5(x::text))) FROM generate_series(1, 3000000) a(x)",
        )
        .await,
        "duckdb's array_agg",
    );
    assert_usable(&client, "the session after its failed statement").await;
    assert_usable(&other, "another session").await;
}

/// `[engines.datafusion] memory_limit` bounds DataFusion's statements together, also
/// without `query_memory`: a runaway statement fails alone instead of growing until the
/// kernel kills the server with every session in it.
#[tokio::test]
async fn datafusions_memory_limit_bounds_its_statements_together() {
    let server = Server::start_with_config("[engines.datafusion]\nmemory_limit = \"32MB\"\n");
    let (client, other) = on_datafusion_and_another(&server).await;
    let message = assert_out_of_memory(answer(&client, BIG_JOIN).await, "over the engine's bound");
    assert!(
        message.starts_with(
            "out of memory: DataFusion's statements together need more than \
             [engines.datafusion] memory_limit"
        ),
        "{message}"
    );
    assert_usable(&other, "another session").await;
    let small = BIG_JOIN.replace("3000000", "100000");
    assert_eq!(answer(&client, &small).await.expect("fits"), "100000");
    // In auto the statement runs where it fits.
    client
        .batch_execute("set junction.engine = 'auto'")
        .await
        .expect("engine");
    assert_eq!(
        answer(&client, BIG_JOIN).await.expect("falls back"),
        "3000000"
    );
    assert_eq!(show(&client, "junction.last_engine").await, "duckdb");
}

/// `[limits] server_memory` (by default 80% of the machine's) is the last line when nothing
/// bounds DataFusion's reservations: once the server's resident memory is past it, the
/// DataFusion statement holding the most fails with 53200 and everyone else goes on.
#[tokio::test]
async fn past_server_memory_the_statement_holding_the_most_fails_alone() {
    let server = Server::start_with_config("[limits]\nserver_memory = \"600MB\"\n");
    let (client, other) = on_datafusion_and_another(&server).await;
    let started = Instant::now();
    let message = assert_out_of_memory(answer(&client, LONG).await, "past the server's bound");
    assert!(
        message.contains("over [limits] server_memory (600 MB); this statement held the most"),
        "{message}"
    );
    // Stopped as it grew past the bound, not run to its end (minutes).
    assert!(
        started.elapsed() < Duration::from_secs(60),
        "{:?}",
        started.elapsed()
    );
    assert_usable(&other, "another session").await;
    assert_eq!(
        answer(
            &client,
            "SELECT count(distinct x) FROM generate_series(1, 100000) t(x)"
        )
        .await
        .expect("a statement of ordinary size after it"),
        "100000"
    );
}

/// SIGTERM: no new connection is accepted, a running statement goes on to its end (here its
/// own timeout, which its client hears), and the server then exits 0 without waiting out
/// its `shutdown_timeout`.
#[tokio::test]
async fn sigterm_lets_running_statements_finish_then_exits_0() {
    let mut server = Server::start_with_config("[server]\nshutdown_timeout = \"20s\"\n");
    let client = server.connect().await;
    client
        .batch_execute("SET statement_timeout = '2s'")
        .await
        .expect("set");
    let running = tokio::spawn(async move { client.simple_query(LONG).await.map(|_| ()) });
    tokio::time::sleep(Duration::from_millis(500)).await;
    let stopping = Instant::now();
    server.junction().terminate();
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        connect(server.port, "tester", "junction").await.is_err(),
        "a connection after SIGTERM"
    );
    let finished = running.await.expect("task").expect_err("its timeout");
    assert_eq!(
        finished.as_db_error().map(|e| e.code().code()),
        Some("57014"),
        "the running statement ran on to its own end: {finished}"
    );
    let status = server
        .junction()
        .exit_status(Duration::from_secs(10))
        .expect("the server exits once nothing runs");
    assert!(status.success(), "{status}");
    assert!(
        stopping.elapsed() < Duration::from_secs(10),
        "exited after {:?}",
        stopping.elapsed()
    );
}

/// SIGTERM with a statement that runs past `shutdown_timeout`: it is stopped then, and the
/// server exits 0.
#[tokio::test]
async fn sigterm_stops_what_runs_past_the_shutdown_timeout() {
    let mut server = Server::start_with_config("[server]\nshutdown_timeout = \"1s\"\n");
    let client = server.connect().await;
    let running = tokio::spawn(async move { client.simple_query(LONG).await.map(|_| ()) });
    tokio::time::sleep(Duration::from_millis(500)).await;
    let stopping = Instant::now();
    server.junction().terminate();
    let status = server
        .junction()
        .exit_status(Duration::from_secs(15))
        .expect("the server exits after its shutdown_timeout");
    assert!(status.success(), "{status}");
    assert!(
        stopping.elapsed() >= Duration::from_millis(900),
        "exited after {:?}, before the statement's grace",
        stopping.elapsed()
    );
    running
        .await
        .expect("task")
        .expect_err("the statement ends with the server");
}
