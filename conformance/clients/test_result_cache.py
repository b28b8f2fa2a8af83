"""The snapshot-exact result cache, as a dashboard meets it: a repeated statement is answered
from the cache with the same columns, types and rows on both front ends; a commit to a table
it read (delta-rs appending to a Delta table, a Parquet file rewritten) is seen by the very
next statement; statements that read the clock or the session are never kept; and
`SET junction.result_cache = off` bypasses it."""
import os
import urllib.request

import adbc_driver_flightsql.dbapi as flightsql
import psycopg
import pyarrow.parquet as pq
import pytest
from deltalake import DeltaTable, write_deltalake
from prometheus_client.parser import text_string_to_metric_families

from conftest import serve, small_demo, stop

DASHBOARD = ("select p.ward, count(*) as readings, avg(v.heart_rate) as hr "
             "from silver.vitals v join silver.patients p using (patient_id) "
             "where v.quality = 'ok' group by 1 order by 1")


@pytest.fixture(scope="module")
def server():
    _, warehouse = small_demo("junction-cache-")
    proc, port, flight_port, http_port = serve(warehouse, http=True)
    yield {"port": port, "flight_port": flight_port, "warehouse": warehouse,
           "http": f"http://127.0.0.1:{http_port}"}
    stop(proc)


def pg(server):
    return psycopg.connect(host="127.0.0.1", port=server["port"], user="junction",
                           dbname="warehouse", autocommit=True)


def last_engine(conn):
    return conn.execute("show junction.last_engine").fetchone()[0]


def lookups(server, result):
    with urllib.request.urlopen(server["http"] + "/metrics", timeout=10) as response:
        text = response.read().decode()
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == "junction_result_cache_lookups_total" \
                    and sample.labels == {"result": result}:
                return sample.value
    return 0.0


def test_a_repeated_statement_is_answered_from_the_cache_with_the_same_answer(server):
    hits = lookups(server, "hit")
    with pg(server) as conn:
        first = conn.execute(DASHBOARD)
        first_types = [c.type_code for c in first.description]
        first_rows = first.fetchall()
        engine = last_engine(conn)
        assert engine in ("datafusion", "duckdb")
        again = conn.execute(DASHBOARD)
        assert [c.type_code for c in again.description] == first_types
        assert again.fetchall() == first_rows
        assert last_engine(conn) == "cache"
    # Another session, and the binary format, get the same answer from the cache.
    with pg(server) as conn:
        cur = conn.cursor(binary=True)
        assert cur.execute(DASHBOARD).fetchall() == first_rows
        assert last_engine(conn) == "cache"
    assert lookups(server, "hit") - hits == 2
    # pg_stat_statements counts the cache's runs too, under its own engine.
    with pg(server) as conn:
        conn.execute("SET junction.result_cache = off")
        calls = conn.execute("select engine, calls, rows from pg_stat_statements "
                             "where query like '%v.quality = $1%' order by engine").fetchall()
        assert calls == [("cache", 2, 2 * len(first_rows)), (engine, 1, len(first_rows))]


def test_flight_sql_gets_the_same_columns_from_the_cache(server):
    query = "select device_id, model, installed_on from silver.devices order by 1"
    with flightsql.connect(f"grpc://127.0.0.1:{server['flight_port']}",
                           autocommit=True) as conn, conn.cursor() as cur:
        cur.execute(query)
        first = cur.fetch_arrow_table()
        cur.execute("show junction.last_engine")
        assert cur.fetchone()[0] in ("datafusion", "duckdb")
        cur.execute(query)
        again = cur.fetch_arrow_table()
        cur.execute("show junction.last_engine")
        assert cur.fetchone() == ("cache",)
    assert again.schema == first.schema
    assert again.equals(first)


