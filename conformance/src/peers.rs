//! The servers a conformance run talks to: a `junction serve` process and a throwaway real
//! PostgreSQL cluster started by `scripts/peers/postgres.sh`.

use std::io::{BufRead, BufReader, Write};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use tokio_postgres::{Client, NoTls, SimpleQueryMessage};

/// The test peers' scripts: `$JUNCTION_PEERS`, else the project's `scripts/peers`.
pub fn peers_dir() -> PathBuf {
    std::env::var_os("JUNCTION_PEERS")
        .map(PathBuf::from)
        .unwrap_or_else(|| crate::crate_dir().join("../scripts/peers"))
}

/// The `junction` binary: `$JUNCTION_BIN`, else the one cargo built next to this test.
pub fn junction_bin() -> PathBuf {
    if let Some(bin) = std::env::var_os("JUNCTION_BIN") {
        return PathBuf::from(bin);
    }
    // A test runs as target/<profile>/deps/<name>-<hash>; the binary is target/<profile>/junction.
    let exe = std::env::current_exe().expect("path of the running test");
    let bin = exe
        .parent()
        .and_then(Path::parent)
        .map(|profile| profile.join("junction"))
        .expect("test binary inside a cargo target directory");
    assert!(
        bin.exists(),
        "{} is missing: build it first (cargo build -p junction) or set JUNCTION_BIN",
        bin.display()
    );
    bin
}

/// Connects over TCP and drives the connection on the runtime.
pub async fn connect(
    port: u16,
    user: &str,
    database: &str,
) -> Result<Client, tokio_postgres::Error> {
    Ok(connect_abortable(port, user, database).await?.0)
}

/// [`connect`], with the handle of the task driving the connection. Dropping a client does
/// not close its socket while an answer is awaited (the task waits for it); aborting the
/// task does, as a client that hangs up mid-statement.
pub async fn connect_abortable(
    port: u16,
    user: &str,
    database: &str,
) -> Result<(Client, tokio::task::AbortHandle), tokio_postgres::Error> {
    let url = format!("host=127.0.0.1 port={port} user={user} dbname={database}");
    let (client, connection) = tokio_postgres::connect(&url, NoTls).await?;
    Ok((client, tokio::spawn(connection).abort_handle()))
}

/// Every row `sql` answers over the simple query protocol, values as text (NULL as `NULL`).
pub async fn simple_rows(
    client: &Client,
    sql: &str,
) -> Result<Vec<Vec<String>>, tokio_postgres::Error> {
    Ok(client
        .simple_query(sql)
        .await?
        .into_iter()
        .filter_map(|message| match message {
            SimpleQueryMessage::Row(row) => Some(
                (0..row.len())
                    .map(|i| row.get(i).unwrap_or("NULL").to_owned())
                    .collect(),
            ),
            _ => None,
        })
        .collect())
}

/// The in-process engines, as `SET junction.engine` names them: every remote-catalog test
/// reads through each.
pub const ENGINES: &[&str] = &["datafusion", "duckdb"];

/// Rows written as string literals, as [`simple_rows`] returns them.
pub fn table(rows: &[&[&str]]) -> Vec<Vec<String>> {
    rows.iter()
        .map(|row| row.iter().map(|v| (*v).to_owned()).collect())
        .collect()
}

/// The SQLSTATE and message of the error `sql` must fail with.
pub async fn error_of(client: &Client, sql: &str) -> (String, String) {
    let err = client
        .simple_query(sql)
        .await
        .expect_err(&format!("{sql} should fail"));
    let db = err.as_db_error().expect("a server error");
    (db.code().code().to_owned(), db.message().to_owned())
}

/// The DuckDB 1.5.5 extension directory the peers install (httpfs, delta, iceberg, icu);
/// the test fails without it.
pub fn duckdb_extensions() -> String {
    std::env::var("PEERS_DUCKDB_EXTENSION_DIR")
        .expect("PEERS_DUCKDB_EXTENSION_DIR names the DuckDB 1.5.5 extensions: run scripts/test.sh")
}

/// `[engines.duckdb]` loading the peers' extensions: DuckDB as deployed, with ICU's time
/// zones and its own Delta and Iceberg readers.
pub fn duckdb_extensions_config() -> String {
    format!(
        "[engines.duckdb]\nextension_directory = \"{}\"\n",
        duckdb_extensions()
    )
}

