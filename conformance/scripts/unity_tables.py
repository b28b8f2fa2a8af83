"""Writes the Parquet table the Unity Catalog test serves next to the Delta table
vitals_tables.py delta wrote in OUT, and prints what the reference readers see in both, as JSON:
{"vitals": [count, sum of heart_rate], "devices": [count, sum of beds]}."""

import json
import os
import sys

import pyarrow as pa
import pyarrow.parquet as pq
from deltalake import DeltaTable

out = sys.argv[1]
devices = pa.table({"device_id": ["d1", "d2", "d3"], "ward": ["ICU", "ER", "ICU"], "beds": [4, 6, 2]})
os.makedirs(os.path.join(out, "devices"), exist_ok=True)
pq.write_table(devices, os.path.join(out, "devices", "part-0.parquet"))

vitals = DeltaTable(os.path.join(out, "vitals")).to_pyarrow_table()
heart_rate = [v for v in vitals.column("heart_rate").to_pylist() if v is not None]
print(json.dumps({"vitals": [vitals.num_rows, sum(heart_rate)], "devices": [3, 12]}), flush=True)
# deltalake's runtime threads sometimes abort the interpreter's teardown ("terminate called
# without an active exception"); everything is written and printed by now.
os._exit(0)
