//! Routing controls as DESIGN.md's session-controls table gives them: the `/*+ ENGINE(x) */`
//! hint and `EXPLAIN ROUTE`, through real clients.

use std::sync::Arc;

use arrow::array::{ArrayRef, DurationMicrosecondArray, Int32Array, RecordBatch};
use junction_conformance::peers::{connect, Junction};
use tokio_postgres::Client;

use crate::duckdb::{last_engine, LATERAL};
use crate::server::{text_rows, write_parquet, Server};

const COUNT_DEVICES: &str = "select count(*) from silver.devices";

#[tokio::test]
async fn a_hint_pins_its_statement_only() {
    let server = Server::start();
    let client = server.connect().await;
    // Every statement runs on an engine, not from the result cache.
    client
        .batch_execute("SET junction.result_cache = off")
        .await
        .expect("cache off");
    let hinted = format!("/*+ ENGINE(duckdb) */ {COUNT_DEVICES}");
    let rows = client.simple_query(&hinted).await.expect("hinted");
    assert_eq!(text_rows(&rows), [[Some("10".to_owned())]]);
    assert_eq!(last_engine(&client).await, "duckdb");
    client.simple_query(COUNT_DEVICES).await.expect("plain");
    assert_eq!(last_engine(&client).await, "datafusion");

    // In one message, the hint belongs to the statement it leads.
    let both = format!("{COUNT_DEVICES}; /*+ ENGINE(duckdb) */ {COUNT_DEVICES}");
    client.simple_query(&both).await.expect("two statements");
    assert_eq!(last_engine(&client).await, "duckdb");

    // The extended protocol parses the same text.
    let row = client.query_one(&hinted, &[]).await.expect("extended");
    assert_eq!(row.get::<_, i64>(0), 10);
    assert_eq!(last_engine(&client).await, "duckdb");
}

#[tokio::test]
async fn a_hint_overrides_the_sessions_engine() {
    let server = Server::start();
    let client = server.connect().await;
    client
        .batch_execute("SET junction.engine = duckdb")
        .await
        .expect("pin");
    let hinted = format!("/*+ ENGINE(DataFusion) */ {COUNT_DEVICES}");
    client.simple_query(&hinted).await.expect("hinted");
    assert_eq!(last_engine(&client).await, "datafusion");
    client
        .simple_query(COUNT_DEVICES)
        .await
        .expect("session pin");
    assert_eq!(last_engine(&client).await, "duckdb");
}

#[tokio::test]
async fn unknown_or_malformed_hints_are_22023() {
    let server = Server::start();
    let client = server.connect().await;
    for hint in ["/*+ ENGINE(oracle) */", "/*+ ENGINE duckdb */"] {
        let sql = format!("{hint} {COUNT_DEVICES}");
        let err = client.simple_query(&sql).await.expect_err(&sql);
        let db = err.as_db_error().expect("db error");
        assert_eq!(db.code().code(), "22023", "{sql}: {}", db.message());
    }
    let err = client
        .simple_query(&format!("/*+ ENGINE(oracle) */ {COUNT_DEVICES}"))
        .await
        .expect_err("unknown");
    let message = err.as_db_error().expect("db error").message().to_owned();
    assert!(message.contains("datafusion, duckdb"), "{message}");
    // Comments that are no junction hints stay comments.
    client
        .simple_query(&format!("/*+ SeqScan(devices) */ {COUNT_DEVICES}"))
        .await
        .expect("another tool's hint");
}

#[tokio::test]
async fn a_hinted_engine_never_falls_back() {
    let server = Server::start();
    let client = server.connect().await;
    let err = client
        .simple_query(&format!("/*+ ENGINE(datafusion) */ {LATERAL}"))
        .await
        .expect_err("pinned by the hint");
    assert_eq!(err.as_db_error().expect("db error").code().code(), "0A000");
}

/// `EXPLAIN ROUTE <sql>` as rows of (engine, chosen, eligible, estimated_cost, reason,
/// table_access, sql), in the order the server sent them.
async fn explain_route(client: &Client, sql: &str) -> Vec<Vec<Option<String>>> {
    let rows = client
        .simple_query(&format!("EXPLAIN ROUTE {sql}"))
        .await
        .expect("explain route");
    text_rows(&rows)
}

fn column(rows: &[Vec<Option<String>>], engine: &str, index: usize) -> String {
    let row = rows
        .iter()
        .find(|r| r[0].as_deref() == Some(engine))
        .unwrap_or_else(|| panic!("no line for {engine}: {rows:?}"));
    row[index].clone().unwrap_or_default()
}

