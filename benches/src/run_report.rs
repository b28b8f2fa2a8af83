//! `junction-bench report`: prepares the warehouse, runs every suite, writes the report.

use std::path::{Path, PathBuf};

use junction_conformance::peers::{connect, Junction, Postgres};
use tokio_postgres::Client;

use crate::latency::{self, Latency};
use crate::queries;
use crate::report;
use crate::suite::{self, Direct, ENGINES};
use junction_conformance::tpch::{self, DELTA_SCHEMA, PARQUET_SCHEMA};

#[derive(clap::Args)]
pub struct Args {
    /// TPC-H scale factor.
    #[arg(long, default_value_t = 1.0)]
    sf: f64,
    /// Timed runs per query and path (after one warm-up run); the report shows medians.
    #[arg(long, default_value_t = 3)]
    runs: usize,
    /// The warehouse to run over; the demo and TPC-H tables are written there if missing,
    /// and kept for the next run.
    #[arg(long, default_value = "/tmp/junction-bench-warehouse")]
    warehouse: PathBuf,
    /// Where `report.md` and `report.png` go.
    #[arg(long, default_value = "benches/results")]
    out: PathBuf,
    /// A TrueType font for the chart's labels.
    #[arg(
        long,
        default_value = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
    )]
    font: PathBuf,
    /// `SELECT 1` round trips timed per target.
    #[arg(long, default_value_t = 2000)]
    latency_samples: usize,
    /// Skip the TPC-H suites (dashboards and latency only).
    #[arg(long)]
    no_tpch: bool,
    /// Only these queries (`Q07,ward_load`); all when absent.
    #[arg(long, value_delimiter = ',')]
    only: Vec<String>,
}

/// The demo warehouse at the default scale (100 patients, 7 days), unless one is there.
pub(crate) fn ensure_demo(junction: &Path, warehouse: &Path) -> Result<(), String> {
    if warehouse.join("silver").exists() {
        return Ok(());
    }
    std::fs::create_dir_all(warehouse).map_err(|e| format!("{}: {e}", warehouse.display()))?;
    Junction::write_demo(junction, warehouse, 100, 7)
}

pub(crate) fn selected(queries: Vec<queries::Query>, only: &[String]) -> Vec<queries::Query> {
    if only.is_empty() {
        return queries;
    }
    queries
        .into_iter()
        .filter(|q| only.iter().any(|o| o.eq_ignore_ascii_case(&q.name)))
        .collect()
}

/// One client per engine, each pinned to it.
async fn pinned_clients(port: u16) -> Result<Vec<(&'static str, Client)>, String> {
    let mut clients = Vec::new();
    for engine in ENGINES {
        clients.push((engine, crate::pinned_client(port, engine).await?));
    }
    Ok(clients)
}

pub async fn run(junction: &Path, args: Args) -> Result<(), String> {
    let warehouse = std::path::absolute(&args.warehouse).map_err(|e| e.to_string())?;
    ensure_demo(junction, &warehouse)?;
    if !args.no_tpch {
        tpch::ensure(&warehouse, args.sf).await?;
    }
    let server = Junction::serve_uncached(junction, &warehouse)?;
    let clients = pinned_clients(server.port).await?;
    let direct = Direct::new(&warehouse)?;

    let mut suites = Vec::new();
    if !args.no_tpch {
        for (format, schema) in [("Parquet", PARQUET_SCHEMA), ("Delta", DELTA_SCHEMA)] {
            let title = format!("TPC-H SF{}, {format}", args.sf);
            let queries = selected(queries::tpch(args.sf, schema), &args.only);
            suites.push(suite::run(&title, &queries, args.runs, &clients, &direct).await);
        }
    }
    let title = "IoT dashboards, demo warehouse (100 patients, 7 days)";
    let queries = selected(queries::iot(), &args.only);
    suites.push(suite::run(title, &queries, args.runs, &clients, &direct).await);

    let mut latencies: Vec<Latency> = Vec::new();
    for (engine, client) in &clients {
        let target = format!("junction ({engine})");
        latencies.push(latency::measure(&target, client, 200, args.latency_samples).await?);
    }
    let postgres = Postgres::start();
    let pg = connect(postgres.port, "postgres", "postgres")
        .await
        .map_err(|e| e.to_string())?;
    let version: String = pg
        .query_one("show server_version", &[])
        .await
        .map_err(|e| e.to_string())?
        .get(0);
    let target = format!("PostgreSQL {version}");
    latencies.push(latency::measure(&target, &pg, 200, args.latency_samples).await?);

    std::fs::create_dir_all(&args.out).map_err(|e| format!("{}: {e}", args.out.display()))?;
    let mut markdown = format!(
        "## Report\n\n{} Medians of {} runs after one warm-up run; junction = through the \
         pg wire (simple protocol, text, one tokio-postgres client pinned with \
         `SET junction.engine`); direct = the same engine object in the benchmark's process, \
         no gateway.\n\n",
        report::provenance(),
        args.runs
    );
    for suite in &suites {
        markdown.push_str(&report::suite_markdown(suite));
    }
    markdown.push_str(&report::latency_markdown(&latencies));
    markdown.push_str("![junction over direct per query](report.png)\n");
    let md_path = args.out.join("report.md");
    std::fs::write(&md_path, &markdown).map_err(|e| format!("{}: {e}", md_path.display()))?;
    report::chart(&args.out.join("report.png"), &suites, &args.font)?;
    println!("{markdown}");
    eprintln!("wrote {} and report.png", md_path.display());
    Ok(())
}
