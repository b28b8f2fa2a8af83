//! PostgreSQL's names for unaliased result columns (parse_target.c's FigureColname): a
//! function call is named after the function (`count`), a cast after what it casts or else
//! its type (`1::int` is `int4`), anything without a name `?column?`.
//!
//! PostgreSQL lets two result columns share a name (`SELECT a, a::int`); engines do not. Such
//! a column is aliased `<name><MARK><position>`, unique for the engine, and front ends show
//! clients [`client_column_name`], the part before the mark.

/// Separates a result column's client name from the suffix that keeps it unique inside an
/// engine. ASCII "unit separator": no client writes it in an identifier.
const MARK: char = '\u{1f}';

/// The name a client sees for the engine's result column `name`.
pub fn client_column_name(name: &str) -> &str {
    name.find(MARK).map_or(name, |end| &name[..end])
}

use sqlparser::ast::{
    ArrayElemTypeDef, DataType, ExactNumberInfo, Expr, Ident, Query, SelectItem, SetExpr,
    Statement, TimezoneInfo,
};

/// The name PostgreSQL gives `expr` as a result column, if it differs from what a plain
/// column reference already carries.
fn pg_name(expr: &Expr) -> Option<String> {
    match expr {
        _ if is_current_role(expr) => Some("current_role".to_owned()),
        Expr::Identifier(_) | Expr::CompoundIdentifier(_) => None,
        _ => Some(figure_name(expr).map_or_else(|| "?column?".to_owned(), Name::into_name)),
    }
}

/// A name PostgreSQL's FigureColname gives a column, and how sure it is of it: a column's or
/// a function's name is strong; a type's (`1::int4` is `int4`) or `case` gives way to an
/// outer cast's type.
enum Name {
    Weak(String),
    Strong(String),
}

impl Name {
    fn into_name(self) -> String {
        match self {
            Name::Weak(name) | Name::Strong(name) => name,
        }
    }
}

/// PostgreSQL's FigureColnameInternal: the name `expr` gives its column, if any.
fn figure_name(expr: &Expr) -> Option<Name> {
    let strong = |name: &str| Some(Name::Strong(name.to_owned()));
    match expr {
        Expr::Identifier(i) => Some(Name::Strong(crate::relations::fold(i))),
        Expr::CompoundIdentifier(parts) => parts
            .last()
            .map(|i| Name::Strong(crate::relations::fold(i))),
        Expr::Function(f) => crate::ast::function_name(f).map(|n| Name::Strong(n.to_lowercase())),
        Expr::Cast {
            expr, data_type, ..
        } => match figure_name(expr) {
            strong @ Some(Name::Strong(_)) => strong,
            _ => Some(Name::Weak(type_name(data_type))),
        },
        Expr::TypedString(typed) => Some(Name::Weak(type_name(&typed.data_type))),
        Expr::Interval(_) => Some(Name::Weak("interval".to_owned())),
        Expr::Nested(inner) | Expr::Collate { expr: inner, .. } => figure_name(inner),
        Expr::Case { else_result, .. } => match else_result.as_deref().and_then(figure_name) {
            strong @ Some(Name::Strong(_)) => strong,
            _ => Some(Name::Weak("case".to_owned())),
        },
        Expr::Subquery(query) => strong(&subquery_name(query)),
        Expr::Exists { .. } => strong("exists"),
        Expr::Array(_) => strong("array"),
        Expr::Tuple(_) => strong("row"),
        Expr::Extract { .. } => strong("extract"),
        Expr::Substring { .. } => strong("substring"),
        Expr::Position { .. } => strong("position"),
        Expr::Overlay { .. } => strong("overlay"),
        Expr::Ceil { .. } => strong("ceil"),
        Expr::Floor { .. } => strong("floor"),
        Expr::AtTimeZone { .. } => strong("timezone"),
        Expr::Trim { trim_where, .. } => strong(match trim_where {
            Some(sqlparser::ast::TrimWhereField::Leading) => "ltrim",
            Some(sqlparser::ast::TrimWhereField::Trailing) => "rtrim",
            _ => "btrim",
        }),
        _ => None,
    }
}

/// A scalar subquery's column is named after the subquery's own (first) result column.
fn subquery_name(query: &Query) -> String {
    let first = match query.body.as_ref() {
        SetExpr::Select(select) => select.projection.first(),
        _ => None,
    };
    match first {
        Some(SelectItem::ExprWithAlias { alias, .. }) => crate::relations::fold(alias),
        Some(SelectItem::UnnamedExpr(expr)) => {
            figure_name(expr).map_or_else(|| "?column?".to_owned(), Name::into_name)
        }
        _ => "?column?".to_owned(),
    }
}

