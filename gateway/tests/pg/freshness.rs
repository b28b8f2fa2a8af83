use std::sync::Arc;

use arrow::array::{ArrayRef, Int32Array, RecordBatch};

use crate::server::{text_rows, use_engine, write_parquet, Server};

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
        use_engine(&client, engine).await;
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

/// A kept answer is the one its engine computed at the snapshots its key names. The route
/// resolves a statement's tables when it arrives and the engine resolves them again when it
/// plans; here DuckDB's only instance is busy in between, a file lands meanwhile, and the
/// answer (which has the new file's rows) must not be kept under the snapshot the route saw:
/// when the file goes again that snapshot is the table's once more, and would answer wrongly.
#[tokio::test]
async fn an_answer_is_kept_only_under_the_snapshots_its_engine_read() {
    use std::time::{Duration, Instant};

    use tokio_postgres::NoTls;

    let server = Server::start_with_config("[engines.duckdb]\nconnections = 1\n");
    let dir = server.warehouse.join("extra/numbers");
    std::fs::create_dir_all(&dir).expect("mkdir");
    write_numbers(&dir.join("a.parquet"), &[1, 2, 3]);
    let busy = server.connect().await;
    let reader = Arc::new(server.connect().await);
    let watcher = server.connect().await;
    for client in [&busy, &*reader] {
        use_engine(client, "duckdb").await;
    }
    let busy_pid: i32 = busy
        .query_one("select pg_backend_pid()", &[])
        .await
        .expect("pid")
        .get(0);
    let reader_pid: i32 = reader
        .query_one("select pg_backend_pid()", &[])
        .await
        .expect("pid")
        .get(0);
    let engine_of = |pid: i32| {
        let watcher = &watcher;
        async move {
            watcher
                .query_one(
                    "select state, engine from pg_stat_activity where pid = $1",
                    &[&pid],
                )
                .await
                .map(|row| (row.get::<_, String>(0), row.get::<_, Option<String>>(1)))
                .expect("pg_stat_activity")
        }
    };
    let waiting_for = |pid: i32, what: &'static str| async move {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let seen = engine_of(pid).await;
            if seen == ("active".to_owned(), Some("duckdb".to_owned())) {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "{what} never ran on DuckDB: {seen:?}"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    };

    let token = busy.cancel_token();
    let long = tokio::spawn(async move {
        busy.simple_query(
            "select count(*) from generate_series(1, 200000) a cross join generate_series(1, 200000) b",
        )
        .await
    });
    waiting_for(busy_pid, "the long statement").await;
    // Routed; give it the moment it takes to take the instance.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let sum = "select sum(n) from extra.numbers";
    let read = {
        let reader = Arc::clone(&reader);
        // The simple protocol: an extended Parse would describe the statement first, which
        // waits for DuckDB's instance before the statement starts.
        tokio::spawn(async move { reader.simple_query(sum).await })
    };
    // Routed (its engine is known), now waiting for DuckDB's instance.
    waiting_for(reader_pid, "the sum").await;
    write_numbers(&dir.join("b.parquet"), &[10]);
    token.cancel_query(NoTls).await.expect("cancel");
    let cancelled = long.await.expect("task").expect_err("cancelled");
    assert_eq!(
        cancelled.code().map(|c| c.code()),
        Some("57014"),
        "{cancelled}"
    );
    let answered = read.await.expect("task").expect("the sum");
    assert_eq!(
        text_rows(&answered),
        [[Some("16".to_owned())]],
        "the engine read the new file"
    );

    std::fs::remove_file(dir.join("b.parquet")).expect("remove");
    for turn in ["from the engine", "from the cache"] {
        let again = reader.simple_query(sum).await.expect("the sum again");
        assert_eq!(text_rows(&again), [[Some("6".to_owned())]], "{turn}");
        let engine = reader
            .query_one("show junction.last_engine", &[])
            .await
            .expect("last engine")
            .get::<_, String>(0);
        let expected = if turn == "from the cache" {
            "cache"
        } else {
            "duckdb"
        };
        assert_eq!(engine, expected, "{turn}");
    }
}
