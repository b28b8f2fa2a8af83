//! PostgreSQL's `quote_ident`: an identifier as SQL must write it to mean that exact name.
//! `format('%I', ...)`, psql's catalog queries and pg_catalog's printed signatures use it, so
//! every engine must quote exactly as PostgreSQL does.

use std::borrow::Cow;

/// PostgreSQL 15's keywords that cannot stand as a bare identifier everywhere: every one but
/// the unreserved (`SELECT word FROM pg_get_keywords() WHERE catcode <> 'U'`), sorted.
pub const RESERVED_KEYWORDS: [&str; 151] = [
    "all",
    "analyse",
    "analyze",
    "and",
    "any",
    "array",
    "as",
    "asc",
    "asymmetric",
    "authorization",
    "between",
    "bigint",
    "binary",
    "bit",
    "boolean",
    "both",
    "case",
    "cast",
    "char",
    "character",
    "check",
    "coalesce",
    "collate",
    "collation",
    "column",
    "concurrently",
    "constraint",
    "create",
    "cross",
    "current_catalog",
    "current_date",
    "current_role",
    "current_schema",
    "current_time",
    "current_timestamp",
    "current_user",
    "dec",
    "decimal",
    "default",
    "deferrable",
    "desc",
    "distinct",
    "do",
    "else",
    "end",
    "except",
    "exists",
    "extract",
    "false",
    "fetch",
    "float",
    "for",
    "foreign",
    "freeze",
    "from",
    "full",
    "grant",
    "greatest",
    "group",
    "grouping",
    "having",
    "ilike",
    "in",
    "initially",
    "inner",
    "inout",
    "int",
    "integer",
    "intersect",
    "interval",
    "into",
    "is",
    "isnull",
    "join",
    "lateral",
    "leading",
    "least",
    "left",
    "like",
    "limit",
    "localtime",
    "localtimestamp",
    "national",
    "natural",
    "nchar",
    "none",
    "normalize",
    "not",
    "notnull",
    "null",
    "nullif",
    "numeric",
    "offset",
    "on",
    "only",
    "or",
    "order",
    "out",
    "outer",
    "overlaps",
    "overlay",
    "placing",
    "position",
    "precision",
    "primary",
    "real",
    "references",
    "returning",
    "right",
    "row",
    "select",
    "session_user",
    "setof",
    "similar",
    "smallint",
    "some",
    "substring",
    "symmetric",
    "table",
    "tablesample",
    "then",
    "time",
    "timestamp",
    "to",
    "trailing",
    "treat",
    "trim",
    "true",
    "union",
    "unique",
    "user",
    "using",
    "values",
    "varchar",
    "variadic",
    "verbose",
    "when",
    "where",
    "window",
    "with",
    "xmlattributes",
    "xmlconcat",
    "xmlelement",
    "xmlexists",
    "xmlforest",
    "xmlnamespaces",
    "xmlparse",
    "xmlpi",
    "xmlroot",
    "xmlserialize",
    "xmltable",
];

/// Whether `name` can be written bare: lower-case letters, digits and underscores, not
/// starting with a digit, and no keyword that would be read as one (ruleutils.c's
/// `quote_identifier`).
pub fn is_plain_identifier(name: &str) -> bool {
    name.chars()
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && RESERVED_KEYWORDS.binary_search(&name).is_err()
}

/// `quote_ident(name)`: `name` itself when it can be written bare, else double-quoted with
/// its double quotes doubled.
pub fn quote_ident(name: &str) -> Cow<'_, str> {
    if is_plain_identifier(name) {
        Cow::Borrowed(name)
    } else {
        Cow::Owned(format!("\"{}\"", name.replace('"', "\"\"")))
    }
}

/// The parts of a dotted name as PostgreSQL reads one written as text (`'"My".t'`,
/// stringToQualifiedNameList): unquoted parts folded to lower case and trimmed, quoted ones
/// as written with `""` for a quote. `None` for what is not a name (42602, `invalid name
/// syntax`).
pub fn qualified_name(text: &str) -> Option<Vec<String>> {
    let mut parts = Vec::new();
    let mut chars = text.trim().chars().peekable();
    loop {
        while chars.next_if(|c| c.is_whitespace()).is_some() {}
        let mut part = String::new();
        if chars.next_if_eq(&'"').is_some() {
            loop {
                match chars.next()? {
                    '"' if chars.next_if_eq(&'"').is_some() => part.push('"'),
                    '"' => break,
                    c => part.push(c),
                }
            }
            if part.is_empty() {
                return None;
            }
        } else {
            while let Some(c) = chars.next_if(|c| *c != '.' && !c.is_whitespace()) {
                part.push(c.to_ascii_lowercase());
            }
            if part.is_empty() {
                return None;
            }
        }
        parts.push(part);
        while chars.next_if(|c| c.is_whitespace()).is_some() {}
        match chars.next() {
            None => return Some(parts),
            Some('.') => continue,
            Some(_) => return None,
        }
    }
}

/// DuckDB macros with PostgreSQL's `quote_ident` and `format('%I', ...)`'s argument, which
/// refuses NULL as PostgreSQL does (22004).
pub fn duckdb_macros() -> [String; 2] {
    let keywords = RESERVED_KEYWORDS
        .iter()
        .map(|k| format!("'{k}'"))
        .collect::<Vec<_>>()
        .join(", ");
    [
        format!(
            "CREATE OR REPLACE MACRO quote_ident(s) AS \
             CASE WHEN regexp_full_match(s, '[a-z_][a-z0-9_]*') \
               AND NOT list_contains([{keywords}], s) THEN s \
             ELSE '\"' || replace(s, '\"', '\"\"') || '\"' END"
        ),
        format!(
            "CREATE OR REPLACE MACRO {FORMAT_IDENTIFIER}(s) AS \
             CASE WHEN s IS NULL \
               THEN error('[22004] null values cannot be formatted as an SQL identifier') \
             ELSE quote_ident(s) END"
        ),
    ]
}

/// The function `format('%I', x)` becomes on the in-process engines: `quote_ident` of the
/// text, an error for NULL.
pub const FORMAT_IDENTIFIER: &str = "junction_format_identifier";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keywords_are_sorted_for_binary_search() {
        assert!(RESERVED_KEYWORDS.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn dotted_names_read_as_postgresql_reads_them() {
        let parts = |t: &str| qualified_name(t).map(|p| p.join("|"));
        assert_eq!(parts("silver.Patients").as_deref(), Some("silver|patients"));
        assert_eq!(parts(" \"My\"\"T\" . x ").as_deref(), Some("My\"T|x"));
        assert_eq!(parts("a.b.c").as_deref(), Some("a|b|c"));
        for bad in ["", "a.", ".a", "a b", "\"\"", "\"open"] {
            assert_eq!(parts(bad), None, "{bad}");
        }
    }

    #[test]
    fn quotes_as_postgresql_does() {
        // PostgreSQL 15: SELECT quote_ident(x) for each x.
        for (name, quoted) in [
            ("abc", "abc"),
            ("Abc", "\"Abc\""),
            ("select", "\"select\""),
            ("a\"b", "\"a\"\"b\""),
            ("user", "\"user\""),
            ("name", "name"),
            ("_x$1", "\"_x$1\""),
            ("1a", "\"1a\""),
            ("x y", "\"x y\""),
            ("", "\"\""),
            ("été", "\"été\""),
        ] {
            assert_eq!(quote_ident(name), quoted, "{name}");
        }
    }
}
