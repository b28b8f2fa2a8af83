//! `pg_get_function_result`, `pg_get_function_arguments`,
//! `pg_get_function_identity_arguments` (psql's `\df`) and `pg_get_functiondef` (`\sf`),
//! answered from pg_catalog's own `pg_proc`, `pg_type` and `pg_language` rows, as
//! PostgreSQL's ruleutils.c prints them.

use std::collections::HashMap;
use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, AsArray, RecordBatch, StringArray};
use datafusion::arrow::datatypes::{DataType, Float32Type, Int16Type, Int32Type, Int64Type};
use datafusion::common::{exec_err, Result};
use datafusion::functions::utils::make_scalar_function;
use datafusion::logical_expr::{create_udf, ScalarUDF, Volatility};
use datafusion_pg_catalog::pg_catalog::ArrowTable;
use junction_transpiler::identifiers::quote_ident;

use super::pg_catalog_arrays::array_items;
use crate::sql_error::SqlError;

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
    /// What `pg_get_functiondef` prints beside the signature.
    definition: Definition,
}

/// The `pg_proc` columns of a function's definition.
#[derive(Debug, Default)]
struct Definition {
    name: String,
    kind: String,
    language: u32,
    volatility: String,
    parallel: String,
    strict: bool,
    security_definer: bool,
    leakproof: bool,
    cost: f32,
    rows: f32,
    /// `prosupport`, `-` for none.
    support: String,
    source: Option<String>,
    binary: Option<String>,
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
    languages: HashMap<u32, String>,
    /// Function OIDs by name.
    named: HashMap<String, Vec<u32>>,
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

fn int32s<'a>(
    batch: &'a RecordBatch,
    name: &str,
) -> Result<&'a datafusion::arrow::array::Int32Array> {
    match column(batch, name)?.as_primitive_opt::<Int32Type>() {
        Some(a) => Ok(a),
        None => exec_err!("pg_catalog's {name} is not int4"),
    }
}

fn float32s<'a>(
    batch: &'a RecordBatch,
    name: &str,
) -> Result<&'a datafusion::arrow::array::Float32Array> {
    match column(batch, name)?.as_primitive_opt::<Float32Type>() {
        Some(a) => Ok(a),
        None => exec_err!("pg_catalog's {name} is not float4"),
    }
}

fn booleans<'a>(
    batch: &'a RecordBatch,
    name: &str,
) -> Result<&'a datafusion::arrow::array::BooleanArray> {
    match column(batch, name)?.as_boolean_opt() {
        Some(a) => Ok(a),
        None => exec_err!("pg_catalog's {name} is not boolean"),
    }
}

/// The definition columns of row `row` of a `pg_proc` batch.
fn definition(batch: &RecordBatch, row: usize) -> Result<Definition> {
    let text = |name: &str| -> Result<Option<String>> {
        Ok(text_at(column(batch, name)?, row).map(str::to_owned))
    };
    Ok(Definition {
        name: text("proname")?.unwrap_or_default(),
        kind: text("prokind")?.unwrap_or_default(),
        language: int32s(batch, "prolang")?.value(row) as u32,
        volatility: text("provolatile")?.unwrap_or_default(),
        parallel: text("proparallel")?.unwrap_or_default(),
        strict: booleans(batch, "proisstrict")?.value(row),
        security_definer: booleans(batch, "prosecdef")?.value(row),
        leakproof: booleans(batch, "proleakproof")?.value(row),
        cost: float32s(batch, "procost")?.value(row),
        rows: float32s(batch, "prorows")?.value(row),
        support: text("prosupport")?.unwrap_or_else(|| "-".to_owned()),
        source: text("prosrc")?,
        binary: text("probin")?,
    })
}

