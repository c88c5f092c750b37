//! Scale-out: several server processes behind a load balancer share one PostgreSQL.
//!
//! The committer announces the documents each batch changed (`pg_notify` inside the batch's
//! transaction, so only committed changes are announced, and only once they are); every process
//! listens on one connection of its own. A document another process changed is dropped from
//! memory here — the next use reloads it from the database, with the change — and its subscribers
//! here are woken, so a tablet on this process gets a change that came in through another within
//! one round trip. While not listening (at start, after a lost connection) announcements can be
//! missed: every document in memory is treated as changed once the listener is back.
//!
//! Access changes need nothing here: every process polls the access epoch from the database.
//! SQLite is one process: nothing is announced or listened for.

use std::time::Duration;

use futures_util::StreamExt;
use tokio_postgres::AsyncMessage;

use super::DocumentId;
use super::hub::WeakHub;

/// The notification channel.
pub const CHANNEL: &str = "mimamori_doc_changes";

/// How long to wait before connecting again after the listening connection failed: doubling
/// from the first to the last while it keeps failing.
const RETRY_AFTER: (Duration, Duration) = (Duration::from_secs(1), Duration::from_secs(60));

/// Listens until the hub is gone (spawned by `Hub::start` on PostgreSQL).
pub async fn listen(hub: WeakHub, url: String) {
    let mut wait = RETRY_AFTER.0;
    loop {
        let started = std::time::Instant::now();
        match listen_once(&hub, &url).await {
            Ok(()) => return, // the hub is gone
            Err(e) => {
                tracing::warn!(error = %crate::error::Chain(&*e), retry_in_s = wait.as_secs(), "change announcements: not listening")
            }
        }
        tokio::time::sleep(wait).await;
        wait = if started.elapsed() > RETRY_AFTER.1 {
            RETRY_AFTER.0 // it had been listening: a new failure
        } else {
            (wait * 2).min(RETRY_AFTER.1)
        };
        if hub.upgrade().is_none() {
            return;
        }
    }
}

/// One listening connection: `Ok` when the hub is gone, `Err` when the connection failed.
async fn listen_once(hub: &WeakHub, url: &str) -> Result<(), crate::error::Cause> {
    // TLS as the URL asks (`sslmode`): used when the server offers it, required with
    // `sslmode=require`; like libpq in those modes, the server's certificate is not verified.
    let mut tls = openssl::ssl::SslConnector::builder(openssl::ssl::SslMethod::tls())?;
    tls.set_verify(openssl::ssl::SslVerifyMode::NONE);
    let tls = tls.build();
    let (client, mut connection) =
        tokio_postgres::connect(url, postgres_openssl::MakeTlsConnector::new(tls)).await?;
    // The connection's messages (notifications among them) come through its own future.
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let messages = tokio::spawn(async move {
        let mut stream = futures_util::stream::poll_fn(move |cx| connection.poll_message(cx));
        while let Some(m) = stream.next().await {
            if let AsyncMessage::Notification(n) = m?
                && tx.send(n.payload().to_string()).is_err()
            {
                break;
            }
        }
        Ok::<(), tokio_postgres::Error>(())
    });
    client.batch_execute(&format!("LISTEN {CHANNEL}")).await?;
    let Some(h) = hub.upgrade() else {
        return Ok(());
    };
    h.all_changed_elsewhere().await;
    let node = h.peer_id().to_string();
    drop(h);
    tracing::info!("change announcements: listening");
    let mut alive = tokio::time::interval(Duration::from_secs(5));
    loop {
        tokio::select! {
            payload = rx.recv() => {
                let Some(payload) = payload else { break };
                let Some(h) = hub.upgrade() else { return Ok(()) };
                let mut words = payload.split(' ');
                if words.next() == Some(node.as_str()) {
                    continue; // our own
                }
                for doc in words.filter_map(DocumentId::parse) {
                    h.changed_elsewhere(doc).await;
                }
            }
            _ = alive.tick() => {
                if hub.upgrade().is_none() {
                    return Ok(());
                }
            }
        }
    }
    // The connection ended: its error, or that it closed.
    drop(client);
    match messages.await {
        Ok(Err(e)) => Err(e.into()),
        _ => Err("the connection closed".into()),
    }
}
