//! Random but valid PostgreSQL queries over the demo warehouse.
//!
//! Every query is deterministic in PostgreSQL's own terms, so that any difference between
//! PostgreSQL and junction is junction's: results are ordered by every column; LIMIT comes
//! only with that order; window functions whose answer depends on the order of peers
//! (`row_number`, `lag`, ROWS frames) order by a unique key; no volatile functions.

use rand::prelude::IndexedRandom;
use rand::{Rng, RngCore};

use super::query::{Expr, Kind, Select, Source};
use super::schema::{Table, Ty, KEYS, TABLES};

/// A window function's name, arguments, ORDER BY and frame.
type WindowParts = (
    &'static str,
    Vec<Expr>,
    Vec<(Expr, bool)>,
    Option<&'static str>,
);

/// A column the expressions of a query may use.
#[derive(Debug, Clone)]
struct Column {
    alias: String,
    name: &'static str,
    ty: Ty,
}

/// What expressions may use at a point of the query.
#[derive(Debug, Clone, Default)]
struct Scope {
    columns: Vec<Column>,
    /// Aggregates may appear (the select list and HAVING of a grouped query).
    aggregates: bool,
    /// Window functions may appear (a select list).
    windows: bool,
    /// In a grouped query, the expressions outside aggregates may only use these.
    grouped: Option<Vec<Expr>>,
    /// A unique ordering of the rows, for window functions that need one.
    unique_order: Vec<Expr>,
}

/// The generator, drawing from `rng`.
pub struct Generator<R> {
    rng: R,
    aliases: u32,
    /// Subquery nesting, bounded.
    depth: u32,
}

/// Columns that identify a row of their table.
fn unique_key(table: &str) -> &'static [&'static str] {
    match table {
        "silver.vitals" => &["reading_id"],
        "silver.patients" => &["patient_id"],
        "silver.devices" => &["device_id"],
        "gold.vitals_hourly" => &["patient_id", "hour"],
        _ => &[],
    }
}

const MAX_DEPTH: u32 = 4;

impl<R: RngCore> Generator<R> {
    pub fn new(rng: R) -> Self {
        Self {
            rng,
            aliases: 0,
            depth: 0,
        }
    }

    fn chance(&mut self, p: f64) -> bool {
        self.rng.random_bool(p)
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        items
            .choose(&mut self.rng)
            .expect("the generator picks from lists it knows are not empty")
    }

    fn alias(&mut self) -> String {
        self.aliases += 1;
        format!("t{}", self.aliases)
    }

    /// One query.
    pub fn query(&mut self) -> Select {
        self.aliases = 0;
        self.depth = 0;
        let mut select = if self.chance(0.45) {
            self.grouped_select()
        } else {
            self.plain_select(true)
        };
        if select.group_by.is_empty()
            && !select
                .items
                .iter()
                .any(|e| e.has_window() || e.has_aggregate())
            && self.chance(0.12)
        {
            let mut other = self.plain_select(false);
            // Same column types: rebuild the other side's items to match.
            let scope = self.scope_of(&other.from, false);
            other.items = select
                .column_types()
                .into_iter()
                .map(|ty| self.expr(ty, &scope, 2))
                .collect();
            let op = *self.pick(&["UNION", "UNION ALL", "INTERSECT", "EXCEPT"]);
            select.distinct = false;
            select.set_operation = Some((op, Box::new(other)));
            select.limit = None;
        }
        select.ordered = true;
        if select.limit.is_none() && self.chance(0.3) {
            select.limit = Some(self.rng.random_range(1..=20));
        }
        select
    }

    fn sources(&mut self) -> Vec<Source> {
        let first = *self.pick(&TABLES);
        let mut from = vec![Source {
            table: first.name,
            alias: self.alias(),
            join: None,
        }];
        // At most one join, on a key, keeping row counts small.
        let joinable: Vec<_> = KEYS
            .iter()
            .filter(|(l, _, r, _)| *l == first.name || *r == first.name)
            .collect();
        if !joinable.is_empty() && self.chance(0.4) {
            let (l, lc, r, rc) = **self.pick(&joinable);
            let (other, own_col, other_col) = if l == first.name {
                (r, lc, rc)
            } else {
                (l, rc, lc)
            };
            let table = table(other);
            let alias = self.alias();
            let ty = column_type(first, own_col);
            let on = Expr::new(
                Ty::Bool,
                Kind::Binary(
                    "=",
                    Box::new(Expr::new(ty, Kind::Column(from[0].alias.clone(), own_col))),
                    Box::new(Expr::new(ty, Kind::Column(alias.clone(), other_col))),
                ),
            );
            let kind = *self.pick(&["INNER", "LEFT", "LEFT", "RIGHT", "FULL"]);
            from.push(Source {
                table: table.name,
                alias,
                join: Some((kind, on)),
            });
        }
        from
    }

