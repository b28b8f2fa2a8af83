//! PostgreSQL's case mapping for `upper` and `lower`, for every engine.
//!
//! PostgreSQL maps each character on its own (libc's `towupper`/`towlower`) and keeps a
//! character whose other case is not one character: `upper('straße')` is `STRAßE`. Rust's
//! string mapping (DataFusion's) gives `STRASSE`, DuckDB's tables `STRAẞE`.

/// One character's case, kept where the mapping is not one character.
fn single(c: char, mapped: impl Iterator<Item = char>) -> char {
    let mut mapped = mapped;
    match (mapped.next(), mapped.next()) {
        (Some(one), None) => one,
        _ => c,
    }
}

/// PostgreSQL's `upper(text)`.
pub fn upper(text: &str) -> String {
    if text.is_ascii() {
        return text.to_ascii_uppercase();
    }
    text.chars().map(|c| single(c, c.to_uppercase())).collect()
}

/// PostgreSQL's `lower(text)`.
pub fn lower(text: &str) -> String {
    if text.is_ascii() {
        return text.to_ascii_lowercase();
    }
    text.chars().map(|c| single(c, c.to_lowercase())).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn characters_map_one_by_one() {
        assert_eq!(upper("straße"), "STRAßE");
        assert_eq!(upper("héllo wörld"), "HÉLLO WÖRLD");
        assert_eq!(lower("ÀÉÎ Straße"), "àéî straße");
        // No final sigma: PostgreSQL lowers each Σ alike.
        assert_eq!(lower("ΟΔΟΣ"), "οδοσ");
        assert_eq!(upper("abc"), "ABC");
    }
}
