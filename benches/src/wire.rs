//! Wire throughput: one 10M-row × 5-column result (int8, float8, int4, float8, int8) fetched
//! through junction's Flight SQL port (ADBC), through its pg wire (binary format; psycopg and
//! tokio-postgres), and from a real PostgreSQL holding the same rows (the same pg clients).
//! The Python clients run in `wire_fetch.py` (the peers' venv has them).

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use arrow::array::{Float64Array, Int32Array, Int64Array, RecordBatch};
use arrow::datatypes::{DataType, Field, Schema};
use futures::{pin_mut, TryStreamExt};
use junction_conformance::peers::{connect, Junction, Postgres};
use tokio_postgres::Client;

use crate::report;

#[derive(clap::Args)]
pub struct Args {
    /// Rows of the result.
    #[arg(long, default_value_t = 10_000_000)]
    rows: u64,
    /// Timed runs per client and server (after one warm-up run); the median is reported.
    #[arg(long, default_value_t = 3)]
    runs: usize,
    /// Where `wire.md` goes.
    #[arg(long, default_value = "benches/results")]
    out: PathBuf,
    /// The Python with adbc_driver_flightsql and psycopg [default: $PEERS_PYTHON].
    #[arg(long)]
    python: Option<PathBuf>,
}

/// Bytes of one row's values: 8 + 8 + 4 + 8 + 8. Rates are of these payload bytes, the same
/// for every protocol, so that MB/s compare what arrives, not how it is framed.
const ROW_BYTES: u64 = 36;

const QUERY: &str = "select * from wire.rows";

/// Row `i`'s values; exact in float8, so both servers hold the very same rows.
fn row(i: u64) -> (i64, f64, i32, f64, i64) {
    let i = i as i64;
    (
        i,
        i as f64 * 0.25,
        (i % 100_000) as i32,
        (i % 1000) as f64 / 8.0,
        i * 7,
    )
}

/// The same rows, as PostgreSQL computes them.
const POSTGRES_ROWS: &str = "insert into wire.rows select i, i * 0.25::float8, \
     (i % 100000)::int4, (i % 1000)::float8 / 8, i * 7 from generate_series(0::int8, $1::int8 - 1) i";

fn schema() -> Arc<Schema> {
    Arc::new(Schema::new(vec![
        Field::new("reading_id", DataType::Int64, false),
        Field::new("heart_rate", DataType::Float64, false),
        Field::new("patient_id", DataType::Int32, false),
        Field::new("spo2", DataType::Float64, false),
        Field::new("recorded_ns", DataType::Int64, false),
    ]))
}

/// Writes `rows` rows as the Parquet table `wire.rows` of `warehouse`.
pub(crate) fn write_table(warehouse: &Path, rows: u64) -> Result<(), String> {
    let dir = warehouse.join("wire").join("rows");
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let path = dir.join("part-00000.parquet");
    let file = std::fs::File::create(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut writer =
        parquet::arrow::ArrowWriter::try_new(file, schema(), None).map_err(|e| e.to_string())?;
    const BATCH: u64 = 65_536;
    let mut start = 0;
    while start < rows {
        let end = (start + BATCH).min(rows);
        let values: Vec<_> = (start..end).map(row).collect();
        let batch = RecordBatch::try_new(
            schema(),
            vec![
                Arc::new(Int64Array::from_iter_values(values.iter().map(|r| r.0))),
                Arc::new(Float64Array::from_iter_values(values.iter().map(|r| r.1))),
                Arc::new(Int32Array::from_iter_values(values.iter().map(|r| r.2))),
                Arc::new(Float64Array::from_iter_values(values.iter().map(|r| r.3))),
                Arc::new(Int64Array::from_iter_values(values.iter().map(|r| r.4))),
            ],
        )
        .map_err(|e| e.to_string())?;
        writer.write(&batch).map_err(|e| e.to_string())?;
        start = end;
    }
    writer.close().map_err(|e| e.to_string())?;
    Ok(())
}

pub(crate) async fn load_postgres(client: &Client, rows: u64) -> Result<(), String> {
    let rows = i64::try_from(rows).map_err(|e| e.to_string())?;
    client
        .batch_execute(
            "create schema wire; create unlogged table wire.rows (reading_id int8 not null, \
             heart_rate float8 not null, patient_id int4 not null, spo2 float8 not null, \
             recorded_ns int8 not null)",
        )
        .await
        .map_err(|e| e.to_string())?;
    client
        .execute(POSTGRES_ROWS, &[&rows])
        .await
        .map_err(|e| e.to_string())?;
    client
        .batch_execute("vacuum analyze wire.rows")
        .await
        .map_err(|e| e.to_string())
}

/// One fetch of the whole result with tokio-postgres (extended protocol: binary results),
/// reading every value.
async fn fetch_tokio_postgres(client: &Client, rows: u64) -> Result<Duration, String> {
    let started = Instant::now();
    let stream = client
        .query_raw(QUERY, std::iter::empty::<i64>())
        .await
        .map_err(|e| e.to_string())?;
    pin_mut!(stream);
    let (mut seen, mut checksum) = (0_u64, 0_f64);
    while let Some(row) = stream.try_next().await.map_err(|e| e.to_string())? {
        let a: i64 = row.get(0);
        let b: f64 = row.get(1);
        let c: i32 = row.get(2);
        let d: f64 = row.get(3);
        let e: i64 = row.get(4);
        checksum += a as f64 + b + f64::from(c) + d + e as f64;
        seen += 1;
    }
    let elapsed = started.elapsed();
    if seen != rows {
        return Err(format!("tokio-postgres read {seen} rows of {rows}"));
    }
    std::hint::black_box(checksum);
    Ok(elapsed)
}

/// One measured (client, server) pair.
struct Measured {
    client: &'static str,
    server: &'static str,
    median: Duration,
}

async fn tokio_postgres_runs(client: &Client, args: &Args) -> Result<Duration, String> {
    fetch_tokio_postgres(client, args.rows).await?;
    let mut times = Vec::new();
    for _ in 0..args.runs {
        times.push(fetch_tokio_postgres(client, args.rows).await?);
    }
    Ok(report::median(&times))
}

/// Medians from `wire_fetch.py`: one `client server seconds` line per pair.
fn python_runs(
    python: &Path,
    args: &Args,
    flight_port: u16,
    junction_port: u16,
    postgres_port: u16,
) -> Result<Vec<Measured>, String> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("wire_fetch.py");
    let out = std::process::Command::new(python)
        .arg(&script)
        .args([
            "--rows",
            &args.rows.to_string(),
            "--runs",
            &args.runs.to_string(),
        ])
        .args(["--flight-port", &flight_port.to_string()])
        .args(["--junction-port", &junction_port.to_string()])
        .args(["--postgres-port", &postgres_port.to_string()])
        .stderr(std::process::Stdio::inherit())
        .output()
        .map_err(|e| format!("{}: {e}", python.display()))?;
    if !out.status.success() {
        return Err(format!("{} failed: {}", script.display(), out.status));
    }
    let mut measured = Vec::new();
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let words: Vec<&str> = line.split_whitespace().collect();
        let [client, server, seconds] = words.as_slice() else {
            continue;
        };
        let client = match *client {
            "adbc" => "ADBC Flight SQL (pyarrow table)",
            "pyarrow" => "pyarrow.flight (C++ client)",
            "psycopg" => "psycopg (binary)",
            _ => continue,
        };
        let server = match *server {
            "junction" => "junction",
            "postgres" => "PostgreSQL",
            _ => continue,
        };
        let seconds: f64 = seconds.parse().map_err(|e| format!("{line}: {e}"))?;
        measured.push(Measured {
            client,
            server,
            median: Duration::from_secs_f64(seconds),
        });
    }
    Ok(measured)
}

