//! Trino as junction's remote engine, against a real Trino 476 (scripts/peers/trino.sh):
//! statements pinned to Trino run there over its client protocol and come back with the
//! values and column types real PostgreSQL gives, page after page; Trino's errors arrive as
//! PostgreSQL's SQLSTATEs; a cancelled statement's Trino query is cancelled on Trino. And
//! the same Iceberg tables, registered in a real Hive Metastore by Spark, read by junction's
//! hive catalog on every engine, Trino's through its iceberg catalog.

use std::time::{Duration, Instant};

use std::ffi::OsStr;

use junction_conformance::peers::{
    connect, duckdb_extensions_config, error_of, junction_bin, simple_rows, table, write_vitals,
    Junction, Postgres, ServerPeer,
};
use tokio_postgres::{Client, NoTls};

struct Setup {
    trino: ServerPeer,
    junction: Junction,
    _dir: tempfile::TempDir,
}

fn setup() -> Setup {
    setup_with("")
}

/// [`setup`] with more of junction's configuration.
fn setup_with(extra: &str) -> Setup {
    let trino = ServerPeer::trino(&[]);
    let dir = tempfile::tempdir().expect("temp dir");
    let warehouse = dir.path().join("warehouse");
    let bin = junction_bin();
    Junction::write_demo(&bin, &warehouse, 2, 1).expect("demo warehouse");
    let config = dir.path().join("junction.toml");
    std::fs::write(
        &config,
        format!(
            "{}\n[engines.trino]\nurl = \"{}\"\n{extra}",
            duckdb_extensions_config(),
            trino.uri
        ),
    )
    .expect("write the configuration");
    let junction =
        Junction::serve_with_config(&bin, &warehouse, Some(&config)).expect("junction serves");
    Setup {
        trino,
        junction,
        _dir: dir,
    }
}

async fn on_trino(junction: &Junction) -> Client {
    let client = connect(junction.port, "tester", "warehouse")
        .await
        .expect("connect");
    client
        .batch_execute("SET junction.engine = 'trino'")
        .await
        .expect("trino is an engine");
    client
}

