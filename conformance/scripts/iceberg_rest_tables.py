"""Writes the Iceberg tables the REST catalog tests read, through the Iceberg REST server at
the URI given (pyiceberg, the reference writer): `clinic.vitals` in two appends, and an empty
`clinic.empty`. Prints nothing; fails loudly."""

import sys

import pyarrow as pa
from pyiceberg.catalog.rest import RestCatalog

uri = sys.argv[1]
catalog = RestCatalog("rest", uri=uri)
catalog.create_namespace("clinic")
schema = pa.schema(
    [
        pa.field("patient_id", pa.int32()),
        pa.field("ward", pa.string()),
        pa.field("heart_rate", pa.int32()),
    ]
)
vitals = catalog.create_table("clinic.vitals", schema=schema)
vitals.append(
    pa.table(
        {"patient_id": [1, 2, 3], "ward": ["ICU", "ER", "ICU"], "heart_rate": [80, 95, None]},
        schema=schema,
    )
)
vitals.append(pa.table({"patient_id": [4], "ward": ["ER"], "heart_rate": [70]}, schema=schema))
catalog.create_table("clinic.empty", schema=schema)