/// The Python with the peers' clients: `given`, else `$PEERS_PYTHON`.
pub(crate) fn peers_python(given: Option<PathBuf>) -> Result<PathBuf, String> {
    given
        .or_else(|| std::env::var_os("PEERS_PYTHON").map(PathBuf::from))
        .ok_or_else(|| "set PEERS_PYTHON (. scripts/peers/env.sh) or pass --python".to_owned())
}

pub async fn run(junction: &Path, args: Args) -> Result<(), String> {
    let python = peers_python(args.python.clone())?;
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let warehouse = dir.path().join("warehouse");
    eprintln!("writing {} rows as wire.rows", args.rows);
    write_table(&warehouse, args.rows)?;
    let server = Junction::serve_uncached(junction, &warehouse)?;
    let postgres = Postgres::start();
    let pg = connect(postgres.port, "postgres", "postgres")
        .await
        .map_err(|e| e.to_string())?;
    eprintln!("loading the same rows into PostgreSQL");
    load_postgres(&pg, args.rows).await?;
    let through_junction = connect(server.port, "bench", "junction")
        .await
        .map_err(|e| e.to_string())?;

    let mut measured = Vec::new();
    for (server_name, client) in [("junction", &through_junction), ("PostgreSQL", &pg)] {
        eprintln!("tokio-postgres from {server_name}");
        measured.push(Measured {
            client: "tokio-postgres (binary)",
            server: server_name,
            median: tokio_postgres_runs(client, &args).await?,
        });
    }
    eprintln!("Python clients");
    measured.extend(python_runs(
        &python,
        &args,
        server.flight_port,
        server.port,
        postgres.port,
    )?);

    let markdown = wire_markdown(&args, &measured);
    std::fs::create_dir_all(&args.out).map_err(|e| format!("{}: {e}", args.out.display()))?;
    let path = args.out.join("wire.md");
    std::fs::write(&path, &markdown).map_err(|e| format!("{}: {e}", path.display()))?;
    println!("{markdown}");
    Ok(())
}

fn wire_markdown(args: &Args, measured: &[Measured]) -> String {
    let payload = (args.rows * ROW_BYTES) as f64;
    let postgres_time = |client: &str| {
        measured
            .iter()
            .find(|m| m.client == client && m.server == "PostgreSQL")
            .map(|m| m.median)
    };
    let mut out = format!(
        "## Wire throughput\n\n{} {} rows × 5 columns (int8, float8, int4, float8, int8; \
         {:.0} MB of values), `{QUERY}`, medians of {} runs after one warm-up run. MB/s counts \
         value bytes (36 per row) for every protocol. The ratio is the rate over PostgreSQL's \
         rate to the same client.\n\n\
         | client | server | median s | rows/s | MB/s | × PostgreSQL |\n|---|---|---:|---:|---:|---:|\n",
        report::provenance(),
        args.rows,
        payload / 1e6,
        args.runs,
    );
    for m in measured {
        let seconds = m.median.as_secs_f64();
        let ratio = match postgres_time(m.client) {
            Some(pg) if m.server != "PostgreSQL" => {
                format!("{:.2}", pg.as_secs_f64() / seconds)
            }
            _ => "".to_owned(),
        };
        out.push_str(&format!(
            "| {} | {} | {:.3} | {:.2} M | {:.0} | {} |\n",
            m.client,
            m.server,
            seconds,
            args.rows as f64 / seconds / 1e6,
            payload / seconds / 1e6,
            ratio
        ));
    }
    out
}
