//! An Iceberg REST catalog as a junction catalog: Apache Iceberg's own REST server (the
//! peers' `iceberg-rest.sh`) with tables written through it by pyiceberg, read through the
//! PostgreSQL wire on every engine; then the server goes down.

use std::process::Command;
use std::time::{Duration, Instant};

use junction_conformance::peers::{
    connect, error_of, peers_python, run_ok, simple_rows as rows, table, Junction, ServerPeer,
    ENGINES,
};
use tokio_postgres::error::SqlState;

/// The catalog's `timeout` in the configuration below.
const TIMEOUT: Duration = Duration::from_secs(2);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn iceberg_rest_tables_on_every_engine_and_through_an_outage() {
    let rest = ServerPeer::iceberg_rest();
    let script = junction_conformance::crate_dir().join("scripts/iceberg_rest_tables.py");
    run_ok(
        Command::new(peers_python()).arg(&script).arg(&rest.uri),
        "iceberg_rest_tables.py",
    );

    let dir = tempfile::tempdir().expect("temp dir");
    let config = format!(
        "[[catalog]]\nname = \"ice\"\ntype = \"iceberg-rest\"\nuri = \"{}\"\n\
         metadata_ttl = \"1s\"\ntimeout = \"{}s\"\n",
        rest.uri,
        TIMEOUT.as_secs()
    );
    let junction = Junction::serve_config_in(dir.path(), &config);

    let ice = connect(junction.port, "junction", "ice")
        .await
        .expect("connect to ice");
    let other = connect(junction.port, "junction", "warehouse")
        .await
        .expect("connect to warehouse");
    let vitals = table(&[
        &["1", "ICU", "80"],
        &["2", "ER", "95"],
        &["3", "ICU", "NULL"],
        &["4", "ER", "70"],
    ]);
    for engine in ENGINES {
        for client in [&ice, &other] {
            client
                .batch_execute(&format!("SET junction.engine = '{engine}'"))
                .await
                .expect("pin the engine");
        }
        assert_eq!(
            rows(&ice, "SELECT * FROM clinic.vitals ORDER BY patient_id")
                .await
                .expect("read clinic.vitals"),
            vitals,
            "{engine}"
        );
        // A three-part name reaches the REST catalog from another database.
        assert_eq!(
            rows(
                &other,
                "SELECT ward, count(*), sum(heart_rate) FROM ice.clinic.vitals GROUP BY ward ORDER BY ward"
            )
            .await
            .expect("read ice.clinic.vitals"),
            table(&[&["ER", "2", "165"], &["ICU", "2", "80"]]),
            "{engine}"
        );
        assert_eq!(
            rows(&ice, "SELECT count(*) FROM clinic.empty")
                .await
                .expect("empty table"),
            table(&[&["0"]]),
            "{engine}"
        );
        let missing = ice
            .simple_query("SELECT * FROM clinic.nosuch")
            .await
            .expect_err("no such table");
        assert_eq!(missing.code(), Some(&SqlState::UNDEFINED_TABLE), "{engine}");
    }
    let listing = "SELECT table_schema, table_name FROM information_schema.tables \
                   WHERE table_schema = 'clinic' ORDER BY table_name";
    let tables = table(&[&["clinic", "empty"], &["clinic", "vitals"]]);
    // The system catalogs are DataFusion's to answer: back to `auto`.
    ice.batch_execute("RESET junction.engine")
        .await
        .expect("reset");
    assert_eq!(rows(&ice, listing).await.expect("listing"), tables);

    // The server goes down. Past metadata_ttl, a query of its tables fails within the
    // timeout with 58000 naming the catalog; the listing answers from what was fetched;
    // other catalogs do not notice.
    rest.stop();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    for engine in ENGINES {
        ice.batch_execute(&format!("SET junction.engine = '{engine}'"))
            .await
            .expect("pin the engine");
        let started = Instant::now();
        let (code, message) = error_of(&ice, "SELECT count(*) FROM clinic.vitals").await;
        assert!(
            started.elapsed() < TIMEOUT + Duration::from_secs(3),
            "{engine}: took {:?}",
            started.elapsed()
        );
        assert_eq!(code, "58000", "{engine}: {message}");
        assert!(message.contains("catalog \"ice\""), "{engine}: {message}");
    }
    ice.batch_execute("RESET junction.engine")
        .await
        .expect("reset");
    assert_eq!(rows(&ice, listing).await.expect("cached listing"), tables);
    assert_eq!(
        rows(&other, "SELECT 1").await.expect("another catalog"),
        table(&[&["1"]])
    );
}
