//! PostgreSQL's `to_char(number, template)`: numbers written through a template of digit
//! positions (`9`, `0`), a decimal point (`.`, `D`), group separators (`,`, `G`), signs
//! (`S`, `MI`, `PL`, `SG`, `PR`), fill mode (`FM`) and ordinal suffixes (`TH`, `th`), in
//! the C locale, as PostgreSQL's formatting.c writes them (the sign floats to the first
//! digit, leading zeros become spaces, a number too wide for the template is `#`s).
//!
//! Both engines call this code (junction's `junction_to_char_number` function), with the
//! number as its text, so they agree with each other and with PostgreSQL. Roman numerals,
//! `EEEE` and `V` are refused (0A000), never approximated.

use datafusion::arrow::array::{Array, StringArray};

use crate::sql_error::SqlError;

/// The number `to_char` writes, as the type PostgreSQL would pass it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Number<'a> {
    /// smallint, integer, bigint.
    Integer(i64),
    /// numeric, as its exact decimal text (`-12.50`).
    Numeric(&'a str),
    /// float8.
    Float8(f64),
    /// float4.
    Float4(f32),
}

/// A template element.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Node {
    Text(String),
    Key(Key),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Key {
    Comma,
    Point,
    Zero,
    Nine,
    D,
    G,
    Fm,
    Mi,
    Pl,
    Pr,
    S,
    Sg,
    Th {
        upper: bool,
    },
    /// The currency symbol: a space in the C locale.
    L,
    /// `B`, `C` and `SP`: keywords PostgreSQL reads and writes nothing for.
    Ignored,
}

/// PostgreSQL's keywords of number templates, longest first where one begins another. Each
/// is also read all in lower case (`fm`, `th`), not mixed (`Fm` is text); `None` is refused.
const KEYWORDS: &[(&str, Option<Key>)] = &[
    (",", Some(Key::Comma)),
    (".", Some(Key::Point)),
    ("0", Some(Key::Zero)),
    ("9", Some(Key::Nine)),
    ("B", Some(Key::Ignored)),
    ("C", Some(Key::Ignored)),
    ("D", Some(Key::D)),
    ("EEEE", None),
    ("FM", Some(Key::Fm)),
    ("G", Some(Key::G)),
    ("L", Some(Key::L)),
    ("MI", Some(Key::Mi)),
    ("PL", Some(Key::Pl)),
    ("PR", Some(Key::Pr)),
    ("RN", None),
    ("SG", Some(Key::Sg)),
    ("SP", Some(Key::Ignored)),
    ("S", Some(Key::S)),
    ("TH", Some(Key::Th { upper: true })),
    ("V", None),
];

