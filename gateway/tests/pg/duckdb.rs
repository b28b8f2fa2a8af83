//! The DuckDB engine through the pg wire: pinned by the session, reading the warehouse's
//! Delta, Iceberg and Parquet tables, and surviving its own errors, interrupts and memory
//! limit.

use std::time::Duration;

use tokio_postgres::{Client, NoTls};

use crate::server::{text_rows, use_engine, Server};

/// Pins the session to DuckDB, and has DuckDB run every statement again rather than the
/// result cache answer a repeated one.
async fn pin_duckdb(client: &Client) {
    client
        .batch_execute("SET junction.engine = 'duckdb'; SET junction.result_cache = off")
        .await
        .expect("pin duckdb");
}

pub async fn last_engine(client: &Client) -> String {
    let rows = client
        .simple_query("SHOW junction.last_engine")
        .await
        .expect("show");
    text_rows(&rows)[0][0].clone().expect("a value")
}

/// Asserts that `client`'s session still answers a query on its pinned engine, with a value
/// every engine renders alike (`why` says after what).
async fn assert_answers(client: &Client, why: &str) {
    let rows = client
        .simple_query("select count(*) from silver.devices")
        .await
        .expect(why);
    assert_eq!(text_rows(&rows), [[Some("10".to_owned())]]);
}

#[tokio::test]
async fn duckdb_answers_as_datafusion_does_over_every_format() {
    let server = Server::start();
    let client = server.connect().await;
    // Delta (partitioned), Parquet, Iceberg, Delta with bronze's raw text columns.
    let queries = [
        "select ward, count(*) from silver.vitals join silver.patients using (patient_id) group by 1 order by 1",
        "select day, count(*), sum(heart_rate) from silver.vitals group by day order by day",
        "select patient_id, sum(readings) from gold.vitals_hourly group by 1 order by 1",
        "select count(*), count(distinct device_id) from bronze.vitals_raw",
        "select device_id, model from silver.devices order by device_id limit 3",
    ];
    for sql in queries {
        let datafusion = text_rows(&client.simple_query(sql).await.expect(sql));
        assert_eq!(last_engine(&client).await, "datafusion");
        pin_duckdb(&client).await;
        let duckdb = text_rows(&client.simple_query(sql).await.expect(sql));
        assert_eq!(last_engine(&client).await, "duckdb");
        client
            .batch_execute("RESET junction.engine")
            .await
            .expect("reset");
        assert!(!duckdb.is_empty(), "{sql}: no rows");
        assert_eq!(duckdb, datafusion, "{sql}");
    }
}

#[tokio::test]
async fn duckdb_takes_parameters_and_describes_results() {
    let server = Server::start();
    let client = server.connect().await;
    pin_duckdb(&client).await;
    let rows = client
        .query(
            "select patient_id, name from silver.patients where patient_id = $1",
            &[&3_i32],
        )
        .await
        .expect("query with a parameter");
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].get::<_, i32>(0), 3);
    let statement = client
        .prepare("select count(*) as n, max(recorded_at) from silver.vitals")
        .await
        .expect("prepare");
    let types: Vec<_> = statement
        .columns()
        .iter()
        .map(|c| c.type_().name().to_owned())
        .collect();
    assert_eq!(types, ["int8", "timestamp"]);
}

#[tokio::test]
async fn an_unknown_engine_is_22023_naming_the_engines() {
    let server = Server::start();
    let client = server.connect().await;
    let err = client
        .batch_execute("SET junction.engine = 'oracle'")
        .await
        .expect_err("no such engine");
    let db = err.as_db_error().expect("db error");
    assert_eq!(db.code().code(), "22023");
    assert!(db.message().contains("duckdb"), "{}", db.message());
}

