//! The types PostgreSQL gives its catalogs' columns that no engine has: `name` (an
//! identifier), `oid` (an object's number) and `"char"` (a one-byte code such as `relkind`).
//! junction's pg_catalog holds them as text and integers, tagged with one of these Arrow
//! extension names, which a column keeps through a query's projections, aliases and joins;
//! the pg front end then describes the column with PostgreSQL's type, as psql, pgJDBC's
//! DatabaseMetaData and SQLAlchemy's reflection see it from PostgreSQL. Casts to `name` and
//! the functions PostgreSQL answers with a name (`current_user`, `current_database()`,
//! `pg_get_userbyid`) are tagged the same way.

use datafusion::arrow::array::{Array, AsArray, StringArray};
use datafusion::arrow::datatypes::{DataType, Field};
use pgwire::api::Type;

/// The longest `name` in bytes: PostgreSQL's NAMEDATALEN less its terminating zero.
const NAME_BYTES: usize = 63;

/// `text` as a `name` holds it: its longest prefix of whole characters in 63 bytes, as
/// PostgreSQL's `namein` clips an identifier (`repeat('é', 40)::name` keeps 31 of them).
pub fn clip_name(text: &str) -> &str {
    if text.len() <= NAME_BYTES {
        return text;
    }
    let end = (0..=NAME_BYTES)
        .rev()
        .find(|&i| text.is_char_boundary(i))
        .unwrap_or(0);
    &text[..end]
}

/// Each text of `texts` (Utf8) clipped by [`clip_name`]: a cast to name, on every engine.
pub fn clip_names(texts: &dyn Array) -> StringArray {
    texts
        .as_string::<i32>()
        .iter()
        .map(|t| t.map(clip_name))
        .collect()
}

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

#[cfg(test)]
mod tests {
    use super::clip_name;

    #[test]
    fn names_keep_whole_characters_in_63_bytes() {
        assert_eq!(clip_name("patients"), "patients");
        assert_eq!(clip_name(&"a".repeat(70)), "a".repeat(63));
        // Two bytes each: 31 fit, the 32nd would end at byte 64.
        assert_eq!(clip_name(&"é".repeat(40)), "é".repeat(31));
        assert_eq!(clip_name(&format!("{}é", "a".repeat(62))), "a".repeat(62));
    }
}
