//! The queries the fuzzer writes: a small AST that prints as PostgreSQL SQL, fully
//! parenthesized so that no engine can read its precedence differently, and that the
//! minimizer can take apart.

use std::fmt::{self, Display, Formatter, Write};

use super::schema::Ty;

/// An expression and its PostgreSQL type.
#[derive(Debug, Clone, PartialEq)]
pub struct Expr {
    pub ty: Ty,
    pub kind: Kind,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Kind {
    /// `alias.column`.
    Column(String, &'static str),
    /// A literal as written (`42`, `'a''b'`, `NULL::int4`).
    Literal(String),
    /// `(left op right)`.
    Binary(&'static str, Box<Expr>, Box<Expr>),
    /// `(op arg)` or `(arg op)` for a postfix (`IS NULL`).
    Prefix(&'static str, Box<Expr>),
    Postfix(Box<Expr>, &'static str),
    /// `name(args)`.
    Call(&'static str, Vec<Expr>),
    /// `CAST(arg AS type)`.
    Cast(Box<Expr>, &'static str),
    /// `CASE WHEN .. THEN .. ELSE .. END`.
    Case(Vec<(Expr, Expr)>, Option<Box<Expr>>),
    /// `(x [NOT] BETWEEN [SYMMETRIC] a AND b)`.
    Between {
        value: Box<Expr>,
        low: Box<Expr>,
        high: Box<Expr>,
        negated: bool,
        symmetric: bool,
    },
    /// `(x [NOT] IN (a, b))`.
    InList(Box<Expr>, Vec<Expr>, bool),
    /// `name([DISTINCT] arg) [FILTER (WHERE cond)]`; `count(*)` has no argument.
    Aggregate {
        name: &'static str,
        arg: Option<Box<Expr>>,
        distinct: bool,
        filter: Option<Box<Expr>>,
    },
    /// `name(args) OVER (PARTITION BY .. ORDER BY .. frame)`.
    Window {
        name: &'static str,
        args: Vec<Expr>,
        partition: Vec<Expr>,
        order: Vec<(Expr, bool)>,
        frame: Option<&'static str>,
    },
    /// `(SELECT ...)`, a scalar subquery.
    Subquery(Box<Select>),
    /// `EXISTS (SELECT ...)`.
    Exists(Box<Select>, bool),
    /// `(x [NOT] IN (SELECT ...))`.
    InSubquery(Box<Expr>, Box<Select>, bool),
}

impl Expr {
    pub fn new(ty: Ty, kind: Kind) -> Self {
        Self { ty, kind }
    }

    pub fn literal(ty: Ty, text: impl Into<String>) -> Self {
        Self::new(ty, Kind::Literal(text.into()))
    }

    /// Whether an aggregate is inside (outside of subqueries).
    pub fn has_aggregate(&self) -> bool {
        match &self.kind {
            Kind::Aggregate { .. } => true,
            Kind::Window { .. } | Kind::Subquery(_) | Kind::Exists(..) => false,
            _ => self.children().iter().any(|c| c.has_aggregate()),
        }
    }

    pub fn has_window(&self) -> bool {
        match &self.kind {
            Kind::Window { .. } => true,
            Kind::Subquery(_) | Kind::Exists(..) => false,
            _ => self.children().iter().any(|c| c.has_window()),
        }
    }

    /// The direct sub-expressions (not those of subqueries).
    pub fn children(&self) -> Vec<&Expr> {
        match &self.kind {
            Kind::Column(..) | Kind::Literal(_) | Kind::Subquery(_) | Kind::Exists(..) => vec![],
            Kind::Binary(_, l, r) => vec![l, r],
            Kind::Prefix(_, a) | Kind::Postfix(a, _) | Kind::Cast(a, _) => vec![a],
            Kind::Call(_, args) => args.iter().collect(),
            Kind::Case(whens, otherwise) => whens
                .iter()
                .flat_map(|(w, t)| [w, t])
                .chain(otherwise.as_deref())
                .collect(),
            Kind::Between {
                value, low, high, ..
            } => vec![value, low, high],
            Kind::InList(v, list, _) => std::iter::once(v.as_ref()).chain(list).collect(),
            Kind::Aggregate { arg, filter, .. } => arg
                .as_deref()
                .into_iter()
                .chain(filter.as_deref())
                .collect(),
            Kind::Window {
                args,
                partition,
                order,
                ..
            } => args
                .iter()
                .chain(partition)
                .chain(order.iter().map(|(e, _)| e))
                .collect(),
            Kind::InSubquery(v, ..) => vec![v],
        }
    }

    /// The direct sub-expressions, to rewrite in place.
    pub fn children_mut(&mut self) -> Vec<&mut Expr> {
        match &mut self.kind {
            Kind::Column(..) | Kind::Literal(_) | Kind::Subquery(_) | Kind::Exists(..) => vec![],
            Kind::Binary(_, l, r) => vec![l, r],
            Kind::Prefix(_, a) | Kind::Postfix(a, _) | Kind::Cast(a, _) => vec![a],
            Kind::Call(_, args) => args.iter_mut().collect(),
            Kind::Case(whens, otherwise) => {
                let mut all: Vec<&mut Expr> = Vec::new();
                for (w, t) in whens.iter_mut() {
                    all.push(w);
                    all.push(t);
                }
                if let Some(o) = otherwise {
                    all.push(o);
                }
                all
            }
            Kind::Between {
                value, low, high, ..
            } => vec![value, low, high],
            Kind::InList(v, list, _) => {
                std::iter::once(v.as_mut()).chain(list.iter_mut()).collect()
            }
            Kind::Aggregate { arg, filter, .. } => arg
                .as_deref_mut()
                .into_iter()
                .chain(filter.as_deref_mut())
                .collect(),
            Kind::Window {
                args,
                partition,
                order,
                ..
            } => args
                .iter_mut()
                .chain(partition.iter_mut())
                .chain(order.iter_mut().map(|(e, _)| e))
                .collect(),
            Kind::InSubquery(v, ..) => vec![v],
        }
    }
}

fn list(f: &mut Formatter<'_>, items: &[Expr]) -> fmt::Result {
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            f.write_str(", ")?;
        }
        write!(f, "{item}")?;
    }
    Ok(())
}

impl Display for Expr {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match &self.kind {
            Kind::Column(alias, name) => write!(f, "{alias}.{name}"),
            Kind::Literal(text) => f.write_str(text),
            Kind::Binary(op, l, r) => write!(f, "({l} {op} {r})"),
            Kind::Prefix(op, a) => write!(f, "({op} {a})"),
            Kind::Postfix(a, op) => write!(f, "({a} {op})"),
            Kind::Call(name, args) => {
                write!(f, "{name}(")?;
                list(f, args)?;
                f.write_char(')')
            }
            Kind::Cast(a, ty) => write!(f, "CAST({a} AS {ty})"),
            Kind::Case(whens, otherwise) => {
                f.write_str("CASE")?;
                for (w, t) in whens {
                    write!(f, " WHEN {w} THEN {t}")?;
                }
                if let Some(o) = otherwise {
                    write!(f, " ELSE {o}")?;
                }
                f.write_str(" END")
            }
            Kind::Between {
                value,
                low,
                high,
                negated,
                symmetric,
            } => write!(
                f,
                "({value} {}BETWEEN {}{low} AND {high})",
                if *negated { "NOT " } else { "" },
                if *symmetric { "SYMMETRIC " } else { "" }
            ),
            Kind::InList(v, items, negated) => {
                write!(f, "({v} {}IN (", if *negated { "NOT " } else { "" })?;
                list(f, items)?;
                f.write_str("))")
            }
            Kind::Aggregate {
                name,
                arg,
                distinct,
                filter,
            } => {
                match arg {
                    None => write!(f, "{name}(*)")?,
                    Some(a) => {
                        write!(f, "{name}({}{a})", if *distinct { "DISTINCT " } else { "" })?
                    }
                }
                if let Some(c) = filter {
                    write!(f, " FILTER (WHERE {c})")?;
                }
                Ok(())
            }
            Kind::Window {
                name,
                args,
                partition,
                order,
                frame,
            } => {
                write!(f, "{name}(")?;
                list(f, args)?;
                f.write_str(") OVER (")?;
                if !partition.is_empty() {
                    f.write_str("PARTITION BY ")?;
                    list(f, partition)?;
                }
                if !order.is_empty() {
                    if !partition.is_empty() {
                        f.write_char(' ')?;
                    }
                    f.write_str("ORDER BY ")?;
                    for (i, (e, desc)) in order.iter().enumerate() {
                        if i > 0 {
                            f.write_str(", ")?;
                        }
                        write!(f, "{e}{}", if *desc { " DESC" } else { "" })?;
                    }
                }
                if let Some(frame) = frame {
                    write!(f, " {frame}")?;
                }
                f.write_char(')')
            }
            Kind::Subquery(s) => write!(f, "({s})"),
            Kind::Exists(s, negated) => {
                write!(f, "({}EXISTS ({s}))", if *negated { "NOT " } else { "" })
            }
            Kind::InSubquery(v, s, negated) => {
                write!(f, "({v} {}IN ({s}))", if *negated { "NOT " } else { "" })
            }
        }
    }
}

/// A table in FROM with its alias, and how it joins the one before it.
#[derive(Debug, Clone, PartialEq)]
pub struct Source {
    pub table: &'static str,
    pub alias: String,
    /// `None` for the first; else the join kind and condition.
    pub join: Option<(&'static str, Expr)>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Select {
    pub distinct: bool,
    pub items: Vec<Expr>,
    pub from: Vec<Source>,
    pub filter: Option<Expr>,
    pub group_by: Vec<Expr>,
    pub having: Option<Expr>,
    /// ORDER BY every output column (by position) when set: results compare in order.
    pub ordered: bool,
    pub limit: Option<u32>,
    /// `UNION [ALL] / INTERSECT / EXCEPT` with another select of the same column types.
    pub set_operation: Option<(&'static str, Box<Select>)>,
}

impl Select {
    pub fn column_types(&self) -> Vec<Ty> {
        self.items.iter().map(|e| e.ty).collect()
    }

    /// The body without ORDER BY and LIMIT.
    fn fmt_body(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str("SELECT ")?;
        if self.distinct {
            f.write_str("DISTINCT ")?;
        }
        for (i, item) in self.items.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{item} AS c{i}")?;
        }
        for (i, source) in self.from.iter().enumerate() {
            match &source.join {
                None if i == 0 => write!(f, " FROM {} AS {}", source.table, source.alias)?,
                None => write!(f, " CROSS JOIN {} AS {}", source.table, source.alias)?,
                Some((kind, on)) => write!(
                    f,
                    " {kind} JOIN {} AS {} ON {on}",
                    source.table, source.alias
                )?,
            }
        }
        if let Some(w) = &self.filter {
            write!(f, " WHERE {w}")?;
        }
        if !self.group_by.is_empty() {
            f.write_str(" GROUP BY ")?;
            list(f, &self.group_by)?;
        }
        if let Some(h) = &self.having {
            write!(f, " HAVING {h}")?;
        }
        Ok(())
    }
}

impl Display for Select {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match &self.set_operation {
            Some((op, other)) => {
                f.write_char('(')?;
                self.fmt_body(f)?;
                write!(f, ") {op} (")?;
                other.fmt_body(f)?;
                f.write_char(')')?;
            }
            None => self.fmt_body(f)?,
        }
        if self.ordered {
            f.write_str(" ORDER BY ")?;
            for i in 0..self.items.len() {
                if i > 0 {
                    f.write_str(", ")?;
                }
                write!(f, "{}", i + 1)?;
            }
        }
        if let Some(n) = self.limit {
            write!(f, " LIMIT {n}")?;
        }
        Ok(())
    }
}
