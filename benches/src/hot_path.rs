//! The hot path: the fixed cost every small statement pays through junction, against
//! PostgreSQL 15 serving the same rows on the same machine.

use std::future::Future;
use std::path::PathBuf;
use std::time::Duration;

use junction_conformance::peers::{connect, Junction, Postgres};
use tokio_postgres::types::Type;
use tokio_postgres::Client;

#[derive(clap::Args)]
pub struct Args {
    /// Round trips measured per statement and target (after a tenth as many warm-ups).
    #[arg(long, default_value_t = 5000)]
    samples: usize,
    /// Point lookups per target, on one statement prepared once.
    #[arg(long, default_value_t = 10000)]
    lookups: usize,
    /// Clients of the throughput runs, each on its own connection.
    #[arg(long, default_value_t = 8)]
    clients: usize,
    /// Seconds of each throughput run.
    #[arg(long, default_value_t = 10)]
    seconds: u64,
    /// A warehouse to serve; by default the demo warehouse is written to a temp dir.
    #[arg(long)]
    warehouse: Option<PathBuf>,
}

const POINT_LOOKUP: &str =
    "SELECT name, ward, admitted_at FROM silver.patients WHERE patient_id = $1";
const DASHBOARD: &str = include_str!("../queries/iot/gold_rollup.sql");

/// A server and how a session on it is opened.
struct Target {
    name: String,
    port: u16,
    /// junction's engine, pinned per session; none for PostgreSQL.
    engine: Option<&'static str>,
}

impl Target {
    async fn open(&self) -> Result<Client, String> {
        let opened = match self.engine {
            Some(engine) => crate::pinned_client(self.port, engine).await,
            None => connect(self.port, "postgres", "postgres")
                .await
                .map_err(|e| e.to_string()),
        };
        opened.map_err(|e| format!("{}: {e}", self.name))
    }

    /// A setting's `SHOW`: junction's own for junction, PostgreSQL's TimeZone for it.
    fn show(&self) -> &'static str {
        match self.engine {
            Some(_) => "SHOW junction.engine",
            None => "SHOW TimeZone",
        }
    }
}

/// p50 and p99 of `samples` calls of `call`, after a tenth as many warm-ups.
async fn round_trips<F, Fut>(samples: usize, call: F) -> Result<[Duration; 2], String>
where
    F: FnMut(usize) -> Fut,
    Fut: Future<Output = Result<(), tokio_postgres::Error>>,
{
    crate::latency::round_trips(samples / 10, samples, call).await
}

/// The latency probes of one target, in the report's row order.
async fn probes(target: &Target, args: &Args) -> Result<Vec<(String, [Duration; 2])>, String> {
    let client = target.open().await?;
    let client = &client;
    let n = args.samples;
    let mut rows = Vec::new();
    for sql in ["SELECT 1", "SELECT now()", target.show()] {
        let label = if sql.starts_with("SHOW") {
            "SHOW a setting"
        } else {
            sql
        };
        let simple = round_trips(
            n,
            |_| async move { client.simple_query(sql).await.map(drop) },
        );
        rows.push((format!("{label} (simple)"), simple.await?));
        // One round trip of Parse, Bind, Describe, Execute and Sync on the unnamed statement,
        // as pgJDBC and psycopg send a statement they do not keep.
        let extended = round_trips(n, |_| async move {
            client.query_typed(sql, &[]).await.map(drop)
        });
        rows.push((format!("{label} (extended)"), extended.await?));
    }
    let lookup = client
        .prepare_typed(POINT_LOOKUP, &[Type::INT4])
        .await
        .map_err(|e| e.to_string())?;
    let lookup = &lookup;
    let lookups = round_trips(args.lookups, |i| async move {
        let id = 1 + (i % 100) as i32;
        let found = client.query(lookup, &[&id]).await?;
        assert_eq!(found.len(), 1, "patient {id}");
        Ok(())
    });
    rows.push(("point lookup (prepared)".to_owned(), lookups.await?));
    let dashboard = round_trips(n / 10, |_| async move {
        client.simple_query(DASHBOARD).await.map(drop)
    });
    rows.push(("dashboard aggregate (simple)".to_owned(), dashboard.await?));
    Ok(rows)
}