#[tokio::test]
async fn explain_route_has_the_designed_columns_and_types() {
    let server = Server::start();
    let client = server.connect().await;
    let statement = client
        .prepare("EXPLAIN ROUTE select 1")
        .await
        .expect("prepare");
    let columns: Vec<(&str, String)> = statement
        .columns()
        .iter()
        .map(|c| (c.name(), c.type_().name().to_owned()))
        .collect();
    let expected = [
        ("engine", "text"),
        ("chosen", "bool"),
        ("eligible", "bool"),
        ("estimated_cost", "float8"),
        ("reason", "text"),
        ("table_access", "text"),
        ("sql", "text"),
    ];
    let expected: Vec<(&str, String)> = expected
        .iter()
        .map(|(n, t)| (*n, (*t).to_owned()))
        .collect();
    assert_eq!(columns, expected);
    let rows = client
        .query(&statement, &[])
        .await
        .expect("run the prepared explain");
    assert_eq!(rows.len(), 2);
}

#[tokio::test]
async fn explain_route_shows_the_auto_choice_and_how_tables_are_read() {
    let server = Server::start();
    let client = server.connect().await;
    let sql = "select ward, count(*) from silver.vitals join silver.patients using (patient_id) group by 1";
    let rows = explain_route(&client, sql).await;
    // Both eligible, cheapest first: the first line is the chosen one, and its reason says
    // why; each engine has its own estimate.
    assert_eq!(rows.len(), 2);
    let chosen = rows[0][0].clone().expect("an engine");
    let other = rows[1][0].clone().expect("an engine");
    assert_eq!(column(&rows, &chosen, 1), "t");
    assert_eq!(column(&rows, &other, 1), "f");
    assert_eq!(column(&rows, "datafusion", 2), "t");
    assert_eq!(column(&rows, "duckdb", 2), "t");
    let cost = |engine: &str| -> f64 { column(&rows, engine, 3).parse().expect("a cost") };
    assert!(cost(&chosen) > 0.0 && cost(&chosen) <= cost(&other));
    assert_ne!(cost("datafusion"), cost("duckdb"));
    assert!(column(&rows, &chosen, 4).starts_with("auto: lowest estimate"));
    let datafusion = column(&rows, "datafusion", 5);
    assert!(
        datafusion.contains("silver.vitals: deltalake table provider")
            && datafusion.contains("silver.patients: parquet listing table"),
        "{datafusion}"
    );
    let duckdb = column(&rows, "duckdb", 5);
    assert!(
        duckdb.contains("silver.vitals: view over read_parquet (")
            && duckdb.contains("silver.patients: view over read_parquet (1 files)"),
        "{duckdb}"
    );
    assert!(column(&rows, "duckdb", 6).contains("silver.vitals"));
    // Explaining runs nothing; running then uses the chosen engine.
    assert_eq!(last_engine(&client).await, "none");
    client.simple_query(sql).await.expect("runs");
    assert_eq!(last_engine(&client).await, chosen);
}

#[tokio::test]
async fn explain_route_puts_ineligible_engines_last_with_their_reason() {
    let server = Server::start();
    let client = server.connect().await;
    let rows = explain_route(&client, LATERAL).await;
    assert_eq!(rows[0][0].as_deref(), Some("duckdb"));
    assert_eq!(column(&rows, "duckdb", 1), "t");
    assert_eq!(column(&rows, "datafusion", 1), "f");
    assert_eq!(column(&rows, "datafusion", 2), "f");
    let reason = column(&rows, "datafusion", 4);
    assert!(reason.contains("OuterReferenceColumn"), "{reason}");

    let rows = explain_route(&client, "select relname from pg_catalog.pg_class").await;
    assert_eq!(column(&rows, "datafusion", 1), "t");
    assert_eq!(column(&rows, "duckdb", 2), "f");
    assert!(column(&rows, "duckdb", 4).contains("system catalogs"));
    assert!(column(&rows, "duckdb", 5).starts_with("pg_catalog.pg_class: not served"));
}

