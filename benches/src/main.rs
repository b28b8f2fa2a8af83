//! junction's end-to-end benchmarks. Build and run them in release:
//!
//! ```text
//! cargo build --release -p junction -p junction-benches
//! target/release/junction-bench streaming-rss --rows 50000000
//! target/release/junction-bench report --sf 1 --out benches/results
//! target/release/junction-bench wire --rows 10000000    # needs PEERS_PYTHON
//! target/release/junction-bench isolation
//! target/release/junction-bench load --connections 500 --seconds 600
//! target/release/junction-bench memory --sf 1 --limits none,2GB,512MB
//! target/release/junction-bench security                # needs PEERS_PYTHON
//! target/release/junction-bench hot-path
//! target/release/junction-bench cache
//! ```

mod cache;
mod hot_path;
mod isolation;
mod latency;
mod load;
mod memory;
mod queries;
mod report;
mod routing;
mod rss;
mod run_report;
mod security;
mod suite;
mod wire;

use std::path::PathBuf;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "junction-bench", about = "junction's end-to-end benchmarks")]
struct Cli {
    /// The junction binary; defaults to the one next to this benchmark.
    #[arg(long, global = true)]
    junction: Option<PathBuf>,
    #[command(subcommand)]
    bench: Bench,
}

#[derive(Subcommand)]
enum Bench {
    /// The server's resident memory while one client reads a large result over pgwire.
    StreamingRss(rss::Args),
    /// TPC-H (Parquet and Delta) and dashboard queries through junction and on the engines
    /// called directly, plus `SELECT 1` latency against PostgreSQL: a Markdown report and a
    /// PNG chart.
    Report(run_report::Args),
    /// One 10M-row result through Flight SQL (ADBC) and the pg wire (psycopg, tokio-postgres),
    /// and from PostgreSQL to the same pg clients: rows/s and MB/s.
    Wire(wire::Args),
    /// Another session's `SELECT 1` while one session runs the heaviest statement, and the
    /// time from cancelling that statement to an idle server.
    Isolation(isolation::Args),
    /// TPC-H and the dashboards pinned on each engine and in `auto`, cold and warm, and the
    /// router's decision time.
    Routing(routing::Args),
    /// Hundreds of connections for minutes, mixing dashboard statements with cancels and
    /// clients that hang up, against PostgreSQL with the same mix.
    Load(load::Args),
    /// TPC-H under several `[limits] query_memory` bounds on each engine: which queries
    /// answer, how fast, and the server's peak memory.
    Memory(memory::Args),
    /// The fixed cost of small statements (`SELECT 1`, `SELECT now()`, `SHOW`, a prepared
    /// point lookup, a dashboard aggregate) on each engine, and throughput with several
    /// clients, against PostgreSQL serving the same rows.
    HotPath(hot_path::Args),
    /// The result cache on the dashboard's statements: hit latency against the cache off
    /// and `SELECT 1`, throughput of several clients, and a commit's freshness.
    Cache(cache::Args),
    /// Connection set-up with TLS and SCRAM-SHA-256, and TLS on a 10M-row result through the
    /// pg wire and Flight SQL, against PostgreSQL with the same settings.
    Security(security::Args),
}

fn junction_binary(given: Option<PathBuf>) -> Result<PathBuf, String> {
    if let Some(path) = given {
        return Ok(path);
    }
    let exe = std::env::current_exe().map_err(|e| format!("own path: {e}"))?;
    let sibling = exe.with_file_name("junction");
    if sibling.exists() {
        Ok(sibling)
    } else {
        Err(format!(
            "{} is missing: cargo build --release -p junction, or pass --junction",
            sibling.display()
        ))
    }
}

/// `given`, or the demo warehouse (100 patients, 7 days) written under `temp`.
fn warehouse_or_demo(
    junction: &std::path::Path,
    given: Option<PathBuf>,
    temp: &tempfile::TempDir,
) -> Result<PathBuf, String> {
    match given {
        Some(dir) => Ok(dir),
        None => {
            let dir = temp.path().join("warehouse");
            junction_conformance::peers::Junction::write_demo(junction, &dir, 100, 7)?;
            Ok(dir)
        }
    }
}

/// A client of the junction at `port` with its session pinned to `engine`.
async fn pinned_client(port: u16, engine: &str) -> Result<tokio_postgres::Client, String> {
    let client = junction_conformance::peers::connect(port, "bench", "junction")
        .await
        .map_err(|e| e.to_string())?;
    client
        .batch_execute(&format!("SET junction.engine = '{engine}'"))
        .await
        .map_err(|e| e.to_string())?;
    Ok(client)
}

/// A client of `postgres` after the junction at `junction_port`'s `silver` and `gold` tables
/// were copied into it, with the primary key a real deployment would give `silver.patients`.
async fn postgres_with_dashboard_tables(
    junction_port: u16,
    postgres: &junction_conformance::peers::Postgres,
) -> Result<tokio_postgres::Client, String> {
    use junction_conformance::peers::connect;
    let from = connect(junction_port, "bench", "warehouse")
        .await
        .map_err(|e| e.to_string())?;
    let to = connect(postgres.port, "postgres", "postgres")
        .await
        .map_err(|e| e.to_string())?;
    junction_conformance::mirror::copy_schemas(&from, &to, &["silver", "gold"])
        .await
        .map_err(|e| e.to_string())?;
    to.batch_execute("ALTER TABLE silver.patients ADD PRIMARY KEY (patient_id); ANALYZE")
        .await
        .map_err(|e| e.to_string())?;
    Ok(to)
}

#[tokio::main]
async fn main() {
    let cli = Cli::parse();
    let result = match junction_binary(cli.junction) {
        Ok(junction) => match cli.bench {
            Bench::StreamingRss(args) => rss::run(&junction, args).await,
            Bench::Report(args) => run_report::run(&junction, args).await,
            Bench::Wire(args) => wire::run(&junction, args).await,
            Bench::Load(args) => load::run(&junction, args).await,
            Bench::Memory(args) => memory::run(&junction, args).await,
            Bench::Isolation(args) => isolation::run(&junction, args).await,
            Bench::Routing(args) => routing::run(&junction, args).await,
            Bench::Security(args) => security::run(&junction, args).await,
            Bench::HotPath(args) => hot_path::run(&junction, args).await,
            Bench::Cache(args) => cache::run(&junction, args).await,
        },
        Err(e) => Err(e),
    };
    if let Err(e) = result {
        eprintln!("junction-bench: {e}");
        std::process::exit(1);
    }
}
