//! Each rule's rewrite, as snapshots: PostgreSQL's SQL in, each engine's SQL out. The
//! columns of `silver.vitals` are known to the rules through a [`TableTypes`] oracle, as the
//! router fills it from the catalogs.

use junction_transpiler::{parse, render, Dialect, SqlType, TableTypes};

fn vitals() -> TableTypes {
    let mut types = TableTypes::default();
    types.insert(
        vec!["silver".into(), "vitals".into()],
        vec![
            ("reading_id".into(), SqlType::Int8),
            ("heart_rate".into(), SqlType::Int4),
            ("spo2".into(), SqlType::Float8),
            ("recorded_at".into(), SqlType::Timestamp),
            ("day".into(), SqlType::Date),
            ("quality".into(), SqlType::Text),
        ],
    );
    types
}

/// Renders every case and fails listing each rendering that differs from its snapshot.
fn check(dialect: Dialect, cases: &[(&str, &str)]) {
    let types = vitals();
    let mut differences = Vec::new();
    for (input, expected) in cases {
        let statement = parse(input).expect(input).remove(0);
        let rendered = render(&statement, dialect, &types).expect(input);
        if &rendered != expected {
            differences.push(format!(
                "{dialect}: {input}\n  rendered: {rendered}\n  snapshot: {expected}"
            ));
        }
    }
    assert!(differences.is_empty(), "{}", differences.join("\n"));
}

/// DataFusion joins a scalar subquery in without checking that it has one row: each that may
/// have none or several gives its one value through junction_scalar_subquery (NULL for none,
/// 21000 for several); an ungrouped aggregate has exactly one and stays.
#[test]
fn scalar_subqueries_yield_one_value_on_datafusion() {
    check(
        Dialect::DataFusion,
        &[
            (
                "SELECT (SELECT quality FROM silver.vitals w WHERE w.reading_id = v.reading_id \
                 ORDER BY 1) FROM silver.vitals v",
                "SELECT (SELECT junction_scalar_subquery(quality) FROM silver.vitals w \
                 WHERE w.reading_id = v.reading_id) FROM silver.vitals v",
            ),
            (
                "SELECT (SELECT DISTINCT quality FROM silver.vitals)",
                "SELECT (SELECT junction_scalar_subquery(junction_subquery.v) \
                 FROM (SELECT DISTINCT quality FROM silver.vitals) AS junction_subquery (v))",
            ),
            (
                "SELECT (SELECT 1 WHERE false)",
                "SELECT (SELECT junction_scalar_subquery(CAST(1 AS INTEGER)) WHERE false)",
            ),
            (
                "SELECT (SELECT count(*) FROM silver.vitals)",
                "SELECT (SELECT count(*) FROM silver.vitals)",
            ),
        ],
    );
}

#[test]
fn result_types_follow_postgresql_on_both_engines() {
    for dialect in [Dialect::DataFusion, Dialect::DuckDb] {
        check(
            dialect,
            &[
                (
                    "SELECT sum(heart_rate), sum(reading_id), avg(spo2) FROM silver.vitals",
                    "SELECT CAST(sum(heart_rate) AS BIGINT), sum(CAST(reading_id AS DECIMAL(38,0))), \
                     avg(spo2) FROM silver.vitals",
                ),
                (
                    "SELECT extract(epoch FROM day), date_trunc('month', day), \
                     percentile_cont(0.5) WITHIN GROUP (ORDER BY heart_rate) FROM silver.vitals",
                    "SELECT CAST(EXTRACT(EPOCH FROM day) AS DECIMAL(20,0)), \
                     CAST(date_trunc('month', day) AS TIMESTAMP WITH TIME ZONE), \
                     CAST(percentile_cont(0.5) WITHIN GROUP (ORDER BY heart_rate) AS DOUBLE PRECISION) \
                     FROM silver.vitals",
                ),
                (
                    // Unconstrained numeric keeps an exact number's digits.
                    "SELECT heart_rate::numeric, reading_id::numeric FROM silver.vitals",
                    "SELECT heart_rate::DECIMAL(20,0), reading_id::DECIMAL(20,0) FROM silver.vitals",
                ),
                (
                    "SELECT day - day, extract(hour FROM recorded_at), date_part('dow', day) FROM silver.vitals",
                    "SELECT CAST(day - day AS INTEGER), CAST(EXTRACT(HOUR FROM recorded_at) AS DECIMAL(20,0)), \
                     CAST(date_part('dow', day) AS DOUBLE PRECISION) FROM silver.vitals",
                ),
                (
                    "SELECT extract(second FROM recorded_at) FROM silver.vitals",
                    "SELECT CAST(CAST(EXTRACT(MICROSECOND FROM recorded_at) AS DECIMAL(38,0)) / 1000000 \
                     AS DECIMAL(26,6)) FROM silver.vitals",
                ),
                (
                    "SELECT round(spo2), stddev(heart_rate), every(heart_rate > 0) FROM silver.vitals",
                    "SELECT CASE WHEN abs(spo2 - trunc(spo2)) = 0.5 THEN 2 * round(spo2 / 2) ELSE round(spo2) END, \
                     CAST(stddev(heart_rate) AS DECIMAL(38,16)), bool_and(heart_rate > 0) FROM silver.vitals",
                ),
            ],
        );
    }
}

