//! The result cache on a dashboard's statements: each statement's round trip with the cache
//! off and answered from it, beside `SELECT 1` uncached; the same set repeated by several
//! clients, cache on and off; and the first statement after a commit, which must read the
//! new data.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use junction_conformance::peers::Junction;
use tokio_postgres::Client;

#[derive(clap::Args)]
pub struct Args {
    /// Round trips measured per statement and setting (after a tenth as many warm-ups).
    #[arg(long, default_value_t = 200)]
    samples: usize,
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

/// The dashboard's statements (benches/queries/iot), by name.
const DASHBOARD: &[(&str, &str)] = &[
    ("alerts", include_str!("../queries/iot/alerts.sql")),
    (
        "bronze_quality",
        include_str!("../queries/iot/bronze_quality.sql"),
    ),
    (
        "gold_rollup",
        include_str!("../queries/iot/gold_rollup.sql"),
    ),
    (
        "hourly_trend",
        include_str!("../queries/iot/hourly_trend.sql"),
    ),
    (
        "latest_per_patient",
        include_str!("../queries/iot/latest_per_patient.sql"),
    ),
    (
        "one_day_one_patient",
        include_str!("../queries/iot/one_day_one_patient.sql"),
    ),
    ("ward_load", include_str!("../queries/iot/ward_load.sql")),
];

async fn session(port: u16, cache: bool) -> Result<Client, String> {
    let client = junction_conformance::peers::connect(port, "bench", "warehouse")
        .await
        .map_err(|e| e.to_string())?;
    let setting = if cache { "on" } else { "off" };
    client
        .batch_execute(&format!("SET junction.result_cache = {setting}"))
        .await
        .map_err(|e| e.to_string())?;
    Ok(client)
}

async fn last_engine(client: &Client) -> Result<String, String> {
    let rows = client
        .simple_query("SHOW junction.last_engine")
        .await
        .map_err(|e| e.to_string())?;
    rows.iter()
        .find_map(|m| match m {
            tokio_postgres::SimpleQueryMessage::Row(row) => row.get(0).map(str::to_owned),
            _ => None,
        })
        .ok_or_else(|| "SHOW junction.last_engine answered no row".to_owned())
}

/// p50 and p99 of `sql`'s round trips on `client`.
async fn latency(client: &Client, sql: &str, samples: usize) -> Result<[Duration; 2], String> {
    crate::latency::round_trips(samples / 10, samples, |_| async move {
        client.simple_query(sql).await.map(drop)
    })
    .await
}

/// Dashboard statements per second of `clients` sessions each sending the whole set in
/// turn, back to back.
async fn throughput(port: u16, args: &Args, cache: bool) -> Result<f64, String> {
    let mut sessions = Vec::new();
    for _ in 0..args.clients {
        sessions.push(session(port, cache).await?);
    }
    crate::latency::throughput(sessions, args.seconds, |client, c, done| async move {
        let (_, sql) = DASHBOARD[(done as usize + c) % DASHBOARD.len()];
        client.simple_query(sql).await.map(drop)
    })
    .await
}

/// Rewrites the Parquet file `path` with its first row dropped: a commit to a plain table.
fn drop_first_row(path: &Path) -> Result<(), String> {
    use arrow::array::RecordBatchReader;
    use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
    use parquet::arrow::ArrowWriter;
    let file = std::fs::File::open(path).map_err(|e| e.to_string())?;
    let reader = ParquetRecordBatchReaderBuilder::try_new(file)
        .and_then(|b| b.build())
        .map_err(|e| e.to_string())?;
    let schema = reader.schema();
    let batches = reader
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| e.to_string())?;
    let all = arrow::compute::concat_batches(&schema, &batches).map_err(|e| e.to_string())?;
    let rest = all.slice(1, all.num_rows().saturating_sub(1));
    let file = std::fs::File::create(path).map_err(|e| e.to_string())?;
    let mut writer = ArrowWriter::try_new(file, schema, None).map_err(|e| e.to_string())?;
    writer.write(&rest).map_err(|e| e.to_string())?;
    writer.close().map_err(|e| e.to_string())?;
    Ok(())
}

pub async fn run(junction: &Path, args: Args) -> Result<(), String> {
    let temp = tempfile::tempdir().map_err(|e| e.to_string())?;
    let warehouse = crate::warehouse_or_demo(junction, args.warehouse.clone(), &temp)?;
    let server = Junction::serve(junction, &warehouse)?;
    println!("{}\n", crate::report::machine());

    let off = session(server.port, false).await?;
    let on = session(server.port, true).await?;
    let n = args.samples;
    let [select1, select1_p99] = latency(&off, "SELECT 1", n).await?;
    println!(
        "Round trips, one client ({n} samples), p50 / p99 in µs; `SELECT 1` uncached: {} / {}\n",
        select1.as_micros(),
        select1_p99.as_micros()
    );
    println!("| statement | cache off | cache hit | hit over off | hit over SELECT 1 |");
    println!("|---|---:|---:|---:|---:|");
    for (name, sql) in DASHBOARD {
        let [off_p50, off_p99] = latency(&off, sql, n).await?;
        // The warm-ups fill the cache; every timed run is a hit.
        let [hit_p50, hit_p99] = latency(&on, sql, n).await?;
        let answered_by = last_engine(&on).await?;
        if answered_by != "cache" {
            return Err(format!(
                "{name} was not answered from the cache ({answered_by})"
            ));
        }
        println!(
            "| {name} | {} / {} | {} / {} | {:.3} | {:.2} |",
            off_p50.as_micros(),
            off_p99.as_micros(),
            hit_p50.as_micros(),
            hit_p99.as_micros(),
            hit_p50.as_secs_f64() / off_p50.as_secs_f64(),
            hit_p50.as_secs_f64() / select1.as_secs_f64()
        );
    }

    println!(
        "\nThe dashboard set repeated by {} clients for {} s, statements per second:\n",
        args.clients, args.seconds
    );
    let uncached = throughput(server.port, &args, false).await?;
    let cached = throughput(server.port, &args, true).await?;
    println!("| cache off | cache on | on over off |\n|---:|---:|---:|");
    println!("| {uncached:.0} | {cached:.0} | {:.1} |", cached / uncached);

    // Freshness: a commit, then the next statement.
    let count = "SELECT count(*) FROM silver.devices";
    let rows = |messages: Vec<tokio_postgres::SimpleQueryMessage>| {
        messages.iter().find_map(|m| match m {
            tokio_postgres::SimpleQueryMessage::Row(row) => {
                row.get(0).and_then(|v| v.parse::<i64>().ok())
            }
            _ => None,
        })
    };
    let before = rows(on.simple_query(count).await.map_err(|e| e.to_string())?);
    on.simple_query(count).await.map_err(|e| e.to_string())?;
    let cached_before = last_engine(&on).await? == "cache";
    drop_first_row(&warehouse.join("silver").join("devices.parquet"))?;
    let started = Instant::now();
    let after = rows(on.simple_query(count).await.map_err(|e| e.to_string())?);
    let took = started.elapsed();
    let engine = last_engine(&on).await?;
    let fresh = matches!((before, after), (Some(b), Some(a)) if a == b - 1);
    println!(
        "\nFreshness: `{count}` answered from the cache before a commit: {cached_before}; \
         the first statement after the commit (a rewritten Parquet file) read the new data: \
         {fresh} ({before:?} -> {after:?} rows, on {engine}, in {} µs)",
        took.as_micros()
    );
    if !fresh || !cached_before || engine == "cache" {
        return Err("the result cache served a stale answer".to_owned());
    }
    Ok(())
}
