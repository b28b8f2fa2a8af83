"""Real PostgreSQL clients against junction: psql, psycopg 3, asyncpg, SQLAlchemy, pgJDBC."""
import asyncio
import datetime
import os
import subprocess

import asyncpg
import psycopg
import pandas as pd
import pytest
import sqlalchemy

from conftest import pgjdbc

README_QUERY = (
    "select ward, count(*) from silver.vitals join silver.patients using (patient_id) "
    "group by 1 order by 1"
)


def psql(junction, command):
    out = subprocess.run(
        ["psql", "-h", junction["host"], "-p", str(junction["port"]), "-U", "anyone",
         "-d", "junction", "-X", "-c", command],
        capture_output=True, text=True, timeout=60,
    )
    assert out.returncode == 0, out.stderr
    return out.stdout


def test_psql_list_databases(junction):
    # Every catalog is a database, and nothing else is (no `postgres` that is no catalog).
    out = psql(junction, r"\l")
    names = [line.split("|")[0].strip() for line in out.splitlines()[3:] if "|" in line]
    assert names == ["warehouse"], out


def test_psql_list_schemas(junction):
    out = psql(junction, r"\dn")
    for schema in ("bronze", "silver", "gold"):
        assert f" {schema} " in out


def test_psql_list_types(junction):
    # \dT asks pg_type_is_visible; junction serves no user-defined types, as psql then says.
    out = psql(junction, r"\dT")
    assert "List of data types" in out and "(0 rows)" in out, out


def test_psql_list_tables(junction):
    out = psql(junction, r"\dt silver.*")
    lines = [l for l in out.splitlines() if "| table |" in l]
    names = sorted(l.split("|")[1].strip() for l in lines)
    assert names == ["devices", "patients", "vitals"], out


def test_psql_describe_table(junction):
    out = psql(junction, r"\d silver.patients")
    assert 'Table "silver.patients"' in out
    for column, pgtype in [
        ("patient_id", "integer"), ("name", "text"), ("birth_date", "date"),
        ("admitted_at", "timestamp without time zone"),
    ]:
        assert any(column in l and pgtype in l for l in out.splitlines()), out


def test_psql_readme_query(junction):
    out = psql(junction, README_QUERY)
    assert "(4 rows)" in out or "rows)" in out


def test_pgoptions_pin_the_engine_and_identity_stays_junctions(junction):
    env = dict(os.environ, PGOPTIONS="-c junction.engine=duckdb")
    out = subprocess.run(
        ["psql", "-h", junction["host"], "-p", str(junction["port"]), "-U", "anyone",
         "-d", "junction", "-XAt", "-c", "show junction.engine", "-c", "select version()",
         "-c", r"\dt silver.*"],
        capture_output=True, text=True, timeout=60, env=env,
    )
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[0] == "duckdb"
    assert lines[1].startswith("PostgreSQL 15.0 (junction "), lines[1]
    assert "silver|patients|table|postgres" in lines


def test_errors_carry_postgresql_words_and_hint_on_every_engine(junction):
    with psycopg.connect(host=junction["host"], port=junction["port"], user="anyone",
                         dbname="junction", autocommit=True) as conn:
        for engine in ("datafusion", "duckdb"):
            conn.execute(f"set junction.engine = '{engine}'")
            with pytest.raises(psycopg.errors.UndefinedFunction) as error:
                conn.execute("select nosuch(ward, 1) from silver.patients")
            assert error.value.diag.message_primary == \
                "function nosuch(text, integer) does not exist", engine
            assert error.value.diag.message_hint == (
                "No function matches the given name and argument types. "
                "You might need to add explicit type casts.")
            with pytest.raises(psycopg.errors.UndefinedColumn) as error:
                conn.execute("select p.nosuch from silver.patients p")
            assert error.value.diag.message_primary == "column p.nosuch does not exist", engine


def test_psycopg_query_and_parameters(junction):
    with psycopg.connect(host=junction["host"], port=junction["port"], user="anyone",
                         dbname="junction", autocommit=True) as conn:
        rows = conn.execute(README_QUERY).fetchall()
        assert sum(n for _, n in rows) > 14_000
        row = conn.execute(
            "select name, birth_date from silver.patients where patient_id = %s", (3,)
        ).fetchone()
        assert isinstance(row[1], datetime.date)
        # Binary results, server-side parameters.
        with conn.cursor(binary=True) as cur:
            cur.execute("select patient_id, admitted_at from silver.patients where patient_id > %s order by 1", (5,))
            got = cur.fetchall()
            assert [r[0] for r in got] == [6, 7, 8, 9, 10]
            assert isinstance(got[0][1], datetime.datetime)


