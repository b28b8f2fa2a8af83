//! Names written as text and cast to an object-identifier type (`'abs'::regproc`,
//! `'silver.patients'::regclass::oid`, psql's `\sf` and `\sv`), looked up as PostgreSQL
//! looks them up: a name that means no object is an error, never a NULL, an empty result or
//! the text itself (which the engines would otherwise answer once the cast is dropped).
//!
//! A cast whose value a client reads (a select item, or its text) prints the object's name as
//! the type's output function does; everywhere else (a comparison, a cast to `oid`) it is the
//! OID. Functions and types resolve in DataFusion (`junction_regproc` and the like, over
//! pg_catalog's static rows); relations resolve through `pg_class` along `search_path`, the
//! system catalogs by their fixed OIDs.

use std::ops::ControlFlow;

use sqlparser::ast::{
    visit_expressions_mut, DataType, Expr, Ident, Query, SelectItem, SetExpr, Statement,
    TypedString, Value, VisitMut, VisitorMut,
};

use super::constructs::CATALOG_OIDS;

/// The object-identifier types a name resolves to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Target {
    Regclass,
    /// Resolved by the DataFusion function of this name (`junction_regproc`, ...).
    Catalog(&'static str),
}

fn target(data_type: &DataType) -> Option<(Target, &'static str)> {
    let name = data_type.to_string().to_ascii_lowercase();
    let name = name.strip_prefix("pg_catalog.").unwrap_or(&name);
    Some(match name {
        "regclass" => (Target::Regclass, "regclass"),
        "regproc" => (Target::Catalog("regproc"), "regproc"),
        "regprocedure" => (Target::Catalog("regprocedure"), "regprocedure"),
        "regtype" => (Target::Catalog("regtype"), "regtype"),
        _ => return None,
    })
}

/// A string literal cast to an object-identifier type: the type, its name, and the text.
fn named_object(expr: &Expr) -> Option<(Target, &'static str, String)> {
    let (data_type, text) = match expr {
        Expr::Cast {
            data_type,
            expr: operand,
            ..
        } => match operand.as_ref() {
            Expr::Value(v) => match &v.value {
                Value::SingleQuotedString(s) => (data_type, s.clone()),
                _ => return None,
            },
            _ => return None,
        },
        Expr::TypedString(TypedString {
            data_type, value, ..
        }) => match &value.value {
            Value::SingleQuotedString(s) => (data_type, s.clone()),
            _ => return None,
        },
        _ => return None,
    };
    let (target, type_name) = target(data_type)?;
    Some((target, type_name, text))
}

fn is_text(data_type: &DataType) -> bool {
    matches!(
        data_type,
        DataType::Text | DataType::Varchar(_) | DataType::CharacterVarying(_)
    )
}

/// Resolves every name cast to `regclass`, `regproc`, `regprocedure` or `regtype` in
/// `statement`; whether there was one.
pub fn resolve(statement: &mut Statement) -> bool {
    let mut found = false;
    // First what clients read, in each select list; then every other use.
    let _ = statement.visit(&mut SelectLists { found: &mut found });
    let _ = visit_expressions_mut(statement, |expr| {
        if let Some((target, _, text)) = named_object(expr) {
            *expr = oid_of(target, &text);
            found = true;
        }
        found |= print_regtype(expr);
        ControlFlow::<()>::Continue(())
    });
    found
}

/// The text of a column cast to regtype (psycopg's `TypeInfo.fetch` reads
/// `oid::regtype::text`) as the type's name, which regtype's output function prints:
/// `format_type(oid, NULL)`, or the number for an OID that names no type. Dropped like every
/// other object-identifier cast, it printed the number. Whether `expr` was one.
fn print_regtype(expr: &mut Expr) -> bool {
    let Expr::Cast {
        data_type,
        expr: inner,
        ..
    } = expr
    else {
        return false;
    };
    if !matches!(data_type, DataType::Text | DataType::Varchar(_)) || named_object(inner).is_some()
    {
        return false;
    }
    let Expr::Cast {
        data_type,
        expr: oid,
        ..
    } = inner.as_ref()
    else {
        return false;
    };
    if !matches!(target(data_type), Some((Target::Catalog("regtype"), _))) {
        return false;
    }
    **inner = parsed_expr(&format!(
        "CASE WHEN pg_catalog.format_type({oid}, NULL) = '???' \
         THEN CAST({oid} AS TEXT) ELSE pg_catalog.format_type({oid}, NULL) END"
    ));
    true
}

struct SelectLists<'a> {
    found: &'a mut bool,
}

impl VisitorMut for SelectLists<'_> {
    type Break = ();

    fn pre_visit_query(&mut self, query: &mut Query) -> ControlFlow<()> {
        self.set_expr(&mut query.body);
        ControlFlow::Continue(())
    }
}

