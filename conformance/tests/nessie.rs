//! Project Nessie as a junction catalog: the Nessie test server (conformance/src/nessie.rs,
//! from the published API v2 model) serves an Iceberg table written by pyiceberg and a Delta
//! table written by delta-rs (conformance/scripts/vitals_tables.py), with a branch and a tag pointing at
//! different states of both. junction reads each reference (`ref` in the configuration,
//! `SET junction.nessie_ref` per session) through the PostgreSQL wire on every engine, and
//! the rows match what the reference readers see at that state. With
//! `JUNCTION_TEST_NESSIE_URL` (and optionally `JUNCTION_TEST_NESSIE_TOKEN`), the listing
//! also runs against that real server.

use junction_conformance::nessie::{NessieContent, NessieRef, NessieServer};
use junction_conformance::peers::{
    connect, error_of, junction_bin, script_json, simple_rows as rows, write_vitals, Junction,
    ENGINES,
};
use tokio_postgres::Client;

const MAIN_HASH: &str = "2e1cfa82b035c26cbbbdae632cea070514eb8b773f616aaeaf668e2f0be8f10d";
const TAG_HASH: &str = "5d8d9d4a0ec4ffdfe3d4c1b1c1f0e3fa8b52a2d3c0f7e2a4c9e1d7b6a5f4e3d2";

fn key(elements: &[&str]) -> Vec<String> {
    elements.iter().map(|e| (*e).to_owned()).collect()
}

fn entry(elements: &[&str], content: NessieContent) -> (Vec<String>, NessieContent) {
    (key(elements), content)
}

/// `(location, rows, sum of heart_rate)` as nessie_tables.py prints them.
fn state(value: &serde_json::Value) -> (String, Vec<Vec<String>>) {
    let location = value[0].as_str().expect("location").to_owned();
    (
        location,
        vec![vec![value[1].to_string(), value[2].to_string()]],
    )
}

fn catalog_entry(name: &str, uri: &str, reference: Option<&str>, token: &str) -> String {
    let reference = reference
        .map(|r| format!("ref = \"{r}\"\n"))
        .unwrap_or_default();
    format!(
        "[[catalog]]\nname = \"{name}\"\ntype = \"nessie\"\nuri = \"{uri}\"\n{reference}\
         token = \"{token}\"\ntimeout = \"5s\"\n\n"
    )
}