#[test]
fn datafusion_rules() {
    check(
        Dialect::DataFusion,
        &[
            (
                // DataFusion writes a sign into an interval literal's text (`-1 day 2 hours`);
                // in parentheses it negates every field.
                "SELECT -interval '1 day 2 hours'",
                "SELECT -(INTERVAL '1 day 2 hours')",
            ),
            (
                // pg_typeof is told the types DataFusion's own would misname: an untyped
                // literal, an int4 constant (Int64 to DataFusion), a cast to varchar or jsonb.
                "SELECT pg_typeof('x'), pg_typeof(7), pg_typeof(-7), pg_typeof(quality::varchar(3)), \
                 pg_typeof('{}'::jsonb), pg_typeof(heart_rate) FROM silver.vitals",
                "SELECT pg_typeof('x', 'unknown'), pg_typeof(7, 'integer'), \
                 pg_typeof(-7, 'integer'), pg_typeof(left(CAST(quality AS VARCHAR), 3)::VARCHAR(3), 'character varying'), \
                 pg_typeof(junction_jsonb('{}'), 'jsonb'), pg_typeof(heart_rate) FROM silver.vitals",
            ),
            (
                // to_char of a number is junction's own function, given the number's text
                // and its kind.
                "SELECT to_char(heart_rate, 'FM999th'), to_char(heart_rate / 2.0, '99.9') FROM silver.vitals",
                "SELECT junction_to_char_number(CAST(heart_rate AS VARCHAR), 'i', 'FM999th'), \
                 junction_to_char_number(CAST(heart_rate / 2.0 AS VARCHAR), 'n', '99.9') FROM silver.vitals",
            ),
            (
                // A LIKE pattern known only at run time is rewritten to the backslash then.
                "SELECT 1 FROM silver.vitals WHERE quality NOT LIKE $1 || '%' ESCAPE '/'",
                "SELECT CAST(1 AS INTEGER) FROM silver.vitals \
                 WHERE quality NOT LIKE junction_like_escape($1 || '%', '/')",
            ),
            (
                // information_schema.columns numbered from 1, with SQL type names.
                "SELECT c.column_name FROM information_schema.columns AS c WHERE c.ordinal_position = 1",
                "SELECT c.column_name FROM (SELECT table_catalog, table_schema, table_name, \
                 column_name, CAST(ordinal_position + 1 AS INT) AS ordinal_position, \
                 column_default, is_nullable, junction_sql_type_name(data_type) AS data_type, \
                 character_maximum_length, character_octet_length, numeric_precision, \
                 numeric_precision_radix, numeric_scale, datetime_precision, interval_type \
                 FROM information_schema.columns WHERE table_catalog = current_database()) AS c \
                 WHERE c.ordinal_position = 1",
            ),
            (
                // information_schema.tables: this database's, without DataFusion's df_settings.
                "SELECT table_name FROM information_schema.tables",
                "SELECT table_name FROM (SELECT table_catalog, table_schema, table_name, \
                 table_type FROM information_schema.tables \
                 WHERE table_catalog = current_database() \
                 AND NOT (table_schema = 'information_schema' AND table_name = 'df_settings')) \
                 AS tables",
            ),
            (
                // An exact average is junction's exact quotient of sum and count.
                "SELECT avg(heart_rate) FILTER (WHERE heart_rate > 100) FROM silver.vitals",
                "SELECT pg_numeric_divide(sum(heart_rate) FILTER (WHERE (heart_rate > 100) IS TRUE), \
                 count(heart_rate) FILTER (WHERE (heart_rate > 100) IS TRUE)) FROM silver.vitals",
            ),
            (
                "SELECT heart_rate / 7, -7 % 2, 1, coalesce(heart_rate, 0) FROM silver.vitals LIMIT 3",
                "SELECT heart_rate / CAST(7 AS INTEGER), CAST(-7 AS INTEGER) % CAST(2 AS INTEGER), \
                 CAST(1 AS INTEGER), coalesce(heart_rate, CAST(0 AS INTEGER)) FROM silver.vitals LIMIT 3",
            ),
            (
                "SELECT spo2::int, 2.5::int FROM silver.vitals",
                "SELECT CASE WHEN abs(spo2 - trunc(spo2)) = 0.5 THEN 2 * round(spo2 / 2) ELSE round(spo2) END::INT, \
                 round(2.5)::INT FROM silver.vitals",
            ),
            (
                "SELECT recorded_at::text, day + interval '1 day' FROM silver.vitals \
                 WHERE recorded_at > '2026-01-01 10:00'",
                "SELECT junction_timestamp_text(recorded_at), CAST(day AS TIMESTAMP(6)) + INTERVAL '1 day' \
                 FROM silver.vitals WHERE recorded_at > '2026-01-01 10:00:00'",
            ),
            (
                "SELECT 2 ^ 10, mod(7, 3), variance(spo2), trunc(2.7) FROM silver.vitals",
                "SELECT power(2, 10), (CAST(7 AS INTEGER) % CAST(3 AS INTEGER)), var_samp(spo2), \
                 pg_numeric_trunc(2.7) FROM silver.vitals",
            ),
            (
                "SELECT j ->> 'a', j -> 0, j #>> '{a,b,1}', CAST(t AS jsonb) FROM t",
                "SELECT json_as_text(j, 'a'), junction_json(json_get_json(j, 0)), \
                 json_as_text(j, 'a', 'b', 1), junction_jsonb(t) FROM t",
            ),
            (
                "SELECT * FROM t WHERE a LIKE '10!%' ESCAPE '!'",
                "SELECT * FROM t WHERE a LIKE '10\\%'",
            ),
            (
                "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) SELECT n FROM r",
                "WITH RECURSIVE r AS (SELECT CAST(1 AS INTEGER) AS n UNION ALL \
                 SELECT n + CAST(1 AS INTEGER) FROM r) SELECT n FROM r",
            ),
            (
                "SELECT to_char(ts, 'FMMonth FMDD, YYYY'), to_char(ts, 'HH12:MI AM US') FROM t",
                "SELECT to_char(ts, '%B %-d, %Y'), to_char(ts, '%I:%M %p %6f') FROM t",
            ),
            (
                "SELECT a SIMILAR TO '(x|y)%', format('%s-%s', a, b), '\\x0102'::bytea FROM t",
                "SELECT a ~ '^(?:(x|y).*)$', concat(CAST(a AS TEXT), '-', CAST(b AS TEXT)), decode('0102', 'hex') FROM t",
            ),
            (
                "SELECT g FROM generate_series(1, 2) AS g, unnest(ARRAY[1]) AS x",
                "SELECT g FROM (SELECT CAST(g AS INTEGER) AS g FROM generate_series(1, 2) AS g (g)) AS g, \
                 UNNEST(ARRAY[CAST(1 AS INTEGER)]) AS x (x)",
            ),
        ],
    );
}

