"""The Python side of `junction-bench wire`: fetches `select * from wire.rows` with ADBC Flight
SQL (as a pyarrow table) from junction, and with psycopg (binary results) from junction and
from PostgreSQL. Prints one `client server median_seconds` line per pair."""
import argparse
import statistics
import sys
import time

import adbc_driver_flightsql.dbapi as flightsql
import psycopg
import pyarrow.flight as flight

QUERY = "select * from wire.rows"


def timed(runs, fetch):
    fetch()  # warm-up
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fetch()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def psycopg_fetch(conn, rows):
    """Reads the whole result of QUERY on `conn` in binary, 100,000 rows at a time."""
    with conn.cursor(binary=True) as cur:
        cur.execute(QUERY)
        n = 0
        while batch := cur.fetchmany(100_000):
            n += len(batch)
    assert n == rows, n


def adbc_fetch(conn, rows):
    """Reads the whole result of QUERY on the ADBC connection `conn` as an Arrow table."""
    with conn.cursor() as cur:
        cur.execute(QUERY)
        table = cur.fetch_arrow_table()
    assert table.num_rows == rows, table.num_rows


def protobuf_bytes(field, payload):
    """One length-delimited protobuf field."""
    out, n = bytearray([field << 3 | 2]), len(payload)
    while True:
        out.append((n & 0x7F) | (0x80 if n > 0x7F else 0))
        n >>= 7
        if not n:
            return bytes(out) + payload


def statement_query(sql):
    """A Flight SQL CommandStatementQuery packed in a protobuf Any, as GetFlightInfo takes it
    (pyarrow speaks Flight, not Flight SQL)."""
    url = b"type.googleapis.com/arrow.flight.protocol.sql.CommandStatementQuery"
    return protobuf_bytes(1, url) + protobuf_bytes(2, protobuf_bytes(1, sql.encode()))


def main():
    p = argparse.ArgumentParser()
    for name in ("--rows", "--runs", "--flight-port", "--junction-port", "--postgres-port"):
        p.add_argument(name, type=int, required=True)
    args = p.parse_args()

    with flightsql.connect(f"grpc://127.0.0.1:{args.flight_port}", autocommit=True) as conn:
        print("adbc junction", timed(args.runs, lambda: adbc_fetch(conn, args.rows)), flush=True)
        print("adbc done", file=sys.stderr)

    # The same stream read by pyarrow's C++ Flight client: the server's rate without the ADBC
    # driver's own work (Go, then the C data interface into pyarrow).
    client = flight.FlightClient(f"grpc://127.0.0.1:{args.flight_port}")
    options = flight.FlightCallOptions(headers=[client.authenticate_basic_token("bench", "x")])
    descriptor = flight.FlightDescriptor.for_command(statement_query(QUERY))

    def pyarrow_flight():
        info = client.get_flight_info(descriptor, options)
        table = client.do_get(info.endpoints[0].ticket, options).read_all()
        assert table.num_rows == args.rows, table.num_rows
    print("pyarrow junction", timed(args.runs, pyarrow_flight), flush=True)
    client.close()

    for server, port, user, dbname in (("junction", args.junction_port, "bench", "junction"),
                                       ("postgres", args.postgres_port, "postgres", "postgres")):
        with psycopg.connect(host="127.0.0.1", port=port, user=user, dbname=dbname,
                             autocommit=True) as conn:
            print("psycopg", server, timed(args.runs, lambda: psycopg_fetch(conn, args.rows)),
                  flush=True)
            print(f"psycopg {server} done", file=sys.stderr)


if __name__ == "__main__":
    main()
