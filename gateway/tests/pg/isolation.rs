//! One session's worst statement ends only itself: wide statements are refused with 54001
//! on every path and engine, statements too long to hold with 54000/54001/54011, a long statement leaves other sessions served, and a client
//! that hangs up stops its statement's work.

use std::time::Duration;

use crate::server::{assert_usable, use_engine, Server};

/// Statements PostgreSQL answers or refuses with 54001, which once overflowed the stack of
/// the whole gateway.
fn wide_statements() -> Vec<(&'static str, String)> {
    let terms = |n: usize, term: &dyn Fn(usize) -> String, sep: &str| {
        (0..n).map(term).collect::<Vec<_>>().join(sep)
    };
    vec![
        (
            "a 100,000-term sum",
            format!("select {}", terms(100_000, &|_| "1".into(), "+")),
        ),
        (
            "a 100,000-term OR",
            format!(
                "select count(*) from silver.patients where {}",
                terms(100_000, &|i| format!("patient_id = {i}"), " or ")
            ),
        ),
        (
            "10,000 UNION ALL branches",
            terms(10_000, &|_| "select 1".into(), " union all "),
        ),
        (
            "a 10,000-term concatenation",
            format!("select {}", terms(10_000, &|_| "'a'".into(), " || ")),
        ),
        (
            "arrays nested 10,000 deep",
            format!("select {}1{}", "array[".repeat(10_000), "]".repeat(10_000)),
        ),
    ]
}

#[tokio::test]
async fn wide_statements_are_refused_with_54001_on_both_paths_and_engines() {
    let mut server = Server::start();
    let client = server.connect().await;
    for engine in ["datafusion", "duckdb"] {
        use_engine(&client, engine).await;
        for (what, sql) in wide_statements() {
            let simple = client.simple_query(&sql).await.expect_err(what);
            let extended = client.query(&sql, &[]).await.expect_err(what);
            for (path, error) in [("simple", simple), ("extended", extended)] {
                let code = error.as_db_error().map(|e| e.code().code().to_owned());
                assert_eq!(code.as_deref(), Some("54001"), "{what}, {path}, {engine}");
            }
        }
        assert_usable(&client, "usable after the wide statements").await;
    }
    assert!(server.is_running());
}

/// Flat statements too big to hold: each once took the server's memory with it (a
/// 10-million-column select list went past 24 GB and the kernel killed the gateway).
fn long_statements() -> Vec<(&'static str, String, &'static str)> {
    let list = |n: usize| vec!["1"; n].join(",");
    vec![
        (
            "a 10-million-column select list",
            format!("select {}", list(10_000_000)),
            "54000",
        ),
        (
            "a 17 MiB literal",
            format!("select length('{}')", "a".repeat(17 << 20)),
            "54000",
        ),
        (
            "a 600,000-item IN list",
            format!("select 1 where 1 in ({})", list(600_000)),
            "54001",
        ),
        (
            "a 1,665-column select list",
            format!("select {}", list(1_665)),
            "54011",
        ),
        (
            "parameter $100000000000",
            "select $100000000000::int".to_owned(),
            "54000",
        ),
        (
            "parameter $65536 on DuckDB",
            "/*+ ENGINE(duckdb) */ select $65536::int".to_owned(),
            "54000",
        ),
    ]
}

#[tokio::test]
async fn long_statements_are_refused_on_both_paths() {
    let mut server = Server::start();
    let client = server.connect().await;
    for (what, sql, sqlstate) in long_statements() {
        let simple = client.simple_query(&sql).await.expect_err(what);
        let extended = client.query(&sql, &[]).await.expect_err(what);
        for (path, error) in [("simple", simple), ("extended", extended)] {
            let code = error.as_db_error().map(|e| e.code().code().to_owned());
            assert_eq!(code.as_deref(), Some(sqlstate), "{what}, {path}: {error}");
        }
    }
    assert_usable(&client, "usable after the long statements").await;
    assert!(server.is_running());
}

