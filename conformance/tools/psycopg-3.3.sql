# psycopg 3.3.9: the statements it sent to PostgreSQL 15.18, captured with
# log_statement = 'all' by conformance/scripts/capture_tool_sql.py and replayed on
# every engine by conformance/clients/test_tool_statements.py (format:
# conformance/scripts/tool_corpus.py).

-- action: execute with parameters
-- params: ["4", "80"]
-- expect: same
select * from silver.vitals where patient_id = $1 and heart_rate > $2

-- action: named (server-side) cursor
-- expect: same
BEGIN

-- action: named (server-side) cursor
-- expect: same
DECLARE "vitals" CURSOR FOR select * from silver.vitals

-- action: named (server-side) cursor
-- expect: columns: a cursor over a query without ORDER BY: which rows come first is each engine's
FETCH FORWARD 100 FROM "vitals"

-- action: named (server-side) cursor
-- expect: same
CLOSE "vitals"

-- action: named (server-side) cursor
-- expect: same
COMMIT

-- action: TypeInfo.fetch(conn, 'text')
-- params: ["text"]
-- expect: same
SELECT
    typname AS name, oid, typarray AS array_oid,
    oid::regtype::text AS regtype, typdelim AS delimiter
FROM pg_type t
WHERE t.oid = to_regtype($1)
ORDER BY t.oid

-- action: a list parameter
-- params: ["{ICU,ER}"]
-- expect: same
select * from silver.devices where ward = any($1)
