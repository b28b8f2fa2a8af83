//! Tables in S3-compatible storage (the peers' s3.sh: moto on loopback), under catalogs (the
//! Unity and Nessie test servers, and an Iceberg REST server that vends credentials), read on
//! every engine: a Delta table written by delta-rs (vitals_tables.py delta), Parquet written by pyarrow
//! and an Iceberg table written by pyiceberg (conformance/scripts/s3_tables.py). DataFusion
//! and deltalake read through object_store, iceberg through opendal, DuckDB through its httpfs
//! extension, with `[storage.s3]`, with what the REST catalog vends, or with Unity's temporary
//! table credentials (behind a gate that admits only those).

use std::time::Duration;

use junction_conformance::nessie::{NessieContent, NessieRef, NessieServer};
use junction_conformance::peers::{
    self, connect, error_of, script_json, simple_rows as rows, write_vitals, Junction, ServerPeer,
    ENGINES,
};
use junction_conformance::s3_gate::S3Gate;
use junction_conformance::unity::{TemporaryCredentials, UnityServer, UnityTable};
use junction_conformance::vending::{VendedTable, VendingRestServer};
use serde_json::Value;
use tokio_postgres::error::SqlState;

const BUCKET: &str = "lake";

fn unity_table(name: &str, format: &str, location: &str) -> UnityTable {
    UnityTable {
        schema: "clinic".to_owned(),
        name: name.to_owned(),
        format: format.to_owned(),
        storage_location: location.to_owned(),
        table_type: "EXTERNAL".to_owned(),
    }
}

/// `(table, summed column, what s3_tables.py wrote it as)` of every table read under Unity.
const UNITY_TABLES: &[(&str, &str, &str)] = &[
    ("clinic.vitals", "heart_rate", "vitals"),
    ("clinic.devices", "beds", "devices"),
    ("clinic.beds", "beds", "beds"),
    // The same files through Nessie, and the Iceberg table (a real Unity server refuses
    // ICEBERG tables, and s3a:// locations: conformance/data/unity-recorded/).
    ("ns.clinic.vitals", "heart_rate", "vitals"),
    ("ns.clinic.readings", "heart_rate", "readings"),
];

/// On every engine, each of `tables` counts and sums as the reference readers said.
async fn assert_read_on_every_engine(
    client: &tokio_postgres::Client,
    tables: &[(&str, &str, &str)],
    written: &Value,
) {
    for engine in ENGINES {
        client
            .batch_execute(&format!("SET junction.engine = '{engine}'"))
            .await
            .expect("pin the engine");
        for (table, column, key) in tables {
            let sql = format!("SELECT count(*), sum({column}) FROM {table}");
            let pair = &written[key];
            assert_eq!(
                rows(client, &sql)
                    .await
                    .unwrap_or_else(|e| panic!("{engine}: {sql}: {e:?}")),
                vec![vec![pair[0].to_string(), pair[1].to_string()]],
                "{engine}: {sql}"
            );
        }
    }
    client
        .batch_execute("RESET junction.engine")
        .await
        .expect("reset");
}

/// The configuration of a junction serving `catalogs` (`[[catalog]]` entries), with S3 at
/// `endpoint`; DuckDB gets its extensions (httpfs among them) when `extensions` names them.
fn config(catalogs: &str, endpoint: &str, extensions: Option<&str>) -> String {
    let duckdb = extensions
        .map(|dir| format!("[engines.duckdb]\nextension_directory = \"{dir}\"\n"))
        .unwrap_or_default();
    format!(
        "{catalogs}\n[storage.s3]\nendpoint = \"{endpoint}\"\nregion = \"us-east-1\"\n\
         access_key_id = \"test\"\nsecret_access_key = \"test\"\nallow_http = true\n\n{duckdb}"
    )
}

/// A Unity catalog `uc` that reads with `[storage.s3]` what the server has no credentials
/// for, as a real Unity server without its own S3 configuration refuses them.
fn unity_entry(uri: &str) -> String {
    unity_entry_falling_back(uri, true)
}

