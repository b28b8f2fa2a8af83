"""The corpus of statements real tools send (conformance/tools/*.sql): its file format, and a
reference PostgreSQL holding the demo tables, for capturing the statements and for replaying
them.

A corpus file holds one tool at one version. Lines starting with `#` before the first record
describe it. Each record is a block of `-- key: value` lines and the statement as the tool
sent it:

    -- action: getPrimaryKeys(null, "silver", "devices")
    -- params: ["silver", "devices"]
    -- expect: same
    SELECT ...

- `action`: what the tool was asked to do when it sent the statement.
- `params`: the values bound to `$1`, `$2`, ... (a JSON array of texts or nulls), present only
  when the tool used the extended protocol with parameters.
- `expect` (for every engine) and `expect[duckdb]` / `expect[datafusion]` (for one): what
  junction answers compared with PostgreSQL's answer to the same statement, one of
  - `same`: the same columns, types and rows (after the normalisation the replay describes);
  - `columns: <why>`: the same columns and types, rows that legitimately differ, for the reason
    given;
  - `refused: <why>`: junction answers with an error, for the reason given (the replay fails
    when it starts to answer, so that the list stays true).

The statement may carry `{oid:schema.table}` where the tool sent the number PostgreSQL gave
that table (psql asks for a relation's OID first and sends it back): each server gets its own.
"""
import dataclasses
import json
import os
import re
import subprocess
import tempfile

import psycopg

HERE = os.path.dirname(os.path.abspath(__file__))
TOOLS = os.path.join(HERE, "..", "tools")
DEMO_SCHEMAS = ("bronze", "silver", "gold")
ENGINES = ("datafusion", "duckdb")
OID_PLACEHOLDER = re.compile(r"\{oid:([a-z_]+)\.([a-z_]+)\}")


@dataclasses.dataclass
class Record:
    action: str
    sql: str
    params: list | None = None
    expect: dict = dataclasses.field(default_factory=lambda: {"": "same"})

    def expectation(self, engine):
        return self.expect.get(engine, self.expect[""])

    def key(self):
        # As the file keeps it: without trailing space.
        return (self.sql.rstrip(), json.dumps(self.params))


def parse(path):
    """The header lines (without `# `) and the records of a corpus file."""
    header, records, current = [], [], None
    with open(path) as f:
        for line in f.read().splitlines():
            if current is None and line.startswith("#"):
                header.append(line.removeprefix("#").strip())
                continue
            m = re.match(r"-- (action|params|expect(?:\[(\w+)\])?): (.*)$", line)
            if m and (m.group(1) == "action" or (current is not None and not current.sql)):
                key, engine, value = m.groups()
                if key == "action":
                    current = Record(action=value, sql="")
                    records.append(current)
                elif key == "params":
                    current.params = json.loads(value)
                else:
                    current.expect[engine or ""] = value
            elif current is not None:
                current.sql += line + "\n"
    for record in records:
        record.sql = record.sql.strip("\n")
    return header, records


def write(path, header, records):
    with open(path, "w") as f:
        for line in header:
            f.write(f"# {line}\n".replace("# \n", "#\n"))
        for record in records:
            f.write(f"\n-- action: {record.action}\n")
            if record.params is not None:
                f.write(f"-- params: {json.dumps(record.params)}\n")
            for engine, value in sorted(record.expect.items()):
                f.write(f"-- expect{f'[{engine}]' if engine else ''}: {value}\n")
            f.write(record.sql.rstrip() + "\n")


def corpus_files():
    return sorted(os.path.join(TOOLS, name) for name in os.listdir(TOOLS) if name.endswith(".sql"))


class Reference:
    """A real PostgreSQL 15 (scripts/peers/postgres.sh) with a database `warehouse` holding
    copies of junction's demo tables, as junction's catalog `warehouse` holds them. Extra server
    options (`-c log_statement=all`) go in `options`."""

    def __init__(self, peers_dir, options=""):
        self.peers_dir = peers_dir
        self.state = os.path.join(tempfile.mkdtemp(prefix="junction-tools-pg-"), "pg")
        os.chmod(os.path.dirname(self.state), 0o755)
        out = subprocess.run([os.path.join(peers_dir, "postgres.sh"), "start", self.state, "0"],
                             capture_output=True, text=True, check=True,
                             env={**os.environ, "PEERS_PG_OPTIONS": options})
        self.port = int(re.search(r"export PGPORT=(\d+)", out.stdout).group(1))
        with psycopg.connect(self.dsn("postgres"), autocommit=True) as conn:
            conn.execute("CREATE DATABASE warehouse")

    def dsn(self, database="warehouse", **extra):
        params = {"host": "127.0.0.1", "port": self.port, "user": "postgres", "dbname": database,
                  **extra}
        return psycopg.conninfo.make_conninfo(**params)

    def copy_demo(self, junction_dsn):
        """Copies every demo table junction lists into `warehouse`, with the columns' types and
        NOT NULL as junction describes them, and drops the `public` schema a new PostgreSQL
        database has and the demo warehouse has not."""
        with psycopg.connect(junction_dsn, autocommit=True) as source, \
                psycopg.connect(self.dsn(), autocommit=True) as target:
            target.execute("DROP SCHEMA public")
            tables = source.execute(
                "SELECT table_schema, table_name FROM information_schema.tables "
                "WHERE table_schema = ANY(%s) ORDER BY 1, 2", [list(DEMO_SCHEMAS)]).fetchall()
            for schema, table in tables:
                cur = source.execute(f'SELECT * FROM "{schema}"."{table}"')
                required = {row[0] for row in source.execute(
                    "SELECT column_name FROM information_schema.columns WHERE table_schema = %s "
                    "AND table_name = %s AND is_nullable = 'NO'", [schema, table])}
                columns = ", ".join(
                    f'"{c.name}" {c.type_display}{" NOT NULL" if c.name in required else ""}'
                    for c in cur.description)
                target.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
                target.execute(f'CREATE TABLE "{schema}"."{table}" ({columns})')
                with target.cursor().copy(f'COPY "{schema}"."{table}" FROM STDIN') as copy:
                    for row in cur:
                        copy.write_row(row)

    def stop(self):
        subprocess.run([os.path.join(self.peers_dir, "postgres.sh"), "stop", self.state],
                       capture_output=True, check=False)


def table_oids(conn):
    """`schema.table` → OID of every demo relation on the server of `conn`."""
    rows = conn.execute(
        "SELECT n.nspname || '.' || c.relname, c.oid::int8 FROM pg_catalog.pg_class c "
        "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname IN (" + ", ".join(f"'{s}'" for s in DEMO_SCHEMAS) + ")").fetchall()
    return {name: oid for name, oid in rows}
