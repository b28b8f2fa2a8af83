//! EXPLAIN ROUTE tells the truth: over every query of the SQL corpus, in `auto`, the engine
//! its `chosen` line names is the engine that then runs the statement
//! (`SHOW junction.last_engine`), unless a NOTICE reported a fallback.

use std::sync::{Arc, Mutex};

use futures::{stream, StreamExt};
use junction_conformance::corpus;
use junction_conformance::peers::{self, junction_bin, simple_rows, Junction};
use junction_conformance::tpch;
use sqllogictest::{DefaultColumnType, Record};
use tokio_postgres::{AsyncMessage, Client, NoTls};

/// Connects, keeping every NOTICE the server sends in `notices`.
async fn connect_noting(port: u16, notices: Arc<Mutex<Vec<String>>>) -> Client {
    let url = format!("host=127.0.0.1 port={port} user=conformance dbname=junction");
    let (client, mut connection) = tokio_postgres::connect(&url, NoTls)
        .await
        .expect("connect to junction");
    tokio::spawn(async move {
        let mut messages = stream::poll_fn(move |cx| connection.poll_message(cx));
        while let Some(Ok(message)) = messages.next().await {
            if let AsyncMessage::Notice(notice) = message {
                if let Ok(mut notices) = notices.lock() {
                    notices.push(notice.message().to_owned());
                }
            }
        }
    });
    client
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn explain_route_names_the_engine_that_runs_every_corpus_query() {
    let dir = tempfile::tempdir().expect("temp dir");
    let warehouse = dir.path().join("warehouse");
    let bin = junction_bin();
    Junction::write_demo(&bin, &warehouse, 10, 1).expect("demo warehouse");
    tpch::ensure(&warehouse, 0.01).await.expect("TPC-H tables");
    let junction = Junction::serve_warehouse_with(
        &bin,
        &warehouse,
        dir.path(),
        &peers::duckdb_extensions_config(),
    )
    .expect("junction serve");
    let notices = Arc::new(Mutex::new(Vec::new()));
    let client = connect_noting(junction.port, Arc::clone(&notices)).await;
    // The corpus repeats some statements: each must run on an engine, not come from the
    // result cache, for the engine to be compared with EXPLAIN ROUTE's.
    client
        .batch_execute("SET TimeZone = 'UTC'; SET junction.result_cache = off")
        .await
        .expect("set the time zone, turn the cache off");

    let mut agreed = 0;
    let mut chose = std::collections::BTreeMap::<String, usize>::new();
    let mut disagreements = Vec::new();
    for file in corpus::files(&junction_conformance::crate_dir().join("slt")) {
        let records = sqllogictest::parse_file::<DefaultColumnType>(&file)
            .unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        for record in records {
            let Record::Query { sql, loc, .. } = record else {
                continue;
            };
            // A statement EXPLAIN ROUTE refuses (a syntax error, an unknown table) is an
            // error record of the corpus: nothing runs it.
            let Ok(lines) = simple_rows(&client, &format!("EXPLAIN ROUTE {sql}")).await else {
                continue;
            };
            let chosen: Vec<&str> = lines
                .iter()
                .filter(|line| line[1] == "t")
                .map(|line| line[0].as_str())
                .collect();
            let [chosen] = chosen.as_slice() else {
                disagreements.push(format!("{loc}: chosen lines {chosen:?}"));
                continue;
            };
            if let Ok(mut notices) = notices.lock() {
                notices.clear();
            }
            if client.simple_query(&sql).await.is_err() {
                continue;
            }
            let ran = simple_rows(&client, "SHOW junction.last_engine")
                .await
                .expect("show the last engine")
                .remove(0)
                .remove(0);
            let fell_back = notices
                .lock()
                .map(|n| n.iter().any(|m| m.contains("could not run the statement")))
                .unwrap_or(false);
            if ran == *chosen {
                agreed += 1;
                *chose.entry(ran).or_default() += 1;
            } else if !fell_back {
                disagreements.push(format!(
                    "{loc}: EXPLAIN ROUTE chose {chosen}, {ran} ran it without a fallback notice: {sql}"
                ));
            }
        }
    }
    println!("{agreed} queries ran where EXPLAIN ROUTE said: {chose:?}");
    assert!(agreed > 400, "only {agreed} corpus queries compared");
    assert!(
        disagreements.is_empty(),
        "{} disagreements:\n{}",
        disagreements.len(),
        disagreements.join("\n")
    );
}
