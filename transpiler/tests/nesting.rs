//! Parsing time grows with a statement's size, not exponentially with how deep its calls
//! nest (vendor/sqlparser/JUNCTION.md): before the patch, 40 nested calls would have been
//! parsed 2^40 times, and the fuzz target's 300-byte finds took 13 to 28 s.

use std::sync::mpsc;
use std::time::Duration;

/// Parses `sql` on a thread, and fails if that has not ended in `bound` (no speed target: an
/// exponential parse never ends on such input, a linear one takes milliseconds).
fn parses_in_time(sql: String, bound: Duration) -> Result<(), String> {
    let (done, ended) = mpsc::channel();
    std::thread::Builder::new()
        .stack_size(64 << 20)
        .spawn(move || {
            let parsed = junction_transpiler::parse(&sql).map(|_| ());
            let _ = done.send(parsed.map_err(|e| e.to_string()));
        })
        .expect("a thread");
    ended
        .recv_timeout(bound)
        .map_err(|_| format!("still parsing after {bound:?}"))?
}

#[test]
fn deeply_nested_calls_parse_in_linear_time() {
    let n = 40;
    let nested = format!(
        "select {}patient_id{} from silver.patients",
        "coalesce(".repeat(n),
        ")".repeat(n)
    );
    parses_in_time(nested, Duration::from_secs(30)).expect("parses");
    // Unclosed, so every level fails: the error is found just as fast.
    let unclosed = format!("select {}1", "floor(lag(".repeat(n / 2));
    let err = parses_in_time(unclosed, Duration::from_secs(30)).expect_err("a syntax error");
    assert!(!err.starts_with("still parsing"), "{err}");
    // A long dotted name after an operator, ending in a wildcard and more: each part was
    // read again for every later one.
    let dotted = format!("select n.a + m{}.*x", ".a.b".repeat(n));
    let err = parses_in_time(dotted, Duration::from_secs(30)).expect_err("a syntax error");
    assert!(!err.starts_with("still parsing"), "{err}");
}

#[test]
fn the_fuzzers_slow_statements_fail_fast() {
    let dir = manifest_dir().join("../fuzz/corpus/transpiler");
    let mut checked = 0;
    for entry in std::fs::read_dir(&dir).expect("fuzz/corpus/transpiler") {
        let path = entry.expect("an entry").path();
        let is_slow = path
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.starts_with("slow-unit-") || n.starts_with("timeout-"));
        if !is_slow {
            continue;
        }
        let sql = String::from_utf8_lossy(&std::fs::read(&path).expect("read")).into_owned();
        if let Err(e) = parses_in_time(sql, Duration::from_secs(30)) {
            assert!(!e.starts_with("still parsing"), "{}: {e}", path.display());
        }
        checked += 1;
    }
    assert!(
        checked >= 4,
        "the fuzzer's slow statements are in the corpus"
    );
}

/// This crate's folder, as cargo says when it runs the test: a binary built in another clone
/// of the repository and reused from a shared target folder still reads this clone's files.
fn manifest_dir() -> std::path::PathBuf {
    std::env::var_os("CARGO_MANIFEST_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")))
}
