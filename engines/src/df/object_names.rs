//! Names written as text and read as objects: PostgreSQL's `regproc`, `regprocedure` and
//! `regtype` input (`'abs(integer)'::regprocedure`, psql's `\sf`), which the gateway turns
//! into calls of these functions, and `quote_ident` / `format('%I')`, which write names.
//!
//! Each cast has two functions: `junction_<type>(text)` is the OID (what a comparison or a
//! cast to `oid` reads) and `junction_<type>_name(text)` the object's name as the type's
//! output function prints it (what a client reading the value sees). Both raise
//! PostgreSQL's errors for a name that means no object or several.

use std::collections::HashMap;
use std::sync::Arc;

use datafusion::arrow::array::{ArrayRef, AsArray, Int32Array, StringArray};
use datafusion::arrow::datatypes::{DataType, Int64Type};
use datafusion::common::{exec_err, Result};
use datafusion::functions::utils::make_scalar_function;
use datafusion::logical_expr::{create_udf, ScalarUDF, Volatility};
use datafusion_pg_catalog::pg_catalog::ArrowTable;
use junction_transpiler::identifiers::{qualified_name, quote_ident, FORMAT_IDENTIFIER};

use super::function_signatures::Signatures;
use super::regtype::{oids, typname};
use crate::sql_error::SqlError;

/// An object-identifier type whose input the functions here read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ObjectType {
    Regproc,
    Regprocedure,
    Regtype,
}

impl ObjectType {
    pub const ALL: [ObjectType; 3] = [Self::Regproc, Self::Regprocedure, Self::Regtype];

    fn type_name(self) -> &'static str {
        match self {
            Self::Regproc => "regproc",
            Self::Regprocedure => "regprocedure",
            Self::Regtype => "regtype",
        }
    }
}

/// pg_catalog's functions and types, by name.
#[derive(Debug)]
pub struct Names {
    signatures: Arc<Signatures>,
    types: HashMap<String, i32>,
}

fn undefined_function(text: &str) -> SqlError {
    SqlError {
        sqlstate: "42883",
        message: format!("function \"{text}\" does not exist"),
    }
}

fn invalid_name(text: &str) -> SqlError {
    SqlError {
        sqlstate: "42602",
        message: format!("invalid name syntax: \"{text}\""),
    }
}

/// The name a user wrote for a pg_catalog object: one part, or two with `pg_catalog` first
/// (the only schema pg_catalog's functions and types live in).
fn catalog_name(text: &str, undefined: impl Fn() -> SqlError) -> Result<String, SqlError> {
    let mut parts = qualified_name(text).ok_or_else(|| invalid_name(text))?;
    match parts.len() {
        1 => Ok(parts.remove(0)),
        2 if parts[0] == "pg_catalog" => Ok(parts.remove(1)),
        2 => Err(undefined()),
        _ => Err(SqlError {
            sqlstate: "42601",
            message: format!("improper qualified name (too many dotted names): {text}"),
        }),
    }
}

impl Names {
    pub fn try_new(signatures: Arc<Signatures>, pg_type: &ArrowTable) -> Result<Self> {
        Ok(Self {
            signatures,
            types: oids(pg_type)?,
        })
    }

    /// The OID `text` names as a value of `of`.
    fn oid(&self, of: ObjectType, text: &str) -> Result<u32, SqlError> {
        if let Ok(oid) = text.trim().parse::<u32>() {
            return Ok(oid);
        }
        match of {
            ObjectType::Regproc => self.function(text),
            ObjectType::Regprocedure => self.procedure(text),
            ObjectType::Regtype => self.type_oid(text),
        }
    }

    /// `regprocin`: the one function of that name.
    fn function(&self, text: &str) -> Result<u32, SqlError> {
        let name = catalog_name(text, || undefined_function(text))?;
        match self.signatures.named(&name) {
            [] => Err(undefined_function(text)),
            [oid] => Ok(*oid),
            _ => Err(SqlError {
                sqlstate: "42725",
                message: format!("more than one function named \"{text}\""),
            }),
        }
    }

    /// `regprocedurein`: the function of that name whose arguments have exactly those types.
    fn procedure(&self, text: &str) -> Result<u32, SqlError> {
        let (name, arguments) = split_arguments(text).ok_or_else(|| {
            let missing = if text.contains('(') { "right" } else { "left" };
            SqlError {
                sqlstate: "22P02",
                message: format!("expected a {missing} parenthesis"),
            }
        })?;
        let name = catalog_name(name, || undefined_function(text))?;
        let types = arguments
            .iter()
            .map(|t| self.type_oid(t))
            .collect::<Result<Vec<_>, _>>()?;
        self.signatures
            .named(&name)
            .iter()
            .copied()
            .find(|oid| {
                self.signatures
                    .name_and_inputs(*oid)
                    .is_some_and(|(_, inputs)| inputs == types.as_slice())
            })
            .ok_or_else(|| undefined_function(text))
    }

