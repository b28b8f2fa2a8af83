"""hms_tables.py OUT thrift://HOST:PORT

Registers tables in a Hive Metastore's database `clinic`, the way their writers register
them, and prints what the reference readers see in them as JSON.

- vitals_delta: the Delta table vitals_tables.py delta wrote at OUT/vitals, registered as Spark's
  Delta catalog does (an EXTERNAL_TABLE whose `spark.sql.sources.provider` is `delta`, the
  path in the SerDe parameters, a placeholder column list).
- vitals_parquet: a Hive Parquet table partitioned by `ward`, written by pyarrow. Partition
  `icu` is in Hive's default folder with a file named as Hive names them (`000000_0`),
  partition `er` is in a folder outside the table's location (ALTER TABLE ADD PARTITION ...
  LOCATION), and one partition is Hive's NULL partition.
- devices: an unpartitioned Hive Parquet table.
- notes: a Hive text table (LazySimpleSerDe: Ctrl-A between fields, backslash-N for NULL), partitioned by
  day, with rows whose last field is missing, whose note is empty (an empty string to Hive),
  whose id is not a number, and with more fields than columns (the extra ones ignored);
  one day's file has CRLF line ends and blank lines (each a row to Hive).
- wards_csv: a comma-separated text table with a header line (`skip.header.line.count`) and
  empty fields as NULL (`serialization.null.format` '').
- wards_footer: the same files with `skip.footer.line.count`, which junction does not read.
- ward_log: an OpenCSVSerde table with its defaults (comma, double quote, backslash escape):
  quoted fields holding commas, doubled quotes and escaped quotes, empty fields quoted and not,
  and a blank line (a row of NULLs to Hive).
- ward_log_quirks: an OpenCSVSerde table with `escapeChar` '"' (which the SerDe takes to mean
  opencsv's default, a backslash), with lines showing opencsv's quirks: a dropped backslash,
  escapes outside quotes, quotes amid text, blanks before a quote, a short row and a quote
  left open.
- events: a JSON SerDe table, which junction does not read.
- ward_view: a Hive view.
- gone: a Parquet table whose location does not exist.
"""

import json
import os
import sys
import urllib.parse

import pyarrow as pa
import pyarrow.parquet as pq
from deltalake import DeltaTable
from hive_metastore_client import HiveMetastoreClient
from thrift_files.libraries.thrift_hive_metastore_client.ttypes import (
    Database,
    FieldSchema,
    Partition,
    SerDeInfo,
    StorageDescriptor,
    Table,
)

PARQUET_IN = "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat"
PARQUET_OUT = "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat"
PARQUET_SERDE = "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe"
TEXT_IN = "org.apache.hadoop.mapred.TextInputFormat"
TEXT_OUT = "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat"
TEXT_SERDE = "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe"

out = os.path.abspath(sys.argv[1])
uri = urllib.parse.urlparse(sys.argv[2])
hive = os.path.join(out, "hive")


def columns(*pairs):
    return [FieldSchema(name=n, type=t, comment=None) for n, t in pairs]


def storage(location, cols, input_format, output_format, serde, serde_params=None):
    return StorageDescriptor(
        cols=cols, location=location, inputFormat=input_format, outputFormat=output_format,
        compressed=False, numBuckets=-1,
        serdeInfo=SerDeInfo(name=None, serializationLib=serde, parameters=serde_params or {}),
        bucketCols=[], sortCols=[], parameters={}, storedAsSubDirectories=False)


def table(name, sd, partition_keys=(), table_type="EXTERNAL_TABLE", parameters=None, view=None):
    return Table(
        tableName=name, dbName="clinic", owner="junction", createTime=0, lastAccessTime=0,
        retention=0, sd=sd, partitionKeys=list(partition_keys),
        parameters=dict({"EXTERNAL": "TRUE"}, **(parameters or {})),
        viewOriginalText=view, viewExpandedText=view, tableType=table_type)


