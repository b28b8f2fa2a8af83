//! `encode(bytea, format)` and `decode(text, format)` as PostgreSQL has them (encode.c):
//! base64 in lines of 76 characters with its padding, hex, and the escape format, each
//! with PostgreSQL's errors. DataFusion's base64 has no padding and takes text without it;
//! DuckDB has neither function; both engines run these.

use std::sync::Arc;

use arrow::array::{Array, ArrayRef, AsArray, BinaryBuilder, StringArray, StringBuilder};

use crate::sql_error::SqlError;

/// The formats PostgreSQL 15 knows, by name (its lookup ignores case).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Base64,
    Hex,
    Escape,
}

impl Format {
    fn named(name: &str) -> Result<Self, SqlError> {
        if name.eq_ignore_ascii_case("base64") {
            Ok(Self::Base64)
        } else if name.eq_ignore_ascii_case("hex") {
            Ok(Self::Hex)
        } else if name.eq_ignore_ascii_case("escape") {
            Ok(Self::Escape)
        } else {
            Err(SqlError::invalid_parameter(format!(
                "unrecognized encoding: \"{name}\""
            )))
        }
    }
}

const BASE64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// PostgreSQL's base64 writes a line break after every 76 characters, also at the end.
const BASE64_LINE: usize = 76;

/// `encode(bytes, format)`.
pub fn encode(bytes: &[u8], format: &str) -> Result<String, SqlError> {
    let mut out = String::new();
    match Format::named(format)? {
        Format::Base64 => encode_base64(bytes, &mut out),
        Format::Hex => write_hex(bytes, &mut out),
        Format::Escape => encode_escape(bytes, &mut out),
    }
    Ok(out)
}

/// `decode(text, format)`.
pub fn decode(text: &str, format: &str) -> Result<Vec<u8>, SqlError> {
    match Format::named(format)? {
        Format::Base64 => decode_base64(text),
        Format::Hex => decode_hex(text),
        Format::Escape => decode_escape(text),
    }
}

/// `encode` of each value (bytea, or text read as bytea input) in the format beside it.
pub fn encode_each(values: &ArrayRef, formats: &StringArray) -> Result<ArrayRef, SqlError> {
    let mut out = StringBuilder::with_capacity(values.len(), 0);
    for i in 0..values.len() {
        if values.is_null(i) || formats.is_null(i) {
            out.append_null();
            continue;
        }
        let encoded = match values.as_binary_opt::<i32>() {
            Some(bytes) => encode(bytes.value(i), formats.value(i))?,
            None => encode(
                &bytea_input(values.as_string::<i32>().value(i))?,
                formats.value(i),
            )?,
        };
        out.append_value(encoded);
    }
    Ok(Arc::new(out.finish()))
}

/// `decode` of each text in the format beside it.
pub fn decode_each(texts: &StringArray, formats: &StringArray) -> Result<ArrayRef, SqlError> {
    let mut out = BinaryBuilder::with_capacity(texts.len(), 0);
    for i in 0..texts.len() {
        if texts.is_null(i) || formats.is_null(i) {
            out.append_null();
            continue;
        }
        out.append_value(decode(texts.value(i), formats.value(i))?);
    }
    Ok(Arc::new(out.finish()))
}

/// A text read as a bytea value (`byteain`): `\x` and hex digits, or the escape format. An
/// untyped literal passed to `encode` is such a value in PostgreSQL.
pub fn bytea_input(text: &str) -> Result<Vec<u8>, SqlError> {
    match text.strip_prefix("\\x") {
        Some(digits) => decode_hex(digits),
        None => decode_escape(text),
    }
}

fn encode_base64(bytes: &[u8], out: &mut String) {
    let mut line = 0;
    for chunk in bytes.chunks(3) {
        let buffer = chunk
            .iter()
            .enumerate()
            .fold(0u32, |b, (i, byte)| b | u32::from(*byte) << (16 - 8 * i));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(BASE64[(buffer >> (18 - 6 * i) & 0x3f) as usize]));
            } else {
                out.push('=');
            }
        }
        line += 4;
        // PostgreSQL breaks the line after the group that fills it, even the last.
        if line >= BASE64_LINE {
            out.push('\n');
            line = 0;
        }
    }
}

