//! The application: routes, middleware, and the HTTP server.

use actix_cors::Cors;
use actix_web::body::{BoxBody, MessageBody};
use std::sync::Arc;

use actix_web::dev::{ResourceDef, ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::{from_fn, Next};
use actix_web::{web, App, HttpMessage, HttpRequest, HttpResponse, HttpServer, ResponseError};
use tracing_actix_web::{DefaultRootSpanBuilder, RequestId, RootSpanBuilder, TracingLogger};
use utoipa_actix_web::scope;
use utoipa_actix_web::service_config::ServiceConfig;
use utoipa_actix_web::AppExt;
use utoipa_swagger_ui::SwaggerUi;

use crate::error::{AppError, PROBLEM_JSON};
use crate::state::AppState;
use crate::{
    accounts, auth, bonus, calendar, clients, events, extract, health, org, progress, results,
    reviews, targets, teams, users, webhooks,
};

/// Every documented route. Registered through utoipa-actix-web, so a route cannot
/// exist without its OpenAPI entry.
pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(health::healthz)
        .service(health::readyz)
        .service(auth::api::token)
        .service(auth::api::revoke)
        .service(auth::api::jwks)
        .service(org::api::get_org)
        .service(org::api::patch_org)
        .service(users::api::me)
        .service(users::api::change_password)
        .service(calendar::api::list)
        .service(progress::api::scorecard)
        .service(results::api::activities_batch)
        .service(results::api::list_activities)
        .service(reviews::api::successes)
        .service(events::api::list)
        .service(
            scope("/v1/users")
                .service(users::api::list)
                .service(users::api::create)
                .service(users::api::get_one)
                .service(users::api::patch_one)
                .service(users::api::deactivate)
                .service(users::api::reactivate),
        )
        .service(
            scope("/v1/teams")
                .service(teams::api::list)
                .service(teams::api::create)
                .service(teams::api::get_one)
                .service(teams::api::patch_one)
                .service(teams::api::delete_one)
                .service(teams::api::members)
                .service(teams::api::put_member)
                .service(teams::api::end_member),
        )
        .service(
            scope("/v1/clients")
                .service(clients::api::list)
                .service(clients::api::create)
                .service(clients::api::get_one)
                .service(clients::api::deactivate),
        )
        .service(
            scope("/v1/accounts")
                .service(accounts::api::batch)
                .service(accounts::api::put_external)
                .service(accounts::api::list)
                .service(accounts::api::create)
                .service(accounts::api::get_one)
                .service(accounts::api::patch_one)
                .service(accounts::api::transfer)
                .service(accounts::api::owner_history)
                .service(accounts::api::split_rules)
                .service(accounts::api::split_rule)
                .service(accounts::api::add_split_rule)
                .service(accounts::api::remove_split_rule)
                .service(accounts::api::convert)
                .service(accounts::api::reject_conversion),
        )
        .service(
            // The most frequent read first: a request is matched against
            // the scope's routes in this order.
            scope("/v1/targets")
                .service(progress::api::progress)
                .service(targets::api::list)
                .service(targets::api::create)
                .service(targets::api::get_one)
                .service(targets::api::patch_one)
                .service(targets::api::propose)
                .service(targets::api::agree)
                .service(targets::api::revise)
                .service(targets::api::cancel)
                .service(targets::api::history)
                .service(targets::api::allocation)
                .service(progress::api::series),
        )
        .service(
            scope("/v1/bonus-plans")
                .service(bonus::api::list)
                .service(bonus::api::create)
                .service(bonus::api::get_one)
                .service(bonus::api::patch_one)
                .service(bonus::api::delete_one)
                .service(bonus::api::payout),
        )
        .service(
            scope("/v1/sales")
                .service(results::api::sales_batch)
                .service(results::api::list_sales)
                .service(results::api::sale_by_id)
                .service(results::api::sale)
                .service(results::api::void),
        )
        .service(
            scope("/v1/reviews")
                .service(reviews::api::list)
                .service(reviews::api::create)
                .service(reviews::api::get_one)
                .service(reviews::api::patch_one)
                .service(reviews::api::agenda)
                .service(reviews::api::add_item)
                .service(reviews::api::patch_item)
                .service(reviews::api::close_item)
                .service(reviews::api::complete)
                .service(reviews::api::cancel),
        )
        .service(
            scope("/v1/webhooks")
                .service(webhooks::api::list)
                .service(webhooks::api::create)
                .service(webhooks::api::get_one)
                .service(webhooks::api::patch_one)
                .service(webhooks::api::delete_one)
                .service(webhooks::api::rotate_secret)
                .service(webhooks::api::test)
                .service(webhooks::api::list_deliveries)
                .service(webhooks::api::get_delivery)
                .service(webhooks::api::redeliver),
        );
}

