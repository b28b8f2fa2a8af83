"""Writes the hospital-vitals test tables with the real writers, as a user's pipeline would.

    vitals_tables.py delta TARGET          delta-rs: TARGET/vitals, TARGET a directory or s3://bucket/prefix
    vitals_tables.py iceberg OUT [--spark-hms thrift://HOST:PORT]
    vitals_tables.py spark-deletes OUT   Spark's deletion vectors and equality deletes

Both tables hold patients 1 to 7 after the same history:
- delta (deltalake): v0 write partitioned by ward (1-3), v1 append (4, 5), v2 append with a new
  column `temperature` (6, 7), v3 DELETE patient 2, v4 UPDATE patient 5's heart rate to 99.
  An s3:// target takes its settings from the environment s3.sh exports and creates the bucket.
- iceberg (pyiceberg, SqlCatalog "local" in OUT/pyiceberg): `demo.vitals`, format v2 partitioned
  by ward, snapshots: append (1-3), append (4, 5), schema change adding `temperature` then append
  (6, 7), delete of patient 2 (pyiceberg rewrites the file: no delete files).
- with --spark-hms, Spark 3.5 with the Iceberg runtime writes `demo.vitals_v2` (position-delete
  files) and `demo.vitals_v3` (deletion vectors) registered in that metastore: insert (1-3),
  insert (4, 5), DELETE patient 2, UPDATE patient 5's heart rate to 99, merge-on-read.

- spark-deletes: Spark 3.5 with delta-spark and the Iceberg runtime writes, under OUT as a
  junction warehouse, `lake.vitals_dv` (Delta, deletion vectors, column mapping) and
  `ice.vitals_eq` (Iceberg v2, a position delete and an equality delete); prints Spark's rows.

Local targets get OUT/delta-tables.json or OUT/iceberg-tables.json naming what was written.
"""
import argparse
import datetime as dt
import json
import os
import shutil
import sys

import pyarrow as pa

FIRST = [(1, "icu", 88, 97.5), (2, "icu", 120, 91.0), (3, "er", 75, 99.0)]
SECOND = [(4, "er", 64, 98.0), (5, "ward-a", 101, 95.5)]
THIRD = [(6, "icu", 92, 96.0, 37.9), (7, "ward-a", 70, 98.5, 36.6)]


def vitals(rows, zone=None):
    """Rows as Arrow; a reading is taken `patient_id` minutes after 08:00 on 2024-05-01."""
    start = dt.datetime(2024, 5, 1, 8, 0, tzinfo=zone)
    columns = {
        "patient_id": pa.array([r[0] for r in rows], pa.int64()),
        "ward": pa.array([r[1] for r in rows], pa.string()),
        "ts": pa.array([start + dt.timedelta(minutes=r[0]) for r in rows],
                       pa.timestamp("us", tz="UTC" if zone else None)),
        "heart_rate": pa.array([r[2] for r in rows], pa.int32()),
        "spo2": pa.array([r[3] for r in rows], pa.float64()),
    }
    if len(rows[0]) > 4:
        columns["temperature"] = pa.array([r[4] for r in rows], pa.float64())
    return pa.table(columns)


def s3_settings():
    env = os.environ
    if not env.get("AWS_ENDPOINT_URL"):
        sys.exit("vitals_tables: an s3:// target needs the settings s3.sh exports (AWS_ENDPOINT_URL, ...)")
    settings = {k: env[k] for k in ("AWS_ENDPOINT_URL", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY",
                                    "AWS_REGION", "AWS_ALLOW_HTTP") if env.get(k)}
    settings["AWS_S3_ALLOW_UNSAFE_RENAME"] = "true"   # one writer and no lock service
    return settings


