"""hive_text_spark.py OUT thrift://HOST:PORT TABLE...

Reads the Hive text tables hms_tables.py registered (database `clinic`) as Hive reads them:
Spark 3.5 with Hive support scans a metastore table stored as text through the table's own
SerDe (LazySimpleSerDe, OpenCSVSerde from the Hive 2.3 jars), so its rows are the reference
for junction's reading of those files. Prints {TABLE: [[value or null, ...], ...]} as JSON,
every value as text; a table Spark fails to read maps to {"error": message}.

Spark runs local[1]; it takes 15-40 s.
"""

import json
import os
import sys

from pyspark.sql import SparkSession

out = os.path.abspath(sys.argv[1])
uri = sys.argv[2]
tables = sys.argv[3:]

os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
spark = (SparkSession.builder.master("local[1]").appName("hive-text-reference")
         .config("spark.hadoop.hive.metastore.uris", uri)
         .config("spark.sql.warehouse.dir", f"file://{out}/spark-sql-warehouse")
         .config("spark.driver.bindAddress", "127.0.0.1").config("spark.driver.host", "127.0.0.1")
         .config("spark.ui.enabled", "false").config("spark.ui.showConsoleProgress", "false")
         .config("spark.sql.shuffle.partitions", "1")
         .enableHiveSupport()
         .getOrCreate())
spark.sparkContext.setLogLevel("ERROR")

result = {}
for name in tables:
    try:
        rows = spark.sql(f"SELECT * FROM clinic.{name}").collect()
        result[name] = [[None if v is None else str(v) for v in row] for row in rows]
    except Exception as e:  # the reference's own refusal is part of what it says
        result[name] = {"error": str(e).splitlines()[0]}
spark.stop()
print(json.dumps(result))