/// A running `junction serve`, killed on drop. Every harness (this corpus, the gateway's
/// wire tests, the benchmarks) starts its servers through this.
pub struct Junction {
    child: Child,
    /// The PostgreSQL wire port.
    pub port: u16,
    /// The Arrow Flight SQL port.
    pub flight_port: u16,
}

/// The first day of the demo warehouses the tests write.
pub const DEMO_FIRST_DAY: &str = "2026-01-01";

impl Junction {
    /// Writes the demo warehouse at `dir` with the given scale, using the binary `bin`.
    pub fn write_demo(bin: &Path, dir: &Path, patients: u32, days: u32) -> Result<(), String> {
        let status = Command::new(bin)
            .args(["demo", "--warehouse"])
            .arg(dir)
            .args([
                "--patients",
                &patients.to_string(),
                "--days",
                &days.to_string(),
                // The corpus's and the benchmarks' answers are those of this data.
                "--start",
                DEMO_FIRST_DAY,
            ])
            .status()
            .map_err(|e| format!("run {} demo: {e}", bin.display()))?;
        if status.success() {
            Ok(())
        } else {
            Err(format!("junction demo failed: {status}"))
        }
    }

    /// The configuration that turns the result cache off.
    pub const NO_RESULT_CACHE: &'static str = "[cache]\nresult_bytes = \"0\"\n";

    /// Serves `warehouse` with the binary `bin` on a port the OS picks, once the readiness
    /// line appeared.
    pub fn serve(bin: &Path, warehouse: &Path) -> Result<Self, String> {
        Self::serve_with_config(bin, warehouse, None)
    }

    /// As [`Self::serve`], without the result cache: what a benchmark of the engines
    /// measures (a repeated statement would otherwise be answered from the cache).
    pub fn serve_uncached(bin: &Path, warehouse: &Path) -> Result<Self, String> {
        let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
        Self::serve_warehouse_with(bin, warehouse, dir.path(), Self::NO_RESULT_CACHE)
    }

    /// As [`Self::serve`], with the configuration file `config` if given.
    pub fn serve_with_config(
        bin: &Path,
        warehouse: &Path,
        config: Option<&Path>,
    ) -> Result<Self, String> {
        let mut command = Command::new(bin);
        command
            .args([
                "serve",
                "--pg-addr",
                "127.0.0.1:0",
                "--flight-addr",
                "127.0.0.1:0",
            ])
            .arg("--warehouse")
            .arg(warehouse);
        if let Some(config) = config {
            command.arg("--config").arg(config);
        }
        let mut child = command
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("start {} serve: {e}", bin.display()))?;
        let stderr = child
            .stderr
            .take()
            .ok_or("junction's stderr is not piped")?;
        // From here on a failure kills the child through Drop.
        let mut server = Self {
            child,
            port: 0,
            flight_port: 0,
        };
        let mut lines = BufReader::new(stderr).lines();
        (server.port, server.flight_port) = loop {
            let line = lines
                .next()
                .ok_or("junction serve exited before it was ready")?
                .map_err(|e| format!("read junction's stderr: {e}"))?;
            if let Some(ports) = ready_ports(&line) {
                break ports;
            }
        };
        // Keep draining stderr so the server never blocks on a full pipe; into the file
        // JUNCTION_SERVER_LOG names, for looking into a failure.
        let mut log = std::env::var_os("JUNCTION_SERVER_LOG").and_then(|path| {
            std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)
                .ok()
        });
        std::thread::spawn(move || {
            for line in lines.map_while(Result::ok) {
                if let Some(file) = &mut log {
                    let _ = writeln!(file, "{line}");
                }
            }
        });
        Ok(server)
    }

    /// Serves `warehouse` with the configuration `config` (TOML) written in `dir`.
    pub fn serve_warehouse_with(
        bin: &Path,
        warehouse: &Path,
        dir: &Path,
        config: &str,
    ) -> Result<Self, String> {
        let path = dir.join("junction.toml");
        std::fs::write(&path, config).map_err(|e| format!("write {}: {e}", path.display()))?;
        Self::serve_with_config(bin, warehouse, Some(&path))
    }

    /// Serves an empty warehouse and the configuration `config` (TOML), both written in
    /// `dir`; the test fails if it cannot.
    pub fn serve_config_in(dir: &Path, config: &str) -> Self {
        let warehouse = dir.join("warehouse");
        std::fs::create_dir_all(&warehouse).expect("warehouse dir");
        let path = dir.join("junction.toml");
        std::fs::write(&path, config).expect("write the configuration");
        Self::serve_with_config(&junction_bin(), &warehouse, Some(&path)).expect("serve")
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub fn is_running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// Sends SIGTERM, as a service manager stops the server.
    pub fn terminate(&self) {
        let sent = Command::new("kill")
            .args(["-TERM", &self.pid().to_string()])
            .status()
            .expect("run kill");
        assert!(sent.success(), "kill -TERM {}", self.pid());
    }

    /// The server's exit status once it has ended, waiting at most `within`.
    pub fn exit_status(&mut self, within: std::time::Duration) -> Option<std::process::ExitStatus> {
        let deadline = std::time::Instant::now() + within;
        loop {
            match self.child.try_wait() {
                Ok(Some(status)) => return Some(status),
                Ok(None) if std::time::Instant::now() < deadline => {
                    std::thread::sleep(std::time::Duration::from_millis(50));
                }
                _ => return None,
            }
        }
    }
}

