//! The benchmark's query sets: the 22 TPC-H queries (validation parameters of the
//! specification, written in PostgreSQL's dialect over schema `tpch`) and dashboard queries
//! over the demo warehouse.

/// A named query.
#[derive(Debug, Clone)]
pub struct Query {
    pub name: String,
    pub sql: String,
}

macro_rules! files {
    ($dir:literal: $($name:literal),* $(,)?) => {
        [$(($name, include_str!(concat!("../queries/", $dir, "/", $name, ".sql")))),*]
    };
}

const TPCH: [(&str, &str); 22] = files!("tpch":
    "q01", "q02", "q03", "q04", "q05", "q06", "q07", "q08", "q09", "q10", "q11",
    "q12", "q13", "q14", "q15", "q16", "q17", "q18", "q19", "q20", "q21", "q22",
);

const IOT: [(&str, &str); 7] = files!("iot":
    "ward_load", "latest_per_patient", "hourly_trend", "alerts", "one_day_one_patient",
    "gold_rollup", "bronze_quality",
);

/// TPC-H at scale factor `sf` over the tables of `schema`.
pub fn tpch(sf: f64, schema: &str) -> Vec<Query> {
    // Q11's threshold is 0.0001 / SF by the specification.
    let fraction = format!("{}", 0.0001 / sf);
    TPCH.iter()
        .map(|(name, sql)| Query {
            name: name.to_uppercase(),
            sql: sql
                .replace("tpch.", &format!("{schema}."))
                .replace("{fraction}", &fraction)
                .trim()
                .to_owned(),
        })
        .collect()
}

/// The dashboard queries over the demo warehouse's medallion tables.
pub fn iot() -> Vec<Query> {
    IOT.iter()
        .map(|(name, sql)| Query {
            name: (*name).to_owned(),
            sql: sql.trim().to_owned(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_query_parses_as_postgresql() {
        for query in tpch(1.0, "tpch_delta").iter().chain(&iot()) {
            let statements = junction_transpiler::parse(&query.sql)
                .unwrap_or_else(|e| panic!("{}: {e}", query.name));
            assert_eq!(statements.len(), 1, "{}", query.name);
        }
    }

    #[test]
    fn the_schema_and_scale_are_substituted() {
        let queries = tpch(10.0, "tpch_delta");
        assert!(queries.iter().all(|q| !q.sql.contains("tpch.")));
        assert!(queries[10].sql.contains("* 0.00001"), "{}", queries[10].sql);
    }
}
