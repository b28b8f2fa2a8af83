//! psql 15's backslash commands, run by the real psql binary (which sends its own catalog
//! queries) against junction with each engine pinned, and against a real PostgreSQL holding
//! copies of the same tables.
//!
//! Three lists make the specification:
//! - [`SAME`]: psql prints exactly what it prints for PostgreSQL.
//! - [`SAME_ERROR`]: psql prints PostgreSQL's error.
//! - [`ANSWERS`]: psql prints its result without an error. The answer legitimately differs
//!   from PostgreSQL's: junction's roles, databases and functions are not a PostgreSQL
//!   server's, and a lake table has no access method (`heap`) and no size pg_catalog knows
//!   (`\dt+`, `\d+`, `\l+` leave both blank). The test checks the heading psql prints and a
//!   text the answer must hold.
//! - [`REFUSED`]: commands junction does not answer yet, each with the reason; the test
//!   fails when one starts working, so the list stays true.

use std::process::Command;

use junction_conformance::mirror;
use junction_conformance::peers::{self, connect, junction_bin, Junction, Postgres, ENGINES};

/// Printed the same as PostgreSQL prints them.
const SAME: &[&str] = &[
    // No relation is visible: neither "$user" nor public exists in the demo warehouse.
    r"\dt",
    r"\dp",
    r"\dn",
    r"\dt silver.*",
    r"\dt gold.*",
    r"\d silver.patients",
    r"\d gold.vitals_hourly",
    r"\dp silver.*",
    r"\dv silver.*",
    r"\di silver.*",
    r"\df",
    r"\dT",
    r"\dfS abs",
    r"\dD",
    r"\dy",
    r"\dv+",
    r"\di+",
    r"\dE+",
    r"\dm+",
    r"\ds+",
    r"\dn+",
    r"\sf int4abs",
    r"\sf+ now",
    r"\sf generate_series(int,int)",
    r"\dAc",
    r"\dO",
    r"\deu",
    r"\dx+",
];

/// Refused with the error PostgreSQL gives.
const SAME_ERROR: &[&str] = &[
    // `abs` names several functions.
    r"\sf abs",
    r"\sf nosuch",
    r"\sv nosuch",
];

/// Answered, with the heading psql prints and a text the answer must hold.
const ANSWERS: &[(&str, &str, &str)] = &[
    (
        r"\d+ gold.vitals_hourly",
        "Table \"gold.vitals_hourly\"",
        "anomalies",
    ),
    (r"\dt+ silver.*", "List of relations", "vitals"),
    (
        r"\d+ silver.patients",
        "Table \"silver.patients\"",
        "extended",
    ),
    (r"\dn+", "List of schemas", "silver"),
    (r"\l", "List of databases", "warehouse"),
    (r"\l+", "List of databases", "warehouse"),
    (r"\du", "List of roles", "Role name"),
    (r"\dg", "List of roles", "Role name"),
    (r"\df+", "List of functions", "Result data type"),
    (r"\dfS generate_series", "List of functions", "SETOF bigint"),
    (r"\dT+", "List of data types", "Schema"),
    (r"\z silver.*", "Access privileges", "patients"),
    (r"\dd", "Object descriptions", "Object"),
    (r"\dc", "List of conversions", "Source"),
    (r"\do", "List of operators", "Left arg type"),
    (r"\dF", "List of text search configurations", "Schema"),
    (r"\dFd", "List of text search dictionaries", "Schema"),
    (r"\dFp", "List of text search parsers", "Schema"),
    (r"\dFt", "List of text search templates", "Schema"),
    (r"\dX", "List of extended statistics", "Schema"),
    (r"\dL", "List of languages", "plpgsql"),
    (r"\dx", "List of installed extensions", "plpgsql"),
    (r"\db", "List of tablespaces", "pg_default"),
    (r"\dC", "List of casts", "Source type"),
    (r"\dA", "List of access methods", "btree"),
    // junction's settings are the session's: PostgreSQL also lists its configuration file's.
    (
        r"\dconfig",
        "List of non-default configuration parameters",
        "application_name",
    ),
];

/// Not answered yet: the command, a text of the error, and why.
const REFUSED: &[(&str, &str, &str)] = &[(
    r"\sv silver.patients",
    "pg_get_viewdef",
    "junction knows no view's definition (Unity Catalog's views are listed, not read)",
)];