/// The system catalogs describe junction, not an engine's data: a metadata query (psql's
/// `\dt`) answers with the session pinned to DuckDB, from the engine that serves them; a
/// statement that also reads a table still runs on the pinned engine, which refuses it.
#[tokio::test]
async fn metadata_queries_answer_with_duckdb_pinned() {
    let server = Server::start();
    let client = server.connect().await;
    pin_duckdb(&client).await;
    // psql's \dt, as psql 15 sends it.
    let listed = client
        .simple_query(
            "SELECT n.nspname as \"Schema\", c.relname as \"Name\", \
             CASE c.relkind WHEN 'r' THEN 'table' WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized view' \
             WHEN 'i' THEN 'index' WHEN 'S' THEN 'sequence' WHEN 't' THEN 'TOAST table' \
             WHEN 'f' THEN 'foreign table' WHEN 'p' THEN 'partitioned table' \
             WHEN 'I' THEN 'partitioned index' END as \"Type\", \
             pg_catalog.pg_get_userbyid(c.relowner) as \"Owner\" \
             FROM pg_catalog.pg_class c \
             LEFT JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
             LEFT JOIN pg_catalog.pg_am am ON am.oid = c.relam \
             WHERE c.relkind IN ('r','p','') AND n.nspname !~ '^pg_toast' \
             AND n.nspname OPERATOR(pg_catalog.~) '^(silver)$' COLLATE pg_catalog.default \
             ORDER BY 1,2;",
        )
        .await
        .expect("\\dt silver.* with duckdb pinned");
    let names: Vec<String> = listed
        .iter()
        .filter_map(|m| match m {
            tokio_postgres::SimpleQueryMessage::Row(row) => row.get(1).map(str::to_owned),
            _ => None,
        })
        .collect();
    assert!(names.contains(&"vitals".to_owned()), "{names:?}");
    assert_eq!(last_engine(&client).await, "datafusion");
    let err = client
        .simple_query(
            "select count(*) from silver.devices join pg_catalog.pg_class on relname = model",
        )
        .await
        .expect_err("pinned duckdb cannot join a table with pg_catalog");
    assert_eq!(err.as_db_error().expect("db error").code().code(), "0A000");
    assert_answers(&client, "usable after a refused statement").await;
}

#[tokio::test]
async fn duckdb_errors_leave_the_pool_usable() {
    let server = Server::start();
    let client = server.connect().await;
    pin_duckdb(&client).await;
    // More failures than the pool has connections: each must come back healthy.
    for _ in 0..6 {
        let err = client
            .simple_query("select cast(name as integer) from silver.patients")
            .await
            .expect_err("names are no integers");
        assert_eq!(err.as_db_error().expect("db error").code().code(), "22P02");
        assert_answers(&client, "the next query works").await;
    }
}

#[tokio::test]
async fn a_cancelled_duckdb_query_is_interrupted_and_the_pool_recovers() {
    let server = Server::start();
    let client = server.connect().await;
    pin_duckdb(&client).await;
    for _ in 0..5 {
        let token = client.cancel_token();
        let query = client.simple_query(
            "select count(*) from generate_series(1, 100000000000) as a(n) where a.n % 7 = 3",
        );
        let canceller = async {
            tokio::time::sleep(Duration::from_millis(300)).await;
            token.cancel_query(NoTls).await.expect("send cancel");
        };
        let (result, ()) = tokio::join!(query, canceller);
        let err = result.expect_err("cancelled");
        assert_eq!(err.as_db_error().expect("db error").code().code(), "57014");
        assert_answers(&client, "the next query works").await;
    }
}

#[tokio::test]
async fn a_query_over_duckdbs_memory_limit_is_53200() {
    let server =
        Server::start_with_config("[engines.duckdb]\nmemory_limit = \"64MB\"\nthreads = 1\n");
    let client = server.connect().await;
    pin_duckdb(&client).await;
    let err = client
        .simple_query("select array_agg(n) from generate_series(1, 100000000) as g(n)")
        .await
        .expect_err("over the memory limit");
    let db = err.as_db_error().expect("db error");
    assert_eq!(db.code().code(), "53200", "{}", db.message());
    assert_answers(&client, "duckdb still serves").await;
}

