//! PostgreSQL's text of arrays: `{1,2}`, `{{1,2},{3,4}}`, `{"2026-07-01 10:00:00+00",NULL}`,
//! each element as PostgreSQL prints it alone, double-quoted where the array syntax needs it.
//! The engines print lists their own way (`[1, 2]`, `[true, NULL]`), which a cast to text
//! inside a statement would hand on as the answer; the pg wire's text rows print arrays of
//! the types it renders itself here too.

use std::sync::Arc;

use arrow::array::{Array, ArrayRef, AsArray, OffsetSizeTrait, StringArray, StringBuilder};
use arrow::datatypes::DataType;
use arrow::error::ArrowError;

use crate::pg_text::append_printed;
use crate::sql_error::SqlError;

/// `column`, a list column, as array text; `elements` prints a column of its (non-list)
/// elements one by one as text. Lists of lists are PostgreSQL's arrays of more dimensions.
pub fn render(
    column: &ArrayRef,
    elements: &impl Fn(&ArrayRef) -> Result<ArrayRef, ArrowError>,
) -> Result<ArrayRef, ArrowError> {
    match column.data_type() {
        DataType::List(_) => render_lists(column.as_list::<i32>(), elements),
        DataType::LargeList(_) => render_lists(column.as_list::<i64>(), elements),
        DataType::FixedSizeList(field, _) => {
            let lists = arrow::compute::cast(column, &DataType::List(field.clone()))?;
            render_lists(lists.as_list::<i32>(), elements)
        }
        other => Err(ArrowError::InvalidArgumentError(format!(
            "no PostgreSQL array text for {other}"
        ))),
    }
}

/// Each list of `column` as PostgreSQL's array text, its elements printed as junction's
/// casts to text print them ([`element_text`]); NULL for NULL.
pub fn print_column(column: &ArrayRef) -> Result<ArrayRef, ArrowError> {
    render(column, &element_text)
}

fn render_lists<O: OffsetSizeTrait>(
    lists: &arrow::array::GenericListArray<O>,
    elements: &impl Fn(&ArrayRef) -> Result<ArrayRef, ArrowError>,
) -> Result<ArrayRef, ArrowError> {
    // An inner array is written as it is, braces and all, never quoted as one element.
    let nested = lists.values().data_type().is_list();
    let texts = if nested {
        render(lists.values(), elements)?
    } else {
        elements(lists.values())?
    };
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
                match (texts.is_null(i), nested) {
                    (true, _) => text.push_str("NULL"),
                    (false, true) => text.push_str(texts.value(i)),
                    (false, false) => push_element(text, texts.value(i)),
                }
            }
            text.push('}');
        });
    }
    Ok(Arc::new(out.finish()))
}

/// `values`, an array's elements, each printed as PostgreSQL prints a value of its type
/// (timestamptz in UTC, the engines' session zone); 0A000 for a type PostgreSQL's arrays do
/// not hold as junction's engines give it (a struct, a map).
pub fn element_text(values: &ArrayRef) -> Result<ArrayRef, ArrowError> {
    let printed: ArrayRef = match values.data_type() {
        DataType::Boolean => {
            let texts: StringArray = values
                .as_boolean()
                .iter()
                .map(|b| b.map(|b| if b { "t" } else { "f" }))
                .collect();
            Arc::new(texts)
        }
        DataType::Float32 | DataType::Float64 => crate::pg_text::print_column(values)?,
        DataType::Timestamp(..) | DataType::Date32 | DataType::Time64(_) => {
            crate::pg_text::print_timestamp_column(values)?
        }
        DataType::Interval(_) | DataType::Duration(_) => {
            crate::interval_text::print_column(values)?
        }
        DataType::Binary | DataType::LargeBinary | DataType::BinaryView => {
            let bytes = arrow::compute::cast(values, &DataType::Binary)?;
            let texts: StringArray = bytes
                .as_binary::<i32>()
                .iter()
                .map(|b| {
                    b.map(|bytes| {
                        let mut text = String::with_capacity(2 + 2 * bytes.len());
                        write_bytea_hex(bytes, &mut text);
                        text
                    })
                })
                .collect();
            Arc::new(texts)
        }
        DataType::Null
        | DataType::Int8
        | DataType::Int16
        | DataType::Int32
        | DataType::Int64
        | DataType::UInt8
        | DataType::UInt16
        | DataType::UInt32
        | DataType::UInt64
        | DataType::Decimal128(..)
        | DataType::Decimal256(..)
        | DataType::Utf8
        | DataType::LargeUtf8
        | DataType::Utf8View => arrow::compute::cast(values, &DataType::Utf8)?,
        other => {
            return Err(SqlError {
                sqlstate: "0A000",
                message: format!("an array of {other} cannot be printed as PostgreSQL text"),
            }
            .into())
        }
    };
    Ok(printed)
}

/// bytea's text (`bytea_output = hex`), `\x` and two hex digits a byte, into `out`.
pub(crate) fn write_bytea_hex(bytes: &[u8], out: &mut String) {
    out.push_str("\\x");
    crate::bytea_formats::write_hex(bytes, out);
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
    use arrow::array::{BooleanArray, Float64Array, ListArray};
    use arrow::datatypes::{Field, Int32Type};

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

    fn printed(column: ArrayRef) -> Vec<Option<String>> {
        let texts = print_column(&column).expect("printable");
        texts
            .as_string::<i32>()
            .iter()
            .map(|t| t.map(str::to_owned))
            .collect()
    }

    /// One list holding all of `values`.
    fn one_list(values: ArrayRef) -> ArrayRef {
        let field = Arc::new(Field::new("item", values.data_type().clone(), true));
        let lengths = arrow::buffer::OffsetBuffer::from_lengths([values.len()]);
        Arc::new(ListArray::try_new(field, lengths, values, None).expect("valid list"))
    }

    #[test]
    fn lists_print_as_postgresql_arrays() {
        let ints = ListArray::from_iter_primitive::<Int32Type, _, _>(vec![
            Some(vec![Some(1), None, Some(3)]),
            None,
            Some(vec![]),
        ]);
        assert_eq!(
            printed(Arc::new(ints)),
            [Some("{1,NULL,3}".to_owned()), None, Some("{}".to_owned())]
        );
        let floats = Arc::new(Float64Array::from(vec![1.0, 1e15, 0.1]));
        assert_eq!(
            printed(one_list(floats)),
            [Some("{1,1e+15,0.1}".to_owned())]
        );
        let bools = Arc::new(BooleanArray::from(vec![true, false]));
        assert_eq!(printed(one_list(bools)), [Some("{t,f}".to_owned())]);
    }

    #[test]
    fn lists_of_lists_are_arrays_of_two_dimensions() {
        let inner = ListArray::from_iter_primitive::<Int32Type, _, _>(vec![
            Some(vec![Some(1), Some(2)]),
            Some(vec![Some(3), Some(4)]),
        ]);
        assert_eq!(
            printed(one_list(Arc::new(inner))),
            [Some("{{1,2},{3,4}}".to_owned())]
        );
    }
}