def test_psycopg_errors_keep_the_connection(junction):
    with psycopg.connect(host=junction["host"], port=junction["port"], user="anyone",
                         dbname="junction", autocommit=True) as conn:
        try:
            conn.execute("select * from nope")
            raise AssertionError("expected an error")
        except psycopg.errors.UndefinedTable:
            pass
        assert conn.execute("select 1").fetchone()[0] == 1


def test_asyncpg_prepared_binary(junction):
    async def run():
        conn = await asyncpg.connect(host=junction["host"], port=junction["port"],
                                     user="anyone", database="junction")
        try:
            rows = await conn.fetch(
                "select patient_id, spo2, recorded_at from silver.vitals where patient_id = $1 "
                "order by recorded_at limit 5", 2)
            assert len(rows) == 5
            assert all(r["patient_id"] == 2 for r in rows)
            assert isinstance(rows[0]["recorded_at"], datetime.datetime)
            stmt = await conn.prepare("select count(*) from silver.patients where ward = $1")
            total = 0
            for ward in ("icu", "cardiology", "oncology", "neurology", "pediatrics"):
                total += await stmt.fetchval(ward)
            assert total == 10
        finally:
            await conn.close()
    asyncio.run(run())


def sqlalchemy_engine(junction):
    return sqlalchemy.create_engine(
        f"postgresql+psycopg://anyone@{junction['host']}:{junction['port']}/junction")


def test_sqlalchemy_connects_and_lists_tables(junction):
    # Connecting runs psycopg's type lookup (to_regtype('hstore')).
    engine = sqlalchemy_engine(junction)
    with engine.connect() as conn:
        assert conn.execute(sqlalchemy.text("select count(*) from silver.devices")).scalar() == 10
    inspector = sqlalchemy.inspect(engine)
    assert sorted(inspector.get_table_names(schema="silver")) == ["devices", "patients", "vitals"]


def test_sqlalchemy_lists_schemas(junction):
    # SQLAlchemy 2.1 sends `nspname NOT LIKE %(param)s::VARCHAR || '%%' ESCAPE '/'`: a LIKE
    # whose pattern is only known at run time, with an escape character.
    inspector = sqlalchemy.inspect(sqlalchemy_engine(junction))
    schemas = inspector.get_schema_names()
    assert {"bronze", "silver", "gold"} <= set(schemas), schemas
    assert not [s for s in schemas if s.startswith("pg_")], schemas


def test_sqlalchemy_inspects_columns(junction):
    # Column reflection also nests casts to REGCLASS and builds json with json_build_object.
    inspector = sqlalchemy.inspect(sqlalchemy_engine(junction))
    columns = {c["name"]: c for c in inspector.get_columns("patients", schema="silver")}
    assert list(columns) == ["patient_id", "name", "birth_date", "sex", "ward",
                             "admitted_at", "discharged_at"]
    assert isinstance(columns["patient_id"]["type"], sqlalchemy.Integer)
    assert isinstance(columns["birth_date"]["type"], sqlalchemy.Date)
    assert isinstance(columns["admitted_at"]["type"], sqlalchemy.DateTime)
    # The Parquet schema says which columns hold NULLs: only discharged_at does.
    assert not columns["name"]["nullable"]
    assert columns["discharged_at"]["nullable"]
    assert columns["patient_id"]["default"] is None


def test_sqlalchemy_reflects_keys_indexes_and_comments(junction):
    # Lake tables have no keys, indexes or comments; what matters is that reflection answers
    # as PostgreSQL does for such a table (its queries unnest int2vector columns, number them
    # with generate_subscripts, bind a relation name to CAST(... AS REGCLASS) and a bool to
    # pg_get_constraintdef).
    inspector = sqlalchemy.inspect(sqlalchemy_engine(junction))
    assert inspector.get_pk_constraint("patients", schema="silver") == {
        "constrained_columns": [], "name": None}
    assert inspector.get_foreign_keys("patients", schema="silver") == []
    assert inspector.get_indexes("patients", schema="silver") == []
    assert inspector.get_unique_constraints("patients", schema="silver") == []
    assert inspector.get_check_constraints("patients", schema="silver") == []
    assert inspector.get_table_comment("patients", schema="silver") == {"text": None}


def test_sqlalchemy_autoload_and_pandas_read_sql_table(junction):
    # Table(autoload_with=) also asks current_setting() of a bound name.
    engine = sqlalchemy_engine(junction)
    table = sqlalchemy.Table("patients", sqlalchemy.MetaData(), schema="silver",
                             autoload_with=engine)
    assert table.columns.keys()[:3] == ["patient_id", "name", "birth_date"]
    with engine.connect() as conn:
        count = conn.execute(sqlalchemy.select(sqlalchemy.func.count()).select_from(table)).scalar()
    frame = pd.read_sql_table("patients", engine, schema="silver")
    assert list(frame.columns)[:3] == ["patient_id", "name", "birth_date"]
    assert len(frame) == count > 0