#[tokio::test]
async fn a_long_in_list_is_flat_and_answers() {
    let server = Server::start();
    let client = server.connect().await;
    let items: Vec<String> = (0..20_000).map(|i| i.to_string()).collect();
    let sql = format!(
        "select count(*) from silver.patients where patient_id in ({})",
        items.join(", ")
    );
    for engine in ["datafusion", "duckdb"] {
        use_engine(&client, engine).await;
        let row = client.query_one(&sql, &[]).await.expect(engine);
        assert_eq!(row.get::<_, i64>(0), 10, "{engine}");
    }
}

/// The heaviest statement one session can send, running for minutes on its own.
const ENDLESS: &str = "select count(distinct x) from generate_series(1, 3000000000) as t(x)";

#[tokio::test]
async fn a_long_statement_leaves_other_sessions_served() {
    let server = Server::start();
    for engine in ["datafusion", "duckdb"] {
        let busy = server.connect().await;
        use_engine(&busy, engine).await;
        let running = tokio::spawn(async move { busy.simple_query(ENDLESS).await.map(|_| ()) });
        tokio::time::sleep(Duration::from_millis(500)).await;
        // A new session, and its first statement, while the statement above computes. The
        // bound is no speed target (benches/ measures that): before the statement workers
        // existed the answer did not come for as long as the statement ran.
        let other = tokio::time::timeout(Duration::from_secs(10), async {
            let client = server.connect().await;
            assert_usable(&client, "another session's select 1").await;
        })
        .await;
        running.abort();
        other.unwrap_or_else(|_| panic!("{engine}: select 1 waited for the long statement"));
    }
}

/// Fails unless the server spends (almost) no CPU in a second starting a quarter of a second
/// from now, or in the second after that: its statements' work has stopped. The quarter lets
/// a batch in flight finish (the contract is that the work stops within 1 s); the second
/// window is for a CI machine whose two cores other tests' servers load, where the last
/// batch of a hash aggregate, or DuckDB freeing its interrupted hash table, once took part of
/// the first window (390 ms and 240 ms, against whole seconds of CPU while running).
async fn assert_idle(server: &Server, when: &str) {
    tokio::time::sleep(Duration::from_millis(250)).await;
    let mut windows = Vec::new();
    for _ in 0..2 {
        let before = server.cpu_time();
        tokio::time::sleep(Duration::from_secs(1)).await;
        let busy = server.cpu_time() - before;
        if busy < Duration::from_millis(200) {
            return;
        }
        windows.push(busy);
    }
    panic!("{when}: {windows:?} of CPU in each of two seconds");
}

