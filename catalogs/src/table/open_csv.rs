//! Hive's OpenCSVSerde fields, split as Hive 2.3 splits them: the SerDe hands each line
//! (TextInputFormat's) to a new opencsv 2.3 reader, whose rules no CSV reader here shares.
//! A doubled quote and an escaped quote or escape are both that character, inside quotes
//! and (once a field has begun) outside them; an escape before anything else is dropped; a
//! quote inside a field is kept; a field left open at the end of the line is lost, with the
//! fields after it. DataFusion reads the lines whole and splits them with [`OpenCsvFields`].

use std::any::Any;
use std::sync::Arc;

use arrow::array::{ListBuilder, StringBuilder};
use arrow::datatypes::{DataType, Field};
use datafusion::common::{cast::as_string_array, exec_err, Result};
use datafusion::logical_expr::{
    ColumnarValue, ScalarFunctionArgs, ScalarUDFImpl, Signature, Volatility,
};

/// The characters an OpenCSVSerde table is written with, after Hive's own defaulting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct OpenCsv {
    pub separator: char,
    pub quote: char,
    pub escape: char,
}

impl OpenCsv {
    /// Hands each field of `line` to `emit`, building it in `field` (a buffer the caller
    /// keeps, so that splitting a column of lines allocates once). An empty line has no
    /// fields: the SerDe's reader of it reads no line at all.
    pub fn split(&self, line: &str, field: &mut String, mut emit: impl FnMut(&str)) {
        if line.is_empty() {
            return;
        }
        field.clear();
        let mut chars = line.chars().peekable();
        // opencsv looks one character back and one ahead, by position in the line.
        let mut position = 0;
        let mut previous = None;
        let mut in_quotes = false;
        // Whether a field has begun: opencsv unescapes in a begun field even outside quotes.
        let mut in_field = false;
        while let Some(c) = chars.next() {
            let next = chars.peek().copied();
            let unescaping = in_quotes || in_field;
            let mut takes_next = false;
            if c == self.escape {
                let escaped = next.filter(|&n| unescaping && (n == self.quote || n == self.escape));
                if let Some(escaped) = escaped {
                    field.push(escaped);
                    takes_next = true;
                }
            } else if c == self.quote {
                if unescaping && next == Some(self.quote) {
                    field.push(self.quote);
                    takes_next = true;
                } else {
                    // A quote amid a field's text is text, unless only blanks came before it.
                    let amid = position > 2
                        && previous != Some(self.separator)
                        && next.is_some_and(|n| n != self.separator);
                    if amid {
                        if !field.is_empty() && field.chars().all(java_whitespace) {
                            field.clear();
                        } else {
                            field.push(c);
                        }
                    }
                    in_quotes = !in_quotes;
                }
                in_field = !in_field;
            } else if c == self.separator && !in_quotes {
                emit(field);
                field.clear();
                in_field = false;
            } else {
                field.push(c);
                in_field = true;
            }
            previous = Some(c);
            position += 1;
            if takes_next {
                previous = chars.next();
                position += 1;
            }
        }
        // An open quote waits for a next line, which a reader of one line never has.
        if !in_quotes {
            emit(field);
        }
    }
}

/// Java's `Character.isWhitespace`, which opencsv asks.
fn java_whitespace(c: char) -> bool {
    matches!(c, '\u{1c}'..='\u{1f}')
        || (c.is_whitespace() && !matches!(c, '\u{85}' | '\u{a0}' | '\u{2007}' | '\u{202f}'))
}

/// `open_csv_fields(line)`: the fields of each line, a list of text.
#[derive(Debug, PartialEq, Eq, Hash)]
pub(crate) struct OpenCsvFields {
    csv: OpenCsv,
    signature: Signature,
}

impl OpenCsvFields {
    pub(crate) fn new(csv: OpenCsv) -> Self {
        Self {
            csv,
            signature: Signature::exact(vec![DataType::Utf8], Volatility::Immutable),
        }
    }
}

impl ScalarUDFImpl for OpenCsvFields {
    fn as_any(&self) -> &dyn Any {
        self
    }

    fn name(&self) -> &str {
        "open_csv_fields"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(DataType::List(Arc::new(Field::new_list_field(
            DataType::Utf8,
            true,
        ))))
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let [line] = args.args.as_slice() else {
            return exec_err!("open_csv_fields takes one argument");
        };
        let lines = line.to_array(args.number_rows)?;
        let lines = as_string_array(&lines)?;
        let mut out = ListBuilder::new(StringBuilder::new());
        let mut field = String::new();
        for line in lines {
            if let Some(line) = line {
                self.csv
                    .split(line, &mut field, |text| out.values().append_value(text));
            }
            out.append(line.is_some());
        }
        Ok(ColumnarValue::Array(Arc::new(out.finish())))
    }
}

#[cfg(test)]
mod tests {
    use super::OpenCsv;

    const HIVE: OpenCsv = OpenCsv {
        separator: ',',
        quote: '"',
        escape: '\\',
    };

    fn fields_of(csv: &OpenCsv, line: &str) -> Vec<String> {
        let mut fields = Vec::new();
        csv.split(line, &mut String::new(), |field| {
            fields.push(field.to_owned())
        });
        fields
    }

    fn split(line: &str) -> Vec<String> {
        fields_of(&HIVE, line)
    }

    #[test]
    fn quoted_fields_as_opencsv_splits_them() {
        assert_eq!(
            split(r#""icu","12","says ""hi"", twice""#),
            ["icu", "12", r#"says "hi", twice"#]
        );
        assert_eq!(
            split(r#""er","","quote \" escaped""#),
            ["er", "", r#"quote " escaped"#]
        );
        assert_eq!(split("west,,plain"), ["west", "", "plain"]);
        assert_eq!(split(""), Vec::<String>::new());
        assert_eq!(split(","), ["", ""]);
    }

    #[test]
    fn opencsv_quirks_hive_shows() {
        // An escape before anything but a quote or an escape is dropped, quoted or not.
        assert_eq!(split(r#""C:\beds""#), ["C:beds"]);
        assert_eq!(split(r"C:\beds"), ["C:beds"]);
        // Once a field has begun, escapes and doubled quotes work outside quotes too.
        assert_eq!(split(r#"a\"b,c""d"#), [r#"a"b"#, r#"c"d"#]);
        // A quote amid text is kept; blanks before an opening quote are dropped.
        assert_eq!(split(r#"abc"d"e,f"#), [r#"abc"d"e"#, "f"]);
        assert_eq!(split(r#"x,   "y",z"#), ["x", "y", "z"]);
        // A field still open at the end of the line is lost, and so is what follows it.
        assert_eq!(split(r#"a,"b,c"#), ["a"]);
    }

    #[test]
    fn other_characters() {
        let tabs = OpenCsv {
            separator: '\t',
            quote: '\'',
            escape: '\\',
        };
        assert_eq!(fields_of(&tabs, "'a\tb'\t'it''s'"), ["a\tb", "it's"]);
    }
}