def test_psycopg_named_cursors_stream_in_pages(junction):
    # A named cursor is DECLARE, a Describe of the cursor's portal, FETCH FORWARD n, CLOSE.
    with psycopg.connect(host=junction["host"], port=junction["port"], user="anyone",
                         dbname="junction") as conn:
        for engine in ("datafusion", "duckdb"):
            conn.execute(f"set junction.engine = '{engine}'")
            expected = conn.execute(
                "select patient_id, recorded_at from silver.vitals where patient_id < %s "
                "order by recorded_at, patient_id", (5,)).fetchall()
            with conn.cursor(name="readings") as cur:
                cur.itersize = 500
                cur.execute("select patient_id, recorded_at from silver.vitals "
                            "where patient_id < %s order by recorded_at, patient_id", (5,))
                assert [c.name for c in cur.description] == ["patient_id", "recorded_at"]
                first = cur.fetchmany(3)
                rest = list(cur)
            assert first + rest == expected, engine
            with conn.cursor(name="everything") as cur:
                cur.execute("select ward from silver.patients order by patient_id")
                assert len(cur.fetchall()) == 10
            conn.commit()


def test_sql_cursors_behave_as_postgresql_s(junction):
    with psycopg.connect(host=junction["host"], port=junction["port"], user="anyone",
                         dbname="junction", autocommit=True) as conn:
        with pytest.raises(psycopg.errors.NoActiveSqlTransaction):
            conn.execute("declare c cursor for select 1")
        with pytest.raises(psycopg.errors.InvalidCursorName):
            conn.execute("fetch next from nothing")
        conn.execute("begin")
        conn.execute("declare c cursor for select patient_id from silver.patients order by 1")
        with pytest.raises(psycopg.errors.DuplicateCursor):
            conn.execute("declare c cursor for select 1")
        conn.execute("rollback")
        conn.execute("begin")
        conn.execute("declare c cursor for select patient_id from silver.patients order by 1")
        assert conn.execute("fetch 2 from c").fetchall() == [(1,), (2,)]
        cur = conn.execute("fetch next from c")
        assert cur.fetchall() == [(3,)] and cur.statusmessage == "FETCH 1"
        assert conn.execute("fetch all from c").fetchall() == [(i,) for i in range(4, 11)]
        assert conn.execute("fetch 5 from c").fetchall() == []
        conn.execute("declare h cursor with hold for select 42")
        conn.execute("commit")
        # The transaction's cursor went with it; the held one stays until CLOSE.
        with pytest.raises(psycopg.errors.InvalidCursorName):
            conn.execute("fetch next from c")
        assert conn.execute("fetch next from h").fetchall() == [(42,)]
        assert conn.execute("close h").statusmessage == "CLOSE CURSOR"
        with pytest.raises(psycopg.errors.InvalidCursorName):
            conn.execute("close h")
        # A row the cursor's query cannot compute fails the FETCH with its own SQLSTATE.
        conn.execute("begin")
        conn.execute("declare z cursor for "
                     "select 10 / (patient_id - 3) from silver.patients order by patient_id")
        with pytest.raises(psycopg.errors.DivisionByZero):
            conn.execute("fetch 5 from z")
        conn.execute("rollback")


def test_binary_cursors_send_binary_rows(junction):
    # psycopg's binary named cursor asks each FETCH for binary rows (Bind's result format); a
    # BINARY cursor read by a simple query answers in binary too, as PostgreSQL does.
    query = ("select patient_id, name, birth_date, admitted_at from silver.patients "
             "where patient_id < %s order by patient_id")
    with psycopg.connect(host=junction["host"], port=junction["port"], user="anyone",
                         dbname="junction") as conn:
        for engine in ("datafusion", "duckdb"):
            conn.execute(f"set junction.engine = '{engine}'")
            expected = conn.execute(query, (6,)).fetchall()
            with conn.cursor(name="binary_rows", binary=True) as cur:
                cur.execute(query, (6,))
                first = cur.fetchmany(2)
                assert cur.pgresult.fformat(0) == 1, engine
                rest = cur.fetchall()
            assert first + rest == expected, engine
            conn.execute("declare raw binary cursor for "
                         "select patient_id from silver.patients order by 1")
            result = conn.pgconn.exec_(b"fetch 2 from raw")
            assert result.status == psycopg.pq.ExecStatus.TUPLES_OK, result.error_message
            assert result.fformat(0) == 1 and result.ntuples == 2
            assert [result.get_value(i, 0) for i in range(2)] == [
                (1).to_bytes(4, "big"), (2).to_bytes(4, "big")]
            conn.rollback()


