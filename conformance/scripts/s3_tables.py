"""s3_tables.py BUCKET SCRATCH: writes, in the S3 server the AWS_* variables name (s3.sh), the
tables the S3 test serves next to the Delta table vitals_tables.py delta wrote at s3://BUCKET/delta/vitals:
  s3://BUCKET/parquet/devices/      a folder of Parquet files (pyarrow)
  s3://BUCKET/parquet/beds.parquet  one Parquet file (pyarrow)
  an Iceberg table under s3://BUCKET/iceberg (pyiceberg; SQLite catalog in SCRATCH): two appends
  and a delete
Prints what the reference readers see, as JSON: {"<table>": [count, sum], ...}, with the Iceberg
table's root, metadata location and metadata (for the vending REST test server)."""

import json
import os
import sys

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from deltalake import DeltaTable
from pyarrow import fs
from pyiceberg.catalog.sql import SqlCatalog
from pyiceberg.expressions import EqualTo

bucket, scratch = sys.argv[1], sys.argv[2]
env = os.environ
endpoint = env["AWS_ENDPOINT_URL"]
s3 = fs.S3FileSystem(
    endpoint_override=endpoint,
    scheme=endpoint.split("://")[0],
    access_key=env["AWS_ACCESS_KEY_ID"],
    secret_key=env["AWS_SECRET_ACCESS_KEY"],
    region=env["AWS_REGION"],
)

devices = [
    pa.table({"device_id": ["d1", "d2"], "ward": ["ICU", "ER"], "beds": [4, 6]}),
    pa.table({"device_id": ["d3"], "ward": ["ICU"], "beds": [2]}),
]
for i, part in enumerate(devices):
    pq.write_table(part, f"{bucket}/parquet/devices/part-{i}.parquet", filesystem=s3)
beds = pa.table({"ward": ["ICU", "ER", "ward a"], "beds": [10, 20, 30]})
pq.write_table(beds, f"{bucket}/parquet/beds.parquet", filesystem=s3)

catalog = SqlCatalog(
    "s3",
    uri=f"sqlite:///{scratch}/iceberg.db",
    warehouse=f"s3://{bucket}/iceberg",
    **{
        "s3.endpoint": endpoint,
        "s3.access-key-id": env["AWS_ACCESS_KEY_ID"],
        "s3.secret-access-key": env["AWS_SECRET_ACCESS_KEY"],
        "s3.region": env["AWS_REGION"],
    },
)
catalog.create_namespace("clinic")
batch = lambda ids, rates: pa.table(
    {"patient_id": pa.array(ids, pa.int64()), "heart_rate": pa.array(rates, pa.int32())}
)
readings = catalog.create_table("clinic.readings", schema=batch([], []).schema)
readings.append(batch([1, 2, 3], [80, 90, 100]))
readings.append(batch([4, 5], [70, 60]))
readings.delete(EqualTo("patient_id", 2))
readings = catalog.load_table("clinic.readings")
read = readings.scan().to_arrow()

vitals = DeltaTable(
    f"s3://{bucket}/delta/vitals",
    storage_options={k: env[k] for k in ("AWS_ENDPOINT_URL", "AWS_ACCESS_KEY_ID",
                                         "AWS_SECRET_ACCESS_KEY", "AWS_REGION", "AWS_ALLOW_HTTP")},
).to_pyarrow_table()


def count_sum(table, column):
    return [table.num_rows, pc.sum(table.column(column)).as_py()]


print(json.dumps({
    "vitals": count_sum(vitals, "heart_rate"),
    "devices": count_sum(pa.concat_tables(devices), "beds"),
    "beds": count_sum(beds, "beds"),
    "readings": count_sum(read, "heart_rate"),
    "readings_root": readings.location(),
    "readings_metadata_location": readings.metadata_location,
    "readings_metadata": json.loads(
        s3.open_input_stream(readings.metadata_location.removeprefix("s3://")).read()
    ),
}), flush=True)
# deltalake's runtime threads sometimes abort the interpreter's teardown; all is printed.
os._exit(0)