impl Signatures {
    pub fn try_new(
        pg_proc: &ArrowTable,
        pg_type: &ArrowTable,
        pg_language: &ArrowTable,
    ) -> Result<Self> {
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
                        definition: definition(batch, row)?,
                    },
                );
            }
        }
        let mut languages = HashMap::new();
        for batch in pg_language.data() {
            let oids = int32s(batch, "oid")?;
            let names = column(batch, "lanname")?;
            for row in 0..batch.num_rows() {
                if let Some(name) = text_at(names, row) {
                    languages.insert(oids.value(row) as u32, name.to_owned());
                }
            }
        }
        let mut named: HashMap<String, Vec<u32>> = HashMap::new();
        for (oid, function) in &functions {
            named
                .entry(function.definition.name.clone())
                .or_default()
                .push(*oid);
        }
        Ok(Self {
            functions,
            types: names,
            languages,
            named,
        })
    }

    /// The name of the language `oid`.
    pub(super) fn language_name(&self, oid: u32) -> Option<&str> {
        self.languages.get(&oid).map(String::as_str)
    }

    /// The OIDs of the functions named `name`, in no order.
    pub(super) fn named(&self, name: &str) -> &[u32] {
        self.named.get(name).map_or(&[], Vec::as_slice)
    }

    /// The name and input argument types of the function `oid`.
    pub(super) fn name_and_inputs(&self, oid: u32) -> Option<(&str, &[u32])> {
        let function = self.functions.get(&oid)?;
        Some((&function.definition.name, &function.inputs))
    }

    /// `pg_get_functiondef(oid)`: `CREATE OR REPLACE FUNCTION ...` as ruleutils.c writes it;
    /// `None` for an OID that names no function, an error for an aggregate (which has no
    /// such definition).
    pub(super) fn function_definition(&self, oid: u32) -> Result<Option<String>, SqlError> {
        let Some(function) = self.functions.get(&oid) else {
            return Ok(None);
        };
        let d = &function.definition;
        if d.kind == "a" {
            return Err(SqlError {
                sqlstate: "42809",
                message: format!("\"{}\" is an aggregate function", d.name),
            });
        }
        let procedure = d.kind == "p";
        let mut out = format!(
            "CREATE OR REPLACE {} pg_catalog.{}({})\n",
            if procedure { "PROCEDURE" } else { "FUNCTION" },
            quote_ident(&d.name),
            self.arguments(function, |mode| mode != "t", true),
        );
        if !procedure {
            if let Some(result) = self.text(Signature::Result, oid) {
                out.push_str(&format!(" RETURNS {result}\n"));
            }
        }
        let language = self
            .languages
            .get(&d.language)
            .cloned()
            .unwrap_or_else(|| d.language.to_string());
        out.push_str(&format!(" LANGUAGE {}\n", quote_ident(&language)));
        let mut options = String::new();
        if d.kind == "w" {
            options.push_str(" WINDOW");
        }
        options.push_str(match d.volatility.as_str() {
            "i" => " IMMUTABLE",
            "s" => " STABLE",
            _ => "",
        });
        options.push_str(match d.parallel.as_str() {
            "s" => " PARALLEL SAFE",
            "r" => " PARALLEL RESTRICTED",
            _ => "",
        });
        for (set, word) in [
            (d.strict, " STRICT"),
            (d.security_definer, " SECURITY DEFINER"),
            (d.leakproof, " LEAKPROOF"),
        ] {
            if set {
                options.push_str(word);
            }
        }
        // The defaults functioncmds.c gives, which ruleutils.c leaves out.
        let default_cost = if matches!(language.as_str(), "internal" | "c") {
            1.0
        } else {
            100.0
        };
        if d.cost != default_cost {
            options.push_str(&format!(" COST {}", d.cost));
        }
        if d.rows > 0.0 && d.rows != 1000.0 {
            options.push_str(&format!(" ROWS {}", d.rows));
        }
        if d.support != "-" && !d.support.is_empty() {
            options.push_str(&format!(" SUPPORT {}", d.support));
        }
        if !options.is_empty() {
            out.push_str(&options);
            out.push('\n');
        }
        out.push_str("AS ");
        if let Some(binary) = &d.binary {
            out.push_str(&format!("'{}', ", binary.replace('\'', "''")));
        }
        let source = d.source.as_deref().unwrap_or_default();
        let mut tag = "$function$".to_owned();
        let mut n = 0;
        while source.contains(&tag) {
            tag = format!("$function{n}$");
            n += 1;
        }
        out.push_str(&format!("{tag}{source}{tag}\n"));
        Ok(Some(out))
    }

    /// The name of the type `oid`, if pg_catalog has one.
    pub(super) fn known_type(&self, oid: u32) -> Option<&str> {
        self.types.get(&oid).map(String::as_str)
    }

    /// The name of the type `oid`, or the number for an OID that names none.
    pub(super) fn type_name(&self, oid: u32) -> String {
        self.known_type(oid)
            .map_or_else(|| oid.to_string(), str::to_owned)
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
        // Keywords format_type writes bare, as SQL names them.
        "numeric" | "interval" | "bit" => typname,
        other => return quote_ident(other).into_owned(),
    }
    .to_owned()
}

/// `pg_get_functiondef(oid)` over `signatures`.
pub fn functiondef_udf(signatures: Arc<Signatures>) -> ScalarUDF {
    oid_text_udf("pg_get_functiondef", move |oid| {
        signatures.function_definition(oid)
    })
}

/// The UDF `which` over `signatures`.
pub fn udf(which: Signature, signatures: Arc<Signatures>) -> ScalarUDF {
    oid_text_udf(which.name(), move |oid| Ok(signatures.text(which, oid)))
}

/// A function of one oid that answers text (NULL for NULL, or for an OID out of range).
fn oid_text_udf(
    name: &'static str,
    text: impl Fn(u32) -> Result<Option<String>, SqlError> + Send + Sync + 'static,
) -> ScalarUDF {
    create_udf(
        name,
        // int8, to which int4 oid columns and number literals (int8 to DataFusion) both go.
        vec![DataType::Int64],
        DataType::Utf8,
        Volatility::Stable,
        Arc::new(make_scalar_function(
            move |args: &[ArrayRef]| {
                let [oids] = args else {
                    return exec_err!("{name} takes one argument");
                };
                let Some(oids) = oids.as_primitive_opt::<Int64Type>() else {
                    return exec_err!("{name} takes an oid");
                };
                let out = oids
                    .iter()
                    .map(|oid| match oid.and_then(|o| u32::try_from(o).ok()) {
                        Some(oid) => text(oid),
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

    fn signatures() -> Signatures {
        let tables = PgCatalogStaticTables::try_new().expect("static tables");
        Signatures::try_new(&tables.pg_proc, &tables.pg_type, &tables.pg_language)
            .expect("signatures")
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