/// The (pg, flight) ports of the line `junction ready pg=HOST:PORT flight=HOST:PORT`.
fn ready_ports(line: &str) -> Option<(u16, u16)> {
    let rest = line.strip_prefix("junction ready ")?;
    let port = |key: &str| {
        rest.split_whitespace()
            .find_map(|word| word.strip_prefix(key))
            .and_then(|addr| addr.rsplit(':').next())
            .and_then(|port| port.parse().ok())
    };
    Some((port("pg=")?, port("flight=")?))
}

impl Drop for Junction {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A real PostgreSQL 15 cluster in a temporary directory, stopped on drop.
pub struct Postgres {
    state: PathBuf,
    pub port: u16,
    _dir: tempfile::TempDir,
}

impl Postgres {
    pub fn start() -> Self {
        Self::start_with_options("")
    }

    /// A cluster started with more server options (`-c max_connections=600`).
    pub fn start_with_options(options: &str) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        // As root the script runs PostgreSQL as `postgres`, which must reach the directory.
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755))
            .expect("make the temp dir reachable");
        let state = dir.path().join("pg");
        let out = Command::new(peers_dir().join("postgres.sh"))
            .arg("start")
            .arg(&state)
            .arg("0")
            .env("PEERS_PG_OPTIONS", options)
            .stderr(Stdio::inherit())
            .output()
            .expect("run postgres.sh (scripts/peers/install.sh installs PostgreSQL)");
        assert!(out.status.success(), "postgres.sh start failed");
        let port = String::from_utf8_lossy(&out.stdout)
            .lines()
            .find_map(|line| line.strip_prefix("export PGPORT="))
            .and_then(|port| port.trim().parse().ok())
            .expect("postgres.sh printed PGPORT");
        Self {
            state,
            port,
            _dir: dir,
        }
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        let _ = Command::new(peers_dir().join("postgres.sh"))
            .arg("stop")
            .arg(&self.state)
            .status();
    }
}

/// A server the peers' scripts start and stop (`<script> start DIR [ARGS]`), on a free port.
pub struct ServerPeer {
    script: &'static str,
    state: PathBuf,
    /// The server's URI, as the script exported it.
    pub uri: String,
    /// Every `export NAME=value` the script printed: what a client of the server needs.
    pub exports: Vec<(String, String)>,
    _dir: tempfile::TempDir,
}

impl ServerPeer {
    /// Apache Iceberg's REST catalog server (`iceberg-rest.sh`).
    pub fn iceberg_rest() -> Self {
        Self::start("iceberg-rest.sh", "PEERS_ICEBERG_REST_URI", &[])
    }

    /// A Hive 2.3 metastore (`hms.sh`).
    pub fn hive_metastore() -> Self {
        Self::start("hms.sh", "PEERS_HMS_URI", &[])
    }