/// Builds the application around `state`.
pub fn build_app(
    state: AppState,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    let (app, collected) = App::new()
        .into_utoipa_app()
        .configure(routes)
        .split_for_parts();
    let doc = crate::openapi::complete(collected);
    let known = Arc::new(known_routes(&doc));
    let cors = cors(&state.config.cors_origins);
    app.app_data(web::Data::new(state.clone()))
        .app_data(web::Data::from(state.metrics.clone()))
        // Built here, so once per worker: each has its own connection.
        .app_data(web::Data::new(crate::db::Reader::new(
            &state.connector,
            state.config.db_timeout,
        )))
        .app_data(web::Data::new(crate::db::replica::ReplicaReader::new(
            &state.reads,
            state.config.db_timeout,
        )))
        .app_data(web::QueryConfig::default().error_handler(extract::query_error))
        .app_data(web::Data::from(known.clone()))
        .app_data(web::PathConfig::default().error_handler(path_error))
        .app_data(web::PayloadConfig::new(state.config.max_body_bytes))
        .service(SwaggerUi::new("/docs/{_:.*}").url("/openapi.json", doc))
        .service(web::redirect("/docs", "/docs/"))
        .default_service(web::to(move |req: HttpRequest| {
            let known = known.clone();
            async move { unrouted(&req, &known) }
        }))
        .wrap(actix_web::middleware::Compress::default())
        .wrap(cors)
        .wrap(from_fn(conventions))
        .wrap(TracingLogger::<RequestSpan>::new())
        .wrap(from_fn(crate::metrics::measure))
}

/// The span every request's log lines carry: method, path and query, request id,
/// then the status and any error. Unlike tracing-actix-web's default span it does
/// not name the route pattern, host, client address or user agent: finding the
/// pattern matches the path against every route a second time (about 7% of a
/// small read's CPU time), and the rest is parsed from headers on every request.
pub struct RequestSpan;

impl RootSpanBuilder for RequestSpan {
    fn on_request_start(req: &ServiceRequest) -> tracing::Span {
        let request_id = req.extensions().get::<RequestId>().copied();
        tracing::info_span!(
            "HTTP request",
            http.method = %req.method(),
            http.target = %req.uri(),
            request_id = tracing::field::display(request_id.map(|id| id.to_string()).unwrap_or_default()),
            http.status_code = tracing::field::Empty,
            otel.status_code = tracing::field::Empty,
            exception.message = tracing::field::Empty,
            exception.details = tracing::field::Empty,
        )
    }

    /// Records the status and, for an error, logs one line in the problem's
    /// words: at INFO for a client's error (4xx), at ERROR for the service's.
    fn on_request_end<B: MessageBody>(
        span: tracing::Span,
        outcome: &Result<ServiceResponse<B>, actix_web::Error>,
    ) {
        let failure = match outcome {
            Ok(res) => res
                .response()
                .error()
                .map(|e| (res.status(), e.to_string())),
            Err(e) => Some((e.as_response_error().status_code(), e.to_string())),
        };
        if let Some((status, words)) = failure {
            if status.is_server_error() {
                tracing::error!(parent: &span, "{words}");
            } else {
                tracing::info!(parent: &span, "{words}");
            }
        }
        DefaultRootSpanBuilder::on_request_end(span, outcome)
    }
}

fn cors(origins: &[String]) -> Cors {
    let mut cors = Cors::default()
        .allowed_methods(["GET", "POST", "PUT", "PATCH", "DELETE"])
        .allowed_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            header::IF_MATCH,
            header::IF_NONE_MATCH,
            header::HeaderName::from_static("idempotency-key"),
        ])
        .expose_headers([
            header::ETAG,
            header::HeaderName::from_static("x-request-id"),
        ])
        .max_age(3600);
    // `*` (alone, as the configuration allows it): any origin, answered with a
    // wildcard and never with credentials, which tokens in `Authorization` do not need.
    if origins.iter().any(|o| o == "*") {
        return cors.allow_any_origin().send_wildcard();
    }
    for o in origins {
        cors = cors.allowed_origin(o);
    }
    cors
}

