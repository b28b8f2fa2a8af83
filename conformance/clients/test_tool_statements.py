"""The statements real tools send (conformance/tools/*.sql, captured from PostgreSQL 15 by
conformance/scripts/capture_tool_sql.py), replayed through junction with each engine pinned
and compared with a real PostgreSQL 15 holding the same demo tables.

Each file's statements run in order on one connection per server, as the tool sent them (a
cursor's DECLARE, FETCH and CLOSE share a session), with the captured parameters bound as
untyped text (the log keeps their values, not the types the tool gave). How answers are
compared:
- columns: names and type OIDs;
- rows: as text, in the order the server sent them when the statement has an ORDER BY, as a
  sorted list otherwise; a demo table's OID in a column of numbers reads as `<oid of
  silver.patients>`, since each server numbers its own tables;
- a statement that is no query: its command tag; an error: its SQLSTATE.
What each statement is expected to give is in the corpus (`-- expect:`, see tool_corpus.py).
"""
import os
import sys

import psycopg
import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "scripts"))
import tool_corpus  # noqa: E402
from conftest import PEERS  # noqa: E402

# Types a table's OID comes in: oid, and the integers junction sends them as.
NUMBERS = {26, 23, 20}


@pytest.fixture(scope="module")
def reference(junction):
    pg = tool_corpus.Reference(PEERS)
    try:
        pg.copy_demo(junction_dsn(junction))
        yield pg
    finally:
        pg.stop()


def junction_dsn(junction, engine=None):
    dsn = f"host={junction['host']} port={junction['port']} user=postgres dbname=warehouse"
    return dsn + (f" options='-c junction.engine={engine}'" if engine else "")


def outcome(cur, record, oids):
    """What the server answered to `record`: ("rows", columns, rows), ("done", tag) or
    ("error", sqlstate, message)."""
    sql = tool_corpus.OID_PLACEHOLDER.sub(lambda m: str(oids[f"{m[1]}.{m[2]}"]), record.sql)
    try:
        if record.params is None:
            cur.execute(sql)
        else:
            cur.execute(sql, record.params)
    except psycopg.Error as e:
        if cur.connection.info.transaction_status == psycopg.pq.TransactionStatus.INERROR:
            cur.connection.execute("ROLLBACK")
        return ("error", e.sqlstate, str(e).splitlines()[0] if str(e) else "")
    if cur.description is None:
        return ("done", cur.statusmessage)
    result = cur.pgresult
    columns = [(c.name, c.type_code) for c in cur.description]
    tables = {str(oid): name for name, oid in oids.items()}

    def text(row, column):
        value = result.get_value(row, column)
        if value is None:
            return None
        value = value.decode()
        if columns[column][1] in NUMBERS and value in tables:
            value = f"<oid of {tables[value]}>"
        return value

    rows = [tuple(text(r, c) for c in range(result.nfields)) for r in range(result.ntuples)]
    if "order by" not in sql.lower():
        rows.sort(key=repr)
    return ("rows", columns, rows)


def replay(dsn, records):
    with psycopg.connect(dsn, autocommit=True, cursor_factory=psycopg.RawCursor) as conn:
        oids = tool_corpus.table_oids(conn)
        cur = conn.cursor()
        return [outcome(cur, record, oids) for record in records]


TYPE_NAMES = {16: "boolean", 18: '"char"', 19: "name", 20: "bigint", 21: "smallint",
              23: "integer", 24: "regproc", 25: "text", 26: "oid", 114: "json",
              700: "real", 701: "double precision", 705: "unknown", 1003: "name[]",
              1009: "text[]", 1034: "aclitem[]", 2205: "regclass", 2206: "regtype"}


def type_name(oid):
    return TYPE_NAMES.get(oid, str(oid))


