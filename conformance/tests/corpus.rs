//! The SQL corpus (conformance/slt/*.slt) over the demo warehouse, through the PostgreSQL
//! wire: first against a real PostgreSQL holding a copy of the same rows, which proves each
//! expected result is PostgreSQL's answer, then against junction once per engine.

use std::path::Path;

use junction_conformance::corpus::{self, Report, Target};
use junction_conformance::peers::{self, connect, junction_bin, Junction, Postgres};
use junction_conformance::wire::{PgWire, TypeLog, Types};
use junction_conformance::{mirror, tpch};
use sqllogictest::{strict_column_validator, MakeConnection, Runner};

/// The engines the corpus runs on; each run pins one with `SET junction.engine`.
const ENGINES: &[&str] = &["datafusion", "duckdb"];

/// The demo's layers, and the TPC-H tables (Parquet) at [`TPCH_SF`].
const SCHEMAS: &[&str] = &["bronze", "silver", "gold", tpch::PARQUET_SCHEMA];

/// Small enough to copy into PostgreSQL in seconds (60,000 line items), large enough that
/// every TPC-H query answers rows; Q11's fraction in tpch.slt is 0.0001 / SF.
const TPCH_SF: f64 = 0.01;

/// A runner on the reference PostgreSQL that notes the result types it answers with.
fn reference_runner(
    port: u16,
    log: &TypeLog,
) -> Runner<PgWire, impl MakeConnection<Conn = PgWire> + '_> {
    let mut runner = Runner::new(move || {
        let log = log.clone();
        async move {
            let client = connect(port, "postgres", "postgres").await?;
            client.batch_execute("SET TimeZone = 'UTC'").await?;
            Ok(PgWire::new(client, Types::Record(log)))
        }
    });
    configure(&mut runner, Target::Reference);
    runner
}

async fn run_reference(port: u16, file: &Path, log: &TypeLog) -> Report {
    let mut runner = reference_runner(port, log);
    corpus::run_file(&mut runner, file, Target::Reference).await
}

/// Rewrites `file`'s expected results with PostgreSQL's answers (CONFORMANCE_COMPLETE):
/// how new corpus records get their expectations. It also rewrites expected errors to
/// PostgreSQL's messages; put the SQLSTATEs back, and review the diff before committing.
async fn complete_from_reference(port: u16, file: &Path, log: &TypeLog) {
    reference_runner(port, log)
        .update_test_file(
            file,
            " ",
            corpus::validator,
            sqllogictest::default_normalizer,
            strict_column_validator,
        )
        .await
        .unwrap_or_else(|e| panic!("complete {}: {e}", file.display()));
}

/// Whether `CONFORMANCE_COMPLETE` asks for `file`: `1` for every file, else a file name.
fn completes(file: &Path) -> bool {
    match std::env::var("CONFORMANCE_COMPLETE") {
        Ok(wanted) => wanted == "1" || file.file_name().is_some_and(|name| *name == *wanted),
        Err(_) => false,
    }
}

async fn run_engine(port: u16, engine: &str, file: &Path, log: &TypeLog) -> Report {
    let mut runner = Runner::new(|| {
        let log = log.clone();
        async move {
            let client = connect(port, "conformance", "junction").await?;
            client
                .batch_execute(&format!("SET junction.engine = '{engine}'"))
                .await?;
            Ok(PgWire::new(client, Types::Check(log)))
        }
    });
    configure(&mut runner, Target::Engine(engine));
    corpus::run_file(&mut runner, file, Target::Engine(engine)).await
}

fn configure<M>(runner: &mut Runner<PgWire, M>, target: Target<'_>)
where
    M: MakeConnection<Conn = PgWire>,
{
    runner.add_label(target.label());
    runner.with_validator(corpus::validator);
    runner.with_column_validator(strict_column_validator);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn corpus_agrees_with_postgresql_on_every_engine() {
    let dir = tempfile::tempdir().expect("temp dir");
    let warehouse = dir.path().join("warehouse");
    let bin = junction_bin();
    Junction::write_demo(&bin, &warehouse, 10, 1).expect("demo warehouse");
    tpch::ensure(&warehouse, TPCH_SF)
        .await
        .expect("TPC-H tables");
    let junction = Junction::serve_warehouse_with(
        &bin,
        &warehouse,
        dir.path(),
        &peers::duckdb_extensions_config(),
    )
    .expect("junction serve");
    let postgres = Postgres::start();

    let source = connect(junction.port, "conformance", "junction")
        .await
        .expect("connect to junction");
    let reference = connect(postgres.port, "postgres", "postgres")
        .await
        .expect("connect to PostgreSQL");
    let copied = mirror::copy_schemas(&source, &reference, SCHEMAS)
        .await
        .expect("copy the demo tables into PostgreSQL");
    assert!(copied.len() >= 13, "copied only {copied:?}");

    let slt = junction_conformance::crate_dir().join("slt");
    let log = TypeLog::default();
    let mut problems = Vec::new();
    let mut known = Vec::new();
    let mut passed = 0;
    for file in corpus::files(&slt) {
        if completes(&file) {
            complete_from_reference(postgres.port, &file, &log).await;
        }
        let report = run_reference(postgres.port, &file, &log).await;
        passed += report.passed;
        problems.extend(
            report
                .problems
                .into_iter()
                .map(|p| format!("[postgres] {p}")),
        );
        for engine in ENGINES {
            let report = run_engine(junction.port, engine, &file, &log).await;
            passed += report.passed;
            problems.extend(
                report
                    .problems
                    .into_iter()
                    .map(|p| format!("[{engine}] {p}")),
            );
            known.extend(report.known.into_iter().map(|k| format!("[{engine}] {k}")));
        }
    }
    println!(
        "{passed} records passed; {} known divergences:",
        known.len()
    );
    for k in &known {
        println!("  {k}");
    }
    assert!(passed > 0, "no corpus records ran");
    assert!(
        problems.is_empty(),
        "{} problems:\n{}",
        problems.len(),
        problems.join("\n\n")
    );
}