#[test]
fn duckdb_rules() {
    check(
        Dialect::DuckDb,
        &[
            (
                // An integer constant beside a smallint is int4, as in PostgreSQL.
                "SELECT 2 * 32767::int2",
                "SELECT CAST(2 AS INTEGER) * 32767::INT2",
            ),
            (
                // DuckDB types `x || <NULL it folds>` as its NULL type (int4 on the wire).
                "SELECT quality || substr(CAST(NULL AS text), 2, 4) FROM silver.vitals",
                "SELECT CAST(quality || SUBSTR(CAST(NULL AS TEXT), 2, 4) AS VARCHAR) FROM silver.vitals",
            ),
            (
                // An aggregate's argument is evaluated where its FILTER holds only.
                "SELECT sum(100 / heart_rate) FILTER (WHERE heart_rate > 0), count(quality) FILTER (WHERE heart_rate > 0) FROM silver.vitals",
                "SELECT CAST(sum(CASE WHEN heart_rate > 0 THEN 100 / junction_divisor(heart_rate, 100) END) FILTER (WHERE heart_rate > 0) AS BIGINT), \
                 count(quality) FILTER (WHERE heart_rate > 0) FROM silver.vitals",
            ),
            (
                // json_build_object's arguments as tagged text: a NULL argument would make
                // DuckDB answer NULL for the whole call.
                "SELECT json_build_object('q', quality, 'hr', heart_rate, 'none', NULL) FROM silver.vitals",
                "SELECT CAST(junction_json_build_object(coalesce('k' || CAST('q' AS VARCHAR), 'n'), \
                 coalesce('s' || CAST(quality AS VARCHAR), 'n'), coalesce('k' || CAST('hr' AS VARCHAR), 'n'), \
                 coalesce('v' || CAST(heart_rate AS VARCHAR), 'n'), coalesce('k' || CAST('none' AS VARCHAR), 'n'), \
                 coalesce('v' || CAST(NULL AS VARCHAR), 'n')) AS JSON) FROM silver.vitals",
            ),
            (
                // Derived tables and CTEs type their columns from their select lists.
                "WITH h(n) AS (SELECT heart_rate FROM silver.vitals) \
                 SELECT sum(n), avg(d.r) FROM h, (SELECT reading_id AS r FROM silver.vitals) AS d",
                "WITH h (n) AS (SELECT heart_rate FROM silver.vitals) \
                 SELECT CAST(sum(n) AS BIGINT), junction_numeric_divide(CAST(sum(CAST(d.r AS DECIMAL(38,0))) AS VARCHAR), CAST(count(d.r) AS VARCHAR)) \
                 FROM h, (SELECT reading_id AS r FROM silver.vitals) AS d",
            ),
            (
                "SELECT quality || NULL FROM silver.vitals",
                "SELECT CAST(quality || CAST(NULL AS VARCHAR) AS VARCHAR) FROM silver.vitals",
            ),
            (
                "SELECT * FROM t WHERE a ~ 'x' AND b ~* 'y' AND c !~ 'z' AND e LIKE 'a\\_b'",
                "SELECT * FROM t WHERE regexp_matches(a, 'x') AND regexp_matches(b, 'y', 'i') \
                 AND NOT regexp_matches(c, 'z') AND e LIKE 'a\\_b' ESCAPE '\\'",
            ),
            (
                "SELECT btrim(a, 'x'), lpad(a, 5), to_hex(255), octet_length(a), cardinality(l), \
                 repeat(a, 3), rpad(a, 4, '') FROM t",
                "SELECT trim(a, 'x'), junction_lpad(a, 5, ' '), lower(to_hex(255)), \
                 CAST(strlen(a) AS INTEGER), CAST(len(l) AS INTEGER), junction_repeat(a, 3), \
                 junction_rpad(a, 4, '') FROM t",
            ),
            (
                "SELECT 123.4::numeric, CAST(j AS jsonb), substring(a FROM 0 FOR 3) FROM t",
                "SELECT 123.4, CAST(junction_jsonb(CAST(j AS VARCHAR)) AS JSON), \
                 SUBSTRING(a FROM greatest(0, 1) FOR greatest((0 + 3) - greatest(0, 1), 0)) FROM t",
            ),
            (
                "SELECT j #> '{a,1}', regexp_match(a, '(\\w+) (\\w+)'), 'it''''s' FROM t",
                "SELECT json_extract(j, '$.\"a\"[1]'), CASE WHEN regexp_matches(a, '(\\w+) (\\w+)') \
                 THEN [regexp_extract(a, '(\\w+) (\\w+)', 1), regexp_extract(a, '(\\w+) (\\w+)', 2)] END, \
                 ('it' || '''' || '''' || 's') FROM t",
            ),
            (
                "SELECT to_char(ts, 'Day, DD Mon YYYY'), to_date(s, 'DD/MM/YYYY') FROM t",
                "SELECT rpad(strftime(ts, '%A'), 9, ' ') || strftime(ts, ', %d %b %Y'), \
                 CAST(strptime(s, '%d/%m/%Y') AS DATE) FROM t",
            ),
            (
                "SELECT a NOT SIMILAR TO 'b%', '\\x0102'::bytea, generate_series(1, 3) FROM t",
                "SELECT NOT (regexp_full_match(a, '^(?:b.*)$')), from_hex('0102'), \
                 CAST(unnest(generate_series(1, 3)) AS INTEGER) FROM t",
            ),
        ],
    );
}

