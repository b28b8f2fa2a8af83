//! Types as PostgreSQL sees them, for the rules whose rewrite depends on them (integer or
//! float, numeric or float, text or timestamp).
//!
//! The transpiler knows no catalog: the caller (the router) fills a [`TypeOracle`] with the
//! columns of the tables a statement reads, and [`Scope`] infers expression types from it the
//! way PostgreSQL's operator resolution would, where it can. An unknown type is `None`, and
//! every rule has a safe answer for it.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::ops::ControlFlow;

use sqlparser::ast::{
    BinaryOperator, DataType, Expr, Function, Query, SelectItem, SetExpr, Statement,
    TableAliasColumnDef, TableFactor, TimezoneInfo, UnaryOperator, Value, Visit, Visitor,
};

use crate::ast::{arguments, function_name, plain_argument, table_function};
use crate::relations::{fold, table_name_parts};

/// A PostgreSQL type, as far as the rules tell types apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SqlType {
    Bool,
    Int2,
    Int4,
    Int8,
    Float4,
    Float8,
    /// `numeric` of any precision and scale.
    Numeric,
    Text,
    Bytea,
    Date,
    Time,
    Timestamp,
    TimestampTz,
    Interval,
    Json,
    Array,
    /// A type the rules do not distinguish.
    Other,
}

impl SqlType {
    pub fn is_integer(self) -> bool {
        matches!(self, SqlType::Int2 | SqlType::Int4 | SqlType::Int8)
    }

    pub fn is_float(self) -> bool {
        matches!(self, SqlType::Float4 | SqlType::Float8)
    }

    /// Integer or numeric: the inputs PostgreSQL's exact aggregates answer numeric for.
    pub fn is_exact(self) -> bool {
        self.is_integer() || self == SqlType::Numeric
    }

    /// The type of a sqlparser data type, as PostgreSQL names map onto it.
    pub fn of(data_type: &DataType) -> SqlType {
        match data_type {
            DataType::Bool | DataType::Boolean => SqlType::Bool,
            DataType::SmallInt(_) | DataType::Int2(_) => SqlType::Int2,
            DataType::Int(_) | DataType::Integer(_) | DataType::Int4(_) => SqlType::Int4,
            DataType::BigInt(_) | DataType::Int8(_) => SqlType::Int8,
            DataType::Real | DataType::Float4 => SqlType::Float4,
            DataType::Double(_)
            | DataType::DoublePrecision
            | DataType::Float8
            | DataType::Float(_) => SqlType::Float8,
            DataType::Numeric(_) | DataType::Decimal(_) | DataType::Dec(_) => SqlType::Numeric,
            DataType::Text
            | DataType::Varchar(_)
            | DataType::CharacterVarying(_)
            | DataType::Char(_)
            | DataType::Character(_)
            | DataType::String(_) => SqlType::Text,
            DataType::Bytea | DataType::Blob(_) => SqlType::Bytea,
            DataType::Date => SqlType::Date,
            DataType::Time(..) => SqlType::Time,
            DataType::Timestamp(_, TimezoneInfo::Tz | TimezoneInfo::WithTimeZone) => {
                SqlType::TimestampTz
            }
            DataType::Timestamp(..) => SqlType::Timestamp,
            DataType::Interval { .. } => SqlType::Interval,
            DataType::JSON | DataType::JSONB => SqlType::Json,
            DataType::Array(_) => SqlType::Array,
            other if crate::type_modifiers::is_name(other) => SqlType::Text,
            DataType::Custom(name, _) => match name.to_string().to_ascii_lowercase().as_str() {
                "timestamptz" => SqlType::TimestampTz,
                "float8" => SqlType::Float8,
                _ => SqlType::Other,
            },
            _ => SqlType::Other,
        }
    }
}

/// Where rules learn the column types of the tables a statement reads.
pub trait TypeOracle: Send + Sync {
    /// The columns of the table named `table` (folded name parts, as the statement names it
    /// after the router qualified it), in order; `None` for a table it does not know.
    fn columns(&self, table: &[String]) -> Option<&[(String, SqlType)]>;
}

/// A [`TypeOracle`] that knows no table: every column type is unknown.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoTypes;

impl TypeOracle for NoTypes {
    fn columns(&self, _table: &[String]) -> Option<&[(String, SqlType)]> {
        None
    }
}

