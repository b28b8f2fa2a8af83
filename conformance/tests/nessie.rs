//! Project Nessie as a junction catalog: the Nessie test server (conformance/src/nessie.rs,
//! from the published API v2 model) serves an Iceberg table written by pyiceberg and a Delta
//! table written by delta-rs (conformance/scripts/vitals_tables.py), with a branch and a tag pointing at
//! different states of both. junction reads each reference (`ref` in the configuration,
//! `SET junction.nessie_ref` per session) through the PostgreSQL wire on every engine, and
//! the rows match what the reference readers see at that state. The same, and what only
//! the real server shows (reference syntax, dotted keys, authentication), against a real
//! Nessie 0.99 that scripts/peers/nessie.sh starts.

use junction_conformance::nessie::{NessieContent, NessieRef, NessieServer};
use junction_conformance::peers::{
    connect, duckdb_extensions_config, error_of, junction_bin, script_json, script_json_for,
    simple_rows as rows, write_vitals, Junction, ServerPeer, ENGINES,
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

    // A wrong token: the server's 401, named, as 28000.
    let (code, message) = error_of(&nessie, "SELECT count(*) FROM locked.clinic.vitals_ice").await;
    assert_eq!(code, "28000", "{message}");
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

/// The junction.toml of the real-Nessie tests: `nessie` through Nessie's own API, `rest`
/// through its Iceberg REST endpoint, both over the Nessie peer's S3 warehouse.
fn real_nessie_config(nessie: &ServerPeer, tokens: &[(&str, &str)]) -> String {
    let mut config = String::new();
    for (name, token) in tokens {
        config += &format!(
            "[[catalog]]\nname = \"{name}\"\ntype = \"nessie\"\nuri = \"{}/api/v2\"\n\
             metadata_ttl = \"1s\"\n{token}\n",
            nessie.uri
        );
    }
    config += &format!(
        "[[catalog]]\nname = \"rest\"\ntype = \"iceberg-rest\"\nuri = \"{}/iceberg\"\n\
         metadata_ttl = \"1s\"\n\n[storage.s3]\nendpoint = \"{}\"\naccess_key_id = \"{}\"\n\
         secret_access_key = \"{}\"\nallow_http = true\n\n{}",
        nessie.uri,
        nessie.export("AWS_ENDPOINT_URL"),
        nessie.export("AWS_ACCESS_KEY_ID"),
        nessie.export("AWS_SECRET_ACCESS_KEY"),
        duckdb_extensions_config(),
    );
    config
}

/// `[rows, sum of heart_rate]` as nessie_live.py prints a state, as junction's text rows.
fn expected(state: &serde_json::Value) -> Vec<Vec<String>> {
    vec![vec![state[0].to_string(), state[1].to_string()]]
}

/// A real Nessie 0.99 (scripts/peers/nessie.sh): tables written through its Iceberg REST
/// endpoint by pyiceberg, a tag, a branch, and a namespace and table whose names hold dots.
/// junction reads every reference form Nessie takes, through Nessie's API and through its
/// Iceberg REST endpoint, on every engine, and sees a commit that lands while it serves.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn real_nessie_references_on_every_engine() {
    let nessie = ServerPeer::nessie(&[]);
    let written = script_json_for("nessie_live.py", &["write".as_ref()], &nessie.exports);
    let dir = tempfile::tempdir().expect("temp dir");
    let config = dir.path().join("junction.toml");
    std::fs::write(&config, real_nessie_config(&nessie, &[("nessie", "")]))
        .expect("write the configuration");
    let junction =
        Junction::serve_with_config(&junction_bin(), dir.path(), Some(&config)).expect("serve");
    let client = connect(junction.port, "junction", "nessie")
        .await
        .expect("connect");
    let count = "SELECT count(*), sum(heart_rate) FROM clinic.vitals";
    let count_rest = "SELECT count(*), sum(heart_rate) FROM rest.clinic.vitals";
    let first_hash = written["first_hash"].as_str().expect("first_hash");
    let between = written["between"].as_str().expect("between");
    let back = written["first_back"].as_u64().expect("first_back");
    for engine in ENGINES {
        client
            .batch_execute(&format!("SET junction.engine = '{engine}'"))
            .await
            .expect("pin the engine");
        let listed = read(
            &client,
            engine,
            "SELECT table_schema, table_name FROM information_schema.tables \
             WHERE table_schema NOT IN ('information_schema', 'pg_catalog') ORDER BY 1, 2",
        )
        .await;
        assert_eq!(
            listed,
            vec![vec!["clinic", "vitals"], vec!["dot.ns", "t.x"]],
            "{engine}"
        );
        assert_eq!(
            read(&client, engine, count).await,
            expected(&written["main"]),
            "{engine}"
        );
        assert_eq!(
            read(&client, engine, count_rest).await,
            expected(&written["main"]),
            "{engine}"
        );
        assert_eq!(
            read(
                &client,
                engine,
                "SELECT count(*), sum(heart_rate) FROM \"dot.ns\".\"t.x\""
            )
            .await,
            expected(&written["dotted"]),
            "{engine}: a namespace and a table with dots"
        );
        let references = [
            ("v1".to_owned(), &written["v1"]),
            ("dev".to_owned(), &written["dev"]),
            (format!("main@{first_hash}"), &written["v1"]),
            (format!("main~{back}"), &written["v1"]),
            (format!("main*{between}"), &written["v1"]),
        ];
        for (reference, state) in references {
            client
                .batch_execute(&format!("SET junction.nessie_ref = '{reference}'"))
                .await
                .expect("set the reference");
            assert_eq!(
                read(&client, engine, count).await,
                expected(state),
                "{engine} at {reference}"
            );
            // The Iceberg REST endpoint follows the reference through its `/iceberg/<ref>`
            // prefix; Nessie's prefixes take branch and tag names.
            if !reference.contains(['@', '~', '*']) {
                assert_eq!(
                    read(&client, engine, count_rest).await,
                    expected(state),
                    "{engine} through /iceberg at {reference}"
                );
            }
        }
        client
            .batch_execute("SET junction.nessie_ref = 'main@abc'")
            .await
            .expect("set the reference");
        let (code, message) = error_of(&client, count).await;
        assert_eq!(code, "22023", "{engine}: {message}");
        assert!(
            message.contains("\"main@abc\"") && message.contains("hash"),
            "{message}"
        );
        client
            .batch_execute("SET junction.nessie_ref = 'no-such-branch'")
            .await
            .expect("set the reference");
        let (code, message) = error_of(&client, count).await;
        assert_eq!(code, "42704", "{engine}: {message}");
        client
            .batch_execute("RESET junction.nessie_ref")
            .await
            .expect("reset the reference");
    }

    // A commit lands while the session is open: the next query after `metadata_ttl` sees it.
    let before = read(&client, "auto", count).await;
    let after = script_json_for("nessie_live.py", &["commit".as_ref()], &nessie.exports);
    assert_ne!(before, expected(&after["main"]));
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    assert_eq!(read(&client, "auto", count).await, expected(&after["main"]));
    assert_eq!(
        read(&client, "auto", count_rest).await,
        expected(&after["main"])
    );
}

