//! The destination is checked again at every attempt: an internal address,
//! written as the host or resolved from the name, is refused unless insecure
//! destinations are allowed.

use super::*;

#[actix_web::test]
async fn an_internal_destination_is_refused_at_delivery_time() {
    let app = app().await;
    let org = app.org("Refused").await;
    // Registered while allowed (or resolving elsewhere then): now refused.
    let (literal, _) = webhook(&app, org.id, "https://127.0.0.1:1/x", &["user.created"]).await;
    let (named, _) = webhook(&app, org.id, "https://localhost:1/x", &["user.created"]).await;
    let (plain, _) = webhook(&app, org.id, "http://example.com/x", &["user.created"]).await;
    user_created(&app, &org).await;
    let w = worker(&app, |s| Settings {
        allow_insecure: false,
        ..s
    });
    assert_eq!(w.tick().await.unwrap(), 3);
    for (hook, says) in [
        (literal, "127.0.0.1 is a loopback"),
        (named, "is a loopback"),
        (plain, "only https URLs receive webhooks"),
    ] {
        let d = &deliveries(&app, hook).await[0];
        assert_eq!((d.status.as_str(), d.attempts), ("pending", 1));
        assert_eq!(d.http_status, None);
        let error = d.error.as_deref().unwrap_or("");
        assert!(error.contains("refused") && error.contains(says), "{error}");
    }
}