/// The column types of a statement's tables, filled by whoever knows the catalogs.
#[derive(Debug, Clone, Default)]
pub struct TableTypes {
    tables: HashMap<Vec<String>, Vec<(String, SqlType)>>,
}

impl TableTypes {
    pub fn insert(&mut self, table: Vec<String>, columns: Vec<(String, SqlType)>) {
        self.tables.insert(table, columns);
    }
}

impl TypeOracle for TableTypes {
    fn columns(&self, table: &[String]) -> Option<&[(String, SqlType)]> {
        self.tables.get(table).map(Vec::as_slice)
    }
}

/// The tables of one statement, by the names its column references qualify them with.
///
/// Scopes are flat: a column name is looked up in every table entered so far, and is known
/// only where all tables that have it agree on its type. That is never wrong where
/// PostgreSQL resolves the name, and merely unknown where subqueries shadow one another.
/// Derived tables and CTEs are tables too, with the types of their select lists.
///
/// The rule walk [enters](Scope::enter) each query before its expressions, so a scope is
/// built along the one walk instead of by a walk of its own.
pub struct Scope<'a> {
    oracle: &'a dyn TypeOracle,
    tables: Vec<(String, Columns<'a>)>,
    /// The CTEs entered so far, for references to them under an alias.
    ctes: Vec<(String, Vec<(String, SqlType)>)>,
    /// The queries entered, by address: a query's FROM is entered with its parent's, and
    /// again when the walk reaches it.
    entered: HashSet<*const Query>,
}

/// A table's columns: the oracle's, or those typed from a CTE's or subquery's select list.
type Columns<'a> = Cow<'a, [(String, SqlType)]>;

impl<'a> Scope<'a> {
    /// A scope that has entered no query yet.
    pub fn new(oracle: &'a dyn TypeOracle) -> Self {
        Scope {
            oracle,
            tables: Vec::new(),
            ctes: Vec::new(),
            entered: HashSet::new(),
        }
    }

    /// The scope of a whole statement: every query in it entered.
    pub fn of(statement: &Statement, oracle: &'a dyn TypeOracle) -> Self {
        struct Queries<'s, 'a>(&'s mut Scope<'a>);
        impl Visitor for Queries<'_, '_> {
            type Break = ();
            fn pre_visit_query(&mut self, query: &Query) -> ControlFlow<()> {
                self.0.enter(query);
                ControlFlow::Continue(())
            }
        }
        let mut scope = Scope::new(oracle);
        let _ = statement.visit(&mut Queries(&mut scope));
        scope
    }

    /// Adds the tables `query` reads: its CTEs, and the tables and derived tables of its
    /// FROM clauses, innermost first, so that each select list is typed with the tables it
    /// reads. Subqueries in expressions are entered when the walk reaches them.
    pub fn enter(&mut self, query: &Query) {
        if !self.entered.insert(query as *const Query) {
            return;
        }
        if let Some(with) = &query.with {
            for cte in &with.cte_tables {
                self.enter(&cte.query);
                let columns = self.select_list(&cte.query, &cte.alias.columns);
                let name = fold(&cte.alias.name);
                self.ctes.push((name.clone(), columns.clone()));
                self.tables.push((name, Cow::Owned(columns)));
            }
        }
        self.enter_body(&query.body);
    }

    fn enter_body(&mut self, body: &SetExpr) {
        match body {
            SetExpr::Select(select) => {
                for from in &select.from {
                    self.enter_factor(&from.relation);
                    for join in &from.joins {
                        self.enter_factor(&join.relation);
                    }
                }
            }
            SetExpr::Query(query) => self.enter(query),
            SetExpr::SetOperation { left, right, .. } => {
                self.enter_body(left);
                self.enter_body(right);
            }
            _ => {}
        }
    }

