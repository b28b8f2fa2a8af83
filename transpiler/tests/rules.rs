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

fn check(dialect: Dialect, cases: &[(&str, &str)]) {
    let types = vitals();
    for (input, expected) in cases {
        let statement = parse(input).expect(input).remove(0);
        let rendered = render(&statement, dialect, &types).expect(input);
        assert_eq!(&rendered, expected, "{dialect}: {input}");
    }
}

#[test]
fn result_types_follow_postgresql_on_both_engines() {
    for dialect in [Dialect::DataFusion, Dialect::DuckDb] {
        check(
            dialect,
            &[
                (
                    "SELECT sum(heart_rate), sum(reading_id), avg(heart_rate), avg(spo2) FROM silver.vitals",
                    "SELECT CAST(sum(heart_rate) AS BIGINT), sum(CAST(reading_id AS DECIMAL(38,0))), \
                     CAST(avg(CAST(heart_rate AS DECIMAL(38,16))) AS DECIMAL(38,16)), avg(spo2) FROM silver.vitals",
                ),
                (
                    "SELECT extract(epoch FROM day), date_trunc('month', day), \
                     percentile_cont(0.5) WITHIN GROUP (ORDER BY heart_rate) FROM silver.vitals",
                    "SELECT CAST(EXTRACT(EPOCH FROM day) AS DECIMAL(38,0)), \
                     CAST(date_trunc('month', day) AS TIMESTAMP WITH TIME ZONE), \
                     CAST(percentile_cont(0.5) WITHIN GROUP (ORDER BY heart_rate) AS DOUBLE PRECISION) \
                     FROM silver.vitals",
                ),
                (
                    "SELECT day - day, extract(hour FROM recorded_at), date_part('dow', day) FROM silver.vitals",
                    "SELECT CAST(day - day AS INTEGER), CAST(EXTRACT(HOUR FROM recorded_at) AS DECIMAL(38,0)), \
                     CAST(date_part('dow', day) AS DOUBLE PRECISION) FROM silver.vitals",
                ),
                (
                    "SELECT extract(second FROM recorded_at) FROM silver.vitals",
                    "SELECT CAST(CAST(EXTRACT(MICROSECOND FROM recorded_at) AS DECIMAL(38,0)) / 1000000 \
                     AS DECIMAL(38,6)) FROM silver.vitals",
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
                "SELECT replace(recorded_at::TEXT, 'T', ' '), CAST(day AS TIMESTAMP) + INTERVAL '1 day' \
                 FROM silver.vitals WHERE recorded_at > '2026-01-01 10:00:00'",
            ),
            (
                "SELECT 2 ^ 10, mod(7, 3), variance(spo2), trunc(2.7) FROM silver.vitals",
                "SELECT power(2, 10), (CAST(7 AS INTEGER) % CAST(3 AS INTEGER)), var_samp(spo2), \
                 CAST(trunc(2.7) AS DECIMAL(38,0)) FROM silver.vitals",
            ),
            (
                "SELECT j ->> 'a', j -> 0, j #>> '{a,b,1}', CAST(t AS jsonb) FROM t",
                "SELECT json_as_text(j, 'a'), json_get_json(j, 0), json_as_text(j, 'a', 'b', 1), t FROM t",
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
                "SELECT a ~ '^(?:(x|y).*)$', concat(a, '-', b), decode('0102', 'hex') FROM t",
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
                // Derived tables and CTEs type their columns from their select lists.
                "WITH h(n) AS (SELECT heart_rate FROM silver.vitals) \
                 SELECT sum(n), avg(d.r) FROM h, (SELECT reading_id AS r FROM silver.vitals) AS d",
                "WITH h (n) AS (SELECT heart_rate FROM silver.vitals) \
                 SELECT CAST(sum(n) AS BIGINT), CAST(avg(CAST(d.r AS DECIMAL(38,16))) AS DECIMAL(38,16)) \
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
                "SELECT btrim(a, 'x'), lpad(a, 5), to_hex(255), octet_length(a), cardinality(l) FROM t",
                "SELECT trim(a, 'x'), lpad(a, 5, ' '), lower(to_hex(255)), CAST(strlen(a) AS INTEGER), \
                 CAST(len(l) AS INTEGER) FROM t",
            ),
            (
                "SELECT 123.4::numeric, CAST(j AS jsonb), substring(a FROM 0 FOR 3) FROM t",
                "SELECT 123.4::DECIMAL(38,10), CAST(j AS JSON), \
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

#[test]
fn constructs_an_engine_cannot_express_are_0a000() {
    let types = vitals();
    for (dialect, sql) in [
        (
            Dialect::DuckDb,
            "SELECT to_char(heart_rate, '999') FROM silver.vitals",
        ),
        (
            Dialect::DataFusion,
            "SELECT to_char(recorded_at, 'Q') FROM silver.vitals",
        ),
        (
            Dialect::DuckDb,
            "SELECT format('%I', quality) FROM silver.vitals",
        ),
        (
            Dialect::DataFusion,
            "SELECT quality SIMILAR TO quality FROM silver.vitals",
        ),
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