    fn scope_of(&self, from: &[Source], windows: bool) -> Scope {
        let mut scope = Scope {
            windows,
            ..Scope::default()
        };
        for source in from {
            let t = table(source.table);
            for (name, ty) in t.columns {
                scope.columns.push(Column {
                    alias: source.alias.clone(),
                    name,
                    ty: *ty,
                });
            }
        }
        if let [only] = from {
            scope.unique_order = unique_key(only.table)
                .iter()
                .map(|name| {
                    let ty = column_type(table(only.table), name);
                    Expr::new(ty, Kind::Column(only.alias.clone(), name))
                })
                .collect();
        }
        scope
    }

    fn plain_select(&mut self, windows: bool) -> Select {
        let from = self.sources();
        let scope = self.scope_of(&from, windows);
        let count = self.rng.random_range(1..=4);
        let items = (0..count)
            .map(|_| {
                let ty = self.item_type();
                self.expr(ty, &scope, 3)
            })
            .collect();
        let filter_scope = Scope {
            windows: false,
            ..scope.clone()
        };
        let filter = self
            .chance(0.6)
            .then(|| self.expr(Ty::Bool, &filter_scope, 3));
        Select {
            distinct: self.chance(0.1),
            items,
            from,
            filter,
            group_by: vec![],
            having: None,
            ordered: false,
            limit: None,
            set_operation: None,
        }
    }

    fn grouped_select(&mut self) -> Select {
        let from = self.sources();
        let scope = self.scope_of(&from, false);
        let filter = self.chance(0.5).then(|| self.expr(Ty::Bool, &scope, 2));
        let keys: Vec<Column> = scope
            .columns
            .iter()
            .filter(|c| c.ty.is_ordered())
            .cloned()
            .collect();
        let mut group_by = Vec::new();
        for _ in 0..self.rng.random_range(0..=2) {
            let c = self.pick(&keys).clone();
            let e = Expr::new(c.ty, Kind::Column(c.alias, c.name));
            if !group_by.contains(&e) {
                group_by.push(e);
            }
        }
        let grouped = Scope {
            aggregates: true,
            grouped: Some(group_by.clone()),
            ..scope.clone()
        };
        let mut items: Vec<Expr> = group_by.clone();
        for _ in 0..self.rng.random_range(1..=3) {
            let ty = self.item_type();
            items.push(self.expr(ty, &grouped, 3));
        }
        let having = self.chance(0.25).then(|| self.expr(Ty::Bool, &grouped, 2));
        Select {
            distinct: false,
            items,
            from,
            filter,
            group_by,
            having,
            ordered: false,
            limit: None,
            set_operation: None,
        }
    }

    fn item_type(&mut self) -> Ty {
        *self.pick(&[
            Ty::Int4,
            Ty::Int8,
            Ty::Float8,
            Ty::Numeric,
            Ty::Numeric,
            Ty::Text,
            Ty::Text,
            Ty::Bool,
            Ty::Date,
            Ty::Timestamp,
            Ty::Interval,
        ])
    }

    /// A column of `ty` the scope allows here, if any.
    fn column(&mut self, ty: Ty, scope: &Scope) -> Option<Expr> {
        let candidates: Vec<Expr> = match &scope.grouped {
            Some(keys) => keys.iter().filter(|k| k.ty == ty).cloned().collect(),
            None => scope
                .columns
                .iter()
                .filter(|c| c.ty == ty)
                .map(|c| Expr::new(ty, Kind::Column(c.alias.clone(), c.name)))
                .collect(),
        };
        (!candidates.is_empty()).then(|| self.pick(&candidates).clone())
    }