/// Each documented path with the methods it answers.
type KnownRoutes = Vec<(ResourceDef, Vec<&'static str>)>;

fn known_routes(doc: &utoipa::openapi::OpenApi) -> KnownRoutes {
    doc.paths
        .paths
        .iter()
        .map(|(path, item)| {
            let methods = [
                ("GET", item.get.is_some()),
                ("PUT", item.put.is_some()),
                ("POST", item.post.is_some()),
                ("DELETE", item.delete.is_some()),
                ("PATCH", item.patch.is_some()),
            ];
            let allowed = methods
                .iter()
                .filter(|(_, has)| *has)
                .map(|(m, _)| *m)
                .collect();
            (ResourceDef::new(path.as_str()), allowed)
        })
        .collect()
}

fn method_not_allowed(req: &HttpRequest, allowed: &[&str]) -> HttpResponse {
    let allow = allowed.join(", ");
    let mut res = AppError::new(
        actix_web::http::StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        format!(
            "{} is not allowed on {}; allowed: {allow}",
            req.method(),
            req.path()
        ),
    )
    .error_response();
    res.headers_mut()
        .insert(header::ALLOW, HeaderValue::from_str(&allow).expect("ascii"));
    res
}

/// A path parameter that does not parse (an id that is not a UUID) is 404, unless
/// the path is a literal route of its own (`/v1/accounts/batch` caught by
/// `/v1/accounts/{id}` for another method), which is 405.
fn path_error(err: actix_web::error::PathError, req: &HttpRequest) -> actix_web::Error {
    let literal = req.app_data::<web::Data<KnownRoutes>>().and_then(|known| {
        known
            .iter()
            .find(|(def, _)| !def.pattern().unwrap_or("").contains('{') && def.is_match(req.path()))
            .map(|(_, allowed)| method_not_allowed(req, allowed))
    });
    match literal {
        Some(res) => {
            actix_web::error::InternalError::from_response("method not allowed", res).into()
        }
        // An id that is not a UUID names nothing: not found, like any unknown id.
        None => AppError::new(
            actix_web::http::StatusCode::NOT_FOUND,
            "not_found",
            format!("nothing here: {err}"),
        )
        .into(),
    }
}

/// No handler took the request: 405 with `Allow` when the path exists, else 404.
fn unrouted(req: &HttpRequest, known: &KnownRoutes) -> Result<HttpResponse, AppError> {
    if let Some((_, allowed)) = known.iter().find(|(def, _)| def.is_match(req.path())) {
        return Ok(method_not_allowed(req, allowed));
    }
    Err(AppError::new(
        actix_web::http::StatusCode::NOT_FOUND,
        "route_not_found",
        format!("no route {} {}", req.method(), req.path()),
    ))
}

/// Request id, security headers, cache rules, and problem+json for every error
/// answered outside the handlers (routing, CORS, payload limits).
async fn conventions(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let request_id = req.extensions().get::<RequestId>().map(|r| r.to_string());
    let writes = !matches!(
        *req.method(),
        actix_web::http::Method::GET
            | actix_web::http::Method::HEAD
            | actix_web::http::Method::OPTIONS
    );
    let remembered = req
        .app_data::<actix_web::web::Data<crate::state::AppState>>()
        .map(|state| {
            (
                state.callers.clone(),
                state.aims.clone(),
                state.scorecards.clone(),
            )
        });
    let answered = next.call(req).await;
    if writes {
        // Whatever it changed (a role, a deactivation, the settings, a target,
        // a membership) is seen by the next request this instance answers, not
        // a remembered caller, target or scorecard.
        if let Some((callers, aims, scorecards)) = remembered {
            callers.found.forget_all();
            aims.forget_all();
            scorecards.forget_all();
        }
    }
    let mut res = match answered {
        Ok(res) => res.map_into_boxed_body(),
        // Errors raised by inner middleware (CORS) carry no request: answer them as problems.
        Err(e) => {
            let status = e.as_response_error().status_code();
            return Err(AppError::new(status, "request_refused", e.to_string()).into());
        }
    };
    let status = res.status();
    let is_problem = res
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(PROBLEM_JSON.as_bytes()));
    if (status.is_client_error() || status.is_server_error()) && !is_problem {
        let code = match status.as_u16() {
            404 => "route_not_found",
            405 => "method_not_allowed",
            413 => "body_too_large",
            415 => "unsupported_media_type",
            400 => "bad_request",
            _ if status.is_server_error() => "internal_error",
            _ => "request_refused",
        };
        let detail = status.canonical_reason().unwrap_or("error").to_lowercase();
        let problem = AppError::new(status, code, detail).error_response();
        let (req, old) = res.into_parts();
        let mut fresh = problem;
        for (name, value) in old.headers() {
            if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
                fresh.headers_mut().insert(name.clone(), value.clone());
            }
        }
        res = ServiceResponse::new(req, fresh);
    }
    let h = res.headers_mut();
    if let Some(id) = request_id.and_then(|id| HeaderValue::from_str(&id).ok()) {
        h.insert(header::HeaderName::from_static("x-request-id"), id);
    }
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    if h.contains_key(header::ETAG) && !h.contains_key(header::CACHE_CONTROL) {
        h.insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static("private, no-cache"),
        );
    }
    Ok(res)
}

