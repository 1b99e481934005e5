//! Wake-ups: the fan-out tells channel [`CHANNEL`] when a transaction that
//! made deliveries commits; a connection of the worker's own listens and wakes
//! it at once. When that connection breaks (the database restarted) it is
//! opened again after a pause; meanwhile the worker still polls.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Notify;
use tokio_postgres::AsyncMessage;

use crate::db::Connector;
use crate::webhooks::store::fanout::CHANNEL;

/// The pause before listening again after the connection broke.
const PAUSE: Duration = Duration::from_secs(2);

/// Listens on [`CHANNEL`] until dropped, waking `wake` on every notification
/// (and once each time it starts listening, for what was told meanwhile).
pub async fn listen(connector: Connector, wake: Arc<Notify>) {
    let connector = connector.named("onpace-webhooks-listen");
    loop {
        match listen_once(&connector, &wake).await {
            Ok(()) => tracing::warn!("the webhook wake-up connection closed; listening again"),
            Err(e) => tracing::warn!(
                error = %e,
                "the webhook wake-up connection failed; listening again in {} s (polling meanwhile)",
                PAUSE.as_secs()
            ),
        }
        tokio::time::sleep(PAUSE).await;
    }
}

async fn listen_once(connector: &Connector, wake: &Notify) -> Result<(), tokio_postgres::Error> {
    let (client, mut connection) = connector.connect_plain().await?;
    let read = async {
        loop {
            match std::future::poll_fn(|cx| connection.poll_message(cx)).await {
                Some(Ok(AsyncMessage::Notification(_))) => wake.notify_one(),
                Some(Ok(_)) => {}
                Some(Err(e)) => return Err(e),
                None => return Ok(()),
            }
        }
    };
    tokio::pin!(read);
    let sql = format!("LISTEN {CHANNEL}");
    tokio::select! {
        ended = &mut read => return ended,
        listening = client.batch_execute(&sql) => listening?,
    }
    tracing::debug!(channel = CHANNEL, "listening for webhook deliveries");
    wake.notify_one();
    let ended = read.await;
    drop(client);
    ended
}