/// A real Nessie that demands RS256 bearer tokens: junction reads it with a valid token,
/// and a forged one is refused with 28000 naming the catalog.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn real_nessie_with_authentication() {
    let keys = tempfile::tempdir().expect("temp dir");
    let tokens = script_json(
        "nessie_live.py",
        &["keys".as_ref(), keys.path().as_os_str()],
    );
    let token = tokens["token"].as_str().expect("token");
    let forged = tokens["forged"].as_str().expect("forged");
    let public_key = format!("auth={}", keys.path().join("public.pem").display());
    let nessie = ServerPeer::nessie(&[public_key.as_str()]);
    let _ = script_json_for(
        "nessie_live.py",
        &["namespace".as_ref(), "ward".as_ref(), token.as_ref()],
        &nessie.exports,
    );
    let dir = tempfile::tempdir().expect("temp dir");
    let config = dir.path().join("junction.toml");
    let good = format!("token = \"{token}\"");
    let bad = format!("token = \"{forged}\"");
    std::fs::write(
        &config,
        real_nessie_config(&nessie, &[("trusted", &good), ("forged", &bad)]),
    )
    .expect("write the configuration");
    let junction =
        Junction::serve_with_config(&junction_bin(), dir.path(), Some(&config)).expect("serve");
    let client = connect(junction.port, "junction", "trusted")
        .await
        .expect("connect");
    let schemas = read(
        &client,
        "auto",
        "SELECT nspname FROM pg_catalog.pg_namespace WHERE nspname = 'ward'",
    )
    .await;
    assert_eq!(schemas, vec![vec!["ward"]]);
    let (code, message) = error_of(&client, "SELECT count(*) FROM forged.ward.anything").await;
    assert_eq!(code, "28000", "{message}");
    assert!(
        message.contains("\"forged\"") && message.contains("401"),
        "{message}"
    );
}
