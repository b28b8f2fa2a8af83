use std::sync::Arc;

use arrow::array::{ArrayRef, Int32Array, RecordBatch};

use crate::server::{write_parquet, Server};

fn write_numbers(path: &std::path::Path, values: &[i32]) {
    let numbers: ArrayRef = Arc::new(Int32Array::from(values.to_vec()));
    let batch = RecordBatch::try_from_iter([("n", numbers)]).expect("batch");
    write_parquet(path, &batch);
}

#[tokio::test]
async fn tables_and_files_that_appear_are_seen_without_restart() {
    let server = Server::start();
    let client = server.connect().await;
    let dir = server.warehouse.join("extra/numbers");
    std::fs::create_dir_all(&dir).expect("mkdir");
    write_numbers(&dir.join("a.parquet"), &[1, 2, 3]);
    let row = client
        .query_one("select sum(n) from extra.numbers", &[])
        .await
        .expect("new table");
    assert_eq!(row.get::<_, i64>(0), 6);
    write_numbers(&dir.join("b.parquet"), &[10]);
    let row = client
        .query_one("select sum(n) from extra.numbers", &[])
        .await
        .expect("new file");
    assert_eq!(row.get::<_, i64>(0), 16);

    std::fs::write(
        server.warehouse.join("extra/wards.csv"),
        "ward,beds\nicu,12\ncardiology,30\n",
    )
    .expect("csv");
    let row = client
        .query_one("select beds from extra.wards where ward = 'icu'", &[])
        .await
        .expect("csv table");
    assert_eq!(row.get::<_, i64>(0), 12);
}

/// Another writer committing to the demo's Delta and Iceberg tables
/// (conformance/scripts/commit_tables.py), loaded and waiting for the word.
struct Writer {
    child: std::process::Child,
    stdin: std::process::ChildStdin,
    stdout: std::io::BufReader<std::process::ChildStdout>,
}

impl Writer {
    fn start(warehouse: &std::path::Path) -> Self {
        use std::io::BufRead;
        // This crate's folder as cargo says at run time: a test binary built in another
        // clone and reused from a shared target folder reads this clone's script.
        let manifest = std::env::var_os("CARGO_MANIFEST_DIR")
            .map(std::path::PathBuf::from)
            .unwrap_or_else(|| std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")));
        let script = manifest.join("../conformance/scripts/commit_tables.py");
        let mut child = std::process::Command::new(junction_conformance::peers::peers_python())
            .arg(script)
            .arg(warehouse)
            .arg("--wait")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("the peers' Python (scripts/peers/install.sh)");
        let stdin = child.stdin.take().expect("stdin");
        let mut stdout = std::io::BufReader::new(child.stdout.take().expect("stdout"));
        let mut line = String::new();
        stdout.read_line(&mut line).expect("ready");
        assert_eq!(line.trim(), "ready", "commit_tables.py did not start");
        Self {
            child,
            stdin,
            stdout,
        }
    }

    /// Commits one row to each table; the tables' row counts after.
    fn commit(mut self) -> (i64, i64) {
        use std::io::{BufRead, Write};
        writeln!(self.stdin).expect("commit");
        let mut line = String::new();
        self.stdout.read_line(&mut line).expect("the counts");
        let status = self.child.wait().expect("wait");
        assert!(status.success(), "commit_tables.py failed: {status}");
        let counts: serde_json::Value = serde_json::from_str(&line).expect("JSON");
        let count = |key: &str| counts[key].as_i64().expect("a count");
        (count("vitals"), count("hourly"))
    }
}

/// One statement reads one snapshot of every table, on each engine: a commit to the Delta and
/// the Iceberg table that lands while a long statement over both runs does not show in its
/// answer, and the next statement sees it.
#[tokio::test]
async fn a_statement_reads_the_snapshot_it_started_with_while_a_writer_commits() {
    let server = Server::start();
    let client = Arc::new(server.connect().await);
    let counts = "select (select count(*) from silver.vitals), \
                  (select count(*) from gold.vitals_hourly)";
    // The tables are read after a long aggregation whose result (0) filters nothing.
    let long = "with slow as (select count(distinct x) - 8000000 as z \
                from generate_series(1, 8000000) as t(x)) \
                select (select count(*) from silver.vitals, slow where patient_id > z), \
                (select count(*) from gold.vitals_hourly, slow where patient_id > z)";
    for engine in ["datafusion", "duckdb"] {
        client
            .batch_execute(&format!("set junction.engine = '{engine}'"))
            .await
            .expect("engine");
        let before = client.query_one(counts, &[]).await.expect("counts");
        let before: (i64, i64) = (before.get(0), before.get(1));
        let writer = Writer::start(&server.warehouse);
        let running = {
            let client = Arc::clone(&client);
            tokio::spawn(async move { client.query_one(long, &[]).await })
        };
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        let after = tokio::task::spawn_blocking(move || writer.commit())
            .await
            .expect("writer");
        assert!(
            !running.is_finished(),
            "{engine}: the long statement ended before the commit; make it longer"
        );
        let answered = running.await.expect("task").expect(engine);
        assert_eq!(
            (answered.get::<_, i64>(0), answered.get::<_, i64>(1)),
            before,
            "{engine}: the statement saw the commit that landed while it ran"
        );
        assert_eq!(after, (before.0 + 1, before.1 + 1), "{engine}: the writer");
        let now = client.query_one(counts, &[]).await.expect("counts");
        assert_eq!(
            (now.get::<_, i64>(0), now.get::<_, i64>(1)),
            after,
            "{engine}"
        );
    }
}
