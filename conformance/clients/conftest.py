"""`junction serve` processes for the client tests: one over a small demo warehouse, one over
tables written by the reference writers (delta-rs, pyiceberg)."""
import json
import os
import re
import subprocess
import sys
import tempfile
import threading

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
PEERS = os.environ.get("JUNCTION_PEERS") or os.path.join(HERE, "..", "..", "scripts", "peers")
VITALS_TABLES = os.path.join(HERE, "..", "scripts", "vitals_tables.py")


def serve(warehouse, config=None, log=None, log_filter=None, args=(), http=False):
    """Starts `junction serve` on `warehouse` (and `config`, a junction.toml, and further
    `args`); returns (process, pg port, flight port) once it is ready, and the HTTP port
    last with `http`. With `log` (a path) the server's stderr is kept there, logged at
    `log_filter` (RUST_LOG) when given."""
    env = {**os.environ, "RUST_LOG": log_filter} if log_filter else None
    proc = subprocess.Popen(
        [os.environ["JUNCTION_BIN"], "serve", "--warehouse", warehouse,
         "--pg-addr", "127.0.0.1:0", "--flight-addr", "127.0.0.1:0"]
        + (["--http-addr", "127.0.0.1:0"] if http else [])
        + (["--config", config] if config else [])
        + list(args),
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    sink = open(log, "w") if log else None
    for line in proc.stderr:
        if sink:
            sink.write(line)
        m = re.search(r"junction ready pg=127\.0\.0\.1:(\d+) flight=127\.0\.0\.1:(\d+)", line)
        if m:
            # Keep draining stderr so the server never blocks on a full pipe.
            def drain():
                for rest in proc.stderr:
                    if sink:
                        sink.write(rest)
                        sink.flush()
            threading.Thread(target=drain, daemon=True).start()
            if http:
                h = re.search(r" http=127\.0\.0\.1:(\d+)", line)
                assert h, f"no http= in the readiness line: {line}"
                return proc, int(m.group(1)), int(m.group(2)), int(h.group(1))
            return proc, int(m.group(1)), int(m.group(2))
    raise AssertionError("junction serve did not become ready")


def hash_password(password):
    """The `[[user]] password` verifier `junction hash-password` makes of `password`, fed on
    standard input as a script would."""
    out = subprocess.run([os.environ["JUNCTION_BIN"], "hash-password"], input=password + "\n",
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    return out.stdout.strip()


def pgjdbc(source, url):
    """Runs the Java client `source` (a file beside this one) with pgJDBC against `url`; its
    standard output, once it exits 0."""
    path = os.path.join(HERE, source)
    out = subprocess.run(["java", "-cp", os.environ["PEERS_PG_JDBC"], path, url],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stdout + out.stderr
    return out.stdout


def openssl(*args, cwd):
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


def certificates(d):
    """A test CA (`ca.crt`, `ca.key`) and a server certificate it signed for localhost and
    127.0.0.1 (`server.crt`, `server.key`), made in directory `d` with openssl."""
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
            "-subj", "/CN=junction test CA", "-keyout", "ca.key", "-out", "ca.crt", cwd=d)
    openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost",
            "-keyout", "server.key", "-out", "server.csr", cwd=d)
    with open(os.path.join(d, "ext.cnf"), "w") as f:
        f.write("subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\n"
                "extendedKeyUsage=serverAuth\n")
    openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key",
            "-CAcreateserial", "-days", "2", "-extfile", "ext.cnf", "-out", "server.crt", cwd=d)


def stop(proc):
    proc.terminate()
    proc.wait(timeout=10)


def small_demo(prefix):
    """A small demo warehouse (10 patients, a day from 2026-01-01) in a new directory named
    with `prefix`; (that directory, the warehouse's path)."""
    workdir = tempfile.mkdtemp(prefix=prefix)
    warehouse = os.path.join(workdir, "warehouse")
    subprocess.run(
        [os.environ["JUNCTION_BIN"], "demo", "--warehouse", warehouse, "--patients", "10", "--days", "1",
         "--start", "2026-01-01"],
        check=True,
    )
    return workdir, warehouse


@pytest.fixture(scope="session")
def junction():
    _, warehouse = small_demo("junction-clients-")
    proc, port, flight_port = serve(warehouse)
    yield {"host": "127.0.0.1", "port": port, "flight_port": flight_port, "warehouse": warehouse}
    stop(proc)


@pytest.fixture(scope="module")
def reference_tables():
    """pyiceberg's `demo.vitals` and delta-rs's `lake.vitals`, written by vitals_tables.py
    into one warehouse: pyiceberg's SqlCatalog warehouse holds `demo/vitals`, and the Delta
    table goes next to it as `lake/vitals`."""
    out = tempfile.mkdtemp(prefix="junction-reference-")
    subprocess.run([sys.executable, VITALS_TABLES, "iceberg", out],
                   check=True, capture_output=True)
    with open(os.path.join(out, "iceberg-tables.json")) as f:
        iceberg = json.load(f)["pyiceberg"]
    warehouse = iceberg["warehouse"].removeprefix("file://")
    lake = os.path.join(warehouse, "lake")
    subprocess.run([sys.executable, VITALS_TABLES, "delta", lake],
                   check=True, capture_output=True)
    proc, port, _flight_port = serve(warehouse)
    yield {"host": "127.0.0.1", "port": port, "iceberg": iceberg,
           "delta_path": os.path.join(lake, "vitals")}
    stop(proc)
