//! Isolation: another session's `SELECT 1` while one session runs the heaviest statement it
//! can, and how long the server's CPU stays busy after that statement is cancelled.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use junction_conformance::peers::{connect, Junction};
use tokio_postgres::NoTls;

use crate::latency;

#[derive(clap::Args)]
pub struct Args {
    /// `SELECT 1` round trips measured per phase.
    #[arg(long, default_value_t = 500)]
    samples: usize,
    /// A warehouse to serve; by default the demo warehouse is written to a temp dir.
    #[arg(long)]
    warehouse: Option<PathBuf>,
}

/// Minutes of work on one session: every core busy, no rows until the end.
const HEAVY: &str = "select count(distinct x) from generate_series(1, 3000000000) as t(x)";

/// CPU time (user and system) of `pid`, from /proc.
pub(crate) fn cpu_time(pid: u32) -> Option<Duration> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let after = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    // Clock ticks are 100 per second on Linux.
    Some(Duration::from_millis(ticks * 10))
}

/// The time from `since` until the server's CPU use falls under 10% of one core over a
/// 100 ms window (bounded at 30 s).
async fn until_idle(pid: u32, since: Instant) -> Result<Duration, String> {
    let window = Duration::from_millis(100);
    while since.elapsed() < Duration::from_secs(30) {
        let before = cpu_time(pid).ok_or("cannot read the server's CPU time")?;
        tokio::time::sleep(window).await;
        let used = cpu_time(pid).ok_or("cannot read the server's CPU time")? - before;
        if used < window / 10 {
            // The window in which it went idle counts whole.
            return Ok(since.elapsed());
        }
    }
    Err("the server stayed busy for 30 s after the cancel".to_owned())
}

pub async fn run(junction: &Path, args: Args) -> Result<(), String> {
    let temp = tempfile::tempdir().map_err(|e| e.to_string())?;
    let warehouse = crate::warehouse_or_demo(junction, args.warehouse, &temp)?;
    let server = Junction::serve_uncached(junction, &warehouse)?;
    let pid = server.pid();
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!(
        "isolation: {cores} cores, {} samples per phase",
        args.samples
    );
    println!();
    println!("| engine | select 1 p50 idle | p99 idle | p50 beside the heavy statement | p99 beside it | cancel to idle CPU |");
    println!("|---|---:|---:|---:|---:|---:|");
    for engine in ["datafusion", "duckdb"] {
        let probe = connect(server.port, "bench", "junction")
            .await
            .map_err(|e| e.to_string())?;
        let idle = latency::measure(engine, &probe, 50, args.samples).await?;

        let heavy = crate::pinned_client(server.port, engine).await?;
        let cancel = heavy.cancel_token();
        let running = tokio::spawn(async move { heavy.simple_query(HEAVY).await.map(|_| ()) });
        // Let it occupy the cores first.
        tokio::time::sleep(Duration::from_secs(2)).await;
        let busy = latency::measure(engine, &probe, 50, args.samples).await?;
        if running.is_finished() {
            return Err(format!(
                "{engine}: the heavy statement ended before the probe did"
            ));
        }

        let cancelled = Instant::now();
        cancel
            .cancel_query(NoTls)
            .await
            .map_err(|e| e.to_string())?;
        let to_idle = until_idle(pid, cancelled).await?;
        match running.await {
            Ok(Err(e)) if e.code() == Some(&tokio_postgres::error::SqlState::QUERY_CANCELED) => {}
            other => {
                return Err(format!(
                    "{engine}: the heavy statement ended with {other:?}"
                ))
            }
        }
        let ms = |d: Duration| format!("{:.2} ms", d.as_secs_f64() * 1000.0);
        println!(
            "| {engine} | {} | {} | {} | {} | {} |",
            ms(idle.p50),
            ms(idle.p99),
            ms(busy.p50),
            ms(busy.p99),
            ms(to_idle)
        );
    }
    Ok(())
}