    pub fn literal(&mut self, ty: Ty) -> Expr {
        if self.chance(0.06) {
            return Expr::literal(ty, format!("CAST(NULL AS {})", ty.name()));
        }
        let text = match ty {
            Ty::Int4 => {
                let n = *self.pick(&[0, 1, 2, 3, 7, 10, 60, 100, -1, -5, 2_147_483_647]);
                n.to_string()
            }
            Ty::Int8 => format!(
                "CAST({} AS int8)",
                self.pick(&[0, 1, 5, 1000, -3, 4_000_000_000i64])
            ),
            Ty::Float8 => format!(
                "CAST({} AS float8)",
                self.pick(&["0.5", "1.5", "2", "0", "-3.25", "1e10", "95.5", "0.1"])
            ),
            // With a point: PostgreSQL reads `3` as an integer.
            Ty::Numeric => (*self.pick(&[
                "1.5",
                "0.25",
                "100.0",
                "3.0",
                "-2.75",
                "1767399000.0",
                "0.001",
                "7.00",
            ]))
            .to_owned(),
            Ty::Text => format!(
                "'{}'",
                self.pick(&["a", "ICU", "ok", "", "x%y", "Ward_3", "suspect", "dev-01", "it''s"])
            ),
            Ty::Bool => (*self.pick(&["TRUE", "FALSE"])).to_owned(),
            Ty::Date => format!(
                "DATE '{}'",
                self.pick(&["2026-01-01", "2026-01-02", "1990-06-15", "2025-12-31"])
            ),
            Ty::Timestamp => format!(
                "TIMESTAMP '{}'",
                self.pick(&[
                    "2026-01-01 00:00:00",
                    "2026-01-01 12:30:00",
                    "2026-01-01 06:15:30",
                    "2025-12-31 23:59:59"
                ])
            ),
            Ty::Interval => format!(
                "INTERVAL '{}'",
                self.pick(&[
                    "1 hour",
                    "30 minutes",
                    "1 day",
                    "2 days 03:00:00",
                    "90 seconds",
                    "1 mon"
                ])
            ),
        };
        Expr::literal(ty, text)
    }

    /// An expression of type `ty` in `scope`, at most `depth` levels deep.
    fn expr(&mut self, ty: Ty, scope: &Scope, depth: u32) -> Expr {
        if depth == 0 || self.chance(0.2) {
            if self.chance(0.7) {
                if let Some(c) = self.column(ty, scope) {
                    return c;
                }
            }
            return self.literal(ty);
        }
        if scope.aggregates && self.chance(0.35) {
            if let Some(a) = self.aggregate(ty, scope, depth) {
                return a;
            }
        }
        if scope.windows && self.chance(0.08) {
            if let Some(w) = self.window(ty, scope, depth) {
                return w;
            }
        }
        let d = depth - 1;
        match ty {
            Ty::Bool => self.bool_expr(scope, d),
            Ty::Int4 | Ty::Int8 | Ty::Float8 | Ty::Numeric => self.number_expr(ty, scope, d),
            Ty::Text => self.text_expr(scope, d),
            Ty::Date => self.date_expr(scope, d),
            Ty::Timestamp => self.timestamp_expr(scope, d),
            Ty::Interval => self.interval_expr(scope, d),
        }
    }

    fn case_or_coalesce(&mut self, ty: Ty, scope: &Scope, d: u32) -> Expr {
        match self.rng.random_range(0..3) {
            0 => {
                let whens = (0..self.rng.random_range(1..=2))
                    .map(|_| (self.expr(Ty::Bool, scope, d), self.expr(ty, scope, d)))
                    .collect();
                let otherwise = self.chance(0.7).then(|| Box::new(self.expr(ty, scope, d)));
                Expr::new(ty, Kind::Case(whens, otherwise))
            }
            1 => {
                let args = vec![self.expr(ty, scope, d), self.expr(ty, scope, d)];
                call(ty, "coalesce", args)
            }
            _ if ty.is_ordered() => {
                let name = *self.pick(&["greatest", "least", "nullif"]);
                let args = vec![self.expr(ty, scope, d), self.expr(ty, scope, d)];
                call(ty, name, args)
            }
            _ => self.expr(ty, scope, d),
        }
    }

