"""The ADBC Flight SQL driver (Go, through adbc_driver_flightsql) and the Flight SQL JDBC
driver (Java, as DBeaver loads it) against junction's Flight SQL port: queries, parameters,
metadata, cancel and errors."""
import os
import subprocess
import threading
import time

import adbc_driver_flightsql.dbapi as flightsql
import adbc_driver_manager
import psycopg
import pyarrow as pa
import pytest

README_QUERY = (
    "select ward, count(*) as readings from silver.vitals join silver.patients "
    "using (patient_id) group by 1 order by 1"
)


def connect(junction, **db_kwargs):
    return flightsql.connect(f"grpc://127.0.0.1:{junction['flight_port']}",
                             db_kwargs=db_kwargs or None, autocommit=True)


def test_a_query_arrives_as_an_arrow_table_equal_to_the_pg_answer(junction):
    with connect(junction) as conn, conn.cursor() as cur:
        cur.execute(README_QUERY)
        table = cur.fetch_arrow_table()
    assert table.column_names == ["ward", "readings"]
    assert table.schema.field("readings").type == pa.int64()
    with psycopg.connect(host="127.0.0.1", port=junction["port"], user="anyone",
                         dbname="junction") as pg:
        expected = pg.execute(README_QUERY).fetchall()
    assert list(zip(table.column("ward").to_pylist(), table.column("readings").to_pylist())) \
        == expected


def test_credentials_handshake_and_the_session_keeps_its_settings(junction):
    with connect(junction, username="alice", password="secret") as conn, conn.cursor() as cur:
        cur.execute("select current_user")
        assert cur.fetchone() == ("alice",)
        cur.execute("SET junction.engine = 'duckdb'")
        cur.execute("select count(*) from silver.devices")
        cur.fetchall()
        cur.execute("show junction.last_engine")
        assert cur.fetchone() == ("duckdb",)


def test_a_connection_without_credentials_keeps_one_session(junction):
    with connect(junction) as conn, conn.cursor() as cur:
        cur.execute("SET junction.engine = 'duckdb'")
        cur.execute("show junction.engine")
        assert cur.fetchone() == ("duckdb",)
    with connect(junction) as conn, conn.cursor() as cur:
        cur.execute("show junction.engine")
        assert cur.fetchone() == ("auto",), "a new connection is a new session"


def test_parameters_are_bound(junction):
    with connect(junction) as conn, conn.cursor() as cur:
        counts = []
        for patient in (1, 2, 3):
            cur.execute("select count(*) from silver.vitals where patient_id = $1 and quality = $2",
                        parameters=(patient, "ok"))
            counts.append(cur.fetchone()[0])
        assert all(n > 1000 for n in counts), counts
        with pytest.raises(adbc_driver_manager.Error) as err:
            cur.execute("select count(*) from silver.vitals where patient_id = $1",
                        parameters=(1, 2))
        assert "1 parameter, but 2 values" in str(err.value)
        cur.execute("select 1")
        assert cur.fetchone() == (1,)


def test_question_mark_parameters_as_flight_sql_clients_write_them(junction):
    sql = ("select patient_id, count(*) from silver.vitals "
           "where patient_id in (?, ?) and quality = ? group by 1 order by 1")
    with connect(junction) as conn, conn.cursor() as cur:
        cur.execute(sql, parameters=(2, 3, "ok"))
        by_question_marks = cur.fetchall()
        cur.execute(sql.replace("(?, ?)", "($1, $2)").replace("= ?", "= $3"),
                    parameters=(2, 3, "ok"))
        assert by_question_marks == cur.fetchall()
        assert [row[0] for row in by_question_marks] == [2, 3]
        # A `?` after an operand is still jsonb's key-exists operator.
        cur.execute("select '{\"a\": 1}'::jsonb ? 'a', ?::text", parameters=("b",))
        assert cur.fetchone() == (True, "b")


def test_get_info_names_junction(junction):
    with connect(junction) as conn:
        info = conn.adbc_get_info()
    assert info["vendor_name"] == "junction"
    assert info["vendor_arrow_version"] == "58"


def test_get_table_schema_matches_the_result_schema(junction):
    with connect(junction) as conn, conn.cursor() as cur:
        schema = conn.adbc_get_table_schema("patients", db_schema_filter="silver")
        cur.execute("select * from silver.patients")
        result = cur.fetch_arrow_table().schema
    assert schema.names == ["patient_id", "name", "birth_date", "sex", "ward", "admitted_at",
                            "discharged_at"]
    assert [f.type for f in schema] == [f.type for f in result]


def test_get_objects_lists_every_table_with_columns(junction):
    with connect(junction) as conn:
        objects = conn.adbc_get_objects(depth="all").read_all().to_pylist()
    (catalog,) = objects
    assert catalog["catalog_name"] == "warehouse"
    tables = {
        (schema["db_schema_name"], table["table_name"]): [c["column_name"] for c in table["table_columns"]]
        for schema in catalog["catalog_db_schemas"]
        for table in schema["db_schema_tables"]
    }
    assert set(tables) == {("bronze", "vitals_raw"), ("silver", "vitals"), ("silver", "patients"),
                           ("silver", "devices"), ("gold", "vitals_hourly")}
    assert tables[("silver", "devices")] == ["device_id", "model", "ward", "installed_on"]


@pytest.mark.parametrize("engine", ["datafusion", "duckdb"])
def test_cancel_stops_a_long_query_and_the_connection_goes_on(junction, engine):
    with connect(junction) as conn, conn.cursor() as cur:
        cur.execute(f"SET junction.engine = '{engine}'")
        timer = threading.Timer(0.5, cur.adbc_cancel)
        timer.start()
        started = time.monotonic()
        with pytest.raises(adbc_driver_manager.Error) as err:
            cur.execute("select sum(n) from generate_series(1, 100000000000) as t(n)")
            cur.fetchall()
        timer.join()
        assert time.monotonic() - started < 30
        assert "cancel" in str(err.value).lower()
        cur.execute("select 'next'")
        assert cur.fetchone() == ("next",)


@pytest.mark.parametrize("sql,words", [
    ("select * from silver.nosuch", "does not exist"),
    ("selec 1", "syntax error"),
    ("insert into silver.devices values ('d')", "read-only"),
])
def test_errors_name_the_problem_and_the_server_keeps_serving(junction, sql, words):
    with connect(junction) as conn, conn.cursor() as cur:
        with pytest.raises(adbc_driver_manager.Error) as err:
            cur.execute(sql)
            cur.fetchall()
        assert words in str(err.value)
        cur.execute("select 1")
        assert cur.fetchone() == (1,)


def test_the_flight_sql_jdbc_driver_queries_prepares_and_reads_metadata(junction):
    # Arrow Java reads no view types: junction's Flight answers carry Utf8, not Utf8View.
    source = os.path.join(os.path.dirname(__file__), "FlightJdbcClient.java")
    url = f"jdbc:arrow-flight-sql://127.0.0.1:{junction['flight_port']}"
    out = subprocess.run(
        ["java", "--add-opens=java.base/java.nio=ALL-UNNAMED", "-cp",
         os.environ["PEERS_FLIGHT_JDBC"], source, url],
        capture_output=True, text=True, timeout=180,
    )
    assert out.returncode == 0, out.stdout + out.stderr[-3000:]
    assert "OK" in out.stdout, out.stdout