    /// `regtypein`.
    fn type_oid(&self, text: &str) -> Result<u32, SqlError> {
        self.types
            .get(&typname(text))
            .map(|oid| *oid as u32)
            .ok_or_else(|| SqlError {
                sqlstate: "42704",
                message: format!("type \"{}\" does not exist", text.trim()),
            })
    }

    /// What the output function of `of` prints for `oid`: the number for an OID that names
    /// nothing, as PostgreSQL prints it.
    fn name(&self, of: ObjectType, oid: u32) -> String {
        if of == ObjectType::Regtype {
            return self.signatures.type_name(oid);
        }
        let Some((name, inputs)) = self.signatures.name_and_inputs(oid) else {
            return oid.to_string();
        };
        match of {
            // Qualified where the bare name would not find this function alone.
            ObjectType::Regproc if self.signatures.named(name).len() == 1 => {
                quote_ident(name).into_owned()
            }
            ObjectType::Regproc => format!("pg_catalog.{}", quote_ident(name)),
            _ => {
                let types: Vec<String> = inputs
                    .iter()
                    .map(|t| self.signatures.type_name(*t))
                    .collect();
                format!("{}({})", quote_ident(name), types.join(","))
            }
        }
    }
}

/// `name(type, type)` as regprocedurein splits it: the name and each argument's type
/// (commas inside a type's parentheses, `numeric(10,2)`, stay in it).
fn split_arguments(text: &str) -> Option<(&str, Vec<&str>)> {
    let open = text.find('(')?;
    let inner = text[open + 1..].trim_end().strip_suffix(')')?;
    let mut arguments = Vec::new();
    let (mut depth, mut start) = (0usize, 0usize);
    for (i, c) in inner.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth = depth.saturating_sub(1),
            ',' if depth == 0 => {
                arguments.push(inner[start..i].trim());
                start = i + 1;
            }
            _ => {}
        }
    }
    if !inner.trim().is_empty() {
        arguments.push(inner[start..].trim());
    }
    Some((text[..open].trim(), arguments))
}

/// The name of the function a cast of text to `of` becomes: its OID, or its printed name.
pub fn function_name(of: ObjectType, printed: bool) -> String {
    let suffix = if printed { "_name" } else { "" };
    format!("junction_{}{suffix}", of.type_name())
}

/// `junction_<type>(text)` (`printed` false) or `junction_<type>_name(text)` over `names`.
pub fn udf(of: ObjectType, printed: bool, names: Arc<Names>) -> ScalarUDF {
    let name = function_name(of, printed);
    let returns = if printed {
        DataType::Utf8
    } else {
        DataType::Int32
    };
    let error_name = name.clone();
    create_udf(
        &name,
        vec![DataType::Utf8],
        returns,
        Volatility::Stable,
        Arc::new(make_scalar_function(
            move |args: &[ArrayRef]| {
                let [texts] = args else {
                    return exec_err!("{error_name} takes one argument");
                };
                let Some(texts) = texts.as_string_opt::<i32>() else {
                    return exec_err!("{error_name} takes text");
                };
                let oids = texts
                    .iter()
                    .map(|t| t.map(|t| names.oid(of, t)).transpose())
                    .collect::<Result<Vec<_>, SqlError>>()?;
                Ok(if printed {
                    let out: StringArray = oids
                        .into_iter()
                        .map(|oid| oid.map(|oid| names.name(of, oid)))
                        .collect();
                    Arc::new(out) as ArrayRef
                } else {
                    let out: Int32Array = oids
                        .into_iter()
                        .map(|oid| oid.map(|oid| oid as i32))
                        .collect();
                    Arc::new(out) as ArrayRef
                })
            },
            vec![],
        )),
    )
}

/// The catalogs `pg_describe_object` describes objects of, by their fixed OIDs.
const PG_PROC: i64 = 1255;
const PG_LANGUAGE: i64 = 2612;
const PG_TYPE: i64 = 1247;

impl Names {
    /// `pg_describe_object(classid, objid, objsubid)`: `None` for an object that does not
    /// exist, as PostgreSQL answers NULL.
    fn describe(&self, class: i64, object: i64, sub: i64) -> Result<Option<String>, SqlError> {
        let Ok(oid) = u32::try_from(object) else {
            return Ok(None);
        };
        Ok(match (class, sub) {
            (PG_PROC, 0) => self
                .signatures
                .name_and_inputs(oid)
                .map(|_| format!("function {}", self.name(ObjectType::Regprocedure, oid))),
            (PG_LANGUAGE, 0) => self
                .signatures
                .language_name(oid)
                .map(|name| format!("language {}", quote_ident(name))),
            (PG_TYPE, 0) => self
                .signatures
                .known_type(oid)
                .map(|name| format!("type {name}")),
            _ => {
                return Err(SqlError {
                    sqlstate: "0A000",
                    message: format!(
                        "pg_describe_object of an object of catalog {class} (sub-object \
                         {sub}) is not supported"
                    ),
                })
            }
        })
    }
}