/// Intervals: DuckDB's greatest and least compare them field by field (its list_max and
/// list_min as PostgreSQL does), and both engines print them otherwise than PostgreSQL, so
/// an interval cast to text, concatenated or a VALUES column of intervals printed is
/// junction's text.
#[test]
fn intervals_compare_and_print_as_postgresql() {
    check(
        Dialect::DuckDb,
        &[
            (
                "SELECT greatest(recorded_at - recorded_at, interval '1 day'), least(heart_rate, 2) FROM silver.vitals",
                "SELECT list_max(ARRAY[recorded_at - recorded_at, INTERVAL '1 day']), least(heart_rate, 2) FROM silver.vitals",
            ),
            (
                "SELECT (recorded_at - recorded_at)::text, 'took ' || (recorded_at - recorded_at), x::text FROM silver.vitals, (VALUES (interval '1 mon'), (NULL)) AS v (x)",
                "SELECT junction_interval_text(CAST((recorded_at - recorded_at) AS VARCHAR)), \
                 'took ' || junction_interval_text(CAST((recorded_at - recorded_at) AS VARCHAR)), \
                 junction_interval_text(CAST(x AS VARCHAR)) \
                 FROM silver.vitals, (VALUES (INTERVAL '1 mon'), (NULL)) AS v (x)",
            ),
        ],
    );
    check(
        Dialect::DataFusion,
        &[(
            "SELECT (recorded_at - recorded_at)::text, concat('took ', recorded_at - recorded_at) FROM silver.vitals",
            "SELECT junction_interval_text((recorded_at - recorded_at)), \
             concat('took ', junction_interval_text(recorded_at - recorded_at)) FROM silver.vitals",
        )],
    );
}

/// Arrays print as PostgreSQL prints them (`{1,2}`, where the engines print `[1, 2]`). On
/// DuckDB the transpiler calls junction's printer with the elements' DuckDB text and the
/// array's type; on DataFusion an analyzer rule prints every array cast to text, so the SQL
/// is left as it is.
#[test]
fn arrays_print_as_postgresql() {
    check(
        Dialect::DuckDb,
        &[(
            "SELECT ARRAY[heart_rate]::text, concat('ids: ', array_agg(reading_id)) FROM silver.vitals",
            "SELECT junction_array_text(CAST(ARRAY[heart_rate] AS VARCHAR[]), typeof(ARRAY[heart_rate])), \
             concat('ids: ', junction_array_text(CAST(array_agg(reading_id) AS VARCHAR[]), typeof(array_agg(reading_id)))) \
             FROM silver.vitals",
        )],
    );
    check(
        Dialect::DataFusion,
        &[(
            "SELECT ARRAY[heart_rate]::text FROM silver.vitals",
            "SELECT ARRAY[heart_rate]::TEXT FROM silver.vitals",
        )],
    );
}

