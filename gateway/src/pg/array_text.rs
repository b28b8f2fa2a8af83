//! PostgreSQL's text for one-dimensional arrays of the types junction renders itself
//! ([`super::text`]): each element as PostgreSQL prints it alone, double-quoted where the
//! array syntax needs it (`{"2026-07-01 10:00:00+00",NULL}`, `{"1 day"}`). arrow-pg prints
//! such elements as Rust does (`{2026-07-01 10:00:00.000000+00}`), unquoted and in the
//! column's own zone.

use std::sync::Arc;

use arrow::array::{Array, ArrayRef, AsArray, OffsetSizeTrait, StringBuilder};
use arrow::datatypes::DataType;
use arrow::error::ArrowError;
use junction_engines::pg_text::append_printed;

/// `column`, a list of elements [`super::text::renders`] accepts, as array text; `elements` renders its
/// values one by one as text.
pub fn render(
    column: &ArrayRef,
    elements: impl Fn(&ArrayRef) -> Result<ArrayRef, ArrowError>,
) -> Result<ArrayRef, ArrowError> {
    match column.data_type() {
        DataType::List(_) => render_lists(column.as_list::<i32>(), elements),
        DataType::LargeList(_) => render_lists(column.as_list::<i64>(), elements),
        other => Err(ArrowError::InvalidArgumentError(format!(
            "no PostgreSQL array text for {other}"
        ))),
    }
}

fn render_lists<O: OffsetSizeTrait>(
    lists: &arrow::array::GenericListArray<O>,
    elements: impl Fn(&ArrayRef) -> Result<ArrayRef, ArrowError>,
) -> Result<ArrayRef, ArrowError> {
    let texts = elements(lists.values())?;
    let texts = texts.as_string::<i32>();
    let offsets = lists.value_offsets();
    let mut out = StringBuilder::with_capacity(lists.len(), lists.len() * 32);
    let mut text = String::new();
    for row in 0..lists.len() {
        let list =
            (!lists.is_null(row)).then(|| offsets[row].as_usize()..offsets[row + 1].as_usize());
        append_printed(&mut out, &mut text, list, |elements, text| {
            text.push('{');
            for (n, i) in elements.enumerate() {
                if n > 0 {
                    text.push(',');
                }
                match texts.is_null(i) {
                    true => text.push_str("NULL"),
                    false => push_element(text, texts.value(i)),
                }
            }
            text.push('}');
        });
    }
    Ok(Arc::new(out.finish()))
}

/// `element` as an array element: quoted when empty, `NULL`, or holding a character the
/// array syntax reads (braces, comma, quote, backslash, white space).
fn push_element(out: &mut String, element: &str) {
    let quoted = element.is_empty()
        || element.eq_ignore_ascii_case("null")
        || element
            .chars()
            .any(|c| matches!(c, '{' | '}' | ',' | '"' | '\\') || c.is_ascii_whitespace());
    if !quoted {
        out.push_str(element);
        return;
    }
    out.push('"');
    for c in element.chars() {
        if matches!(c, '"' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn elements_are_quoted_as_postgresql_quotes_them() {
        let quoted = |e: &str| {
            let mut out = String::new();
            push_element(&mut out, e);
            out
        };
        assert_eq!(quoted("1.5"), "1.5");
        assert_eq!(
            quoted("2026-07-01 10:00:00+00"),
            "\"2026-07-01 10:00:00+00\""
        );
        assert_eq!(quoted("1 day"), "\"1 day\"");
        assert_eq!(quoted("NULL"), "\"NULL\"");
        assert_eq!(quoted(""), "\"\"");
        assert_eq!(quoted("a\"b\\c"), "\"a\\\"b\\\\c\"");
        assert_eq!(quoted("Infinity"), "Infinity");
    }
}