    fn enter_factor(&mut self, factor: &TableFactor) {
        match factor {
            TableFactor::Table { alias, .. } if table_function(factor).is_some() => {
                // generate_series in FROM: one column, named as the alias names it.
                let Some((name, args)) = table_function(factor) else {
                    return;
                };
                let bounds: Option<Vec<SqlType>> = args
                    .iter()
                    .take(2)
                    .map(|arg| plain_argument(arg).and_then(|e| self.type_of(e)))
                    .collect();
                let is_series = name.0.last().and_then(|p| p.as_ident()).map(fold)
                    == Some("generate_series".to_owned());
                let Some(values) = bounds
                    .filter(|bounds| is_series && bounds.len() == 2)
                    .and_then(|bounds| common_type(&bounds))
                else {
                    return;
                };
                let table = alias
                    .as_ref()
                    .map_or("generate_series".to_owned(), |a| fold(&a.name));
                let column = alias
                    .as_ref()
                    .map(|a| a.columns.first().map_or(&a.name, |c| &c.name))
                    .map_or("generate_series".to_owned(), fold);
                self.tables
                    .push((table, Cow::Owned(vec![(column, values)])));
            }
            TableFactor::Table { alias, .. } => {
                let Some(parts) = table_name_parts(factor) else {
                    return;
                };
                if let Some(columns) = self.oracle.columns(&parts) {
                    let name = match alias {
                        Some(alias) => fold(&alias.name),
                        None => parts.last().cloned().unwrap_or_default(),
                    };
                    self.tables.push((name, Cow::Borrowed(columns)));
                } else if let ([name], Some(alias)) = (parts.as_slice(), alias) {
                    // A CTE under an alias.
                    if let Some((_, columns)) = self.ctes.iter().rev().find(|(n, _)| n == name) {
                        let columns = Cow::Owned(columns.clone());
                        self.tables.push((fold(&alias.name), columns));
                    }
                }
            }
            TableFactor::Derived {
                subquery, alias, ..
            } => {
                self.enter(subquery);
                if let Some(alias) = alias {
                    let columns = self.select_list(subquery, &alias.columns);
                    self.tables.push((fold(&alias.name), Cow::Owned(columns)));
                }
            }
            TableFactor::NestedJoin {
                table_with_joins, ..
            } => {
                self.enter_factor(&table_with_joins.relation);
                for join in &table_with_joins.joins {
                    self.enter_factor(&join.relation);
                }
            }
            _ => {}
        }
    }

    /// The output columns of `query` (its first select), named as `renamed` or the select
    /// list names them; a column of unknown type is [`SqlType::Other`], so that it hides a
    /// same-named column of another table rather than borrowing its type.
    fn select_list(
        &self,
        query: &Query,
        renamed: &[TableAliasColumnDef],
    ) -> Vec<(String, SqlType)> {
        let mut body = query.body.as_ref();
        let select = loop {
            match body {
                SetExpr::Select(select) => break select,
                SetExpr::Query(query) => body = query.body.as_ref(),
                SetExpr::SetOperation { left, .. } => body = left.as_ref(),
                SetExpr::Values(values) => return self.values_columns(&values.rows, renamed),
                _ => return Vec::new(),
            }
        };
        let mut columns = Vec::with_capacity(select.projection.len());
        for (i, item) in select.projection.iter().enumerate() {
            let (expr, name) = match item {
                SelectItem::ExprWithAlias { expr, alias } => (expr, Some(fold(alias))),
                SelectItem::UnnamedExpr(expr) => (expr, output_name(expr)),
                // The columns behind `*` are not spelled out: stop naming by position.
                _ => break,
            };
            let Some(name) = renamed.get(i).map(|c| fold(&c.name)).or(name) else {
                continue;
            };
            columns.push((name, self.type_of(expr).unwrap_or(SqlType::Other)));
        }
        columns
    }

    /// The columns of a VALUES list, named as `renamed` or PostgreSQL's `column1`, ...,
    /// each typed when every row that is not a bare NULL agrees on its type.
    fn values_columns(
        &self,
        rows: &[Vec<Expr>],
        renamed: &[TableAliasColumnDef],
    ) -> Vec<(String, SqlType)> {
        let width = rows.first().map_or(0, Vec::len);
        (0..width)
            .map(|i| {
                let name = renamed
                    .get(i)
                    .map_or_else(|| format!("column{}", i + 1), |c| fold(&c.name));
                let types = rows
                    .iter()
                    .filter_map(|row| row.get(i))
                    .filter(|e| !matches!(e, Expr::Value(v) if v.value == Value::Null))
                    // Constant strings alone are text (PostgreSQL resolves unknown so).
                    .map(|e| {
                        self.type_of(e)
                            .or_else(|| crate::ast::string_literal(e).map(|_| SqlType::Text))
                    })
                    .collect::<Option<Vec<_>>>();
                let common = types.as_deref().and_then(common_type);
                (name, common.unwrap_or(SqlType::Other))
            })
            .collect()
    }

