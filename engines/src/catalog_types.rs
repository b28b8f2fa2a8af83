//! The types PostgreSQL gives its catalogs' columns that no engine has: `name` (an
//! identifier), `oid` (an object's number) and `"char"` (a one-byte code such as `relkind`).
//! junction's pg_catalog holds them as text and integers, tagged with one of these Arrow
//! extension names, which a column keeps through a query's projections, aliases and joins;
//! the pg front end then describes the column with PostgreSQL's type, as psql, pgJDBC's
//! DatabaseMetaData and SQLAlchemy's reflection see it from PostgreSQL.

use datafusion::arrow::datatypes::{DataType, Field};
use pgwire::api::Type;

/// A catalog column type, by the extension name that tags it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CatalogType {
    Name,
    Oid,
    Char,
}

impl CatalogType {
    const ALL: [CatalogType; 3] = [CatalogType::Name, CatalogType::Oid, CatalogType::Char];

    /// The Arrow extension name of a column of this type.
    pub fn extension(self) -> &'static str {
        match self {
            CatalogType::Name => "junction.name",
            CatalogType::Oid => "junction.oid",
            CatalogType::Char => "junction.char",
        }
    }

    /// The type `field` is tagged with, where its values can be sent as that type in both
    /// formats: text for `name` and `"char"`, 32-bit integers for `oid` (whose binary form is
    /// the same four bytes).
    pub fn of(field: &Field) -> Option<CatalogType> {
        let tagged = field.extension_type_name()?;
        let ty = Self::ALL.into_iter().find(|t| t.extension() == tagged)?;
        ty.holds(field.data_type()).then_some(ty)
    }

    /// Whether a column of Arrow type `data_type` can be sent as this type.
    pub fn holds(self, data_type: &DataType) -> bool {
        match self {
            CatalogType::Name | CatalogType::Char => matches!(
                data_type,
                DataType::Utf8 | DataType::Utf8View | DataType::LargeUtf8
            ),
            CatalogType::Oid => matches!(data_type, DataType::Int32 | DataType::UInt32),
        }
    }

    /// The PostgreSQL type and its size, as a RowDescription gives them.
    pub fn pg_type(self) -> (Type, i16) {
        match self {
            CatalogType::Name => (Type::NAME, 64),
            CatalogType::Oid => (Type::OID, 4),
            CatalogType::Char => (Type::CHAR, 1),
        }
    }

    /// The type of its name in the data file (`Name`, `Oid`, `Char`).
    pub(crate) fn from_word(word: &str) -> Option<CatalogType> {
        Some(match word {
            "Name" => CatalogType::Name,
            "Oid" => CatalogType::Oid,
            "Char" => CatalogType::Char,
            _ => return None,
        })
    }
}