/// Serves until stopped: the API, and `GET /metrics` on a listener of its own
/// when `ONPACE_METRICS_LISTEN` is set; meanwhile purges expired events every
/// hour (`ONPACE_EVENTS_RETENTION_DAYS`), sweeps pace every minute (each
/// organisation once a day, after its midnight: `target.pace_changed`), and
/// delivers webhooks unless `ONPACE_WEBHOOK_WORKER=false`.
pub async fn serve(state: AppState) -> std::io::Result<()> {
    actix_web::rt::spawn(events::service::purge_every_hour(
        state.pool.clone(),
        state.config.events_retention_days,
    ));
    actix_web::rt::spawn(crate::progress::service::pace::sweep_every_minute(
        state.pool.clone(),
    ));
    if state.config.webhook_worker {
        let worker = crate::webhooks::worker::Worker::for_app(&state);
        actix_web::rt::spawn(worker.run(std::future::pending()));
    } else {
        tracing::info!("ONPACE_WEBHOOK_WORKER=false: webhooks are left to `onpace worker`");
    }
    let listen = state.config.listen.clone();
    let metrics_listen = state.config.metrics_listen.clone();
    let registry = state.metrics.clone();
    let api = HttpServer::new(move || build_app(state.clone())).bind(&listen)?;
    let metrics = match metrics_listen {
        Some(address) => {
            let server = HttpServer::new(move || crate::metrics::app(registry.clone()))
                .workers(1)
                .bind(&address)?;
            tracing::info!(%address, "metrics listening");
            Some(server.run())
        }
        None => None,
    };
    tracing::info!(%listen, "onpace listening");
    match metrics {
        Some(metrics) => futures_util::future::try_join(api.run(), metrics)
            .await
            .map(|_| ()),
        None => api.run().await,
    }
}

/// The whole OpenAPI document, gathered from the routes.
pub fn openapi_document() -> utoipa::openapi::OpenApi {
    let (_, collected) = actix_web::App::new()
        .into_utoipa_app()
        .configure(routes)
        .split_for_parts();
    crate::openapi::complete(collected)
}

/// The OpenAPI document as committed in `openapi/openapi.json`.
pub fn openapi_pretty() -> String {
    let mut s = openapi_document()
        .to_pretty_json()
        .expect("the document serialises");
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;
    use tracing::field::{Field, Visit};
    use tracing::{Event, Level, Subscriber};
    use tracing_subscriber::layer::{Context, Layer, SubscriberExt};

    /// The events logged, as (level, message).
    #[derive(Clone, Default)]
    struct Seen(Arc<Mutex<Vec<(Level, String)>>>);

    impl<S: Subscriber> Layer<S> for Seen {
        fn on_event(&self, event: &Event<'_>, _: Context<'_, S>) {
            struct Message(String);
            impl Visit for Message {
                fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
                    if field.name() == "message" {
                        self.0 = format!("{value:?}");
                    }
                }
            }
            let mut m = Message(String::new());
            event.record(&mut m);
            self.0
                .lock()
                .unwrap()
                .push((*event.metadata().level(), m.0));
        }
    }

    fn logged_for(error: AppError) -> Vec<(Level, String)> {
        let seen = Seen::default();
        let subscriber = tracing_subscriber::registry().with(seen.clone());
        tracing::subscriber::with_default(subscriber, || {
            let req = actix_web::test::TestRequest::default().to_srv_request();
            let span = RequestSpan::on_request_start(&req);
            let res = ServiceResponse::from_err(error, req.into_parts().0);
            RequestSpan::on_request_end(span, &Ok(res));
        });
        let seen = seen.0.lock().unwrap().clone();
        seen
    }

    #[test]
    fn a_client_error_is_logged_at_info_in_words_a_server_error_at_error() {
        let client = logged_for(AppError::not_found("target"));
        assert_eq!(
            client,
            vec![(Level::INFO, "404 not_found: target not found".to_string())],
            "one line at INFO, the problem's words, no Rust debug text"
        );
        let server = logged_for(AppError::unavailable());
        assert_eq!(server.len(), 1, "{server:?}");
        assert_eq!(server[0].0, Level::ERROR);
        assert!(!server[0].1.contains("AppError {"), "{server:?}");
    }
}
