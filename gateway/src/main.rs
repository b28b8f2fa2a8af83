//! `junction`: a multi-engine SQL gateway speaking the PostgreSQL wire protocol.

mod access;
mod accounting;
mod activity;
mod auth;
mod calibrate;
mod command;
mod compat;
mod config;
mod demo;
mod error;
mod executor;
mod flight;
mod hash_password;
mod http;
mod limits;
mod measured_catalog;
mod metrics;
mod observed;
mod pg;
mod redact;
mod resident_memory;
mod result_cache;
mod session;
mod sql_prepared;
mod statement_log;
mod stop;
mod tls;
mod views;
mod workers;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clap::{Parser, Subcommand};
use junction_catalogs::{
    Catalog, Catalogs, HiveCatalog, IcebergRestCatalog, NessieCatalog, Storage, UnityCatalog,
    WarehouseCatalog,
};
use junction_engines::{DataFusionEngine, DuckDbEngine, Engine, ServerViews, TrinoEngine};
use junction_router::{CostModel, Learned, Router, LEARNED_CAPACITY};
use junction_transpiler::{Dialect, TranspileError};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use auth::Authenticator;
use config::{
    CatalogSource, Config, DuckDbSection, DEFAULT_CATALOG, DEFAULT_FLIGHT_ADDR, DEFAULT_PG_ADDR,
};
use executor::Executor;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Each connection thread's stack (see `main`).
const CONNECTION_STACK: usize = 32 << 20;

/// How long `serve` waits for connections and workers once it is told to stop.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

#[derive(Parser)]
#[command(
    name = "junction",
    version,
    about = "A multi-engine SQL gateway speaking the PostgreSQL wire protocol and Arrow Flight SQL"
)]
struct Cli {
    #[command(subcommand)]
    command: CliCommand,
}

#[derive(Subcommand)]
enum CliCommand {
    /// Serve the configured catalogs over the PostgreSQL wire protocol and Flight SQL.
    Serve {
        /// Configuration file (TOML); flags override it.
        #[arg(long)]
        config: Option<PathBuf>,
        /// The embedded warehouse directory [default: ./warehouse].
        #[arg(long)]
        warehouse: Option<PathBuf>,
        /// PostgreSQL wire address; port 0 picks a free port [default: 127.0.0.1:5433].
        #[arg(long)]
        pg_addr: Option<SocketAddr>,
        /// Arrow Flight SQL address; port 0 picks a free port [default: 127.0.0.1:50051].
        #[arg(long)]
        flight_addr: Option<SocketAddr>,
        /// HTTP address for /metrics, /health and /ready; port 0 picks a free port [default:
        /// none].
        #[arg(long)]
        http_addr: Option<SocketAddr>,
        /// Write the demo warehouse first if the warehouse directory is absent or empty.
        #[arg(long)]
        demo: bool,
        /// How the log (stderr) is written: text, or json (one object per line).
        #[arg(long, value_enum, default_value_t = LogFormat::Text)]
        log_format: LogFormat,
    },
    /// Print SQL rewritten for an engine's dialect (what junction would run there).
    Transpile {
        /// The dialect of the input: postgres, the only one clients write.
        #[arg(long, default_value = "postgres")]
        from: String,
        /// The target dialect: datafusion, duckdb or trino.
        #[arg(long)]
        to: String,
        /// The SQL, one or more statements.
        sql: String,
    },
    /// Write the hospital IoT demo warehouse.
    Demo {
        #[arg(long)]
        warehouse: PathBuf,
        #[arg(long, default_value_t = 100)]
        patients: u32,
        #[arg(long, default_value_t = 7)]
        days: u32,
        /// The first day of readings (YYYY-MM-DD); by default the readings end today (UTC).
        #[arg(long)]
        start: Option<chrono::NaiveDate>,
        /// Write over a non-empty directory (only the demo's own tables are replaced).
        #[arg(long)]
        force: bool,
    },
    /// Print a `[[user]] password` verifier (SCRAM-SHA-256, PostgreSQL's format) for a
    /// password read from the terminal or standard input.
    HashPassword {
        /// PBKDF2 iterations (PostgreSQL's scram_iterations).
        #[arg(long, default_value_t = auth::DEFAULT_ITERATIONS.get())]
        iterations: u32,
    },
    /// Measure the router's cost model on this machine and write it for `[router]
    /// calibration`.
    Calibrate {
        /// Configuration file (TOML): the engines are built as `serve` would build them.
        #[arg(long)]
        config: Option<PathBuf>,
        /// Where the model goes.
        #[arg(long, default_value_os_t = calibrate::default_out())]
        out: PathBuf,
        /// Timed runs per statement and engine (medians).
        #[arg(long, default_value_t = 5)]
        runs: usize,
        /// The size of the larger demo warehouse measured over.
        #[arg(long, default_value_t = 300)]
        patients: u32,
        #[arg(long, default_value_t = 7)]
        days: u32,
    },
}