/// The keyword `rest` starts with, as written, and its key (`th` is the lower-case suffix).
fn keyword(rest: &str) -> Option<(&str, Option<Key>)> {
    KEYWORDS.iter().find_map(|(word, key)| {
        let written = rest.get(..word.len())?;
        let key = if written == *word {
            *key
        } else if written
            .bytes()
            .eq(word.bytes().map(|b| b.to_ascii_lowercase()))
        {
            key.map(|k| match k {
                Key::Th { .. } => Key::Th { upper: false },
                k => k,
            })
        } else {
            return None;
        };
        Some((written, key))
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum LocaleSign {
    None,
    Pre,
    Post,
}

/// What a template says about the number (PostgreSQL's NUMDesc).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Shape {
    /// Digit positions before and after the decimal point.
    pre: usize,
    post: usize,
    decimal: bool,
    /// Where the first `0` before the point is (counting from 1), if any.
    zero_start: Option<usize>,
    zero_end: usize,
    fill: bool,
    minus: bool,
    plus: bool,
    bracket: bool,
    locale_sign: LocaleSign,
    pre_locale_sign: usize,
}

/// A parsed number template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    nodes: Vec<Node>,
    shape: Shape,
}

fn syntax(message: &str) -> SqlError {
    SqlError {
        sqlstate: "42601",
        message: message.to_owned(),
    }
}

impl Template {
    /// `template` read as PostgreSQL reads a number template.
    pub fn parse(template: &str) -> Result<Self, SqlError> {
        let mut nodes: Vec<Node> = Vec::new();
        let text = |nodes: &mut Vec<Node>, c: &str| match nodes.last_mut() {
            Some(Node::Text(run)) => run.push_str(c),
            _ => nodes.push(Node::Text(c.to_owned())),
        };
        let mut rest = template;
        while let Some(c) = rest.chars().next() {
            if let Some((word, key)) = keyword(rest) {
                let Some(key) = key else {
                    return Err(SqlError {
                        sqlstate: "0A000",
                        message: format!(
                            "the to_char number template pattern \"{word}\" is not supported"
                        ),
                    });
                };
                nodes.push(Node::Key(key));
                rest = &rest[word.len()..];
            } else if c == '"' {
                // Quoted text is copied; a backslash escapes a quote in it.
                let mut chars = rest[1..].char_indices();
                let mut end = rest.len();
                while let Some((i, q)) = chars.next() {
                    if q == '\\' {
                        if let Some((_, escaped)) = chars.next() {
                            text(&mut nodes, escaped.encode_utf8(&mut [0; 4]));
                        }
                    } else if q == '"' {
                        end = i + 2;
                        break;
                    } else {
                        text(&mut nodes, q.encode_utf8(&mut [0; 4]));
                    }
                }
                rest = &rest[end..];
            } else if c == '\\' && rest[1..].starts_with('"') {
                text(&mut nodes, "\"");
                rest = &rest[2..];
            } else {
                text(&mut nodes, &rest[..c.len_utf8()]);
                rest = &rest[c.len_utf8()..];
            }
        }
        let shape = Self::shape(&nodes)?;
        Ok(Self { nodes, shape })
    }

    /// PostgreSQL's NUMDesc_prepare over every key.
    fn shape(nodes: &[Node]) -> Result<Shape, SqlError> {
        let mut s = Shape {
            pre: 0,
            post: 0,
            decimal: false,
            zero_start: None,
            zero_end: 0,
            fill: false,
            minus: false,
            plus: false,
            bracket: false,
            locale_sign: LocaleSign::None,
            pre_locale_sign: 0,
        };
        let locale_sign = |s: &Shape| s.locale_sign != LocaleSign::None;
        for node in nodes {
            let Node::Key(key) = node else { continue };
            match key {
                Key::Nine | Key::Zero => {
                    if s.bracket {
                        return Err(syntax(if *key == Key::Nine {
                            "\"9\" must be ahead of \"PR\""
                        } else {
                            "\"0\" must be ahead of \"PR\""
                        }));
                    }
                    if *key == Key::Zero && s.zero_start.is_none() && !s.decimal {
                        s.zero_start = Some(s.pre + 1);
                    }
                    if s.decimal {
                        s.post += 1;
                    } else {
                        s.pre += 1;
                    }
                    if *key == Key::Zero {
                        s.zero_end = s.pre + s.post;
                    }
                }
                Key::Point | Key::D => {
                    if s.decimal {
                        return Err(syntax("multiple decimal points"));
                    }
                    s.decimal = true;
                }
                Key::Fm => s.fill = true,
                Key::S => {
                    if locale_sign(&s) {
                        return Err(syntax("cannot use \"S\" twice"));
                    }
                    if s.plus || s.minus || s.bracket {
                        return Err(syntax(
                            "cannot use \"S\" and \"PL\"/\"MI\"/\"SG\"/\"PR\" together",
                        ));
                    }
                    if !s.decimal {
                        s.locale_sign = LocaleSign::Pre;
                        s.pre_locale_sign = s.pre;
                    } else {
                        s.locale_sign = LocaleSign::Post;
                    }
                }
                Key::Mi | Key::Pl | Key::Sg => {
                    if locale_sign(&s) {
                        let word = match key {
                            Key::Mi => "MI",
                            Key::Pl => "PL",
                            _ => "SG",
                        };
                        return Err(syntax(&format!("cannot use \"S\" and \"{word}\" together")));
                    }
                    s.minus |= matches!(key, Key::Mi | Key::Sg);
                    s.plus |= matches!(key, Key::Pl | Key::Sg);
                }
                Key::Pr => {
                    if locale_sign(&s) || s.plus || s.minus {
                        return Err(syntax(
                            "cannot use \"PR\" and \"S\"/\"PL\"/\"MI\"/\"SG\" together",
                        ));
                    }
                    s.bracket = true;
                }
                Key::Comma | Key::G | Key::Th { .. } | Key::L | Key::Ignored => {}
            }
        }
        Ok(s)
    }

    /// `number` written through this template.
    pub fn format(&self, number: Number<'_>) -> Result<String, SqlError> {
        let mut shape = self.shape.clone();
        let (negative, digits) = match number {
            Number::Integer(value) => {
                let mut digits = value.unsigned_abs().to_string();
                if shape.post > 0 {
                    digits.push('.');
                    digits.extend(std::iter::repeat_n('0', shape.post));
                }
                (value < 0, digits)
            }
            Number::Numeric(text) => numeric_digits(text, shape.post)?,
            Number::Float8(value) => float_digits(value, &mut shape, 15),
            Number::Float4(value) => float_digits(f64::from(value), &mut shape, 6),
        };
        let integer_digits = digits.find('.').unwrap_or(digits.len());
        let (digits, pre_spaces) = if integer_digits <= shape.pre {
            (digits, shape.pre - integer_digits)
        } else {
            // Too wide for the template: every digit position is a `#`.
            let mut hashes = "#".repeat(shape.pre + shape.post + 1);
            hashes.replace_range(shape.pre..=shape.pre, ".");
            (hashes, 0)
        };
        Writer::new(&self.nodes, shape, negative, digits, pre_spaces).write()
    }
}

/// The sign and the digits of a numeric's text rounded to `scale` places, half away from
/// zero, with exactly `scale` digits after the point.
fn numeric_digits(text: &str, scale: usize) -> Result<(bool, String), SqlError> {
    let invalid = || SqlError {
        sqlstate: "22P02",
        message: format!("invalid input syntax for type numeric: \"{text}\""),
    };
    let (negative, unsigned) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text.strip_prefix('+').unwrap_or(text)),
    };
    let (whole, fraction) = unsigned.split_once('.').unwrap_or((unsigned, ""));
    if whole.is_empty() && fraction.is_empty()
        || !whole
            .bytes()
            .chain(fraction.bytes())
            .all(|b| b.is_ascii_digit())
    {
        return Err(invalid());
    }
    // All digits as one decimal string, rounded at `scale` places after the point.
    let mut kept: Vec<u8> = whole.bytes().collect();
    kept.extend(fraction.bytes().take(scale));
    kept.extend(std::iter::repeat_n(
        b'0',
        scale.saturating_sub(fraction.len()),
    ));
    if fraction.as_bytes().get(scale).is_some_and(|d| *d >= b'5') {
        let mut i = kept.len();
        loop {
            if i == 0 {
                kept.insert(0, b'1');
                break;
            }
            i -= 1;
            if kept[i] == b'9' {
                kept[i] = b'0';
            } else {
                kept[i] += 1;
                break;
            }
        }
    }
    let split = kept.len() - scale;
    let mut integer: String = kept[..split].iter().map(|b| char::from(*b)).collect();
    let trimmed = integer.trim_start_matches('0');
    integer = if trimmed.is_empty() {
        "0".to_owned()
    } else {
        trimmed.to_owned()
    };
    let zero = integer == "0" && kept[split..].iter().all(|d| *d == b'0');
    let mut digits = integer;
    if scale > 0 {
        digits.push('.');
        digits.extend(kept[split..].iter().map(|b| char::from(*b)));
    }
    // PostgreSQL's numeric zero has no sign.
    Ok((negative && !zero, digits))
}

