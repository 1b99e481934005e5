//! Request extractors that answer every failure with problem+json: JSON bodies
//! (415 wrong type, 413 too large, 400 malformed, 422 invalid with the field's path),
//! query strings and path ids.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::{header, StatusCode};
use actix_web::{web, FromRequest, HttpRequest};
use futures_util::StreamExt;
use serde::de::DeserializeOwned;
use serde::Deserialize;

use crate::error::{AppError, FieldError};
use crate::http::{ItemResult, ItemStatus};
use crate::state::AppState;

/// A JSON request body of type `T`; unknown fields are refused where `T` says so.
pub struct Json<T>(pub T);

/// Whether a content type is JSON (`application/json`, `application/*+json`).
pub fn is_json(content_type: &str) -> bool {
    let mime = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    mime == "application/json" || (mime.starts_with("application/") && mime.ends_with("+json"))
}

pub fn content_type(req: &HttpRequest) -> String {
    req.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string()
}

pub fn unsupported_media_type(expected: &str) -> AppError {
    AppError::new(
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported_media_type",
        format!("send the body as {expected}"),
    )
}

pub fn too_large(limit: usize) -> AppError {
    AppError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "body_too_large",
        format!("the request body is larger than {limit} bytes"),
    )
}

/// Reads the whole body, refusing more than `limit` bytes.
pub async fn read_body(
    payload: &mut Payload,
    declared: Option<usize>,
    limit: usize,
) -> Result<web::BytesMut, AppError> {
    if declared.is_some_and(|n| n > limit) {
        return Err(too_large(limit));
    }
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|_| {
            AppError::bad_request("malformed_body", "the request body could not be read")
        })?;
        if body.len() + chunk.len() > limit {
            return Err(too_large(limit));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// The path of the first string in `v` that holds a NUL character, which no text
/// column can store.
fn find_nul(v: &serde_json::Value, path: &str) -> Option<String> {
    use serde_json::Value;
    let join = |k: &str| {
        if path.is_empty() {
            k.to_string()
        } else {
            format!("{path}.{k}")
        }
    };
    match v {
        Value::String(s) if s.contains('\0') => Some(path.to_string()),
        // Indexes as the JSON reader names them: `items[3].name`.
        Value::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(i, x)| find_nul(x, &format!("{path}[{i}]"))),
        Value::Object(map) => map.iter().find_map(|(k, x)| {
            if k.contains('\0') {
                Some(join(k))
            } else {
                find_nul(x, &join(k))
            }
        }),
        _ => None,
    }
}

/// Parses JSON, telling malformed (400) from well-formed but invalid (422), and
/// refusing NUL characters in any string (422).
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, AppError> {
    let value = parse_value(bytes)?;
    if let Some(field) = find_nul(&value, "") {
        return Err(AppError::invalid_field(
            &field,
            "invalid_characters",
            "must not contain NUL characters",
        ));
    }
    // Typed from the text, not the value: amounts see numbers as written, and an
    // integer out of a field's range is an invalid value like any other.
    parse_json_lenient(bytes)
}

/// Like [`parse_json`] without the NUL check, for bodies whose strings are checked
/// where they are used: OAuth requests (unknown fields ignored) and batches (a bad
/// item is rejected alone).
pub fn parse_json_lenient<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, AppError> {
    // An object is read straight from the bytes (large batches skip building a
    // Value first); anything else takes the path that names its error.
    if bytes.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
        return from_value(parse_value(bytes)?);
    }
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value = classify(serde_path_to_error::deserialize::<_, T>(&mut de))?;
    de.end().map_err(|e| {
        AppError::bad_request("malformed_json", format!("the body is not valid JSON: {e}"))
    })?;
    Ok(value)
}

fn parse_value(bytes: &[u8]) -> Result<serde_json::Value, AppError> {
    serde_json::from_slice(bytes).map_err(|e| {
        AppError::bad_request("malformed_json", format!("the body is not valid JSON: {e}"))
    })
}

fn from_value<T: DeserializeOwned>(value: serde_json::Value) -> Result<T, AppError> {
    // Every body is an object (serde would also read a struct from an array).
    if !value.is_object() {
        return Err(AppError::invalid_field(
            "",
            "invalid_type",
            "must be a JSON object",
        ));
    }
    classify(serde_path_to_error::deserialize::<_, T>(value))
}

type PathError = serde_path_to_error::Error<serde_json::Error>;

