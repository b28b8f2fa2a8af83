//! A Hive Metastore as a junction catalog: the peers' real Hive 2.3 metastore (`hms.sh`)
//! with Iceberg tables Spark registered there (`vitals_tables.py iceberg --spark-hms`: v2 with
//! position-delete files, v3 with deletion vectors), a Delta table written by delta-rs and
//! Parquet and text tables written by pyarrow and by hand, registered as Spark and Hive
//! register them (scripts/hms_tables.py). Every table is read through the PostgreSQL wire on
//! every engine, text tables compared with what Hive's own SerDes read in them (Spark with
//! Hive support, scripts/hive_text_spark.py); then the metastore goes down.

use std::ffi::OsStr;
use std::time::{Duration, Instant};

use junction_conformance::peers::{
    self, connect, error_of, script_json, simple_rows as rows, table, write_vitals, Junction,
    ServerPeer, ENGINES,
};
use tokio_postgres::error::SqlState;

/// The catalog's `timeout` in the configuration below.
const TIMEOUT: Duration = Duration::from_secs(2);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hive_metastore_tables_on_every_engine_and_through_an_outage() {
    let hms = ServerPeer::hive_metastore();
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("data");
    let uri = OsStr::new(&hms.uri);
    write_vitals(
        "iceberg",
        &[data.as_os_str(), OsStr::new("--spark-hms"), uri],
    );
    write_vitals("delta", &[data.as_os_str()]);
    let expected = script_json("hms_tables.py", &[data.as_os_str(), uri]);
    let pair = |name: &str| {
        let pair = &expected[name];
        vec![vec![pair[0].to_string(), pair[1].to_string()]]
    };
    let parquet_rows = json_rows(&expected["vitals_parquet"]);
    // The text tables as Hive's own SerDes read them, through Spark.
    let text_tables = ["notes", "ward_log", "ward_log_quirks"];
    let mut spark_args = vec![data.as_os_str(), uri];
    spark_args.extend(text_tables.iter().map(OsStr::new));
    let spark = script_json("hive_text_spark.py", &spark_args);
    let hive_rows = |name: &str| sorted(json_rows(&spark[name]));

    let extensions = peers::duckdb_extensions();
    let config = format!(
        "[[catalog]]\nname = \"hms\"\ntype = \"hive\"\nuri = \"{}\"\n\
         metadata_ttl = \"1s\"\ntimeout = \"{}s\"\n\n\
         [engines.duckdb]\nextension_directory = \"{extensions}\"\n",
        hms.uri,
        TIMEOUT.as_secs()
    );
    let junction = Junction::serve_config_in(dir.path(), &config);
    let client = connect(junction.port, "junction", "hms")
        .await
        .expect("connect to hms");
    let other = connect(junction.port, "junction", "warehouse")
        .await
        .expect("connect to warehouse");

    // Spark's rows after insert, insert, DELETE patient 2, UPDATE patient 5 (vitals_tables.py iceberg).
    let spark_rows = table(&[&["1", "88"], &["3", "75"], &["4", "64"], &["5", "99"]]);
    for engine in ENGINES {
        client
            .batch_execute(&format!("SET junction.engine = '{engine}'"))
            .await
            .expect("pin the engine");
        let read = |sql: &'static str| {
            let client = &client;
            async move {
                rows(client, sql)
                    .await
                    .unwrap_or_else(|e| panic!("{engine}: {sql}: {e:?}"))
            }
        };
        assert_eq!(
            read("SELECT count(*), sum(heart_rate) FROM clinic.vitals_delta").await,
            pair("vitals_delta"),
            "{engine}"
        );
        // Partitions in Hive's folders, elsewhere, and NULL, with values from the metastore.
        assert_eq!(
            read("SELECT patient_id, ward, heart_rate FROM clinic.vitals_parquet ORDER BY 1").await,
            parquet_rows,
            "{engine}"
        );
        assert_eq!(
            read("SELECT count(*) FROM clinic.vitals_parquet WHERE ward IS NULL").await,
            table(&[&["1"]]),
            "{engine}"
        );
        assert_eq!(
            read("SELECT count(*), sum(beds) FROM clinic.devices").await,
            pair("devices"),
            "{engine}"
        );
        assert_eq!(
            read("SELECT patient_id, heart_rate FROM demo.vitals_v2 ORDER BY 1").await,
            spark_rows,
            "{engine}: Iceberg v2 with position-delete files"
        );
        let (code, message) = error_of(&client, "SELECT * FROM clinic.ward_view").await;
        assert_eq!(code, "0A000", "{engine}: {message}");
        assert!(message.contains("hms.clinic.ward_view"), "{message}");
        // Hive text: \x01 between fields; \N, a missing last field and an id that is not a
        // number are NULL, an empty field is an empty string and fields beyond the columns
        // are ignored, and a blank line is a row, as Hive reads them; the day from the
        // metastore's partitions.
        assert_eq!(
            sorted(read("SELECT patient_id, note, day FROM clinic.notes").await),
            hive_rows("notes"),
            "{engine}"
        );
        assert_eq!(
            read("SELECT count(*) FROM clinic.notes").await,
            table(&[&[hive_rows("notes").len().to_string().as_str()]]),
            "{engine}: rows counted without reading a column"
        );
        // A filter on the partition column picks the day's files (on DataFusion).
        let day: Vec<Vec<String>> = hive_rows("notes")
            .into_iter()
            .filter(|row| row[2] == "2026-01-02")
            .collect();
        assert_eq!(
            sorted(
                read("SELECT patient_id, note, day FROM clinic.notes WHERE day = '2026-01-02'")
                    .await
            ),
            day,
            "{engine}"
        );
        // Comma-separated, a header line skipped, empty fields NULL.
        assert_eq!(
            read("SELECT ward, beds FROM clinic.wards_csv ORDER BY 2").await,
            table(&[&["NULL", "4"], &["icu", "12"], &["west", "NULL"]]),
            "{engine}"
        );
        // OpenCSVSerde: opencsv's quoting and escapes, as Hive splits lines with them, on
        // DataFusion; DuckDB's CSV reader has other rules, so it refuses these tables.
        for name in ["ward_log", "ward_log_quirks"] {
            let sql = format!("SELECT ward, beds, note FROM clinic.{name}");
            if *engine == "duckdb" {
                let (code, message) = error_of(&client, &sql).await;
                assert_eq!(code, "0A000", "{name}: {message}");
                assert!(message.contains("OpenCSVSerde"), "{message}");
            } else {
                let got = rows(&client, &sql).await;
                let got = got.unwrap_or_else(|e| panic!("{engine}: {sql}: {e:?}"));
                assert_eq!(sorted(got), hive_rows(name), "{engine}: {name}");
            }
        }
        let (code, message) = error_of(&client, "SELECT * FROM clinic.wards_footer").await;
        assert_eq!(code, "0A000", "{engine}: {message}");
        assert!(message.contains("skip.footer.line.count"), "{message}");
        let (code, message) = error_of(&client, "SELECT * FROM clinic.events").await;
        assert_eq!(code, "0A000", "{engine}: {message}");
        assert!(message.contains("JsonSerDe"), "{message}");
        let (code, message) = error_of(&client, "SELECT * FROM clinic.gone").await;
        assert_eq!(code, "58030", "{engine}: {message}");
        assert!(message.contains("gone"), "{message}");
        let missing = client
            .simple_query("SELECT * FROM clinic.nosuch")
            .await
            .expect_err("no such table");
        assert_eq!(missing.code(), Some(&SqlState::UNDEFINED_TABLE), "{engine}");
    }

    // Iceberg v3 deletion vectors: iceberg-rust 0.10 cannot apply them, so DataFusion
    // refuses the table with that reason and `auto` routes it to DuckDB's iceberg extension.
    client
        .batch_execute("SET junction.engine = 'datafusion'")
        .await
        .expect("pin datafusion");
    let (code, message) = error_of(&client, "SELECT count(*) FROM demo.vitals_v3").await;
    assert_eq!(code, "0A000", "{message}");
    assert!(message.contains("deletion vectors"), "{message}");
    for engine in ["duckdb", "auto"] {
        client
            .batch_execute(&format!("SET junction.engine = '{engine}'"))
            .await
            .expect("pin the engine");
        assert_eq!(
            rows(
                &client,
                "SELECT patient_id, heart_rate FROM demo.vitals_v3 ORDER BY 1"
            )
            .await
            .expect("read demo.vitals_v3"),
            spark_rows,
            "{engine}: Iceberg v3 with deletion vectors"
        );
    }
    let route = rows(&client, "EXPLAIN ROUTE SELECT count(*) FROM demo.vitals_v3")
        .await
        .expect("explain route");
    assert!(
        route.iter().any(|row| row[0] == "duckdb" && row[1] == "t"),
        "{route:?}"
    );

    // `auto` leaves OpenCSVSerde tables to DataFusion.
    client
        .batch_execute("SET junction.engine = 'auto'")
        .await
        .expect("auto");
    assert_eq!(
        sorted(
            rows(&client, "SELECT ward, beds, note FROM clinic.ward_log")
                .await
                .expect("auto reads ward_log")
        ),
        hive_rows("ward_log")
    );

    let listing = "SELECT table_schema, table_name FROM information_schema.tables \
                   WHERE table_schema IN ('clinic', 'demo') ORDER BY 1, 2";
    let tables = table(&[
        &["clinic", "devices"],
        &["clinic", "events"],
        &["clinic", "gone"],
        &["clinic", "notes"],
        &["clinic", "vitals_delta"],
        &["clinic", "vitals_parquet"],
        &["clinic", "ward_log"],
        &["clinic", "ward_log_quirks"],
        &["clinic", "ward_view"],
        &["clinic", "wards_csv"],
        &["clinic", "wards_footer"],
        &["demo", "vitals_v2"],
        &["demo", "vitals_v3"],
    ]);
    assert_eq!(rows(&client, listing).await.expect("listing"), tables);
    // A three-part name reaches the metastore from another database.
    assert_eq!(
        rows(&other, "SELECT count(*), sum(beds) FROM hms.clinic.devices")
            .await
            .expect("three-part name"),
        pair("devices")
    );

    // The metastore goes down. Past metadata_ttl, a query of its tables fails within the
    // timeout with 58000 naming the catalog; the listing answers from what was fetched;
    // other catalogs do not notice.
    hms.stop();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    for engine in ENGINES {
        client
            .batch_execute(&format!("SET junction.engine = '{engine}'"))
            .await
            .expect("pin the engine");
        let started = Instant::now();
        let (code, message) = error_of(&client, "SELECT count(*) FROM clinic.devices").await;
        assert!(
            started.elapsed() < TIMEOUT + Duration::from_secs(3),
            "{engine}: took {:?}",
            started.elapsed()
        );
        assert_eq!(code, "58000", "{engine}: {message}");
        assert!(message.contains("\"hms\""), "{message}");
    }
    client
        .batch_execute("RESET junction.engine")
        .await
        .expect("reset");
    assert_eq!(
        rows(&client, listing).await.expect("listing from cache"),
        tables
    );
    assert_eq!(
        rows(&other, "SELECT 1").await.expect("other catalog"),
        table(&[&["1"]])
    );
}

/// Rows a script printed as JSON arrays, every value as text (NULL for null).
fn json_rows(rows: &serde_json::Value) -> Vec<Vec<String>> {
    let rows = rows
        .as_array()
        .unwrap_or_else(|| panic!("rows, not {rows}"));
    rows.iter()
        .map(|row| {
            row.as_array()
                .expect("row")
                .iter()
                .map(|v| match v {
                    serde_json::Value::String(s) => s.clone(),
                    serde_json::Value::Null => "NULL".to_owned(),
                    other => other.to_string(),
                })
                .collect()
        })
        .collect()
}

fn sorted(mut rows: Vec<Vec<String>>) -> Vec<Vec<String>> {
    rows.sort();
    rows
}