    fn number_expr(&mut self, ty: Ty, scope: &Scope, d: u32) -> Expr {
        match self.rng.random_range(0..10) {
            0..=3 => {
                // Arithmetic within the type (numeric also with an integer).
                let op = *self.pick(&["+", "-", "*", "/", "/", "%"]);
                // No float modulo in PostgreSQL; a numeric one by a quotient below 1 shows
                // the column's 16 digits of the quotient (KNOWN_GAPS.md).
                if op == "%" && matches!(ty, Ty::Float8 | Ty::Numeric) {
                    let (l, r) = (self.expr(ty, scope, d), self.expr(ty, scope, d));
                    return binary(ty, "+", l, r);
                }
                let l = self.expr(ty, scope, d);
                let r_ty = if ty == Ty::Numeric && self.chance(0.5) {
                    Ty::Int4
                } else {
                    ty
                };
                let mut r = self.expr(r_ty, scope, d);
                // PostgreSQL folds a constant division by zero while planning, even in a
                // branch no row reaches; an engine that never evaluates it is not wrong.
                while matches!(op, "/" | "%") && is_zero_literal(&r) {
                    r = self.expr(r_ty, scope, d);
                }
                binary(ty, op, l, r)
            }
            4 => self.case_or_coalesce(ty, scope, d),
            5 => {
                // sign() is float8 or numeric; an integer takes the float8 form.
                let name = if matches!(ty, Ty::Float8 | Ty::Numeric) {
                    *self.pick(&["abs", "abs", "sign"])
                } else {
                    "abs"
                };
                let arg_ty = if name == "sign" && ty == Ty::Float8 && self.chance(0.5) {
                    Ty::Int4
                } else {
                    ty
                };
                let arg = self.expr(arg_ty, scope, d);
                call(ty, name, vec![arg])
            }
            6 => match ty {
                Ty::Int4 => {
                    let t = self.expr(Ty::Text, scope, d);
                    let name = *self.pick(&["length", "char_length", "octet_length"]);
                    call(ty, name, vec![t])
                }
                Ty::Float8 => {
                    let x = self.expr(Ty::Float8, scope, d);
                    let name = *self.pick(&["round", "ceil", "floor", "trunc", "sqrt"]);
                    let x = if name == "sqrt" {
                        call(ty, "abs", vec![x])
                    } else {
                        x
                    };
                    call(ty, name, vec![x])
                }
                Ty::Numeric => {
                    let x = self.expr(Ty::Numeric, scope, d);
                    match self.rng.random_range(0..3) {
                        0 => call(ty, "round", vec![x, Expr::literal(Ty::Int4, "2")]),
                        1 => call(ty, "trunc", vec![x, Expr::literal(Ty::Int4, "1")]),
                        _ => {
                            let field = *self.pick(&["epoch", "hour", "minute", "dow", "day"]);
                            let ts = self.expr(Ty::Timestamp, scope, d);
                            Expr::literal(ty, format!("EXTRACT({field} FROM {ts})"))
                        }
                    }
                }
                Ty::Int8 => {
                    let x = self.expr(Ty::Int4, scope, d);
                    Expr::new(ty, Kind::Cast(Box::new(x), "int8"))
                }
                _ => self.literal(ty),
            },
            7 => {
                // A cast from another number type.
                let from = *self.pick(&[Ty::Int4, Ty::Int8, Ty::Float8, Ty::Numeric]);
                let x = self.expr(from, scope, d);
                if ty == Ty::Int4 && is_out_of_int4_literal(&x) {
                    // A constant that fails to cast fails in PostgreSQL's constant folding
                    // even where a NULL operand beside it makes the value moot; DuckDB folds
                    // the NULL first (conformance/KNOWN_GAPS.md).
                    return self.literal(ty);
                }
                Expr::new(ty, Kind::Cast(Box::new(x), ty.name()))
            }
            8 if ty == Ty::Int4 => {
                let dates = (self.expr(Ty::Date, scope, d), self.expr(Ty::Date, scope, d));
                binary(ty, "-", dates.0, dates.1)
            }
            8 if ty == Ty::Int4 || ty == Ty::Float8 => self.subquery(ty, scope),
            9 if ty == Ty::Int4 => {
                let x = self.expr(Ty::Float8, scope, d);
                let args = vec![
                    x,
                    Expr::literal(Ty::Float8, "60"),
                    Expr::literal(Ty::Float8, "120"),
                    Expr::literal(Ty::Int4, "4"),
                ];
                call(ty, "width_bucket", args)
            }
            _ => {
                if self.chance(0.5) {
                    if let Some(c) = self.column(ty, scope) {
                        return c;
                    }
                }
                self.literal(ty)
            }
        }
    }