    fn column(&self, qualifier: Option<&str>, name: &str) -> Option<SqlType> {
        let mut found = None;
        for (table, columns) in &self.tables {
            if qualifier.is_some_and(|q| q != table) {
                continue;
            }
            let Some((_, ty)) = columns.iter().find(|(column, _)| column == name) else {
                continue;
            };
            match found {
                None => found = Some(*ty),
                Some(other) if other == *ty => {}
                Some(_) => return None,
            }
        }
        found.filter(|ty| *ty != SqlType::Other)
    }

    /// The type PostgreSQL gives `expr`, where the rules can tell.
    pub fn type_of(&self, expr: &Expr) -> Option<SqlType> {
        match expr {
            Expr::Identifier(ident) => self.column(None, &fold(ident)),
            Expr::CompoundIdentifier(parts) => match parts.as_slice() {
                [.., table, column] => self.column(Some(&fold(table)), &fold(column)),
                _ => None,
            },
            Expr::Value(value) => literal_type(&value.value),
            Expr::TypedString(typed) => Some(SqlType::of(&typed.data_type)),
            Expr::Cast { data_type, .. } => Some(SqlType::of(data_type)),
            Expr::Nested(inner) => self.type_of(inner),
            Expr::UnaryOp { op, expr } => match op {
                UnaryOperator::Not => Some(SqlType::Bool),
                _ => self.type_of(expr),
            },
            Expr::BinaryOp { left, op, right } => self.binary_type(left, op, right),
            Expr::Function(function) => self.function_type(function),
            Expr::Extract { .. } => Some(SqlType::Numeric),
            Expr::Interval(_) => Some(SqlType::Interval),
            Expr::Array(_) => Some(SqlType::Array),
            // A scalar subquery is its one column.
            Expr::Subquery(query) => match query.body.as_ref() {
                SetExpr::Select(select) => match select.projection.as_slice() {
                    [SelectItem::UnnamedExpr(e) | SelectItem::ExprWithAlias { expr: e, .. }] => {
                        self.type_of(e)
                    }
                    _ => None,
                },
                _ => None,
            },
            Expr::Ceil { expr, .. } | Expr::Floor { expr, .. } => self.type_of(expr),
            Expr::Position { .. } => Some(SqlType::Int4),
            Expr::Substring { .. } | Expr::Trim { .. } | Expr::Overlay { .. } => {
                Some(SqlType::Text)
            }
            Expr::Case {
                conditions,
                else_result,
                ..
            } => conditions
                .iter()
                .map(|when| &when.result)
                .chain(else_result.as_deref())
                .find_map(|e| self.type_of(e)),
            Expr::IsNull(_)
            | Expr::IsNotNull(_)
            | Expr::IsTrue(_)
            | Expr::IsFalse(_)
            | Expr::IsDistinctFrom(..)
            | Expr::IsNotDistinctFrom(..)
            | Expr::Between { .. }
            | Expr::InList { .. }
            | Expr::InSubquery { .. }
            | Expr::Exists { .. }
            | Expr::Like { .. }
            | Expr::ILike { .. }
            | Expr::SimilarTo { .. }
            | Expr::AnyOp { .. }
            | Expr::AllOp { .. } => Some(SqlType::Bool),
            _ => None,
        }
    }