/// Tells malformed JSON (400) from well-formed but invalid (422, with the field's path).
fn classify<T>(result: Result<T, PathError>) -> Result<T, AppError> {
    result.map_err(|e| match e.inner().classify() {
        serde_json::error::Category::Data => AppError::validation(vec![field_error(e)]),
        _ => AppError::bad_request(
            "malformed_json",
            format!("the body is not valid JSON: {}", e.into_inner()),
        ),
    })
}

/// A value that cannot be read into its type, named by its field's path.
fn field_error(e: PathError) -> FieldError {
    let path = e.path().to_string();
    let msg = strip_position(&e.into_inner().to_string());
    let (field, code) = classify_data_error(&path, &msg);
    FieldError::new(field, code, msg)
}

fn strip_position(msg: &str) -> String {
    match msg.rfind(" at line ") {
        Some(i) => msg[..i].to_string(),
        None => msg.to_string(),
    }
}

fn classify_data_error(path: &str, msg: &str) -> (String, &'static str) {
    let named = |prefix: &str| {
        msg.strip_prefix(prefix)
            .and_then(|rest| rest.split('`').next())
            .map(|f| {
                if path == "." || path.is_empty() {
                    f.to_string()
                } else if path == f || path.ends_with(&format!(".{f}")) {
                    path.to_string()
                } else {
                    format!("{path}.{f}")
                }
            })
    };
    if let Some(f) = named("unknown field `") {
        return (f, "unknown_field");
    }
    if let Some(f) = named("missing field `") {
        return (f, "required");
    }
    if let Some(f) = named("duplicate field `") {
        return (f, "duplicate_field");
    }
    let field = if path == "." {
        String::new()
    } else {
        path.to_string()
    };
    let code = if msg.starts_with("unknown variant") {
        "invalid_choice"
    } else if msg.starts_with("invalid type") {
        "invalid_type"
    } else {
        "invalid_value"
    };
    (field, code)
}

/// The body of a batch, `{"items": [...]}`, with its items not yet read: each is
/// read on its own by [`RawBatch::read`], so that one that is not well-formed is
/// rejected alone. Only a body that is not a batch at all is refused whole.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawBatch {
    /// Each item as it was sent, so that it is read with the same strictness as a
    /// body of its own (a field named twice is refused, not the last one kept).
    items: Vec<Box<serde_json::value::RawValue>>,
}

/// The well-formed items of a batch, in the request's order, and how to answer
/// the whole batch.
pub struct Batch<T> {
    pub items: Vec<T>,
    pub answers: Answers,
}

/// Where each well-formed item of a batch stood in the request, and the
/// answers to those that are not well-formed.
#[derive(Debug, Clone)]
pub struct Answers {
    indexes: Vec<usize>,
    rejected: Vec<ItemResult>,
}

impl RawBatch {
    /// Reads each item into `T`: an item that cannot be read (a missing field, a
    /// wrong type, an unknown field, a bad date or id, not an object) is rejected
    /// with the field's error; the others are kept. `check` is told the number
    /// of items, all of them, first (a batch with too many is refused whole).
    pub fn read<T: DeserializeOwned>(
        self,
        check: impl FnOnce(usize) -> Result<(), AppError>,
    ) -> Result<Batch<T>, AppError> {
        check(self.items.len())?;
        let mut items = Vec::with_capacity(self.items.len());
        let mut indexes = Vec::with_capacity(self.items.len());
        let mut rejected = Vec::new();
        for (index, value) in self.items.into_iter().enumerate() {
            match read_item(&value) {
                Ok(item) => {
                    items.push(item);
                    indexes.push(index);
                }
                Err(error) => rejected.push(ItemResult {
                    index,
                    status: ItemStatus::Rejected,
                    id: None,
                    errors: vec![error],
                }),
            }
        }
        Ok(Batch {
            items,
            answers: Answers { indexes, rejected },
        })
    }
}

/// One item of a batch; its errors name fields within the item, as the rules'
/// errors of an item do.
fn read_item<T: DeserializeOwned>(raw: &serde_json::value::RawValue) -> Result<T, FieldError> {
    // serde would also read a struct from an array.
    if !raw.get().starts_with('{') {
        return Err(FieldError::new("", "invalid_type", "must be a JSON object"));
    }
    let mut de = serde_json::Deserializer::from_str(raw.get());
    serde_path_to_error::deserialize(&mut de).map_err(field_error)
}