fn unity_entry_falling_back(uri: &str, fallback: bool) -> String {
    format!(
        "[[catalog]]\nname = \"uc\"\ntype = \"unity\"\nuri = \"{uri}\"\ncatalog = \"unity\"\n\
         timeout = \"5s\"\nfallback_to_storage = {fallback}\n"
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn s3_tables_on_every_engine() {
    let s3 = ServerPeer::s3();
    // The reference writers take S3 from the environment, as s3.sh exports it. The other
    // test of this binary reads none of these variables.
    for (key, value) in [
        ("AWS_ENDPOINT_URL", s3.uri.as_str()),
        ("AWS_ACCESS_KEY_ID", "test"),
        ("AWS_SECRET_ACCESS_KEY", "test"),
        ("AWS_REGION", "us-east-1"),
        ("AWS_DEFAULT_REGION", "us-east-1"),
        ("AWS_ALLOW_HTTP", "true"),
        ("AWS_S3_ALLOW_UNSAFE_RENAME", "true"),
    ] {
        std::env::set_var(key, value);
    }
    let dir = tempfile::tempdir().expect("temp dir");
    write_vitals("delta", &[format!("s3://{BUCKET}/delta").as_ref()]);
    let written = script_json("s3_tables.py", &[BUCKET.as_ref(), dir.path().as_os_str()]);

    let server = UnityServer::start(
        "unity",
        vec![
            unity_table("vitals", "DELTA", &format!("s3://{BUCKET}/delta/vitals")),
            unity_table(
                "devices",
                "PARQUET",
                &format!("s3://{BUCKET}/parquet/devices/"),
            ),
            unity_table(
                "beds",
                "PARQUET",
                &format!("s3://{BUCKET}/parquet/beds.parquet"),
            ),
            unity_table("gone", "DELTA", &format!("s3://{BUCKET}/nothing/here")),
            unity_table("nobucket", "PARQUET", "s3://no-such-bucket/t/"),
        ],
        None,
    )
    .await;
    let extensions = peers::duckdb_extensions();
    // Nessie records an Iceberg table's metadata file and a Delta table's last commit.
    let nessie = NessieServer::start(
        vec![NessieRef {
            name: "main".to_owned(),
            tag: false,
            hash: "2e1cfa82b035c26cbbbdae632cea070514eb8b773f616aaeaf668e2f0be8f10d".to_owned(),
            entries: vec![
                (vec!["clinic".to_owned()], NessieContent::Namespace),
                (
                    vec!["clinic".to_owned(), "readings".to_owned()],
                    NessieContent::Iceberg {
                        metadata_location: written["readings_metadata_location"]
                            .as_str()
                            .expect("metadata location")
                            .to_owned(),
                    },
                ),
                (
                    vec!["clinic".to_owned(), "vitals".to_owned()],
                    NessieContent::Delta {
                        // vitals_tables.py delta's fifth commit.
                        last_commit: format!(
                            "s3://{BUCKET}/delta/vitals/_delta_log/00000000000000000004.json"
                        ),
                    },
                ),
            ],
        }],
        "main",
        None,
    )
    .await;
    let catalogs = unity_entry(&server.uri)
        + &format!(
            "[[catalog]]\nname = \"ns\"\ntype = \"nessie\"\nuri = \"{}\"\ntimeout = \"5s\"\n",
            nessie.uri
        );
    let junction =
        Junction::serve_config_in(dir.path(), &config(&catalogs, &s3.uri, Some(&extensions)));
    let uc = connect(junction.port, "junction", "uc")
        .await
        .expect("connect");

    assert_read_on_every_engine(&uc, UNITY_TABLES, &written).await;
    for engine in ENGINES {
        uc.batch_execute(&format!("SET junction.engine = '{engine}'"))
            .await
            .expect("pin the engine");
        // A folder with no objects, and a bucket that does not exist: the storage failure
        // names where, and the server goes on serving.
        for (sql, place) in [
            ("SELECT * FROM clinic.gone", "nothing/here"),
            ("SELECT * FROM clinic.nobucket", "no-such-bucket"),
        ] {
            let (code, message) = error_of(&uc, sql).await;
            assert_eq!(code, "58030", "{engine}: {sql}: {message}");
            assert!(message.contains(place), "{engine}: {sql}: {message}");
        }
    }

    // DuckDB reads each format with its own extension over S3.
    uc.batch_execute("RESET junction.engine")
        .await
        .expect("reset");
    let route = rows(
        &uc,
        "EXPLAIN ROUTE SELECT v.patient_id FROM clinic.vitals v JOIN ns.clinic.readings r \
         ON v.patient_id = r.patient_id",
    )
    .await
    .expect("explain");
    let duckdb = route
        .iter()
        .find(|row| row[0] == "duckdb")
        .expect("a duckdb row");
    assert_eq!(duckdb[2], "t", "duckdb is eligible: {duckdb:?}");
    assert!(
        duckdb[5].contains("delta extension") && duckdb[5].contains("iceberg extension"),
        "{duckdb:?}"
    );

    // An Iceberg REST catalog that vends the table's S3 settings and credentials, to a
    // junction without [storage.s3]: only what the catalog handed out reaches S3, on every
    // engine (DuckDB through a secret scoped to the table).
    let vended = std::collections::HashMap::from(
        [
            ("s3.endpoint", s3.uri.as_str()),
            ("s3.access-key-id", "vended"),
            ("s3.secret-access-key", "vended-secret"),
            ("s3.session-token", "vended-token"),
            ("s3.region", "us-east-1"),
            ("s3.path-style-access", "true"),
        ]
        .map(|(k, v)| (k.to_owned(), v.to_owned())),
    );
    let rest = VendingRestServer::start(
        vec![VendedTable {
            namespace: "clinic".to_owned(),
            name: "readings".to_owned(),
            metadata_location: written["readings_metadata_location"]
                .as_str()
                .expect("metadata location")
                .to_owned(),
            metadata: written["readings_metadata"].clone(),
        }],
        vended,
    )
    .await;
    let rest_dir = tempfile::tempdir().expect("temp dir");
    let junction = Junction::serve_config_in(
        rest_dir.path(),
        &format!(
            "[[catalog]]\nname = \"lake\"\ntype = \"iceberg-rest\"\nuri = \"{}\"\n\
             timeout = \"5s\"\n\n[engines.duckdb]\nextension_directory = \"{extensions}\"\n",
            rest.uri
        ),
    );
    let lake = connect(junction.port, "junction", "lake")
        .await
        .expect("connect");
    let readings = [("clinic.readings", "heart_rate", "readings")];
    assert_read_on_every_engine(&lake, &readings, &written).await;
    assert!(
        rest.vending_requests() > 0,
        "junction asks for vended credentials"
    );

    // Unity's temporary table credentials, with S3 behind a gate that admits only the key
    // and token Unity hands out: junction's own keys ([storage.s3]) are refused, so every
    // engine reads with what Unity gave for the table.
    let gate = S3Gate::start(&s3.uri, "temporary", "temporary-token").await;
    let temporary = UnityServer::start_with_credentials(
        "unity",
        vec![
            unity_table("vitals", "DELTA", &format!("s3://{BUCKET}/delta/vitals")),
            unity_table(
                "devices",
                "PARQUET",
                &format!("s3://{BUCKET}/parquet/devices/"),
            ),
            unity_table(
                "beds",
                "PARQUET",
                &format!("s3://{BUCKET}/parquet/beds.parquet"),
            ),
            // Unity has no credentials for this bucket, and the configured keys are refused.
            unity_table("archived", "PARQUET", "s3://archive/vitals/"),
        ],
        None,
        Some(TemporaryCredentials {
            bucket: BUCKET.to_owned(),
            access_key_id: "temporary".to_owned(),
            secret_access_key: "temporary-secret".to_owned(),
            session_token: "temporary-token".to_owned(),
            // Expiring within junction's minute of renewal: every query asks again.
            lifetime: Duration::from_secs(30),
        }),
    )
    .await;
    let temporary_dir = tempfile::tempdir().expect("temp dir");
    let junction = Junction::serve_config_in(
        temporary_dir.path(),
        &config(&unity_entry(&temporary.uri), &gate.uri, Some(&extensions)),
    );
    let uc = connect(junction.port, "junction", "uc")
        .await
        .expect("connect");
    assert_read_on_every_engine(&uc, &UNITY_TABLES[..3], &written).await;
    assert!(gate.admitted() > 0);
    let asked = temporary.credential_requests();
    for _ in 0..2 {
        rows(&uc, "SELECT count(*) FROM clinic.devices")
            .await
            .expect("devices");
    }
    // (At least once per query: a query may look a table up more than once.)
    assert!(
        temporary.credential_requests() >= asked + 2,
        "credentials about to expire are asked for again"
    );
    let refused = gate.refused();
    for engine in ENGINES {
        uc.batch_execute(&format!("SET junction.engine = '{engine}'"))
            .await
            .expect("pin the engine");
        let (code, message) = error_of(&uc, "SELECT * FROM clinic.archived").await;
        assert_eq!(code, "58030", "{engine}: {message}");
        assert!(
            message.contains("s3://archive/vitals"),
            "{engine}: {message}"
        );
    }
    assert!(
        gate.refused() > refused,
        "the configured keys reached the gate"
    );

    // Not configured to fall back: the server's refusal is the answer, in its words.
    let strict_dir = tempfile::tempdir().expect("temp dir");
    let strict = Junction::serve_config_in(
        strict_dir.path(),
        &config(
            &unity_entry_falling_back(&temporary.uri, false),
            &gate.uri,
            Some(&extensions),
        ),
    );
    let uc = connect(strict.port, "junction", "uc")
        .await
        .expect("connect");
    let refused = gate.refused();
    let (code, message) = error_of(&uc, "SELECT * FROM clinic.archived").await;
    assert_eq!(code, "58000", "{message}");
    assert!(
        message.contains("S3 bucket configuration not found."),
        "{message}"
    );
    assert_eq!(gate.refused(), refused, "no other keys were tried");
    assert_read_on_every_engine(&uc, &UNITY_TABLES[..3], &written).await;
}

/// Without httpfs (no extension directory), DuckDB cannot read S3: a pinned query says why,
/// and `auto` serves it with DataFusion.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_httpfs_duckdb_is_ineligible_for_s3_tables() {
    let s3 = ServerPeer::s3();
    let dir = tempfile::tempdir().expect("temp dir");
    // An object is all the test needs: the Parquet table of one file.
    let data = dir.path().join("one.parquet");
    junction_conformance::peers::run_ok(
        std::process::Command::new(junction_conformance::peers::peers_python())
            .arg("-c")
            .arg(
                "import sys, boto3, pyarrow as pa, pyarrow.parquet as pq\n\
                 pq.write_table(pa.table({'n': [1, 2, 3]}), sys.argv[2])\n\
                 c = boto3.client('s3', endpoint_url=sys.argv[1], aws_access_key_id='test',\n\
                     aws_secret_access_key='test', region_name='us-east-1')\n\
                 c.create_bucket(Bucket='lake')\n\
                 c.upload_file(sys.argv[2], 'lake', 'one/part-0.parquet')\n",
            )
            .arg(&s3.uri)
            .arg(&data),
        "upload a Parquet file",
    );
    let server = UnityServer::start(
        "unity",
        vec![unity_table("one", "PARQUET", "s3://lake/one/")],
        None,
    )
    .await;
    let junction = Junction::serve_config_in(
        dir.path(),
        &config(&unity_entry(&server.uri), &s3.uri, None),
    );
    let uc = connect(junction.port, "junction", "uc")
        .await
        .expect("connect");

    assert_eq!(
        rows(&uc, "SELECT sum(n) FROM clinic.one")
            .await
            .expect("auto"),
        vec![vec!["6".to_owned()]]
    );
    assert_eq!(
        rows(&uc, "SHOW junction.last_engine").await.expect("show"),
        vec![vec!["datafusion".to_owned()]]
    );
    uc.batch_execute("SET junction.engine = 'duckdb'")
        .await
        .expect("pin");
    let (code, message) = error_of(&uc, "SELECT sum(n) FROM clinic.one").await;
    assert_eq!(code, SqlState::FEATURE_NOT_SUPPORTED.code(), "{message}");
    assert!(
        message.contains("s3://lake/one") && message.contains("httpfs"),
        "{message}"
    );
}