    fn bool_expr(&mut self, scope: &Scope, d: u32) -> Expr {
        match self.rng.random_range(0..12) {
            0..=3 => {
                let ty = *self.pick(&[
                    Ty::Int4,
                    Ty::Float8,
                    Ty::Numeric,
                    Ty::Text,
                    Ty::Date,
                    Ty::Timestamp,
                    Ty::Int8,
                ]);
                let op = *self.pick(&["=", "<>", "<", "<=", ">", ">=", "IS DISTINCT FROM"]);
                let (l, r) = (self.expr(ty, scope, d), self.expr(ty, scope, d));
                binary(Ty::Bool, op, l, r)
            }
            4 => {
                let op = *self.pick(&["AND", "OR"]);
                let (l, r) = (self.expr(Ty::Bool, scope, d), self.expr(Ty::Bool, scope, d));
                binary(Ty::Bool, op, l, r)
            }
            5 => {
                let x = self.expr(Ty::Bool, scope, d);
                Expr::new(Ty::Bool, Kind::Prefix("NOT", Box::new(x)))
            }
            6 => {
                let ty = self.item_type();
                let x = self.expr(ty, scope, d);
                let op = *self.pick(&["IS NULL", "IS NOT NULL"]);
                Expr::new(Ty::Bool, Kind::Postfix(Box::new(x), op))
            }
            7 => {
                let ty = *self.pick(&[Ty::Int4, Ty::Float8, Ty::Numeric, Ty::Timestamp, Ty::Text]);
                Expr::new(
                    Ty::Bool,
                    Kind::Between {
                        value: Box::new(self.expr(ty, scope, d)),
                        low: Box::new(self.expr(ty, scope, d)),
                        high: Box::new(self.expr(ty, scope, d)),
                        negated: self.chance(0.3),
                        symmetric: self.chance(0.3),
                    },
                )
            }
            8 => {
                let ty = *self.pick(&[Ty::Int4, Ty::Text]);
                let value = self.expr(ty, scope, d);
                let items = (0..self.rng.random_range(1..=4))
                    .map(|_| self.literal(ty))
                    .collect();
                Expr::new(
                    Ty::Bool,
                    Kind::InList(Box::new(value), items, self.chance(0.3)),
                )
            }
            9 => {
                let text = self.expr(Ty::Text, scope, d);
                let pattern = format!("'{}'", self.pick(&["%a%", "d%", "%1", "_c%", "ok", "%"]));
                let op = *self.pick(&["LIKE", "NOT LIKE", "ILIKE"]);
                binary(Ty::Bool, op, text, Expr::literal(Ty::Text, pattern))
            }
            10 if self.depth < 2 => self.exists_or_in(scope),
            _ => self.case_or_coalesce(Ty::Bool, scope, d),
        }
    }

    fn text_expr(&mut self, scope: &Scope, d: u32) -> Expr {
        match self.rng.random_range(0..9) {
            0 => {
                let (l, r) = (self.expr(Ty::Text, scope, d), self.expr(Ty::Text, scope, d));
                binary(Ty::Text, "||", l, r)
            }
            1 => {
                let x = self.expr(Ty::Text, scope, d);
                let name = *self.pick(&["upper", "lower", "reverse", "btrim", "md5"]);
                call(Ty::Text, name, vec![x])
            }
            2 => {
                let x = self.expr(Ty::Text, scope, d);
                let (a, b) = (self.rng.random_range(-1..4), self.rng.random_range(0..5));
                let args = vec![
                    x,
                    Expr::literal(Ty::Int4, a.to_string()),
                    Expr::literal(Ty::Int4, b.to_string()),
                ];
                call(Ty::Text, "substr", args)
            }
            3 => {
                let x = self.expr(Ty::Text, scope, d);
                let name = *self.pick(&["left", "right", "lpad", "rpad", "repeat"]);
                let n = Expr::literal(Ty::Int4, self.rng.random_range(0..6).to_string());
                call(Ty::Text, name, vec![x, n])
            }
            4 => {
                let ty = *self.pick(&[
                    Ty::Int4,
                    Ty::Int8,
                    Ty::Numeric,
                    Ty::Date,
                    Ty::Timestamp,
                    Ty::Bool,
                ]);
                let x = self.expr(ty, scope, d);
                Expr::new(Ty::Text, Kind::Cast(Box::new(x), "text"))
            }
            5 => {
                let ts = self.expr(Ty::Timestamp, scope, d);
                let fmt = format!(
                    "'{}'",
                    self.pick(&[
                        "YYYY-MM-DD",
                        "HH24:MI",
                        "YYYY-MM-DD HH24:MI:SS",
                        "Mon DD",
                        "DY"
                    ])
                );
                call(Ty::Text, "to_char", vec![ts, Expr::literal(Ty::Text, fmt)])
            }
            6 => {
                let args = vec![
                    self.expr(Ty::Text, scope, d),
                    self.expr(Ty::Int4, scope, d),
                    self.expr(Ty::Text, scope, d),
                ];
                call(Ty::Text, "concat", args)
            }
            7 => {
                let x = self.expr(Ty::Text, scope, d);
                let args = vec![
                    x,
                    Expr::literal(Ty::Text, "'-'"),
                    Expr::literal(Ty::Int4, "2"),
                ];
                call(Ty::Text, "split_part", args)
            }
            _ => self.case_or_coalesce(Ty::Text, scope, d),
        }
    }

