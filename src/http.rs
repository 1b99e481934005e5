//! HTTP conventions shared by every resource: list pages with cursors, ETags and
//! conditional requests.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::error::{AppError, AppResult, FieldError};

pub const DEFAULT_LIMIT: i64 = 50;
pub const MAX_LIMIT: i64 = 200;

/// One page of a list.
#[derive(Debug, Serialize, ToSchema)]
pub struct List<T: ToSchema> {
    pub data: Vec<T>,
    /// Pass as `?cursor=` for the next page; null on the last page.
    pub next_cursor: Option<String>,
}

pub use crate::db::Page;

/// `?limit=&cursor=`.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageParams {
    /// Items per page, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

impl PageParams {
    /// A page keyed by an id (UUID v7 ids sort by creation time).
    pub fn by_id(&self) -> AppResult<Page<Uuid>> {
        self.page(|s| Uuid::parse_str(s).ok())
    }

    pub fn page<K>(&self, parse: impl Fn(&str) -> Option<K>) -> AppResult<Page<K>> {
        let limit = self.limit.unwrap_or(DEFAULT_LIMIT);
        if !(1..=MAX_LIMIT).contains(&limit) {
            return Err(AppError::validation(vec![FieldError::new(
                "limit",
                "out_of_range",
                format!("must be between 1 and {MAX_LIMIT}"),
            )]));
        }
        let after = match self.cursor.as_deref().filter(|c| !c.is_empty()) {
            None => None,
            Some(c) => Some(decode_cursor(c).and_then(|s| parse(&s)).ok_or_else(|| {
                AppError::bad_request("invalid_cursor", "the cursor is not one this API gave out")
            })?),
        };
        Ok(Page { limit, after })
    }
}

pub fn encode_cursor(key: &str) -> String {
    crate::auth::keys::base64_url(key.as_bytes())
}

fn decode_cursor(c: &str) -> Option<String> {
    use base64::Engine;
    let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(c)
        .ok()?;
    String::from_utf8(raw).ok()
}

/// Cuts the extra row fetched and makes the cursor from the last row's key.
pub fn finish<T: ToSchema>(mut rows: Vec<T>, limit: i64, key: impl Fn(&T) -> String) -> List<T> {
    let more = rows.len() as i64 > limit;
    rows.truncate(limit as usize);
    let next_cursor = if more {
        rows.last().map(|r| encode_cursor(&key(r)))
    } else {
        None
    };
    List {
        data: rows,
        next_cursor,
    }
}

/// Text from outside (names, a CRM's ids, reasons) for a CSV cell: a cell that
/// starts with `=`, `+`, `-`, `@`, a tab or a carriage return is run as a formula
/// by spreadsheets, so it is started with an apostrophe, which they show as text.
/// Numbers are written as they are.
pub fn csv_text(s: &str) -> String {
    if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}")
    } else {
        s.to_string()
    }
}

/// Whether the caller asked for CSV rather than JSON (`Accept: text/csv`).
pub fn wants_csv(req: &HttpRequest) -> bool {
    req.headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(',').any(|m| {
                m.split(';')
                    .next()
                    .is_some_and(|t| t.trim().eq_ignore_ascii_case("text/csv"))
            })
        })
}

/// What became of one item of a batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ItemStatus {
    Created,
    Updated,
    Unchanged,
    Rejected,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ItemResult {
    /// The item's position in the request, from 0.
    pub index: usize,
    pub status: ItemStatus,
    /// The stored object (absent when rejected).
    pub id: Option<Uuid>,
    /// Why it was rejected; nothing is stored for a rejected item.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[schema(nullable = false)]
    pub errors: Vec<crate::error::FieldError>,
}

/// The answer to a batch: every item by its index, and the counts.
#[derive(Debug, Serialize, ToSchema)]
pub struct BatchResult {
    pub items: Vec<ItemResult>,
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
    pub rejected: usize,
}

impl BatchResult {
    pub fn of(items: Vec<ItemResult>) -> Self {
        let count = |s: ItemStatus| items.iter().filter(|r| r.status == s).count();
        BatchResult {
            created: count(ItemStatus::Created),
            updated: count(ItemStatus::Updated),
            unchanged: count(ItemStatus::Unchanged),
            rejected: count(ItemStatus::Rejected),
            items,
        }
    }
}

/// Adds `Location: path` to a response.
pub fn with_location(mut res: HttpResponse, path: &str) -> HttpResponse {
    if let Ok(v) = header::HeaderValue::from_str(path) {
        res.headers_mut().insert(header::LOCATION, v);
    }
    res
}

pub fn etag(version: i32) -> String {
    format!("\"{version}\"")
}

/// 200 with the object and its ETag.
pub fn with_etag<T: Serialize>(
    status: actix_web::http::StatusCode,
    version: i32,
    body: &T,
) -> HttpResponse {
    HttpResponse::build(status)
        .insert_header((header::ETAG, etag(version)))
        .json(body)
}

