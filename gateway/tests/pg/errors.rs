use crate::server::{assert_usable, Server};

async fn set_engine(client: &tokio_postgres::Client, engine: &str) {
    client
        .simple_query(&format!("set junction.engine = '{engine}'"))
        .await
        .expect("set engine");
}

async fn code_of(client: &tokio_postgres::Client, sql: &str) -> (String, String) {
    let err = client.simple_query(sql).await.expect_err(sql);
    let db = err
        .as_db_error()
        .unwrap_or_else(|| panic!("{sql}: not a server error: {err}"));
    (db.code().code().to_owned(), db.message().to_owned())
}

#[tokio::test]
async fn errors_carry_sqlstates_and_the_connection_survives() {
    let server = Server::start();
    let client = server.connect().await;
    let cases = [
        ("select * from nope", "42P01", "nope"),
        ("select * from silver.nope", "42P01", "nope"),
        ("select * from nosuch.t", "42P01", "nosuch"),
        ("select nope from silver.patients", "42703", "nope"),
        ("select nosuchfn(1)", "42883", "nosuchfn"),
        ("selec 1", "42601", "selec"),
        ("select 1/0", "22012", "division by zero"),
        // A simple query has no parameter values (it was XX000 on both engines).
        ("select $1 + $2", "42P02", "there is no parameter $1"),
        ("insert into silver.patients values (1)", "25006", "INSERT"),
        ("create table t (a int)", "25006", "CREATE TABLE"),
        ("set no_such_setting = 1", "42704", "no_such_setting"),
    ];
    for (sql, code, needle) in cases {
        let (got, message) = code_of(&client, sql).await;
        assert_eq!(got, code, "{sql}: {message}");
        assert!(message.contains(needle), "{sql}: {message}");
        // The connection is still usable after every error.
        assert_usable(&client, "usable after error").await;
    }
}

/// A relation that does not exist is the catalogs' verdict, the same on every engine (DESIGN.md,
/// "Errors": an unknown catalog is 3D000); DataFusion named the table of an unknown catalog
/// as missing instead.
#[tokio::test]
async fn missing_relations_are_reported_alike_on_every_engine() {
    let server = Server::start();
    let client = server.connect().await;
    for engine in ["duckdb", "datafusion", "auto"] {
        set_engine(&client, engine).await;
        for (sql, code, message) in [
            (
                "select * from nosuchcat.silver.vitals",
                "3D000",
                "catalog \"nosuchcat\" does not exist",
            ),
            (
                "select * from silver.nope",
                "42P01",
                "relation \"silver.nope\" does not exist",
            ),
            (
                "select * from nosuch.patients",
                "42P01",
                "relation \"nosuch.patients\" does not exist",
            ),
            (
                "select * from pg_catalog.pg_nosuch",
                "42P01",
                "relation \"pg_catalog.pg_nosuch\" does not exist",
            ),
        ] {
            let (got, said) = code_of(&client, sql).await;
            assert_eq!(
                (got.as_str(), said.as_str()),
                (code, message),
                "{engine}: {sql}"
            );
        }
    }
}

/// An interval whose time is past what Arrow's nanoseconds hold (about 292 years) cannot
/// reach the client: DuckDB handed it over wrapped (`interval '3000000 hours'` arrived as
/// `-2124095:34:33.709551`). It is 22008 on every engine; one inside the range arrives whole.
#[tokio::test]
async fn intervals_past_the_wire_range_are_errors_not_wrapped_values() {
    let server = Server::start();
    let client = server.connect().await;
    for engine in ["duckdb", "datafusion"] {
        set_engine(&client, engine).await;
        for sql in [
            "select interval '90 seconds' * 2147483647",
            "select i from (select interval '1 hour' * 3000000 as i) s",
            "select -(interval '1 hour' * 3000000) as i union all select interval '1 hour'",
        ] {
            let (got, said) = code_of(&client, sql).await;
            assert_eq!(got, "22008", "{engine}: {sql}: {said}");
        }
        let rows = client
            .simple_query("select interval '2562047 hours' * 1 as i")
            .await
            .expect("in range");
        let text = rows.iter().find_map(|m| match m {
            tokio_postgres::SimpleQueryMessage::Row(row) => row.get(0).map(str::to_owned),
            _ => None,
        });
        assert_eq!(text.as_deref(), Some("2562047:00:00"), "{engine}");
    }
}

/// An error in a filter over a Delta table is the filter's: deltalake evaluated filters
/// while decoding Parquet, where an error became text inside a Parquet error (58030
/// "Parquet error: ... External(SqlError { ... })").
#[tokio::test]
async fn errors_in_filters_over_delta_tables_keep_their_sqlstate() {
    let server = Server::start();
    let client = server.connect().await;
    // DuckDB evaluates its filters itself (and solves `x * c > 0` for `x`, without the
    // product's overflow: KNOWN_GAPS.md, "Constant folding").
    set_engine(&client, "datafusion").await;
    for (sql, code, message) in [
        (
            "select count(*) from silver.vitals where heart_rate / (spo2 - spo2) > 1",
            "22012",
            "division by zero",
        ),
        (
            "select count(*) from silver.vitals where heart_rate * 2147483647 > 0",
            "22003",
            "integer out of range",
        ),
    ] {
        let (got, said) = code_of(&client, sql).await;
        assert_eq!((got.as_str(), said.as_str()), (code, message), "{sql}");
    }
}

