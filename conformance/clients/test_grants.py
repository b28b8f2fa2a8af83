"""`[[grant]]` entries: a user granted only the `gold` schema sees only gold everywhere it
looks (psql's `\\dt`/`\\dn`/`\\l`, pg_catalog, information_schema, Flight SQL's listings) and
gets 42501 for a silver table on every engine, whether the table exists or not; a user
granted the whole catalog sees everything. Through psql, psycopg, pgJDBC and ADBC."""
import os
import subprocess

import adbc_driver_flightsql.dbapi as flight
import adbc_driver_manager
import psycopg
import pytest

from conftest import hash_password, pgjdbc, serve, stop

PASSWORD = "granted"
DENIED = "permission denied for table {}"


def write_config(path, grants):
    verifier = hash_password(PASSWORD)
    with open(path, "w") as f:
        f.write(f'[[user]]\nname = "alice"\npassword = "{verifier}"\nroles = ["analyst"]\n'
                f'[[user]]\nname = "carol"\npassword = "{verifier}"\n'
                f'[[user]]\nname = "dave"\npassword = "{verifier}"\n' + grants)


@pytest.fixture(scope="module")
def granted(junction, tmp_path_factory):
    """alice (role analyst) is granted gold and one silver table, carol the whole catalog,
    dave nothing."""
    config = str(tmp_path_factory.mktemp("grants") / "junction.toml")
    write_config(config,
                 '[[grant]]\nto = "analyst"\ncatalog = "warehouse"\nschema = "gold"\n'
                 '[[grant]]\nto = "alice"\ncatalog = "warehouse"\nschema = "silver"\n'
                 'tables = ["devices"]\n'
                 '[[grant]]\nto = "carol"\ncatalog = "warehouse"\nschema = "*"\n')
    proc, port, flight_port = serve(junction["warehouse"], config)
    yield {"port": port, "flight_port": flight_port}
    stop(proc)


def connect(granted, user):
    return psycopg.connect(host="127.0.0.1", port=granted["port"], user=user,
                           password=PASSWORD, dbname="warehouse", autocommit=True)


def test_psql_lists_only_what_is_granted(granted):
    def run(user, command):
        return subprocess.run(["psql", "-X", "-A", "-t", "-h", "127.0.0.1", "-p",
                               str(granted["port"]), "-U", user, "-d", "warehouse", "-c", command],
                              env={**os.environ, "PGPASSWORD": PASSWORD},
                              capture_output=True, text=True, timeout=60)

    def psql(user, command):
        out = run(user, command)
        assert out.returncode == 0, out.stderr
        return out.stdout

    tables = psql("alice", r"\dt *.*")
    assert "gold|vitals_hourly" in tables and "silver|devices" in tables, tables
    assert "silver|vitals" not in tables and "silver|patients" not in tables, tables
    assert "bronze" not in tables, tables
    schemas = psql("alice", r"\dn")
    assert "gold" in schemas and "silver" in schemas and "bronze" not in schemas, schemas
    hidden = run("alice", r"\d silver.vitals")
    assert 'Did not find any relation named "silver.vitals"' in hidden.stderr, hidden
    assert "silver|vitals|" in psql("carol", r"\dt *.*").replace("table", "|")
    assert "warehouse" in psql("alice", r"\l")
    nothing = psql("dave", r"\dt *.*")
    assert "gold" not in nothing and "silver" not in nothing, nothing


@pytest.mark.parametrize("engine", ["datafusion", "duckdb", "auto"])
def test_an_ungranted_table_is_42501_whether_or_not_it_exists(granted, engine):
    with connect(granted, "alice") as conn:
        conn.execute(f"set junction.engine = '{engine}'")
        assert conn.execute("select count(*) from gold.vitals_hourly").fetchone()[0] > 0
        assert conn.execute("select count(*) from silver.devices").fetchone()[0] > 0
        for sql, table in [
            ("select * from silver.vitals", "vitals"),
            ("select * from silver.no_such_table", "no_such_table"),
            ("select d.device_id from silver.devices d join silver.patients p "
             "on p.patient_id = d.patient_id", "patients"),
            ("select (select count(*) from bronze.vitals_raw)", "vitals_raw"),
        ]:
            with pytest.raises(psycopg.errors.InsufficientPrivilege) as denied:
                conn.execute(sql)
            assert str(denied.value).strip() == DENIED.format(table), sql
        # A prepared statement is checked as well (extended protocol).
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("select * from silver.vitals where patient_id = %s", (1,))
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("explain route select * from silver.vitals")


