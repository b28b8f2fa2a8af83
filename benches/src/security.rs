//! What security costs: connection set-up (TCP, TLS, SCRAM-SHA-256) through libpq, and TLS
//! on one large result through the pg wire (psycopg) and Flight SQL (ADBC), junction against
//! a PostgreSQL 15 with the same settings (its certificate, SCRAM verifiers, pg_hba rules).
//! The clients run in `security_clients.py` (the peers' venv has them).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use junction_conformance::peers::{connect, Junction, Postgres};

use crate::{report, wire};

#[derive(clap::Args)]
pub struct Args {
    /// Rows of the large result.
    #[arg(long, default_value_t = 10_000_000)]
    rows: u64,
    /// Connections timed per server and setting (after ten warm-up ones).
    #[arg(long, default_value_t = 300)]
    connections: usize,
    /// Timed fetches of the large result per client, server and transport (after one
    /// warm-up); the median is reported.
    #[arg(long, default_value_t = 3)]
    runs: usize,
    /// Where `security.md` goes.
    #[arg(long, default_value = "benches/results")]
    out: PathBuf,
    /// The Python with adbc_driver_flightsql and psycopg [default: $PEERS_PYTHON].
    #[arg(long)]
    python: Option<PathBuf>,
}

/// The password of the `bench` user on both servers.
const PASSWORD: &str = "bench-password";

fn run_ok(command: &mut Command, what: &str) -> Result<Vec<u8>, String> {
    let out = command.output().map_err(|e| format!("{what}: {e}"))?;
    if !out.status.success() {
        return Err(format!("{what} failed: {}", out.status));
    }
    Ok(out.stdout)
}

/// A self-signed certificate for 127.0.0.1 and its key (`server.crt`, `server.key` in `dir`).
fn certificate(dir: &Path) -> Result<(PathBuf, PathBuf), String> {
    let (cert, key) = (dir.join("server.crt"), dir.join("server.key"));
    run_ok(
        Command::new("openssl")
            .args([
                "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
            ])
            .args([
                "-subj",
                "/CN=127.0.0.1",
                "-addext",
                "subjectAltName=IP:127.0.0.1",
            ])
            .arg("-keyout")
            .arg(&key)
            .arg("-out")
            .arg(&cert)
            .stderr(Stdio::null()),
        "openssl req",
    )?;
    Ok((cert, key))
}

