"""A remote catalog through both front ends: Apache Iceberg's REST server (the peers'
iceberg-rest.sh) with tables written through it by pyiceberg, configured next to the
warehouse. Flight SQL lists and queries every catalog; the pg wire shows it as a database."""
import os
import re
import subprocess
import sys
import tempfile

import adbc_driver_flightsql.dbapi as flightsql
import psycopg
import pytest

from conftest import PEERS, serve, stop

HERE = os.path.dirname(__file__)


@pytest.fixture(scope="module")
def rest_catalog():
    workdir = tempfile.mkdtemp(prefix="junction-remote-")
    state = os.path.join(workdir, "rest")
    started = subprocess.run([os.path.join(PEERS, "iceberg-rest.sh"), "start", state, "0"],
                             check=True, capture_output=True, text=True)
    uri = re.search(r"PEERS_ICEBERG_REST_URI=(\S+)", started.stdout).group(1)
    try:
        subprocess.run([sys.executable, os.path.join(HERE, "..", "scripts", "iceberg_rest_tables.py"),
                        uri], check=True)
        config = os.path.join(workdir, "junction.toml")
        with open(config, "w") as f:
            f.write(f'[[catalog]]\nname = "ice"\ntype = "iceberg-rest"\nuri = "{uri}"\n')
        warehouse = os.path.join(workdir, "warehouse")
        os.makedirs(warehouse)
        proc, port, flight_port = serve(warehouse, config)
        yield {"port": port, "flight_port": flight_port}
        stop(proc)
    finally:
        subprocess.run([os.path.join(PEERS, "iceberg-rest.sh"), "stop", state],
                       capture_output=True)


def flight(server):
    return flightsql.connect(f"grpc://127.0.0.1:{server['flight_port']}", autocommit=True)


def test_get_objects_lists_every_catalog_with_its_tables(rest_catalog):
    with flight(rest_catalog) as conn:
        objects = conn.adbc_get_objects(depth="tables").read_all().to_pylist()
    tables = {
        catalog["catalog_name"]: {
            (schema["db_schema_name"], table["table_name"])
            for schema in catalog["catalog_db_schemas"] or []
            for table in schema["db_schema_tables"] or []
        }
        for catalog in objects
    }
    assert tables == {"warehouse": set(), "ice": {("clinic", "empty"), ("clinic", "vitals")}}


def test_flight_sql_reads_the_remote_table_by_its_three_part_name(rest_catalog):
    with flight(rest_catalog) as conn, conn.cursor() as cur:
        for engine in ("datafusion", "duckdb"):
            cur.execute(f"SET junction.engine = '{engine}'")
            cur.execute("select count(*), sum(heart_rate) from ice.clinic.vitals")
            assert cur.fetchone() == (4, 245), engine


def test_the_pg_wire_shows_the_catalog_as_a_database(rest_catalog):
    with psycopg.connect(host="127.0.0.1", port=rest_catalog["port"], user="anyone",
                         dbname="ice") as pg:
        assert pg.execute("select current_database()").fetchone() == ("ice",)
        databases = [row[0] for row in pg.execute("select datname from pg_database order by 1")]
        assert {"ice", "warehouse"} <= set(databases)
        assert pg.execute("select count(*) from clinic.vitals").fetchone() == (4,)
