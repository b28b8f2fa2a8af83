//! Round-trip latency over the pg wire: `SELECT 1`, the floor every dashboard query pays, and
//! the percentiles of any repeated call.

use std::future::Future;
use std::sync::Arc;
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

/// The `q` quantile of `sorted` (not empty).
pub fn percentile(sorted: &[Duration], q: f64) -> Duration {
    sorted[((sorted.len() as f64 * q) as usize).min(sorted.len() - 1)]
}

/// p50 and p99 of `samples` calls of `call` (given the call's number), timed one at a time
/// after `warmup` untimed ones.
pub async fn round_trips<F, Fut>(
    warmup: usize,
    samples: usize,
    mut call: F,
) -> Result<[Duration; 2], String>
where
    F: FnMut(usize) -> Fut,
    Fut: Future<Output = Result<(), tokio_postgres::Error>>,
{
    if samples == 0 {
        return Err("no samples".to_owned());
    }
    let mut times = Vec::with_capacity(samples);
    for i in 0..warmup + samples {
        let started = Instant::now();
        call(i).await.map_err(|e| e.to_string())?;
        if i >= warmup {
            times.push(started.elapsed());
        }
    }
    times.sort();
    Ok([percentile(&times, 0.50), percentile(&times, 0.99)])
}

/// Calls per second of `sessions` together, each calling `call(session, its index, its
/// call count)` back to back until `seconds` have passed.
pub async fn throughput<S, F, Fut>(sessions: Vec<S>, seconds: u64, call: F) -> Result<f64, String>
where
    S: Send + Sync + 'static,
    F: Fn(Arc<S>, usize, u64) -> Fut + Clone + Send + 'static,
    Fut: Future<Output = Result<(), tokio_postgres::Error>> + Send,
{
    let until = Instant::now() + Duration::from_secs(seconds);
    let runs = sessions.into_iter().enumerate().map(|(c, session)| {
        let (session, call) = (Arc::new(session), call.clone());
        tokio::spawn(async move {
            let mut done = 0u64;
            while Instant::now() < until {
                call(Arc::clone(&session), c, done).await?;
                done += 1;
            }
            Ok::<u64, tokio_postgres::Error>(done)
        })
    });
    let started = Instant::now();
    let mut total = 0;
    for run in futures::future::join_all(runs).await {
        total += run.map_err(|e| e.to_string())?.map_err(|e| e.to_string())?;
    }
    Ok(total as f64 / started.elapsed().as_secs_f64())
}

/// Sends `SELECT 1` (simple protocol) `warmup + samples` times, one at a time, and keeps the
/// last `samples` round trips.
pub async fn measure(
    target: &str,
    client: &Client,
    warmup: usize,
    samples: usize,
) -> Result<Latency, String> {
    let [p50, p99] = round_trips(warmup, samples, |_| async {
        client.simple_query("SELECT 1").await.map(drop)
    })
    .await
    .map_err(|e| format!("{target}: {e}"))?;
    Ok(Latency {
        target: target.to_owned(),
        samples,
        p50,
        p99,
    })
}
