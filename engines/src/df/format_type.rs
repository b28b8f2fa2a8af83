//! `format_type(type_oid, typemod)` as PostgreSQL's format_type.c writes a type: SQL's names
//! for the built-in types, each type modifier printed as its type prints it, `[]` for an
//! array, `???` for an OID that names no type and `-` for none. datafusion-pg-catalog's knows
//! thirty types and writes `oid(3831)` for the others (psql's `\dAc` showed it).

use std::collections::HashMap;
use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, AsArray, StringArray};
use datafusion::arrow::datatypes::{DataType, Int32Type, Int64Type};
use datafusion::common::{exec_err, Result};
use datafusion::functions::utils::make_scalar_function;
use datafusion::logical_expr::{create_udf, ScalarUDF, Volatility};
use datafusion_pg_catalog::pg_catalog::ArrowTable;
use junction_transpiler::identifiers::quote_ident;

use crate::sql_error::SqlError;

/// What format_type needs of a `pg_type` row.
#[derive(Debug)]
struct Type {
    name: String,
    /// The element type of an array type (`typelem`, for a type not stored plain).
    element: Option<u32>,
}

/// pg_catalog's types by OID.
#[derive(Debug)]
pub struct Types(HashMap<u32, Type>);

impl Types {
    pub fn try_new(pg_type: &ArrowTable) -> Result<Self> {
        let mut types = HashMap::new();
        for batch in pg_type.data() {
            let column = |name: &str| match batch.column_by_name(name) {
                Some(c) => Ok(c),
                None => exec_err!("pg_type has no column {name}"),
            };
            let (Some(oids), Some(elements), Some(names), Some(storage)) = (
                column("oid")?.as_primitive_opt::<Int32Type>(),
                column("typelem")?.as_primitive_opt::<Int32Type>(),
                column("typname")?.as_string_opt::<i32>(),
                column("typstorage")?.as_string_opt::<i32>(),
            ) else {
                return exec_err!("pg_type's oid, typelem, typname or typstorage has another type");
            };
            for row in 0..batch.num_rows() {
                let element = (elements.value(row) != 0 && storage.value(row) != "p")
                    .then(|| elements.value(row) as u32);
                types.insert(
                    oids.value(row) as u32,
                    Type {
                        name: names.value(row).to_owned(),
                        element,
                    },
                );
            }
        }
        Ok(Self(types))
    }

    /// format_type(oid, typemod); `typemod` is `None` when the call gave NULL.
    fn format(&self, oid: u32, typemod: Option<i32>) -> Result<String, SqlError> {
        if oid == 0 {
            return Ok("-".to_owned());
        }
        let Some(found) = self.0.get(&oid) else {
            return Ok("???".to_owned());
        };
        if let Some(element) = found.element {
            if self.0.contains_key(&element) {
                return Ok(format!("{}[]", self.base(element, typemod)?));
            }
        }
        self.base(oid, typemod)
    }

    /// A type that is no array, with its modifier.
    fn base(&self, oid: u32, typemod: Option<i32>) -> Result<String, SqlError> {
        // A modifier is printed when one was given and is not -1.
        let modifier = typemod.filter(|m| *m >= 0);
        let timed = |name: &str, zone: &str| match modifier {
            Some(p) => format!("{name}({p}) {zone}"),
            None => format!("{name} {zone}"),
        };
        // The modifier of a character type counts its 4-byte header.
        let length = |name: &str| match modifier {
            Some(m) if m > 4 => format!("{name}({})", m - 4),
            _ => name.to_owned(),
        };
        Ok(match oid {
            16 => "boolean".to_owned(),
            1042 if modifier.is_none() && typemod.is_some() => "bpchar".to_owned(),
            1042 => length("character"),
            1043 => length("character varying"),
            700 => "real".to_owned(),
            701 => "double precision".to_owned(),
            21 => "smallint".to_owned(),
            23 => "integer".to_owned(),
            20 => "bigint".to_owned(),
            1700 => match modifier {
                Some(m) if m >= 4 => {
                    let m = m - 4;
                    format!("numeric({},{})", (m >> 16) & 0xffff, m & 0xffff)
                }
                _ => "numeric".to_owned(),
            },
            1186 => match modifier {
                Some(m) => format!("interval{}", interval_modifier(m)?),
                None => "interval".to_owned(),
            },
            1083 => timed("time", "without time zone"),
            1266 => timed("time", "with time zone"),
            1114 => timed("timestamp", "without time zone"),
            1184 => timed("timestamp", "with time zone"),
            1560 => match modifier {
                Some(n) => format!("bit({n})"),
                None if typemod.is_some() => "\"bit\"".to_owned(),
                None => "bit".to_owned(),
            },
            1562 => match modifier {
                Some(n) => format!("bit varying({n})"),
                None => "bit varying".to_owned(),
            },
            _ => {
                let name = self.0.get(&oid).map_or("???", |t| t.name.as_str());
                let name = quote_ident(name);
                match modifier {
                    Some(m) => format!("{name}({m})"),
                    None => name.into_owned(),
                }
            }
        })
    }
}

