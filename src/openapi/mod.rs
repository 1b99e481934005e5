//! The OpenAPI document: gathered from the registered routes, then completed with
//! the problem responses every operation can give.

use utoipa::openapi::path::{Operation, Parameter, ParameterIn, PathItem};
use utoipa::openapi::response::{Response, ResponseBuilder};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{Content, OpenApi, Ref, RefOr};
use utoipa::{OpenApi as _, ToSchema};

mod links;
mod webhooks;

use crate::error::{FieldError, Problem};
use crate::values::{Amount, IsoDate};

#[derive(utoipa::OpenApi)]
#[openapi(
    info(
        title = "onpace",
        description = "Sales targets that people are accountable for: SMART targets agreed with every salesperson and team, results pushed by CRMs, progress and pace at any moment, and reviews that carry actions forward.",
        license(name = "MIT", identifier = "MIT"),
        contact(name = "onpace maintainers", url = "https://github.com/onpace/onpace")
    ),
    servers((url = "/", description = "This server")),
    tags(
        (name = "auth", description = "Tokens, sign-out and signing keys"),
        (name = "org", description = "The organisation and its calendar settings"),
        (name = "users", description = "People, their roles and selling styles"),
        (name = "teams", description = "Nested teams and dated membership"),
        (name = "clients", description = "Integration clients and their scopes"),
        (name = "accounts", description = "Customers and prospects, their owners and CRM sync"),
        (name = "periods", description = "The organisation's calendar: years, quarters, months, weeks"),
        (name = "targets", description = "SMART targets, their agreement, history and allocation"),
        (name = "scorecards", description = "Where every member of a team stands, as JSON or CSV"),
        (name = "bonus-plans", description = "Bonuses tied to financial outcomes"),
        (name = "results", description = "Sales and activities pushed by CRMs"),
        (name = "reviews", description = "One-to-ones and team reviews, their agendas and items, and the successes feed"),
        (name = "events", description = "The event log: every change that matters to another system, for clients that poll"),
        (name = "webhooks", description = "Webhook endpoints that are sent the organisation's events, signed as Standard Webhooks, and their deliveries"),
        (name = "operations", description = "Health and readiness"),
    ),
    components(schemas(Problem, FieldError, IsoDate, Amount))
)]
struct Base;

fn problem(description: &str) -> RefOr<Response> {
    RefOr::T(
        ResponseBuilder::new()
            .description(description)
            .content(
                crate::error::PROBLEM_JSON,
                Content::new(Some(Ref::from_schema_name(Problem::name()))),
            )
            .build(),
    )
}

fn add(op: &mut Operation, status: &str, description: &str) {
    op.responses
        .responses
        .entry(status.to_string())
        .or_insert_with(|| problem(description));
}

fn operations(item: &mut PathItem) -> impl Iterator<Item = &mut Operation> {
    [
        item.get.as_mut(),
        item.put.as_mut(),
        item.post.as_mut(),
        item.delete.as_mut(),
        item.patch.as_mut(),
    ]
    .into_iter()
    .flatten()
}

