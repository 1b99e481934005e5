//! A validated page request, as the stores take it.

/// A validated page request: fetch `limit + 1` rows after `after` to learn if more follow.
#[derive(Debug, Clone)]
pub struct Page<K> {
    pub limit: i64,
    pub after: Option<K>,
}
