//! A `junction serve` process for tests: a small demo warehouse, ports picked by the OS.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use tokio_postgres::{Client, NoTls};

pub struct Server {
    child: Child,
    pub port: u16,
    pub warehouse: PathBuf,
    _dir: tempfile::TempDir,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn junction() -> &'static str {
    env!("CARGO_BIN_EXE_junction")
}

/// Writes a small demo warehouse. Each server gets its own: Iceberg metadata holds absolute
/// paths, so a copied warehouse would still read the original's files.
fn write_demo(dir: &Path) {
    let status = Command::new(junction())
        .args(["demo", "--warehouse"])
        .arg(dir)
        .args(["--patients", "10", "--days", "1"])
        .status()
        .expect("run junction demo");
    assert!(status.success(), "junction demo failed");
}

impl Server {
    /// A server over its own copy of the demo warehouse.
    pub fn start() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let warehouse = dir.path().join("warehouse");
        write_demo(&warehouse);
        let mut child = Command::new(junction())
            .args(["serve", "--pg-addr", "127.0.0.1:0", "--warehouse"])
            .arg(&warehouse)
            .stderr(Stdio::piped())
            .spawn()
            .expect("start junction serve");
        let stderr = child.stderr.take().expect("stderr piped");
        let mut lines = BufReader::new(stderr).lines();
        let port = loop {
            let line = lines
                .next()
                .expect("junction serve exited before it was ready")
                .expect("read stderr");
            if let Some(rest) = line.strip_prefix("junction ready pg=") {
                let addr = rest.split_whitespace().next().expect("address");
                break addr
                    .rsplit(':')
                    .next()
                    .expect("port")
                    .parse()
                    .expect("numeric port");
            }
        };
        // Keep draining stderr so the server never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines {});
        Self {
            child,
            port,
            warehouse,
            _dir: dir,
        }
    }

    pub fn url(&self, database: &str) -> String {
        format!(
            "host=127.0.0.1 port={} user=tester dbname={database}",
            self.port
        )
    }

    pub async fn connect(&self) -> Client {
        self.connect_to("junction").await
    }

    pub async fn connect_to(&self, database: &str) -> Client {
        let (client, connection) = tokio_postgres::connect(&self.url(database), NoTls)
            .await
            .expect("connect to junction");
        tokio::spawn(connection);
        client
    }

    pub fn is_running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }
}