    fn binary_type(&self, left: &Expr, op: &BinaryOperator, right: &Expr) -> Option<SqlType> {
        use SqlType::*;
        match op {
            BinaryOperator::StringConcat => {
                let array = |e: &Expr| self.type_of(e) == Some(Array);
                return Some(if array(left) || array(right) {
                    Array
                } else {
                    Text
                });
            }
            BinaryOperator::Plus
            | BinaryOperator::Minus
            | BinaryOperator::Multiply
            | BinaryOperator::Divide
            | BinaryOperator::Modulo
            | BinaryOperator::PGExp => {}
            // JSON's operators, where the left side is known to be JSON.
            BinaryOperator::Arrow | BinaryOperator::HashArrow => {
                return (self.type_of(left) == Some(Json)).then_some(Json)
            }
            BinaryOperator::LongArrow | BinaryOperator::HashLongArrow => {
                return (self.type_of(left) == Some(Json)).then_some(Text)
            }
            _ => return Some(Bool),
        }
        let (l, r) = (self.type_of(left)?, self.type_of(right)?);
        if *op == BinaryOperator::PGExp {
            return Some(if l == Numeric || r == Numeric {
                Numeric
            } else {
                Float8
            });
        }
        Some(match (l, r) {
            (Date, Date) if *op == BinaryOperator::Minus => Int4,
            (Date, t) | (t, Date) if t.is_integer() => Date,
            (Date | Timestamp, Interval) | (Interval, Date | Timestamp) => Timestamp,
            (TimestampTz, Interval) | (Interval, TimestampTz) => TimestampTz,
            (Timestamp, Timestamp) | (TimestampTz, TimestampTz) => Interval,
            (Interval, Interval) => Interval,
            (Interval, _) | (_, Interval) => Interval,
            (a, b) if a.is_integer() && b.is_integer() => wider_integer(a, b),
            (Float4, Float4) => Float4,
            (a, b) if a.is_float() || b.is_float() => Float8,
            (Numeric, b) | (b, Numeric) if b.is_exact() => Numeric,
            _ => return None,
        })
    }

