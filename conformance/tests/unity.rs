//! Unity Catalog as a junction catalog: the Unity test server (conformance/src/unity.rs,
//! from the published API spec) lists a Delta table written by delta-rs (the peers'
//! vitals_tables.py delta) and a Parquet table written by pyarrow; junction reads them through the
//! PostgreSQL wire on every engine. No Unity Catalog server can be installed here; a real
//! 0.6.0 server's answers are recorded (conformance/data/unity-recorded/), and junction is
//! checked against them replayed.

use junction_conformance::peers::{
    connect, error_of, script_json, simple_rows as rows, write_vitals, Junction, ENGINES,
};
use junction_conformance::unity::{UnityServer, UnityTable};
use junction_conformance::unity_recorded::{self, RecordedUnity};
use serde_json::Value;
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

    // The listings, in one page each as the real server answers without max_results.
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
                SqlState::INVALID_AUTHORIZATION_SPECIFICATION,
            ),
        ] {
            let (got, message) = error_of(&uc, sql).await;
            assert_eq!(got, code.code(), "{engine}: {sql}: {message}");
            if code == SqlState::INVALID_AUTHORIZATION_SPECIFICATION {
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

/// What a real Unity Catalog 0.6.0 server answered (conformance/data/unity-recorded/),
/// replayed: junction lists and reads its tables on every engine, says what the server says
/// of what is missing, and asks nothing the real server was not asked, once per lookup.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_real_unity_servers_answers_on_every_engine() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("uc-data");
    let expected = script_json("unity_recorded_data.py", &[data.as_os_str()]);
    let server = RecordedUnity::start(&data).await;
    let config = catalog_entry("uc", &server.uri, "unity", None)
        + &catalog_entry("uc_missing", &server.uri, "nosuch", None);
    let junction = Junction::serve_config_in(dir.path(), &config);
    let uc = connect(junction.port, "junction", "uc")
        .await
        .expect("connect");

    // The listings, as the server lists them: a view is a view, an empty schema is there.
    assert_eq!(
        rows(
            &uc,
            "SELECT table_schema, table_name, table_type FROM information_schema.tables \
             WHERE table_catalog = 'uc' AND table_schema IN ('clinic', 'ops') ORDER BY 1, 2"
        )
        .await
        .expect("listing"),
        [
            ("clinic", "devices", "BASE TABLE"),
            ("clinic", "notes", "BASE TABLE"),
            ("clinic", "vitals", "BASE TABLE"),
            ("clinic", "vitals_other", "BASE TABLE"),
            ("clinic", "vitals_s3", "BASE TABLE"),
            ("clinic", "wards", "BASE TABLE"),
            ("ops", "readings_view", "VIEW"),
            ("ops", "vitals_path", "BASE TABLE"),
        ]
        .map(|(s, t, k)| vec![s.to_owned(), t.to_owned(), k.to_owned()])
        .to_vec()
    );
    assert_eq!(
        rows(
            &uc,
            "SELECT schema_name FROM information_schema.schemata \
             WHERE catalog_name = 'uc' AND schema_name IN ('clinic', 'empty', 'ops') ORDER BY 1"
        )
        .await
        .expect("schemas"),
        vec![vec!["clinic"], vec!["empty"], vec!["ops"]]
    );
    let pair = |name: &str| {
        vec![vec![
            expected[name][0].to_string(),
            expected[name][1].to_string(),
        ]]
    };
    for engine in ENGINES {
        uc.batch_execute(&format!("SET junction.engine = '{engine}'"))
            .await
            .expect("pin the engine");
        for (sql, want) in [
            (
                "SELECT count(*), sum(heart_rate) FROM clinic.vitals",
                pair("vitals"),
            ),
            (
                "SELECT count(*), sum(heart_rate) FROM ops.vitals_path",
                pair("vitals"),
            ),
            (
                "SELECT count(*), sum(beds) FROM clinic.devices",
                pair("devices"),
            ),
            (
                "SELECT count(*), sum(floor) FROM clinic.wards",
                pair("wards"),
            ),
        ] {
            assert_eq!(rows(&uc, sql).await.expect(sql), want, "{engine}: {sql}");
        }
        for (sql, code, names) in [
            ("SELECT * FROM clinic.notes", "0A000", "JSON"),
            ("SELECT * FROM ops.readings_view", "0A000", "view"),
            ("SELECT * FROM clinic.nosuch", "42P01", "nosuch"),
            ("SELECT * FROM nosuch.vitals", "3F000", "nosuch"),
            ("SELECT * FROM uc_missing.clinic.vitals", "3D000", "nosuch"),
            // The server has no credentials for this bucket, and junction no [storage.s3].
            (
                "SELECT * FROM clinic.vitals_other",
                "58000",
                "S3 bucket configuration not found.",
            ),
        ] {
            let (got, message) = error_of(&uc, sql).await;
            assert_eq!(got, code, "{engine}: {sql}: {message}");
            assert!(message.contains(names), "{engine}: {sql}: {message}");
        }
    }
    let asked = server.asked();
    assert_eq!(
        server.unrecorded(),
        Vec::<String>::new(),
        "asked: {asked:?}"
    );
    let lookups = |path: &str| asked.iter().filter(|a| a.ends_with(path)).count();
    // Once per engine, each lookup of a missing table one request.
    assert!(
        lookups("/tables/unity.clinic.nosuch") <= ENGINES.len(),
        "{asked:?}"
    );
}

/// What of an answer the test server must say as the real one does: an error whole (code,
/// details, message); of a listing, the names and the next page's token; of an object, what
/// a reader uses. Ids and times are the real server's own.
fn comparable(answer: &Value) -> Value {
    if answer.get("error_code").is_some() {
        return answer.clone();
    }
    for listing in ["catalogs", "schemas", "tables"] {
        if let Some(items) = answer.get(listing).and_then(Value::as_array) {
            let names: Vec<&Value> = items.iter().map(|item| &item["name"]).collect();
            return serde_json::json!({listing: names, "next_page_token": answer["next_page_token"]});
        }
    }
    let fields = [
        "name",
        "catalog_name",
        "schema_name",
        "full_name",
        "table_type",
        "data_source_format",
        "storage_location",
    ];
    fields
        .iter()
        .filter_map(|field| Some((field.to_string(), answer.get(*field)?.clone())))
        .collect::<serde_json::Map<_, _>>()
        .into()
}

/// The Unity test server (conformance/src/unity.rs), holding what the real server held,
/// answers every recorded read as the real server did: listings with and without paging,
/// lookups, and every error.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_unity_test_server_answers_as_the_real_one() {
    let folder = unity_recorded::recordings_folder();
    let mut tables = Vec::new();
    for listing in ["list-tables.json", "list-tables-ops.json"] {
        let text = std::fs::read_to_string(folder.join(listing)).expect("a recorded listing");
        let listed: Value = serde_json::from_str(&text).expect("JSON");
        for table in listed["tables"].as_array().expect("tables") {
            let text = |field: &str| table[field].as_str().unwrap_or_default().to_owned();
            tables.push(UnityTable {
                schema: text("schema_name"),
                name: text("name"),
                format: text("data_source_format"),
                storage_location: text("storage_location"),
                table_type: text("table_type"),
            });
        }
    }
    let server = UnityServer::start_holding("unity", &["clinic", "empty", "ops"], tables).await;
    let http = reqwest::Client::new();
    // The server's final state answers each read: the last recording of a request.
    let recordings = unity_recorded::recordings();
    let mut compared = 0;
    for (index, call) in recordings.iter().enumerate() {
        let later = recordings[index + 1..]
            .iter()
            .any(|r| r.method == call.method && r.path == call.path && r.query == call.query);
        if call.method != "GET" || later {
            continue;
        }
        let url = if call.query.is_empty() {
            format!("{}{}", server.uri, call.path)
        } else {
            format!("{}{}?{}", server.uri, call.path, call.query)
        };
        let answer = http
            .get(&url)
            .send()
            .await
            .expect("the test server answers");
        assert_eq!(
            answer.status().as_u16(),
            call.status,
            "{}: GET {url}",
            call.file
        );
        let got: Value = answer.json().await.expect("JSON");
        let text = std::fs::read_to_string(folder.join(&call.file)).expect("the recording");
        let real: Value = serde_json::from_str(&text).expect("JSON");
        assert_eq!(
            comparable(&got),
            comparable(&real),
            "{}: GET {url}",
            call.file
        );
        compared += 1;
    }
    assert!(compared >= 25, "{compared} reads compared");
}
