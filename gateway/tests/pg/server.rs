//! A `junction serve` process for tests: a small demo warehouse, ports picked by the OS.

use std::path::{Path, PathBuf};

use arrow::array::RecordBatch;
use junction_conformance::peers::{connect, Junction};
use tokio_postgres::{Client, SimpleQueryMessage};

pub struct Server {
    junction: Junction,
    pub port: u16,
    /// Read by the Flight tests, which share this harness.
    #[allow(dead_code)]
    pub flight_port: u16,
    pub warehouse: PathBuf,
    _dir: tempfile::TempDir,
}

fn junction() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_junction"))
}

impl Server {
    /// A server over its own small demo warehouse. Each server gets its own: Iceberg metadata
    /// holds absolute paths, so a copied warehouse would still read the original's files.
    pub fn start() -> Self {
        Self::start_with_config("")
    }

    /// A server as [`Self::start`] gives, configured by the TOML text `config`.
    pub fn start_with_config(config: &str) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let warehouse = dir.path().join("warehouse");
        Junction::write_demo(junction(), &warehouse, 10, 1).expect("demo warehouse");
        let config_file = dir.path().join("junction.toml");
        std::fs::write(&config_file, config).expect("write config");
        let junction = Junction::serve_with_config(junction(), &warehouse, Some(&config_file))
            .expect("junction serve");
        Self {
            port: junction.port,
            flight_port: junction.flight_port,
            junction,
            warehouse,
            _dir: dir,
        }
    }

    pub async fn connect(&self) -> Client {
        self.connect_to("junction").await
    }

    pub async fn connect_to(&self, database: &str) -> Client {
        connect(self.port, "tester", database)
            .await
            .expect("connect to junction")
    }

    pub fn is_running(&mut self) -> bool {
        self.junction.is_running()
    }

    #[allow(dead_code)]
    pub fn junction(&mut self) -> &mut Junction {
        &mut self.junction
    }

    /// The CPU time the server process has used so far (user and system), from /proc.
    #[allow(dead_code)]
    pub fn cpu_time(&self) -> std::time::Duration {
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", self.junction.pid()))
            .expect("the server's /proc stat");
        // Fields after the parenthesised command name; utime and stime are the 14th and
        // 15th fields of the whole line, in clock ticks (100 per second on Linux).
        let after = &stat[stat.rfind(')').expect("a command name") + 2..];
        let fields: Vec<&str> = after.split_whitespace().collect();
        let ticks: u64 =
            fields[11].parse::<u64>().expect("utime") + fields[12].parse::<u64>().expect("stime");
        std::time::Duration::from_millis(ticks * 10)
    }
}

/// Pins `client`'s session to `engine`.
pub async fn use_engine(client: &Client, engine: &str) {
    client
        .batch_execute(&format!("set junction.engine = '{engine}'"))
        .await
        .expect("set engine");
}

/// Asserts that `client`'s connection still answers a query (`why` says after what).
pub async fn assert_usable(client: &Client, why: &str) {
    let row = client.query_one("select 1", &[]).await.expect(why);
    // `1` is int4, as in PostgreSQL.
    assert_eq!(row.get::<_, i32>(0), 1);
}

/// The rows of a simple-protocol answer as text, NULL as `None`.
pub fn text_rows(messages: &[SimpleQueryMessage]) -> Vec<Vec<Option<String>>> {
    messages
        .iter()
        .filter_map(|m| match m {
            SimpleQueryMessage::Row(row) => Some(
                (0..row.len())
                    .map(|i| row.get(i).map(str::to_owned))
                    .collect(),
            ),
            _ => None,
        })
        .collect()
}

/// Writes `batch` as the Parquet file `path`.
pub fn write_parquet(path: &Path, batch: &RecordBatch) {
    let file = std::fs::File::create(path).expect("create parquet");
    let mut writer =
        parquet::arrow::ArrowWriter::try_new(file, batch.schema(), None).expect("writer");
    writer.write(batch).expect("write");
    writer.close().expect("close");
}
