//! What a statement's WHERE clauses say of the tables it reads: each conjunct that bounds
//! one column by constants (`day = DATE '2026-01-03'`, `ts >= '...'`, `BETWEEN`, `IN`). The
//! router estimates from them which of a table's files the statement reads; the engines
//! filter for real, so a filter missed here only makes the estimate larger.

use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::ops::ControlFlow;

use arrow::datatypes::Schema;
use datafusion::scalar::ScalarValue;
use junction_catalogs::{FileStatistics, FileStats};
use junction_transpiler::{fold, split_and, table_name_parts};
use sqlparser::ast::{
    BinaryOperator, Expr, Query, Select, SetExpr, Statement, TableFactor, UnaryOperator, Value,
    Visit, Visitor,
};

/// How a filter tests a column.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Test {
    /// `column <op> constant`, the constant as its SQL text.
    Compare(Op, String),
    /// `column IN (constants)`.
    In(Vec<String>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Op {
    Eq,
    Lt,
    LtEq,
    Gt,
    GtEq,
}

impl Op {
    fn of(op: &BinaryOperator) -> Option<Self> {
        Some(match op {
            BinaryOperator::Eq => Op::Eq,
            BinaryOperator::Lt => Op::Lt,
            BinaryOperator::LtEq => Op::LtEq,
            BinaryOperator::Gt => Op::Gt,
            BinaryOperator::GtEq => Op::GtEq,
            _ => return None,
        })
    }

    /// The same test with its operands swapped: `5 < x` is `x > 5`.
    fn flipped(self) -> Self {
        match self {
            Op::Eq => Op::Eq,
            Op::Lt => Op::Gt,
            Op::LtEq => Op::GtEq,
            Op::Gt => Op::Lt,
            Op::GtEq => Op::LtEq,
        }
    }
}

/// One conjunct on one column of one of the tables a SELECT reads.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Filter {
    /// The tables (as `table_references` names them) the column may belong to: the one its
    /// qualifier names, or every table of the SELECT for an unqualified column.
    pub tables: Vec<Vec<String>>,
    pub column: String,
    pub test: Test,
}

/// The filters of every SELECT of `statement`, and how often each table is read.
#[derive(Debug, Default)]
pub(crate) struct Filters {
    pub filters: Vec<Filter>,
    pub references: BTreeMap<Vec<String>, u32>,
}

impl Filters {
    pub fn of(statement: &Statement) -> Self {
        let mut collector = Collector::default();
        let _ = statement.visit(&mut collector);
        collector.filters
    }
}

#[derive(Default)]
struct Collector {
    filters: Filters,
}

impl Visitor for Collector {
    type Break = ();

    fn pre_visit_query(&mut self, query: &Query) -> ControlFlow<()> {
        self.body(&query.body);
        ControlFlow::Continue(())
    }
}

impl Collector {
    /// The SELECTs of one query body; nested queries are visited on their own.
    fn body(&mut self, body: &SetExpr) {
        match body {
            SetExpr::Select(select) => self.select(select),
            SetExpr::SetOperation { left, right, .. } => {
                self.body(left);
                self.body(right);
            }
            _ => {}
        }
    }

    fn select(&mut self, select: &Select) {
        // (qualifier, table) for each table of the FROM clause.
        let mut tables: Vec<(String, Vec<String>)> = Vec::new();
        let factors = select
            .from
            .iter()
            .flat_map(|t| std::iter::once(&t.relation).chain(t.joins.iter().map(|j| &j.relation)));
        for factor in factors {
            let Some(parts) = table_name_parts(factor) else {
                continue;
            };
            let qualifier = match factor {
                TableFactor::Table {
                    alias: Some(alias), ..
                } => fold(&alias.name),
                _ => parts.last().cloned().unwrap_or_default(),
            };
            *self.filters.references.entry(parts.clone()).or_default() += 1;
            tables.push((qualifier, parts));
        }
        let Some(selection) = &select.selection else {
            return;
        };
        let mut conjuncts = Vec::new();
        split_and(selection, &mut conjuncts);
        for conjunct in conjuncts {
            for (column, test) in tests(conjunct) {
                let (qualifier, column) = column;
                let candidates: Vec<Vec<String>> = tables
                    .iter()
                    .filter(|(q, _)| qualifier.as_ref().is_none_or(|wanted| q == wanted))
                    .map(|(_, parts)| parts.clone())
                    .collect();
                if !candidates.is_empty() {
                    self.filters.filters.push(Filter {
                        tables: candidates,
                        column,
                        test,
                    });
                }
            }
        }
    }
}

/// A column reference: its qualifier, if any, and its name.
type ColumnRef = (Option<String>, String);

fn column(expr: &Expr) -> Option<ColumnRef> {
    match expr {
        Expr::Identifier(ident) => Some((None, fold(ident))),
        Expr::CompoundIdentifier(parts) => match parts.as_slice() {
            [.., table, column] => Some((Some(fold(table)), fold(column))),
            _ => None,
        },
        Expr::Nested(inner) => column(inner),
        _ => None,
    }
}