/// Adds the problem responses an operation can give, from what it declares:
/// a body (400, 413, 415, 422), a query (400, 422), a bearer token (401, 403),
/// a path id (404), an `If-Match` header (412), and for all of them 503.
fn add_problems(path: &str, item: &mut PathItem) {
    let writes = [
        item.put.as_mut(),
        item.post.as_mut(),
        item.delete.as_mut(),
        item.patch.as_mut(),
    ];
    let ops =
        std::iter::once((true, item.get.as_mut())).chain(writes.into_iter().map(|o| (false, o)));
    for (is_get, op) in ops {
        let Some(op) = op else { continue };
        let declared: Vec<&Parameter> = op
            .parameters
            .iter()
            .flatten()
            .filter_map(|p| match p {
                RefOr::T(p) => Some(p),
                RefOr::Ref(_) => None,
            })
            .collect();
        let params: Vec<String> = declared
            .iter()
            .map(|p| p.name.to_ascii_lowercase())
            .collect();
        let has_query = declared
            .iter()
            .any(|p| matches!(p.parameter_in, ParameterIn::Query));
        // `security: [{}]` marks a public operation; any named scheme means a token is needed.
        let secured = op.security.iter().flatten().any(|r| {
            serde_json::to_value(r).is_ok_and(|v| v.as_object().is_some_and(|m| !m.is_empty()))
        });
        if op.request_body.is_some() {
            add(
                op,
                "400",
                "Malformed request (`malformed_json`, `invalid_request`)",
            );
            add(op, "413", "Body too large (`body_too_large`)");
            add(op, "415", "Wrong content type (`unsupported_media_type`)");
            add(
                op,
                "422",
                "Invalid fields (`validation_failed` with `errors[]`) or a rule refused",
            );
        }
        if has_query {
            add(
                op,
                "400",
                "Malformed query (`invalid_query`, `invalid_cursor`)",
            );
            add(op, "422", "Invalid query values (`validation_failed`)");
        }
        if path.contains('{') {
            add(
                op,
                "404",
                "Not found, or not visible to the caller (`not_found`)",
            );
        }
        if secured && !is_get {
            add(
                op,
                "409",
                "A conflicting state, or a concurrent change (`concurrent_update`): retry",
            );
            add(op, "422", "Invalid input, or a value outside what can be stored (`validation_failed`, `value_out_of_range`)");
        }
        if secured {
            add(op, "401", "No token, or an invalid, expired or revoked one (`missing_token`, `invalid_token`)");
            add(op, "403", "Authenticated but not allowed (`forbidden`)");
        }
        if params.iter().any(|p| p == "if-match") {
            add(
                op,
                "412",
                "`If-Match` does not match the current version (`version_mismatch`)",
            );
        }
        add(op, "503", "Database unavailable (`database_unavailable`)");
    }
}

/// Operation ids are `<tag>_<handler>` (e.g. `users_list`), unique across the document.
fn name_operations(item: &mut PathItem) {
    for op in operations(item) {
        let tag = op
            .tags
            .as_ref()
            .and_then(|t| t.first())
            .cloned()
            .unwrap_or_default();
        if let Some(id) = op.operation_id.as_mut() {
            if !tag.is_empty() && !id.starts_with(&format!("{tag}_")) {
                *id = format!("{tag}_{id}");
            }
        }
    }
}

/// Completes the paths collected from the routes into the published document.
pub fn complete(collected: OpenApi) -> OpenApi {
    let mut doc = Base::openapi();
    doc.merge(collected);
    doc.info.version = env!("CARGO_PKG_VERSION").to_string();
    let components = doc.components.get_or_insert_with(Default::default);
    components.add_security_scheme(
        "bearer",
        SecurityScheme::Http(
            HttpBuilder::new()
                .scheme(HttpAuthScheme::Bearer)
                .bearer_format("JWT")
                .description(Some("An access token from POST /v1/auth/token"))
                .build(),
        ),
    );
    for (path, item) in doc.paths.paths.iter_mut() {
        add_problems(path, item);
        name_operations(item);
    }
    links::add(&mut doc);
    webhooks::add(&mut doc);
    drop_unused_schemas(&mut doc);
    doc
}

/// Drops component schemas that nothing refers to (item types that generic list
/// envelopes inline), until none is left.
fn drop_unused_schemas(doc: &mut OpenApi) {
    loop {
        let text = serde_json::to_string(&*doc).expect("the document serialises");
        let Some(components) = doc.components.as_mut() else {
            return;
        };
        let unused: Vec<String> = components
            .schemas
            .keys()
            .filter(|name| !text.contains(&format!("\"#/components/schemas/{name}\"")))
            .cloned()
            .collect();
        if unused.is_empty() {
            return;
        }
        for name in unused {
            components.schemas.remove(&name);
        }
    }
}

/// Describes a rules enum to OpenAPI as a string enum (`rules.rs` knows nothing
/// of utoipa): its schema name, its description, and its values in the order
/// of `$ty::ALL`, each as `as_str` gives it. Used in a resource's `dto.rs`.
macro_rules! string_enum {
    ($ty:ty, $name:literal, $doc:literal $(,)?) => {
        impl utoipa::PartialSchema for $ty {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                utoipa::openapi::schema::ObjectBuilder::new()
                    .schema_type(utoipa::openapi::schema::Type::String)
                    .description(Some($doc))
                    .enum_values(Some(<$ty>::ALL.iter().map(|v| v.as_str())))
                    .into()
            }
        }

        impl utoipa::ToSchema for $ty {
            fn name() -> std::borrow::Cow<'static, str> {
                std::borrow::Cow::Borrowed($name)
            }
        }
    };
}
pub(crate) use string_enum;
