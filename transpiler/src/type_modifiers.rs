//! Type modifiers PostgreSQL refuses when it reads a type name (22023): a `char(n)` or
//! `varchar(n)` longer than 10485760 characters or shorter than one. The engines take any
//! length, so without the check `'x'::varchar(20000000)` answered where PostgreSQL fails.

use std::ops::ControlFlow;

use sqlparser::ast::{visit_expressions, CharacterLength, DataType, Expr, Ident, Statement};

use crate::ast::{
    call, call_with, cast_in_place, is_plain_cast, number, plain_cast_mut, string, take,
};
use crate::TranspileError;

/// The function engines provide for a cast to PostgreSQL's `name`: text clipped to 63 bytes
/// of whole characters.
pub const NAME_FUNCTION: &str = "junction_name";

/// PostgreSQL's MaxAttrSize in characters: the longest `char(n)` or `varchar(n)`.
const MAX_CHARACTER_LENGTH: u64 = 10 * 1024 * 1024;

/// The first cast in `statement` to a character type of a length PostgreSQL refuses.
pub fn check_type_modifiers(statement: &Statement) -> Result<(), TranspileError> {
    let found = visit_expressions(statement, |expr| match expr {
        Expr::Cast { data_type, .. } => match character_length(data_type) {
            Some(Err(e)) => ControlFlow::Break(e),
            _ => ControlFlow::Continue(()),
        },
        _ => ControlFlow::Continue(()),
    });
    match found {
        ControlFlow::Break(e) => Err(e),
        ControlFlow::Continue(()) => Ok(()),
    }
}

/// A cast to `varchar(n)` or `char(n)` keeps the first `n` characters, as PostgreSQL's
/// explicit casts do (`'abcdef'::varchar(3)` is `abc`, `'abc'::char` is `a`); both engines
/// ignore the length and kept the whole text. `as_text` is the dialect's rule for the value's
/// text (a float's, an interval's as PostgreSQL prints them), applied to the cast to text it
/// makes.
///
/// A blank-padded value (`char(n)`, `bpchar`) is held without its trailing blanks, which
/// PostgreSQL ignores wherever the value is compared, measured (`length`) or used as text
/// (`||`, `upper`, `::text`): `'ab '::char(4) = 'ab'::text` is true. Where PostgreSQL shows
/// the padding (its output, `octet_length`, `concat`, `LIKE`) junction's answer has none.
pub(crate) fn truncating_cast(expr: &mut Expr, as_text: impl Fn(&mut Expr)) {
    let Expr::Cast {
        kind,
        expr: inner,
        data_type,
        ..
    } = expr
    else {
        return;
    };
    if !is_plain_cast(kind) {
        return;
    }
    let bpchar = is_bpchar(data_type);
    let length = match character_length(data_type) {
        Some(Ok(length)) => Some(length),
        Some(Err(_)) => return,
        None if bpchar => None,
        None => return,
    };
    let padded = bpchar || matches!(data_type, DataType::Char(_) | DataType::Character(_));
    let mut text = take(inner);
    cast_in_place(&mut text, DataType::Varchar(None));
    as_text(&mut text);
    if let Some(length) = length {
        text = call_with("left", vec![text, number(length)]);
    }
    if padded {
        text = call_with("rtrim", vec![text, string(" ")]);
    }
    if bpchar {
        // No engine has the type; its values are text.
        *data_type = DataType::Varchar(None);
    } else if let DataType::Character(length) = data_type {
        // DataFusion reads only the short spelling.
        *data_type = DataType::Char(length.take());
    }
    **inner = text;
}

/// Whether `data_type` is `bpchar` without a length, the type of a blank-padded value.
fn is_bpchar(data_type: &DataType) -> bool {
    matches!(data_type, DataType::Custom(name, modifiers)
        if modifiers.is_empty() && name.to_string().eq_ignore_ascii_case("bpchar"))
}

/// A cast to PostgreSQL's `name` (an identifier, in 63 bytes), which no engine has: the
/// value's text (`as_text` is the dialect's rule for it, as in [`truncating_cast`]) through
/// junction's [`NAME_FUNCTION`], which clips it as PostgreSQL does and, on DataFusion, types
/// it name. DuckDB's result is text: a cast to a DuckDB type alias does not keep the alias
/// in the result's type, so nothing would tell the front end. Trino reads `name` as varchar.
pub(crate) fn name_cast(expr: &mut Expr, as_text: impl Fn(&mut Expr)) {
    if let Expr::TypedString(typed) = expr {
        if is_name(&typed.data_type) {
            let mut value = Expr::Value(typed.value.clone());
            cast_in_place(&mut value, DataType::Text);
            *expr = call(NAME_FUNCTION, value);
            return;
        }
    }
    let Some((inner, data_type)) = plain_cast_mut(expr) else {
        return;
    };
    if !is_name(data_type) {
        return;
    }
    let mut text = take(inner);
    cast_in_place(&mut text, DataType::Text);
    as_text(&mut text);
    *expr = call(NAME_FUNCTION, text);
}