/// A constant's text: a number, a string, a typed string (`DATE '...'`) or a cast constant.
fn constant(expr: &Expr) -> Option<String> {
    match expr {
        Expr::Value(value) => match &value.value {
            Value::Number(n, _) => Some(n.clone()),
            Value::SingleQuotedString(s) => Some(s.clone()),
            _ => None,
        },
        Expr::TypedString(typed) => match &typed.value.value {
            Value::SingleQuotedString(s) => Some(s.clone()),
            _ => None,
        },
        Expr::Cast { expr, .. } | Expr::Nested(expr) => constant(expr),
        Expr::UnaryOp {
            op: UnaryOperator::Minus,
            expr,
        } => match expr.as_ref() {
            Expr::Value(value) => match &value.value {
                Value::Number(n, _) => Some(format!("-{n}")),
                _ => None,
            },
            _ => None,
        },
        _ => None,
    }
}

/// The column tests one conjunct makes.
fn tests(conjunct: &Expr) -> Vec<(ColumnRef, Test)> {
    match conjunct {
        Expr::BinaryOp { left, op, right } => {
            let Some(op) = Op::of(op) else {
                return Vec::new();
            };
            match (column(left), constant(right), column(right), constant(left)) {
                (Some(c), Some(v), _, _) => vec![(c, Test::Compare(op, v))],
                (_, _, Some(c), Some(v)) => vec![(c, Test::Compare(op.flipped(), v))],
                _ => Vec::new(),
            }
        }
        Expr::Between {
            expr,
            negated: false,
            low,
            high,
            ..
        } => match (column(expr), constant(low), constant(high)) {
            (Some(c), Some(low), Some(high)) => vec![
                (c.clone(), Test::Compare(Op::GtEq, low)),
                (c, Test::Compare(Op::LtEq, high)),
            ],
            _ => Vec::new(),
        },
        Expr::InList {
            expr,
            list,
            negated: false,
        } => match (
            column(expr),
            list.iter().map(constant).collect::<Option<_>>(),
        ) {
            (Some(c), Some(values)) => vec![(c, Test::In(values))],
            _ => Vec::new(),
        },
        _ => Vec::new(),
    }
}

/// A filter's constants as values of its column's type; `None` where one does not convert.
struct Typed<'a> {
    column: &'a str,
    test: TypedTest,
}

enum TypedTest {
    Compare(Op, ScalarValue),
    In(Vec<ScalarValue>),
}

impl<'a> Typed<'a> {
    fn new(filter: &'a Filter, schema: &Schema) -> Option<Self> {
        let data_type = schema.field_with_name(&filter.column).ok()?.data_type();
        let value = |text: &str| ScalarValue::try_from_string(text.to_owned(), data_type).ok();
        let test = match &filter.test {
            Test::Compare(op, text) => TypedTest::Compare(*op, value(text)?),
            Test::In(texts) => {
                TypedTest::In(texts.iter().map(|t| value(t)).collect::<Option<_>>()?)
            }
        };
        Some(Self {
            column: &filter.column,
            test,
        })
    }

    /// Whether `file` may hold a row passing the test, as its statistics say.
    fn may_pass(&self, file: &FileStats) -> bool {
        if file.all_null(self.column) {
            return false;
        }
        let Some(bounds) = file.columns.get(self.column) else {
            return true;
        };
        // The catalog typed the bounds as the column, as the constants are.
        let (min, max) = (&bounds.min, &bounds.max);
        let cmp =
            |a: &Option<ScalarValue>, b: &ScalarValue| a.as_ref().and_then(|a| a.partial_cmp(b));
        let passes = |op: Op, v: &ScalarValue| match op {
            Op::Eq => cmp(min, v) != Some(Ordering::Greater) && cmp(max, v) != Some(Ordering::Less),
            Op::Lt => cmp(min, v).is_none_or(Ordering::is_lt),
            Op::LtEq => cmp(min, v).is_none_or(Ordering::is_le),
            Op::Gt => cmp(max, v).is_none_or(Ordering::is_gt),
            Op::GtEq => cmp(max, v).is_none_or(Ordering::is_ge),
        };
        match &self.test {
            TypedTest::Compare(op, v) => passes(*op, v),
            TypedTest::In(values) => values.iter().any(|v| passes(Op::Eq, v)),
        }
    }
}