impl SelectLists<'_> {
    fn set_expr(&mut self, body: &mut SetExpr) {
        match body {
            SetExpr::Select(select) => {
                for item in &mut select.projection {
                    self.item(item);
                }
            }
            SetExpr::SetOperation { left, right, .. } => {
                self.set_expr(left);
                self.set_expr(right);
            }
            _ => {}
        }
    }

    /// A select item that is such a cast, or its text, becomes the printed name, under the
    /// column name PostgreSQL gives it (the type's).
    fn item(&mut self, item: &mut SelectItem) {
        let (expr, alias) = match item {
            SelectItem::UnnamedExpr(expr) => (expr, None),
            SelectItem::ExprWithAlias { expr, alias } => (expr, Some(alias.clone())),
            _ => return,
        };
        // `'x'::regclass::oid`: the OID, named as PostgreSQL names the cast's column.
        if let Expr::Cast {
            data_type,
            expr: inner,
            ..
        } = expr
        {
            let type_name = data_type.to_string().to_ascii_lowercase();
            if matches!(type_name.as_str(), "oid" | "pg_catalog.oid") {
                if let Some((target, _, text)) = named_object(inner) {
                    **inner = oid_of(target, &text);
                    let column = type_name.trim_start_matches("pg_catalog.").to_owned();
                    *item = SelectItem::ExprWithAlias {
                        expr: expr.clone(),
                        alias: alias.unwrap_or_else(|| Ident::new(column)),
                    };
                    *self.found = true;
                    return;
                }
            }
        }
        let (object, column) = match expr {
            Expr::Cast {
                data_type,
                expr: inner,
                ..
            } if is_text(data_type) => match named_object(inner) {
                Some(object) => (object, data_type.to_string().to_ascii_lowercase()),
                None => return,
            },
            other => match named_object(other) {
                Some(object) => {
                    let column = object.1.to_owned();
                    (object, column)
                }
                None => return,
            },
        };
        let (target, _, text) = object;
        *item = SelectItem::ExprWithAlias {
            expr: printed(target, &text),
            alias: alias.unwrap_or_else(|| Ident::new(column)),
        };
        *self.found = true;
    }
}

fn literal(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

pub(super) fn parsed_expr(sql: &str) -> Expr {
    let statement = format!("SELECT {sql}");
    match junction_transpiler::parse(&statement).map(|mut s| s.pop()) {
        Ok(Some(Statement::Query(query))) => match *query.body {
            SetExpr::Select(mut select) => match select.projection.pop() {
                Some(SelectItem::UnnamedExpr(expr)) => expr,
                _ => Expr::value(Value::Null),
            },
            _ => Expr::value(Value::Null),
        },
        // The text is junction's own, over quoted literals: it always parses.
        _ => Expr::value(Value::Null),
    }
}

/// The relation `text` names, as schema and table; `None` when `text` is no name, which the
/// lookup then reports as a relation that does not exist (PostgreSQL says "invalid name
/// syntax", 42602; both are errors).
fn relation(text: &str) -> Option<(Option<String>, String)> {
    let mut parts = junction_transpiler::identifiers::qualified_name(text)?;
    let table = parts.pop()?;
    Some((parts.pop(), table))
}

/// A system catalog's fixed OID, for a name that is one.
fn catalog_oid(schema: Option<&str>, table: &str) -> Option<u32> {
    if schema.is_some_and(|s| s != "pg_catalog") {
        return None;
    }
    CATALOG_OIDS
        .iter()
        .find(|(name, _)| *name == table)
        .map(|(_, oid)| *oid)
}

/// The lookup of a relation in pg_class: in its schema, or the first schema of the search
/// path that holds one of that name.
fn pg_class_lookup(text: &str, select: &str) -> String {
    let (schema, table) = relation(text).unwrap_or_default();
    let place = match &schema {
        Some(schema) => format!("n.nspname = {}", literal(schema)),
        None => "array_position(current_schemas(false), n.nspname) IS NOT NULL".to_owned(),
    };
    format!(
        "(SELECT {select} FROM pg_catalog.pg_class c \
         JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
         WHERE c.relname = {table} AND {place} \
         ORDER BY array_position(current_schemas(false), n.nspname) LIMIT 1)",
        table = literal(&table),
    )
}

fn oid_of(target: Target, text: &str) -> Expr {
    match target {
        Target::Catalog(type_name) => {
            parsed_expr(&format!("junction_{type_name}({})", literal(text)))
        }
        Target::Regclass => {
            if let Some(oid) =
                relation(text).and_then(|(schema, table)| catalog_oid(schema.as_deref(), &table))
            {
                return Expr::value(Value::Number(oid.to_string(), false));
            }
            parsed_expr(&format!(
                "junction_regclass_found({}, {})",
                pg_class_lookup(text, "c.oid"),
                literal(text)
            ))
        }
    }
}

