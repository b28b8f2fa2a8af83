//! `pg_get_function_result`, `pg_get_function_arguments` and
//! `pg_get_function_identity_arguments` (psql's `\df`), answered from pg_catalog's own
//! `pg_proc` and `pg_type` rows, as PostgreSQL's ruleutils.c prints them.

use std::collections::HashMap;
use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, AsArray, RecordBatch, StringArray};
use datafusion::arrow::datatypes::{DataType, Int16Type, Int32Type};
use datafusion::common::{exec_err, Result};
use datafusion::functions::utils::make_scalar_function;
use datafusion::logical_expr::{create_udf, ScalarUDF, Volatility};
use datafusion_pg_catalog::pg_catalog::ArrowTable;

use super::pg_catalog_arrays::array_items;

/// What the three functions need of one `pg_proc` row.
#[derive(Debug)]
struct Function {
    result: u32,
    returns_set: bool,
    /// `proargtypes`: the input arguments.
    inputs: Vec<u32>,
    /// `proallargtypes`, `proargmodes`, `proargnames`: every argument, when some are not
    /// plain inputs or have names.
    all: Option<Vec<u32>>,
    modes: Vec<String>,
    names: Vec<String>,
    /// How many trailing inputs have defaults (`pronargdefaults`).
    defaults: usize,
}

/// Which of the three functions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signature {
    Result,
    Arguments,
    IdentityArguments,
}

impl Signature {
    fn name(self) -> &'static str {
        match self {
            Signature::Result => "pg_get_function_result",
            Signature::Arguments => "pg_get_function_arguments",
            Signature::IdentityArguments => "pg_get_function_identity_arguments",
        }
    }
}

/// The functions and type names of pg_catalog, read once.
#[derive(Debug)]
pub struct Signatures {
    functions: HashMap<u32, Function>,
    types: HashMap<u32, String>,
}

fn column<'a>(batch: &'a RecordBatch, name: &str) -> Result<&'a ArrayRef> {
    match batch.column_by_name(name) {
        Some(c) => Ok(c),
        None => exec_err!("pg_catalog table without column {name}"),
    }
}

fn text_at(array: &ArrayRef, row: usize) -> Option<&str> {
    let text = array.as_string_opt::<i32>()?;
    text.is_valid(row).then(|| text.value(row))
}

fn list_of(array: &ArrayRef, row: usize) -> Vec<String> {
    text_at(array, row)
        .map(|t| array_items(t).into_iter().flatten().collect())
        .unwrap_or_default()
}

fn oids_of(array: &ArrayRef, row: usize) -> Vec<u32> {
    list_of(array, row)
        .iter()
        .filter_map(|o| o.parse().ok())
        .collect()
}

impl Signatures {
    pub fn try_new(pg_proc: &ArrowTable, pg_type: &ArrowTable) -> Result<Self> {
        let mut types = HashMap::new();
        let mut elements = HashMap::new();
        for batch in pg_type.data() {
            let oid = column(batch, "oid")?.as_primitive_opt::<Int32Type>();
            let elem = column(batch, "typelem")?.as_primitive_opt::<Int32Type>();
            let (Some(oid), Some(elem)) = (oid, elem) else {
                return exec_err!("pg_type's oid and typelem are not int4");
            };
            let name = column(batch, "typname")?;
            for row in 0..batch.num_rows() {
                if let Some(typname) = text_at(name, row) {
                    types.insert(oid.value(row) as u32, typname.to_owned());
                    if typname.starts_with('_') && elem.value(row) != 0 {
                        elements.insert(oid.value(row) as u32, elem.value(row) as u32);
                    }
                }
            }
        }
        let mut names: HashMap<u32, String> = types
            .iter()
            .map(|(oid, typname)| (*oid, sql_type_name(typname)))
            .collect();
        for (array, element) in elements {
            if let Some(element) = names.get(&element).cloned() {
                names.insert(array, format!("{element}[]"));
            }
        }

        let mut functions = HashMap::new();
        for batch in pg_proc.data() {
            let oid = column(batch, "oid")?.as_primitive_opt::<Int32Type>();
            let result = column(batch, "prorettype")?.as_primitive_opt::<Int32Type>();
            let set = column(batch, "proretset")?.as_boolean_opt();
            let defaults = column(batch, "pronargdefaults")?.as_primitive_opt::<Int16Type>();
            let (Some(oid), Some(result), Some(set), Some(defaults)) = (oid, result, set, defaults)
            else {
                return exec_err!("pg_proc's columns are not of the types expected");
            };
            let inputs = column(batch, "proargtypes")?;
            let all = column(batch, "proallargtypes")?;
            let modes = column(batch, "proargmodes")?;
            let arg_names = column(batch, "proargnames")?;
            for row in 0..batch.num_rows() {
                let all_types = oids_of(all, row);
                functions.insert(
                    oid.value(row) as u32,
                    Function {
                        result: result.value(row) as u32,
                        returns_set: set.value(row),
                        inputs: oids_of(inputs, row),
                        all: (!all_types.is_empty()).then_some(all_types),
                        modes: list_of(modes, row),
                        names: list_of(arg_names, row),
                        defaults: usize::try_from(defaults.value(row)).unwrap_or(0),
                    },
                );
            }
        }
        Ok(Self {
            functions,
            types: names,
        })
    }

    fn type_name(&self, oid: u32) -> String {
        self.types
            .get(&oid)
            .cloned()
            .unwrap_or_else(|| oid.to_string())
    }