def delta(target):
    from deltalake import DeltaTable, write_deltalake

    options = {}
    if target.startswith("s3://"):
        import boto3

        options = s3_settings()
        bucket = target[5:].split("/", 1)[0]
        s3 = boto3.client("s3", endpoint_url=options["AWS_ENDPOINT_URL"],
                          region_name=options.get("AWS_REGION", "us-east-1"))
        if bucket not in [b["Name"] for b in s3.list_buckets().get("Buckets", [])]:
            s3.create_bucket(Bucket=bucket)
        path = target.rstrip("/") + "/vitals"
    else:
        out = os.path.abspath(target)
        path = os.path.join(out, "vitals")
        shutil.rmtree(path, ignore_errors=True)
    utc = dt.timezone.utc
    write_deltalake(path, vitals(FIRST, utc), partition_by=["ward"], mode="error", name="vitals",
                    storage_options=options)
    write_deltalake(path, vitals(SECOND, utc), mode="append", storage_options=options)
    write_deltalake(path, vitals(THIRD, utc), mode="append", schema_mode="merge", storage_options=options)
    DeltaTable(path, storage_options=options).delete("patient_id = 2")
    DeltaTable(path, storage_options=options).update(updates={"heart_rate": "99"}, predicate="patient_id = 5")
    version = DeltaTable(path, storage_options=options).version()
    print(f"delta-rs wrote {path} at version {version}", file=sys.stderr)
    if not target.startswith("s3://"):
        with open(os.path.join(out, "delta-tables.json"), "w") as f:
            json.dump({"tables": {"vitals": path}, "version": version}, f, indent=2)


def pyiceberg_vitals(out):
    from pyiceberg.catalog.sql import SqlCatalog
    from pyiceberg.expressions import EqualTo
    from pyiceberg.types import DoubleType

    root = os.path.join(out, "pyiceberg")
    shutil.rmtree(root, ignore_errors=True)
    os.makedirs(os.path.join(root, "warehouse"))
    uri, warehouse = f"sqlite:///{root}/catalog.db", f"file://{root}/warehouse"
    catalog = SqlCatalog("local", uri=uri, warehouse=warehouse)
    catalog.create_namespace("demo")
    first = vitals(FIRST)
    table = catalog.create_table("demo.vitals", schema=first.schema, properties={"format-version": "2"})
    with table.update_spec() as spec:
        spec.add_identity("ward")
    table.append(first)
    table.append(vitals(SECOND))
    with table.update_schema() as schema:
        schema.add_column("temperature", DoubleType(), doc="body temperature, Celsius")
    table = catalog.load_table("demo.vitals")
    table.append(vitals(THIRD))
    table.delete(EqualTo("patient_id", 2))
    table = catalog.load_table("demo.vitals")
    print(f"pyiceberg wrote demo.vitals: {table.metadata_location}", file=sys.stderr)
    return {"catalog": "sql", "uri": uri, "warehouse": warehouse,
            "tables": {"demo.vitals": table.metadata_location}}


ICEBERG_EXTENSIONS = "org.apache.iceberg.spark.extensions.IcebergSparkSessionExtensions"


def spark_session(jars, warehouse, derby_home, settings):
    """A local Spark on one core and the loopback, with `jars` and `settings` (extensions and
    catalogs); its own tables go under `warehouse`, its Derby files under `derby_home`."""
    from pyspark.sql import SparkSession

    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    builder = (SparkSession.builder.master("local[1]").appName("vitals_tables")
               .config("spark.jars", ",".join(jars))
               .config("spark.sql.warehouse.dir", f"file://{warehouse}")
               .config("spark.driver.bindAddress", "127.0.0.1").config("spark.driver.host", "127.0.0.1")
               .config("spark.ui.enabled", "false").config("spark.ui.showConsoleProgress", "false")
               .config("spark.sql.shuffle.partitions", "1")
               .config("spark.driver.extraJavaOptions", f"-Dderby.system.home={derby_home}"))
    for key, value in settings.items():
        builder = builder.config(key, value)
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    return spark