    pub(crate) fn function_type(&self, function: &Function) -> Option<SqlType> {
        use SqlType::*;
        let name = function_name(function)?.to_ascii_lowercase();
        let first = || arguments(function).next().and_then(|e| self.type_of(e));
        Some(match name.as_str() {
            "count" | "row_number" | "rank" | "dense_rank" => Int8,
            "ntile" | "length" | "char_length" | "character_length" | "octet_length" | "strpos"
            | "ascii" | "array_length" | "array_upper" | "array_lower" | "cardinality"
            | "grouping" | "width_bucket" => Int4,
            // sign() has numeric and float8 forms; an integer takes the float8 one.
            "sign" | "signum" => match first()? {
                Numeric => Numeric,
                t if t.is_integer() || t.is_float() => Float8,
                _ => return None,
            },
            // junction's own functions, which rules put in place of PostgreSQL's: rules
            // applied to an expression around them still see its PostgreSQL type.
            "junction_numeric_divide"
            | "pg_numeric_divide"
            | "pg_numeric_round"
            | "pg_numeric_trunc"
            | "pg_numeric_floor"
            | "pg_numeric_ceil" => Numeric,
            "junction_float_mul" | "junction_float_div" => Float8,
            "junction_json"
            | "junction_jsonb"
            | "junction_jsonb_concat"
            | "json_build_object"
            | "jsonb_build_object"
            | "json_build_array"
            | "jsonb_build_array"
            | "to_json"
            | "to_jsonb"
            | "row_to_json"
            | "json_agg"
            | "jsonb_agg"
            | "json_object_agg"
            | "jsonb_object_agg" => Json,
            "junction_upper" | "junction_lower" | "quote_ident" | "junction_format_identifier" => {
                Text
            }
            "junction_clock_timestamp"
            | "clock_timestamp"
            | "statement_timestamp"
            | "transaction_timestamp" => TimestampTz,
            "localtimestamp" => Timestamp,
            "make_interval" | "justify_hours" | "justify_days" | "justify_interval" => Interval,
            "list_append"
            | "list_prepend"
            | "array_append"
            | "array_prepend"
            | "array_cat"
            | "array_agg"
            | "array_remove"
            | "array_replace"
            | "string_to_array"
            | "regexp_split_to_array" => Array,
            "sum" => match first()? {
                Int2 | Int4 => Int8,
                Int8 | Numeric => Numeric,
                Float4 => Float4,
                Float8 => Float8,
                Interval => Interval,
                _ => return None,
            },
            "avg" | "stddev" | "stddev_samp" | "stddev_pop" | "variance" | "var_samp"
            | "var_pop" => match first()? {
                t if t.is_exact() => Numeric,
                t if t.is_float() => Float8,
                Interval if name == "avg" => Interval,
                _ => return None,
            },
            "min" | "max" | "abs" | "first_value" | "last_value" | "lag" | "lead" | "nth_value"
            | "junction_divisor" | "junction_modulus" => first()?,
            // The arguments' common type, as PostgreSQL resolves it among numbers.
            "coalesce" | "greatest" | "least" | "nullif" => {
                let types: Vec<SqlType> = arguments(function)
                    .filter_map(|e| self.type_of(e))
                    .collect();
                common_type(&types)?
            }
            // With a digit count only the numeric form exists; alone, an integer rounds as
            // float8.
            "round" | "trunc" | "ceil" | "ceiling" | "floor" => {
                match (first()?, arguments(function).count()) {
                    (t, 2) if t.is_exact() => Numeric,
                    (Numeric, _) => Numeric,
                    (t, _) if t.is_integer() => Float8,
                    (t, _) => t,
                }
            }
            // junction's DuckDB macros keep the types of the functions they check.
            "power" | "pow" | "junction_power" => {
                let types: Vec<SqlType> = arguments(function)
                    .map(|e| self.type_of(e))
                    .collect::<Option<_>>()?;
                if types.iter().all(|t| t.is_exact()) && types.contains(&Numeric) {
                    Numeric
                } else {
                    Float8
                }
            }
            "div" => Numeric,
            // Its values are of its bounds' common type (a timestamp series steps by an
            // interval).
            "generate_series" => {
                let stop = arguments(function).nth(1).and_then(|e| self.type_of(e))?;
                common_type(&[first()?, stop])?
            }
            "percentile_cont" => match function.within_group.first().map(|o| self.type_of(&o.expr))
            {
                Some(Some(Interval)) => Interval,
                _ => Float8,
            },
            "date_part" | "percent_rank" | "cume_dist" | "random" | "sqrt" | "exp" | "ln"
            | "junction_sqrt" | "junction_exp" | "junction_ln" | "corr" | "covar_pop"
            | "covar_samp" | "regr_slope" => Float8,
            "now" | "current_timestamp" | "to_timestamp" => TimestampTz,
            // `ts AT TIME ZONE zone`: the instant's wall clock there, or the wall clock's
            // instant.
            "timezone" => match arguments(function).nth(1).and_then(|e| self.type_of(e))? {
                TimestampTz => Timestamp,
                Timestamp => TimestampTz,
                _ => return None,
            },
            "date_trunc" => match arguments(function).nth(1).and_then(|e| self.type_of(e))? {
                Date => TimestampTz,
                t => t,
            },
            "to_date" | "make_date" | "current_date" | "junction_date_plus" => Date,
            "make_timestamp" => Timestamp,
            "age" => Interval,
            "bool_and" | "bool_or" | "every" | "starts_with" => Bool,
            "upper" | "lower" | "concat" | "concat_ws" | "left" | "right" | "lpad" | "rpad"
            | "initcap" | "replace" | "split_part" | "md5" | "reverse" | "repeat"
            | "regexp_replace" | "string_agg" | "to_char" | "btrim" | "ltrim" | "rtrim"
            | "translate" | "chr" | "to_hex" | "format" | "quote_literal" | "array_to_string"
            | "encode" | "junction_name" | "current_database" | "current_schema"
            | "pg_get_userbyid" => Text,
            // junction's and DuckDB's names for them included, as other rules see them.
            "decode" | "junction_decode" | "sha256" | "unhex" | "from_hex" => Bytea,
            _ => return None,
        })
    }
}

/// The name PostgreSQL gives an unaliased select-list column that is a column reference.
fn output_name(expr: &Expr) -> Option<String> {
    match expr {
        Expr::Identifier(ident) => Some(fold(ident)),
        Expr::CompoundIdentifier(parts) => parts.last().map(fold),
        _ => None,
    }
}

/// The type PostgreSQL resolves values of these types to (a VALUES column, `coalesce`'s
/// arguments): the one type, or among numbers the widest (`1` and `9223372036854775807::int8`
/// are int8, with `1.5` numeric); `None` when they are no numbers and differ.
fn common_type(types: &[SqlType]) -> Option<SqlType> {
    use SqlType::*;
    let first = *types.first()?;
    if types.iter().all(|t| *t == first) {
        Some(first)
    } else if types
        .iter()
        .all(|t| t.is_integer() || t.is_float() || *t == Numeric)
    {
        Some(if types.iter().any(|t| t.is_float()) {
            Float8
        } else if types.contains(&Numeric) {
            Numeric
        } else if types.contains(&Int8) {
            Int8
        } else {
            Int4
        })
    } else {
        None
    }
}