impl<'a> Number<'a> {
    /// The number whose text is `text`, of the kind the transpiler names: `i` (an integer
    /// type), `n` (numeric), `f` (float8), `r` (float4).
    pub fn read(text: &'a str, kind: &str) -> Result<Self, SqlError> {
        let invalid = |type_name: &str| SqlError {
            sqlstate: "22P02",
            message: format!("invalid input syntax for type {type_name}: \"{text}\""),
        };
        match kind {
            "i" => text
                .parse()
                .map(Number::Integer)
                .map_err(|_| invalid("bigint")),
            "n" => Ok(Number::Numeric(text)),
            "f" => text
                .parse()
                .map(Number::Float8)
                .map_err(|_| invalid("double precision")),
            "r" => text
                .parse()
                .map(Number::Float4)
                .map_err(|_| invalid("real")),
            other => Err(SqlError {
                sqlstate: "XX000",
                message: format!("to_char: unknown kind of number \"{other}\""),
            }),
        }
    }
}

/// `junction_to_char_number(text, kind, template)` over columns: each number (its text, of
/// the [`Number::read`] kind) written through its template; NULL where any is NULL.
pub fn to_char_column(
    texts: &StringArray,
    kinds: &StringArray,
    templates: &StringArray,
) -> Result<StringArray, SqlError> {
    let mut parsed: Option<(&str, Template)> = None;
    let mut out = Vec::with_capacity(texts.len());
    for i in 0..texts.len() {
        if texts.is_null(i) || kinds.is_null(i) || templates.is_null(i) {
            out.push(None);
            continue;
        }
        let source = templates.value(i);
        let template = match &parsed {
            Some((text, template)) if *text == source => template,
            _ => &parsed.insert((source, Template::parse(source)?)).1,
        };
        let number = Number::read(texts.value(i), kinds.value(i))?;
        out.push(Some(template.format(number)?));
    }
    Ok(StringArray::from(out))
}