/// How the log is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum LogFormat {
    Text,
    Json,
}

/// The log on stderr, filtered by `RUST_LOG`; by default warnings, and the statements
/// `[server] log_min_duration` finds slow.
fn init_log(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| {
        tracing_subscriber::EnvFilter::new("warn,buoyant_kernel=off,junction::statement=info")
    });
    let log = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(filter);
    match format {
        LogFormat::Json => log.json().init(),
        // Colours only for a terminal: a log file or collector gets plain text.
        LogFormat::Text => log
            .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
            .init(),
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_log(match &cli.command {
        CliCommand::Serve { log_format, .. } => *log_format,
        _ => LogFormat::Text,
    });
    // rustls links both of its crypto providers here (through different dependencies), so
    // none is the process default until one is chosen; tonic's TLS asks for the default.
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    if let CliCommand::Transpile { from, to, sql } = &cli.command {
        // DESIGN.md's contract: the SQL on stdout, or `ERROR <SQLSTATE>: <message>`.
        return match transpile(from, to, sql) {
            Ok(out) => {
                println!("{out}");
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("ERROR {}: {e}", e.sqlstate());
                ExitCode::FAILURE
            }
        };
    }
    if let CliCommand::HashPassword { iterations } = &cli.command {
        return match hash_password::run(*iterations) {
            Ok(verifier) => {
                println!("{verifier}");
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("junction: {e}");
                ExitCode::FAILURE
            }
        };
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        // A connection keeps and drops the statements it parsed, which recurse as deep as
        // their expressions are wide (up to the transpiler's bound).
        .thread_stack_size(CONNECTION_STACK)
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("junction: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async {
        match cli.command {
            CliCommand::Serve {
                config,
                warehouse,
                pg_addr,
                flight_addr,
                http_addr,
                demo,
                log_format: _,
            } => {
                let addrs = Addrs {
                    pg: pg_addr,
                    flight: flight_addr,
                    http: http_addr,
                };
                serve(config, warehouse, addrs, demo).await
            }
            CliCommand::Transpile { .. } | CliCommand::HashPassword { .. } => Ok(()),
            CliCommand::Calibrate {
                config,
                out,
                runs,
                patients,
                days,
            } => {
                let size = demo::DemoSize {
                    patients,
                    days,
                    first_day: demo::fixed_first_day(),
                };
                calibrate::run(config.as_deref(), &out, runs, size).await
            }
            CliCommand::Demo {
                warehouse,
                patients,
                days,
                start,
                force,
            } => {
                let size = match start {
                    Some(first_day) => demo::DemoSize {
                        patients,
                        days,
                        first_day,
                    },
                    None => demo::DemoSize::ending_today(patients, days),
                };
                demo::write(&warehouse, size, force)
                    .await
                    .map_err(|e| e.to_string())?;
                eprintln!(
                    "junction: wrote the demo warehouse ({patients} patients, {days} days from {}) to {}",
                    size.first_day,
                    warehouse.display()
                );
                Ok(())
            }
        }
    });
    // Worker threads busy in a statement that does not yield to tokio (DataFusion's nested
    // loop joins produce for a long time between yields) would make dropping the runtime
    // wait for them; the process is ending anyway.
    runtime.shutdown_timeout(SHUTDOWN_GRACE);
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("junction: {message}");
            ExitCode::FAILURE
        }
    }
}

