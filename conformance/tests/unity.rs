//! Unity Catalog as a junction catalog: the Unity test server (conformance/src/unity.rs,
//! from the published API spec) lists a Delta table written by delta-rs (the peers'
//! vitals_tables.py delta) and a Parquet table written by pyarrow; junction reads them through the
//! PostgreSQL wire on every engine. With `JUNCTION_TEST_UNITY_URL` (and optionally
//! `JUNCTION_TEST_UNITY_CATALOG`, default `unity`, and `JUNCTION_TEST_UNITY_TOKEN`), the
//! listing also runs against that real server.

use junction_conformance::peers::{
    connect, error_of, junction_bin, script_json, simple_rows as rows, write_vitals, Junction,
    ENGINES,
};
use junction_conformance::unity::{UnityServer, UnityTable};
use tokio_postgres::error::SqlState;

fn unity_table(schema: &str, name: &str, format: &str, location: &str, kind: &str) -> UnityTable {
    UnityTable {
        schema: schema.to_owned(),
        name: name.to_owned(),
        format: format.to_owned(),
        storage_location: location.to_owned(),
        table_type: kind.to_owned(),
    }
}

fn catalog_entry(name: &str, uri: &str, catalog: &str, token: Option<&str>) -> String {
    let token = token
        .map(|t| format!("token = \"{t}\"\n"))
        .unwrap_or_default();
    format!(
        "[[catalog]]\nname = \"{name}\"\ntype = \"unity\"\nuri = \"{uri}\"\ncatalog = \"{catalog}\"\n\
         {token}timeout = \"5s\"\nmetadata_ttl = \"1s\"\n"
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unity_tables_on_every_engine() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("data");
    write_vitals("delta", &[data.as_os_str()]);
    let expected = script_json("unity_tables.py", &[data.as_os_str()]);
    let expect = |table: &str| -> Vec<Vec<String>> {
        let pair = &expected[table];
        vec![vec![pair[0].to_string(), pair[1].to_string()]]
    };

    let file = |path: &str| format!("file://{}", data.join(path).display());
    let server = UnityServer::start(
        "unity",
        vec![
            unity_table("clinic", "vitals", "DELTA", &file("vitals"), "EXTERNAL"),
            unity_table("clinic", "devices", "PARQUET", &file("devices"), "EXTERNAL"),
            unity_table("clinic", "notes", "JSON", &file("notes"), "EXTERNAL"),
            unity_table("ops", "readings_view", "DELTA", &file("vitals"), "VIEW"),
        ],
        Some("tok"),
    )
    .await;

    let config = catalog_entry("uc", &server.uri, "unity", Some("tok"))
        + &catalog_entry("uc_badtoken", &server.uri, "unity", Some("wrong"));
    let junction = Junction::serve_config_in(dir.path(), &config);
    let uc = connect(junction.port, "junction", "uc")
        .await
        .expect("connect");

    // Listings go through the spec's paging (one item per page here).
    assert_eq!(
        rows(
            &uc,
            "SELECT table_schema, table_name FROM information_schema.tables \
             WHERE table_schema IN ('clinic', 'ops') ORDER BY 1, 2"
        )
        .await
        .expect("listing"),
        vec![
            vec!["clinic".to_owned(), "devices".to_owned()],
            vec!["clinic".to_owned(), "notes".to_owned()],
            vec!["clinic".to_owned(), "vitals".to_owned()],
            vec!["ops".to_owned(), "readings_view".to_owned()],
        ]
    );
    for engine in ENGINES {
        uc.batch_execute(&format!("SET junction.engine = '{engine}'"))
            .await
            .expect("pin the engine");
        assert_eq!(
            rows(&uc, "SELECT count(*), sum(heart_rate) FROM clinic.vitals")
                .await
                .expect("read the Delta table"),
            expect("vitals"),
            "{engine}"
        );
        assert_eq!(
            rows(&uc, "SELECT count(*), sum(beds) FROM uc.clinic.devices")
                .await
                .expect("read the Parquet table"),
            expect("devices"),
            "{engine}"
        );
        for (sql, code) in [
            (
                "SELECT * FROM clinic.notes",
                SqlState::FEATURE_NOT_SUPPORTED,
            ),
            (
                "SELECT * FROM ops.readings_view",
                SqlState::FEATURE_NOT_SUPPORTED,
            ),
            ("SELECT * FROM clinic.nosuch", SqlState::UNDEFINED_TABLE),
            (
                "SELECT * FROM uc_badtoken.clinic.vitals",
                SqlState::from_code("58000"),
            ),
        ] {
            let (got, message) = error_of(&uc, sql).await;
            assert_eq!(got, code.code(), "{engine}: {sql}: {message}");
            if code == SqlState::from_code("58000") {
                assert!(
                    message.contains("uc_badtoken") && message.contains("401"),
                    "{message}"
                );
            }
        }
    }

    // A file added to the Parquet table: once metadata_ttl (1s) has passed, queries see it;
    // the handle loaded before is not reused, its files no longer being the table's.
    let devices = data.join("devices");
    let first = std::fs::read_dir(&devices)
        .expect("the devices folder")
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .find(|path| path.extension().is_some_and(|e| e == "parquet"))
        .expect("a Parquet file");
    std::fs::copy(&first, devices.join("copy.parquet")).expect("copy");
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    let count = &expected["devices"][0];
    let sum = &expected["devices"][1];
    let (count, sum) = (count.as_i64().expect("count"), sum.as_i64().expect("sum"));
    let read = rows(&uc, "SELECT count(*), sum(beds) FROM clinic.devices")
        .await
        .expect("read the Parquet table");
    let (now_count, now_sum): (i64, i64) = (
        read[0][0].parse().expect("count"),
        read[0][1].parse().expect("sum"),
    );
    assert!(
        now_count > count && now_sum > sum,
        "the added file is read: {read:?}, before {count} {sum}"
    );
}

/// Against a real Unity Catalog server, when one is named: junction lists its schemas as
/// the server does.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs a live Unity Catalog server: set JUNCTION_TEST_UNITY_URL and run with --ignored"]
async fn a_live_unity_server_lists_as_junction_does() {
    let uri = std::env::var("JUNCTION_TEST_UNITY_URL")
        .expect("JUNCTION_TEST_UNITY_URL names a live Unity Catalog server; this test needs one");
    let catalog =
        std::env::var("JUNCTION_TEST_UNITY_CATALOG").unwrap_or_else(|_| "unity".to_owned());
    let token = std::env::var("JUNCTION_TEST_UNITY_TOKEN").ok();
    let dir = tempfile::tempdir().expect("temp dir");
    let config = dir.path().join("junction.toml");
    std::fs::write(
        &config,
        catalog_entry("live", &uri, &catalog, token.as_deref()),
    )
    .expect("write the configuration");
    let junction =
        Junction::serve_with_config(&junction_bin(), dir.path(), Some(&config)).expect("serve");
    let live = connect(junction.port, "junction", "live")
        .await
        .expect("connect");
    let schemas = rows(
        &live,
        "SELECT schema_name FROM information_schema.schemata ORDER BY 1",
    )
    .await
    .expect("list the live server's schemas");
    assert!(!schemas.is_empty(), "no schemas listed");
}