impl Answers {
    /// The answer to every item of the request, each once and in the order of
    /// their indexes: `results`, which answer the well-formed items by their
    /// position among them, under the items' indexes in the request, and the
    /// rejections of the others.
    pub fn merge(&self, results: Vec<ItemResult>) -> Vec<ItemResult> {
        let mut all: Vec<ItemResult> = results
            .into_iter()
            .map(|mut r| {
                r.index = self.indexes[r.index];
                r
            })
            .collect();
        all.extend(self.rejected.iter().cloned());
        all.sort_by_key(|r| r.index);
        all
    }
}

/// Reads a batch from a JSON body: the body must be a batch (400 when it is not
/// JSON, 422 when it is not `{"items": [...]}` or `check` refuses the number of
/// items); its items are read one by one (see [`RawBatch::read`]).
pub fn parse_batch<T: DeserializeOwned>(
    bytes: &[u8],
    check: impl FnOnce(usize) -> Result<(), AppError>,
) -> Result<Batch<T>, AppError> {
    parse_json_lenient::<RawBatch>(bytes)?.read(check)
}

/// A JSON body whose strings are checked later, item by item (batches: one bad
/// item must not refuse the others).
pub struct BatchJson<T>(pub T);

type BodyFuture<T> = Pin<Box<dyn Future<Output = Result<T, AppError>>>>;

fn json_body<T: DeserializeOwned + 'static>(
    req: &HttpRequest,
    payload: &mut Payload,
    parse: fn(&[u8]) -> Result<T, AppError>,
) -> BodyFuture<T> {
    let ct = content_type(req);
    let limit = req
        .app_data::<web::Data<AppState>>()
        .map(|s| s.config.max_body_bytes)
        .unwrap_or(256 * 1024);
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    let mut payload = payload.take();
    Box::pin(async move {
        if !is_json(&ct) {
            return Err(unsupported_media_type("application/json"));
        }
        let body = read_body(&mut payload, declared, limit).await?;
        parse(&body)
    })
}

impl<T: DeserializeOwned + 'static> FromRequest for Json<T> {
    type Error = AppError;
    type Future = BodyFuture<Self>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let body = json_body(req, payload, parse_json::<T>);
        Box::pin(async move { body.await.map(Json) })
    }
}

impl<T: DeserializeOwned + 'static> FromRequest for BatchJson<T> {
    type Error = AppError;
    type Future = BodyFuture<Self>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let body = json_body(req, payload, parse_json_lenient::<T>);
        Box::pin(async move { body.await.map(BatchJson) })
    }
}

/// A JSON body that may be left out (the default then), but that is checked like
/// any other when it is sent (415, 400, 422): an invalid one is refused, never
/// ignored. JSON `null` is a body left out (the document declares such bodies
/// nullable).
pub fn parse_optional_json<T: DeserializeOwned + Default>(
    req: &HttpRequest,
    body: &[u8],
) -> Result<T, AppError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(T::default());
    }
    if !is_json(&content_type(req)) {
        return Err(unsupported_media_type("application/json"));
    }
    if body.trim_ascii() == b"null" {
        return Ok(T::default());
    }
    parse_json(body)
}

/// Reads and parses an optional JSON body (see [`parse_optional_json`]).
pub async fn optional_json<T: DeserializeOwned + Default>(
    req: &HttpRequest,
    payload: web::Payload,
    limit: usize,
) -> Result<T, AppError> {
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    let body = read_body(&mut payload.into_inner(), declared, limit).await?;
    parse_optional_json(req, &body)
}