/// The name PostgreSQL's grammar gives a type in a cast: its catalog name (`int4`,
/// `float8`, `bpchar`, `timestamptz`), an array's being its element's.
fn type_name(data_type: &DataType) -> String {
    let name = match data_type {
        DataType::Bool | DataType::Boolean => "bool",
        DataType::SmallInt(_) | DataType::Int2(_) => "int2",
        DataType::Int(_) | DataType::Integer(_) | DataType::Int4(_) => "int4",
        DataType::BigInt(_) | DataType::Int8(_) => "int8",
        DataType::Real | DataType::Float4 => "float4",
        DataType::Float(
            ExactNumberInfo::Precision(p) | ExactNumberInfo::PrecisionAndScale(p, _),
        ) if *p <= 24 => "float4",
        DataType::Double(_) | DataType::DoublePrecision | DataType::Float8 | DataType::Float(_) => {
            "float8"
        }
        DataType::Numeric(_) | DataType::Decimal(_) | DataType::Dec(_) => "numeric",
        DataType::Varchar(_) | DataType::CharacterVarying(_) | DataType::CharVarying(_) => {
            "varchar"
        }
        DataType::Char(_) | DataType::Character(_) => "bpchar",
        DataType::Text => "text",
        DataType::Bytea => "bytea",
        DataType::Date => "date",
        DataType::Time(_, TimezoneInfo::Tz | TimezoneInfo::WithTimeZone) => "timetz",
        DataType::Time(..) => "time",
        DataType::Timestamp(_, TimezoneInfo::Tz | TimezoneInfo::WithTimeZone) => "timestamptz",
        DataType::Timestamp(..) => "timestamp",
        DataType::Interval { .. } => "interval",
        DataType::JSON => "json",
        DataType::JSONB => "jsonb",
        DataType::Uuid => "uuid",
        DataType::Array(
            ArrayElemTypeDef::AngleBracket(element)
            | ArrayElemTypeDef::SquareBracket(element, _)
            | ArrayElemTypeDef::Parenthesis(element),
        ) => return type_name(element),
        DataType::Custom(name, _) => {
            return name
                .0
                .last()
                .and_then(|part| part.as_ident())
                .map_or_else(|| name.to_string().to_lowercase(), crate::relations::fold)
        }
        other => return other.to_string().to_lowercase(),
    };
    name.to_owned()
}

/// Whether `expr` is SQL's `current_role`, which the parser reads as a name (PostgreSQL
/// reserves the word: no column is called that unquoted).
pub(crate) fn is_current_role(expr: &Expr) -> bool {
    matches!(expr, Expr::Identifier(i)
        if i.quote_style.is_none() && i.value.eq_ignore_ascii_case("current_role"))
}

fn name_projection(query: &mut Query) {
    let SetExpr::Select(select) = query.body.as_mut() else {
        return;
    };
    // Behind a wildcard any name may be taken already; every alias then gets the mark.
    let wildcard = select.projection.iter().any(|item| {
        matches!(
            item,
            SelectItem::Wildcard(_) | SelectItem::QualifiedWildcard(..)
        )
    });
    let mut taken: Vec<String> = Vec::new();
    for (position, item) in select.projection.iter_mut().enumerate() {
        match item {
            SelectItem::UnnamedExpr(expr) => {
                // A column reference keeps its own name unless another column has it
                // (`SELECT *, ward`, `SELECT id, id`).
                let (name, reference) = match (pg_name(expr), &*expr) {
                    (Some(name), _) => (name, false),
                    (None, Expr::Identifier(i)) => (i.value.to_lowercase(), true),
                    (None, Expr::CompoundIdentifier(parts)) => match parts.last() {
                        Some(i) => (i.value.to_lowercase(), true),
                        None => continue,
                    },
                    (None, _) => continue,
                };
                let shared = wildcard || taken.contains(&name);
                if reference && !shared {
                    taken.push(name);
                    continue;
                }
                let alias = if shared {
                    format!("{name}{MARK}{position}")
                } else {
                    name.clone()
                };
                taken.push(name);
                let expr = std::mem::replace(expr, Expr::value(sqlparser::ast::Value::Null));
                *item = SelectItem::ExprWithAlias {
                    expr,
                    alias: Ident::with_quote('"', alias),
                };
            }
            // Two columns given one name (`SELECT 1 AS a, 2 AS a`, which PostgreSQL answers):
            // the second is made unique for the engine. An ORDER BY of the name then sorts
            // by the first, where PostgreSQL calls it ambiguous.
            SelectItem::ExprWithAlias { alias, .. } => {
                let name = crate::relations::fold(alias);
                if taken.contains(&name) {
                    *alias = Ident::with_quote('"', format!("{name}{MARK}{position}"));
                }
                taken.push(name);
            }
            _ => {}
        }
    }
}