/// A client whose server notices arrive on the returned channel.
async fn connect_with_notices(
    server: &Server,
) -> (Client, tokio::sync::mpsc::UnboundedReceiver<String>) {
    let url = format!(
        "host=127.0.0.1 port={} user=tester dbname=junction",
        server.port
    );
    let (client, mut connection) = tokio_postgres::connect(&url, NoTls).await.expect("connect");
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    tokio::spawn(async move {
        let mut messages = futures::stream::poll_fn(move |cx| connection.poll_message(cx));
        while let Some(Ok(message)) = futures::StreamExt::next(&mut messages).await {
            if let tokio_postgres::AsyncMessage::Notice(notice) = message {
                let _ = tx.send(notice.message().to_owned());
            }
        }
    });
    (client, rx)
}

/// DataFusion plans no LATERAL subquery with outer references (0A000); DuckDB does.
pub const LATERAL: &str = "select count(*) from silver.patients p cross join lateral \
     (select device_id from silver.devices d where d.ward = p.ward order by device_id limit 1) x";

#[tokio::test]
async fn auto_falls_back_to_duckdb_with_a_notice() {
    let server = Server::start();
    let (client, mut notices) = connect_with_notices(&server).await;
    let rows = client
        .simple_query(LATERAL)
        .await
        .expect("runs on the fallback engine");
    assert_eq!(text_rows(&rows), [[Some("10".to_owned())]]);
    assert_eq!(last_engine(&client).await, "duckdb");
    let notice = notices.recv().await.expect("a notice");
    assert!(
        notice.starts_with("datafusion could not run the statement")
            && notice.ends_with("it ran on duckdb"),
        "{notice}"
    );
    // The extended protocol describes and runs it on the same engine.
    let rows = client.query(LATERAL, &[]).await.expect("extended");
    assert_eq!(rows[0].get::<_, i64>(0), 10);
}

#[tokio::test]
async fn a_pinned_engine_never_falls_back() {
    let server = Server::start();
    let client = server.connect().await;
    client
        .batch_execute("SET junction.engine = 'datafusion'")
        .await
        .expect("pin");
    let err = client
        .simple_query(LATERAL)
        .await
        .expect_err("datafusion cannot, and may not hand it on");
    assert_eq!(err.as_db_error().expect("db error").code().code(), "0A000");
    // Errors every engine would hit are not handed on in auto either.
    client
        .batch_execute("RESET junction.engine")
        .await
        .expect("reset");
    let err = client
        .simple_query("select cast(name as integer) from silver.patients")
        .await
        .expect_err("bad data");
    assert_eq!(err.as_db_error().expect("db error").code().code(), "22P02");
    assert_eq!(last_engine(&client).await, "datafusion");
}

#[tokio::test]
async fn duckdbs_own_extensions_read_delta_and_iceberg_when_configured() {
    let server =
        Server::start_with_config(&junction_conformance::peers::duckdb_extensions_config());
    let client = server.connect().await;
    let sql = "select v.patient_id, count(*), sum(h.readings) from silver.vitals v \
               join gold.vitals_hourly h using (patient_id) group by 1 order by 1";
    let route = text_rows(
        &client
            .simple_query(&format!("/*+ ENGINE(duckdb) */ EXPLAIN ROUTE {sql}"))
            .await
            .expect("explain"),
    );
    let duckdb = route
        .iter()
        .find(|r| r[0].as_deref() == Some("duckdb"))
        .and_then(|r| r[5].clone())
        .expect("duckdb's table access");
    assert_eq!(
        duckdb,
        "gold.vitals_hourly: iceberg extension (iceberg_scan); \
         silver.vitals: delta extension (delta_scan)"
    );
    let datafusion = text_rows(&client.simple_query(sql).await.expect(sql));
    pin_duckdb(&client).await;
    let through_extensions = text_rows(&client.simple_query(sql).await.expect(sql));
    assert_eq!(last_engine(&client).await, "duckdb");
    assert!(!datafusion.is_empty());
    assert_eq!(through_extensions, datafusion);
}

