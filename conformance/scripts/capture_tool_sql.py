"""Captures the statements real tools send, from a real PostgreSQL 15 that logs every statement
(`log_statement = 'all'`, csvlog), into conformance/tools/<tool>-<version>.sql.

    JUNCTION_BIN=target/debug/junction $PEERS_PYTHON conformance/scripts/capture_tool_sql.py

The PostgreSQL holds the demo tables (copied from a `junction serve` of a small demo
warehouse, in a database named `warehouse` like junction's catalog). Each tool action runs on
its own connection whose application_name names it, so the log tells which action sent which
statement. A statement sent again by a later action (a driver's set-up, say) is kept once,
under the first. `expect` lines already in a corpus file are kept for the same statement and
parameters; a new statement is expected `same` until the replay
(conformance/clients/test_tool_statements.py) says otherwise.
"""
import asyncio
import csv
import json
import os
import re
import subprocess
import sys

import asyncpg
import pandas as pd
import psycopg
import sqlalchemy
from psycopg.types import TypeInfo

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "clients"))
from conftest import PEERS, serve, small_demo, stop  # noqa: E402
import tool_corpus  # noqa: E402

LOGGING = ("-c logging_collector=on -c log_destination=csvlog -c log_statement=all "
           "-c log_filename=capture")
# csvlog's columns (PostgreSQL 15): the message, its detail and the application_name.
MESSAGE, DETAIL, APPLICATION = 13, 14, 22

# psql 15's backslash commands: the \d family with and without + and patterns, and the rest of
# what a user types (\x changes only the display and sends nothing).
PSQL_COMMANDS = [
    r"\l", r"\l+", r"\dn", r"\dn+", r"\dt", r"\dt+", r"\dt silver.*", r"\dt+ silver.*",
    r"\dt gold.*", r"\dv", r"\dv+", r"\dm+", r"\di", r"\di+", r"\ds+", r"\dE+",
    r"\d", r"\d+", r"\d silver.patients", r"\d+ silver.patients", r"\d gold.vitals_hourly",
    r"\d+ gold.vitals_hourly", r"\d silver.*", r"\d nosuch", r"\dp", r"\dp silver.*", r"\z silver.*",
    r"\df", r"\df+", r"\dfS abs", r"\dfS generate_series", r"\dT", r"\dT+", r"\dD", r"\dy",
    r"\du", r"\dg", r"\dd", r"\dc", r"\do", r"\dC", r"\dA", r"\dAc", r"\dO", r"\deu",
    r"\dx", r"\dx+", r"\dL", r"\db", r"\dF", r"\dFd", r"\dFp", r"\dFt", r"\dX", r"\dconfig",
    r"\sf int4abs", r"\sf+ now", r"\sf abs", r"\sf nosuch", r"\sv silver.patients",
]


def psql(pg, prefix):
    actions = {}
    for n, command in enumerate(PSQL_COMMANDS):
        subprocess.run(["psql", "-X", pg.dsn(application_name=f"{prefix}{n}"), "-c", command],
                       capture_output=True, check=False, timeout=60)
        actions[f"{prefix}{n}"] = command
    return actions


def pgjdbc(pg, prefix):
    url = f"jdbc:postgresql://127.0.0.1:{pg.port}/warehouse?user=postgres"
    out = subprocess.run(["java", "-cp", os.environ["PEERS_PG_JDBC"],
                          os.path.join(HERE, "CaptureJdbc.java"), url, prefix],
                         capture_output=True, text=True, check=True, timeout=300)
    return {f"{prefix}{line.split(chr(9))[0]}": line.split("\t", 1)[1]
            for line in out.stdout.splitlines()}


def on_engines(pg, prefix, calls):
    """Runs each of `calls` (action → function of an engine) with a SQLAlchemy engine of its
    own (psycopg, no pool), its connections named `<prefix><n>`."""
    actions = {}
    for n, (action, call) in enumerate(calls.items()):
        engine = sqlalchemy.create_engine(
            f"postgresql+psycopg://postgres@127.0.0.1:{pg.port}/warehouse",
            connect_args={"application_name": f"{prefix}{n}"},
            poolclass=sqlalchemy.pool.NullPool)
        call(engine)
        engine.dispose()
        actions[f"{prefix}{n}"] = action
    return actions