def differences(expected, got):
    """How `got` (junction's answer) differs from `expected` (PostgreSQL's): None, or the
    kind of difference ("error", "names", "types", "rows") and what it is."""
    if got[0] == "error" and expected[0] != "error":
        return "error", f"error {got[1]}: {got[2]}"
    if got[0] != expected[0]:
        return "error", f"answered {got[:2]}, PostgreSQL {expected[:2]}"
    if got[0] == "error":
        return None if got[1] == expected[1] else ("error", f"SQLSTATE {got[1]}, PostgreSQL {expected[1]}")
    if got[0] == "done":
        return None if got == expected else ("rows", f"tag {got[1]!r}, PostgreSQL {expected[1]!r}")
    names, theirs = [c[0] for c in got[1]], [c[0] for c in expected[1]]
    if names != theirs:
        return "names", f"columns {names}, PostgreSQL {theirs}"
    if got[2] != expected[2]:
        extra = [r for r in got[2] if r not in expected[2]][:3]
        missing = [r for r in expected[2] if r not in got[2]][:3]
        return "rows", (f"{len(got[2])} rows, PostgreSQL {len(expected[2])}; junction's own "
                        f"{extra}, PostgreSQL's own {missing}" if extra or missing
                        else "rows in another order")
    if got[1] != expected[1]:
        return "types", types_note(got[1], expected[1])
    return None


def types_note(got, expected):
    """`types: ...` for the columns whose types differ: `name as text, oid as integer`."""
    pairs = sorted({f"{type_name(t)} as {type_name(g)}"
                    for (_, g), (_, t) in zip(got, expected) if g != t})
    return ", ".join(pairs)


# What an expectation allows junction's answer to differ in.
ALLOWED = {"same": set(), "types": {"types"}, "columns": {"rows"},
           "answers": {"names", "types", "rows"}}


def judge(expectation, difference):
    """Why `difference` breaks `expectation`, or None."""
    kind, _, why = expectation.partition(":")
    if "UNEXPLAINED" in why:
        return f"listed without a reason: {expectation}"
    if kind == "refused":
        return None if difference and difference[0] == "error" else \
            f"answered though listed as {expectation!r}"
    if difference is None:
        # A listed difference of types or names that is gone is a stale list, as a corpus
        # marker would be; rows listed as differing may agree by chance (a cursor's first
        # rows without ORDER BY).
        return None if kind in ("same", "columns") else \
            f"answers as PostgreSQL does, listed {expectation!r}"
    if kind == "types" and difference[0] == "types":
        # The note lists the type differences: a new one must be listed too.
        return None if difference[1] == why.strip() else f"types {difference[1]}, listed {why.strip()}"
    return None if difference[0] in ALLOWED.get(kind, set()) else difference[1]


def expectation_for(record, engine, difference):
    """The expectation an update writes for what the replay saw: `types` with the differing
    types named; the listed one where it still holds; otherwise `UNEXPLAINED`, which fails
    until someone says why."""
    current = record.expectation(engine)
    if judge(current, difference) is None:
        return current
    if difference is None:
        return "same"
    if difference[0] == "types":
        return f"types: {difference[1]}"
    kind = {"error": "refused", "rows": "columns"}.get(difference[0], "answers")
    return f"{kind}: UNEXPLAINED {difference[1][:200]}"


@pytest.mark.parametrize("path", tool_corpus.corpus_files(), ids=os.path.basename)
def test_tool_statements_answer_as_on_postgresql(junction, reference, path):
    header, records = tool_corpus.parse(path)
    assert records, f"{path} holds no statement"
    expected = replay(reference.dsn(), records)
    problems = []
    seen = {engine: replay(junction_dsn(junction, engine), records)
            for engine in tool_corpus.ENGINES}
    for engine, got in seen.items():
        for record, theirs, ours in zip(records, expected, got):
            why = judge(record.expectation(engine), differences(theirs, ours))
            if why:
                problems.append(f"[{engine}] {record.action}: {why}\n  {record.sql[:300]}")
    if os.environ.get("JUNCTION_TOOLS_UPDATE") and problems:
        # A developer's aid (conformance/tools/README.md): write what the replay saw.
        for i, record in enumerate(records):
            per_engine = {engine: expectation_for(record, engine, differences(expected[i], got[i]))
                          for engine, got in seen.items()}
            values = set(per_engine.values())
            record.expect = ({"": values.pop()} if len(values) == 1
                             else {"": "same", **per_engine})
        tool_corpus.write(path, header, records)
    assert not problems, f"{len(problems)} statements of {os.path.basename(path)}:\n\n" + \
        "\n\n".join(problems)