#[tokio::test]
async fn a_correlated_subquery_datafusion_cannot_decorrelate_runs_on_duckdb() {
    let server = Server::start();
    let (client, mut notices) = connect_with_notices(&server).await;
    // PostgreSQL checks at run time that the subquery yields one row. junction gives a plain
    // correlated subquery's value through an aggregate that checks it, which DataFusion
    // decorrelates; one with a LIMIT it cannot.
    let plain = "select v.patient_id, (select p.ward from silver.patients p \
                 where p.patient_id = v.patient_id) as ward \
                 from silver.vitals v order by v.reading_id limit 3";
    let limited = "select v.patient_id, (select p.ward from silver.patients p \
                   where p.patient_id = v.patient_id order by p.ward limit 1) as ward \
                   from silver.vitals v order by v.reading_id limit 3";
    let on_datafusion = text_rows(&client.simple_query(plain).await.expect("runs"));
    assert_eq!(last_engine(&client).await, "datafusion");
    let rows = text_rows(&client.simple_query(limited).await.expect("falls back"));
    assert_eq!(rows.len(), 3);
    assert!(rows.iter().all(|r| r[1].is_some()), "{rows:?}");
    assert_eq!(rows, on_datafusion);
    assert_eq!(last_engine(&client).await, "duckdb");
    let notice = notices.recv().await.expect("a notice");
    assert!(notice.contains("correlated scalar subquery"), "{notice}");
}

/// One DuckDB instance serves sessions of two catalogs in turn: each statement reads its own
/// session's catalog, whichever catalog the instance's previous statement read.
#[tokio::test]
async fn one_duckdb_instance_serves_each_session_its_own_catalog() {
    use std::sync::Arc;

    use arrow::array::{ArrayRef, Int32Array, RecordBatch};

    let other = tempfile::tempdir().expect("temp dir");
    std::fs::create_dir(other.path().join("silver")).expect("mkdir");
    let marker: ArrayRef = Arc::new(Int32Array::from(vec![7]));
    let batch = RecordBatch::try_from_iter([("n", marker)]).expect("batch");
    crate::server::write_parquet(&other.path().join("silver/marker.parquet"), &batch);
    let server = Server::start_with_config(&format!(
        "[engines.duckdb]\nconnections = 1\n\n\
         [[catalog]]\nname = \"other\"\ntype = \"warehouse\"\npath = \"{}\"\n",
        other.path().display()
    ));
    let warehouse = server.connect_to("warehouse").await;
    let other = server.connect_to("other").await;
    pin_duckdb(&warehouse).await;
    pin_duckdb(&other).await;
    for turn in 0..3 {
        assert_answers(&warehouse, &format!("warehouse, turn {turn}")).await;
        let rows = other
            .simple_query("select n from silver.marker")
            .await
            .unwrap_or_else(|e| panic!("other, turn {turn}: {e}"));
        assert_eq!(text_rows(&rows), [[Some("7".to_owned())]], "turn {turn}");
        assert_eq!(last_engine(&other).await, "duckdb");
        // The other catalog has no silver.devices: the warehouse's statement must not
        // resolve there.
        let missing = other
            .simple_query("select count(*) from silver.devices")
            .await
            .expect_err("silver.devices is the warehouse's");
        assert_eq!(
            missing.code().map(|c| c.code()),
            Some("42P01"),
            "turn {turn}: {missing}"
        );
    }
}