# SQLAlchemy's Inspector calls: method, then its arguments (the schema as a keyword).
INSPECTED = [
    ("get_schema_names",),
    ("get_table_names",),
    ("get_view_names",),
    ("get_materialized_view_names",),
    ("has_table", "patients"),
    ("has_schema", "gold"),
    ("get_columns", "patients"),
    ("get_pk_constraint", "patients"),
    ("get_foreign_keys", "vitals"),
    ("get_indexes", "vitals"),
    ("get_unique_constraints", "vitals"),
    ("get_check_constraints", "vitals"),
    ("get_table_comment", "vitals"),
]


def inspecting(method, *args):
    """`inspect(engine).method(*args, schema='silver')` (no schema for the schema calls), and
    its label."""
    schema = {} if method in ("get_schema_names", "has_schema") else {"schema": "silver"}
    written = [repr(a) for a in args] + [f"{k}={v!r}" for k, v in schema.items()]
    label = f"inspect: {method}({', '.join(written)})"
    return label, lambda e: getattr(sqlalchemy.inspect(e), method)(*args, **schema)


def sqlalchemy_actions(pg, prefix):
    calls = {
        "connect (the dialect's first connection)": lambda e: e.connect().close(),
        **dict(inspecting(*call) for call in INSPECTED),
        "Table('devices', schema='silver', autoload_with=engine)":
            lambda e: sqlalchemy.Table("devices", sqlalchemy.MetaData(), schema="silver",
                                       autoload_with=e),
        "select() of a reflected table with a bound parameter": lambda e: _reflected_select(e),
        "execution_options(stream_results=True)": lambda e: _streamed(e),
    }
    return on_engines(pg, prefix, calls)


def _reflected_select(engine):
    devices = sqlalchemy.Table("devices", sqlalchemy.MetaData(), schema="silver",
                               autoload_with=engine)
    with engine.connect() as conn:
        conn.execute(sqlalchemy.select(devices).where(devices.c.ward == "ICU")).fetchall()


def _streamed(engine):
    with engine.connect() as conn:
        result = conn.execution_options(stream_results=True, max_row_buffer=100).execute(
            sqlalchemy.text("select * from silver.vitals"))
        for _ in result.partitions(100):
            pass


def pandas_actions(pg, prefix):
    calls = {
        "read_sql(query, params)": lambda e: pd.read_sql(
            sqlalchemy.text("select * from silver.patients where ward = :ward"), e,
            params={"ward": "ICU"}),
        "read_sql_table('patients', schema='silver')":
            lambda e: pd.read_sql_table("patients", e, schema="silver"),
        "read_sql(query, chunksize=100)": lambda e: list(pd.read_sql(
            "select * from silver.vitals", e, chunksize=100)),
    }
    return on_engines(pg, prefix, calls)


def psycopg_actions(pg, prefix):
    def query_with_parameters(conn):
        conn.execute("select * from silver.vitals where patient_id = %s and heart_rate > %s",
                     [4, 80]).fetchall()

    def named_cursor(conn):
        with conn.transaction(), conn.cursor(name="vitals") as cur:
            cur.itersize = 100
            cur.execute("select * from silver.vitals")
            for _ in cur:
                pass

    def type_info(conn):
        TypeInfo.fetch(conn, "text")

    def list_parameter(conn):
        conn.execute("select * from silver.devices where ward = any(%s)", [["ICU", "ER"]]).fetchall()

    calls = {
        "execute with parameters": query_with_parameters,
        "named (server-side) cursor": named_cursor,
        "TypeInfo.fetch(conn, 'text')": type_info,
        "a list parameter": list_parameter,
    }
    actions = {}
    for n, (action, call) in enumerate(calls.items()):
        with psycopg.connect(pg.dsn(application_name=f"{prefix}{n}"), autocommit=True) as conn:
            call(conn)
        actions[f"{prefix}{n}"] = action
    return actions


def asyncpg_actions(pg, prefix):
    async def run(name, call):
        conn = await asyncpg.connect(host="127.0.0.1", port=pg.port, user="postgres",
                                     database="warehouse", server_settings={"application_name": name})
        try:
            await call(conn)
        finally:
            await conn.close()

    calls = {
        "fetch with a parameter": lambda c: c.fetch(
            "select * from silver.patients where patient_id = $1", 4),
        "a list parameter (= any($1::text[]))": lambda c: c.fetch(
            "select * from silver.devices where ward = any($1::text[])", ["ICU", "ER"]),
        "prepare and fetch twice": lambda c: _prepared_twice(c),
    }
    actions = {}
    for n, (action, call) in enumerate(calls.items()):
        asyncio.run(run(f"{prefix}{n}", call))
        actions[f"{prefix}{n}"] = action
    return actions