/// The verifier `junction hash-password` makes of [`PASSWORD`].
fn verifier(junction: &Path) -> Result<String, String> {
    use std::io::Write;
    let mut child = Command::new(junction)
        .arg("hash-password")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| format!("junction hash-password: {e}"))?;
    child
        .stdin
        .take()
        .ok_or("no stdin")?
        .write_all(format!("{PASSWORD}\n").as_bytes())
        .map_err(|e| e.to_string())?;
    let out = child.wait_with_output().map_err(|e| e.to_string())?;
    if !out.status.success() {
        return Err("junction hash-password failed".to_owned());
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

/// PostgreSQL as junction is configured: TLS with the same certificate, SCRAM-SHA-256 for
/// `bench`, trust for `postgres` (the trust-mode comparison), the rows loaded.
async fn configure_postgres(
    postgres: &Postgres,
    cert: &Path,
    key: &Path,
    rows: u64,
) -> Result<(), String> {
    let pg = connect(postgres.port, "postgres", "postgres")
        .await
        .map_err(|e| e.to_string())?;
    let data: String = pg
        .query_one("show data_directory", &[])
        .await
        .map_err(|e| e.to_string())?
        .get(0);
    let hba: String = pg
        .query_one("show hba_file", &[])
        .await
        .map_err(|e| e.to_string())?
        .get(0);
    // PostgreSQL reads its key only if its own user owns it, readable by no one else.
    let (pg_cert, pg_key) = (
        Path::new(&data).join("bench.crt"),
        Path::new(&data).join("bench.key"),
    );
    for (from, to) in [(cert, &pg_cert), (key, &pg_key)] {
        std::fs::copy(from, to).map_err(|e| format!("{}: {e}", to.display()))?;
        run_ok(
            Command::new("chown").arg("postgres:").arg(to),
            "chown postgres",
        )?;
        run_ok(Command::new("chmod").arg("600").arg(to), "chmod")?;
    }
    std::fs::write(
        &hba,
        "local all all trust\n\
         host all postgres 127.0.0.1/32 trust\n\
         host all bench 127.0.0.1/32 scram-sha-256\n",
    )
    .map_err(|e| format!("{hba}: {e}"))?;
    // One statement at a time: ALTER SYSTEM cannot run in the transaction a multi-statement
    // query is.
    for statement in [
        "alter system set ssl = on".to_owned(),
        format!("alter system set ssl_cert_file = '{}'", pg_cert.display()),
        format!("alter system set ssl_key_file = '{}'", pg_key.display()),
        "set password_encryption = 'scram-sha-256'".to_owned(),
        format!("create role bench login password '{PASSWORD}'"),
        "grant pg_read_all_data to bench".to_owned(),
        "select pg_reload_conf()".to_owned(),
    ] {
        pg.batch_execute(&statement).await.map_err(|e| {
            let message = e.as_db_error().map(|d| d.message().to_owned());
            format!("{statement}: {}", message.unwrap_or_else(|| e.to_string()))
        })?;
    }
    eprintln!("loading {rows} rows into PostgreSQL");
    wire::load_postgres(&pg, rows).await
}

/// Median and 99th percentile of one connection's set-up (connect, then close).
struct Connect {
    server: String,
    transport: String,
    auth: String,
    median: Duration,
    p99: Duration,
}

/// Median of one fetch of the large result.
struct Fetch {
    client: String,
    server: String,
    transport: String,
    median: Duration,
}

/// `security_clients.py`'s answer.
#[derive(Default)]
struct Measured {
    connects: Vec<Connect>,
    fetches: Vec<Fetch>,
}

fn parse(stdout: &[u8]) -> Result<Measured, String> {
    let seconds = |s: &str| {
        s.parse::<f64>()
            .map(Duration::from_secs_f64)
            .map_err(|e| format!("{s}: {e}"))
    };
    let mut measured = Measured::default();
    for line in String::from_utf8_lossy(stdout).lines() {
        let words: Vec<&str> = line.split_whitespace().collect();
        match words.as_slice() {
            ["connect", server, transport, auth, median, p99] => measured.connects.push(Connect {
                server: server.to_string(),
                transport: transport.to_string(),
                auth: auth.to_string(),
                median: seconds(median)?,
                p99: seconds(p99)?,
            }),
            ["fetch", client, server, transport, median] => measured.fetches.push(Fetch {
                client: client.to_string(),
                server: server.to_string(),
                transport: transport.to_string(),
                median: seconds(median)?,
            }),
            _ => {}
        }
    }
    Ok(measured)
}

pub async fn run(junction: &Path, args: Args) -> Result<(), String> {
    let python = wire::peers_python(args.python.clone())?;
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let (cert, key) = certificate(dir.path())?;
    let warehouse = dir.path().join("warehouse");
    eprintln!("writing {} rows as wire.rows", args.rows);
    wire::write_table(&warehouse, args.rows)?;
    let tls = format!(
        "[server]\ntls_cert = \"{}\"\ntls_key = \"{}\"\n{}",
        cert.display(),
        key.display(),
        Junction::NO_RESULT_CACHE
    );
    // Trust mode with TLS offered; the same with a SCRAM user; and no TLS at all, for
    // Flight SQL in plaintext (with TLS configured it takes TLS only).
    let trusting = Junction::serve_warehouse_with(junction, &warehouse, dir.path(), &tls)?;
    let users_dir = dir.path().join("users");
    std::fs::create_dir_all(&users_dir).map_err(|e| e.to_string())?;
    let with_users = Junction::serve_warehouse_with(
        junction,
        &warehouse,
        &users_dir,
        &format!(
            "{tls}[[user]]\nname = \"bench\"\npassword = \"{}\"\n",
            verifier(junction)?
        ),
    )?;
    let plain = Junction::serve_uncached(junction, &warehouse)?;
    let postgres = Postgres::start();
    configure_postgres(&postgres, &cert, &key, args.rows).await?;

    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("security_clients.py");
    let stdout = run_ok(
        Command::new(&python)
            .arg(&script)
            .args(["--rows", &args.rows.to_string()])
            .args(["--runs", &args.runs.to_string()])
            .args(["--connections", &args.connections.to_string()])
            .args(["--password", PASSWORD])
            .arg("--cert")
            .arg(&cert)
            .args(["--junction-trust", &trusting.port.to_string()])
            .args(["--junction-scram", &with_users.port.to_string()])
            .args(["--flight-tls", &trusting.flight_port.to_string()])
            .args(["--flight-plain", &plain.flight_port.to_string()])
            .args(["--postgres", &postgres.port.to_string()])
            .stderr(Stdio::inherit()),
        &script.display().to_string(),
    )?;
    let measured = parse(&stdout)?;
    let markdown = markdown(&args, &measured);
    std::fs::create_dir_all(&args.out).map_err(|e| format!("{}: {e}", args.out.display()))?;
    let path = args.out.join("security.md");
    std::fs::write(&path, &markdown).map_err(|e| format!("{}: {e}", path.display()))?;
    println!("{markdown}");
    Ok(())
}

fn ms(d: Duration) -> String {
    format!("{:.2}", d.as_secs_f64() * 1e3)
}

fn markdown(args: &Args, measured: &Measured) -> String {
    let mut out = format!(
        "## Connection set-up and TLS\n\n{}\n\n\
         ### Connection set-up (libpq 18 through psycopg: connect, then close)\n\n\
         {} connections per row after ten warm-up ones; TLS is TLS 1.3 with the same RSA-2048 \
         certificate on both servers (`sslmode=require`), SCRAM-SHA-256 with 4096 iterations \
         (with channel binding over TLS, libpq's default).\n\n\
         | transport | authentication | junction p50 ms | PostgreSQL p50 ms | × PostgreSQL | junction p99 ms | PostgreSQL p99 ms |\n\
         |---|---|---:|---:|---:|---:|---:|\n",
        report::provenance(),
        args.connections
    );
    for junction in measured.connects.iter().filter(|c| c.server == "junction") {
        let Some(postgres) = measured.connects.iter().find(|c| {
            c.server == "postgres" && c.transport == junction.transport && c.auth == junction.auth
        }) else {
            continue;
        };
        out.push_str(&format!(
            "| {} | {} | {} | {} | {:.2} | {} | {} |\n",
            junction.transport,
            junction.auth,
            ms(junction.median),
            ms(postgres.median),
            junction.median.as_secs_f64() / postgres.median.as_secs_f64(),
            ms(junction.p99),
            ms(postgres.p99),
        ));
    }
    out.push_str(&format!(
        "\n### TLS on one {}-row result (`select * from wire.rows`, 5 columns)\n\n\
         Medians of {} fetches after one warm-up; psycopg reads binary results, ADBC an Arrow \
         table.\n\n\
         | client | server | plaintext s | TLS s | TLS cost |\n|---|---|---:|---:|---:|\n",
        args.rows, args.runs
    ));
    for plain in measured
        .fetches
        .iter()
        .filter(|f| f.transport == "plaintext")
    {
        let Some(tls) = measured
            .fetches
            .iter()
            .find(|f| f.client == plain.client && f.server == plain.server && f.transport == "tls")
        else {
            continue;
        };
        let (plain_s, tls_s) = (plain.median.as_secs_f64(), tls.median.as_secs_f64());
        out.push_str(&format!(
            "| {} | {} | {plain_s:.3} | {tls_s:.3} | {:+.1}% |\n",
            plain.client,
            plain.server,
            (tls_s / plain_s - 1.0) * 100.0
        ));
    }
    out
}
