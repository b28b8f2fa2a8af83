//! Round-trip latency of `SELECT 1` over the pg wire: the floor every dashboard query pays.

use std::time::{Duration, Instant};

use tokio_postgres::Client;

/// Percentiles of one target's round trips.
#[derive(Debug)]
pub struct Latency {
    pub target: String,
    pub samples: usize,
    pub p50: Duration,
    pub p99: Duration,
}

/// Sends `SELECT 1` (simple protocol) `warmup + samples` times, one at a time, and keeps the
/// last `samples` round trips.
pub async fn measure(
    target: &str,
    client: &Client,
    warmup: usize,
    samples: usize,
) -> Result<Latency, String> {
    let mut times = Vec::with_capacity(samples);
    for i in 0..warmup + samples {
        let started = Instant::now();
        client
            .simple_query("SELECT 1")
            .await
            .map_err(|e| format!("{target}: {e}"))?;
        if i >= warmup {
            times.push(started.elapsed());
        }
    }
    times.sort();
    let at = |q: f64| times[((times.len() as f64 * q) as usize).min(times.len() - 1)];
    if times.is_empty() {
        return Err(format!("{target}: no samples"));
    }
    Ok(Latency {
        target: target.to_owned(),
        samples,
        p50: at(0.50),
        p99: at(0.99),
    })
}