vital_cols = columns(("patient_id", "bigint"), ("heart_rate", "int"), ("spo2", "double"))


def vitals(rows):
    return pa.table({
        "patient_id": pa.array([r[0] for r in rows], pa.int64()),
        "heart_rate": pa.array([r[1] for r in rows], pa.int32()),
        "spo2": pa.array([r[2] for r in rows], pa.float64()),
    })


parquet_root = os.path.join(hive, "vitals_parquet")
partitions = {
    # ward: (folder, file name, rows)
    "icu": (os.path.join(parquet_root, "ward=icu"), "000000_0", [(1, 88, 97.5), (2, 120, 91.0)]),
    "er": (os.path.join(hive, "elsewhere", "er"), "part-0.parquet", [(3, 75, 99.0), (4, 64, 98.0)]),
    "__HIVE_DEFAULT_PARTITION__": (
        os.path.join(parquet_root, "ward=__HIVE_DEFAULT_PARTITION__"), "000000_0", [(5, 101, 95.5)]),
}
for folder, file_name, rows in partitions.values():
    os.makedirs(folder, exist_ok=True)
    pq.write_table(vitals(rows), os.path.join(folder, file_name))
    # Writers' bookkeeping, which readers skip.
    open(os.path.join(folder, "_SUCCESS"), "w").close()

devices_root = os.path.join(hive, "devices")
os.makedirs(devices_root, exist_ok=True)
pq.write_table(pa.table({"device_id": ["d1", "d2", "d3"], "beds": pa.array([4, 6, 2], pa.int32())}),
               os.path.join(devices_root, "000000_0"))

def text_file(folder, name, text):
    """Writes `text` to folder/name, making the folder; returns the folder."""
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, name), "w") as f:
        f.write(text)
    return folder


notes_root = os.path.join(hive, "notes")
notes_days = {"2026-01-01": "1\x01stable\n2\x01\\N\n5\x01more\x01fields\n",
              "2026-01-02": "3\r\n\nx\x01bad id\r\n4\x01\n\n"}
for day, text in notes_days.items():
    text_file(os.path.join(notes_root, f"day={day}"), "000000_0", text)
wards_root = text_file(os.path.join(hive, "wards_csv"), "wards.csv", "ward,beds\nicu,12\nwest,\n,4\n")
ward_log_root = text_file(
    os.path.join(hive, "ward_log"), "log.csv",
    '"icu","12","says ""hi"", twice"\nwest,,plain\n\n"er","","quote \\" escaped"\n')
ward_log_quirks_root = text_file(
    os.path.join(hive, "ward_log_quirks"), "log.csv",
    '"west",,"C:\\beds"\n"er"\na\\"b,c""d,abc"d"e\nx,   "y",z\nq,"open,r\n')
events_root = os.path.join(hive, "events")
os.makedirs(events_root, exist_ok=True)