/// The JSON aggregates DataFusion lacks: array_agg, with the call's DISTINCT, ORDER BY and
/// FILTER, under junction's writer of PostgreSQL's layout.
#[test]
fn json_aggregates_gather_with_array_agg_on_datafusion() {
    check(
        Dialect::DataFusion,
        &[
            (
                "SELECT json_agg(quality ORDER BY reading_id) FILTER (WHERE heart_rate > 100) FROM silver.vitals",
                "SELECT junction_json_agg(array_agg(quality ORDER BY reading_id) \
                 FILTER (WHERE (heart_rate > 100) IS TRUE)) FROM silver.vitals",
            ),
            (
                "SELECT jsonb_object_agg(quality, heart_rate ORDER BY reading_id), json_agg(DISTINCT quality) FROM silver.vitals",
                "SELECT junction_jsonb_object_agg(array_agg(named_struct('key', quality, 'value', heart_rate) \
                 ORDER BY reading_id)), junction_json_agg(array_agg(DISTINCT quality ORDER BY quality NULLS LAST)) FROM silver.vitals",
            ),
        ],
    );
}

#[test]
fn constructs_an_engine_cannot_express_are_0a000() {
    let types = vitals();
    for (dialect, sql) in [
        (
            Dialect::Trino,
            "SELECT to_char(heart_rate, '999') FROM silver.vitals",
        ),
        (
            Dialect::DuckDb,
            "SELECT pg_typeof(heart_rate) FROM silver.vitals",
        ),
        (
            Dialect::DataFusion,
            "SELECT to_char(recorded_at, 'Q') FROM silver.vitals",
        ),
        (
            Dialect::Trino,
            "SELECT format('%I', quality) FROM silver.vitals",
        ),
        // DataFusion plans a derived table with outer references nowhere.
        (
            Dialect::DataFusion,
            "SELECT (SELECT w.quality FROM silver.vitals w WHERE w.reading_id = v.reading_id \
             ORDER BY 1 LIMIT 1) FROM silver.vitals v",
        ),
        (
            Dialect::DataFusion,
            "SELECT quality SIMILAR TO quality FROM silver.vitals",
        ),
        (
            Dialect::Trino,
            "SELECT DISTINCT ON (quality) quality FROM silver.vitals",
        ),
        (
            Dialect::Trino,
            "SELECT to_char(day, 'YYYY'), initcap(quality) FROM silver.vitals",
        ),
        (Dialect::Trino, "SELECT generate_series(1, 3)"),
        (
            Dialect::Trino,
            "SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY heart_rate) FROM silver.vitals",
        ),
        (
            Dialect::Trino,
            "SELECT regexp_replace(quality, 'o', 'a') FROM silver.vitals",
        ),
        (
            Dialect::Trino,
            "SELECT day + interval '1 month 2 days' FROM silver.vitals",
        ),
        (
            Dialect::Trino,
            "SELECT extract(second FROM recorded_at) FROM silver.vitals",
        ),
        (Dialect::Trino, "SELECT j -> 'a\"b' FROM t"),
        (Dialect::Trino, "SELECT x > ANY(ARRAY[1]) FROM t"),
        (Dialect::DuckDb, "SELECT j ?| ARRAY['a'] FROM t"),
        (Dialect::DuckDb, "SELECT j ?| ARRAY['a', 'b'] FROM t"),
        // DuckDB's json_each has other columns than PostgreSQL's.
        (Dialect::DuckDb, "SELECT * FROM json_each('{\"a\": 1}')"),
    ] {
        let statement = parse(sql).expect(sql).remove(0);
        let err = render(&statement, dialect, &types).expect_err(sql);
        assert_eq!(err.sqlstate(), "0A000", "{sql}: {err}");
        assert!(
            err.to_string().contains(&dialect.to_string()),
            "{sql}: {err}"
        );
    }
}

