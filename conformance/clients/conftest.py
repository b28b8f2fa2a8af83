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


def serve(warehouse, config=None):
    """Starts `junction serve` on `warehouse` (and `config`, a junction.toml); returns
    (process, pg port, flight port) once it is ready."""
    proc = subprocess.Popen(
        [os.environ["JUNCTION_BIN"], "serve", "--warehouse", warehouse,
         "--pg-addr", "127.0.0.1:0", "--flight-addr", "127.0.0.1:0"]
        + (["--config", config] if config else []),
        stderr=subprocess.PIPE,
        text=True,
    )
    for line in proc.stderr:
        m = re.match(r"junction ready pg=127\.0\.0\.1:(\d+) flight=127\.0\.0\.1:(\d+)", line)
        if m:
            # Keep draining stderr so the server never blocks on a full pipe.
            threading.Thread(target=lambda: [None for _ in proc.stderr], daemon=True).start()
            return proc, int(m.group(1)), int(m.group(2))
    raise AssertionError("junction serve did not become ready")


def stop(proc):
    proc.terminate()
    proc.wait(timeout=10)


@pytest.fixture(scope="session")
def junction():
    workdir = tempfile.mkdtemp(prefix="junction-clients-")
    warehouse = os.path.join(workdir, "warehouse")
    subprocess.run(
        [os.environ["JUNCTION_BIN"], "demo", "--warehouse", warehouse, "--patients", "10", "--days", "1",
         "--start", "2026-01-01"],
        check=True,
    )
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
