"""Seed inputs for the fuzz targets: what real clients send, so that coverage starts where
the interesting decoding is (a valid IPC schema, a valid command) rather than at random bytes.

    python fuzz/seeds.py          # writes fuzz/corpus/<target>/seed-*

Needs pyarrow (scripts/peers installs it in the peers' venv).
"""

import datetime
import decimal
import pathlib

import pyarrow as pa

ROOT = pathlib.Path(__file__).parent / "corpus"


def varint(n: int) -> bytes:
    out = bytearray()
    while True:
        byte = n & 0x7F
        n >>= 7
        if n:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def field(number: int, payload: bytes) -> bytes:
    """A length-delimited protobuf field."""
    return varint(number << 3 | 2) + varint(len(payload)) + payload


def flight_data(message: pa.ipc.Message) -> bytes:
    """FlightData { data_header = 2, data_body = 1000 } of one IPC message."""
    return field(2, message.metadata.to_pybytes()) + field(1000, message.body.to_pybytes() if message.body else b"")


def binding(batch: pa.RecordBatch) -> bytes:
    """A DoPut's FlightData messages as the flight_sql target reads them (kind byte 1, then
    each message prefixed by its two-byte length)."""
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, batch.schema) as writer:
        writer.write_batch(batch)
    reader = pa.ipc.MessageReader.open_stream(sink.getvalue())
    out = bytearray(b"\x01")
    for message in reader:
        data = flight_data(message)
        out += len(data).to_bytes(2, "little") + data
    return bytes(out)


def command(type_name: str, body: bytes) -> bytes:
    """A command's Any (kind byte 0)."""
    url = f"type.googleapis.com/arrow.flight.protocol.sql.{type_name}".encode()
    return b"\x00" + field(1, url) + field(2, body)


def write(target: str, name: str, data: bytes) -> None:
    directory = ROOT / target
    directory.mkdir(parents=True, exist_ok=True)
    (directory / f"seed-{name}").write_bytes(data)


def main() -> None:
    bindings = {
        "int64": pa.record_batch([pa.array([42], pa.int64())], names=["$1"]),
        "text": pa.record_batch([pa.array(["p-0001"], pa.utf8())], names=["$1"]),
        "mixed": pa.record_batch(
            [
                pa.array([decimal.Decimal("12.34")], pa.decimal128(10, 2)),
                pa.array([datetime.datetime(2026, 1, 1, 10, 30)], pa.timestamp("us", "UTC")),
                pa.array([[1, 2, None]], pa.list_(pa.int32())),
                pa.array([None], pa.float64()),
                pa.array([True], pa.bool_()),
                pa.array([b"\x00\x01"], pa.binary()),
                pa.array([datetime.date(2026, 1, 31)], pa.date32()),
            ],
            names=["$1", "$2", "$3", "$4", "$5", "$6", "$7"],
        ),
    }
    for name, batch in bindings.items():
        write("flight_sql", f"binding-{name}", binding(batch))
    write("flight_sql", "statement-query", command("CommandStatementQuery", field(1, b"select 1")))
    write("flight_sql", "prepared-query", command("CommandPreparedStatementQuery", field(1, b"handle")))
    write("flight_sql", "get-tables", command("CommandGetTables", field(1, b"warehouse") + field(3, b"vit%")))
    write("flight_sql", "ticket", command("TicketStatementQuery", field(1, b"\x00" * 16)))

    for name, sql in {
        "dashboard": "select date_trunc('hour', ts) as t, avg(heart_rate)::numeric(10,2) "
        "from silver.vitals where ts >= now() - interval '1 day' group by 1 order by 1",
        "grafana": "SELECT floor(extract(epoch from ts)/300)*300 AS time, count(*) FROM silver.vitals "
        "WHERE ts BETWEEN '2026-01-01T00:00:00Z' AND '2026-01-02T00:00:00Z' GROUP BY 1 ORDER BY 1",
        "catalog": "SELECT n.nspname, c.relname FROM pg_catalog.pg_class c LEFT JOIN "
        "pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind IN ('r','p','v') "
        "AND pg_catalog.pg_table_is_visible(c.oid) ORDER BY 1, 2",
        "window": "select patient_id, ts, heart_rate, lag(heart_rate) over (partition by patient_id "
        "order by ts), format('%s-%L', patient_id, to_char(ts, 'YYYY-MM-DD')) from silver.vitals "
        "where spo2 between symmetric 90 and 100 limit 10",
    }.items():
        write("transpiler", name, sql.encode())


if __name__ == "__main__":
    main()
