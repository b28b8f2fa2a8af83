//! `[limits] query_memory` on TPC-H: for each limit, each query pinned to each engine
//! through a junction serving with that limit, and whether it answered (and how fast) or
//! failed with 53200. Shows what a bound costs and how cautious DataFusion's accounting is.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use junction_conformance::peers::Junction;
use junction_conformance::tpch::{self, PARQUET_SCHEMA};

use crate::{pinned_client, queries, run_report};

#[derive(clap::Args)]
pub struct Args {
    /// Where the TPC-H tables are (written there if missing).
    #[arg(long, default_value = "/tmp/junction-bench-warehouse")]
    warehouse: PathBuf,
    #[arg(long, default_value_t = 1.0)]
    sf: f64,
    /// The limits to serve with, as `[limits] query_memory` reads them; `none` for no bound.
    #[arg(long, value_delimiter = ',', default_value = "none,2GB,512MB,128MB")]
    limits: Vec<String>,
    /// Only these queries (`Q18,Q21`).
    #[arg(long, value_delimiter = ',')]
    only: Vec<String>,
}

/// Peak resident memory of `pid` in MiB (VmHWM), from /proc.
fn peak_rss_mib(pid: u32) -> Option<f64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

pub async fn run(junction: &Path, args: Args) -> Result<(), String> {
    let warehouse = std::path::absolute(&args.warehouse).map_err(|e| e.to_string())?;
    run_report::ensure_demo(junction, &warehouse)?;
    tpch::ensure(&warehouse, args.sf).await?;
    let queries = run_report::selected(queries::tpch(args.sf, PARQUET_SCHEMA), &args.only);
    println!("{}\n", crate::report::machine());
    let temp = tempfile::tempdir().map_err(|e| e.to_string())?;
    for limit in &args.limits {
        let config = temp.path().join("junction.toml");
        let limits = match limit.as_str() {
            "none" => String::new(),
            bytes => format!("[limits]\nquery_memory = \"{bytes}\"\n"),
        };
        let section = format!("{limits}{}", Junction::NO_RESULT_CACHE);
        std::fs::write(&config, section).map_err(|e| e.to_string())?;
        for engine in ["datafusion", "duckdb"] {
            // A server per engine and limit, so that its peak memory is this run's.
            let server = Junction::serve_with_config(junction, &warehouse, Some(&config))?;
            let client = pinned_client(server.port, engine).await?;
            let mut answered = 0;
            let mut total = Duration::ZERO;
            let mut failed = Vec::new();
            for query in &queries {
                let started = Instant::now();
                match client.simple_query(&query.sql).await {
                    Ok(_) => {
                        answered += 1;
                        total += started.elapsed();
                    }
                    Err(e) => match e.as_db_error() {
                        Some(db) if db.code().code() == "53200" => failed.push(query.name.clone()),
                        _ => return Err(format!("{engine} {}: {e}", query.name)),
                    },
                }
            }
            println!(
                "| {limit} | {engine} | {answered}/{} | {:.2} s | {} | {:.0} MiB |",
                queries.len(),
                total.as_secs_f64(),
                if failed.is_empty() {
                    "-".to_owned()
                } else {
                    failed.join(", ")
                },
                peak_rss_mib(server.pid()).unwrap_or(0.0)
            );
        }
    }
    Ok(())
}
