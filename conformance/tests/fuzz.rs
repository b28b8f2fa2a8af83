//! The differential fuzzer (conformance/src/fuzz) against a real PostgreSQL holding a copy
//! of the demo warehouse: every generated query must get PostgreSQL's answer from junction
//! on every engine, or a clear 0A000/42883 that `auto` routes around.
//!
//! CI runs a short seeded run. A long one:
//!
//! ```text
//! FUZZ_SECONDS=3600 FUZZ_SEED=42 FUZZ_ENGINES=datafusion \
//!     cargo test -p junction-conformance --test fuzz -- --nocapture
//! ```
//!
//! `FUZZ_QUERIES` sets a count instead of a time. Each difference is printed with a
//! minimised reproducer.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use junction_conformance::fuzz::{compare, minimize, run, Generator, Outcome, Verdict};
use junction_conformance::mirror;
use junction_conformance::peers::{self, connect, junction_bin, Junction, Postgres};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use tokio_postgres::Client;

const SCHEMAS: &[&str] = &["bronze", "silver", "gold"];

/// How long any statement may take before it is not judged.
const TIMEOUT: Duration = Duration::from_secs(20);

fn env<T: std::str::FromStr>(name: &str) -> Option<T> {
    std::env::var(name).ok().and_then(|v| v.parse().ok())
}

async fn reference(port: u16) -> Client {
    let client = connect(port, "postgres", "postgres")
        .await
        .expect("connect to PostgreSQL");
    client
        .batch_execute("SET TimeZone = 'UTC'; SET statement_timeout = '15s'")
        .await
        .expect("session settings");
    client
}

async fn pinned(port: u16, engine: &str) -> Client {
    let client = connect(port, "fuzz", "junction")
        .await
        .expect("connect to junction");
    client
        .batch_execute(&format!("SET junction.engine = '{engine}'"))
        .await
        .expect("pin the engine");
    client
}

#[derive(Default)]
struct Tally {
    verdicts: BTreeMap<&'static str, usize>,
    unsupported: BTreeMap<String, usize>,
    /// Per pair of SQLSTATEs, how often and the first query that showed it.
    other_errors: BTreeMap<String, (usize, String)>,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn junction_answers_random_queries_as_postgresql_does() {
    let seed: u64 = env("FUZZ_SEED").unwrap_or(20_261_204);
    let seconds: Option<u64> = env("FUZZ_SECONDS");
    let queries: usize =
        env("FUZZ_QUERIES").unwrap_or(if seconds.is_some() { usize::MAX } else { 150 });
    let engines: Vec<String> = std::env::var("FUZZ_ENGINES")
        .unwrap_or_else(|_| "datafusion,duckdb".to_owned())
        .split(',')
        .map(str::to_owned)
        .collect();

    let dir = tempfile::tempdir().expect("temp dir");
    let warehouse = dir.path().join("warehouse");
    let bin = junction_bin();
    Junction::write_demo(&bin, &warehouse, 10, 1).expect("demo warehouse");
    let mut junction = Junction::serve_warehouse_with(
        &bin,
        &warehouse,
        dir.path(),
        &peers::duckdb_extensions_config(),
    )
    .expect("junction serve");
    let postgres = Postgres::start();
    let source = connect(junction.port, "fuzz", "junction")
        .await
        .expect("connect to junction");
    let mut pg = reference(postgres.port).await;
    mirror::copy_schemas(&source, &pg, SCHEMAS)
        .await
        .expect("copy the demo tables into PostgreSQL");

    let mut clients = Vec::new();
    for engine in &engines {
        clients.push(pinned(junction.port, engine).await);
    }
    let mut tallies: Vec<Tally> = engines.iter().map(|_| Tally::default()).collect();
    let mut failures = Vec::new();
    let mut generator = Generator::new(ChaCha8Rng::seed_from_u64(seed));
    let start = Instant::now();
    let mut ran = 0;
    while ran < queries && seconds.is_none_or(|s| start.elapsed().as_secs() < s) {
        ran += 1;
        let query = generator.query();
        let sql = query.to_string();
        let expected = run(&pg, &sql, TIMEOUT).await;
        if expected == Outcome::Timeout
            || matches!(&expected, Outcome::Error { sqlstate, .. } if sqlstate == "57014")
        {
            pg = reference(postgres.port).await;
            continue;
        }
        for (i, engine) in engines.iter().enumerate() {
            let actual = run(&clients[i], &sql, TIMEOUT).await;
            assert!(
                junction.is_running(),
                "junction died running this query on {engine}: {sql}"
            );
            let verdict = compare(&expected, &actual);
            let tally = &mut tallies[i];
            let name = match &verdict {
                Verdict::Same => "same",
                Verdict::Timeout => "timeout",
                Verdict::Unsupported(what) => {
                    *tally.unsupported.entry(what.clone()).or_default() += 1;
                    "unsupported"
                }
                Verdict::OtherError { postgres, junction } => {
                    tally
                        .other_errors
                        .entry(format!("{postgres} -> {junction}"))
                        .or_insert_with(|| (0, sql.clone()))
                        .0 += 1;
                    "other error code"
                }
                Verdict::Different(_) => "different",
            };
            *tally.verdicts.entry(name).or_default() += 1;
            let dropped = matches!(&actual, Outcome::Error { sqlstate, .. } if sqlstate == "08000");
            if actual == Outcome::Timeout || dropped {
                clients[i] = pinned(junction.port, engine).await;
            }
            if let Verdict::Different(why) = &verdict {
                let (pg_ref, client, kind) = (&pg, &clients[i], verdict.kind());
                let small = minimize(query.clone(), 400, |q| async move {
                    let sql = q.to_string();
                    let expected = run(pg_ref, &sql, TIMEOUT).await;
                    let actual = run(client, &sql, TIMEOUT).await;
                    compare(&expected, &actual).kind() == kind
                })
                .await;
                let small_sql = small.to_string();
                let detail = match compare(
                    &run(&pg, &small_sql, TIMEOUT).await,
                    &run(&clients[i], &small_sql, TIMEOUT).await,
                ) {
                    Verdict::Different(d) => d,
                    other => format!("{other:?} (when minimised); first: {why}"),
                };
                failures.push(format!(
                    "[{engine}] {detail}\n  minimised: {small_sql}\n  original:  {sql}"
                ));
            }
        }
    }
    println!(
        "fuzz: seed {seed}, {ran} queries in {:.0?}",
        start.elapsed()
    );
    for (engine, tally) in engines.iter().zip(&tallies) {
        println!("  {engine}: {:?}", tally.verdicts);
        for (what, n) in &tally.unsupported {
            println!("    unsupported x{n}: {what}");
        }
        for (what, (n, example)) in &tally.other_errors {
            println!("    error code x{n}: {what}, as in: {example}");
        }
    }
    assert!(
        failures.is_empty(),
        "{} differences from PostgreSQL:\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}