def test_a_cached_answer_is_not_given_past_the_grants(granted):
    query = "select ward, count(*) from silver.patients group by 1 order by 1"
    with connect(granted, "carol") as carol:
        rows = carol.execute(query).fetchall()
        assert carol.execute(query).fetchall() == rows
        assert carol.execute("show junction.last_engine").fetchone() == ("cache",)
    with connect(granted, "alice") as alice:
        with pytest.raises(psycopg.errors.InsufficientPrivilege) as denied:
            alice.execute(query)
        assert str(denied.value).strip() == DENIED.format("patients")


def test_metadata_shows_only_what_is_granted(granted):
    with connect(granted, "alice") as conn:
        listed = conn.execute("select table_schema, table_name from information_schema.tables "
                              "where table_schema not in ('pg_catalog', 'information_schema') "
                              "order by 1, 2").fetchall()
        assert ("gold", "vitals_hourly") in listed and ("silver", "devices") in listed
        assert all(schema in ("gold", "silver") for schema, _ in listed), listed
        assert ("silver", "vitals") not in listed
        classes = {r[0] for r in conn.execute(
            "select c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace "
            "where n.nspname in ('silver', 'bronze')").fetchall()}
        assert classes == {"devices"}, classes
        namespaces = {r[0] for r in conn.execute("select nspname from pg_namespace").fetchall()}
        assert "bronze" not in namespaces and "gold" in namespaces, namespaces
        columns = conn.execute("select count(*) from information_schema.columns "
                               "where table_name = 'vitals'").fetchone()[0]
        assert columns == 0
        # The privilege functions tools ask answer by the grants.
        assert conn.execute(
            "select has_table_privilege('gold.vitals_hourly', 'select'), "
            "has_table_privilege('silver.vitals', 'select'), "
            "has_table_privilege('alice', 'silver.devices', 'select'), "
            "has_schema_privilege('gold', 'usage'), has_schema_privilege('bronze', 'usage'), "
            "has_database_privilege('warehouse', 'connect')").fetchone() == (
                True, False, True, True, False, True)
        # An unqualified name skips a schema the user may not read, as PostgreSQL skips one
        # without USAGE.
        conn.execute("set search_path = bronze, gold")
        assert conn.execute("select count(*) from vitals_hourly").fetchone()[0] > 0
        with pytest.raises(psycopg.errors.UndefinedTable):
            conn.execute("select * from vitals_raw")
    with connect(granted, "carol") as conn:
        assert conn.execute("select count(*) from silver.vitals").fetchone()[0] > 0


def test_pgjdbc_database_metadata_lists_only_what_is_granted(granted):
    url = (f"jdbc:postgresql://127.0.0.1:{granted['port']}/warehouse?user=alice"
           f"&password={PASSWORD}")
    tables = set(pgjdbc("JdbcTables.java", url).split())
    assert "gold.vitals_hourly" in tables and "silver.devices" in tables, tables
    assert not any(t.startswith("bronze.") for t in tables), tables
    assert "silver.vitals" not in tables, tables


def test_flight_sql_lists_and_reads_only_what_is_granted(granted):
    with flight.connect(f"grpc://127.0.0.1:{granted['flight_port']}", autocommit=True,
                        db_kwargs={"username": "alice", "password": PASSWORD}) as conn:
        objects = conn.adbc_get_objects(depth="tables").read_all().to_pylist()
        listed = {(schema["db_schema_name"], table["table_name"])
                  for catalog in objects for schema in catalog["catalog_db_schemas"] or []
                  for table in schema["db_schema_tables"] or []}
        assert ("gold", "vitals_hourly") in listed and ("silver", "devices") in listed, listed
        assert ("silver", "vitals") not in listed, listed
        assert not any(schema == "bronze" for schema, _ in listed), listed
        with conn.cursor() as cur:
            with pytest.raises(adbc_driver_manager.Error) as denied:
                cur.execute("select * from silver.vitals")
                cur.fetchall()
        # The driver names the gRPC code PermissionDenied (ADBC's own status: UNAUTHORIZED).
        assert "(PermissionDenied;" in str(denied.value), denied.value
        assert DENIED.format("vitals") in str(denied.value)


@pytest.mark.parametrize("grant,says", [
    ('[[grant]]\nto = "nobody"\ncatalog = "warehouse"\nschema = "gold"\n', '"nobody"'),
    ('[[grant]]\nto = "alice"\ncatalog = "lake"\nschema = "gold"\n', '"lake"'),
])
def test_a_grant_naming_an_unknown_user_or_catalog_stops_serve(junction, tmp_path, grant, says):
    config = str(tmp_path / "junction.toml")
    write_config(config, grant)
    out = subprocess.run(
        [os.environ["JUNCTION_BIN"], "serve", "--warehouse", junction["warehouse"], "--config",
         config, "--pg-addr", "127.0.0.1:0", "--flight-addr", "127.0.0.1:0"],
        capture_output=True, text=True, timeout=60)
    assert out.returncode != 0
    assert "[[grant]]" in out.stderr and says in out.stderr, out.stderr