#[tokio::test]
async fn explain_route_names_the_pin() {
    let server = Server::start();
    let client = server.connect().await;
    // A hint leads the statement, not the query under EXPLAIN ROUTE: here it is a comment.
    let rows = explain_route(&client, &format!("/*+ ENGINE(duckdb) */ {COUNT_DEVICES}")).await;
    assert_eq!(column(&rows, "datafusion", 1), "t");
    let rows = client
        .simple_query(&format!(
            "/*+ ENGINE(duckdb) */ EXPLAIN ROUTE {COUNT_DEVICES}"
        ))
        .await
        .expect("hinted explain");
    let rows = text_rows(&rows);
    assert_eq!(column(&rows, "duckdb", 1), "t");
    assert_eq!(
        column(&rows, "duckdb", 4),
        "pinned by /*+ ENGINE(duckdb) */"
    );
    assert!(column(&rows, "datafusion", 4).contains("duckdb is pinned"));

    client
        .batch_execute("SET junction.engine = duckdb")
        .await
        .expect("pin");
    let rows = explain_route(&client, LATERAL).await;
    assert_eq!(column(&rows, "duckdb", 4), "pinned by SET junction.engine");
    // The system catalogs alone answer on the engine that serves them, whatever the pin.
    let rows = explain_route(&client, "select relname from pg_catalog.pg_class").await;
    assert_eq!(column(&rows, "datafusion", 1), "t");
    assert_eq!(
        column(&rows, "datafusion", 4),
        "system catalogs only, which duckdb (pinned) does not serve"
    );
    assert_eq!(column(&rows, "duckdb", 1), "f");
    let mixed = "select count(*) from silver.devices join pg_catalog.pg_class on relname = model";
    let rows = explain_route(&client, mixed).await;
    assert_eq!(column(&rows, "duckdb", 1), "t");
    assert!(column(&rows, "duckdb", 4)
        .starts_with("pinned by SET junction.engine, but it cannot run the statement"));
}

/// A Parquet table with a column type DuckDB has no counterpart for.
fn write_durations(dir: &std::path::Path) {
    std::fs::create_dir_all(dir).expect("mkdir");
    let id: ArrayRef = Arc::new(Int32Array::from(vec![1, 2]));
    let took: ArrayRef = Arc::new(DurationMicrosecondArray::from(vec![5_000_000, 7_000_000]));
    let batch = RecordBatch::try_from_iter([("id", id), ("took", took)]).expect("batch");
    write_parquet(&dir.join("part-0.parquet"), &batch);
}

#[tokio::test]
async fn a_table_duckdb_cannot_read_makes_it_ineligible() {
    let server = Server::start();
    let client = server.connect().await;
    write_durations(&server.warehouse.join("extra/spans"));
    let sql = "select count(*) from extra.spans";
    let rows = explain_route(&client, sql).await;
    assert_eq!(column(&rows, "duckdb", 2), "f");
    let access = column(&rows, "duckdb", 5);
    assert!(
        access.starts_with("extra.spans: not readable (column \"took\""),
        "{access}"
    );
    let rows = client.simple_query(sql).await.expect("auto reads it");
    assert_eq!(text_rows(&rows), [[Some("2".to_owned())]]);
    assert_eq!(last_engine(&client).await, "datafusion");
}

/// A calibration file steers `auto`: here it makes DuckDB's fixed cost tiny and
/// DataFusion's huge, so a constant query runs on DuckDB.
#[tokio::test]
async fn a_calibration_file_steers_auto() {
    let dir = tempfile::tempdir().expect("temp dir");
    let model = dir.path().join("calibration.toml");
    std::fs::write(
        &model,
        "[engine.datafusion]\nstartup_us = 1000000.0\ntable_us = 0.0\nscan_us_per_mib = 1.0\n\
         operator_us_per_mib = 1.0\nrow_us = 0.0\n\
         [engine.duckdb]\nstartup_us = 1.0\ntable_us = 0.0\nscan_us_per_mib = 1.0\n\
         operator_us_per_mib = 1.0\nrow_us = 0.0\n",
    )
    .expect("write the model");
    let server = Server::start_with_config(&format!(
        "[router]\ncalibration = \"{}\"\n",
        model.display()
    ));
    let client = server.connect().await;
    let rows = explain_route(&client, "select 1").await;
    assert_eq!(rows[0][0].as_deref(), Some("duckdb"));
    assert_eq!(column(&rows, "duckdb", 1), "t");
    assert_eq!(column(&rows, "datafusion", 3), "1000");
    client.simple_query("select 1").await.expect("runs");
    assert_eq!(last_engine(&client).await, "duckdb");
}