/// intervaltypmodout: the fields and the precision an interval's modifier holds.
fn interval_modifier(typemod: i32) -> Result<String, SqlError> {
    const MONTH: i32 = 1 << 1;
    const YEAR: i32 = 1 << 2;
    const DAY: i32 = 1 << 3;
    const HOUR: i32 = 1 << 10;
    const MINUTE: i32 = 1 << 11;
    const SECOND: i32 = 1 << 12;
    const FULL_RANGE: i32 = 0x7fff;
    const FULL_PRECISION: i32 = 0xffff;
    let range = (typemod >> 16) & 0x7fff;
    let precision = typemod & 0xffff;
    let fields = match range {
        YEAR => " year",
        MONTH => " month",
        DAY => " day",
        HOUR => " hour",
        MINUTE => " minute",
        SECOND => " second",
        r if r == YEAR | MONTH => " year to month",
        r if r == DAY | HOUR => " day to hour",
        r if r == DAY | HOUR | MINUTE => " day to minute",
        r if r == DAY | HOUR | MINUTE | SECOND => " day to second",
        r if r == HOUR | MINUTE => " hour to minute",
        r if r == HOUR | MINUTE | SECOND => " hour to second",
        r if r == MINUTE | SECOND => " minute to second",
        FULL_RANGE => "",
        _ => {
            return Err(SqlError {
                sqlstate: "XX000",
                message: format!("invalid INTERVAL typmod: 0x{typemod:x}"),
            })
        }
    };
    Ok(if precision == FULL_PRECISION {
        fields.to_owned()
    } else {
        format!("{fields}({precision})")
    })
}

/// The values of an integer argument, whichever width DataFusion gave it.
fn integers(array: &ArrayRef) -> Result<Vec<Option<i64>>> {
    if let Some(a) = array.as_primitive_opt::<Int64Type>() {
        return Ok(a.iter().collect());
    }
    if let Some(a) = array.as_primitive_opt::<Int32Type>() {
        return Ok(a.iter().map(|v| v.map(i64::from)).collect());
    }
    if array.null_count() == array.len() {
        return Ok(vec![None; array.len()]);
    }
    exec_err!("format_type takes an oid and an integer")
}

pub fn format_type_udf(types: Arc<Types>) -> ScalarUDF {
    create_udf(
        "format_type",
        vec![DataType::Int64, DataType::Int64],
        DataType::Utf8,
        Volatility::Stable,
        Arc::new(make_scalar_function(
            move |args: &[ArrayRef]| {
                let [oids, typemods] = args else {
                    return exec_err!("format_type takes two arguments");
                };
                let out = integers(oids)?
                    .into_iter()
                    .zip(integers(typemods)?)
                    .map(|(oid, typemod)| {
                        // format_type is not strict in its modifier: NULL means none given.
                        let oid = oid.and_then(|o| u32::try_from(o).ok());
                        let typemod = typemod.and_then(|m| i32::try_from(m).ok());
                        oid.map(|oid| types.format(oid, typemod)).transpose()
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

    /// PostgreSQL 15's answers to `SELECT format_type(oid, typemod)`.
    #[test]
    fn types_print_as_postgresql_prints_them() {
        let tables = PgCatalogStaticTables::try_new().expect("static tables");
        let types = Types::try_new(&tables.pg_type).expect("types");
        for (oid, typemod, printed) in [
            (99999, None, "???"),
            (0, None, "-"),
            (1042, Some(-1), "bpchar"),
            (1042, None, "character"),
            (1042, Some(5), "character(1)"),
            (1042, Some(0), "character"),
            (1043, Some(14), "character varying(10)"),
            (1043, Some(3), "character varying"),
            (3831, None, "anyrange"),
            (603, None, "box"),
            (1000, None, "boolean[]"),
            (2277, None, "anyarray"),
            (18, None, "\"char\""),
            (1082, Some(5), "date(5)"),
            (16, Some(5), "boolean"),
            (1700, Some(655_366), "numeric(10,2)"),
            (1700, Some(393_220), "numeric(6,0)"),
            (1083, Some(3), "time(3) without time zone"),
            (1184, Some(0), "timestamp(0) with time zone"),
            (1560, Some(-1), "\"bit\""),
            (1560, None, "bit"),
            (1015, Some(14), "character varying(10)[]"),
            (3220, None, "pg_lsn"),
            (1270, None, "time with time zone[]"),
            (2205, Some(-1), "regclass"),
            (1186, Some(470_286_339), "interval day to second(3)"),
            (1186, Some(327_679), "interval year"),
            (1186, Some(2_147_418_114), "interval(2)"),
            (705, None, "unknown"),
        ] {
            assert_eq!(
                types.format(oid, typemod).ok().as_deref(),
                Some(printed),
                "{oid} {typemod:?}"
            );
        }
        assert_eq!(
            types
                .format(1186, Some(0x7ffe_ffff))
                .map_err(|e| e.sqlstate),
            Err("XX000")
        );
    }
}