/// A float's sign and digits as PostgreSQL's float8_to_char prints them: at most `max`
/// significant digits (DBL_DIG or FLT_DIG), which may take decimal places from the template.
fn float_digits(value: f64, shape: &mut Shape, max: usize) -> (bool, String) {
    // PostgreSQL's own printf writes the infinities and NaN as words, which are then digits
    // too wide for most templates (`#`s) and printed where they fit.
    let magnitude = if value.is_nan() {
        "NaN".to_owned()
    } else if value.is_infinite() {
        "Infinity".to_owned()
    } else {
        format!("{:.0}", value.abs())
    };
    let integer_digits = magnitude.len();
    if integer_digits >= max {
        shape.post = 0;
    } else if integer_digits + shape.post > max {
        shape.post = max - integer_digits;
    }
    if !value.is_finite() {
        return (value < 0.0, magnitude);
    }
    let text = format!("{:.*}", shape.post, value);
    match text.strip_prefix('-') {
        Some(digits) => (true, digits.to_owned()),
        None => (false, text),
    }
}

/// The ordinal suffix of the number whose digits end `digits`.
fn ordinal(digits: &str, upper: bool) -> Result<&'static str, SqlError> {
    let bytes = digits.as_bytes();
    let last = bytes.last().copied().unwrap_or(b'\0');
    if !last.is_ascii_digit() {
        return Err(SqlError {
            sqlstate: "22P02",
            message: format!("\"{digits}\" is not a number"),
        });
    }
    let before = bytes.len().checked_sub(2).map(|i| bytes[i]);
    let suffix = if before == Some(b'1') {
        "th"
    } else {
        match last {
            b'1' => "st",
            b'2' => "nd",
            b'3' => "rd",
            _ => "th",
        }
    };
    Ok(match (upper, suffix) {
        (false, s) => s,
        (true, "st") => "ST",
        (true, "nd") => "ND",
        (true, "rd") => "RD",
        (true, _) => "TH",
    })
}

/// PostgreSQL's NUM_processor for to_char: walks the template, writing the digits of
/// `digits` (after `pre_spaces` positions without one) and the signs where they belong.
struct Writer<'a> {
    nodes: &'a [Node],
    shape: Shape,
    negative: bool,
    digits: Vec<u8>,
    pre_spaces: usize,
    out: Vec<u8>,
    /// Index of the next digit of `digits` to write.
    at: usize,
    /// Digit positions of the template passed.
    position: usize,
    /// How many digit positions the number spans, less one (PostgreSQL's num_count, -1 for
    /// a template without digits).
    count: isize,
    sign_written: bool,
    /// Whether the last digit position wrote a digit (a group separator needs one).
    digits_in: bool,
    /// In fill mode, the last digit after the point worth writing.
    last_relevant: Option<usize>,
}