/// `statement_timeout` stops the statement's work on each engine, with PostgreSQL's 57014
/// and message, and the session goes on.
#[tokio::test]
async fn statement_timeout_stops_the_statement() {
    let server = Server::start();
    let client = server.connect().await;
    let shown = client
        .simple_query("SET statement_timeout = 1000; SHOW statement_timeout")
        .await
        .expect("set and show");
    assert!(
        shown.iter().any(
            |m| matches!(m, tokio_postgres::SimpleQueryMessage::Row(r) if r.get(0) == Some("1s"))
        ),
        "SHOW statement_timeout is 1s"
    );
    for engine in ["datafusion", "duckdb"] {
        use_engine(&client, engine).await;
        let started = std::time::Instant::now();
        let err = client.simple_query(ENDLESS).await.expect_err(engine);
        let waited = started.elapsed();
        let db = err.as_db_error().expect("a server error");
        assert_eq!(db.code().code(), "57014", "{engine}");
        assert_eq!(
            db.message(),
            "canceling statement due to statement timeout",
            "{engine}"
        );
        assert!(
            waited < Duration::from_secs(5),
            "{engine}: answered after {waited:?}"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
        assert_idle(&server, &format!("{engine}, after the timeout")).await;
        assert_usable(&client, "usable after the timeout").await;
    }
    let err = client
        .simple_query("SET statement_timeout = '5 parsecs'")
        .await
        .expect_err("not a duration");
    assert_eq!(err.as_db_error().map(|e| e.code().code()), Some("22023"));
    client
        .batch_execute("SET statement_timeout = 0")
        .await
        .expect("no timeout");
    assert_usable(&client, "usable without a timeout").await;
}

/// A bare pg connection, started up and ready for a query.
async fn bare_connection(port: u16) -> tokio::net::TcpStream {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    let mut socket = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .expect("connect");
    let mut startup = Vec::new();
    startup.extend_from_slice(&196_608i32.to_be_bytes());
    for part in ["user", "tester", "database", "junction", ""] {
        startup.extend_from_slice(part.as_bytes());
        startup.push(0);
    }
    let mut message = ((startup.len() + 4) as i32).to_be_bytes().to_vec();
    message.extend_from_slice(&startup);
    socket.write_all(&message).await.expect("startup");
    // Until ReadyForQuery.
    loop {
        let kind = socket.read_u8().await.expect("a message");
        let len = socket.read_i32().await.expect("its length");
        let mut body = vec![0; usize::try_from(len - 4).expect("a length")];
        socket.read_exact(&mut body).await.expect("its body");
        if kind == b'Z' {
            break;
        }
    }
    socket
}

/// A pg message: its kind, length and body.
fn message(kind: u8, body: &[u8]) -> Vec<u8> {
    let mut message = vec![kind];
    message.extend_from_slice(&i32::try_from(body.len() + 4).expect("small").to_be_bytes());
    message.extend_from_slice(body);
    message
}

/// A bare pg connection that sends `sql` as a simple query and returns without waiting for
/// its answer: dropping the socket then is a client hanging up mid-statement (a driver's
/// connection would wait for the answer before closing).
async fn send_and_leave(port: u16, sql: &str) -> tokio::net::TcpStream {
    use tokio::io::AsyncWriteExt;

    let mut socket = bare_connection(port).await;
    let mut query = vec![b'Q'];
    query.extend_from_slice(&((sql.len() + 5) as i32).to_be_bytes());
    query.extend_from_slice(sql.as_bytes());
    query.push(0);
    socket.write_all(&query).await.expect("query");
    socket
}

#[tokio::test]
async fn a_client_that_hangs_up_stops_its_statement() {
    let server = Server::start();
    for engine in ["datafusion", "duckdb"] {
        let sql = format!("set junction.engine = '{engine}'; {ENDLESS}");
        let socket = send_and_leave(server.port, &sql).await;
        tokio::time::sleep(Duration::from_secs(1)).await;
        // Other tests' servers compute at the same time on a machine of two cores: the window
        // is long enough for this one's share to show.
        let busy = server.cpu_time();
        tokio::time::sleep(Duration::from_secs(2)).await;
        assert!(
            server.cpu_time() - busy > Duration::from_millis(200),
            "{engine}: the statement computes"
        );
        drop(socket);
        tokio::time::sleep(Duration::from_secs(1)).await;
        assert_idle(&server, &format!("{engine}, after the client hung up")).await;
    }
}

/// Clients that hang up just as their statements start, many at once: each statement
/// stops, whatever step it had reached. DuckDB forgets an interrupt that lands before its
/// query begins; such statements once ran on for minutes, found by the load benchmark.
#[tokio::test]
async fn clients_hanging_up_as_their_statements_start_stop_them() {
    let server = Server::start();
    let sql = format!("set junction.engine = 'duckdb'; {ENDLESS}");
    for round in 0..3u64 {
        let mut leaving = Vec::new();
        for i in 0..8u64 {
            let (port, sql) = (server.port, sql.clone());
            leaving.push(tokio::spawn(async move {
                let socket = send_and_leave(port, &sql).await;
                tokio::time::sleep(Duration::from_millis(round * 8 + i * 3)).await;
                drop(socket);
            }));
        }
        for client in leaving {
            client.await.expect("a client");
        }
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_idle(&server, "after 24 clients hung up").await;
    assert_usable(&server.connect().await, "the server goes on").await;
}

/// Messages whose fields run past their end, or whose length cannot be: each is FATAL 08P01
/// naming what is wrong, as PostgreSQL answers, and the server goes on serving others.
/// pgwire's decoders once read past such a message (into the next one, or panicking, which
/// dropped the connection without a word); vendor/pgwire carries the fix.
#[tokio::test]
async fn a_malformed_message_is_answered_08p01() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    let mut server = Server::start();
    let query = message(b'Q', b"select 1\0");
    let malformed: [(&str, Vec<u8>); 9] = [
        (
            "Parse counting 5 types it lacks",
            message(b'P', b"\0select 1\0\0\x05"),
        ),
        (
            "Bind without its format counts",
            message(b'B', b"\0\0\0\x03"),
        ),
        (
            "Bind with a parameter of length -2",
            message(b'B', b"\0\0\0\0\0\x01\xff\xff\xff\xfe\0\0"),
        ),
        (
            "Bind with a parameter longer than the message",
            message(b'B', b"\0\0\0\0\0\x01\0\0\x10\0ab\0\0"),
        ),
        ("Execute without its row limit", message(b'E', b"\0")),
        ("Close without its target", message(b'C', b"")),
        ("Describe without its target", message(b'D', b"")),
        ("a length shorter than itself", b"Q\0\0\0\x02".to_vec()),
        (
            // Its fields would run on into the valid Query behind it.
            "Parse shorter than its fields, a Query behind it",
            [message(b'P', b"\0select 1\0"), query.clone()].concat(),
        ),
    ];
    for (what, bytes) in malformed {
        let mut socket = bare_connection(server.port).await;
        socket.write_all(&bytes).await.expect("send");
        let mut answer = Vec::new();
        tokio::time::timeout(Duration::from_secs(10), socket.read_to_end(&mut answer))
            .await
            .unwrap_or_else(|_| panic!("{what}: the server answers and closes"))
            .expect("read");
        let text = String::from_utf8_lossy(&answer);
        assert!(
            answer.first() == Some(&b'E')
                && text.contains("C08P01")
                && text.contains("SFATAL")
                && text.contains("Invalid message"),
            "{what}: {text:?}"
        );
    }
    assert!(server.is_running());
    assert_usable(&server.connect().await, "others still served").await;
}

/// A FETCH is a statement like any other: its `statement_timeout` and a cancel request stop
/// the cursor's query (its work too), and the cursor is gone afterwards rather than
/// answering as if no rows were lost.
#[tokio::test]
async fn a_fetch_times_out_and_is_cancelled_as_any_statement() {
    let server = Server::start();
    let client = server.connect().await;
    use_engine(&client, "datafusion").await;
    client
        .batch_execute(&format!(
            "BEGIN; DECLARE slow CURSOR FOR {ENDLESS}; SET statement_timeout = '1s'"
        ))
        .await
        .expect("declare");
    let started = std::time::Instant::now();
    let err = client
        .simple_query("FETCH 1 FROM slow")
        .await
        .expect_err("timed out");
    let db = err.as_db_error().expect("a server error");
    assert_eq!(db.code().code(), "57014");
    assert_eq!(db.message(), "canceling statement due to statement timeout");
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_idle(&server, "after the FETCH's timeout").await;
    let err = client
        .simple_query("FETCH 1 FROM slow")
        .await
        .expect_err("gone");
    assert_eq!(err.as_db_error().map(|e| e.code().code()), Some("34000"));

    client
        .batch_execute(&format!(
            "SET statement_timeout = 0; DECLARE slower CURSOR FOR {ENDLESS}"
        ))
        .await
        .expect("declare");
    let token = client.cancel_token();
    let canceller = async {
        tokio::time::sleep(Duration::from_millis(500)).await;
        token
            .cancel_query(tokio_postgres::NoTls)
            .await
            .expect("cancel");
    };
    let (fetched, ()) = tokio::join!(client.simple_query("FETCH ALL FROM slower"), canceller);
    let err = fetched.expect_err("cancelled");
    let db = err.as_db_error().expect("a server error");
    assert_eq!(db.code().code(), "57014");
    assert_eq!(db.message(), "canceling statement due to user request");
    assert_idle(&server, "after the FETCH's cancel").await;
    client.batch_execute("COMMIT").await.expect("commit");
    assert_usable(&client, "after the cursors").await;
}
