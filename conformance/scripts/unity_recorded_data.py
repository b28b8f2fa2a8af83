"""unity_recorded_data.py DIR

Writes, under DIR, the tables the recorded Unity Catalog server (conformance/data/
unity-recorded/) registered under its data folder, with the columns it recorded, and prints
what the reference readers see in each, as JSON: {"vitals": [rows, sum of heart_rate],
"devices": [rows, sum of beds], "wards": [rows, sum of floor]}.
- vitals: a Delta table (delta-rs), partitioned by ward, two commits, 5 rows
  (patient_id long, ward string, heart_rate long);
- devices: a folder with one Parquet file (device_id string, ward string, beds long);
- wards.csv: one CSV file with a header (ward string, floor long);
- notes: a folder of JSON lines (id long, note string), a format junction does not read.
"""
import json
import os
import sys

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
from deltalake import DeltaTable, write_deltalake

root = os.path.abspath(sys.argv[1])
os.makedirs(root, exist_ok=True)

vitals = os.path.join(root, "vitals")
schema = pa.schema([("patient_id", pa.int64()), ("ward", pa.string()), ("heart_rate", pa.int64())])
write_deltalake(vitals, pa.table({"patient_id": [1, 2, 3], "ward": ["icu", "icu", "er"],
                                  "heart_rate": [88, 120, 75]}, schema=schema), partition_by=["ward"])
write_deltalake(vitals, pa.table({"patient_id": [4, 5], "ward": ["er", "ward-a"],
                                  "heart_rate": [64, None]}, schema=schema), mode="append")

os.makedirs(os.path.join(root, "devices"), exist_ok=True)
devices = pa.table({"device_id": ["d1", "d2", "d3"], "ward": ["icu", "er", "icu"], "beds": [4, 6, 2]})
pq.write_table(devices, os.path.join(root, "devices", "part-0.parquet"))

wards = pa.table({"ward": ["icu", "er", "ward-a"], "floor": [3, 1, 2]})
pacsv.write_csv(wards, os.path.join(root, "wards.csv"))

os.makedirs(os.path.join(root, "notes"), exist_ok=True)
with open(os.path.join(root, "notes", "part-0.json"), "w") as f:
    f.write('{"id": 1, "note": "admitted"}\n{"id": 2, "note": "discharged"}\n')

read = DeltaTable(vitals).to_pyarrow_table()
heart = [v for v in read.column("heart_rate").to_pylist() if v is not None]
print(json.dumps({
    "vitals": [read.num_rows, sum(heart)],
    "devices": [devices.num_rows, sum(devices.column("beds").to_pylist())],
    "wards": [wards.num_rows, sum(wards.column("floor").to_pylist())],
}), flush=True)
os._exit(0)   # deltalake's runtime threads can abort the interpreter's teardown