    fn date_expr(&mut self, scope: &Scope, d: u32) -> Expr {
        match self.rng.random_range(0..4) {
            0 => {
                let (x, n) = (self.expr(Ty::Date, scope, d), self.expr(Ty::Int4, scope, d));
                let op = *self.pick(&["+", "-"]);
                binary(Ty::Date, op, x, n)
            }
            1 => {
                let ts = self.expr(Ty::Timestamp, scope, d);
                Expr::new(Ty::Date, Kind::Cast(Box::new(ts), "date"))
            }
            2 => self.case_or_coalesce(Ty::Date, scope, d),
            _ => self.literal(Ty::Date),
        }
    }

    fn timestamp_expr(&mut self, scope: &Scope, d: u32) -> Expr {
        match self.rng.random_range(0..5) {
            0 | 1 => {
                let (x, i) = (
                    self.expr(Ty::Timestamp, scope, d),
                    self.expr(Ty::Interval, scope, d),
                );
                let op = *self.pick(&["+", "-"]);
                binary(Ty::Timestamp, op, x, i)
            }
            2 => {
                let unit = format!("'{}'", self.pick(&["hour", "day", "minute", "month"]));
                let ts = self.expr(Ty::Timestamp, scope, d);
                call(
                    Ty::Timestamp,
                    "date_trunc",
                    vec![Expr::literal(Ty::Text, unit), ts],
                )
            }
            3 => {
                let (x, i) = (
                    self.expr(Ty::Date, scope, d),
                    self.expr(Ty::Interval, scope, d),
                );
                binary(Ty::Timestamp, "+", x, i)
            }
            _ => self.case_or_coalesce(Ty::Timestamp, scope, d),
        }
    }

    fn interval_expr(&mut self, scope: &Scope, d: u32) -> Expr {
        match self.rng.random_range(0..4) {
            0 => {
                let (a, b) = (
                    self.expr(Ty::Timestamp, scope, d),
                    self.expr(Ty::Timestamp, scope, d),
                );
                binary(Ty::Interval, "-", a, b)
            }
            1 => {
                let (i, n) = (
                    self.expr(Ty::Interval, scope, d),
                    self.expr(Ty::Int4, scope, d),
                );
                binary(Ty::Interval, "*", i, n)
            }
            2 => {
                let (a, b) = (
                    self.expr(Ty::Interval, scope, d),
                    self.expr(Ty::Interval, scope, d),
                );
                let op = *self.pick(&["+", "-"]);
                binary(Ty::Interval, op, a, b)
            }
            _ => self.literal(Ty::Interval),
        }
    }

    /// An aggregate call of result type `ty`, over expressions of the ungrouped rows.
    fn aggregate(&mut self, ty: Ty, scope: &Scope, depth: u32) -> Option<Expr> {
        let inner = Scope {
            aggregates: false,
            grouped: None,
            windows: false,
            ..scope.clone()
        };
        let d = depth.saturating_sub(1).min(2);
        let (name, arg): (&'static str, Option<Expr>) = match ty {
            Ty::Int8 => {
                if self.chance(0.5) {
                    ("count", None)
                } else {
                    let t = self.item_type();
                    let name = *self.pick(&["count", "sum"]);
                    let t = if name == "sum" { Ty::Int4 } else { t };
                    (name, Some(self.expr(t, &inner, d)))
                }
            }
            Ty::Numeric => {
                let arg_ty = *self.pick(&[Ty::Int4, Ty::Int8, Ty::Numeric]);
                let name = if arg_ty == Ty::Int4 {
                    "avg"
                } else {
                    *self.pick(&["avg", "sum"])
                };
                (name, Some(self.expr(arg_ty, &inner, d)))
            }
            Ty::Float8 => {
                let name = *self.pick(&["avg", "sum", "min", "max", "stddev_samp", "var_pop"]);
                (name, Some(self.expr(Ty::Float8, &inner, d)))
            }
            Ty::Bool => {
                let name = *self.pick(&["bool_and", "bool_or"]);
                (name, Some(self.expr(Ty::Bool, &inner, d)))
            }
            Ty::Interval => return None,
            _ => {
                let name = *self.pick(&["min", "max"]);
                (name, Some(self.expr(ty, &inner, d)))
            }
        };
        let distinct = arg.is_some() && self.chance(0.15);
        let filter = self
            .chance(0.25)
            .then(|| Box::new(self.expr(Ty::Bool, &inner, 2)));
        Some(Expr::new(
            ty,
            Kind::Aggregate {
                name,
                arg: arg.map(Box::new),
                distinct,
                filter,
            },
        ))
    }