/// A `timestamptz` read as a wall-clock time is read in the session's `TimeZone`, as
/// PostgreSQL reads it. DuckDB (with ICU) takes the session's zone; DataFusion computes in
/// UTC, so it refuses such statements in another zone (0A000) and `auto` runs them on DuckDB.
/// The answers are PostgreSQL 15's in `Europe/Warsaw`.
#[tokio::test]
async fn a_timestamptz_is_read_in_the_sessions_time_zone() {
    let server =
        Server::start_with_config(&junction_conformance::peers::duckdb_extensions_config());
    let client = server.connect().await;
    client
        .batch_execute("SET TimeZone = 'Europe/Warsaw'; SET junction.result_cache = off")
        .await
        .expect("session");
    let cases = [
        (
            "select extract(hour from timestamptz '2026-07-01 10:00:00+00')",
            "12",
        ),
        (
            "select (timestamptz '2026-07-01 23:00:00+00')::date",
            "2026-07-02",
        ),
        (
            "select date_trunc('day', timestamptz '2026-07-01 23:00:00+00')",
            "2026-07-02 00:00:00+02",
        ),
        (
            "select (timestamptz '2026-07-01 23:00:00+00')::timestamp",
            "2026-07-02 01:00:00",
        ),
        (
            "select to_char(timestamptz '2026-07-01 10:00:00+00', 'YYYY-MM-DD HH24:MI')",
            "2026-07-01 12:00",
        ),
        // A calendar day across the change to summer time is 23 hours.
        (
            "select timestamptz '2026-03-28 12:00:00+00' + interval '1 day'",
            "2026-03-29 13:00:00+02",
        ),
        (
            "select '2026-07-01 10:00'::timestamptz",
            "2026-07-01 10:00:00+02",
        ),
        (
            "select timestamptz '2026-07-01 10:00:00+00' > '2026-07-01 11:00'",
            "t",
        ),
        (
            "select date_part('dow', timestamptz '2026-07-04 23:30:00+00')",
            "0",
        ),
        (
            "select date_trunc('month', timestamptz '2026-06-30 23:30:00+00')",
            "2026-07-01 00:00:00+02",
        ),
        (
            "select (timestamptz '2026-07-01 10:00:00+00')::text",
            "2026-07-01 12:00:00+02",
        ),
        (
            "select 'at ' || timestamptz '2026-07-01 10:00:00+00'",
            "at 2026-07-01 12:00:00+02",
        ),
        // Columns of a VALUES list and a CTE are as well typed as a table's.
        (
            "select x::date from (values (timestamptz '2026-07-01 23:00:00+00')) t(x)",
            "2026-07-02",
        ),
        (
            "with c as (select timestamptz '2026-07-01 23:00:00+00' as x) \
             select extract(hour from x) from c",
            "1",
        ),
    ];
    for (sql, answer) in cases {
        for engine in ["auto", "duckdb"] {
            use_engine(&client, engine).await;
            let rows = client.simple_query(sql).await.expect(sql);
            assert_eq!(
                text_rows(&rows),
                [[Some(answer.to_owned())]],
                "{engine}: {sql}"
            );
            assert_eq!(last_engine(&client).await, "duckdb", "{engine}: {sql}");
        }
        client
            .batch_execute("SET junction.engine = 'datafusion'")
            .await
            .expect("engine");
        let refused = client.simple_query(sql).await.expect_err(sql);
        assert_eq!(refused.code().map(|c| c.code()), Some("0A000"), "{sql}");
    }
    // What is the same in every zone stays on DataFusion.
    let rows = client
        .simple_query(
            "select extract(epoch from timestamptz '2026-07-01 10:00:00+00') > 0, \
             timestamptz '2026-07-01 10:00:00+00' + interval '90 minutes'",
        )
        .await
        .expect("instants");
    assert_eq!(
        text_rows(&rows),
        [[
            Some("t".to_owned()),
            Some("2026-07-01 13:30:00+02".to_owned())
        ]]
    );
    assert_eq!(last_engine(&client).await, "datafusion");
    // The current date is the zone's: bound from the session, on any engine.
    let rows = client
        .simple_query(
            "select current_date = (now() at time zone 'Europe/Warsaw')::date, \
             to_char(timestamptz '2026-07-01 10:00:00+00', 'HH24 TZ') is null",
        )
        .await;
    // to_char's TZ has no engine in a zone other than UTC: DuckDB's %Z is the zone's name.
    let refused = rows.expect_err("TZ outside UTC");
    assert_eq!(refused.code().map(|c| c.code()), Some("0A000"), "{refused}");
    client
        .batch_execute("SET TimeZone = 'UTC'; RESET junction.engine")
        .await
        .expect("UTC");
    let rows = client
        .simple_query("select to_char(timestamptz '2026-07-01 10:00:00+00', 'HH24:MI TZ')")
        .await
        .expect("TZ in UTC");
    assert_eq!(text_rows(&rows), [[Some("10:00 UTC".to_owned())]]);
}