/// The bytes of the files of a table (with `schema` and `statistics`) that may hold rows
/// passing every one of `filters`.
pub(crate) fn bytes_passing(
    statistics: &FileStatistics,
    schema: &Schema,
    filters: &[&Filter],
) -> u64 {
    let typed: Vec<Typed<'_>> = filters
        .iter()
        .filter_map(|f| Typed::new(f, schema))
        .collect();
    statistics
        .files
        .iter()
        .filter(|file| typed.iter().all(|t| t.may_pass(file)))
        .map(|file| file.bytes)
        .sum()
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;
    use std::sync::Arc;

    use arrow::datatypes::{DataType, Field, TimeUnit};
    use junction_catalogs::Bounds;
    use sqlparser::dialect::PostgreSqlDialect;
    use sqlparser::parser::Parser;

    use super::*;

    fn filters(sql: &str) -> Filters {
        let statements = Parser::parse_sql(&PostgreSqlDialect {}, sql).expect("parses");
        Filters::of(&statements[0])
    }

    fn parts(name: &str) -> Vec<String> {
        name.split('.').map(str::to_owned).collect()
    }

    #[test]
    fn conjuncts_bounding_a_column_by_constants_are_found_and_attributed() {
        let found = filters(
            "SELECT * FROM silver.vitals v JOIN silver.patients p USING (patient_id) \
             WHERE v.day = DATE '2026-01-03' AND 7 >= p.patient_id AND (ward IN ('ICU', 'B')) \
             AND heart_rate BETWEEN 40 AND -1 AND v.spo2 < v.heart_rate OR false",
        );
        // The OR makes the whole WHERE one conjunct that bounds nothing.
        assert!(found.filters.is_empty());
        let found = filters(
            "SELECT * FROM silver.vitals v JOIN silver.patients p USING (patient_id) \
             WHERE v.day = DATE '2026-01-03' AND 7 >= p.patient_id AND (ward IN ('ICU', 'B')) \
             AND heart_rate BETWEEN 40 AND -1 AND v.spo2 < v.heart_rate",
        );
        let both = vec![parts("silver.vitals"), parts("silver.patients")];
        assert_eq!(
            found.filters,
            vec![
                Filter {
                    tables: vec![parts("silver.vitals")],
                    column: "day".into(),
                    test: Test::Compare(Op::Eq, "2026-01-03".into())
                },
                Filter {
                    tables: vec![parts("silver.patients")],
                    column: "patient_id".into(),
                    test: Test::Compare(Op::LtEq, "7".into())
                },
                Filter {
                    tables: both.clone(),
                    column: "ward".into(),
                    test: Test::In(vec!["ICU".into(), "B".into()])
                },
                Filter {
                    tables: both.clone(),
                    column: "heart_rate".into(),
                    test: Test::Compare(Op::GtEq, "40".into())
                },
                Filter {
                    tables: both,
                    column: "heart_rate".into(),
                    test: Test::Compare(Op::LtEq, "-1".into())
                },
            ]
        );
        assert_eq!(found.references[&parts("silver.vitals")], 1);
    }

    fn file(bytes: u64, day: (i32, i32), nulls: u64) -> FileStats {
        FileStats {
            bytes,
            rows: Some(10),
            columns: HashMap::from([
                (
                    "day".to_owned(),
                    Bounds {
                        min: Some(ScalarValue::Date32(Some(day.0))),
                        max: Some(ScalarValue::Date32(Some(day.1))),
                        nulls: Some(0),
                    },
                ),
                (
                    "hr".to_owned(),
                    Bounds {
                        min: Some(ScalarValue::Int32(Some(50))),
                        max: Some(ScalarValue::Int32(Some(90))),
                        nulls: Some(nulls),
                    },
                ),
            ]),
        }
    }

    #[test]
    fn files_whose_bounds_rule_a_filter_out_are_not_counted() {
        // 2026-01-01 is day 20454 since 1970-01-01.
        let statistics = FileStatistics {
            files: vec![
                file(100, (20454, 20454), 0),
                file(200, (20455, 20456), 0),
                file(400, (20457, 20457), 10),
            ],
        };
        let schema = Arc::new(Schema::new(vec![
            Field::new("day", DataType::Date32, true),
            Field::new("hr", DataType::Int32, true),
            Field::new("ts", DataType::Timestamp(TimeUnit::Microsecond, None), true),
        ]));
        let bytes = |sql: &str| {
            let found = filters(sql);
            let filters: Vec<&Filter> = found.filters.iter().collect();
            bytes_passing(&statistics, &schema, &filters)
        };
        assert_eq!(bytes("SELECT * FROM t WHERE day = DATE '2026-01-01'"), 100);
        assert_eq!(bytes("SELECT * FROM t WHERE day = '2026-01-02'"), 200);
        assert_eq!(bytes("SELECT * FROM t WHERE day > '2026-01-02'"), 600);
        assert_eq!(bytes("SELECT * FROM t WHERE '2026-01-03' <= day"), 600);
        assert_eq!(bytes("SELECT * FROM t WHERE day < '2026-01-01'"), 0);
        assert_eq!(
            bytes("SELECT * FROM t WHERE day IN ('2026-01-01', '2026-01-04')"),
            500
        );
        // The third file's hr is all NULL: no comparison passes there.
        assert_eq!(bytes("SELECT * FROM t WHERE hr >= 60"), 300);
        assert_eq!(bytes("SELECT * FROM t WHERE hr BETWEEN 91 AND 99"), 0);
        // What cannot be read as the column's type, or has no statistics, prunes nothing.
        assert_eq!(bytes("SELECT * FROM t WHERE day = 'soon'"), 700);
        assert_eq!(bytes("SELECT * FROM t WHERE ts > '2026-01-01'"), 700);
        assert_eq!(bytes("SELECT * FROM t WHERE missing = 1"), 700);
    }
}