    /// A window function of result type `ty`, deterministic over PostgreSQL's rows.
    fn window(&mut self, ty: Ty, scope: &Scope, depth: u32) -> Option<Expr> {
        let inner = Scope {
            windows: false,
            aggregates: false,
            ..scope.clone()
        };
        let d = depth.saturating_sub(1).min(2);
        let partition: Vec<Expr> = (0..self.rng.random_range(0..=1))
            .filter_map(|_| {
                let t = *self.pick(&[Ty::Int4, Ty::Text, Ty::Date]);
                self.column(t, &inner)
            })
            .collect();
        let unique = !scope.unique_order.is_empty();
        let window: WindowParts = match ty {
            Ty::Int8 if unique && self.chance(0.5) => {
                let desc = self.chance(0.3);
                let order = scope
                    .unique_order
                    .iter()
                    .map(|e| (e.clone(), desc))
                    .collect();
                ("row_number", vec![], order, None)
            }
            Ty::Int8 => {
                let key_ty = *self.pick(&[Ty::Int4, Ty::Timestamp, Ty::Text]);
                let key = self.column(key_ty, &inner)?;
                let name = *self.pick(&["rank", "dense_rank"]);
                (name, vec![], vec![(key, self.chance(0.3))], None)
            }
            Ty::Float8 | Ty::Numeric | Ty::Int4 => {
                let (name, arg_ty) = match ty {
                    Ty::Float8 => (*self.pick(&["sum", "avg", "min", "max"]), Ty::Float8),
                    Ty::Numeric => ("avg", Ty::Int4),
                    _ => (*self.pick(&["min", "max", "lag", "lead"]), Ty::Int4),
                };
                let arg = self.expr(arg_ty, &inner, d);
                let needs_unique = matches!(name, "lag" | "lead");
                if needs_unique && !unique {
                    return None;
                }
                let (order, frame) = if needs_unique || (unique && self.chance(0.4)) {
                    let order = scope
                        .unique_order
                        .iter()
                        .map(|e| (e.clone(), false))
                        .collect();
                    let frame = (!needs_unique && self.chance(0.6)).then(|| {
                        *self.pick(&[
                            "ROWS BETWEEN 2 PRECEDING AND CURRENT ROW",
                            "ROWS BETWEEN UNBOUNDED PRECEDING AND 1 FOLLOWING",
                            "ROWS BETWEEN 1 PRECEDING AND 1 FOLLOWING",
                        ])
                    });
                    (order, frame)
                } else if self.chance(0.5) {
                    let key_ty = *self.pick(&[Ty::Int4, Ty::Timestamp]);
                    let key = self.column(key_ty, &inner);
                    (key.into_iter().map(|k| (k, false)).collect(), None)
                } else {
                    (vec![], None)
                };
                (name, vec![arg], order, frame)
            }
            _ => return None,
        };
        let (name, args, order, frame) = window;
        Some(Expr::new(
            ty,
            Kind::Window {
                name,
                args,
                partition,
                order,
                frame,
            },
        ))
    }

    /// A scalar subquery: an aggregate over another table, maybe correlated on a key.
    fn subquery(&mut self, ty: Ty, scope: &Scope) -> Expr {
        if self.depth >= MAX_DEPTH {
            return self.literal(ty);
        }
        self.depth += 1;
        let t = *self.pick(&TABLES);
        let alias = self.alias();
        let from = vec![Source {
            table: t.name,
            alias: alias.clone(),
            join: None,
        }];
        let inner = self.scope_of(&from, false);
        let name = if ty == Ty::Int4 {
            *self.pick(&["min", "max"])
        } else {
            *self.pick(&["avg", "max", "sum"])
        };
        let arg = self.expr(ty, &inner, 1);
        let mut filter = self.chance(0.4).then(|| self.expr(Ty::Bool, &inner, 1));
        if let Some(correlation) = self.correlation(t, &alias, scope) {
            filter = Some(match filter {
                Some(f) => binary(Ty::Bool, "AND", f, correlation),
                None => correlation,
            });
        }
        self.depth -= 1;
        let select = Select {
            distinct: false,
            items: vec![Expr::new(
                ty,
                Kind::Aggregate {
                    name,
                    arg: Some(Box::new(arg)),
                    distinct: false,
                    filter: None,
                },
            )],
            from,
            filter,
            group_by: vec![],
            having: None,
            ordered: false,
            limit: None,
            set_operation: None,
        };
        Expr::new(ty, Kind::Subquery(Box::new(select)))
    }

