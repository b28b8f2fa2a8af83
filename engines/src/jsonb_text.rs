//! Text cast to jsonb, as PostgreSQL stores and prints it.
//!
//! Neither engine has jsonb: both keep the text as it was written, so `'{"b":1,"a":2}'::jsonb`
//! printed as written, and two equal jsonb values compared unequal when written with other
//! spacing, key order or duplicate keys. PostgreSQL parses jsonb: objects keep each key once
//! (the last), ordered shortest first and then bytewise; numbers are numerics (`1e2` is
//! `100`); strings lose their escapes that need none; the text is laid out as `{"a": 1}` and
//! `[1, 2]`. This writes that text, for both engines.

use crate::df::json_build_object::write_json_string;
use crate::df::json_values::write_jsonb_object;
use crate::sql_error::SqlError;

/// PostgreSQL's bound on nesting before "stack depth limit exceeded"; junction's is lower
/// than the stack allows, and far above what JSON documents nest.
const MAX_DEPTH: usize = 1000;

/// `text`, one JSON value, as PostgreSQL's jsonb prints it.
pub fn normalize(text: &str) -> Result<String, SqlError> {
    let mut out = String::with_capacity(text.len() + text.len() / 4);
    match parse(text)? {
        Parsed::Object(members) => write_jsonb_object(members, &mut out),
        Parsed::Array(elements) => write_array(&elements, &mut out),
        Parsed::Scalar(scalar) => out = scalar,
    }
    Ok(out)
}

/// PostgreSQL's `jsonb || jsonb`: two objects merged (the right one's value for a key both
/// have), two arrays joined, and anything else joined as arrays of what is not one.
pub fn concatenate(left: &str, right: &str) -> Result<String, SqlError> {
    let mut out = String::with_capacity(left.len() + right.len() + 2);
    match (parse(left)?, parse(right)?) {
        (Parsed::Object(mut members), Parsed::Object(more)) => {
            members.extend(more);
            write_jsonb_object(members, &mut out);
        }
        (left, right) => {
            let mut elements = left.into_elements();
            elements.extend(right.into_elements());
            write_array(&elements, &mut out);
        }
    }
    Ok(out)
}

/// One JSON value, its parts as jsonb prints them.
enum Parsed {
    Object(Vec<(String, String)>),
    Array(Vec<String>),
    Scalar(String),
}

impl Parsed {
    /// The elements this value gives an array it is joined to: its own if it is an array,
    /// else itself.
    fn into_elements(self) -> Vec<String> {
        match self {
            Parsed::Array(elements) => elements,
            Parsed::Object(members) => {
                let mut object = String::new();
                write_jsonb_object(members, &mut object);
                vec![object]
            }
            Parsed::Scalar(scalar) => vec![scalar],
        }
    }
}

fn parse(text: &str) -> Result<Parsed, SqlError> {
    let mut parser = Parser {
        text,
        at: 0,
        depth: 0,
    };
    parser.blank();
    let parsed = match parser.peek() {
        Some(b'{') => Parsed::Object(parser.nested(Parser::members)?),
        Some(b'[') => Parsed::Array(parser.nested(Parser::elements)?),
        _ => {
            let mut scalar = String::new();
            parser.value(&mut scalar)?;
            Parsed::Scalar(scalar)
        }
    };
    parser.blank();
    if parser.at != text.len() {
        return Err(parser.invalid());
    }
    Ok(parsed)
}

fn write_array(elements: &[String], out: &mut String) {
    out.push('[');
    for (i, element) in elements.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        out.push_str(element);
    }
    out.push(']');
}

struct Parser<'a> {
    text: &'a str,
    at: usize,
    depth: usize,
}