/// Gives the result columns of `statement` PostgreSQL's names.
pub fn name_result_columns(statement: &mut Statement) {
    if let Statement::Query(query) = statement {
        name_projection(query);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn named(sql: &str) -> String {
        let mut statement = crate::parse(sql).expect("valid").remove(0);
        name_result_columns(&mut statement);
        statement.to_string()
    }

    #[test]
    fn functions_casts_and_expressions() {
        assert_eq!(
            named("SELECT count(*) FROM t"),
            "SELECT count(*) AS \"count\" FROM t"
        );
        assert_eq!(named("SELECT 1"), "SELECT 1 AS \"?column?\"");
        assert_eq!(
            named("SELECT a::int FROM t"),
            "SELECT a::INT AS \"a\" FROM t"
        );
        assert_eq!(named("SELECT 1::int4"), "SELECT 1::INT4 AS \"int4\"");
        assert_eq!(named("SELECT a, b AS c FROM t"), "SELECT a, b AS c FROM t");
    }

    /// PostgreSQL shows both columns by one name; the engines take them under two.
    #[test]
    fn a_column_named_twice_is_unique_for_the_engine() {
        assert_eq!(
            named("SELECT id, t.id FROM t"),
            "SELECT id, t.id AS \"id\u{1f}1\" FROM t"
        );
        assert_eq!(
            named("SELECT *, ward FROM t"),
            "SELECT *, ward AS \"ward\u{1f}1\" FROM t"
        );
        assert_eq!(client_column_name("ward\u{1f}1"), "ward");
    }

    /// Each name as PostgreSQL 15 gives it.
    #[test]
    fn names_as_postgresql_figures_them() {
        let name = |expr: &str| {
            let named = named(&format!("SELECT {expr} FROM t"));
            named
                .rsplit_once(" AS \"")
                .and_then(|(_, tail)| tail.split_once('"'))
                .map(|(name, _)| name.to_owned())
                .unwrap_or_else(|| panic!("{named}"))
        };
        for (expr, expected) in [
            ("1::integer", "int4"),
            ("'x'::varchar(3)", "varchar"),
            ("CAST(NULL::interval AS text)", "text"),
            ("CASE WHEN true THEN 1 ELSE relpages END", "relpages"),
            ("CASE WHEN true THEN 1 END", "case"),
            ("CASE WHEN true THEN 1 END::text", "text"),
            ("(SELECT max(oid) FROM pg_class)", "max"),
            ("(SELECT 1)", "?column?"),
            ("DATE '2026-01-01'", "date"),
            ("INTERVAL '1 day'", "interval"),
            ("'{1}'::int[]", "int4"),
            ("1::float", "float8"),
            ("1::float(10)", "float4"),
            ("'a'::char(2)", "bpchar"),
            ("now()::timestamptz", "now"),
            ("'1'::timestamp with time zone", "timestamptz"),
            ("'1'::numeric(3,1)", "numeric"),
            ("extract(year FROM now())", "extract"),
            ("substring('abc' FROM 1 FOR 1)", "substring"),
            ("trim(' a ')", "btrim"),
            ("EXISTS (SELECT 1)", "exists"),
            ("ARRAY[1]", "array"),
            ("ROW(1, 2)", "row"),
            ("A::int", "a"),
            ("'x' COLLATE \"C\"", "?column?"),
            ("now() AT TIME ZONE 'UTC'", "timezone"),
            ("true::boolean", "bool"),
            ("'x'::regclass", "regclass"),
        ] {
            assert_eq!(name(expr), expected, "{expr}");
        }
    }

    #[test]
    fn duplicate_aliases_are_unique_for_the_engine() {
        assert_eq!(
            named("SELECT 1 AS a, 2 AS A, 3 AS \"A\""),
            "SELECT 1 AS a, 2 AS \"a\u{1f}1\", 3 AS \"A\""
        );
    }

    #[test]
    fn duplicate_names_are_unique_for_the_engine_and_equal_for_the_client() {
        assert_eq!(
            named("SELECT count(a), count(b) FROM t"),
            "SELECT count(a) AS \"count\", count(b) AS \"count\u{1f}1\" FROM t"
        );
        assert_eq!(
            named("SELECT a, a::int FROM t"),
            "SELECT a, a::INT AS \"a\u{1f}1\" FROM t"
        );
        assert_eq!(
            named("SELECT *, a::int FROM t"),
            "SELECT *, a::INT AS \"a\u{1f}1\" FROM t"
        );
        assert_eq!(client_column_name("count\u{1f}1"), "count");
        assert_eq!(client_column_name("count"), "count");
    }
}