async def _prepared_twice(conn):
    statement = await conn.prepare("select count(*) from silver.vitals where patient_id = $1")
    await statement.fetchval(1)
    await statement.fetchval(2)


TOOLS = [
    ("psql", f"psql {subprocess.run(['psql', '--version'], capture_output=True, text=True).stdout.split()[2]}",
     "psql-15", psql),
    ("pgjdbc", f"pgJDBC {os.environ.get('PEERS_PG_JDBC_VERSION', '')}", "pgjdbc-42.7", pgjdbc),
    ("sqlalchemy", f"SQLAlchemy {sqlalchemy.__version__} with psycopg {psycopg.__version__}",
     "sqlalchemy-2.1", sqlalchemy_actions),
    ("pandas", f"pandas {pd.__version__} with SQLAlchemy {sqlalchemy.__version__}", "pandas-3.1",
     pandas_actions),
    ("psycopg", f"psycopg {psycopg.__version__}", "psycopg-3.3", psycopg_actions),
    ("asyncpg", f"asyncpg {asyncpg.__version__}", "asyncpg-0.32", asyncpg_actions),
]


def parameters(detail):
    """`$1 = 'a', $2 = NULL` → ["a", None]."""
    values = {}
    for m in re.finditer(r"\$(\d+) = (NULL|'((?:[^']|'')*)')", detail or ""):
        values[int(m.group(1))] = None if m.group(2) == "NULL" else m.group(3).replace("''", "'")
    return [values[i] for i in sorted(values)] if values else None


def logged_statements(log_path):
    """(application_name, sql, params) of every statement the log holds, in order."""
    with open(log_path, newline="") as f:
        for row in csv.reader(f):
            message = row[MESSAGE]
            m = re.match(r"(?s)(?:statement|execute [^:]*): (.*)$", message)
            if m:
                yield row[APPLICATION], m.group(1), parameters(row[DETAIL]) if message.startswith(
                    "execute") else None


def placeholders(text, oids):
    """The demo tables' OIDs in `text` replaced by `{oid:schema.table}`, and the cursor names
    SQLAlchemy makes of an object's address (`c_7f1f52579010_1`) by their counter, so that a
    capture repeats its statements."""
    if text is None:
        return None
    text = re.sub(r"\bc_[0-9a-f]{6,}_(\d+)\b", r"c_\1", text)
    return re.sub(r"\b\d{5,}\b", lambda m: f"{{oid:{oids[int(m.group())]}}}"
                  if int(m.group()) in oids else m.group(), text)


def main():
    _, warehouse = small_demo("junction-capture-")
    proc, port, _ = serve(warehouse)
    pg = tool_corpus.Reference(PEERS, LOGGING)
    try:
        pg.copy_demo(f"host=127.0.0.1 port={port} user=postgres dbname=warehouse")
        with psycopg.connect(pg.dsn()) as conn:
            oids = {oid: name for name, oid in tool_corpus.table_oids(conn).items()}
            server = conn.execute("show server_version").fetchone()[0].split()[0]
        taken = {}
        for tool, described, filename, run in TOOLS:
            taken[filename] = (described, run(pg, f"{tool}-"))
        log = os.path.join(pg.state, "data", "log", "capture.csv")
        for filename, (described, actions) in taken.items():
            path = os.path.join(tool_corpus.TOOLS, f"{filename}.sql")
            known = {}
            if os.path.exists(path):
                known = {r.key(): r.expect for r in tool_corpus.parse(path)[1]}
            records, seen = [], set()
            for application, sql, params in logged_statements(log):
                if application not in actions:
                    continue
                sql = placeholders(sql, oids)
                params = [placeholders(p, oids) for p in params] if params else params
                record = tool_corpus.Record(action=actions[application], sql=sql, params=params)
                if record.key() in seen:
                    continue
                seen.add(record.key())
                record.expect = known.get(record.key(), {"": "same"})
                records.append(record)
            header = [
                f"{described}: the statements it sent to PostgreSQL {server}, captured with",
                "log_statement = 'all' by conformance/scripts/capture_tool_sql.py and replayed on",
                "every engine by conformance/clients/test_tool_statements.py (format:",
                "conformance/scripts/tool_corpus.py).",
            ]
            tool_corpus.write(path, header, records)
            print(f"{path}: {len(records)} statements")
    finally:
        pg.stop()
        stop(proc)


if __name__ == "__main__":
    main()
