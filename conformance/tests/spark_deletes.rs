//! Tables with Spark's own merge-on-read deletes, written by Spark 3.5 with delta-spark and
//! the Iceberg runtime from Maven Central (`vitals_tables.py spark-deletes`): Delta with
//! deletion vectors and column mapping (a column renamed after the files were written), and
//! Iceberg v2 with a position delete and an equality delete. Every engine reads each as
//! Spark reads it (DuckDB through its delta and iceberg extensions); DuckDB without those
//! refuses with 0A000, and `auto` then answers on DataFusion: never a wrong count.

use junction_conformance::peers::{
    connect, duckdb_extensions_config, error_of, junction_bin, script_json, simple_rows as rows,
    Junction, ENGINES,
};
use serde_json::Value;

/// Spark's rows as junction's text rows.
fn text_rows(rows: &Value) -> Vec<Vec<String>> {
    rows.as_array()
        .expect("rows")
        .iter()
        .map(|row| {
            row.as_array()
                .expect("a row")
                .iter()
                .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned))
                .collect()
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spark_deletes_read_as_spark_reads_them() {
    let dir = tempfile::tempdir().expect("temp dir");
    let warehouse = dir.path().join("warehouse");
    let written = script_json(
        "vitals_tables.py",
        &["spark-deletes".as_ref(), warehouse.as_os_str()],
    );
    // What the tables are about: the deletes are there, as Spark wrote them.
    assert!(
        written["delta"]["deletion_vectors"].as_u64() >= Some(1),
        "{written}"
    );
    assert_eq!(
        written["iceberg"]["delete_contents"],
        serde_json::json!([1, 2])
    );
    let delta = text_rows(&written["delta"]["rows"]);
    let iceberg = text_rows(&written["iceberg"]["rows"]);
    assert_eq!(delta.len(), 4, "patient 2 deleted: {delta:?}");
    assert_eq!(iceberg.len(), 3, "patients 2 and 3 deleted: {iceberg:?}");
    let delta_sql = "SELECT patient_id, ward, pulse FROM lake.vitals_dv ORDER BY 1";
    let iceberg_sql = "SELECT patient_id, ward, heart_rate FROM ice.vitals_eq ORDER BY 1";

    let config = dir.path().join("junction.toml");
    std::fs::write(&config, duckdb_extensions_config()).expect("write the configuration");
    let junction =
        Junction::serve_with_config(&junction_bin(), &warehouse, Some(&config)).expect("serve");
    let client = connect(junction.port, "junction", "junction")
        .await
        .expect("connect");
    for engine in ENGINES {
        client
            .batch_execute(&format!("SET junction.engine = '{engine}'"))
            .await
            .expect("pin the engine");
        assert_eq!(
            rows(&client, delta_sql).await.expect(delta_sql),
            delta,
            "{engine}"
        );
        assert_eq!(
            rows(&client, iceberg_sql).await.expect(iceberg_sql),
            iceberg,
            "{engine}"
        );
    }

    // DuckDB reading the files itself cannot apply either kind of delete: it says so.
    let plain = Junction::serve(&junction_bin(), &warehouse).expect("serve");
    let client = connect(plain.port, "junction", "junction")
        .await
        .expect("connect");
    client
        .batch_execute("SET junction.engine = 'duckdb'")
        .await
        .expect("pin duckdb");
    for sql in [delta_sql, iceberg_sql] {
        let (code, message) = error_of(&client, sql).await;
        assert_eq!(code, "0A000", "{sql}: {message}");
    }
    client
        .batch_execute("SET junction.engine = 'auto'")
        .await
        .expect("auto");
    assert_eq!(rows(&client, delta_sql).await.expect(delta_sql), delta);
    assert_eq!(
        rows(&client, iceberg_sql).await.expect(iceberg_sql),
        iceberg
    );
}