/// Statements whose every value and column type Trino, through junction, must give as
/// PostgreSQL does.
const TYPED: &[&str] = &[
    "SELECT 1 + 1 AS two, 7 / 2 AS q, CAST(40000 AS bigint) * 100000 AS big, true AS b",
    "SELECT CAST(2.50 AS numeric(5,2)) AS d, CAST(1.5 AS float8) AS f, CAST(0.25 AS real) AS r",
    "SELECT 'x' || 'y' AS t, upper('abc') AS u, length('héllo') AS n",
    "SELECT DATE '2026-01-02' AS day, TIMESTAMP '2026-01-02 03:04:05.123456' AS ts",
    "SELECT ARRAY[1, 2, NULL] AS a, CAST(NULL AS integer) AS missing",
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn results_have_postgresql_values_and_types() {
    let setup = setup();
    let postgres = Postgres::start();
    let reference = connect(postgres.port, "postgres", "postgres")
        .await
        .expect("connect to PostgreSQL");
    let client = on_trino(&setup.junction).await;
    for sql in TYPED {
        let expected = simple_rows(&reference, sql).await.expect(sql);
        let actual = simple_rows(&client, sql)
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e:?}"));
        assert_eq!(actual, expected, "{sql}");
        let types = |statement: tokio_postgres::Statement| {
            statement
                .columns()
                .iter()
                .map(|c| (c.name().to_owned(), c.type_().name().to_owned()))
                .collect::<Vec<_>>()
        };
        let expected = types(reference.prepare(sql).await.expect(sql));
        let actual = types(client.prepare(sql).await.expect(sql));
        assert_eq!(actual, expected, "{sql}");
    }
    let last = simple_rows(&client, "SHOW junction.last_engine")
        .await
        .expect("show");
    assert_eq!(last, vec![vec!["trino".to_owned()]]);
    drop(setup.trino);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_stream_and_errors_are_postgresqls() {
    let setup = setup();
    let client = on_trino(&setup.junction).await;
    // 200,000 rows: many pages of Trino's protocol.
    let rows = simple_rows(
        &client,
        "SELECT a.x * 100 + b.y FROM generate_series(1, 10000) AS a(x), \
         generate_series(1, 20) AS b(y)",
    )
    .await
    .expect("many pages");
    assert_eq!(rows.len(), 200_000);
    let sum = simple_rows(
        &client,
        "SELECT count(*), sum(x) FROM generate_series(1, 10000) AS a(x), \
         generate_series(1, 100) AS b(y)",
    )
    .await
    .expect("an aggregate");
    assert_eq!(
        sum,
        vec![vec!["1000000".to_owned(), "5000500000".to_owned()]]
    );

    for (sql, sqlstate) in [
        ("SELECT 1 / 0", "22012"),
        ("SELECT nosuch", "42703"),
        ("SELECT CAST('x' AS integer)", "22P02"),
        // The warehouse catalog is mapped to no Trino catalog.
        ("SELECT count(*) FROM silver.patients", "0A000"),
    ] {
        let (code, message) = error_of(&client, sql).await;
        assert_eq!(code, sqlstate, "{sql}: {message}");
    }
    // The session is still usable, and auto never sends the unmapped table to Trino.
    client
        .batch_execute("SET junction.engine = 'auto'")
        .await
        .expect("auto");
    let patients = simple_rows(&client, "SELECT count(*) FROM silver.patients")
        .await
        .expect("auto reads the warehouse");
    assert_eq!(patients, vec![vec!["2".to_owned()]]);
}

/// The rows of `sql` asked of Trino directly, values as JSON text.
async fn trino_rows(url: &str, sql: &str) -> Vec<Vec<String>> {
    let http = reqwest::Client::new();
    let mut page: serde_json::Value = http
        .post(format!("{url}/v1/statement"))
        .header("X-Trino-User", "test")
        .body(sql.to_owned())
        .send()
        .await
        .expect("trino answers")
        .json()
        .await
        .expect("json");
    let mut rows = Vec::new();
    loop {
        assert!(page["error"].is_null(), "{sql}: {}", page["error"]);
        for row in page["data"].as_array().into_iter().flatten() {
            let values = row.as_array().expect("a row");
            rows.push(values.iter().map(|v| v.to_string()).collect());
        }
        let Some(next) = page["nextUri"].as_str().map(str::to_owned) else {
            return rows;
        };
        page = http
            .get(next)
            .header("X-Trino-User", "test")
            .send()
            .await
            .expect("next page")
            .json()
            .await
            .expect("json");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn parameters_reach_trino_as_constants_of_their_types() {
    let setup = setup();
    let client = on_trino(&setup.junction).await;
    // The extended protocol, as drivers send it: described (types from the engines that
    // infer them), bound, run on Trino.
    let sql = "SELECT x, name FROM (VALUES (1, 'a'), (2, 'b''s'), (3, 'c')) AS t(x, name) \
               WHERE x >= $1 AND name <> $2 ORDER BY x LIMIT 5";
    let rows = client
        .query(sql, &[&2_i32, &"c"])
        .await
        .expect("bound on trino");
    let rows: Vec<(i32, String)> = rows.iter().map(|r| (r.get(0), r.get(1))).collect();
    assert_eq!(rows, vec![(2, "b's".to_owned())]);
    let last = simple_rows(&client, "SHOW junction.last_engine")
        .await
        .expect("show");
    assert_eq!(last, vec![vec!["trino".to_owned()]]);
    // A parameter that could decide a result column's type is refused, saying why.
    let error = client
        .query("SELECT $1::integer + 1 AS n", &[&1_i32])
        .await
        .expect_err("refused");
    let db = error.as_db_error().expect("a database error");
    assert_eq!(db.code().code(), "0A000", "{}", db.message());
    assert!(db.message().contains("select list"), "{}", db.message());
}

/// A statement that runs on Trino until stopped: `n` distinguishes one test's query from
/// another's in Trino's query list.
fn endless(n: u32) -> (String, String) {
    let sql = format!(
        "SELECT count(*) FROM generate_series(1, {n}) AS a(x), \
         generate_series(1, {n}) AS b(y), generate_series(1, {n}) AS c(z)"
    );
    let states = format!(
        "SELECT state, error_code FROM system.runtime.queries \
         WHERE source = 'junction' AND query LIKE '%sequence(1, {n})%'"
    );
    (sql, states)
}

async fn wait_until_running(trino: &str, states: &str) {
    let started = Instant::now();
    while trino_rows(trino, states)
        .await
        .iter()
        .all(|r| r[0] != "\"RUNNING\"")
    {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the query never ran on trino"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Trino reports the query cancelled within a second.
async fn assert_cancelled_on_trino(trino: &str, states: &str) {
    let stopped_at = Instant::now();
    loop {
        let rows = trino_rows(trino, states).await;
        let cancelled = |r: &Vec<String>| r[0] == "\"FAILED\"" && r[1] == "\"USER_CANCELED\"";
        if !rows.is_empty() && rows.iter().all(cancelled) {
            break;
        }
        assert!(
            stopped_at.elapsed() < Duration::from_secs(1),
            "still on trino a second after the statement stopped: {rows:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancelled_statement_is_cancelled_on_trino() {
    let setup = setup();
    let client = on_trino(&setup.junction).await;
    let cancel = client.cancel_token();
    let (sql, states) = endless(10000);
    let running = tokio::spawn(async move { client.simple_query(&sql).await.map(|_| ()) });
    wait_until_running(&setup.trino.uri, &states).await;
    cancel.cancel_query(NoTls).await.expect("cancel request");
    let err = running
        .await
        .expect("the statement's task")
        .expect_err("cancelled");
    assert_eq!(
        err.as_db_error().map(|e| e.code().code()),
        Some("57014"),
        "{err}"
    );
    assert_cancelled_on_trino(&setup.trino.uri, &states).await;
}

/// `[limits] query_memory` reaches Trino as the query's `query_max_memory`: a statement
/// needing more fails there with PostgreSQL's 53200, and the session goes on.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn query_memory_bounds_the_query_on_trino() {
    let setup = setup_with("[limits]\nquery_memory = \"1MB\"\n");
    let client = on_trino(&setup.junction).await;
    let err = client
        .simple_query(
            "SELECT count(DISTINCT x * 10000 + y) FROM generate_series(1, 3000) AS a(x), \
             generate_series(1, 3000) AS b(y)",
        )
        .await
        .expect_err("over 1 MB");
    let db = err.as_db_error().expect("a database error");
    assert_eq!(db.code().code(), "53200", "{}", db.message());
    // Trino names the limit it was given (its own is 1GB here).
    assert!(db.message().contains("limit of 1MB"), "{}", db.message());
    let rows = simple_rows(&client, "SELECT 1 + 1").await.expect("usable");
    assert_eq!(rows, vec![vec!["2".to_owned()]]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn statement_timeout_cancels_the_query_on_trino() {
    let setup = setup();
    let client = on_trino(&setup.junction).await;
    client
        .batch_execute("SET statement_timeout = '2s'")
        .await
        .expect("set the timeout");
    let (sql, states) = endless(9999);
    let err = client.simple_query(&sql).await.expect_err("times out");
    let db = err.as_db_error().expect("a database error");
    assert_eq!(db.code().code(), "57014", "{}", db.message());
    assert!(
        db.message().contains("statement timeout"),
        "{}",
        db.message()
    );
    assert_cancelled_on_trino(&setup.trino.uri, &states).await;
    // The session goes on.
    let rows = simple_rows(&client, "SELECT 1 + 1").await.expect("usable");
    assert_eq!(rows, vec![vec!["2".to_owned()]]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metastore_tables_through_the_mapped_trino_catalog() {
    let hms = ServerPeer::hive_metastore();
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("data");
    write_vitals(
        "iceberg",
        &[
            data.as_os_str(),
            OsStr::new("--spark-hms"),
            OsStr::new(&hms.uri),
        ],
    );
    let metastore = format!("hms={}", hms.uri);
    let trino = ServerPeer::trino(&[&metastore]);
    let config = format!(
        "[[catalog]]\nname = \"hms\"\ntype = \"hive\"\nuri = \"{}\"\n\n{}\n\
         [router]\nlocal_memory = \"1kB\"\n\n\
         [engines.trino]\nurl = \"{}\"\ncatalogs = {{ hms = \"iceberg\" }}\n",
        hms.uri,
        duckdb_extensions_config(),
        trino.uri
    );
    // The embedded warehouse holds the demo, a catalog Trino has no mapping for.
    Junction::write_demo(&junction_bin(), &dir.path().join("warehouse"), 2, 1)
        .expect("demo warehouse");
    let junction = Junction::serve_config_in(dir.path(), &config);
    let client = connect(junction.port, "tester", "hms")
        .await
        .expect("connect to hms");

    // Spark's rows after insert, insert, DELETE patient 2, UPDATE patient 5 (merge-on-read:
    // position-delete files Trino applies as the in-process engines do).
    let spark_rows = table(&[&["1", "88"], &["3", "75"], &["4", "64"], &["5", "99"]]);
    let sql = "SELECT patient_id, heart_rate FROM demo.vitals_v2 ORDER BY 1";
    for engine in ["datafusion", "duckdb", "trino"] {
        client
            .batch_execute(&format!("SET junction.engine = '{engine}'"))
            .await
            .expect("pin the engine");
        let rows = simple_rows(&client, sql)
            .await
            .unwrap_or_else(|e| panic!("{engine}: {e:?}"));
        assert_eq!(rows, spark_rows, "{engine}");
        let last = simple_rows(&client, "SHOW junction.last_engine")
            .await
            .expect("show");
        assert_eq!(last, vec![vec![engine.to_owned()]]);
    }
    // A table of a catalog Trino has no mapping for keeps the statement off Trino.
    let (code, message) = error_of(
        &client,
        "SELECT count(*) FROM demo.vitals_v2 v JOIN warehouse.silver.patients p USING (patient_id)",
    )
    .await;
    assert_eq!(code, "0A000", "{message}");
    assert!(message.contains("warehouse.silver.patients"), "{message}");
    // A table that does not exist is that, whichever engine is pinned.
    let (code, message) = error_of(
        &client,
        "SELECT count(*) FROM demo.vitals_v2 v JOIN warehouse.silver.nosuch p USING (patient_id)",
    )
    .await;
    assert_eq!(code, "42P01", "{message}");
    let route = simple_rows(&client, "EXPLAIN ROUTE SELECT count(*) FROM demo.vitals_v2")
        .await
        .expect("explain route")
        .concat()
        .join(" ");
    assert!(route.contains("trino catalog iceberg"), "{route}");

    // This junction may work in 1 kB ([router] local_memory): in auto, a grouping of the
    // table is too big for the machine and runs on Trino; a read that streams stays here.
    client
        .batch_execute("SET junction.engine = 'auto'")
        .await
        .expect("auto");
    let grouped = "SELECT patient_id, count(*) FROM demo.vitals_v2 GROUP BY 1 ORDER BY 1";
    let rows = simple_rows(&client, grouped).await.expect("grouped");
    assert_eq!(
        rows,
        table(&[&["1", "1"], &["3", "1"], &["4", "1"], &["5", "1"]])
    );
    let last = simple_rows(&client, "SHOW junction.last_engine")
        .await
        .expect("show");
    assert_eq!(last, vec![vec!["trino".to_owned()]]);
    let route = simple_rows(&client, &format!("EXPLAIN ROUTE {grouped}"))
        .await
        .expect("explain route")
        .concat()
        .join(" ");
    assert!(route.contains("too big for this machine"), "{route}");
    // So does the same with a parameter, through the extended protocol as drivers send it.
    let with_parameter = "SELECT patient_id, count(*) FROM demo.vitals_v2 \
                          WHERE patient_id > $1 GROUP BY 1 ORDER BY 1";
    let rows = client
        .query(with_parameter, &[&2_i64])
        .await
        .expect("a parameter in auto");
    assert_eq!(rows.len(), 3);
    let last = simple_rows(&client, "SHOW junction.last_engine")
        .await
        .expect("show");
    assert_eq!(last, vec![vec!["trino".to_owned()]]);
    let streams = "SELECT patient_id FROM demo.vitals_v2 WHERE heart_rate > 70";
    assert_eq!(
        simple_rows(&client, streams).await.expect("streams").len(),
        3
    );
    let last = simple_rows(&client, "SHOW junction.last_engine")
        .await
        .expect("show");
    assert_ne!(last, vec![vec!["trino".to_owned()]]);
}