/// `sql` (in `from`, which must be postgres) rendered for `to`, statements joined by `;`.
fn transpile(from: &str, to: &str, sql: &str) -> Result<String, TranspileError> {
    let from: Dialect = from.parse()?;
    if from != Dialect::Postgres {
        return Err(TranspileError::UnknownDialect(format!(
            "junction reads PostgreSQL's dialect only, not {from}"
        )));
    }
    let to: Dialect = to.parse()?;
    let rendered = junction_transpiler::parse(sql)?
        .iter()
        .map(|statement| junction_transpiler::render(statement, to, &junction_transpiler::NoTypes))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rendered.join(";\n"))
}

/// The configured engines, in `auto`'s order of preference for ties.
struct Engines {
    all: Vec<Arc<dyn Engine>>,
    /// The first of them, again: the server's memory watch stops its statements.
    datafusion: Arc<DataFusionEngine>,
}

/// The engines `config` configures, over `catalogs`. The one serving pg_catalog shows the
/// server's sessions and statements from `views`.
fn engines(
    catalogs: &Catalogs,
    storage: &Storage,
    config: &Config,
    views: Arc<dyn ServerViews>,
) -> Result<Engines, String> {
    let query_memory = config.limits.query_memory;
    let datafusion_memory = config
        .engines
        .datafusion
        .as_ref()
        .and_then(|section| section.memory_limit);
    let datafusion = Arc::new(
        DataFusionEngine::try_new(catalogs.clone(), storage)
            .map_err(|e| e.to_string())?
            .with_memory(datafusion_memory, query_memory)
            .with_server(views),
    );
    let duckdb_config = config
        .engines
        .duckdb
        .as_ref()
        .unwrap_or(&DuckDbSection::default())
        .engine_config(query_memory);
    let duckdb = DuckDbEngine::try_new(catalogs.clone(), &duckdb_config, storage)
        .map_err(|e| format!("duckdb: {e}"))?;
    let mut all: Vec<Arc<dyn Engine>> = vec![datafusion.clone(), Arc::new(duckdb)];
    if let Some(section) = &config.engines.trino {
        let trino = TrinoEngine::try_new(section.engine_config(query_memory)?)
            .map_err(|e| format!("[engines.trino]: {e}"))?;
        all.push(Arc::new(trino));
    }
    Ok(Engines { all, datafusion })
}

/// The listeners' addresses given on the command line, over the configuration's.
struct Addrs {
    pg: Option<SocketAddr>,
    flight: Option<SocketAddr>,
    http: Option<SocketAddr>,
}

