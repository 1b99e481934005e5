//! `LIKE` patterns from user text.

/// `s` with `\`, `%` and `_` escaped, for a `LIKE` pattern that matches it literally.
pub fn escape_like(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

#[cfg(test)]
mod tests {
    #[test]
    fn wildcards_match_themselves() {
        assert_eq!(super::escape_like(r"50%_a\b"), r"50\%\_a\\b");
    }
}