/// A calibration file that does not load stops `serve`, naming the file.
#[test]
fn a_bad_calibration_file_stops_serve() {
    let dir = tempfile::tempdir().expect("temp dir");
    let model = dir.path().join("calibration.toml");
    std::fs::write(&model, "[engine.duckdb]\nstartup_us = \"fast\"\n").expect("write");
    let config = dir.path().join("junction.toml");
    std::fs::write(
        &config,
        format!("[router]\ncalibration = \"{}\"\n", model.display()),
    )
    .expect("write config");
    let mut serve = std::process::Command::new(env!("CARGO_BIN_EXE_junction"))
        .arg("serve")
        .arg("--config")
        .arg(&config)
        .arg("--warehouse")
        .arg(dir.path().join("warehouse"))
        .args(["--pg-addr", "127.0.0.1:0", "--flight-addr", "127.0.0.1:0"])
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("start junction serve");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while serve.try_wait().expect("wait").is_none() {
        if std::time::Instant::now() > deadline {
            let _ = serve.kill();
            panic!("serve kept running with a bad calibration file");
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let output = serve.wait_with_output().expect("output");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("calibration.toml"), "{stderr}");
}

/// A Trino that cannot be reached is down: `auto` never tries it (no failed attempt, no
/// fallback notice), even for a statement too big for this machine that it would otherwise
/// prefer; EXPLAIN ROUTE says why, naming its URL; pinned, the statement fails 58000 naming
/// the URL.
#[tokio::test]
async fn an_unreachable_trino_is_down_skipped_in_auto_and_named_when_pinned() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
    let url = format!("http://{}", closed.local_addr().expect("address"));
    drop(closed);
    let server = Server::start_with_config(&format!(
        "[router]\nlocal_memory = \"1kB\"\n\n[engines.trino]\nurl = \"{url}\"\n\
         catalogs = {{ warehouse = \"hive\" }}\nhealth_interval = \"200ms\"\n"
    ));
    let client = server.connect().await;
    let grouped = "select ward, count(*) from silver.patients group by 1 order by 1";
    let rows = explain_route(&client, grouped).await;
    let trino = rows
        .iter()
        .find(|r| r[0].as_deref() == Some("trino"))
        .expect("a trino line");
    assert_eq!(trino[2].as_deref(), Some("f"), "{rows:?}");
    let reason = column(&rows, "trino", 4);
    assert!(
        reason.contains("trino is down") && reason.contains(&url),
        "{reason}"
    );
    let rows = client.simple_query(grouped).await.expect("runs in process");
    assert_eq!(text_rows(&rows).len(), 4, "four wards");
    assert_ne!(last_engine(&client).await, "trino");

    client
        .batch_execute("SET junction.engine = 'trino'")
        .await
        .expect("pin trino");
    let error = client.simple_query(grouped).await.expect_err("unreachable");
    let db = error.as_db_error().expect("db error");
    assert_eq!(db.code().code(), "58000", "{}", db.message());
    assert!(db.message().contains(&url), "{}", db.message());
}

/// The bytes a modeled EXPLAIN ROUTE reason says the statement scans.
fn bytes_to_scan(reason: &str) -> u64 {
    reason
        .split(", ")
        .find_map(|part| part.strip_suffix(" bytes to scan)"))
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no bytes in {reason}"))
}

/// The estimate counts only the files a statement's filters may need: one day of four
/// (silver.vitals is a Delta table partitioned by day) is about a quarter of the table's
/// bytes, a day outside the data none; the same from an Iceberg table's manifests.
#[tokio::test]
async fn estimates_count_only_the_files_a_filter_may_read() {
    let dir = tempfile::tempdir().expect("temp dir");
    let warehouse = dir.path().join("warehouse");
    let bin = std::path::Path::new(env!("CARGO_BIN_EXE_junction"));
    Junction::write_demo(bin, &warehouse, 5, 4).expect("four days of demo data");
    let junction = Junction::serve(bin, &warehouse).expect("junction serve");
    let client = connect(junction.port, "tester", "junction")
        .await
        .expect("connect");
    let mut scanned = Vec::new();
    for filter in [
        "patient_id = 3",
        "day = date '2026-01-03' and patient_id = 3",
        "day between '2026-01-02' and '2026-01-03'",
        "day > '2030-01-01'",
    ] {
        let sql = format!("select recorded_at from silver.vitals where {filter}");
        let rows = explain_route(&client, &sql).await;
        scanned.push(bytes_to_scan(&column(&rows, "datafusion", 4)));
    }
    // gold.vitals_hourly is an Iceberg table: its manifests' bounds on `hour` rule out
    // every file for an hour after the data.
    for filter in ["true", "hour > '2030-01-01'"] {
        let sql = format!("select patient_id from gold.vitals_hourly where {filter}");
        let rows = explain_route(&client, &sql).await;
        scanned.push(bytes_to_scan(&column(&rows, "datafusion", 4)));
    }
    let [all, one_day, two_days, none, gold, no_gold] = scanned[..] else {
        unreachable!()
    };
    assert!(gold > 0);
    assert_eq!(no_gold, 0);
    assert!(all > 0);
    let quarter = all as f64 / 4.0;
    assert!(
        (one_day as f64 - quarter).abs() < quarter / 4.0,
        "{one_day} of {all}"
    );
    assert!(
        (two_days as f64 - 2.0 * quarter).abs() < quarter / 2.0,
        "{two_days} of {all}"
    );
    assert_eq!(none, 0);
}
