# asyncpg 0.32.0: the statements it sent to PostgreSQL 15.18, captured with
# log_statement = 'all' by conformance/scripts/capture_tool_sql.py and replayed on
# every engine by conformance/clients/test_tool_statements.py (format:
# conformance/scripts/tool_corpus.py).

-- action: fetch with a parameter
-- params: ["4"]
-- expect: same
select * from silver.patients where patient_id = $1

-- action: a list parameter (= any($1::text[]))
-- params: ["{ICU,ER}"]
-- expect: same
select * from silver.devices where ward = any($1::text[])

-- action: prepare and fetch twice
-- params: ["1"]
-- expect: same
select count(*) from silver.vitals where patient_id = $1

-- action: prepare and fetch twice
-- params: ["2"]
-- expect: same
select count(*) from silver.vitals where patient_id = $1