/// DuckDB's own table functions read the server's files and describe DuckDB: through
/// junction they are PostgreSQL's unknown functions, wherever they stand in a statement.
#[test]
fn duckdb_table_functions_of_its_own_do_not_exist() {
    let types = vitals();
    for (sql, message) in [
        (
            "SELECT * FROM read_csv('/etc/passwd')",
            "function read_csv(unknown) does not exist",
        ),
        (
            "SELECT count(*) FROM silver.vitals WHERE EXISTS (SELECT 1 FROM glob('/etc/*'))",
            "function glob(unknown) does not exist",
        ),
        (
            "WITH t AS (SELECT * FROM read_text('/etc/passwd')) SELECT * FROM t",
            "function read_text(unknown) does not exist",
        ),
        (
            "SELECT (SELECT count(*) FROM duckdb_settings()) FROM silver.vitals",
            "function duckdb_settings() does not exist",
        ),
        (
            "SELECT * FROM silver.vitals v, LATERAL parquet_metadata(v.quality)",
            "function parquet_metadata(text) does not exist",
        ),
        (
            "SELECT * FROM main.query_table('silver.vitals')",
            "function main.query_table(unknown) does not exist",
        ),
    ] {
        let statement = parse(sql).expect(sql).remove(0);
        let err = render(&statement, Dialect::DuckDb, &types).expect_err(sql);
        assert_eq!(err.sqlstate(), "42883", "{sql}: {err}");
        assert_eq!(err.to_string(), message, "{sql}");
    }
    check(
        Dialect::DuckDb,
        &[(
            "SELECT * FROM pg_catalog.generate_series(1, 2) AS g, unnest(ARRAY[1]) AS u",
            "SELECT * FROM (SELECT CAST(g AS INTEGER) AS g FROM pg_catalog.generate_series(1, 2) AS g (g)) AS g, UNNEST(ARRAY[1]) AS u (u)",
        )],
    );
}