/// Whether `data_type` is PostgreSQL's `name` (`pg_catalog.name`).
pub(crate) fn is_name(data_type: &DataType) -> bool {
    let DataType::Custom(name, modifiers) = data_type else {
        return false;
    };
    let parts: Vec<_> = name.0.iter().filter_map(|p| p.as_ident()).collect();
    // Folded unless quoted, as PostgreSQL reads identifiers.
    let spells = |i: &Ident, word: &str| crate::relations::fold(i) == word;
    modifiers.is_empty()
        && match parts.as_slice() {
            [name] => spells(name, "name"),
            [schema, name] => spells(schema, "pg_catalog") && spells(name, "name"),
            _ => false,
        }
}

/// A character type's length, or PostgreSQL's error for it.
fn character_length(data_type: &DataType) -> Option<Result<u64, TranspileError>> {
    let (name, length) = match data_type {
        DataType::Char(length) | DataType::Character(length) => ("char", length),
        DataType::Varchar(length)
        | DataType::CharacterVarying(length)
        | DataType::CharVarying(length) => ("varchar", length),
        _ => return None,
    };
    let length = match length {
        Some(CharacterLength::IntegerLength { length, .. }) => length,
        // `char` alone is `char(1)`; `varchar` alone has no bound.
        None if name == "char" => &1,
        _ => return None,
    };
    let refused = |message: String| Some(Err(TranspileError::InvalidParameter(message)));
    if *length < 1 {
        return refused(format!("length for type {name} must be at least 1"));
    }
    if *length > MAX_CHARACTER_LENGTH {
        return refused(format!(
            "length for type {name} cannot exceed {MAX_CHARACTER_LENGTH}"
        ));
    }
    Some(Ok(*length))
}

#[cfg(test)]
mod tests {
    #[test]
    fn casts_to_a_length_keep_that_many_characters() {
        let statement = crate::parse(
            "SELECT CAST(a AS VARCHAR(3)), b::char(2), c::varchar, d::char, e::bpchar FROM t",
        )
        .expect("parses")
        .remove(0);
        for dialect in [crate::Dialect::DataFusion, crate::Dialect::DuckDb] {
            assert_eq!(
                crate::render(&statement, dialect, &crate::NoTypes).expect("renders"),
                "SELECT CAST(left(CAST(a AS VARCHAR), 3) AS VARCHAR(3)), \
                 rtrim(left(CAST(b AS VARCHAR), 2), ' ')::CHAR(2), c::VARCHAR, \
                 rtrim(left(CAST(d AS VARCHAR), 1), ' ')::CHAR, rtrim(CAST(e AS VARCHAR), ' ')::VARCHAR \
                 FROM t",
                "{dialect:?}"
            );
        }
    }

    #[test]
    fn casts_to_name_are_clipped_text() {
        let statement = crate::parse(
            "SELECT a::name, CAST(b AS pg_catalog.name), c::\"name\", d::names FROM t",
        )
        .expect("parses")
        .remove(0);
        for dialect in [crate::Dialect::DataFusion, crate::Dialect::DuckDb] {
            assert_eq!(
                crate::render(&statement, dialect, &crate::NoTypes).expect("renders"),
                "SELECT junction_name(CAST(a AS TEXT)), junction_name(CAST(b AS TEXT)), \
                 junction_name(CAST(c AS TEXT)), d::names FROM t",
                "{dialect:?}"
            );
        }
    }

    /// What parsing `sql` says, which checks the type modifiers.
    fn checked(sql: &str) -> Result<(), String> {
        crate::parse(sql)
            .map(|_| ())
            .map_err(|e| format!("{} {e}", e.sqlstate()))
    }

    #[test]
    fn lengths_postgresql_refuses_are_22023() {
        assert_eq!(
            checked("SELECT 'x'::varchar(20000000)"),
            Err("22023 length for type varchar cannot exceed 10485760".to_owned())
        );
        assert_eq!(
            checked("SELECT CAST(a AS character(10485761)) FROM t"),
            Err("22023 length for type char cannot exceed 10485760".to_owned())
        );
        assert_eq!(
            checked("SELECT CAST(a AS char(0)) FROM t"),
            Err("22023 length for type char must be at least 1".to_owned())
        );
        assert_eq!(
            checked("SELECT 'x'::varchar(10485760), 'y'::char(5), 'z'::varchar"),
            Ok(())
        );
    }
}
