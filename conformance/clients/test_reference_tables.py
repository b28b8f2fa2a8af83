"""Tables written by the reference writers read back exactly through junction: every row and
column of pyiceberg's and delta-rs's own readings of the same snapshot, after several commits,
a schema change, partitioning and deletes; and a commit made while junction serves is seen
by the next query."""
import datetime as dt

import psycopg
import pyarrow as pa
import pytest
from deltalake import DeltaTable, QueryBuilder, write_deltalake
from pyiceberg.catalog.sql import SqlCatalog


def connect(tables):
    return psycopg.connect(host=tables["host"], port=tables["port"], user="anyone",
                           dbname="junction", autocommit=True)


def rows_of(conn, sql):
    cur = conn.execute(sql)
    names = [c.name for c in cur.description]
    return names, cur.fetchall()


def iceberg_table(tables):
    cat = SqlCatalog("local", uri=tables["iceberg"]["uri"], warehouse=tables["iceberg"]["warehouse"])
    return cat.load_table("demo.vitals")


def delta_arrow(path):
    return pa.table(QueryBuilder().register("t", DeltaTable(path)).execute("select * from t").read_all())


def as_rows(table, order_by="patient_id"):
    names = table.column_names
    rows = [tuple(r[n] for n in names) for r in table.to_pylist()]
    return names, sorted(rows, key=lambda r: r[names.index(order_by)])


def test_iceberg_reads_back_as_pyiceberg_reads_it(reference_tables):
    expected_names, expected = as_rows(iceberg_table(reference_tables).scan().to_arrow())
    with connect(reference_tables) as conn:
        names, got = rows_of(conn, "select * from demo.vitals order by patient_id")
    assert names == expected_names == ["patient_id", "ward", "ts", "heart_rate", "spo2", "temperature"]
    assert got == expected
    # The delete of patient 2 and the column added by the schema change (null before it).
    assert [r[0] for r in got] == [1, 3, 4, 5, 6, 7]
    assert got[0][5] is None and got[-1][5] == 36.6


def test_delta_reads_back_as_delta_rs_reads_it(reference_tables):
    expected_names, expected = as_rows(delta_arrow(reference_tables["delta_path"]))
    with connect(reference_tables) as conn:
        names, got = rows_of(conn, "select * from lake.vitals order by patient_id")
    assert names == expected_names
    assert got == expected
    # v3 deleted patient 2, v4 set patient 5's heart rate to 99.
    assert [r[0] for r in got] == [1, 3, 4, 5, 6, 7]
    assert dict((r[0], r[names.index("heart_rate")]) for r in got)[5] == 99


def test_types_match_the_writers_schemas(reference_tables):
    with connect(reference_tables) as conn:
        oids = {}
        for table in ("demo.vitals", "lake.vitals"):
            cur = conn.execute(f"select * from {table} limit 0")
            oids[table] = {c.name: c.type_code for c in cur.description}
    int8, text, int4, float8, timestamp, timestamptz = 20, 25, 23, 701, 1114, 1184
    common = {"patient_id": int8, "ward": text, "heart_rate": int4, "spo2": float8, "temperature": float8}
    assert oids["demo.vitals"] == {**common, "ts": timestamp}   # pyiceberg: timestamp without zone
    assert oids["lake.vitals"] == {**common, "ts": timestamptz}  # delta-rs: timestamp with UTC


def test_partition_filters_and_aggregates(reference_tables):
    with connect(reference_tables) as conn:
        _, iceberg = rows_of(conn, "select ward, count(*), max(heart_rate) from demo.vitals group by ward order by ward")
        _, delta = rows_of(conn, "select patient_id from lake.vitals where ward = 'icu' order by 1")
    assert iceberg == [("er", 2, 75), ("icu", 2, 92), ("ward-a", 2, 101)]
    assert delta == [(1,), (6,)]


def test_commits_while_serving_are_seen_by_the_next_query(reference_tables):
    ts = dt.datetime(2024, 5, 1, 9, 0)
    new = {"patient_id": [8], "ward": ["er"], "heart_rate": [77], "spo2": [97.0], "temperature": [37.0]}
    with connect(reference_tables) as conn:
        assert conn.execute("select count(*) from demo.vitals").fetchone()[0] == 6
        assert conn.execute("select count(*) from lake.vitals").fetchone()[0] == 6

        table = iceberg_table(reference_tables)
        table.append(pa.table({**new, "ts": [ts]}, schema=table.schema().as_arrow()))
        write_deltalake(reference_tables["delta_path"], pa.table(
            {**new, "ts": pa.array([ts.replace(tzinfo=dt.timezone.utc)], pa.timestamp("us", tz="UTC"))},
        ).select(DeltaTable(reference_tables["delta_path"]).schema().to_arrow().names), mode="append")

        assert conn.execute("select count(*) from demo.vitals").fetchone()[0] == 7
        assert conn.execute("select count(*) from lake.vitals").fetchone()[0] == 7
        assert conn.execute("select heart_rate from lake.vitals where patient_id = 8").fetchone()[0] == 77