    /// An S3-compatible server (`s3.sh`: moto, in memory, path-style, any credentials); the
    /// URI is its endpoint.
    pub fn s3() -> Self {
        Self::start("s3.sh", "PEERS_S3_ENDPOINT", &[])
    }

    /// A real Project Nessie (`nessie.sh`) with an S3 warehouse; `args` as the script takes
    /// them (`auth=KEY.pem`). The URI is the server's base; the exports hold the S3 peer's.
    pub fn nessie(args: &[&str]) -> Self {
        Self::start("nessie.sh", "NESSIE_URL", args)
    }

    /// Trino 476 (`trino.sh`); its URI is the coordinator's `http://` address.
    pub fn trino(args: &[&str]) -> Self {
        Self::start("trino.sh", "PEERS_TRINO_URL", args)
    }

    fn start(script: &'static str, uri_variable: &str, args: &[&str]) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let state = dir.path().join("state");
        let out = Command::new(peers_dir().join(script))
            .arg("start")
            .arg(&state)
            .arg("0")
            .args(args)
            .stderr(Stdio::inherit())
            .output()
            .unwrap_or_else(|e| panic!("run {script} (scripts/peers/install.sh): {e}"));
        assert!(out.status.success(), "{script} start failed");
        let exports: Vec<(String, String)> = String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter_map(|line| line.strip_prefix("export ")?.split_once('='))
            .map(|(name, value)| (name.to_owned(), value.trim().to_owned()))
            .collect();
        let uri = exports
            .iter()
            .find(|(name, _)| name == uri_variable)
            .map(|(_, uri)| uri.clone())
            .unwrap_or_else(|| panic!("{script} printed no {uri_variable}"));
        Self {
            script,
            state,
            uri,
            exports,
            _dir: dir,
        }
    }

    /// The value the script exported as `name`.
    pub fn export(&self, name: &str) -> &str {
        self.exports
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, value)| value.as_str())
            .unwrap_or_else(|| panic!("{} exported no {name}", self.script))
    }

    /// Stops the server, as an outage would.
    pub fn stop(&self) {
        let _ = Command::new(peers_dir().join(self.script))
            .arg("stop")
            .arg(&self.state)
            .stdout(Stdio::null())
            .status();
    }
}

impl Drop for ServerPeer {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Runs `command` (named `what` in failures), which must succeed; what it printed.
pub fn run_ok(command: &mut Command, what: &str) -> Vec<u8> {
    let out = command
        .output()
        .unwrap_or_else(|e| panic!("run {what}: {e}"));
    assert!(
        out.status.success(),
        "{what} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// Writes the vitals test tables with a real writer: `vitals_tables.py WRITER ARGS...`
/// (`delta TARGET`, `iceberg OUT [--spark-hms URI]`).
pub fn write_vitals(writer: &str, args: &[&std::ffi::OsStr]) {
    let script = crate::crate_dir().join("scripts/vitals_tables.py");
    run_ok(
        Command::new(peers_python())
            .arg(script)
            .arg(writer)
            .args(args),
        &format!("vitals_tables.py {writer}"),
    );
}

/// Runs `conformance/scripts/<script>` with the peers' Python and `args`; the JSON it prints.
pub fn script_json(script: &str, args: &[&std::ffi::OsStr]) -> serde_json::Value {
    script_json_for(script, args, &[])
}

/// [`script_json`] with `env` added to the script's environment (a peer's exports).
pub fn script_json_for(
    script: &str,
    args: &[&std::ffi::OsStr],
    env: &[(String, String)],
) -> serde_json::Value {
    let path = crate::crate_dir().join("scripts").join(script);
    let mut command = Command::new(peers_python());
    command.arg(path).args(args).envs(env.iter().cloned());
    let out = run_ok(&mut command, script);
    serde_json::from_slice(&out).unwrap_or_else(|e| panic!("{script} prints no JSON: {e}"))
}

/// The peers' Python (`PEERS_PYTHON`, from scripts/peers/env.sh), which has the real clients
/// and writers.
pub fn peers_python() -> PathBuf {
    std::env::var_os("PEERS_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            let home = std::env::var_os("JUNCTION_PEERS_HOME")
                .map(PathBuf::from)
                .or_else(|| {
                    std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache/junction/peers"))
                })
                .unwrap_or_default();
            home.join("venv/bin/python")
        })
}