#[test]
fn trino_rules() {
    check(
        Dialect::Trino,
        &[
            (
                "SELECT heart_rate::text, spo2::int, CAST(day AS timestamptz), 123.4::numeric, \
                 x::numeric(10,2), b::bytea, j::jsonb, t::text[] FROM silver.vitals",
                "SELECT CAST(heart_rate AS VARCHAR), CAST(CASE WHEN abs(spo2 - truncate(spo2)) = 0.5 \
                 THEN 2 * round(spo2 / 2) ELSE round(spo2) END AS INTEGER), \
                 CAST(day AS TIMESTAMP(6) WITH TIME ZONE), CAST(123.4 AS DECIMAL(38,10)), \
                 CAST(x AS DECIMAL(10,2)), CAST(b AS VARBINARY), CAST(j AS JSON), \
                 CAST(t AS Array(VARCHAR)) FROM silver.vitals",
            ),
            (
                // Trino's concat is NULL when any part is, and || takes varchar only.
                "SELECT quality || heart_rate || NULL, concat(quality, NULL, heart_rate, '-'), \
                 concat_ws('-', quality, heart_rate) FROM silver.vitals",
                "SELECT quality || CAST(heart_rate AS VARCHAR) || CAST(NULL AS VARCHAR), \
                 concat(coalesce(quality, ''), coalesce(CAST(NULL AS VARCHAR), ''), \
                 coalesce(CAST(heart_rate AS VARCHAR), ''), coalesce('-', '')), \
                 concat_ws('-', quality, CAST(heart_rate AS VARCHAR)) FROM silver.vitals",
            ),
            (
                "SELECT * FROM silver.vitals WHERE quality ILIKE 'O%' AND quality ~ '^o' \
                 AND quality !~* 'X' AND quality LIKE 'a\\_b' AND quality NOT LIKE 'x%'",
                "SELECT * FROM silver.vitals WHERE lower(quality) LIKE lower('O%') ESCAPE '\\' \
                 AND regexp_like(quality, '^o') AND NOT regexp_like(quality, ('(?i)' || 'X')) \
                 AND quality LIKE 'a\\_b' ESCAPE '\\' AND quality NOT LIKE 'x%'",
            ),
            (
                "SELECT day + 1, day - 2, day - day, day + interval '1 day', \
                 recorded_at - interval '2 hours 30 minutes', interval '1 year 2 months' FROM silver.vitals",
                "SELECT date_add('day', 1, day), date_add('day', -(2), day), \
                 CAST(date_diff('day', day, day) AS INTEGER), CAST(day AS TIMESTAMP(6)) + INTERVAL '1' DAY, \
                 recorded_at - (INTERVAL '2' HOUR + INTERVAL '30' MINUTE), \
                 (INTERVAL '1' YEAR + INTERVAL '2' MONTH) FROM silver.vitals",
            ),
            (
                "SELECT extract(dow FROM day), extract(isodow FROM recorded_at), \
                 extract(epoch FROM recorded_at), date_part('doy', day) FROM silver.vitals",
                "SELECT CAST((day_of_week(day) % 7) AS DECIMAL(38,0)), \
                 CAST(day_of_week(recorded_at) AS DECIMAL(38,0)), \
                 CAST(to_unixtime(CAST(recorded_at AS TIMESTAMP(6) WITH TIME ZONE)) AS DECIMAL(38,6)), \
                 CAST(day_of_year(day) AS DOUBLE) FROM silver.vitals",
            ),
            (
                "SELECT left(quality, 2), right(quality, 3), lpad(quality, 5), md5(quality), \
                 btrim(quality), octet_length(quality), length(quality) FROM silver.vitals",
                "SELECT substr(quality, 1, 2), substr(quality, greatest(length(quality) - 3 + 1, 1)), \
                 lpad(quality, 5, ' '), lower(to_hex(md5(to_utf8(quality)))), trim(quality), \
                 CAST(length(to_utf8(quality)) AS INTEGER), CAST(length(quality) AS INTEGER) \
                 FROM silver.vitals",
            ),
            (
                "SELECT regexp_replace(quality, 'o(k)', '\\1!', 'g'), \
                 string_agg(quality, ',' ORDER BY heart_rate DESC), string_agg(DISTINCT quality, ';') \
                 FROM silver.vitals",
                "SELECT regexp_replace(quality, 'o(k)', '$1!'), \
                 listagg(quality, ',') WITHIN GROUP (ORDER BY heart_rate DESC NULLS FIRST), \
                 listagg(DISTINCT quality, ';') WITHIN GROUP (ORDER BY quality) FROM silver.vitals",
            ),
            (
                "SELECT quality, count(*) FROM silver.vitals GROUP BY ROLLUP (quality) \
                 ORDER BY 2 DESC, 1 LIMIT 5 OFFSET 2",
                "SELECT quality, count(*) FROM silver.vitals GROUP BY ROLLUP (quality) \
                 ORDER BY 2 DESC NULLS FIRST, 1 OFFSET 2 ROWS FETCH FIRST 5 ROWS ONLY",
            ),
            (
                "SELECT g FROM generate_series(1, 5) AS g",
                "SELECT g FROM (SELECT CAST(g AS INTEGER) AS g FROM UNNEST(sequence(1, 5)) AS g (g)) AS g",
            ),
            (
                "SELECT x FROM unnest(ARRAY[1, 2]) AS x WHERE x = ANY(ARRAY[1, 3]) AND x <> ALL(ARRAY[4])",
                "SELECT x FROM UNNEST(ARRAY[1, 2]) AS x (x) \
                 WHERE contains(ARRAY[1, 3], x) AND NOT contains(ARRAY[4], x)",
            ),
            (
                "SELECT (ARRAY[1,2,3])[2], array_length(ARRAY[1,2], 1), \
                 array_to_string(ARRAY['a'], ','), string_to_array('a,b', ',')",
                "SELECT element_at((ARRAY[1, 2, 3]), 2), CAST(nullif(cardinality(ARRAY[1, 2]), 0) AS INTEGER), \
                 array_join(ARRAY['a'], ','), split('a,b', ',')",
            ),
            (
                "SELECT j -> 'a', j ->> 'b', j #> '{a,0}' FROM t",
                "SELECT json_extract(j, '$[\"a\"]'), coalesce(json_extract_scalar(j, '$[\"b\"]'), \
                 nullif(json_format(json_extract(j, '$[\"b\"]')), 'null')), json_extract(j, '$[\"a\"][0]') FROM t",
            ),
            (
                "SELECT greatest(heart_rate, 5, NULL), least(1, 2) FROM silver.vitals",
                "SELECT array_max(filter(ARRAY[heart_rate, 5, NULL], junction_value -> junction_value IS NOT NULL)), \
                 least(1, 2) FROM silver.vitals",
            ),
            (
                "SELECT row_number() OVER (PARTITION BY quality ORDER BY recorded_at DESC), \
                 count(*) OVER (ORDER BY day RANGE BETWEEN interval '3 days' PRECEDING AND CURRENT ROW) \
                 FROM silver.vitals",
                "SELECT row_number() OVER (PARTITION BY quality ORDER BY recorded_at DESC NULLS FIRST), \
                 count(*) OVER (ORDER BY day RANGE BETWEEN INTERVAL '3' DAY PRECEDING AND CURRENT ROW) \
                 FROM silver.vitals",
            ),
            (
                "SELECT E'it\\'s', date_trunc('month', day), to_timestamp(0), quality SIMILAR TO 'o%', \
                 '\\x0102'::bytea, sum(reading_id) FROM silver.vitals",
                "SELECT 'it''s', CAST(date_trunc('month', day) AS TIMESTAMP(6) WITH TIME ZONE), \
                 from_unixtime(0), regexp_like(quality, '^(?:o.*)$'), from_hex('0102'), \
                 sum(CAST(reading_id AS DECIMAL(38,0))) FROM silver.vitals",
            ),
        ],
    );
}

/// `generate_series` over dates steps timestamptz values (timestamp beside a timestamp
/// bound), an untyped step is an interval, and a series under a cast or a function in a
/// select list is unnested where the series is.
#[test]
fn temporal_series_resolve_as_in_postgresql() {
    check(
        Dialect::DuckDb,
        &[
            (
                "SELECT g FROM generate_series(date '2026-01-01', date '2026-01-03', '1 day') AS g",
                "SELECT g FROM generate_series(CAST(DATE '2026-01-01' AS TIMESTAMP WITH TIME ZONE), \
                 CAST(DATE '2026-01-03' AS TIMESTAMP WITH TIME ZONE), INTERVAL '1 day') AS g (g)",
            ),
            (
                "SELECT generate_series(date '2026-01-01', timestamp '2026-01-02', '12 hours')::text",
                "SELECT unnest(generate_series(CAST(DATE '2026-01-01' AS TIMESTAMP), \
                 TIMESTAMP '2026-01-02', INTERVAL '12 hours'))::TEXT",
            ),
        ],
    );
    check(
        Dialect::DataFusion,
        &[(
            "SELECT g FROM generate_series(date '2026-01-01', date '2026-01-03', '1 day') AS g",
            "SELECT g FROM generate_series(CAST(DATE '2026-01-01' AS TIMESTAMP(9) WITH TIME ZONE), \
             CAST(DATE '2026-01-03' AS TIMESTAMP(9) WITH TIME ZONE), INTERVAL '1 day') AS g (g)",
        )],
    );
}

