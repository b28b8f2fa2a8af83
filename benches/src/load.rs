//! Load: hundreds of connections at once for minutes, each a dashboard-like client sending
//! `SELECT 1`, prepared point lookups, dashboard aggregates and now and then a long scan,
//! some cancelling a statement or hanging up in the middle of one. What counts: errors other
//! than the ones a client asked for (a cancelled statement's 57014), latency per kind of
//! statement, throughput, and the server's resident memory over the run. The same mix runs
//! against a real PostgreSQL 15 holding the same rows.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use junction_conformance::peers::{connect_abortable, Junction, Postgres};
use tokio_postgres::error::SqlState;
use tokio_postgres::{Client, NoTls, Statement};

use crate::latency::percentile;

#[derive(clap::Args)]
pub struct Args {
    /// Clients, each on a connection of its own.
    #[arg(long, default_value_t = 500)]
    connections: usize,
    /// How long each server is under load.
    #[arg(long, default_value_t = 600)]
    seconds: u64,
    /// The mean pause of a client between two statements (uniform from 0 to twice this).
    #[arg(long, default_value_t = 500)]
    think_ms: u64,
    /// A warehouse to serve; by default the demo warehouse is written to a temp dir.
    #[arg(long)]
    warehouse: Option<PathBuf>,
    /// Skip the run against PostgreSQL.
    #[arg(long)]
    no_postgres: bool,
}

/// What a client sends, by share of its statements (per mille).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    /// 600‰: a connection check, as pools and dashboards send.
    Select1,
    /// 250‰: a patient by id, prepared once per connection.
    PointLookup,
    /// 130‰: a panel's aggregate over the hourly gold table.
    Dashboard,
    /// 14‰: every reading (a million in the demo), grouped by hour.
    LongScan,
    /// 3‰: a statement that would run for minutes, cancelled after 100 ms.
    Cancel,
    /// 3‰: the same statement, its connection dropped after 100 ms; then a new connection.
    HangUp,
}

impl Kind {
    fn pick(roll: u64) -> Self {
        match roll % 1000 {
            0..600 => Kind::Select1,
            600..850 => Kind::PointLookup,
            850..980 => Kind::Dashboard,
            980..994 => Kind::LongScan,
            994..997 => Kind::Cancel,
            _ => Kind::HangUp,
        }
    }
}

const POINT_LOOKUP: &str =
    "SELECT name, ward, admitted_at FROM silver.patients WHERE patient_id = $1";
const DASHBOARD: &str = include_str!("../queries/iot/gold_rollup.sql");
const LONG_SCAN: &str = include_str!("../queries/iot/hourly_trend.sql");
/// Minutes of work unless stopped, on either server.
const ENDLESS: &str = "select count(distinct x) from generate_series(1, 3000000000) as t(x)";

/// xorshift64*: each client's own reproducible sequence.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
}

#[derive(Default)]
struct Tally {
    times: BTreeMap<Kind, Vec<Duration>>,
    /// Errors no client asked for, by message (the first of each).
    unexpected: BTreeMap<String, u64>,
}

/// One server under test: where clients connect, as whom, and the process to watch.
struct Target {
    name: &'static str,
    port: u16,
    user: &'static str,
    database: &'static str,
    pid: Option<u32>,
}

/// A client's connection; hanging up stops the task driving it, which closes the socket
/// (see [`connect_abortable`]).
struct Connection {
    client: Client,
    lookup: Statement,
    task: tokio::task::AbortHandle,
}