async fn read(client: &Client, engine: &str, sql: &str) -> Vec<Vec<String>> {
    rows(client, sql)
        .await
        .unwrap_or_else(|e| panic!("{engine}: {sql}: {e:?}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nessie_references_on_every_engine() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("data");
    for writer in ["iceberg", "delta"] {
        write_vitals(writer, &[data.as_os_str()]);
    }
    let states = script_json("nessie_tables.py", &[data.as_os_str()]);
    let iceberg = states["iceberg"].as_array().expect("iceberg states");
    let delta = states["delta"].as_array().expect("delta states");
    // main: the newest state of both; the tag: the first append of each.
    let (ice_main, ice_main_rows) = state(iceberg.last().expect("an iceberg state"));
    let (ice_tag, ice_tag_rows) = state(&iceberg[0]);
    let (delta_main, delta_main_rows) = state(delta.last().expect("a delta state"));
    let (delta_tag, delta_tag_rows) = state(&delta[1]);
    assert_ne!(ice_main_rows, ice_tag_rows, "the states differ");
    assert_ne!(delta_main_rows, delta_tag_rows, "the states differ");

    let iceberg_at = |location: &str| NessieContent::Iceberg {
        metadata_location: location.to_owned(),
    };
    let delta_at = |location: &str| NessieContent::Delta {
        last_commit: location.to_owned(),
    };
    let server = NessieServer::start(
        vec![
            NessieRef {
                name: "main".into(),
                tag: false,
                hash: MAIN_HASH.into(),
                entries: vec![
                    entry(&["clinic"], NessieContent::Namespace),
                    entry(&["clinic", "vitals_ice"], iceberg_at(&ice_main)),
                    entry(&["clinic", "vitals_delta"], delta_at(&delta_main)),
                    entry(&["clinic", "archive", "vitals"], delta_at(&delta_tag)),
                    entry(&["readings"], iceberg_at(&ice_main)),
                ],
            },
            NessieRef {
                name: "first_load".into(),
                tag: true,
                hash: TAG_HASH.into(),
                entries: vec![
                    entry(&["clinic"], NessieContent::Namespace),
                    entry(&["clinic", "vitals_ice"], iceberg_at(&ice_tag)),
                    entry(&["clinic", "vitals_delta"], delta_at(&delta_tag)),
                ],
            },
        ],
        "main",
        Some("tok"),
    )
    .await;

    let config = [
        catalog_entry("nessie", &server.uri, None, "tok"),
        catalog_entry("tagged", &server.uri, Some("first_load"), "tok"),
        catalog_entry("locked", &server.uri, None, "wrong"),
    ]
    .concat();
    let junction = Junction::serve_config_in(dir.path(), &config);
    let nessie = connect(junction.port, "junction", "nessie")
        .await
        .expect("connect to nessie");
    let tagged = connect(junction.port, "junction", "tagged")
        .await
        .expect("connect to tagged");

    let ice = "SELECT count(*), sum(heart_rate) FROM clinic.vitals_ice";
    let delta_sql = "SELECT count(*), sum(heart_rate) FROM clinic.vitals_delta";
    for engine in ENGINES {
        for client in [&nessie, &tagged] {
            client
                .batch_execute(&format!("SET junction.engine = '{engine}'"))
                .await
                .expect("pin the engine");
        }
        // The default branch, and the tag the configuration names.
        assert_eq!(read(&nessie, engine, ice).await, ice_main_rows, "{engine}");
        assert_eq!(
            read(&nessie, engine, delta_sql).await,
            delta_main_rows,
            "{engine}"
        );
        assert_eq!(read(&tagged, engine, ice).await, ice_tag_rows, "{engine}");
        assert_eq!(
            read(&tagged, engine, delta_sql).await,
            delta_tag_rows,
            "{engine}"
        );
        // A nested namespace is a dotted schema; a key without one is in `public`.
        assert_eq!(
            read(
                &nessie,
                engine,
                "SELECT count(*), sum(heart_rate) FROM \"clinic.archive\".vitals"
            )
            .await,
            delta_tag_rows,
            "{engine}"
        );
        assert_eq!(
            read(
                &nessie,
                engine,
                "SELECT count(*), sum(heart_rate) FROM readings"
            )
            .await,
            ice_main_rows,
            "{engine}"
        );

        // The session's reference, by name and by name@hash, then back to the configured one.
        nessie
            .batch_execute("SET junction.nessie_ref = 'first_load'")
            .await
            .expect("set the reference");
        assert_eq!(read(&nessie, engine, ice).await, ice_tag_rows, "{engine}");
        assert_eq!(
            read(&nessie, engine, delta_sql).await,
            delta_tag_rows,
            "{engine}"
        );
        nessie
            .batch_execute(&format!("SET junction.nessie_ref = 'main@{MAIN_HASH}'"))
            .await
            .expect("set the reference");
        assert_eq!(read(&nessie, engine, ice).await, ice_main_rows, "{engine}");
        nessie
            .batch_execute("SET junction.nessie_ref = 'no_such_branch'")
            .await
            .expect("set the reference");
        let (code, message) = error_of(&nessie, ice).await;
        assert_eq!(code, "42704", "{engine}: {message}");
        assert!(message.contains("no_such_branch"), "{message}");
        nessie
            .batch_execute("RESET junction.nessie_ref")
            .await
            .expect("reset the reference");
        assert_eq!(
            read(&nessie, engine, delta_sql).await,
            delta_main_rows,
            "{engine}"
        );
    }

    nessie
        .batch_execute("RESET junction.engine")
        .await
        .expect("reset");
    assert_eq!(
        rows(
            &nessie,
            "SELECT table_schema, table_name FROM information_schema.tables \
             WHERE table_catalog = 'nessie' AND table_schema <> 'information_schema' \
             AND table_schema <> 'pg_catalog' ORDER BY 1, 2"
        )
        .await
        .expect("listing"),
        vec![
            vec!["clinic".to_owned(), "vitals_delta".to_owned()],
            vec!["clinic".to_owned(), "vitals_ice".to_owned()],
            vec!["clinic.archive".to_owned(), "vitals".to_owned()],
            vec!["public".to_owned(), "readings".to_owned()],
        ]
    );

    // pg_catalog (what `\dt` reads) lists the tables of the session's reference.
    let pg_class = "SELECT n.nspname, c.relname FROM pg_catalog.pg_class c \
                    JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
                    WHERE c.relkind = 'r' AND n.nspname NOT IN ('pg_catalog', 'information_schema') \
                    ORDER BY 1, 2";
    let listed = |pairs: &[(&str, &str)]| -> Vec<Vec<String>> {
        pairs
            .iter()
            .map(|(schema, table)| vec![(*schema).to_owned(), (*table).to_owned()])
            .collect()
    };
    let at_main = listed(&[
        ("clinic", "vitals_delta"),
        ("clinic", "vitals_ice"),
        ("clinic.archive", "vitals"),
        ("public", "readings"),
    ]);
    assert_eq!(rows(&nessie, pg_class).await.expect("pg_class"), at_main);
    nessie
        .batch_execute("SET junction.nessie_ref = 'first_load'")
        .await
        .expect("set the reference");
    assert_eq!(
        rows(&nessie, pg_class).await.expect("pg_class"),
        listed(&[("clinic", "vitals_delta"), ("clinic", "vitals_ice")])
    );
    nessie
        .batch_execute("RESET junction.nessie_ref")
        .await
        .expect("reset the reference");
    assert_eq!(rows(&nessie, pg_class).await.expect("pg_class"), at_main);

    // A wrong token: the server's 401, named, as 58000.
    let (code, message) = error_of(&nessie, "SELECT count(*) FROM locked.clinic.vitals_ice").await;
    assert_eq!(code, "58000", "{message}");
    assert!(
        message.contains("\"locked\"") && message.contains("401"),
        "{message}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nessie_reference_needs_a_nessie_catalog() {
    let dir = tempfile::tempdir().expect("temp dir");
    let junction = Junction::serve_with_config(&junction_bin(), dir.path(), None).expect("serve");
    let client = connect(junction.port, "junction", "warehouse")
        .await
        .expect("connect");
    let (code, message) = error_of(&client, "SET junction.nessie_ref = 'main'").await;
    assert_eq!(code, "22023", "{message}");
    assert!(message.contains("nessie"), "{message}");
}

/// A real Nessie server, when `JUNCTION_TEST_NESSIE_URL` names its API v2 base: junction
/// lists what its default branch holds.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs a live Nessie server: set JUNCTION_TEST_NESSIE_URL and run with --ignored"]
async fn live_nessie_server_lists_its_tables() {
    let uri = std::env::var("JUNCTION_TEST_NESSIE_URL")
        .expect("JUNCTION_TEST_NESSIE_URL names a live Nessie server (its API v2 base); this test needs one");
    let token = std::env::var("JUNCTION_TEST_NESSIE_TOKEN").ok();
    let dir = tempfile::tempdir().expect("temp dir");
    let config = dir.path().join("junction.toml");
    let token = token
        .map(|t| format!("token = \"{t}\"\n"))
        .unwrap_or_default();
    std::fs::write(
        &config,
        format!("[[catalog]]\nname = \"live\"\ntype = \"nessie\"\nuri = \"{uri}\"\n{token}"),
    )
    .expect("write the configuration");
    let junction =
        Junction::serve_with_config(&junction_bin(), dir.path(), Some(&config)).expect("serve");
    let client = connect(junction.port, "junction", "live")
        .await
        .expect("connect");
    rows(
        &client,
        "SELECT table_schema, table_name FROM information_schema.tables",
    )
    .await
    .expect("the real server's tables are listed");
}
