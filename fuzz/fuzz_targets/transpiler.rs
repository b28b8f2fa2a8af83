//! SQL text as a client sends it, parsed as the gateway parses it and rendered for every
//! dialect: whatever arrives answers statements or an error, and never panics or overflows
//! the stack of a statement worker.

#![no_main]

use std::sync::{mpsc, Mutex, OnceLock};

use junction_transpiler::{Dialect, NoTypes};
use libfuzzer_sys::fuzz_target;

/// A statement worker's stack (gateway/src/workers.rs): analysis recurses as deep as the
/// transpiler's bounds allow, and the fuzzer must not call a depth the server handles an
/// overflow.
const WORKER_STACK: usize = 64 << 20;

fn transpile(sql: &str) {
    let Ok(statements) = junction_transpiler::parse(sql) else {
        return;
    };
    for statement in &statements {
        for dialect in Dialect::ALL {
            let _ = junction_transpiler::render(statement, dialect, &NoTypes);
        }
    }
}

/// One worker thread with a statement worker's stack, reused for every input (a thread per
/// input would cost more than the transpiling). A panic there aborts the process through
/// libfuzzer-sys's hook, which is the crash to report.
struct Worker {
    inputs: mpsc::Sender<String>,
    done: mpsc::Receiver<()>,
}

fn worker() -> &'static Mutex<Worker> {
    static WORKER: OnceLock<Mutex<Worker>> = OnceLock::new();
    WORKER.get_or_init(|| {
        let (inputs, received) = mpsc::channel::<String>();
        let (finished, done) = mpsc::channel();
        std::thread::Builder::new()
            .stack_size(WORKER_STACK)
            .spawn(move || {
                for sql in received {
                    transpile(&sql);
                    if finished.send(()).is_err() {
                        return;
                    }
                }
            })
            .expect("a worker thread");
        Mutex::new(Worker { inputs, done })
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(sql) = std::str::from_utf8(data) else {
        return;
    };
    let worker = worker().lock().expect("the worker");
    worker.inputs.send(sql.to_owned()).expect("the worker runs");
    worker.done.recv().expect("the worker answers");
});