/// DuckDB's own table functions would read and list the server's files for any client: on
/// every engine they are functions that do not exist, in PostgreSQL's words and hint.
#[tokio::test]
async fn the_servers_files_are_out_of_reach() {
    let server = Server::start();
    let client = server.connect().await;
    for engine in ["duckdb", "datafusion", "auto"] {
        set_engine(&client, engine).await;
        for (sql, message) in [
            (
                "select * from read_csv('/etc/hostname')",
                "function read_csv(unknown) does not exist",
            ),
            (
                "select * from silver.patients p, lateral read_text(p.name)",
                "function read_text(text) does not exist",
            ),
            (
                "select (select count(*) from glob('/etc/*'))",
                "function glob(unknown) does not exist",
            ),
        ] {
            let err = client.simple_query(sql).await.expect_err(sql);
            let db = err.as_db_error().expect("a server error");
            assert_eq!(
                db.code().code(),
                "42883",
                "{engine}: {sql}: {}",
                db.message()
            );
            assert_eq!(db.message(), message, "{engine}: {sql}");
            assert!(
                db.hint().is_some_and(|h| h.contains("explicit type casts")),
                "{engine}: {sql}"
            );
        }
    }
}

#[tokio::test]
async fn an_error_stops_a_multi_statement_query() {
    let server = Server::start();
    let client = server.connect().await;
    let err = client
        .simple_query("set search_path = gold; select * from nope; set search_path = silver")
        .await
        .expect_err("second statement fails");
    assert_eq!(err.as_db_error().expect("db error").code().code(), "42P01");
    let row = client
        .query_one("show search_path", &[])
        .await
        .expect("show");
    assert_eq!(row.get::<_, String>(0), "gold");
}

/// A storage error names the table and its file inside the catalog, never the server's own
/// directory.
fn assert_no_server_path(message: &str, warehouse: &std::path::Path) {
    let root = warehouse.display().to_string();
    assert!(!message.contains(&root), "{message}");
}

#[tokio::test]
async fn broken_delta_and_iceberg_tables_name_themselves() {
    let server = Server::start();
    let client = server.connect().await;
    let hidden = |message: &str| assert_no_server_path(message, &server.warehouse);
    // A Delta log naming a data file that is gone.
    let silver = server.warehouse.join("silver/vitals");
    let part = std::fs::read_dir(silver.join("day=2026-01-01"))
        .expect("partition dir")
        .next()
        .expect("a data file")
        .expect("entry")
        .path();
    std::fs::remove_file(&part).expect("remove data file");
    let (code, message) = code_of(&client, "select sum(heart_rate) from silver.vitals").await;
    assert!(code.starts_with("58"), "{code}: {message}");
    assert!(
        message.contains("part-") || message.contains("vitals"),
        "{message}"
    );
    hidden(&message);

    // A Parquet file that is not one, on each engine: its place in the catalog is named.
    let devices = server.warehouse.join("silver/devices.parquet");
    std::fs::write(&devices, b"not parquet").expect("overwrite");
    for engine in ["datafusion", "duckdb"] {
        client
            .batch_execute(&format!("set junction.engine = '{engine}'"))
            .await
            .expect("engine");
        let (code, message) = code_of(&client, "select count(*) from silver.devices").await;
        assert_eq!(code, "58030", "{engine}: {message}");
        assert!(
            message.contains("silver/devices.parquet"),
            "{engine}: {message}"
        );
        hidden(&message);
    }
    client
        .batch_execute("set junction.engine = 'auto'")
        .await
        .expect("engine");

    // An Iceberg metadata file pointing at a missing manifest list.
    let gold = server.warehouse.join("gold/vitals_hourly/metadata");
    for entry in std::fs::read_dir(&gold).expect("metadata dir") {
        let path = entry.expect("entry").path();
        if path.extension().is_some_and(|e| e == "avro") {
            std::fs::remove_file(path).expect("remove manifest");
        }
    }
    let (code, message) = code_of(&client, "select sum(readings) from gold.vitals_hourly").await;
    assert!(code.starts_with("58"), "{code}: {message}");
    hidden(&message);

    // A table path the server cannot read (a symlink loop: unreadable even for root).
    let looped = server.warehouse.join("silver/looped");
    std::os::unix::fs::symlink(&looped, &looped).expect("symlink");
    let (code, message) = code_of(&client, "select * from silver.looped").await;
    assert_eq!(code, "58030", "{message}");
    assert!(message.contains("looped"), "{message}");
    hidden(&message);

    // Other tables still answer.
    let row = client
        .query_one("select count(*) from silver.patients", &[])
        .await
        .expect("healthy table");
    assert_eq!(row.get::<_, i64>(0), 10);
}