impl Drop for Connection {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn open(target: &Target) -> Result<Connection, tokio_postgres::Error> {
    let (client, task) = connect_abortable(target.port, target.user, target.database).await?;
    let lookup = client.prepare(POINT_LOOKUP).await?;
    Ok(Connection {
        client,
        lookup,
        task,
    })
}

/// Runs `kind` once; `Ok` when the outcome is the one asked for.
async fn send(
    target: &Target,
    connection: &mut Connection,
    kind: Kind,
    rng: &mut Rng,
) -> Result<(), String> {
    let (client, lookup) = (&connection.client, &connection.lookup);
    let text = |e: tokio_postgres::Error| match e.as_db_error() {
        Some(db) => format!("{}: {}", db.code().code(), db.message()),
        None => e.to_string(),
    };
    match kind {
        Kind::Select1 => client
            .simple_query("SELECT 1")
            .await
            .map(drop)
            .map_err(text),
        Kind::PointLookup => {
            let id = 1 + (rng.next() % 100) as i32;
            let rows = client.query(lookup, &[&id]).await.map_err(text)?;
            match rows.len() {
                1 => Ok(()),
                n => Err(format!("patient {id}: {n} rows")),
            }
        }
        Kind::Dashboard => client.simple_query(DASHBOARD).await.map(drop).map_err(text),
        Kind::LongScan => client.simple_query(LONG_SCAN).await.map(drop).map_err(text),
        Kind::Cancel => {
            let cancel = client.cancel_token();
            let stop = tokio::spawn(async move {
                tokio::time::sleep(Duration::from_millis(100)).await;
                cancel.cancel_query(NoTls).await
            });
            let outcome = client.simple_query(ENDLESS).await;
            stop.await
                .map_err(|e| e.to_string())?
                .map_err(|e| format!("cancel request: {e}"))?;
            match outcome {
                Err(e) if e.code() == Some(&SqlState::QUERY_CANCELED) => Ok(()),
                Err(e) => Err(text(e)),
                Ok(_) => Err("a cancelled statement answered".to_owned()),
            }
        }
        Kind::HangUp => {
            let _ = tokio::time::timeout(Duration::from_millis(100), client.simple_query(ENDLESS))
                .await;
            // Hang up before the new connection opens.
            connection.task.abort();
            *connection = open(target)
                .await
                .map_err(|e| format!("reconnect: {}", text(e)))?;
            Ok(())
        }
    }
}

async fn client_loop(
    target: Arc<Target>,
    seed: u64,
    think: Duration,
    deadline: Instant,
    tally: Arc<Mutex<Tally>>,
) {
    let mut rng = Rng(seed | 1);
    let note = |tally: &Mutex<Tally>, message: String| {
        if let Ok(mut t) = tally.lock() {
            *t.unexpected.entry(message).or_default() += 1;
        }
    };
    // Connections open over the first seconds, not in one burst.
    tokio::time::sleep(think.mul_f64((rng.next() % 1000) as f64 / 1000.0 * 4.0)).await;
    let mut connection = match open(&target).await {
        Ok(opened) => opened,
        Err(e) => return note(&tally, format!("connect: {e}")),
    };
    while Instant::now() < deadline {
        let pause = think.mul_f64((rng.next() % 2000) as f64 / 1000.0);
        tokio::time::sleep(pause).await;
        let kind = Kind::pick(rng.next());
        let started = Instant::now();
        let outcome = send(&target, &mut connection, kind, &mut rng).await;
        let took = started.elapsed();
        match outcome {
            Ok(()) => {
                if let Ok(mut t) = tally.lock() {
                    t.times.entry(kind).or_default().push(took);
                }
            }
            Err(message) => {
                note(&tally, format!("{kind:?}: {message}"));
                if connection.client.is_closed() {
                    match open(&target).await {
                        Ok(opened) => connection = opened,
                        Err(e) => return note(&tally, format!("reconnect: {e}")),
                    }
                }
            }
        }
    }
}

/// Resident memory of `pid` in MiB, from /proc.
fn rss_mib(pid: u32) -> Option<f64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

async fn load(target: Target, args: &Args) -> Result<(), String> {
    let target = Arc::new(target);
    let tally = Arc::new(Mutex::new(Tally::default()));
    let started = Instant::now();
    let deadline = started + Duration::from_secs(args.seconds);
    let think = Duration::from_millis(args.think_ms);
    let clients: Vec<_> = (0..args.connections)
        .map(|i| {
            tokio::spawn(client_loop(
                Arc::clone(&target),
                0x9E37_79B9_7F4A_7C15 ^ (i as u64 + 1).wrapping_mul(0xBF58_476D_1CE4_E5B9),
                think,
                deadline,
                Arc::clone(&tally),
            ))
        })
        .collect();
    let mut rss = Vec::new();
    if let Some(pid) = target.pid {
        while Instant::now() < deadline {
            tokio::time::sleep(Duration::from_secs(10).min(deadline - Instant::now())).await;
            rss.push((started.elapsed().as_secs(), rss_mib(pid).unwrap_or(0.0)));
        }
    }
    for client in clients {
        client.await.map_err(|e| e.to_string())?;
    }
    let elapsed = started.elapsed();
    // A statement whose cancel or hang-up the server missed runs on after its client left:
    // the server is then still busy with no client.
    let after = match target.pid {
        Some(pid) => {
            tokio::time::sleep(Duration::from_secs(1)).await;
            let window = Duration::from_secs(5);
            let before = crate::isolation::cpu_time(pid);
            tokio::time::sleep(window).await;
            let cores = crate::isolation::cpu_time(pid)
                .zip(before)
                .map(|(now, before)| {
                    now.saturating_sub(before).as_secs_f64() / window.as_secs_f64()
                });
            Some((cores, rss_mib(pid)))
        }
        None => None,
    };
    let tally = tally.lock().map_err(|_| "a client panicked")?;
    let total: usize = tally.times.values().map(Vec::len).sum();
    let errors: u64 = tally.unexpected.values().sum();
    println!(
        "### {}: {} connections, {:.0} s, {} statements answered as asked ({:.0}/s), {} other errors",
        target.name,
        args.connections,
        elapsed.as_secs_f64(),
        total,
        total as f64 / elapsed.as_secs_f64(),
        errors
    );
    println!();
    println!("| kind | statements | p50 | p99 | max |");
    println!("|---|---:|---:|---:|---:|");
    let ms = |d: Duration| format!("{:.2} ms", d.as_secs_f64() * 1000.0);
    for (kind, times) in &tally.times {
        let mut sorted = times.clone();
        sorted.sort();
        if sorted.is_empty() {
            continue;
        }
        println!(
            "| {kind:?} | {} | {} | {} | {} |",
            sorted.len(),
            ms(percentile(&sorted, 0.50)),
            ms(percentile(&sorted, 0.99)),
            ms(sorted[sorted.len() - 1])
        );
    }
    println!();
    for (message, count) in &tally.unexpected {
        println!("- {count} × {message}");
    }
    if !rss.is_empty() {
        let line: Vec<String> = rss
            .iter()
            .map(|(at, mib)| format!("{at}s {mib:.0}"))
            .collect();
        println!("\nresident MiB over the run: {}\n", line.join(", "));
    }
    if let Some((cores, rss)) = after {
        println!(
            "after the clients left: {} cores busy (over 5 s), {} MiB resident\n",
            cores.map_or("?".to_owned(), |c| format!("{c:.2}")),
            rss.map_or("?".to_owned(), |r| format!("{r:.0}"))
        );
    }
    Ok(())
}

pub async fn run(junction: &std::path::Path, args: Args) -> Result<(), String> {
    let temp = tempfile::tempdir().map_err(|e| e.to_string())?;
    let warehouse = crate::warehouse_or_demo(junction, args.warehouse.clone(), &temp)?;
    // Room for every client and the cancel requests' own connections.
    let config = temp.path().join("junction.toml");
    let places = args.connections + 50;
    std::fs::write(
        &config,
        format!(
            "[limits]\nmax_connections = {places}\n{}",
            Junction::NO_RESULT_CACHE
        ),
    )
    .map_err(|e| e.to_string())?;
    let server = Junction::serve_with_config(junction, &warehouse, Some(&config))?;
    println!("{}\n", crate::report::machine());
    load(
        Target {
            name: "junction (auto)",
            port: server.port,
            user: "bench",
            database: "warehouse",
            pid: Some(server.pid()),
        },
        &args,
    )
    .await?;
    if args.no_postgres {
        return Ok(());
    }
    let postgres = Postgres::start_with_options(&format!("-c max_connections={places}"));
    crate::postgres_with_dashboard_tables(server.port, &postgres).await?;
    drop(server);
    load(
        Target {
            name: "PostgreSQL 15",
            port: postgres.port,
            user: "postgres",
            database: "postgres",
            pid: None,
        },
        &args,
    )
    .await
}