impl<'a> Writer<'a> {
    fn new(
        nodes: &'a [Node],
        mut shape: Shape,
        negative: bool,
        digits: String,
        pre_spaces: usize,
    ) -> Self {
        let digits = digits.into_bytes();
        let sign_written;
        if shape.plus || shape.minus {
            // PL alone needs the sign written in the number; MI and SG write it themselves.
            sign_written = !shape.plus || shape.minus;
        } else {
            if !negative && shape.fill {
                shape.bracket = false;
            }
            sign_written = !negative && shape.fill && shape.locale_sign == LocaleSign::None;
            if shape.locale_sign == LocaleSign::Pre && shape.pre == shape.pre_locale_sign {
                shape.locale_sign = LocaleSign::Post;
            }
        }
        let mut count = signed(shape.post + shape.pre) - 1;
        let mut last_relevant = None;
        if shape.fill && shape.decimal {
            last_relevant = digits.iter().position(|d| *d == b'.').map(|point| {
                let mut last = point;
                for (i, d) in digits.iter().enumerate().skip(point + 1) {
                    if *d != b'0' {
                        last = i;
                    }
                }
                last
            });
            // Digits under a `0` after the point stay, though zero.
            if let Some(last) = last_relevant {
                if shape.zero_end > pre_spaces && !digits.is_empty() {
                    let last_zero = (digits.len() - 1).min(shape.zero_end - pre_spaces);
                    if last < last_zero {
                        last_relevant = Some(last_zero);
                    }
                }
            }
        }
        if !sign_written && pre_spaces == 0 {
            count += 1;
        }
        Self {
            nodes,
            shape,
            negative,
            digits,
            pre_spaces,
            out: Vec::new(),
            at: 0,
            position: 0,
            count,
            sign_written,
            digits_in: false,
            last_relevant,
        }
    }

    fn digit_at(&self, i: usize) -> u8 {
        self.digits.get(i).copied().unwrap_or(0)
    }

    fn zero_start(&self) -> Option<usize> {
        self.shape.zero_start.map(|z| z - 1)
    }

    fn is_zero(&self) -> bool {
        self.shape.zero_start.is_some()
    }

    /// "0.1" through "9.9" is " .1": the integer part's lone zero is not written.
    fn predecimal_space(&self) -> bool {
        !self.is_zero() && self.at == 0 && self.digit_at(0) == b'0' && self.shape.post != 0
    }

    fn last_is_point(&self) -> bool {
        self.last_relevant.is_some_and(|i| self.digit_at(i) == b'.')
    }

    fn sign_char(&self) -> u8 {
        if self.negative {
            b'-'
        } else {
            b'+'
        }
    }

    fn write(mut self) -> Result<String, SqlError> {
        let nodes = self.nodes;
        for node in nodes {
            match node {
                Node::Text(text) => self.out.extend_from_slice(text.as_bytes()),
                Node::Key(key) => self.key(*key)?,
            }
        }
        // A position past the number's digits wrote a NUL, which ends PostgreSQL's string.
        if let Some(end) = self.out.iter().position(|b| *b == 0) {
            self.out.truncate(end);
        }
        Ok(String::from_utf8_lossy(&self.out).into_owned())
    }

    fn key(&mut self, key: Key) -> Result<(), SqlError> {
        match key {
            Key::Nine | Key::Zero | Key::Point | Key::D => self.number_part(key),
            Key::Comma | Key::G => {
                if self.digits_in {
                    self.out.push(b',');
                } else if !self.shape.fill {
                    self.out.push(b' ');
                }
            }
            Key::Th { upper } => {
                let digits = String::from_utf8_lossy(&self.digits).into_owned();
                if !(digits.starts_with('#') || self.negative || self.shape.decimal) {
                    self.out
                        .extend_from_slice(ordinal(&digits, upper)?.as_bytes());
                }
            }
            Key::Mi => {
                if self.negative {
                    self.out.push(b'-');
                } else if !self.shape.fill {
                    self.out.push(b' ');
                }
            }
            Key::Pl => {
                if !self.negative {
                    self.out.push(b'+');
                } else if !self.shape.fill {
                    self.out.push(b' ');
                }
            }
            Key::Sg => self.out.push(self.sign_char()),
            Key::L => self.out.push(b' '),
            Key::Fm | Key::Pr | Key::S | Key::Ignored => {}
        }
        Ok(())
    }