pub fn describe_object_udf(names: Arc<Names>) -> ScalarUDF {
    create_udf(
        "pg_describe_object",
        vec![DataType::Int64, DataType::Int64, DataType::Int64],
        DataType::Utf8,
        Volatility::Stable,
        Arc::new(make_scalar_function(
            move |args: &[ArrayRef]| {
                let [classes, objects, subs] = args else {
                    return exec_err!("pg_describe_object takes three arguments");
                };
                let (Some(classes), Some(objects), Some(subs)) = (
                    classes.as_primitive_opt::<Int64Type>(),
                    objects.as_primitive_opt::<Int64Type>(),
                    subs.as_primitive_opt::<Int64Type>(),
                ) else {
                    return exec_err!("pg_describe_object takes oids and an integer");
                };
                let out = classes
                    .iter()
                    .zip(objects.iter())
                    .zip(subs.iter())
                    .map(|((class, object), sub)| match (class, object, sub) {
                        (Some(class), Some(object), Some(sub)) => {
                            names.describe(class, object, sub)
                        }
                        _ => Ok(None),
                    })
                    .collect::<Result<StringArray, SqlError>>()?;
                Ok(Arc::new(out) as ArrayRef)
            },
            vec![],
        )),
    )
}

/// `junction_regclass_found(oid, name)`: the OID a lookup of the relation `name` found, or
/// PostgreSQL's error for a relation that does not exist.
pub fn regclass_found_udf() -> ScalarUDF {
    create_udf(
        "junction_regclass_found",
        vec![DataType::Int32, DataType::Utf8],
        DataType::Int32,
        // Volatile, so that no constant folding raises the error for a branch not taken.
        Volatility::Volatile,
        Arc::new(make_scalar_function(
            |args: &[ArrayRef]| {
                let [oids, names] = args else {
                    return exec_err!("junction_regclass_found takes two arguments");
                };
                let (Some(oids), Some(names)) = (
                    oids.as_primitive_opt::<datafusion::arrow::datatypes::Int32Type>(),
                    names.as_string_opt::<i32>(),
                ) else {
                    return exec_err!("junction_regclass_found takes an oid and text");
                };
                let out = oids
                    .iter()
                    .zip(names.iter())
                    .map(|(oid, name)| match oid {
                        Some(oid) => Ok(Some(oid)),
                        None => Err(SqlError {
                            sqlstate: "42P01",
                            message: format!(
                                "relation \"{}\" does not exist",
                                name.unwrap_or_default()
                            ),
                        }),
                    })
                    .collect::<Result<Int32Array, SqlError>>()?;
                Ok(Arc::new(out) as ArrayRef)
            },
            vec![],
        )),
    )
}

/// PostgreSQL's `quote_ident(text)` (datafusion-pg-catalog's leaves `Abc` bare).
pub fn quote_ident_udf() -> ScalarUDF {
    quoting_udf("quote_ident", false)
}

/// `format('%I', x)`'s argument: `quote_ident`, but NULL is an error.
pub fn format_identifier_udf() -> ScalarUDF {
    quoting_udf(FORMAT_IDENTIFIER, true)
}

fn quoting_udf(name: &'static str, refuse_null: bool) -> ScalarUDF {
    create_udf(
        name,
        vec![DataType::Utf8],
        DataType::Utf8,
        Volatility::Immutable,
        Arc::new(make_scalar_function(
            move |args: &[ArrayRef]| {
                let [texts] = args else {
                    return exec_err!("{name} takes one argument");
                };
                let Some(texts) = texts.as_string_opt::<i32>() else {
                    return exec_err!("{name} takes text");
                };
                let out = texts
                    .iter()
                    .map(|t| match t {
                        Some(t) => Ok(Some(quote_ident(t).into_owned())),
                        None if refuse_null => Err(SqlError {
                            sqlstate: "22004",
                            message: "null values cannot be formatted as an SQL identifier"
                                .to_owned(),
                        }),
                        None => Ok(None),
                    })
                    .collect::<Result<StringArray, SqlError>>()?;
                Ok(Arc::new(out) as ArrayRef)
            },
            vec![],
        )),
    )
}

#[cfg(test)]
mod tests {
    use datafusion_pg_catalog::pg_catalog::PgCatalogStaticTables;

    use super::*;

    fn names() -> Names {
        let tables = PgCatalogStaticTables::try_new().expect("static tables");
        let signatures = Signatures::try_new(&tables.pg_proc, &tables.pg_type, &tables.pg_language)
            .expect("signatures");
        Names::try_new(Arc::new(signatures), &tables.pg_type).expect("names")
    }