    /// `inner.key = outer.key` for a column of the same name in the outer scope, sometimes.
    fn correlation(&mut self, t: Table, alias: &str, outer: &Scope) -> Option<Expr> {
        if outer.grouped.is_some() || !self.chance(0.5) {
            return None;
        }
        let shared: Vec<(&'static str, Ty, Column)> = t
            .columns
            .iter()
            .filter_map(|(name, ty)| {
                outer
                    .columns
                    .iter()
                    .find(|c| c.name == *name && c.ty == *ty)
                    .map(|c| (*name, *ty, c.clone()))
            })
            .collect();
        if shared.is_empty() {
            return None;
        }
        let (name, ty, outer_column) = self.pick(&shared).clone();
        Some(binary(
            Ty::Bool,
            "=",
            Expr::new(ty, Kind::Column(alias.to_owned(), name)),
            Expr::new(ty, Kind::Column(outer_column.alias, outer_column.name)),
        ))
    }

    fn exists_or_in(&mut self, scope: &Scope) -> Expr {
        self.depth += 1;
        let t = *self.pick(&[TABLES[1], TABLES[2], TABLES[3]]);
        let alias = self.alias();
        let from = vec![Source {
            table: t.name,
            alias: alias.clone(),
            join: None,
        }];
        let inner = self.scope_of(&from, false);
        let result = if self.chance(0.5) {
            let mut filter = self.expr(Ty::Bool, &inner, 1);
            if let Some(c) = self.correlation(t, &alias, scope) {
                filter = binary(Ty::Bool, "AND", filter, c);
            }
            let select = Select {
                distinct: false,
                items: vec![Expr::literal(Ty::Int4, "1")],
                from,
                filter: Some(filter),
                group_by: vec![],
                having: None,
                ordered: false,
                limit: None,
                set_operation: None,
            };
            Expr::new(Ty::Bool, Kind::Exists(Box::new(select), self.chance(0.3)))
        } else {
            let ty = *self.pick(&[Ty::Int4, Ty::Text]);
            let item = self.column(ty, &inner).unwrap_or_else(|| self.literal(ty));
            let outer = self.expr(ty, scope, 1);
            let filter = self.chance(0.5).then(|| self.expr(Ty::Bool, &inner, 1));
            let select = Select {
                distinct: false,
                items: vec![item],
                from,
                filter,
                group_by: vec![],
                having: None,
                ordered: false,
                limit: None,
                set_operation: None,
            };
            Expr::new(
                Ty::Bool,
                Kind::InSubquery(Box::new(outer), Box::new(select), self.chance(0.3)),
            )
        };
        self.depth -= 1;
        result
    }
}

/// A literal zero (`0`, `CAST(0 AS int8)`, `CAST(0 AS float8)`).
fn is_zero_literal(e: &Expr) -> bool {
    matches!(&e.kind, Kind::Literal(text) if text == "0" || text.starts_with("CAST(0 AS"))
}

/// The int8 literal no int4 holds.
fn is_out_of_int4_literal(e: &Expr) -> bool {
    matches!(&e.kind, Kind::Literal(text) if text.contains("4000000000"))
}

fn binary(ty: Ty, op: &'static str, l: Expr, r: Expr) -> Expr {
    Expr::new(ty, Kind::Binary(op, Box::new(l), Box::new(r)))
}

fn call(ty: Ty, name: &'static str, args: Vec<Expr>) -> Expr {
    Expr::new(ty, Kind::Call(name, args))
}

fn table(name: &str) -> Table {
    TABLES
        .iter()
        .copied()
        .find(|t| t.name == name)
        .unwrap_or(TABLES[0])
}

fn column_type(t: Table, name: &str) -> Ty {
    t.columns
        .iter()
        .find(|(n, _)| *n == name)
        .map_or(Ty::Text, |(_, ty)| *ty)
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    use super::*;

    #[test]
    fn the_same_seed_writes_the_same_queries() {
        let write = |seed| {
            let mut g = Generator::new(ChaCha8Rng::seed_from_u64(seed));
            (0..20).map(|_| g.query().to_string()).collect::<Vec<_>>()
        };
        assert_eq!(write(7), write(7));
        assert_ne!(write(7), write(8));
    }

    #[test]
    fn every_query_parses_as_postgresql() {
        let mut g = Generator::new(ChaCha8Rng::seed_from_u64(1));
        for _ in 0..500 {
            let sql = g.query().to_string();
            junction_transpiler::parse(&sql).unwrap_or_else(|e| panic!("{sql}: {e}"));
        }
    }
}