def test_a_delta_commit_is_seen_by_the_next_statement(server):
    path = os.path.join(server["warehouse"], "bronze", "vitals_raw")
    query = "select count(*) from bronze.vitals_raw"
    with pg(server) as conn:
        before = conn.execute(query).fetchone()[0]
        assert conn.execute(query).fetchone()[0] == before
        assert last_engine(conn) == "cache"
        one = DeltaTable(path).to_pyarrow_dataset().head(1)
        write_deltalake(path, one, mode="append")
        assert conn.execute(query).fetchone()[0] == before + 1
        assert last_engine(conn) != "cache"
        assert conn.execute(query).fetchone()[0] == before + 1
        assert last_engine(conn) == "cache"


def test_a_rewritten_parquet_file_is_seen_by_the_next_statement(server):
    path = os.path.join(server["warehouse"], "silver", "devices.parquet")
    query = "select count(*) from silver.devices"
    with pg(server) as conn:
        before = conn.execute(query).fetchone()[0]
        conn.execute(query)
        assert last_engine(conn) == "cache"
        table = pq.read_table(path)
        pq.write_table(table.slice(0, table.num_rows - 1), path)
        assert conn.execute(query).fetchone()[0] == before - 1
        assert last_engine(conn) != "cache"


@pytest.mark.parametrize("query", [
    "select now() as at, count(*) from silver.devices",
    "select current_user, count(*) from silver.devices",
    "select random() < 2 as r from silver.devices limit 1",
    "select count(*) from pg_catalog.pg_class",
])
def test_the_clock_the_session_and_the_catalogs_are_never_kept(server, query):
    with pg(server) as conn:
        conn.execute(query).fetchall()
        conn.execute(query).fetchall()
        assert last_engine(conn) != "cache"


def test_the_cache_can_be_turned_off_for_a_session(server):
    query = "select ward, count(*) from silver.patients group by 1 order by 1"
    with pg(server) as conn:
        rows = conn.execute(query).fetchall()
        conn.execute("SET junction.result_cache = off")
        assert conn.execute(query).fetchall() == rows
        assert last_engine(conn) != "cache"
        assert conn.execute("show junction.result_cache").fetchone() == ("off",)
        with pytest.raises(psycopg.errors.InvalidParameterValue):
            conn.execute("SET junction.result_cache = sometimes")
        conn.execute("RESET junction.result_cache")
        assert conn.execute(query).fetchall() == rows
        assert last_engine(conn) == "cache"


def test_parameters_are_part_of_the_key(server):
    query = "select count(*) from silver.vitals where heart_rate > %s"
    with pg(server) as conn:
        high = conn.execute(query, (120,)).fetchone()[0]
        low = conn.execute(query, (60,)).fetchone()[0]
        assert low > high
        assert conn.execute(query, (120,)).fetchone()[0] == high
        assert last_engine(conn) == "cache"


def test_explain_route_says_when_the_cache_answers(server):
    query = "select ward, count(*) from silver.patients where ward <> 'x' group by 1 order by 1"

    def explained(conn):
        cur = conn.execute("EXPLAIN ROUTE " + query)
        columns = [c.name for c in cur.description]
        return [dict(zip(columns, row)) for row in cur.fetchall()]

    with pg(server) as conn:
        before = explained(conn)
        assert "cache" not in [line["engine"] for line in before]
        [chosen] = [line["engine"] for line in before if line["chosen"]]
        conn.execute(query).fetchall()
        assert last_engine(conn) == chosen
        after = explained(conn)
        assert [line["engine"] for line in after if line["chosen"]] == ["cache"]
        assert after[0]["engine"] == "cache"
        assert "result cache" in after[0]["reason"]
        # The engines' lines are still there, saying which would run it otherwise.
        engine_line = next(line for line in after if line["engine"] == chosen)
        assert engine_line["reason"].startswith("chosen when the answer is not kept")
        conn.execute(query).fetchall()
        assert last_engine(conn) == "cache"
        conn.execute("SET junction.result_cache = off")
        assert [line["engine"] for line in explained(conn) if line["chosen"]] == [chosen]