def spark_vitals(out, metastore):
    from pyiceberg.catalog.hive import HiveCatalog
    from pyiceberg.exceptions import NoSuchTableError

    runtime = os.environ.get("PEERS_ICEBERG_RUNTIME")
    if not runtime or not os.path.exists(runtime):
        sys.exit("vitals_tables: PEERS_ICEBERG_RUNTIME names no jar (source scripts/peers/env.sh after install.sh)")
    warehouse = os.path.join(out, "spark-warehouse")
    os.makedirs(warehouse, exist_ok=True)
    # A metastore reused from an earlier run may still list the tables; their files may be gone,
    # which Spark's DROP TABLE cannot cope with, so unregister them without touching files.
    for version in (2, 3):
        try:
            HiveCatalog("hms", uri=metastore).drop_table(f"demo.vitals_v{version}")
        except NoSuchTableError:
            pass
    spark = spark_session([runtime], f"{out}/spark-sql-warehouse", out, {
        "spark.sql.extensions": ICEBERG_EXTENSIONS,
        "spark.sql.catalog.hms": "org.apache.iceberg.spark.SparkCatalog",
        "spark.sql.catalog.hms.type": "hive",
        "spark.sql.catalog.hms.uri": metastore,
        "spark.sql.catalog.hms.warehouse": f"file://{warehouse}",
    })
    sql = spark.sql
    sql("CREATE NAMESPACE IF NOT EXISTS hms.demo")
    tables = {}
    for version in (2, 3):
        name = f"hms.demo.vitals_v{version}"
        sql(f"""CREATE TABLE {name} (patient_id BIGINT, ward STRING, ts TIMESTAMP, heart_rate INT, spo2 DOUBLE)
                USING iceberg PARTITIONED BY (ward) LOCATION 'file://{warehouse}/demo.db/vitals_v{version}'
                TBLPROPERTIES ('format-version'='{version}', 'write.delete.mode'='merge-on-read',
                'write.update.mode'='merge-on-read', 'write.merge.mode'='merge-on-read')""")
        rows = lambda rs: ", ".join(f"({r[0]}, '{r[1]}', TIMESTAMP'2024-05-01 08:0{r[0]}:00', {r[2]}, {r[3]})"
                                    for r in rs)
        sql(f"INSERT INTO {name} VALUES {rows(FIRST)}")
        sql(f"INSERT INTO {name} VALUES {rows([(4, 'er', 64, 98.0), (5, 'icu', 101, 95.5)])}")
        sql(f"DELETE FROM {name} WHERE patient_id = 2")
        sql(f"UPDATE {name} SET heart_rate = 99 WHERE patient_id = 5")
        tables[f"demo.vitals_v{version}"] = sql(
            f"SELECT file FROM {name}.metadata_log_entries ORDER BY timestamp DESC LIMIT 1").first()[0]
        print(f"Spark wrote demo.vitals_v{version}: {tables[f'demo.vitals_v{version}']}", file=sys.stderr)
    spark.stop()
    return {"catalog": "hive", "uri": metastore, "warehouse": f"file://{warehouse}", "tables": tables}


