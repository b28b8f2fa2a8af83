//! Runs a query set through junction's pg wire and on the same engines called in process,
//! with no gateway, and keeps the timings of every run.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::StreamExt;
use junction_catalogs::{Catalog, Catalogs, Storage, WarehouseCatalog};
use junction_engines::{DataFusionEngine, DuckDbConfig, DuckDbEngine, Engine, QueryContext};
use tokio_postgres::{Client, SimpleQueryMessage};

use crate::queries::Query;

/// The engines both paths run on, in the order the server configures them.
pub const ENGINES: [&str; 2] = ["datafusion", "duckdb"];

/// What one path measured for one query on one engine.
#[derive(Debug, Clone)]
pub struct Timing {
    /// Every timed run, in order.
    pub runs: Vec<Duration>,
    pub rows: u64,
    /// Result size: bytes of the text values on the wire (junction), Arrow memory (direct).
    pub bytes: u64,
}

impl Timing {
    pub fn median(&self) -> Duration {
        crate::report::median(&self.runs)
    }
}

/// One query on one engine, both ways; an error is kept as its message.
#[derive(Debug)]
pub struct Measurement {
    pub query: String,
    pub engine: &'static str,
    pub junction: Result<Timing, String>,
    pub direct: Result<Timing, String>,
}

/// A query set's measurements.
#[derive(Debug)]
pub struct SuiteResult {
    pub title: String,
    pub measurements: Vec<Measurement>,
}

impl SuiteResult {
    /// The queries measured, in the order they ran.
    pub fn query_names(&self) -> Vec<&str> {
        let mut names: Vec<&str> = self.measurements.iter().map(|m| m.query.as_str()).collect();
        names.dedup();
        names
    }
}

/// The engines in this process, over the same warehouse the server reads.
pub struct Direct {
    engines: Vec<Arc<dyn Engine>>,
    ctx: QueryContext,
}

impl Direct {
    pub fn new(warehouse: &Path) -> Result<Self, String> {
        let catalog: Arc<dyn Catalog> = Arc::new(WarehouseCatalog::new("warehouse", warehouse));
        let catalogs = Catalogs::new(vec![catalog], "warehouse").ok_or("no catalog")?;
        let storage = Storage::default();
        let datafusion =
            DataFusionEngine::try_new(catalogs.clone(), &storage).map_err(|e| e.to_string())?;
        let duckdb = DuckDbEngine::try_new(catalogs.clone(), &DuckDbConfig::default(), &storage)
            .map_err(|e| e.to_string())?;
        Ok(Self {
            engines: vec![Arc::new(datafusion), Arc::new(duckdb)],
            ctx: QueryContext {
                catalog: "warehouse".into(),
                search_path: vec!["public".into()],
                user: "bench".into(),
                backend_pid: 1,
                catalogs,
                settings: Vec::new(),
            },
        })
    }

    /// A router over these engines, as the server builds it, and the context to route in.
    pub fn router(&self) -> (junction_router::Router, QueryContext) {
        let router = junction_router::Router::new(self.ctx.catalogs.clone(), self.engines.clone());
        (router, self.ctx.clone())
    }

    fn engine(&self, name: &str) -> Result<&Arc<dyn Engine>, String> {
        self.engines
            .iter()
            .find(|e| e.name() == name)
            .ok_or_else(|| format!("no engine {name}"))
    }

    /// Runs `sql` to the last batch; rows and Arrow bytes.
    async fn run(&self, engine: &str, sql: &str) -> Result<(u64, u64), String> {
        let engine = self.engine(engine)?;
        let statement = junction_transpiler::parse(sql)
            .map_err(|e| e.to_string())?
            .pop()
            .ok_or("no statement")?;
        // The column types the router would hand the transpiler.
        let types =
            junction_router::table_types(&self.ctx.catalogs, &self.ctx.catalog, &statement).await;
        let mut stream = engine
            .execute(&self.ctx, &statement, &types, &[])
            .await
            .map_err(|e| e.to_string())?;
        let (mut rows, mut bytes) = (0, 0);
        while let Some(batch) = stream.next().await {
            let batch = batch.map_err(|e| e.to_string())?;
            rows += batch.num_rows() as u64;
            bytes += batch.get_array_memory_size() as u64;
        }
        Ok((rows, bytes))
    }
}

/// Runs `sql` through the pg wire (simple protocol, text, as psql and dashboards do); rows
/// and the bytes of their values.
async fn run_wire(client: &Client, sql: &str) -> Result<(u64, u64), String> {
    let messages = client.simple_query(sql).await.map_err(|e| e.to_string())?;
    let (mut rows, mut bytes) = (0, 0);
    for message in &messages {
        if let SimpleQueryMessage::Row(row) = message {
            rows += 1;
            bytes += (0..row.len())
                .map(|i| row.get(i).map_or(0, str::len) as u64)
                .sum::<u64>();
        }
    }
    Ok((rows, bytes))
}

/// Runs every query of `queries` on every engine: once each way to warm up (views, caches,
/// page cache), then `runs` times alternating the two paths so that drift hits both alike.
pub async fn run(
    title: &str,
    queries: &[Query],
    runs: usize,
    clients: &[(&'static str, Client)],
    direct: &Direct,
) -> SuiteResult {
    let mut measurements = Vec::new();
    for query in queries {
        for (engine, client) in clients {
            eprint!("{title} {} on {engine}:", query.name);
            let mut junction: Result<Timing, String> = Ok(empty());
            let mut direct_timing: Result<Timing, String> = Ok(empty());
            for run in 0..=runs {
                if let Ok(timing) = &mut junction {
                    let started = Instant::now();
                    match run_wire(client, &query.sql).await {
                        Ok((rows, bytes)) => record(timing, run, started.elapsed(), rows, bytes),
                        Err(e) => junction = Err(e),
                    }
                }
                if let Ok(timing) = &mut direct_timing {
                    let started = Instant::now();
                    match direct.run(engine, &query.sql).await {
                        Ok((rows, bytes)) => record(timing, run, started.elapsed(), rows, bytes),
                        Err(e) => direct_timing = Err(e),
                    }
                }
            }
            report_progress(&junction, &direct_timing);
            measurements.push(Measurement {
                query: query.name.clone(),
                engine,
                junction,
                direct: direct_timing,
            });
        }
    }
    SuiteResult {
        title: title.to_owned(),
        measurements,
    }
}

fn empty() -> Timing {
    Timing {
        runs: Vec::new(),
        rows: 0,
        bytes: 0,
    }
}

/// Keeps a timed run; run 0 is the warm-up.
fn record(timing: &mut Timing, run: usize, elapsed: Duration, rows: u64, bytes: u64) {
    timing.rows = rows;
    timing.bytes = bytes;
    if run > 0 {
        timing.runs.push(elapsed);
    }
}

fn report_progress(junction: &Result<Timing, String>, direct: &Result<Timing, String>) {
    let show = |t: &Result<Timing, String>| match t {
        Ok(t) => format!("{:.1} ms", t.median().as_secs_f64() * 1e3),
        Err(e) => format!("error: {e}"),
    };
    eprintln!(" junction {}, direct {}", show(junction), show(direct));
}