/// What psql printed on stdout (without the setup's `SET`) and on stderr.
fn psql(
    port: u16,
    user: &str,
    database: &str,
    setup: Option<&str>,
    command: &str,
) -> (String, String) {
    let mut psql = Command::new("psql");
    psql.args([
        "-X",
        "-h",
        "127.0.0.1",
        "-p",
        &port.to_string(),
        "-U",
        user,
        "-d",
        database,
    ])
    .env("PGCONNECT_TIMEOUT", "10");
    if let Some(setup) = setup {
        psql.args(["-c", setup]);
    }
    let out = psql
        .args(["-c", command])
        .output()
        .expect("run psql (scripts/peers/install.sh installs it)");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    (stdout.replace("SET\n", ""), stderr)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn psql_backslash_commands_answer_as_on_postgresql() {
    let dir = tempfile::tempdir().expect("temp dir");
    let warehouse = dir.path().join("warehouse");
    let bin = junction_bin();
    Junction::write_demo(&bin, &warehouse, 10, 1).expect("demo warehouse");
    let junction = Junction::serve_warehouse_with(
        &bin,
        &warehouse,
        dir.path(),
        &peers::duckdb_extensions_config(),
    )
    .expect("junction serve");
    let postgres = Postgres::start();

    let source = connect(junction.port, "postgres", "junction")
        .await
        .expect("connect to junction");
    let reference = connect(postgres.port, "postgres", "postgres")
        .await
        .expect("connect to PostgreSQL");
    let copied = mirror::copy_schemas(&source, &reference, &["bronze", "silver", "gold"])
        .await
        .expect("copy the demo tables into PostgreSQL");
    assert!(copied.len() >= 5, "copied only {copied:?}");
    // The demo warehouse has no `public` schema; a new PostgreSQL database has one.
    reference
        .batch_execute("DROP SCHEMA public")
        .await
        .expect("drop public");
    // Lake columns the writer declared required are NOT NULL, as junction describes them.
    let required = peers::simple_rows(
        &source,
        "SELECT table_schema, table_name, column_name FROM information_schema.columns \
         WHERE is_nullable = 'NO' AND table_schema IN ('bronze', 'silver', 'gold')",
    )
    .await
    .expect("junction's information_schema");
    for row in required {
        reference
            .batch_execute(&format!(
                "ALTER TABLE \"{}\".\"{}\" ALTER COLUMN \"{}\" SET NOT NULL",
                row[0], row[1], row[2]
            ))
            .await
            .expect("copy NOT NULL");
    }

    let mut problems = Vec::new();
    for engine in ENGINES {
        let setup = format!("SET junction.engine = '{engine}'");
        let on_junction =
            |command: &str| psql(junction.port, "postgres", "junction", Some(&setup), command);
        for command in SAME {
            // psql says "Did not find any relation..." on stderr: compared too.
            let expected = psql(postgres.port, "postgres", "postgres", None, command);
            assert!(
                !expected.1.contains("ERROR"),
                "PostgreSQL: {command}: {}",
                expected.1
            );
            let got = on_junction(command);
            if got != expected {
                problems.push(format!(
                    "[{engine}] {command}\n--- PostgreSQL\n{}{}--- junction\n{}{}",
                    expected.0, expected.1, got.0, got.1
                ));
            }
        }
        for command in SAME_ERROR {
            let expected = psql(postgres.port, "postgres", "postgres", None, command);
            assert!(expected.1.contains("ERROR"), "PostgreSQL: {command}");
            let got = on_junction(command);
            if got != expected {
                problems.push(format!(
                    "[{engine}] {command}\n--- PostgreSQL\n{}{}--- junction\n{}{}",
                    expected.0, expected.1, got.0, got.1
                ));
            }
        }
        for (command, heading, holds) in ANSWERS {
            let (got, stderr) = on_junction(command);
            if stderr.contains("ERROR") || !got.contains(heading) || !got.contains(holds) {
                problems.push(format!(
                    "[{engine}] {command}: wanted {heading:?} holding {holds:?}\n{got}{stderr}"
                ));
            }
        }
        for (command, error, why) in REFUSED {
            let (got, stderr) = on_junction(command);
            if !stderr.contains("ERROR") || !stderr.contains(error) {
                problems.push(format!(
                    "[{engine}] {command} was listed as refused ({why}) but answered:\n{got}{stderr}"
                ));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n\n"));
}
