"""Commits to a demo warehouse's lake tables as another writer would while junction reads
them: one append to the Delta table silver.vitals (delta-rs) and one to the Iceberg table
gold.vitals_hourly (pyiceberg, through a throwaway SQL catalog that registers the table's
current metadata), each a copy of the table's first row.

    commit_tables.py WAREHOUSE          prints {"vitals": rows now, "hourly": rows now}
    commit_tables.py WAREHOUSE --wait   prints "ready" once loaded, commits when a line
                                        arrives on stdin, then prints the same
"""
import glob
import json
import os
import sys
import tempfile

from deltalake import DeltaTable, write_deltalake
from pyiceberg.catalog.sql import SqlCatalog


def commit_delta(path):
    table = DeltaTable(path)
    first = table.to_pyarrow_dataset().head(1)
    write_deltalake(path, first, mode="append", partition_by=table.metadata().partition_columns or None)
    return DeltaTable(path).to_pyarrow_dataset().count_rows()


def commit_iceberg(path, scratch):
    def version(name):
        return int(os.path.basename(name).split("-", 1)[0].lstrip("v").split(".")[0])

    current = max(glob.glob(os.path.join(path, "metadata", "*.metadata.json")), key=version)
    catalog = SqlCatalog("writer", uri=f"sqlite:///{scratch}/catalog.db", warehouse=f"file://{scratch}")
    catalog.create_namespace("gold")
    table = catalog.register_table(("gold", "vitals_hourly"), f"file://{current}")
    table.append(table.scan(limit=1).to_arrow())
    return table.refresh().scan().to_arrow().num_rows


def main():
    warehouse = sys.argv[1]
    if "--wait" in sys.argv[2:]:
        print("ready", flush=True)
        sys.stdin.readline()
    with tempfile.TemporaryDirectory() as scratch:
        print(json.dumps({
            "vitals": commit_delta(os.path.join(warehouse, "silver", "vitals")),
            "hourly": commit_iceberg(os.path.join(warehouse, "gold", "vitals_hourly"), scratch),
        }), flush=True)


if __name__ == "__main__":
    main()
