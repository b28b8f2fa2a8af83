//! Streaming: the server's resident set size while one client reads a result far larger
//! than memory would hold comfortably. A server that streams batch by batch stays flat; one
//! that collects the result grows with it.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use futures::{pin_mut, TryStreamExt};
use junction_conformance::peers::{connect, Junction};

#[derive(clap::Args)]
pub struct Args {
    /// Rows the client reads.
    #[arg(long, default_value_t = 50_000_000)]
    rows: u64,
    /// A warehouse to serve; by default the demo warehouse is written to a temp dir.
    #[arg(long)]
    warehouse: Option<PathBuf>,
    /// How often the server's RSS is sampled, in milliseconds.
    #[arg(long, default_value_t = 100)]
    sample_ms: u64,
}

/// VmRSS of `pid` in KiB, from /proc.
fn rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
}

fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

pub async fn run(junction: &Path, args: Args) -> Result<(), String> {
    let temp = tempfile::tempdir().map_err(|e| e.to_string())?;
    let warehouse = crate::warehouse_or_demo(junction, args.warehouse, &temp)?;
    let server = Junction::serve_uncached(junction, &warehouse)?;
    let pid = server.pid();
    let client = connect(server.port, "bench", "junction")
        .await
        .map_err(|e| e.to_string())?;

    let count: i64 = client
        .query_one("select count(*) from silver.vitals", &[])
        .await
        .map_err(|e| e.to_string())?
        .get(0);
    let copies = args.rows.div_ceil(count.max(1) as u64);
    let sql = format!(
        "select v.reading_id, v.patient_id, v.recorded_at, v.heart_rate, v.spo2 \
         from generate_series(1, {copies}) g cross join silver.vitals v limit {}",
        args.rows
    );
    let baseline = rss_kib(pid).ok_or("cannot read the server's RSS")?;

    let sampler = tokio::spawn(async move {
        let mut samples = Vec::new();
        let mut tick = tokio::time::interval(Duration::from_millis(args.sample_ms));
        while let Some(rss) = rss_kib(pid) {
            samples.push(rss);
            tick.tick().await;
        }
        samples
    });

    let start = Instant::now();
    let rows = client
        .query_raw(sql.as_str(), Vec::<i64>::new())
        .await
        .map_err(|e| e.to_string())?;
    pin_mut!(rows);
    let mut read = 0u64;
    let mut checkpoints = Vec::new();
    let step = (args.rows / 10).max(1);
    while let Some(_row) = rows.try_next().await.map_err(|e| e.to_string())? {
        read += 1;
        if read.is_multiple_of(step) {
            checkpoints.push((read, rss_kib(pid).unwrap_or(0)));
        }
    }
    let elapsed = start.elapsed();
    drop(server);
    let samples = sampler.await.map_err(|e| e.to_string())?;
    let peak = samples.iter().copied().max().unwrap_or(baseline);

    println!("## streaming RSS: {read} rows over pgwire (binary, tokio-postgres)\n");
    println!("query: `{sql}`\n");
    println!(
        "{read} rows in {:.1} s ({:.0} rows/s)\n",
        elapsed.as_secs_f64(),
        read as f64 / elapsed.as_secs_f64()
    );
    println!("| rows read | server RSS (MiB) |");
    println!("|---:|---:|");
    println!("| 0 (before) | {:.1} |", mib(baseline));
    for (rows, rss) in &checkpoints {
        println!("| {rows} | {:.1} |", mib(*rss));
    }
    println!(
        "\npeak {:.1} MiB over {} samples every {} ms; growth over the baseline {:.1} MiB",
        mib(peak),
        samples.len(),
        args.sample_ms,
        mib(peak.saturating_sub(baseline))
    );
    if read != args.rows {
        return Err(format!("read {read} rows, expected {}", args.rows));
    }
    Ok(())
}
