//! One attempt over HTTP: a signed POST of the delivery's body, answered 2xx
//! within the time allowed or failed.
//!
//! The destination is checked at every attempt, not only when the endpoint was
//! registered: its URL's form and written address ([`guard::check_url`]), and
//! every address its name resolves to, by the client's own resolver
//! ([`Guarded`]): the connection goes to the addresses that were checked, so a
//! name cannot resolve to a public address for the check and to an internal
//! one for the connection. Redirects are not followed and no proxy is used.

use std::error::Error as _;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use reqwest::dns::{Addrs, Name, Resolve, Resolving};

use crate::webhooks::guard;
use crate::webhooks::rules::backoff::{kept, READ_LIMIT};
use crate::webhooks::secret;
use crate::webhooks::service::deliver::{Claimed, Outcome};

/// Resolves names as [`guard::resolve`] does: a name with any internal
/// address is refused (unless insecure destinations are allowed).
struct Guarded {
    allow_insecure: bool,
}

impl Resolve for Guarded {
    fn resolve(&self, name: Name) -> Resolving {
        let host = name.as_str().to_string();
        let allow_insecure = self.allow_insecure;
        Box::pin(async move {
            // Port 0: the client puts the URL's own port in.
            let addrs = guard::resolve(&host, 0, allow_insecure)
                .await
                .map_err(|e| format!("refused: {e}"))?;
            Ok(Box::new(addrs.into_iter()) as Addrs)
        })
    }
}

/// The HTTP client of the deliveries.
pub fn client(allow_insecure: bool, timeout: Duration) -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        // The attempt's own limit is kept by the caller; this one only backs it.
        .timeout(timeout + Duration::from_secs(1))
        .connect_timeout(timeout)
        .user_agent(concat!("onpace-webhooks/", env!("CARGO_PKG_VERSION")))
        .dns_resolver(Arc::new(Guarded { allow_insecure }))
        .build()
        .expect("the webhook client's settings are valid")
}

/// Makes one attempt at `d`, signed with `secrets` (the current first): the
/// whole attempt, answer read included, within `timeout`.
pub async fn attempt(
    client: &reqwest::Client,
    d: &Claimed,
    secrets: &[String],
    allow_insecure: bool,
    timeout: Duration,
) -> Outcome {
    let started = Instant::now();
    let result = tokio::time::timeout(timeout, post(client, d, secrets, allow_insecure)).await;
    let duration_ms = i32::try_from(started.elapsed().as_millis()).unwrap_or(i32::MAX);
    let failed = |error: String| Outcome {
        delivered: false,
        http_status: None,
        duration_ms,
        response: None,
        error: Some(error),
    };
    match result {
        Err(_) => failed(format!("no answer within {} s", timeout.as_secs_f64())),
        Ok(Err(error)) => failed(error),
        Ok(Ok((status, body))) => {
            let delivered = status.is_success();
            Outcome {
                delivered,
                http_status: Some(i32::from(status.as_u16())),
                duration_ms,
                response: Some(kept(&body)),
                error: (!delivered).then(|| match status.is_redirection() {
                    true => format!("answered {status} (redirects are not followed)"),
                    false => format!("answered {status}"),
                }),
            }
        }
    }
}

/// Sends the request and reads at most [`READ_LIMIT`] bytes of the answer.
async fn post(
    client: &reqwest::Client,
    d: &Claimed,
    secrets: &[String],
    allow_insecure: bool,
) -> Result<(reqwest::StatusCode, Vec<u8>), String> {
    let url = guard::check_url(&d.url, allow_insecure).map_err(|e| format!("refused: {e}"))?;
    let id = d.event_id.to_string();
    let timestamp = Utc::now().timestamp();
    let signature = secret::signature(secrets, &id, timestamp, &d.body);
    let mut answer = client
        .post(url)
        .header("content-type", "application/json")
        .header("webhook-id", &id)
        .header("webhook-timestamp", timestamp.to_string())
        .header("webhook-signature", signature)
        .body(d.body.clone())
        .send()
        .await
        .map_err(|e| chain(&e))?;
    let status = answer.status();
    let mut body = Vec::new();
    while body.len() < READ_LIMIT {
        match answer.chunk().await {
            Ok(Some(chunk)) => {
                let room = READ_LIMIT - body.len();
                body.extend_from_slice(&chunk[..chunk.len().min(room)]);
            }
            Ok(None) => break,
            // The status was given: what came of the body is kept.
            Err(_) => break,
        }
    }
    Ok((status, body))
}

/// An error and its causes, in one line: the client's own message says little
/// ("error sending request"), its causes say what happened ("connection
/// refused", "127.0.0.1 is a loopback … address").
fn chain(e: &reqwest::Error) -> String {
    let mut text = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        let said = c.to_string();
        if !text.contains(&said) {
            text.push_str(": ");
            text.push_str(&said);
        }
        cause = c.source();
    }
    text
}