async fn serve(
    config_path: Option<PathBuf>,
    warehouse: Option<PathBuf>,
    addrs: Addrs,
    demo: bool,
) -> Result<(), String> {
    let config = match &config_path {
        Some(path) => Config::load(path).map_err(|e| e.to_string())?,
        None => Config::default(),
    };
    // (name, directory) of every warehouse catalog; `--warehouse` sets the path of the one
    // named `warehouse`, adding it when the configuration has none.
    let mut warehouses: Vec<(String, PathBuf)> = config
        .catalogs
        .iter()
        .filter(|c| c.kind == "warehouse")
        .map(|c| (c.name.clone(), c.path.clone().unwrap_or_default()))
        .collect();
    let embedded = match warehouses
        .iter_mut()
        .find(|(name, _)| name == DEFAULT_CATALOG)
    {
        Some((_, path)) => {
            if let Some(flag) = warehouse {
                *path = flag;
            }
            path.clone()
        }
        None => {
            let path = warehouse.unwrap_or_else(|| PathBuf::from("warehouse"));
            warehouses.push((DEFAULT_CATALOG.to_owned(), path.clone()));
            path
        }
    };
    let default_name = config
        .server
        .default_catalog
        .clone()
        .unwrap_or_else(|| DEFAULT_CATALOG.to_owned());
    if demo && demo::is_absent_or_empty(&embedded) {
        eprintln!(
            "junction: writing the demo warehouse to {}",
            embedded.display()
        );
        let size = demo::DemoSize::ending_today(100, 7);
        demo::write(&embedded, size, false)
            .await
            .map_err(|e| e.to_string())?;
    }
    for (name, path) in &warehouses {
        if !path.is_dir() {
            tracing::warn!(
                catalog = %name,
                path = %path.display(),
                "the warehouse directory does not exist: the catalog has no tables until it does"
            );
        }
    }
    redact::install(redact::Redactions::new(
        warehouses.iter().map(|(_, path)| path.as_path()),
        config.secrets(),
    ));
    let mut catalogs: Vec<Arc<dyn Catalog>> = warehouses
        .into_iter()
        .map(|(name, path)| Arc::new(WarehouseCatalog::new(name, path)) as Arc<dyn Catalog>)
        .collect();
    let storage = Storage::new(config.storage.s3.as_ref().map(|s3| s3.settings()));
    for catalog in &config.catalogs {
        let name = catalog.name.clone();
        let remote: Arc<dyn Catalog> = match catalog.source().map_err(|e| e.to_string())? {
            CatalogSource::Warehouse => continue,
            CatalogSource::IcebergRest(settings) => Arc::new(
                IcebergRestCatalog::new(name, settings, &storage)
                    .await
                    .map_err(|e| e.to_string())?,
            ),
            CatalogSource::Hive(settings) => {
                Arc::new(HiveCatalog::new(name, settings, &storage).map_err(|e| e.to_string())?)
            }
            CatalogSource::Nessie(settings) => {
                Arc::new(NessieCatalog::new(name, settings, &storage).map_err(|e| e.to_string())?)
            }
            CatalogSource::Unity(settings) => {
                Arc::new(UnityCatalog::new(name, settings, &storage).map_err(|e| e.to_string())?)
            }
        };
        catalogs.push(remote);
    }
    let metrics = metrics::Metrics::new();
    let catalogs: Vec<Arc<dyn Catalog>> = catalogs
        .into_iter()
        .map(|catalog| measured_catalog::MeasuredCatalog::wrap(catalog, &metrics))
        .collect();
    let catalogs = Catalogs::new(catalogs, &default_name).ok_or_else(|| {
        format!(
            "default catalog \"{default_name}\" is not configured, or two catalogs share a name"
        )
    })?;
    let sessions = Arc::new(activity::SessionRegistry::default());
    let learned = Learned::new(LEARNED_CAPACITY);
    let views = Arc::new(views::Views {
        sessions: Arc::clone(&sessions),
        learned: learned.clone(),
    });
    let engines = engines(&catalogs, &storage, &config, views)?;
    if let Some(bound) = config.limits.server_memory() {
        resident_memory::watch(bound, engines.datafusion);
    }
    let mut router = Router::new(catalogs, engines.all)
        .with_learned(learned)
        .with_exploration(config.router.explore_every)
        .with_local_memory(config.router.local_memory());
    if let Some(path) = &config.router.calibration {
        router = router.with_cost_model(CostModel::load(path).map_err(|e| e.to_string())?);
    }
    // Statements run on workers of their own; this runtime only serves sockets. More
    // workers than cores, so that a statement planning for long on one of them (planning
    // does not yield) leaves others to start new statements; the engines' parallelism is
    // their own setting, not this.
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    let threads = (2 * cores).max(4);
    let workers =
        workers::Workers::new(threads).map_err(|e| format!("cannot start the workers: {e}"))?;
    let access = config
        .access(router.catalogs().names())
        .map_err(|e| e.to_string())?;
    let log = statement_log::StatementLog::new(
        config.server.log_min_duration,
        config.server.log_literals,
    );
    let executor = Arc::new(
        Executor::new(router, workers.spawner(), config.limits.limits())
            .with_access(access)
            .with_monitoring(sessions, metrics, log)
            .with_result_cache(result_cache::ResultCache::new(config.cache.result_bytes())),
    );

    let tls = match (&config.server.tls_cert, &config.server.tls_key) {
        (Some(cert), Some(key)) => Some(tls::Tls::load(cert, key).map_err(|e| e.to_string())?),
        _ => None,
    };
    let authenticator = Arc::new(Authenticator::new(
        config.server.tls_required,
        config.users().map_err(|e| e.to_string())?,
        tls.as_ref().and_then(|t| t.end_point.clone()),
    ));
    let pg_addr = addrs
        .pg
        .or(config.server.pg_addr)
        .unwrap_or_else(|| DEFAULT_PG_ADDR.parse().expect("a valid constant address"));
    let flight_addr = addrs
        .flight
        .or(config.server.flight_addr)
        .unwrap_or_else(|| {
            DEFAULT_FLIGHT_ADDR
                .parse()
                .expect("a valid constant address")
        });
    for addr in [pg_addr, flight_addr] {
        config.check_trust(addr).map_err(|e| e.to_string())?;
    }
    let http_addr = addrs.http.or(config.server.http_addr);
    let pg_listener = TcpListener::bind(pg_addr)
        .await
        .map_err(|e| format!("cannot listen on {pg_addr}: {e}"))?;
    let flight_listener = TcpListener::bind(flight_addr)
        .await
        .map_err(|e| format!("cannot listen on {flight_addr}: {e}"))?;
    let pg_bound = pg_listener.local_addr().map_err(|e| e.to_string())?;
    let flight_bound = flight_listener.local_addr().map_err(|e| e.to_string())?;
    let flight_settings = config.flight.settings();
    let http_listener = match http_addr {
        Some(addr) => Some(
            TcpListener::bind(addr)
                .await
                .map_err(|e| format!("cannot listen on {addr}: {e}"))?,
        ),
        None => None,
    };

    let shutdown = CancellationToken::new();
    let pg_server = tokio::spawn(pg::serve(
        pg_listener,
        Arc::clone(&executor),
        Arc::clone(&authenticator),
        tls.as_ref().map(|t| t.pg.clone()),
        shutdown.clone(),
    ));
    let flight_server = tokio::spawn(flight::serve(
        flight_listener,
        Arc::clone(&executor),
        authenticator,
        flight_settings,
        tls.map(|t| t.flight),
        shutdown.clone(),
    ));
    let mut ready = format!("junction ready pg={pg_bound} flight={flight_bound}");
    if let Some(listener) = http_listener {
        let bound = listener.local_addr().map_err(|e| e.to_string())?;
        ready.push_str(&format!(" http={bound}"));
        tokio::spawn(http::serve(
            listener,
            Arc::clone(&executor),
            shutdown.clone(),
        ));
    }
    eprintln!("{ready}");
    wait_for_signal().await;
    // Nothing new is accepted; what runs gets until the deadline, then the runtime's end
    // stops it (each client hears its connection close).
    shutdown.cancel();
    let deadline = config
        .server
        .shutdown_timeout
        .unwrap_or(config::DEFAULT_SHUTDOWN_TIMEOUT);
    let running = executor.admission().running();
    if running > 0 {
        eprintln!(
            "junction: stopping: {running} statements running, waiting up to {}",
            humantime::format_duration(deadline)
        );
        if !executor.admission().drained(deadline).await {
            eprintln!("junction: stopping the statements still running");
        }
    }
    let _ = tokio::time::timeout(SHUTDOWN_GRACE, pg_server).await;
    match tokio::time::timeout(SHUTDOWN_GRACE, flight_server).await {
        Ok(Ok(Err(e))) => Err(e),
        _ => Ok(()),
    }
}

async fn wait_for_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