/// Two lower-case hex digits a byte, into `out`.
pub(crate) fn write_hex(bytes: &[u8], out: &mut String) {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    out.reserve(bytes.len() * 2);
    for byte in bytes {
        out.push(char::from(DIGITS[usize::from(byte >> 4)]));
        out.push(char::from(DIGITS[usize::from(byte & 0xf)]));
    }
}

fn base64_value(c: u8) -> Option<u32> {
    BASE64.iter().position(|b| *b == c).map(|v| v as u32)
}

/// PostgreSQL's decoder, quirks included: white space anywhere is skipped, and a group
/// ended by `=` may be followed by more groups.
fn decode_base64(text: &str) -> Result<Vec<u8>, SqlError> {
    let mut out = Vec::with_capacity(text.len() / 4 * 3);
    let (mut buffer, mut filled, mut padding) = (0u32, 0, 0);
    for (at, c) in text.char_indices() {
        let value = match c {
            ' ' | '\t' | '\n' | '\r' => continue,
            '=' => {
                if padding == 0 {
                    padding = match filled {
                        2 => 1,
                        3 => 2,
                        _ => {
                            return Err(SqlError::invalid_parameter(
                                "unexpected \"=\" while decoding base64 sequence".to_owned(),
                            ))
                        }
                    };
                }
                0
            }
            _ => u8::try_from(c).ok().and_then(base64_value).ok_or_else(|| {
                SqlError::invalid_parameter(format!(
                    "invalid symbol \"{}\" found while decoding base64 sequence",
                    &text[at..at + c.len_utf8()]
                ))
            })?,
        };
        buffer = buffer << 6 | value;
        filled += 1;
        if filled == 4 {
            let [_, first, second, third] = buffer.to_be_bytes();
            out.push(first);
            if padding != 1 {
                out.push(second);
            }
            if padding == 0 {
                out.push(third);
            }
            (buffer, filled) = (0, 0);
        }
    }
    if filled != 0 {
        return Err(SqlError::invalid_parameter(
            "invalid base64 end sequence".to_owned(),
        ));
    }
    Ok(out)
}

fn hex_value(text: &str, at: usize) -> Result<u8, SqlError> {
    let c = text[at..].chars().next().unwrap_or('\0');
    c.to_digit(16)
        .and_then(|d| u8::try_from(d).ok())
        .ok_or_else(|| SqlError::invalid_parameter(format!("invalid hexadecimal digit: \"{c}\"")))
}

/// Pairs of hex digits; white space only between pairs, as PostgreSQL reads them.
fn decode_hex(text: &str) -> Result<Vec<u8>, SqlError> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len() / 2);
    let mut at = 0;
    while at < bytes.len() {
        if matches!(bytes[at], b' ' | b'\t' | b'\n' | b'\r') {
            at += 1;
            continue;
        }
        let high = hex_value(text, at)?;
        if at + 1 >= bytes.len() {
            return Err(SqlError::invalid_parameter(
                "invalid hexadecimal data: odd number of digits".to_owned(),
            ));
        }
        out.push(high << 4 | hex_value(text, at + 1)?);
        at += 2;
    }
    Ok(out)
}

/// Zero bytes and bytes past ASCII as `\ooo`, a backslash doubled, the rest as they are.
fn encode_escape(bytes: &[u8], out: &mut String) {
    for byte in bytes {
        match byte {
            0 | 0x80.. => {
                out.push('\\');
                for shift in [6, 3, 0] {
                    out.push(char::from(b'0' + (byte >> shift & 7)));
                }
            }
            b'\\' => out.push_str("\\\\"),
            other => out.push(char::from(*other)),
        }
    }
}

