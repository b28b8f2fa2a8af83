"""nessie_tables.py OUT

Prints, as JSON, what the reference readers see at each state of the tables the peers'
makers wrote under OUT: the pyiceberg table demo.vitals at each metadata file
(vitals_tables.py iceberg) and the delta-rs table OUT/vitals at each version (vitals_tables.py delta):
{"iceberg": [[metadata_location, rows, sum of heart_rate], ...] oldest first, over the
metadata files that have a snapshot, "delta": [[commit file, rows, sum of heart_rate], ...]
by version}. The Nessie test points references at these states."""

import glob
import json
import os
import sys

from deltalake import DeltaTable
from pyiceberg.table import StaticTable

out = os.path.abspath(sys.argv[1])


def summary(table):
    heart_rate = [v for v in table.column("heart_rate").to_pylist() if v is not None]
    return table.num_rows, sum(heart_rate)


iceberg = []
pattern = os.path.join(out, "pyiceberg", "warehouse", "demo", "vitals", "metadata", "*.metadata.json")
for metadata in sorted(glob.glob(pattern)):
    table = StaticTable.from_metadata(f"file://{metadata}")
    if table.current_snapshot() is None:
        continue
    iceberg.append([f"file://{metadata}", *summary(table.scan().to_arrow())])

delta = []
root = os.path.join(out, "vitals")
for version in range(DeltaTable(root).version() + 1):
    commit = os.path.join(root, "_delta_log", f"{version:020}.json")
    delta.append([f"file://{commit}", *summary(DeltaTable(root, version=version).to_pyarrow_table())])

print(json.dumps({"iceberg": iceberg, "delta": delta}), flush=True)
# deltalake's runtime threads sometimes abort the interpreter's teardown ("terminate called
# without an active exception"); everything is printed by now.
os._exit(0)
