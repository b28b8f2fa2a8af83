//! `regtype` values: type names as PostgreSQL prints them (`integer`, `character varying`,
//! `timestamp with time zone`, `text[]`), which `pg_typeof` answers.
//!
//! A regtype result is text tagged with [`REGTYPE_EXTENSION`]: Flight clients read the name,
//! and the pg front end describes the column as regtype (OID 2206), sending the name in text
//! format and the type's OID in binary format ([`regtype_oid`]).

use std::collections::HashMap;
use std::sync::LazyLock;

use pgwire::api::Type;

/// The Arrow extension name of a column of type names.
pub const REGTYPE_EXTENSION: &str = "junction.regtype";

/// The types a regtype value can name: every type the engines' results map to, and those
/// only a cast names (the engines hold `varchar`, `json` and `name` as text).
const NAMED: &[Type] = &[
    Type::UNKNOWN,
    Type::BOOL,
    Type::INT2,
    Type::INT4,
    Type::INT8,
    Type::FLOAT4,
    Type::FLOAT8,
    Type::NUMERIC,
    Type::TEXT,
    Type::VARCHAR,
    Type::BPCHAR,
    Type::NAME,
    Type::BYTEA,
    Type::DATE,
    Type::TIME,
    Type::TIMESTAMP,
    Type::TIMESTAMPTZ,
    Type::INTERVAL,
    Type::JSON,
    Type::JSONB,
    Type::UUID,
    Type::OID,
    Type::BOOL_ARRAY,
    Type::INT2_ARRAY,
    Type::INT4_ARRAY,
    Type::INT8_ARRAY,
    Type::FLOAT4_ARRAY,
    Type::FLOAT8_ARRAY,
    Type::NUMERIC_ARRAY,
    Type::TEXT_ARRAY,
    Type::VARCHAR_ARRAY,
    Type::BYTEA_ARRAY,
    Type::DATE_ARRAY,
    Type::TIME_ARRAY,
    Type::TIMESTAMP_ARRAY,
    Type::TIMESTAMPTZ_ARRAY,
    Type::INTERVAL_ARRAY,
    Type::JSON_ARRAY,
    Type::JSONB_ARRAY,
];

/// The SQL standard's names PostgreSQL's `format_type` prints instead of a `typname`
/// (`to_regtype` reads them back).
pub(crate) const STANDARD_NAMES: &[(&str, &str)] = &[
    ("bool", "boolean"),
    ("int2", "smallint"),
    ("int4", "integer"),
    ("int8", "bigint"),
    ("float4", "real"),
    ("float8", "double precision"),
    ("varchar", "character varying"),
    ("bpchar", "character"),
    ("time", "time without time zone"),
    ("timetz", "time with time zone"),
    ("timestamp", "timestamp without time zone"),
    ("timestamptz", "timestamp with time zone"),
];

/// `ty` as a regtype prints it.
pub fn regtype_name(ty: &Type) -> String {
    // An array type's typname is its element's with a leading underscore.
    match ty.name().strip_prefix('_') {
        Some(element) => format!("{}[]", standard_name(element)),
        None => standard_name(ty.name()).to_owned(),
    }
}

fn standard_name(typname: &str) -> &str {
    STANDARD_NAMES
        .iter()
        .find(|(name, _)| *name == typname)
        .map_or(typname, |(_, standard)| standard)
}

/// The OID of the type a regtype value names, for the binary format (once per value sent).
pub fn regtype_oid(name: &str) -> Option<u32> {
    static OIDS: LazyLock<HashMap<String, u32>> = LazyLock::new(|| {
        NAMED
            .iter()
            .map(|ty| (regtype_name(ty), ty.oid()))
            .collect()
    });
    OIDS.get(name).copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_postgresqls_and_give_back_their_oids() {
        for (ty, name) in [
            (Type::INT4, "integer"),
            (Type::VARCHAR, "character varying"),
            (Type::TIMESTAMPTZ, "timestamp with time zone"),
            (Type::INT4_ARRAY, "integer[]"),
            (Type::TEXT_ARRAY, "text[]"),
            (Type::NUMERIC, "numeric"),
            (Type::UNKNOWN, "unknown"),
        ] {
            assert_eq!(regtype_name(&ty), name);
            assert_eq!(regtype_oid(name), Some(ty.oid()), "{name}");
        }
        assert_eq!(regtype_oid("no such type"), None);
    }
}