/// An array's bounds start at 1 on both engines; DuckDB measures an inner dimension through
/// the first element, DataFusion prints array_dims as PostgreSQL's text. encode and decode
/// are junction's on DuckDB, which has neither.
#[test]
fn array_bounds_and_bytea_formats() {
    check(
        Dialect::DuckDb,
        &[
            (
                "SELECT array_upper(a, 2), array_lower(a, 1) FROM t",
                "SELECT CAST(nullif(array_length((a)[1], 1), 0) AS INTEGER), \
                 CAST(CASE WHEN array_length(a, 1) > 0 THEN 1 END AS INTEGER) FROM t",
            ),
            (
                "SELECT encode(decode(x, 'base64'), 'hex') FROM t",
                "SELECT junction_encode(junction_decode(x, 'base64'), 'hex') FROM t",
            ),
        ],
    );
    check(
        Dialect::DataFusion,
        &[(
            "SELECT array_dims(a) FROM t",
            "SELECT CASE WHEN cardinality(a) > 0 THEN '[1:' || \
             array_to_string(array_dims(a), '][1:') || ']' END FROM t",
        )],
    );
}

/// A string constant beside a timestamp is an interval in `+` and a timestamp in `-`;
/// `substring(x FROM 'pattern')` is the first element of `regexp_match`.
#[test]
fn untyped_constants_and_pattern_substrings() {
    check(
        Dialect::DuckDb,
        &[(
            "SELECT recorded_at + '90 minutes', recorded_at - '2025-12-31', substring(quality from 'o.') FROM silver.vitals",
            "SELECT recorded_at + INTERVAL '90 minutes', recorded_at - CAST('2025-12-31' AS TIMESTAMP), \
             CAST((CASE WHEN regexp_matches(quality, 'o.') THEN [regexp_extract(quality, 'o.', 0)] END)[1] AS TEXT) FROM silver.vitals",
        )],
    );
    check(
        Dialect::DataFusion,
        &[(
            "SELECT recorded_at + '90 minutes', substring(quality from 'o.') FROM silver.vitals",
            "SELECT recorded_at + INTERVAL '90 minutes', CAST((regexp_match(quality, 'o.'))[1] AS TEXT) FROM silver.vitals",
        )],
    );
}

/// Operators and functions an engine lacks, written as what they mean.
#[test]
fn equivalents_of_missing_operators_and_functions() {
    check(
        Dialect::DataFusion,
        &[(
            "SELECT |/ spo2, ~heart_rate, num_nulls(spo2, quality) FROM silver.vitals",
            "SELECT sqrt(spo2), (CAST(heart_rate AS INTEGER) # CAST(-1 AS INTEGER)), \
             CAST(CASE WHEN spo2 IS NULL THEN 1 ELSE 0 END + CASE WHEN quality IS NULL THEN 1 ELSE 0 END AS INTEGER) \
             FROM silver.vitals",
        )],
    );
    check(
        Dialect::DuckDb,
        &[(
            "SELECT heart_rate # 3, date_trunc('day', recorded_at, 'UTC') FROM silver.vitals",
            "SELECT xor(heart_rate, 3), (date_trunc('day', recorded_at AT TIME ZONE 'UTC')) AT TIME ZONE 'UTC' \
             FROM silver.vitals",
        )],
    );
}

/// Positions inside ROLLUP, CUBE and GROUPING SETS are the select list's expressions on
/// DataFusion, which resolves positions only as whole GROUP BY items.
#[test]
fn grouping_set_positions_name_select_list_expressions() {
    check(
        Dialect::DataFusion,
        &[(
            "SELECT day, quality, count(*) FROM silver.vitals GROUP BY ROLLUP (1, 2)",
            "SELECT day, quality, count(*) FROM silver.vitals GROUP BY ROLLUP (day, quality)",
        )],
    );
}

/// An interval's `+` signs are dropped (PostgreSQL prints them, the engines refuse them);
/// string_to_array of an empty string is an empty slice of the split.
#[test]
fn interval_signs_and_empty_splits() {
    check(
        Dialect::DuckDb,
        &[(
            "SELECT interval '-1 days +02:00:00', string_to_array(quality, ',') FROM silver.vitals",
            "SELECT INTERVAL '-1 days 02:00:00', CASE WHEN quality = '' THEN \
             (string_to_array(quality, ','))[1:0] ELSE string_to_array(quality, ',') END FROM silver.vitals",
        )],
    );
}