def test_move_skips_rows_as_postgresql_does(junction):
    # psycopg's scroll() on a named cursor sends MOVE; its tag counts the rows skipped.
    with psycopg.connect(host=junction["host"], port=junction["port"], user="anyone",
                         dbname="junction") as conn:
        for engine in ("datafusion", "duckdb"):
            conn.execute(f"set junction.engine = '{engine}'")
            with conn.cursor(name="skipping") as cur:
                cur.execute("select patient_id from silver.patients order by 1")
                cur.scroll(2)
                assert cur.fetchone() == (3,), engine
                cur.scroll(3)
                assert cur.fetchone() == (7,), engine
            conn.execute("declare m cursor for select patient_id from silver.patients order by 1")
            assert conn.execute("move forward 4 in m").statusmessage == "MOVE 4"
            assert conn.execute("fetch next from m").fetchall() == [(5,)]
            assert conn.execute("move all from m").statusmessage == "MOVE 5"
            assert conn.execute("move next from m").statusmessage == "MOVE 0"
            assert conn.execute("fetch next from m").fetchall() == []
            with pytest.raises(psycopg.errors.FeatureNotSupported):
                conn.execute("move backward 1 from m")
            conn.rollback()


def test_cursors_scan_forward_only_and_say_so(junction):
    # PostgreSQL scrolls a simple cursor back even without SCROLL; junction's cursors read an
    # engine's stream once, and refuse what needs more.
    with psycopg.connect(host=junction["host"], port=junction["port"], user="anyone",
                         dbname="junction") as conn:
        for sql in ["fetch backward 1 from c", "fetch prior from c",
                    "declare s scroll cursor for select 1"]:
            conn.execute("declare c cursor for select patient_id from silver.patients")
            with pytest.raises(psycopg.errors.FeatureNotSupported):
                conn.execute(sql)
            conn.rollback()


def test_sqlalchemy_stream_results_and_pandas_chunks_use_server_side_cursors(junction):
    engine = sqlalchemy_engine(junction)
    query = sqlalchemy.text("select patient_id, heart_rate from silver.vitals")
    with engine.connect() as conn:
        total = conn.execute(sqlalchemy.text("select count(*) from silver.vitals")).scalar()
        result = conn.execution_options(stream_results=True).execute(query)
        assert type(result.cursor).__name__ == "ServerCursor"
        sizes = [len(p) for p in result.partitions(1000)]
        assert sum(sizes) == total and max(sizes) == 1000
        stream = conn.execution_options(stream_results=True)
        chunks = list(pd.read_sql(query, stream, chunksize=2000))
        assert sum(len(c) for c in chunks) == total and len(chunks) > 1


def test_json_arrives_as_json(junction):
    with psycopg.connect(host=junction["host"], port=junction["port"], user="anyone",
                         dbname="junction") as conn:
        value = conn.execute("select json_build_object('ward', ward, 'n', patient_id) "
                             "from silver.patients where patient_id = 1").fetchone()[0]
    # psycopg parses json (OID 114) into Python objects; text would stay a str.
    assert isinstance(value, dict), value
    assert value["n"] == 1 and isinstance(value["ward"], str)


@pytest.mark.parametrize("engine", ["datafusion", "duckdb"])
def test_json_casts_and_operators_arrive_as_json_on_each_engine(junction, engine):
    with psycopg.connect(host=junction["host"], port=junction["port"], user="anyone",
                         dbname="junction", options=f"-c junction.engine={engine}") as conn:
        cast, part, text = conn.execute(
            """select '{"a": {"b": [1, 2]}}'::json, '{"a": {"b": [1, 2]}}'::jsonb -> 'a',
                      '{"a": "x"}'::json ->> 'a'""").fetchone()
    assert cast == {"a": {"b": [1, 2]}}
    assert part == {"b": [1, 2]}
    assert text == "x"


def test_pg_typeof_arrives_as_regtype(junction):
    with psycopg.connect(host=junction["host"], port=junction["port"], user="anyone",
                         dbname="junction") as conn:
        for binary in (False, True):
            with conn.cursor(binary=binary) as cur:
                cur.execute("select pg_typeof(patient_id), pg_typeof(name), pg_typeof(1.5) "
                            "from silver.patients limit 1")
                assert [d.type_code for d in cur.description] == [2206] * 3
                if not binary:
                    assert cur.fetchone() == ("integer", "text", "numeric")

    async def run():
        conn = await asyncpg.connect(host=junction["host"], port=junction["port"],
                                     user="anyone", database="junction")
        try:
            row = await conn.fetchrow("select pg_typeof(admitted_at), pg_typeof(now()) "
                                      "from silver.patients limit 1")
            assert tuple(row) == ("timestamp without time zone", "timestamp with time zone")
        finally:
            await conn.close()
    asyncio.run(run())


def test_pgjdbc(junction):
    url = f"jdbc:postgresql://{junction['host']}:{junction['port']}/junction?user=anyone"
    assert "OK" in pgjdbc("JdbcClient.java", url)
