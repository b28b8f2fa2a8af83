//! Broken protocol bytes close only that connection; the server keeps serving others.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use crate::server::{assert_usable, Server};

fn startup(user: &str) -> Vec<u8> {
    let mut body = Vec::new();
    body.extend_from_slice(&196_608i32.to_be_bytes());
    for (k, v) in [("user", user), ("database", "junction")] {
        body.extend_from_slice(k.as_bytes());
        body.push(0);
        body.extend_from_slice(v.as_bytes());
        body.push(0);
    }
    body.push(0);
    let mut message = ((body.len() + 4) as i32).to_be_bytes().to_vec();
    message.extend(body);
    message
}

fn read_some(stream: &mut TcpStream) -> Vec<u8> {
    let mut buf = vec![0u8; 65536];
    let mut out = Vec::new();
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .expect("timeout");
    loop {
        match stream.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => {
                out.extend_from_slice(&buf[..n]);
                // ReadyForQuery ends a round.
                if out.len() >= 6 && out[out.len() - 6] == b'Z' {
                    break;
                }
            }
            Err(_) => break,
        }
    }
    out
}

#[tokio::test]
async fn garbage_and_truncated_messages_end_only_their_connection() {
    let mut server = Server::start();
    let healthy = server.connect().await;
    let cases: Vec<Vec<u8>> = vec![
        // An unknown message type after a good startup.
        {
            let mut m = startup("a");
            m.extend_from_slice(b"\x01\x00\x00\x00\x04");
            m
        },
        // A query message whose length runs past what is sent, then a hang-up.
        {
            let mut m = startup("b");
            m.extend_from_slice(b"Q\x00\x00\x10\x00select");
            m
        },
        // A negative length.
        {
            let mut m = startup("c");
            m.extend_from_slice(b"Q\xff\xff\xff\xf0");
            m
        },
        // Not PostgreSQL at all.
        b"GET / HTTP/1.1\r\nHost: x\r\n\r\n".to_vec(),
    ];
    for bytes in cases {
        let mut stream = TcpStream::connect(("127.0.0.1", server.port)).expect("connect");
        stream.write_all(&bytes).expect("write");
        let _ = read_some(&mut stream);
        drop(stream);
        assert_usable(&healthy, "others keep working").await;
    }
    // A client that disconnects in the middle of a large result.
    {
        let mut stream = TcpStream::connect(("127.0.0.1", server.port)).expect("connect");
        stream.write_all(&startup("d")).expect("startup");
        let _ = read_some(&mut stream);
        let sql = b"select * from silver.vitals a, silver.vitals b\0";
        let mut q = vec![b'Q'];
        q.extend_from_slice(&((sql.len() + 4) as i32).to_be_bytes());
        q.extend_from_slice(sql);
        stream.write_all(&q).expect("query");
        let mut buf = [0u8; 4096];
        let _ = stream.read(&mut buf);
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(server.is_running(), "the server survived");
    let row = healthy
        .query_one("select count(*) from silver.patients", &[])
        .await
        .expect("still serving");
    assert_eq!(row.get::<_, i64>(0), 10);
}