    fn printed(names: &Names, of: ObjectType, text: &str) -> Result<String, SqlError> {
        names.oid(of, text).map(|oid| names.name(of, oid))
    }

    /// Each expectation is PostgreSQL 15's answer to `SELECT '<text>'::<type>`.
    #[test]
    fn names_read_and_print_as_postgresql_does() {
        let n = names();
        let ok = |of, text: &str| printed(&n, of, text).expect(text);
        let code = |of, text: &str| printed(&n, of, text).map_err(|e| e.sqlstate).err();
        assert_eq!(ok(ObjectType::Regproc, "int4abs"), "int4abs");
        assert_eq!(ok(ObjectType::Regproc, "pg_catalog.now"), "now");
        assert_eq!(ok(ObjectType::Regproc, "1251"), "int4abs");
        assert_eq!(n.oid(ObjectType::Regproc, "int4abs").ok(), Some(1251));
        assert_eq!(code(ObjectType::Regproc, "abs"), Some("42725"));
        assert_eq!(code(ObjectType::Regproc, "nosuch"), Some("42883"));
        assert_eq!(code(ObjectType::Regproc, "public.abs"), Some("42883"));
        assert_eq!(
            ok(ObjectType::Regprocedure, "generate_series(int,int)"),
            "generate_series(integer,integer)"
        );
        assert_eq!(ok(ObjectType::Regprocedure, "abs(int4)"), "abs(integer)");
        assert_eq!(ok(ObjectType::Regprocedure, "now()"), "now()");
        assert_eq!(n.oid(ObjectType::Regprocedure, "abs(int)").ok(), Some(1397));
        assert_eq!(code(ObjectType::Regprocedure, "abs(foo)"), Some("42704"));
        assert_eq!(code(ObjectType::Regprocedure, "abs(text)"), Some("42883"));
        assert_eq!(code(ObjectType::Regprocedure, "abs"), Some("22P02"));
        assert_eq!(code(ObjectType::Regprocedure, "abs(int"), Some("22P02"));
        assert_eq!(ok(ObjectType::Regtype, "int4"), "integer");
        assert_eq!(ok(ObjectType::Regtype, "int[]"), "integer[]");
        assert_eq!(
            ok(ObjectType::Regtype, "character varying(3)"),
            "character varying"
        );
        assert_eq!(code(ObjectType::Regtype, "nosuch"), Some("42704"));
    }

    /// PostgreSQL 15: psql's `\dx+ plpgsql` lists these.
    #[test]
    fn objects_describe_as_postgresql_describes_them() {
        let n = names();
        let handler = n.oid(ObjectType::Regprocedure, "plpgsql_inline_handler(internal)");
        let handler = handler.expect("plpgsql_inline_handler");
        assert_eq!(
            n.describe(PG_PROC, i64::from(handler), 0)
                .ok()
                .flatten()
                .as_deref(),
            Some("function plpgsql_inline_handler(internal)")
        );
        assert_eq!(
            n.describe(PG_TYPE, 23, 0).ok().flatten().as_deref(),
            Some("type integer")
        );
        assert_eq!(n.describe(PG_PROC, 1, 0).ok(), Some(None));
        assert_eq!(n.describe(1259, 1, 0).map_err(|e| e.sqlstate), Err("0A000"));
    }

    #[test]
    fn definitions_print_as_postgresql_prints_them() {
        let tables = PgCatalogStaticTables::try_new().expect("static tables");
        let signatures = Signatures::try_new(&tables.pg_proc, &tables.pg_type, &tables.pg_language)
            .expect("signatures");
        // PostgreSQL 15: SELECT pg_get_functiondef(oid).
        assert_eq!(
            signatures.function_definition(1251).ok().flatten().as_deref(),
            Some(
                "CREATE OR REPLACE FUNCTION pg_catalog.int4abs(integer)\n RETURNS integer\n \
                 LANGUAGE internal\n IMMUTABLE PARALLEL SAFE STRICT\nAS $function$int4abs$function$\n"
            )
        );
        assert_eq!(
            signatures.function_definition(1067).ok().flatten().as_deref(),
            Some(
                "CREATE OR REPLACE FUNCTION pg_catalog.generate_series(integer, integer)\n \
                 RETURNS SETOF integer\n LANGUAGE internal\n IMMUTABLE PARALLEL SAFE STRICT \
                 SUPPORT generate_series_int4_support\nAS $function$generate_series_int4$function$\n"
            )
        );
        assert_eq!(
            signatures.function_definition(2108).map_err(|e| e.sqlstate),
            Err("42809")
        );
        assert_eq!(signatures.function_definition(1).ok(), Some(None));
    }
}