/// Statements per second of `args.clients` clients each sending `SELECT 1` (or, with
/// `lookups`, the prepared point lookup) back to back.
async fn throughput(target: &Target, args: &Args, lookups: bool) -> Result<f64, String> {
    let mut clients = Vec::new();
    for _ in 0..args.clients {
        let client = target.open().await?;
        let lookup = client
            .prepare_typed(POINT_LOOKUP, &[Type::INT4])
            .await
            .map_err(|e| e.to_string())?;
        clients.push((client, lookup));
    }
    crate::latency::throughput(clients, args.seconds, move |session, c, done| async move {
        let (client, lookup) = session.as_ref();
        if lookups {
            let id = 1 + ((done as usize + c) % 100) as i32;
            client.query(lookup, &[&id]).await.map(drop)
        } else {
            client.simple_query("SELECT 1").await.map(drop)
        }
    })
    .await
}

pub async fn run(junction: &std::path::Path, args: Args) -> Result<(), String> {
    let temp = tempfile::tempdir().map_err(|e| e.to_string())?;
    let warehouse = crate::warehouse_or_demo(junction, args.warehouse.clone(), &temp)?;
    let server = Junction::serve_uncached(junction, &warehouse)?;
    let postgres = Postgres::start();
    let to = crate::postgres_with_dashboard_tables(server.port, &postgres).await?;
    let version = to
        .query_one("SHOW server_version", &[])
        .await
        .map_err(|e| e.to_string())?
        .get::<_, String>(0);
    let mut targets: Vec<Target> = ["datafusion", "duckdb"]
        .into_iter()
        .map(|engine| Target {
            name: format!("junction ({engine})"),
            port: server.port,
            engine: Some(engine),
        })
        .collect();
    targets.push(Target {
        name: format!("PostgreSQL {version}"),
        port: postgres.port,
        engine: None,
    });

    println!("{}\n", crate::report::machine());
    let mut measured = Vec::new();
    for target in &targets {
        measured.push(probes(target, &args).await?);
    }
    println!(
        "Round trips, one client, one at a time ({} samples; point lookups {}; dashboard {}), \
         p50 / p99 in µs, and p50 over PostgreSQL's:\n",
        args.samples,
        args.lookups,
        args.samples / 10
    );
    let header: Vec<&str> = targets.iter().map(|t| t.name.as_str()).collect();
    println!("| statement | {} | p50 ratios |", header.join(" | "));
    println!("|---|{}---|", "---:|".repeat(targets.len()));
    let postgres_rows = measured.last().cloned().unwrap_or_default();
    for (row, (label, pg)) in postgres_rows.iter().enumerate() {
        let cells: Vec<String> = measured
            .iter()
            .map(|rows| {
                let [p50, p99] = rows[row].1;
                format!("{} / {}", p50.as_micros(), p99.as_micros())
            })
            .collect();
        let ratios: Vec<String> = measured[..measured.len() - 1]
            .iter()
            .map(|rows| format!("{:.2}", rows[row].1[0].as_secs_f64() / pg[0].as_secs_f64()))
            .collect();
        println!(
            "| {label} | {} | {} |",
            cells.join(" | "),
            ratios.join(" / ")
        );
    }

    println!(
        "\nThroughput, {} clients for {} s each, statements per second:\n",
        args.clients, args.seconds
    );
    println!("| target | SELECT 1 | point lookup |");
    println!("|---|---:|---:|");
    let mut rates = Vec::new();
    for target in &targets {
        let select1 = throughput(target, &args, false).await?;
        let lookups = throughput(target, &args, true).await?;
        println!("| {} | {select1:.0} | {lookups:.0} |", target.name);
        rates.push([select1, lookups]);
    }
    if let Some(pg) = rates.last() {
        for (target, rate) in targets.iter().zip(&rates).take(rates.len() - 1) {
            println!(
                "\n{}: {:.0}% of PostgreSQL's SELECT 1 rate, {:.0}% of its point-lookup rate",
                target.name,
                100.0 * rate[0] / pg[0],
                100.0 * rate[1] / pg[1]
            );
        }
    }
    Ok(())
}