fn wider_integer(a: SqlType, b: SqlType) -> SqlType {
    let rank = |t| match t {
        SqlType::Int2 => 0,
        SqlType::Int4 => 1,
        _ => 2,
    };
    if rank(a) >= rank(b) {
        a
    } else {
        b
    }
}

/// An integer literal PostgreSQL reads as int4, maybe negated.
pub(crate) fn is_int4_literal(expr: &Expr) -> bool {
    match expr {
        Expr::Value(v) => literal_type(&v.value) == Some(SqlType::Int4),
        Expr::UnaryOp {
            op: UnaryOperator::Minus,
            expr,
        } => is_int4_literal(expr),
        _ => false,
    }
}

/// A literal's type: PostgreSQL reads a number without point or exponent as int4 when it
/// fits, else int8, else numeric; any other number is numeric. Quoted strings have no type
/// until context gives them one.
pub fn literal_type(value: &Value) -> Option<SqlType> {
    match value {
        Value::Number(n, _) => Some(if n.contains(['.', 'e', 'E']) {
            SqlType::Numeric
        } else if n.parse::<i32>().is_ok() {
            SqlType::Int4
        } else if n.parse::<i64>().is_ok() {
            SqlType::Int8
        } else {
            SqlType::Numeric
        }),
        Value::Boolean(_) => Some(SqlType::Bool),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn oracle() -> TableTypes {
        let mut types = TableTypes::default();
        types.insert(
            vec!["silver".into(), "vitals".into()],
            vec![
                ("heart_rate".into(), SqlType::Int4),
                ("spo2".into(), SqlType::Float8),
                ("recorded_at".into(), SqlType::Timestamp),
                ("patient_id".into(), SqlType::Int4),
            ],
        );
        types.insert(
            vec!["silver".into(), "patients".into()],
            vec![
                ("patient_id".into(), SqlType::Int4),
                ("birth_date".into(), SqlType::Date),
            ],
        );
        types
    }

    fn projection_types(sql: &str) -> Vec<Option<SqlType>> {
        let statement = crate::parse(sql).expect("parses").remove(0);
        let oracle = oracle();
        let scope = Scope::of(&statement, &oracle);
        let Statement::Query(query) = &statement else {
            panic!("a query")
        };
        let sqlparser::ast::SetExpr::Select(select) = query.body.as_ref() else {
            panic!("a select")
        };
        select
            .projection
            .iter()
            .map(|item| match item {
                sqlparser::ast::SelectItem::UnnamedExpr(e)
                | sqlparser::ast::SelectItem::ExprWithAlias { expr: e, .. } => scope.type_of(e),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn columns_resolve_through_aliases_and_unqualified_names() {
        use SqlType::*;
        assert_eq!(
            projection_types(
                "SELECT v.heart_rate, spo2, p.birth_date, patient_id, nosuch, x.heart_rate \
                 FROM silver.vitals v JOIN silver.patients p USING (patient_id)"
            ),
            vec![Some(Int4), Some(Float8), Some(Date), Some(Int4), None, None]
        );
    }

    #[test]
    fn expressions_take_postgresqls_types() {
        use SqlType::*;
        assert_eq!(
            projection_types(
                "SELECT heart_rate / 7, heart_rate / 7.0, spo2 * 2, 3000000000, \
                 sum(heart_rate), avg(heart_rate), avg(spo2), birth_date - birth_date, \
                 recorded_at - recorded_at, extract(hour FROM recorded_at), \
                 round(heart_rate), CAST(spo2 AS int), 'x' || heart_rate \
                 FROM silver.vitals, silver.patients"
            ),
            vec![
                Some(Int4),
                Some(Numeric),
                Some(Float8),
                Some(Int8),
                Some(Int8),
                Some(Numeric),
                Some(Float8),
                Some(Int4),
                Some(Interval),
                Some(Numeric),
                // round(int) is round(float8) in PostgreSQL.
                Some(Float8),
                Some(Int4),
                Some(Text),
            ]
        );
    }
}