/// Query string errors: 400 with the reason.
pub fn query_error(err: actix_web::error::QueryPayloadError, _: &HttpRequest) -> actix_web::Error {
    AppError::bad_request(
        "invalid_query",
        format!("the query string is invalid: {err}"),
    )
    .into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Deserialize, Debug)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct T {
        name: String,
        inner: Option<Inner>,
    }
    #[derive(Deserialize, Debug)]
    #[allow(dead_code)]
    struct Inner {
        n: u8,
    }

    #[test]
    fn json_errors_are_classified_with_paths() {
        let e = parse_json::<T>(b"{").unwrap_err();
        assert_eq!((e.status.as_u16(), e.code), (400, "malformed_json"));
        let e = parse_json::<T>(br#"{"name":"a","role":"x"}"#).unwrap_err();
        assert_eq!(
            (
                e.status.as_u16(),
                e.errors[0].field.as_str(),
                e.errors[0].code.as_str()
            ),
            (422, "role", "unknown_field")
        );
        let e = parse_json::<T>(br#"{}"#).unwrap_err();
        assert_eq!(
            (e.errors[0].field.as_str(), e.errors[0].code.as_str()),
            ("name", "required")
        );
        let e = parse_json::<T>(br#"{"name":"a","inner":{"n":"x"}}"#).unwrap_err();
        assert_eq!(
            (e.errors[0].field.as_str(), e.errors[0].code.as_str()),
            ("inner.n", "invalid_type")
        );
        assert!(parse_json::<T>(br#"{"name":"a"}"#).is_ok());
    }

    #[test]
    fn nul_characters_are_refused_with_their_path() {
        let e = parse_json::<T>(br#"{"name":"a\u0000b"}"#).unwrap_err();
        assert_eq!(
            (e.status.as_u16(), e.errors[0].field.as_str()),
            (422, "name")
        );
        let e =
            parse_json::<serde_json::Value>(br#"{"a":[{"b":"x"},{"c":"\u0000"}]}"#).unwrap_err();
        assert_eq!(e.errors[0].field, "a[1].c");
    }

    #[derive(Deserialize, Debug)]
    #[serde(deny_unknown_fields)]
    struct Money {
        amount: crate::values::Amount,
    }

    #[test]
    fn batch_items_are_read_one_by_one_and_answered_in_order() {
        let body = br#"{"items": [{"amount": "1.50"}, {"amount": "lots"}, {},
            {"amount": 9999999999999.99}, 7, {"amount": 1e5}, {"amount": 2, "x": 1}]}"#;
        let batch = parse_batch::<Money>(body, |_| Ok(())).unwrap();
        // Numbers are read as written, through the item's value too.
        let read: Vec<String> = batch.items.iter().map(|m| m.amount.to_string()).collect();
        assert_eq!(read, ["1.50", "9999999999999.99"]);
        // The service answers the two well-formed items by their position (0, 1).
        let stored = |index| ItemResult {
            index,
            status: ItemStatus::Created,
            id: None,
            errors: Vec::new(),
        };
        let all = batch.answers.merge(vec![stored(1), stored(0)]);
        let got: Vec<(usize, ItemStatus, String, String)> = all
            .iter()
            .map(|r| {
                let e = r.errors.first();
                (
                    r.index,
                    r.status,
                    e.map(|e| e.field.clone()).unwrap_or_default(),
                    e.map(|e| e.code.clone()).unwrap_or_default(),
                )
            })
            .collect();
        let row = |i, s, f: &str, c: &str| (i, s, f.to_string(), c.to_string());
        use ItemStatus::{Created, Rejected};
        assert_eq!(
            got,
            vec![
                row(0, Created, "", ""),
                row(1, Rejected, "amount", "invalid_value"),
                row(2, Rejected, "amount", "required"),
                row(3, Created, "", ""),
                row(4, Rejected, "", "invalid_type"),
                row(5, Rejected, "amount", "invalid_value"),
                row(6, Rejected, "x", "unknown_field"),
            ]
        );
    }

    #[test]
    fn a_body_that_is_not_a_batch_is_refused_whole() {
        let refused = |body: &[u8]| {
            let e = parse_batch::<Money>(body, |n| {
                if n > 2 {
                    Err(AppError::invalid_field("items", "too_many", "at most 2"))
                } else {
                    Ok(())
                }
            })
            .err()
            .expect("refused");
            let field = e.errors.first().map(|e| e.field.clone());
            (e.status.as_u16(), e.code, field)
        };
        assert_eq!(refused(b"{\"items\": ["), (400, "malformed_json", None));
        let invalid = |f: &str| (422, "validation_failed", Some(f.to_string()));
        assert_eq!(refused(b"{}"), invalid("items"));
        assert_eq!(refused(br#"{"items": {}}"#), invalid("items"));
        assert_eq!(refused(br#"{"items": [], "more": 1}"#), invalid("more"));
        assert_eq!(refused(b"[]"), invalid(""));
        assert_eq!(refused(br#"{"items": [{}, {}, {}]}"#), invalid("items"));
    }

    #[test]
    fn bodies_are_objects() {
        let e = parse_json::<Inner>(b"[1]").unwrap_err();
        assert_eq!(
            (e.status.as_u16(), e.errors[0].code.as_str()),
            (422, "invalid_type")
        );
    }

    #[test]
    fn json_content_types() {
        assert!(is_json("application/json"));
        assert!(is_json("application/json; charset=utf-8"));
        assert!(is_json("application/merge-patch+json"));
        assert!(!is_json("text/plain"));
        assert!(!is_json(""));
    }
}