def spark_deletes(out):
    """Spark's own merge-on-read deletes, in a warehouse junction serves as it is: Delta
    with deletion vectors and column mapping at OUT/lake/vitals_dv, and Iceberg v2 with a
    position delete and an equality delete at OUT/ice/vitals_eq (a Hadoop catalog whose
    warehouse is OUT). Prints what Spark reads from each."""
    jars = [os.environ.get(name, "") for name in
            ("PEERS_ICEBERG_RUNTIME", "PEERS_DELTA_SPARK", "PEERS_DELTA_STORAGE")]
    if not all(os.path.exists(jar) for jar in jars):
        sys.exit("vitals_tables: Spark's jars are missing (source scripts/peers/env.sh after install.sh)")
    out = os.path.abspath(out)
    os.makedirs(out, exist_ok=True)
    spark = spark_session(jars, f"{out}/.spark-warehouse", f"{out}/.spark-warehouse", {
        "spark.sql.extensions": f"io.delta.sql.DeltaSparkSessionExtension,{ICEBERG_EXTENSIONS}",
        "spark.sql.catalog.spark_catalog": "org.apache.spark.sql.delta.catalog.DeltaCatalog",
        "spark.sql.catalog.lake": "org.apache.iceberg.spark.SparkCatalog",
        "spark.sql.catalog.lake.type": "hadoop",
        "spark.sql.catalog.lake.warehouse": f"file://{out}",
    })
    sql = spark.sql
    rows = "(1, 'icu', 88), (2, 'icu', 120), (3, 'er', 75), (4, 'er', 64), (5, 'ward-a', 101)"

    delta = f"delta.`{out}/lake/vitals_dv`"
    sql(f"""CREATE TABLE {delta} (patient_id BIGINT, ward STRING, heart_rate INT) USING delta
            TBLPROPERTIES ('delta.enableDeletionVectors' = 'true', 'delta.columnMapping.mode' = 'name',
            'delta.minReaderVersion' = '3', 'delta.minWriterVersion' = '7')""")
    sql(f"INSERT INTO {delta} VALUES {rows}")
    sql(f"DELETE FROM {delta} WHERE patient_id = 2")
    # Under column mapping the files keep their physical names; the log maps `pulse` to them.
    sql(f"ALTER TABLE {delta} RENAME COLUMN heart_rate TO pulse")
    sql(f"UPDATE {delta} SET pulse = 99 WHERE patient_id = 5")

    iceberg = "lake.ice.vitals_eq"
    sql(f"""CREATE TABLE {iceberg} (patient_id INT, ward STRING, heart_rate INT) USING iceberg
            TBLPROPERTIES ('format-version' = '2', 'write.delete.mode' = 'merge-on-read')""")
    sql(f"INSERT INTO {iceberg} VALUES {rows}")
    sql(f"DELETE FROM {iceberg} WHERE patient_id = 2")
    equality_delete(spark, iceberg, "patient_id", 3)

    def read(table, column):
        return [list(r) for r in sql(f"SELECT patient_id, ward, {column} FROM {table} ORDER BY 1").collect()]

    written = {
        "delta": {"rows": read(delta, "pulse"),
                  "deletion_vectors": len([f for f in os.listdir(f"{out}/lake/vitals_dv")
                                           if f.startswith("deletion_vector_")])},
        "iceberg": {"rows": read(iceberg, "heart_rate"),
                    "delete_contents": sorted(r[0] for r in sql(f"SELECT content FROM {iceberg}.delete_files").collect())},
    }
    spark.stop()
    print(json.dumps(written))


def equality_delete(spark, table_name, column, value):
    """Commits an equality delete of `column = value`, as Flink's upserts write them: Spark's
    SQL writes position deletes only, so through Iceberg's Java API in Spark's JVM."""
    jvm = spark._jvm
    table = jvm.org.apache.iceberg.spark.Spark3Util.loadIcebergTable(spark._jsparkSession, table_name)
    schema = table.schema()
    ids = spark.sparkContext._gateway.new_array(jvm.int, 1)
    ids[0] = schema.findField(column).fieldId()
    columns = jvm.java.util.ArrayList()
    columns.add(column)
    deleted = schema.select(columns)
    parquet = jvm.org.apache.iceberg.FileFormat.PARQUET
    factory = jvm.org.apache.iceberg.data.GenericAppenderFactory(schema, table.spec(), ids, deleted, None)
    files = jvm.org.apache.iceberg.io.OutputFileFactory.builderFor(table, 1, 1).format(parquet).build()
    writer = factory.newEqDeleteWriter(files.newOutputFile(), parquet, None)
    record = jvm.org.apache.iceberg.data.GenericRecord.create(deleted)
    record.setField(column, value)
    writer.write(record)
    writer.close()
    table.newRowDelta().addDeletes(writer.toDeleteFile()).commit()
    spark.sql(f"REFRESH TABLE {table_name}")


def iceberg(out, metastore):
    out = os.path.abspath(out)
    os.makedirs(out, exist_ok=True)
    written = {"pyiceberg": pyiceberg_vitals(out)}
    if metastore:
        written["spark_hms"] = spark_vitals(out, metastore)
    with open(os.path.join(out, "iceberg-tables.json"), "w") as f:
        json.dump(written, f, indent=2)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    writers = parser.add_subparsers(dest="writer", required=True)
    writers.add_parser("delta").add_argument("target")
    ice = writers.add_parser("iceberg")
    ice.add_argument("out")
    ice.add_argument("--spark-hms", metavar="URI")
    writers.add_parser("spark-deletes").add_argument("out")
    args = parser.parse_args()
    if args.writer == "delta":
        delta(args.target)
    elif args.writer == "iceberg":
        iceberg(args.out, args.spark_hms)
    else:
        spark_deletes(args.out)


if __name__ == "__main__":
    main()