/// What the type's output function prints for the object `text` names.
fn printed(target: Target, text: &str) -> Expr {
    match target {
        Target::Catalog(type_name) => {
            parsed_expr(&format!("junction_{type_name}_name({})", literal(text)))
        }
        Target::Regclass => {
            let Some((schema, table)) = relation(text) else {
                return oid_of(target, text);
            };
            if catalog_oid(schema.as_deref(), &table).is_some() {
                return parsed_expr(&literal(&table));
            }
            // Qualified where the schema is not on the search path.
            let name = junction_transpiler::identifiers::quote_ident(&table).into_owned();
            let shown = match &schema {
                None => literal(&name),
                Some(schema) => format!(
                    "CASE WHEN array_position(current_schemas(false), {schema_text}) IS NOT NULL \
                     THEN {bare} ELSE {qualified} END",
                    schema_text = literal(schema),
                    bare = literal(&name),
                    qualified = literal(&format!(
                        "{}.{name}",
                        junction_transpiler::identifiers::quote_ident(schema)
                    )),
                ),
            };
            parsed_expr(&format!(
                "CASE WHEN junction_regclass_found({}, {}) IS NOT NULL THEN {shown} END",
                pg_class_lookup(text, "c.oid"),
                literal(text)
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resolved(sql: &str) -> String {
        let mut statement = junction_transpiler::parse(sql)
            .expect("valid SQL")
            .remove(0);
        resolve(&mut statement);
        statement.to_string()
    }

    #[test]
    fn a_column_cast_to_regtype_prints_as_its_type_name() {
        let mut statement = junction_transpiler::parse(
            "SELECT typname, oid::regtype::text AS regtype, 'text'::regtype FROM pg_type",
        )
        .expect("valid SQL")
        .remove(0);
        let mut found = false;
        let _ = visit_expressions_mut(&mut statement, |expr| {
            found |= print_regtype(expr);
            ControlFlow::<()>::Continue(())
        });
        assert!(found);
        let printed = statement.to_string();
        assert!(
            printed.contains(
                "CASE WHEN pg_catalog.format_type(oid, NULL) = '???' THEN CAST(oid AS TEXT) \
                 ELSE pg_catalog.format_type(oid, NULL) END::TEXT AS regtype"
            ),
            "{printed}"
        );
        // A name cast to regtype is resolve's.
        assert!(printed.contains("'text'::regtype"), "{printed}");
    }

    #[test]
    fn a_function_name_is_its_oid_where_compared_and_its_name_where_read() {
        assert_eq!(
            resolved("SELECT 'abs'::pg_catalog.regproc::pg_catalog.oid"),
            "SELECT junction_regproc('abs')::pg_catalog.oid AS oid"
        );
        assert_eq!(
            resolved("SELECT 'int4'::regtype, 'abs(int)'::regprocedure AS f"),
            "SELECT junction_regtype_name('int4') AS regtype, \
             junction_regprocedure_name('abs(int)') AS f"
        );
        assert_eq!(
            resolved("SELECT * FROM pg_proc WHERE oid = 'now'::regproc"),
            "SELECT * FROM pg_proc WHERE oid = junction_regproc('now')"
        );
    }

    #[test]
    fn a_system_catalog_is_its_fixed_oid() {
        assert_eq!(
            resolved(
                "SELECT objid FROM pg_depend \
                 WHERE refclassid = 'pg_catalog.pg_extension'::pg_catalog.regclass"
            ),
            "SELECT objid FROM pg_depend WHERE refclassid = 3079"
        );
        assert_eq!(
            resolved("SELECT 'pg_class'::regclass"),
            "SELECT 'pg_class' AS regclass"
        );
    }

    #[test]
    fn a_relation_is_looked_up_along_the_search_path_or_is_an_error() {
        assert_eq!(
            resolved("SELECT 'Silver.\"Vitals\"'::regclass::oid"),
            "SELECT junction_regclass_found((SELECT c.oid FROM pg_catalog.pg_class c \
             JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
             WHERE c.relname = 'Vitals' AND n.nspname = 'silver' \
             ORDER BY array_position(current_schemas(false), n.nspname) LIMIT 1), \
             'Silver.\"Vitals\"')::oid AS oid"
        );
        assert!(resolved("SELECT 'vitals'::regclass::oid").contains(
            "WHERE c.relname = 'vitals' AND array_position(current_schemas(false), n.nspname) \
             IS NOT NULL"
        ));
    }

    #[test]
    fn other_casts_and_parameters_stay() {
        for sql in [
            "SELECT $1::REGCLASS",
            "SELECT x::REGTYPE FROM t",
            "SELECT '23'::oid",
            "SELECT 'x'::TEXT",
        ] {
            assert_eq!(resolved(sql), sql);
        }
    }
}