/// A read whose ETag is a digest of its content (progress, scorecards, series):
/// 200 with the body, or 304 when `If-None-Match` names the same ETag.
pub fn conditional(req: &HttpRequest, content_type: &str, body: Vec<u8>) -> HttpResponse {
    use sha2::{Digest, Sha256};
    let etag = format!(
        "\"{}\"",
        crate::auth::keys::base64_url(&Sha256::digest(&body)[..16])
    );
    let unchanged = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| none_match(v, &etag));
    let mut res = if unchanged {
        HttpResponse::NotModified()
    } else {
        HttpResponse::Ok()
    };
    res.insert_header((header::ETAG, etag))
        .insert_header((header::CACHE_CONTROL, "private, no-cache"));
    if unchanged {
        res.finish()
    } else {
        res.content_type(content_type).body(body)
    }
}

/// Whether an `If-None-Match` value names `etag` (weak comparison) or is `*`.
fn none_match(header: &str, etag: &str) -> bool {
    header
        .split(',')
        .map(str::trim)
        .any(|t| t == "*" || t.trim_start_matches("W/") == etag)
}

/// [`conditional`] for a JSON body.
pub fn conditional_json<T: Serialize>(req: &HttpRequest, body: &T) -> AppResult<HttpResponse> {
    let bytes = serde_json::to_vec(body).map_err(AppError::internal)?;
    Ok(conditional(req, "application/json", bytes))
}

/// The `If-Match` header, if sent.
pub fn if_match(req: &HttpRequest) -> Option<String> {
    req.headers()
        .get(header::IF_MATCH)
        .map(|v| v.to_str().unwrap_or("\u{0}").to_string())
}

/// Checks `If-Match` against the current version: `*` or any listed ETag (weak or strong) matches.
pub fn check_if_match(if_match: Option<&str>, version: i32) -> AppResult<()> {
    // An empty header sets no condition.
    let Some(h) = if_match.filter(|h| !h.trim().is_empty()) else {
        return Ok(());
    };
    let current = etag(version);
    let ok = h
        .split(',')
        .map(str::trim)
        .any(|t| t == "*" || t.trim_start_matches("W/") == current);
    if ok {
        Ok(())
    } else {
        Err(AppError::precondition_failed())
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn csv_text_leaves_no_formula_to_run() {
        for (given, written) in [
            ("=SUM(A1)", "'=SUM(A1)"),
            ("+1", "'+1"),
            ("-1", "'-1"),
            ("@x", "'@x"),
            ("\tx", "'\tx"),
            ("\rx", "'\rx"),
            ("Acme = 1", "Acme = 1"),
            ("", ""),
        ] {
            assert_eq!(super::csv_text(given), written);
        }
    }

    use super::*;

    #[test]
    fn if_none_match_rules() {
        assert!(none_match("\"abc\"", "\"abc\""));
        assert!(none_match("W/\"abc\"", "\"abc\""));
        assert!(none_match("\"x\", \"abc\"", "\"abc\""));
        assert!(none_match("*", "\"abc\""));
        assert!(!none_match("\"abd\"", "\"abc\""));
        assert!(!none_match("", "\"abc\""));
    }

    #[test]
    fn if_match_rules() {
        assert!(check_if_match(None, 3).is_ok());
        assert!(check_if_match(Some(" "), 3).is_ok());
        assert!(check_if_match(Some("\"3\""), 3).is_ok());
        assert!(check_if_match(Some("W/\"3\""), 3).is_ok());
        assert!(check_if_match(Some("\"1\", \"3\""), 3).is_ok());
        assert!(check_if_match(Some("*"), 3).is_ok());
        assert_eq!(
            check_if_match(Some("\"2\""), 3)
                .unwrap_err()
                .status
                .as_u16(),
            412
        );
        assert!(check_if_match(Some("3"), 3).is_err());
    }

    #[test]
    fn pages_and_cursors() {
        let p = PageParams {
            limit: None,
            cursor: None,
        }
        .by_id()
        .unwrap();
        assert_eq!((p.limit, p.after), (50, None));
        assert!(PageParams {
            limit: Some(0),
            cursor: None
        }
        .by_id()
        .is_err());
        assert!(PageParams {
            limit: Some(201),
            cursor: None
        }
        .by_id()
        .is_err());
        assert_eq!(
            PageParams {
                limit: None,
                cursor: Some("garbage!".into())
            }
            .by_id()
            .unwrap_err()
            .code,
            "invalid_cursor"
        );
        let id = Uuid::now_v7();
        let list = finish(vec![id.to_string(), "b".into(), "c".into()], 1, |s| {
            s.clone()
        });
        assert_eq!(list.data.len(), 1);
        let next = PageParams {
            limit: Some(1),
            cursor: list.next_cursor,
        }
        .by_id()
        .unwrap();
        assert_eq!(next.after, Some(id));
        let last = finish(vec!["a".to_string()], 1, |s| s.clone());
        assert!(last.next_cursor.is_none());
    }
}
