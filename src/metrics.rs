//! What the service counts, read by Prometheus from `GET /metrics` on a listener
//! of its own (`ONPACE_METRICS_LISTEN`), never on the public API: requests and
//! their latency by route pattern, the database pool sampled at each scrape, and
//! the rows that batches store.
//!
//! Infrastructure, like `db/`: it knows no resource. Use cases tell it how many
//! rows they stored ([`Metrics::rows_ingested`]).

use std::sync::Arc;
use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::http::header;
use actix_web::middleware::Next;
use actix_web::{web, App, HttpResponse};
use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeLabelSet, EncodeMetric};
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::ConstGauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;

use crate::db::PgPool;
use crate::http::{ItemResult, ItemStatus};

/// The route label of a request no route matched.
pub const UNMATCHED: &str = "unmatched";

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    route: String,
    method: String,
    status: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    route: String,
    method: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct KindLabels {
    kind: &'static str,
}

/// What a batch stores rows of.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ingested {
    Sales,
    Activities,
    Accounts,
}

impl Ingested {
    fn label(self) -> &'static str {
        match self {
            Ingested::Sales => "sales",
            Ingested::Activities => "activities",
            Ingested::Accounts => "accounts",
        }
    }
}

type Durations = Family<RouteLabels, Histogram, fn() -> Histogram>;

fn latency_histogram() -> Histogram {
    // 1 ms to about 16 s.
    Histogram::new(exponential_buckets(0.001, 2.0, 15))
}

/// The service's metrics and the registry they are read from.
pub struct Metrics {
    registry: Registry,
    /// Whether requests are measured: only when someone can read them (finding
    /// a request's route pattern matches its path a second time).
    measure_requests: bool,
    requests: Family<RequestLabels, Counter>,
    durations: Durations,
    ingested: Family<KindLabels, Counter>,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Metrics")
            .field("measure_requests", &self.measure_requests)
            .finish_non_exhaustive()
    }
}

impl Metrics {
    /// Metrics over `pool`; requests are measured when `measure_requests`
    /// (a metrics listener is configured).
    pub fn new(pool: PgPool, measure_requests: bool) -> Self {
        let mut registry = Registry::with_prefix("onpace");
        let requests = Family::<RequestLabels, Counter>::default();
        registry.register(
            "http_requests",
            "HTTP requests answered, by route pattern, method and status",
            requests.clone(),
        );
        let durations: Durations = Family::new_with_constructor(latency_histogram);
        registry.register(
            "http_request_duration_seconds",
            "Time to answer an HTTP request, by route pattern and method",
            durations.clone(),
        );
        let ingested = Family::<KindLabels, Counter>::default();
        registry.register(
            "rows_ingested",
            "Rows created or updated by the batches and single sales pushed by integrations",
            ingested.clone(),
        );
        for kind in [Ingested::Sales, Ingested::Activities, Ingested::Accounts] {
            // Present from the start, at 0.
            let _ = ingested.get_or_create(&KindLabels { kind: kind.label() });
        }
        registry.register_collector(Box::new(PoolGauges(pool)));
        Metrics {
            registry,
            measure_requests,
            requests,
            durations,
            ingested,
        }
    }

    /// Counts `rows` a batch stored, once its transaction is committed.
    pub fn rows_ingested(&self, kind: Ingested, rows: u64) {
        self.ingested
            .get_or_create(&KindLabels { kind: kind.label() })
            .inc_by(rows);
    }

    fn record(&self, route: String, method: String, status: u16, seconds: f64) {
        self.durations
            .get_or_create(&RouteLabels {
                route: route.clone(),
                method: method.clone(),
            })
            .observe(seconds);
        self.requests
            .get_or_create(&RequestLabels {
                route,
                method,
                status: status.to_string(),
            })
            .inc();
    }

    /// Everything, in the Prometheus text format.
    pub fn encode(&self) -> Result<String, std::fmt::Error> {
        let mut text = String::new();
        prometheus_client::encoding::prometheus_text::encode(&mut text, &self.registry)?;
        Ok(text)
    }
}

/// The rows a batch created or updated (unchanged and rejected items store
/// nothing).
pub fn stored(results: &[ItemResult]) -> u64 {
    let rows = results
        .iter()
        .filter(|r| matches!(r.status, ItemStatus::Created | ItemStatus::Updated))
        .count();
    rows as u64
}

/// The pool as it is at each scrape.
struct PoolGauges(PgPool);

impl std::fmt::Debug for PoolGauges {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PoolGauges")
    }
}

impl Collector for PoolGauges {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        let status = self.0.status();
        let gauges = [
            (
                "db_pool_max_size",
                "Most connections the pool holds",
                status.max_size,
            ),
            (
                "db_pool_size",
                "Connections the pool holds now, in use or idle",
                status.size,
            ),
            (
                "db_pool_available",
                "Idle connections ready to be handed out",
                status.available,
            ),
            (
                "db_pool_waiting",
                "Requests waiting for a connection",
                status.waiting,
            ),
        ];
        for (name, help, value) in gauges {
            let gauge = ConstGauge::new(value);
            let metric = encoder.encode_descriptor(name, help, None, gauge.metric_type())?;
            gauge.encode(metric)?;
        }
        Ok(())
    }
}

/// Middleware: counts and times every request by its route pattern
/// (`/v1/targets/{id}/progress`, never the path with its ids), when requests
/// are measured. Reads the `Metrics` registered as app data.
pub async fn measure(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let metrics = req
        .app_data::<web::Data<Metrics>>()
        .filter(|m| m.measure_requests)
        .cloned();
    let Some(metrics) = metrics else {
        return next.call(req).await;
    };
    let route = req.match_pattern().unwrap_or_else(|| UNMATCHED.into());
    let method = req.method().to_string();
    let started = Instant::now();
    let answered = next.call(req).await;
    let status = match &answered {
        Ok(res) => res.status(),
        Err(e) => e.as_response_error().status_code(),
    };
    metrics.record(
        route,
        method,
        status.as_u16(),
        started.elapsed().as_secs_f64(),
    );
    answered
}

/// `GET /metrics`.
async fn scrape(metrics: web::Data<Metrics>) -> HttpResponse {
    match metrics.encode() {
        Ok(text) => HttpResponse::Ok()
            .insert_header((
                header::CONTENT_TYPE,
                prometheus_client::encoding::prometheus_text::CONTENT_TYPE,
            ))
            .body(text),
        Err(_) => HttpResponse::InternalServerError().finish(),
    }
}

/// The metrics listener's application: `GET /metrics` and nothing else.
pub fn app(
    metrics: Arc<Metrics>,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    App::new()
        .app_data(web::Data::from(metrics))
        .route("/metrics", web::get().to(scrape))
}
