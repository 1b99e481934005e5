//! Field-by-field validation of a request: the typed error that rules return
//! when input is malformed (`Invalid`, a 422 `validation_failed` once it
//! reaches the error module).

use serde::Serialize;
use utoipa::ToSchema;

/// One invalid field of a request.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct FieldError {
    /// The field, as a dotted path into the request body or the query parameter's name.
    pub field: String,
    /// Stable machine-readable reason, e.g. `required`, `too_long`, `invalid_format`.
    pub code: String,
    /// A sentence for people.
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, code: &str, message: impl Into<String>) -> Self {
        FieldError {
            field: field.into(),
            code: code.into(),
            message: message.into(),
        }
    }
}

/// The fields of a request that are not valid.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Invalid {
    pub errors: Vec<FieldError>,
}

impl Invalid {
    pub fn one(field: impl Into<String>, code: &str, message: impl Into<String>) -> Self {
        Invalid {
            errors: vec![FieldError::new(field, code, message)],
        }
    }
}

/// Collects invalid fields and turns them into one 422.
#[derive(Default)]
pub struct Validator {
    errors: Vec<FieldError>,
}

impl Validator {
    pub fn new() -> Self {
        Self::default()
    }
    pub fn check(&mut self, ok: bool, field: &str, code: &str, message: impl Into<String>) {
        if !ok {
            self.errors.push(FieldError::new(field, code, message));
        }
    }
    pub fn push(&mut self, e: FieldError) {
        self.errors.push(e);
    }
    /// How many errors so far.
    pub fn len(&self) -> usize {
        self.errors.len()
    }
    pub fn is_empty(&self) -> bool {
        self.errors.is_empty()
    }
    /// A day between the years 1000 and 9998 (kept clear of the ends of what
    /// PostgreSQL and clients store).
    pub fn day(&mut self, field: &str, day: chrono::NaiveDate) {
        use chrono::Datelike;
        self.check(
            (1000..=9998).contains(&day.year()),
            field,
            "out_of_range",
            "a date between the years 1000 and 9998",
        );
    }
    /// A required, trimmed text of at most `max` characters.
    /// (The length counts the text as sent, as the OpenAPI `maxLength` does.)
    pub fn text(&mut self, field: &str, value: &str, max: usize) {
        if value.trim().is_empty() {
            self.push(FieldError::new(field, "required", "must not be empty"));
        } else if value.contains('\0') {
            self.push(FieldError::new(
                field,
                "invalid_characters",
                "must not contain NUL characters",
            ));
        } else if value.chars().count() > max {
            self.push(FieldError::new(
                field,
                "too_long",
                format!("must be at most {max} characters"),
            ));
        }
    }
    pub fn finish(self) -> Result<(), Invalid> {
        if self.errors.is_empty() {
            Ok(())
        } else {
            Err(Invalid {
                errors: self.errors,
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validator_reports_every_field() {
        let mut v = Validator::new();
        v.text("name", "  ", 10);
        v.text("title", "abcdefghijk", 10);
        v.text("ok", "fine", 10);
        let e = v.finish().unwrap_err();
        let codes: Vec<_> = e
            .errors
            .iter()
            .map(|f| (f.field.as_str(), f.code.as_str()))
            .collect();
        assert_eq!(codes, vec![("name", "required"), ("title", "too_long")]);
    }
}