delta_root = os.path.join(out, "vitals")
with HiveMetastoreClient(uri.hostname, uri.port) as client:
    # An earlier run's database; Hive 2.3 fails dropping one that does not exist.
    if "clinic" in client.get_all_databases():
        client.drop_database("clinic", deleteData=False, cascade=True)
    client.create_database(Database(name="clinic", description=None,
                                    locationUri=f"file:{hive}", parameters={}))
    client.create_table(table(
        "vitals_delta",
        storage(f"file:{delta_root}", columns(("col", "array<string>")),
                "org.apache.hadoop.mapred.SequenceFileInputFormat",
                "org.apache.hadoop.hive.ql.io.HiveSequenceFileOutputFormat",
                "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe",
                {"path": f"file:{delta_root}", "serialization.format": "1"}),
        parameters={"spark.sql.sources.provider": "delta", "spark.sql.create.version": "3.5.9"}))
    client.create_table(table(
        "vitals_parquet",
        storage(f"file:{parquet_root}", vital_cols, PARQUET_IN, PARQUET_OUT, PARQUET_SERDE),
        partition_keys=columns(("ward", "string"))))
    client.add_partitions([
        Partition(values=[ward], dbName="clinic", tableName="vitals_parquet", createTime=0,
                  lastAccessTime=0, parameters={},
                  sd=storage(f"file:{folder}", vital_cols, PARQUET_IN, PARQUET_OUT, PARQUET_SERDE))
        for ward, (folder, _, _) in partitions.items()
    ])
    client.create_table(table(
        "devices",
        storage(f"file:{devices_root}", columns(("device_id", "string"), ("beds", "int")),
                PARQUET_IN, PARQUET_OUT, PARQUET_SERDE)))
    note_cols = columns(("patient_id", "bigint"), ("note", "string"))
    client.create_table(table(
        "notes", storage(f"file:{notes_root}", note_cols, TEXT_IN, TEXT_OUT, TEXT_SERDE),
        partition_keys=columns(("day", "date"))))
    client.add_partitions([
        Partition(values=[day], dbName="clinic", tableName="notes", createTime=0,
                  lastAccessTime=0, parameters={},
                  sd=storage(f"file:{os.path.join(notes_root, f'day={day}')}", note_cols,
                             TEXT_IN, TEXT_OUT, TEXT_SERDE))
        for day in notes_days
    ])
    ward_cols = columns(("ward", "string"), ("beds", "int"))
    csv_params = {"field.delim": ",", "serialization.null.format": ""}
    client.create_table(table(
        "wards_csv",
        storage(f"file:{wards_root}", ward_cols, TEXT_IN, TEXT_OUT, TEXT_SERDE, csv_params),
        parameters={"skip.header.line.count": "1"}))
    client.create_table(table(
        "wards_footer",
        storage(f"file:{wards_root}", ward_cols, TEXT_IN, TEXT_OUT, TEXT_SERDE, csv_params),
        parameters={"skip.footer.line.count": "1"}))
    csv_serde = "org.apache.hadoop.hive.serde2.OpenCSVSerde"
    # OpenCSVSerde reads every column as a string; Hive declares them so.
    log_cols = columns(("ward", "string"), ("beds", "string"), ("note", "string"))
    client.create_table(table(
        "ward_log", storage(f"file:{ward_log_root}", log_cols, TEXT_IN, TEXT_OUT, csv_serde)))
    client.create_table(table(
        "ward_log_quirks",
        storage(f"file:{ward_log_quirks_root}", log_cols, TEXT_IN, TEXT_OUT, csv_serde,
                {"separatorChar": ",", "quoteChar": '"', "escapeChar": '"'})))
    client.create_table(table(
        "events",
        storage(f"file:{events_root}", columns(("payload", "string")), TEXT_IN, TEXT_OUT,
                "org.apache.hive.hcatalog.data.JsonSerDe")))
    client.create_table(table(
        "ward_view", storage(None, vital_cols, None, None, None), table_type="VIRTUAL_VIEW",
        view="SELECT * FROM clinic.vitals_parquet WHERE ward = 'icu'"))
    client.create_table(table(
        "gone",
        storage(f"file:{os.path.join(hive, 'gone')}", vital_cols, PARQUET_IN, PARQUET_OUT,
                PARQUET_SERDE)))

# The metastore made the folder of `gone` when it registered the table: its files go missing.
os.rmdir(os.path.join(hive, "gone"))

delta = DeltaTable(delta_root).to_pyarrow_table()
heart_rate = [v for v in delta.column("heart_rate").to_pylist() if v is not None]
parquet_rows = sorted(
    [pid, None if ward.startswith("__") else ward, hr]
    for ward, (_, _, rows) in partitions.items() for pid, hr, _ in rows)
print(json.dumps({
    "vitals_delta": [delta.num_rows, sum(heart_rate)],
    "vitals_parquet": parquet_rows,
    "devices": [3, 12],
}), flush=True)
# deltalake's runtime threads sometimes abort the interpreter's teardown ("terminate called
# without an active exception"); everything is written and printed by now.
os._exit(0)