    /// PostgreSQL's NUM_numpart_to_char: one digit position or the decimal point.
    fn number_part(&mut self, key: Key) {
        // A group separator follows a position that wrote a digit, not a space, the point
        // or a digit fill mode left out.
        self.digits_in = false;
        let zero_here = self.zero_start() == Some(self.position);
        if !self.sign_written
            && (self.position >= self.pre_spaces || zero_here)
            && (!self.predecimal_space() || self.last_is_point())
        {
            if self.shape.locale_sign != LocaleSign::None {
                if self.shape.locale_sign == LocaleSign::Pre {
                    self.out.push(self.sign_char());
                    self.sign_written = true;
                }
            } else if self.shape.bracket {
                self.out.push(if self.negative { b'<' } else { b' ' });
                self.sign_written = true;
            } else if !self.negative {
                if !self.shape.fill {
                    self.out.push(b' ');
                }
                self.sign_written = true;
            } else {
                self.out.push(b'-');
                self.sign_written = true;
            }
        }

        if self.position < self.pre_spaces {
            // Before the number's first digit: a zero from the template's first `0` on.
            if self.zero_start().is_some_and(|z| z <= self.position) {
                self.out.push(b'0');
                self.digits_in = true;
            } else if !self.shape.fill {
                self.out.push(b' ');
            }
        } else {
            if self.digit_at(self.at) == b'.' {
                if !self.last_is_point() || self.shape.fill {
                    self.out.push(b'.');
                }
            } else if self
                .last_relevant
                .is_some_and(|last| self.at > last && key != Key::Zero)
            {
                // A trailing zero fill mode leaves out.
            } else if self.predecimal_space() {
                if !self.shape.fill {
                    self.out.push(b' ');
                } else if self.last_is_point() {
                    self.out.push(b'0');
                }
            } else {
                self.out.push(self.digit_at(self.at));
                self.digits_in = true;
            }
            if self.at < self.digits.len() {
                self.at += 1;
            }
        }

        let mut end =
            self.count + isize::from(self.pre_spaces > 0) + isize::from(self.shape.decimal);
        if self.last_relevant.is_some_and(|last| last == self.at) {
            end = signed(self.position);
        }
        if signed(self.position) + 1 == end {
            if self.sign_written && self.shape.bracket {
                self.out.push(if self.negative { b'>' } else { b' ' });
            } else if self.shape.locale_sign == LocaleSign::Post {
                self.out.push(self.sign_char());
            }
        }
        self.position += 1;
    }
}

fn signed(n: usize) -> isize {
    isize::try_from(n).unwrap_or(isize::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn to_char(number: Number<'_>, template: &str) -> String {
        Template::parse(template)
            .and_then(|t| t.format(number))
            .unwrap_or_else(|e| format!("error {}: {}", e.sqlstate, e.message))
    }

    /// Each answer is PostgreSQL 15's (C locale).
    #[test]
    fn numbers_are_written_as_postgresql_writes_them() {
        for (number, template, expected) in [
            (Number::Integer(1234), "9,999", " 1,234"),
            (Number::Integer(-12), "999", " -12"),
            (Number::Integer(0), "9", " 0"),
            (Number::Integer(7), "FM00th", "07th"),
            (Number::Integer(13), "999TH", "  13TH"),
            (Number::Integer(-7), "999PR", "  <7>"),
            (Number::Integer(12), "S999", " +12"),
            (Number::Integer(12), "999S", " 12+"),
            (Number::Integer(-12), "MI999", "- 12"),
            (Number::Integer(12), "PL999", "+  12"),
            (Number::Integer(123456), "9999", " ####"),
            (Number::Integer(5), r#""n="9 L"#, r#"n= 5  "#),
            (Number::Numeric("0.5"), "999.99", "    .50"),
            (Number::Numeric("0.5"), "FM990.99", "0.5"),
            (Number::Numeric("-12.345"), "99.99", "-12.35"),
            (Number::Numeric("99.995"), "999.99", " 100.00"),
            (Number::Numeric("-0.001"), "9.99", "  .00"),
            (
                Number::Numeric("1234567.891"),
                "9G999G999D99",
                " 1,234,567.89",
            ),
            (Number::Numeric("12.5"), "FM999.00", "12.50"),
            (Number::Float8(2.675), "9.99", " 2.67"),
            (Number::Float8(-0.0001), "9.99", " -.00"),
            (Number::Float8(f64::INFINITY), "9.99", " #.##"),
            (Number::Float8(f64::NAN), "9999", "  NaN"),
            (Number::Float4(-12.5), "SG99.9", "-12.5"),
            (Number::Float8(1e300), "9.9", " #."),
            (Number::Integer(-7), "MI9.FM09PLG", "-7.0"),
            (Number::Float8(9.995), r#"0"ab"9D,G90"#, r#" 0ab9.  99"#),
        ] {
            assert_eq!(to_char(number, template), expected, "{number:?} {template}");
        }
    }

    #[test]
    fn refused_patterns_name_themselves() {
        assert_eq!(
            to_char(Number::Integer(4), "RN"),
            "error 0A000: the to_char number template pattern \"RN\" is not supported"
        );
    }
}