    /// The text of `which` for the function `oid`; `None` for an OID that names none, or
    /// for arguments with defaults (their expressions are stored as parse trees this
    /// pg_catalog cannot print).
    fn text(&self, which: Signature, oid: u32) -> Option<String> {
        let function = self.functions.get(&oid)?;
        let table_columns = function.modes.iter().any(|m| m == "t");
        match which {
            Signature::Result if table_columns => {
                let columns = self.arguments(function, |mode| mode == "t", false);
                Some(format!("TABLE({columns})"))
            }
            Signature::Result => {
                let set = if function.returns_set { "SETOF " } else { "" };
                Some(format!("{set}{}", self.type_name(function.result)))
            }
            Signature::Arguments if function.defaults > 0 => None,
            Signature::Arguments | Signature::IdentityArguments => {
                Some(self.arguments(function, |mode| mode != "t", true))
            }
        }
    }

    /// `[mode ][name ]type` for each argument `keep` keeps by its mode.
    fn arguments(&self, function: &Function, keep: impl Fn(&str) -> bool, modes: bool) -> String {
        let types = function.all.as_ref().unwrap_or(&function.inputs);
        let mut out = Vec::new();
        for (i, oid) in types.iter().enumerate() {
            let mode = function.modes.get(i).map_or("i", String::as_str);
            if !keep(mode) {
                continue;
            }
            let mut text = String::new();
            if modes {
                text.push_str(match mode {
                    "o" => "OUT ",
                    "b" => "INOUT ",
                    "v" => "VARIADIC ",
                    _ => "",
                });
            }
            if let Some(name) = function.names.get(i).filter(|n| !n.is_empty()) {
                text.push_str(&quote_ident(name));
                text.push(' ');
            }
            text.push_str(&self.type_name(*oid));
            out.push(text);
        }
        out.join(", ")
    }
}

/// format_type's name for a type named `typname` in pg_catalog.
fn sql_type_name(typname: &str) -> String {
    match typname {
        "bool" => "boolean",
        "int2" => "smallint",
        "int4" => "integer",
        "int8" => "bigint",
        "float4" => "real",
        "float8" => "double precision",
        "bpchar" => "character",
        "varchar" => "character varying",
        "varbit" => "bit varying",
        "timestamp" => "timestamp without time zone",
        "timestamptz" => "timestamp with time zone",
        "time" => "time without time zone",
        "timetz" => "time with time zone",
        other => return quote_ident(other),
    }
    .to_owned()
}

/// quote_ident: quoted unless a lower-case identifier that is no reserved word.
fn quote_ident(name: &str) -> String {
    const RESERVED: [&str; 4] = ["any", "char", "user", "table"];
    let plain = name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && !RESERVED.contains(&name);
    if plain {
        name.to_owned()
    } else {
        format!("\"{}\"", name.replace('"', "\"\""))
    }
}

/// The UDF `which` over `signatures`.
pub fn udf(which: Signature, signatures: Arc<Signatures>) -> ScalarUDF {
    let name = which.name();
    create_udf(
        name,
        vec![DataType::Int32],
        DataType::Utf8,
        Volatility::Stable,
        Arc::new(make_scalar_function(
            move |args: &[ArrayRef]| {
                let [oids] = args else {
                    return exec_err!("{name} takes one argument");
                };
                let Some(oids) = oids.as_primitive_opt::<Int32Type>() else {
                    return exec_err!("{name} takes an oid");
                };
                let out: StringArray = oids
                    .iter()
                    .map(|oid| oid.and_then(|o| signatures.text(which, o as u32)))
                    .collect();
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

    fn signatures() -> Signatures {
        let tables = PgCatalogStaticTables::try_new().expect("static tables");
        Signatures::try_new(&tables.pg_proc, &tables.pg_type).expect("signatures")
    }

    /// The OID of the function `name` whose arguments print as `arguments`.
    fn oid_of(s: &Signatures, name: &str, identity: &str) -> u32 {
        let tables = PgCatalogStaticTables::try_new().expect("static tables");
        for batch in tables.pg_proc.data() {
            let oids = batch
                .column_by_name("oid")
                .expect("oid")
                .as_primitive::<Int32Type>();
            let names = batch.column_by_name("proname").expect("proname");
            for row in 0..batch.num_rows() {
                let oid = oids.value(row) as u32;
                if text_at(names, row) == Some(name)
                    && s.text(Signature::IdentityArguments, oid).as_deref() == Some(identity)
                {
                    return oid;
                }
            }
        }
        panic!("no {name}({identity})");
    }

    #[test]
    fn signatures_print_as_postgresql_prints_them() {
        let s = signatures();
        // Expected texts from PostgreSQL 15's own functions of the same names.
        let series = oid_of(&s, "generate_series", "bigint, bigint");
        assert_eq!(
            s.text(Signature::Result, series).as_deref(),
            Some("SETOF bigint")
        );
        let keywords = oid_of(
            &s,
            "pg_get_keywords",
            "OUT word text, OUT catcode \"char\", OUT barelabel boolean, OUT catdesc text, \
             OUT baredesc text",
        );
        assert_eq!(
            s.text(Signature::Result, keywords).as_deref(),
            Some("SETOF record")
        );
        let concat = oid_of(&s, "concat", "VARIADIC \"any\"");
        assert_eq!(s.text(Signature::Result, concat).as_deref(), Some("text"));
        let round = oid_of(&s, "round", "numeric, integer");
        assert_eq!(
            s.text(Signature::Arguments, round).as_deref(),
            Some("numeric, integer")
        );
        assert_eq!(s.text(Signature::Result, 1), None);
    }
}