impl Parser<'_> {
    fn invalid(&self) -> SqlError {
        SqlError {
            sqlstate: "22P02",
            message: format!("invalid input syntax for type json: \"{}\"", self.text),
        }
    }

    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.at).copied()
    }

    fn blank(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.at += 1;
        }
    }

    fn expect(&mut self, byte: u8) -> Result<(), SqlError> {
        self.blank();
        if self.peek() == Some(byte) {
            self.at += 1;
            Ok(())
        } else {
            Err(self.invalid())
        }
    }

    fn value(&mut self, out: &mut String) -> Result<(), SqlError> {
        self.blank();
        match self.peek() {
            Some(b'{') => {
                write_jsonb_object(self.nested(Self::members)?, out);
                Ok(())
            }
            Some(b'[') => {
                write_array(&self.nested(Self::elements)?, out);
                Ok(())
            }
            Some(b'"') => {
                let string = self.string()?;
                write_json_string(&string, out);
                Ok(())
            }
            Some(b'-' | b'0'..=b'9') => self.number(out),
            _ => {
                for word in ["true", "false", "null"] {
                    if self.text[self.at..].starts_with(word) {
                        self.at += word.len();
                        out.push_str(word);
                        return Ok(());
                    }
                }
                Err(self.invalid())
            }
        }
    }

    /// What `parse` reads after the opening bracket at the parser's position, one level
    /// deeper.
    fn nested<T>(
        &mut self,
        parse: impl FnOnce(&mut Self) -> Result<T, SqlError>,
    ) -> Result<T, SqlError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(SqlError {
                sqlstate: "54001",
                message: "stack depth limit exceeded".to_owned(),
            });
        }
        self.at += 1;
        let parsed = parse(self);
        self.depth -= 1;
        parsed
    }

    /// An object's members after the `{`, each value as jsonb prints it.
    fn members(&mut self) -> Result<Vec<(String, String)>, SqlError> {
        let mut members = Vec::new();
        self.blank();
        if self.peek() == Some(b'}') {
            self.at += 1;
            return Ok(members);
        }
        loop {
            self.blank();
            if self.peek() != Some(b'"') {
                return Err(self.invalid());
            }
            let key = self.string()?;
            self.expect(b':')?;
            let mut value = String::new();
            self.value(&mut value)?;
            members.push((key, value));
            self.blank();
            match self.peek() {
                Some(b',') => self.at += 1,
                Some(b'}') => {
                    self.at += 1;
                    return Ok(members);
                }
                _ => return Err(self.invalid()),
            }
        }
    }

    /// An array's elements after the `[`, each as jsonb prints it.
    fn elements(&mut self) -> Result<Vec<String>, SqlError> {
        let mut elements = Vec::new();
        self.blank();
        if self.peek() == Some(b']') {
            self.at += 1;
            return Ok(elements);
        }
        loop {
            let mut element = String::new();
            self.value(&mut element)?;
            elements.push(element);
            self.blank();
            match self.peek() {
                Some(b',') => self.at += 1,
                Some(b']') => {
                    self.at += 1;
                    return Ok(elements);
                }
                _ => return Err(self.invalid()),
            }
        }
    }

    /// A string at its opening quote, unescaped.
    fn string(&mut self) -> Result<String, SqlError> {
        self.at += 1;
        let mut decoded = String::new();
        loop {
            let rest = &self.text[self.at..];
            let Some(end) = rest.find(['"', '\\']) else {
                return Err(self.invalid());
            };
            let plain = &rest[..end];
            if plain.chars().any(|c| c < ' ') {
                return Err(self.invalid());
            }
            decoded.push_str(plain);
            self.at += end + 1;
            if rest.as_bytes()[end] == b'"' {
                return Ok(decoded);
            }
            let escape = self.peek().ok_or_else(|| self.invalid())?;
            self.at += 1;
            match escape {
                b'"' => decoded.push('"'),
                b'\\' => decoded.push('\\'),
                b'/' => decoded.push('/'),
                b'b' => decoded.push('\u{8}'),
                b'f' => decoded.push('\u{c}'),
                b'n' => decoded.push('\n'),
                b'r' => decoded.push('\r'),
                b't' => decoded.push('\t'),
                b'u' => {
                    let c = self.unicode_escape()?;
                    decoded.push(c);
                }
                _ => return Err(self.invalid()),
            }
        }
    }

    /// The character of a `\uXXXX` escape (after the `u`), a surrogate pair's second half
    /// read too.
    fn unicode_escape(&mut self) -> Result<char, SqlError> {
        let unit = self.hex4()?;
        let code = match unit {
            0 => {
                return Err(SqlError {
                    sqlstate: "22P05",
                    message: "unsupported Unicode escape sequence".to_owned(),
                })
            }
            0xD800..=0xDBFF => {
                if !self.text[self.at..].starts_with("\\u") {
                    return Err(self.invalid());
                }
                self.at += 2;
                let low = self.hex4()?;
                if !(0xDC00..=0xDFFF).contains(&low) {
                    return Err(self.invalid());
                }
                0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00)
            }
            0xDC00..=0xDFFF => return Err(self.invalid()),
            unit => unit,
        };
        char::from_u32(code).ok_or_else(|| self.invalid())
    }

    fn hex4(&mut self) -> Result<u32, SqlError> {
        let digits = self
            .text
            .get(self.at..self.at + 4)
            .ok_or_else(|| self.invalid())?;
        let unit = u32::from_str_radix(digits, 16).map_err(|_| self.invalid())?;
        self.at += 4;
        Ok(unit)
    }

    /// A JSON number as PostgreSQL's numeric prints it: no exponent, the scale it implies.
    fn number(&mut self, out: &mut String) -> Result<(), SqlError> {
        let bytes = self.text.as_bytes();
        let start = self.at;
        let mut at = start;
        let negative = bytes[at] == b'-';
        if negative {
            at += 1;
        }
        let digits = |at: &mut usize| {
            let from = *at;
            while bytes.get(*at).is_some_and(u8::is_ascii_digit) {
                *at += 1;
            }
            from..*at
        };
        let whole = digits(&mut at);
        let whole_text = &self.text[whole.clone()];
        if whole.is_empty() || (whole_text.len() > 1 && whole_text.starts_with('0')) {
            return Err(self.invalid());
        }
        let mut fraction = at..at;
        if bytes.get(at) == Some(&b'.') {
            at += 1;
            fraction = digits(&mut at);
            if fraction.is_empty() {
                return Err(self.invalid());
            }
        }
        let mut exponent: i64 = 0;
        if matches!(bytes.get(at), Some(b'e' | b'E')) {
            at += 1;
            let sign = match bytes.get(at) {
                Some(b'-') => {
                    at += 1;
                    -1
                }
                Some(b'+') => {
                    at += 1;
                    1
                }
                _ => 1,
            };
            let power = digits(&mut at);
            exponent = self.text[power]
                .parse::<i64>()
                .map_err(|_| self.invalid())?
                .checked_mul(sign)
                .ok_or_else(|| self.invalid())?;
        }
        self.at = at;
        let fraction_text = &self.text[fraction];
        // All the digits, and how many of them follow the point once the exponent moves it.
        let all = format!("{whole_text}{fraction_text}");
        let scale = (fraction_text.len() as i64)
            .checked_sub(exponent)
            .ok_or_else(|| self.invalid())?;
        if scale.unsigned_abs() > 1000 + all.len() as u64 {
            return Err(SqlError {
                sqlstate: "22003",
                message: "value overflows numeric format".to_owned(),
            });
        }
        let digits = all.trim_start_matches('0');
        let zero = digits.is_empty();
        if negative && !zero {
            out.push('-');
        }
        match usize::try_from(scale) {
            Ok(scale) if scale > 0 => {
                let padded = format!("{digits:0>width$}", width = scale + 1);
                let (int, frac) = padded.split_at(padded.len() - scale);
                out.push_str(int);
                out.push('.');
                out.push_str(frac);
            }
            Ok(_) => out.push_str(if zero { "0" } else { digits }),
            Err(_) => {
                // A negative scale: zeros after the digits.
                out.push_str(if zero { "0" } else { digits });
                if !zero {
                    out.extend(std::iter::repeat_n('0', scale.unsigned_abs() as usize));
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jsonb(text: &str) -> String {
        normalize(text).unwrap_or_else(|e| format!("{}: {}", e.sqlstate, e.message))
    }

    #[test]
    fn objects_are_ordered_and_keep_the_last_of_equal_keys() {
        assert_eq!(jsonb(r#"{"b":1,"a":2}"#), r#"{"a": 2, "b": 1}"#);
        assert_eq!(jsonb(r#"{"a":1,"a":2}"#), r#"{"a": 2}"#);
        assert_eq!(
            jsonb(r#"{"bb":1,"c":[1,{"z":null,"y":true}]}"#),
            r#"{"c": [1, {"y": true, "z": null}], "bb": 1}"#
        );
        assert_eq!(jsonb(" { } "), "{}");
        assert_eq!(jsonb("[ ]"), "[]");
    }

    #[test]
    fn numbers_are_numerics() {
        assert_eq!(
            jsonb("[1e2, 1.50, 2.0, -0, -0.0, 1E-2, 12.5e1, 0.00, 123]"),
            "[100, 1.50, 2.0, 0, 0.0, 0.01, 125, 0.00, 123]"
        );
        assert_eq!(
            jsonb("01"),
            "22P02: invalid input syntax for type json: \"01\""
        );
        assert_eq!(
            jsonb("1."),
            "22P02: invalid input syntax for type json: \"1.\""
        );
    }

    #[test]
    fn strings_lose_the_escapes_they_do_not_need() {
        assert_eq!(jsonb(r#""a\/b\u00e9\n\"""#), r#""a/bé\n\"""#);
        assert_eq!(jsonb(r#""\ud83d\ude00""#), "\"\u{1F600}\"");
        assert!(jsonb(r#""\u0000""#).starts_with("22P05"));
    }

    #[test]
    fn concatenation_merges_objects_and_joins_the_rest_as_arrays() {
        let joined = |a: &str, b: &str| concatenate(a, b).unwrap_or_else(|e| e.message);
        assert_eq!(
            joined(r#"{"b":1,"a":1}"#, r#"{"a":2,"c":null}"#),
            r#"{"a": 2, "b": 1, "c": null}"#
        );
        assert_eq!(joined("[1,2]", "[3]"), "[1, 2, 3]");
        assert_eq!(joined("[1]", r#"{"a":1}"#), r#"[1, {"a": 1}]"#);
        assert_eq!(joined(r#"{"a":1}"#, "2"), r#"[{"a": 1}, 2]"#);
        assert_eq!(joined("1", "[]"), "[1]");
        assert_eq!(joined("\"x\"", "null"), r#"["x", null]"#);
    }

    #[test]
    fn bad_text_is_refused() {
        for bad in [
            "",
            "{",
            "[1,]",
            "{\"a\" 1}",
            "tru",
            "1 2",
            "\"a",
            "{'a': 1}",
        ] {
            assert!(jsonb(bad).starts_with("22P02"), "{bad}: {}", jsonb(bad));
        }
        assert!(jsonb(&"[".repeat(5000)).starts_with("54001"));
    }
}