fn decode_escape(text: &str) -> Result<Vec<u8>, SqlError> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut at = 0;
    while at < bytes.len() {
        if bytes[at] != b'\\' {
            out.push(bytes[at]);
            at += 1;
        } else if let Some(&[_, a @ b'0'..=b'3', b @ b'0'..=b'7', c @ b'0'..=b'7']) =
            bytes.get(at..at + 4)
        {
            out.push((a - b'0') << 6 | (b - b'0') << 3 | (c - b'0'));
            at += 4;
        } else if bytes.get(at + 1) == Some(&b'\\') {
            out.push(b'\\');
            at += 2;
        } else {
            return Err(SqlError {
                sqlstate: "22P02",
                message: "invalid input syntax for type bytea".to_owned(),
            });
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_is_padded_and_broken_into_lines_of_76() {
        assert_eq!(encode(b"a", "base64").as_deref(), Ok("YQ=="));
        assert_eq!(encode(b"ab", "BASE64").as_deref(), Ok("YWI="));
        assert_eq!(encode(b"", "base64").as_deref(), Ok(""));
        let full_line = "YWFh".repeat(19);
        assert_eq!(encode(&[b'a'; 57], "base64"), Ok(format!("{full_line}\n")));
        assert_eq!(
            encode(&[b'a'; 58], "base64"),
            Ok(format!("{full_line}\nYQ=="))
        );
        assert_eq!(
            decode(&format!("{full_line}\nYQ=="), "base64").map(|b| b.len()),
            Ok(58)
        );
    }

    #[test]
    fn base64_is_read_as_postgresql_reads_it() {
        assert_eq!(decode("YWJj", "base64"), Ok(b"abc".to_vec()));
        assert_eq!(decode("YQ==YQ==", "base64"), Ok(b"aa".to_vec()));
        assert_eq!(decode("YQ=a", "base64"), Ok(b"a".to_vec()));
        let message = |text| decode(text, "base64").unwrap_err().message;
        assert_eq!(message("YWI"), "invalid base64 end sequence");
        assert_eq!(
            message("Y="),
            "unexpected \"=\" while decoding base64 sequence"
        );
        assert_eq!(
            message("Y!"),
            "invalid symbol \"!\" found while decoding base64 sequence"
        );
        assert_eq!(decode("YWI", "base64").unwrap_err().sqlstate, "22023");
    }

    #[test]
    fn hex_takes_white_space_between_pairs_only() {
        assert_eq!(decode(" 6869 ", "hex"), Ok(b"hi".to_vec()));
        assert_eq!(
            decode("6 869", "hex").unwrap_err().message,
            "invalid hexadecimal digit: \" \""
        );
        assert_eq!(
            decode("686", "hex").unwrap_err().message,
            "invalid hexadecimal data: odd number of digits"
        );
        assert_eq!(encode(b"hi", "hex").as_deref(), Ok("6869"));
    }

    #[test]
    fn escape_writes_octal_for_zero_and_high_bytes() {
        assert_eq!(
            encode(b"a\\b\x00\xff", "escape").as_deref(),
            Ok("a\\\\b\\000\\377")
        );
        assert_eq!(decode("\\141\\\\x", "escape"), Ok(b"a\\x".to_vec()));
        assert_eq!(decode("\\9", "escape").unwrap_err().sqlstate, "22P02");
        assert_eq!(decode("\\1", "escape").unwrap_err().sqlstate, "22P02");
    }

    #[test]
    fn unknown_formats_and_bytea_input() {
        let e = encode(b"a", "foo").unwrap_err();
        assert_eq!(
            (e.sqlstate, e.message.as_str()),
            ("22023", "unrecognized encoding: \"foo\"")
        );
        assert_eq!(bytea_input("\\x6869"), Ok(b"hi".to_vec()));
        assert_eq!(bytea_input("hello"), Ok(b"hello".to_vec()));
    }
}
