"""A `junction serve` over a small demo warehouse, shared by the client tests."""
import os
import re
import subprocess
import tempfile

import pytest


@pytest.fixture(scope="session")
def junction():
    binary = os.environ["JUNCTION_BIN"]
    workdir = tempfile.mkdtemp(prefix="junction-clients-")
    warehouse = os.path.join(workdir, "warehouse")
    subprocess.run(
        [binary, "demo", "--warehouse", warehouse, "--patients", "10", "--days", "1"],
        check=True,
    )
    proc = subprocess.Popen(
        [binary, "serve", "--warehouse", warehouse, "--pg-addr", "127.0.0.1:0"],
        stderr=subprocess.PIPE,
        text=True,
    )
    port = None
    for line in proc.stderr:
        m = re.match(r"junction ready pg=127\.0\.0\.1:(\d+)", line)
        if m:
            port = int(m.group(1))
            break
    assert port, "junction serve did not become ready"
    yield {"host": "127.0.0.1", "port": port, "warehouse": warehouse}
    proc.terminate()
    proc.wait(timeout=10)
