//! Web Push: the VAPID key pair, which endpoints may be subscribed, and the sender that works through
//! the queue in the database (`push_jobs`), so a message queued before a restart is still sent.
//!
//! - Keys: generated on first start and stored in `settings` (`push.vapid_private`); never
//!   regenerated silently. `mimamori rotate-vapid` replaces them and drops every subscription (they
//!   were made for the old key; tablets subscribe again at their next start).
//! - Payload: `{"notice": id, "title", "priority"}` or `{"alert": id, "priority"}`: ids and the
//!   sender's own words only, never resident data (a push service can read nothing else anyway,
//!   but a lock screen can).
//! - Sending: at most `push_concurrency` requests in flight. 2xx: done (the notice counts as
//!   delivered to that user). 404/410: the subscription is gone and is removed. 429, 5xx, network
//!   errors: retried after `push_retry_base_ms` × 2ⁿ, 5 attempts in all, then the job fails and the
//!   subscription is marked failing. Other 4xx: failed at once (retrying cannot help).
//! - Health: the worker beats ([`PushStats::heartbeat_ms`]) at every turn of its loop — at least
//!   every 2 s while idle — and at every answer while it sends, so a worker that has not beaten for
//!   [`STUCK_AFTER`] is stuck (a request hanging past its timeout, the database not answering),
//!   and one whose task ended is dead: `/healthz` says which ([`Pusher::health`]).

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use futures_util::StreamExt;
use tokio::sync::Notify;
use web_push::{
    ContentEncoding, SubscriptionInfo, Urgency, VapidSignatureBuilder, WebPushMessageBuilder,
};

use crate::config::Config;
use crate::db::notices::{self, PushJob};
use crate::db::{Db, directory, new_id, now_ms};
use crate::error::AppError;

const VAPID_SETTING: &str = "push.vapid_private";
pub const MAX_ATTEMPTS: i32 = 5;

/// A worker that has not beaten for this long is stuck: three times the longest a single push
/// request may take (20 s), which is the longest the loop waits for anything.
pub const STUCK_AFTER: Duration = Duration::from_secs(60);

/// The server's VAPID key pair (P-256), base64url without padding.
#[derive(Clone)]
pub struct Vapid {
    private: String,
    /// The `applicationServerKey` a browser subscribes with (65-byte uncompressed point).
    pub public: String,
}

impl Vapid {
    fn from_private(private: String) -> Result<Vapid, AppError> {
        let partial = VapidSignatureBuilder::from_base64_no_sub(&private)
            .map_err(|e| AppError::internal_in("stored VAPID key unusable", e))?;
        Ok(Vapid {
            public: B64.encode(partial.get_public_key()),
            private,
        })
    }

    fn generate() -> Result<String, AppError> {
        use openssl::ec::{EcGroup, EcKey};
        use openssl::nid::Nid;
        let group = EcGroup::from_curve_name(Nid::X9_62_PRIME256V1).map_err(AppError::internal)?;
        let key = EcKey::generate(&group).map_err(AppError::internal)?;
        let raw = key
            .private_key()
            .to_vec_padded(32)
            .map_err(AppError::internal)?;
        Ok(B64.encode(raw))
    }

    /// The stored key pair, made and stored on first start.
    pub fn load_or_create(db: &Db) -> Result<Vapid, AppError> {
        db.write_blocking(|conn| {
            if let Some(k) = directory::get_setting(conn, VAPID_SETTING)? {
                return Vapid::from_private(k);
            }
            let k = Vapid::generate()?;
            directory::put_setting(conn, VAPID_SETTING, &k)?;
            tracing::info!("generated the VAPID key pair for Web Push (stored in settings)");
            Vapid::from_private(k)
        })
    }

    /// Replaces the key pair and drops every subscription (an explicit admin command).
    pub fn rotate(conn: &mut crate::db::DbConn) -> Result<(Vapid, usize), AppError> {
        let k = Vapid::generate()?;
        directory::put_setting(conn, VAPID_SETTING, &k)?;
        let dropped = notices::delete_all_subscriptions(conn)?;
        Ok((Vapid::from_private(k)?, dropped))
    }
}

/// Whether a subscription endpoint points to an allowed push service: its origin matches an entry
/// of `push_services` (`*.` for subdomains) and it is https — plain http only for a loopback origin
/// listed as such (a test receiver).
pub fn endpoint_allowed(config: &Config, endpoint: &str) -> bool {
    let Ok(uri) = endpoint.parse::<awc::http::Uri>() else {
        return false;
    };
    let (Some(scheme), Some(host)) = (uri.scheme_str(), uri.host()) else {
        return false;
    };
    if endpoint.len() > 2048 || uri.authority().is_some_and(|a| a.as_str().contains('@')) {
        return false;
    }
    let host = host.to_ascii_lowercase();
    let loopback = host == "127.0.0.1" || host == "localhost" || host == "[::1]";
    if scheme != "https" && !(scheme == "http" && loopback) {
        return false;
    }
    let port = uri.port_u16();
    config.push_services.iter().any(|allowed| {
        let Ok(a) = allowed.parse::<awc::http::Uri>() else {
            return false;
        };
        let (Some(a_scheme), Some(a_host)) = (a.scheme_str(), a.host()) else {
            return false;
        };
        let host_ok = match a_host.strip_prefix("*.") {
            Some(suffix) => host.ends_with(&format!(".{suffix}")),
            None => host == a_host,
        };
        a_scheme == scheme && host_ok && a.port_u16() == port
    })
}

/// The sender. Cheap to clone; [`Pusher::wake`] after queueing.
#[derive(Clone)]
pub struct Pusher {
    wake: Arc<Notify>,
    pub vapid: Vapid,
    /// What the worker has done, and whether it still runs (for `/metrics` and `/healthz`).
    pub stats: Arc<PushStats>,
}

/// The worker's outcomes since start, and its heartbeat.
#[derive(Debug, Default)]
pub struct PushStats {
    pub sent: AtomicU64,
    pub retried: AtomicU64,
    pub failed: AtomicU64,
    pub gone: AtomicU64,
    /// When the worker last moved (ms since the epoch).
    pub heartbeat_ms: AtomicI64,
    /// Set when the worker's task ends (it never returns: only a panic or the runtime stopping).
    pub ended: AtomicBool,
}

impl PushStats {
    fn beat(&self) {
        self.heartbeat_ms.store(now_ms(), Ordering::Relaxed);
    }
}

/// Marks the worker ended when its task is dropped, by a panic or by the runtime.
struct EndGuard(Arc<PushStats>);

impl Drop for EndGuard {
    fn drop(&mut self) {
        self.0.ended.store(true, Ordering::SeqCst);
    }
}

impl Pusher {
    /// Starts the sender on the current actix runtime.
    pub fn start(db: Db, config: Arc<Config>, vapid: Vapid) -> Pusher {
        let wake = Arc::new(Notify::new());
        let stats = Arc::new(PushStats::default());
        stats.beat();
        let p = Pusher {
            wake: wake.clone(),
            vapid: vapid.clone(),
            stats: stats.clone(),
        };
        actix_web::rt::spawn(run(db, config, vapid, wake, stats));
        p
    }

    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// `Ok` while the worker runs and moves; else why not, in one line for `/healthz`.
    pub fn health(&self) -> Result<(), String> {
        if self.stats.ended.load(Ordering::SeqCst) {
            return Err("the push worker has stopped".into());
        }
        let silent_ms = now_ms() - self.stats.heartbeat_ms.load(Ordering::Relaxed);
        if silent_ms > STUCK_AFTER.as_millis() as i64 {
            return Err(format!(
                "the push worker has not moved for {} s",
                silent_ms / 1000
            ));
        }
        Ok(())
    }
}

/// Queues one message per subscription of `user_ids` (inside the caller's transaction).
pub fn enqueue(
    conn: &mut crate::db::DbConn,
    user_ids: &[String],
    notice_id: Option<&str>,
    payload: &serde_json::Value,
    urgent: bool,
) -> Result<usize, AppError> {
    let subs = notices::subscriptions_of_users(conn, user_ids)?;
    enqueue_to(conn, &subs, notice_id, payload, urgent)
}

/// Queues a push to each of these subscriptions (as [`enqueue`], the subscriptions already read).
pub fn enqueue_to(
    conn: &mut crate::db::DbConn,
    subs: &[notices::Subscription],
    notice_id: Option<&str>,
    payload: &serde_json::Value,
    urgent: bool,
) -> Result<usize, AppError> {
    if subs.is_empty() {
        return Ok(0);
    }
    let now = now_ms();
    let payload = payload.to_string();
    let jobs: Vec<PushJob> = subs
        .iter()
        .map(|s| PushJob {
            id: new_id(),
            subscription_id: s.id.clone(),
            user_id: s.user_id.clone(),
            notice_id: notice_id.map(str::to_string),
            payload: payload.clone(),
            urgency: if urgent { "high" } else { "normal" }.into(),
            state: "pending".into(),
            attempts: 0,
            next_attempt_at: now,
            last_status: None,
            created_at: now,
            finished_at: None,
        })
        .collect();
    notices::enqueue(conn, &jobs)?;
    Ok(jobs.len())
}

async fn run(db: Db, config: Arc<Config>, vapid: Vapid, wake: Arc<Notify>, stats: Arc<PushStats>) {
    let _ended = EndGuard(stats.clone());
    // Redirects are not followed: a push service's 3xx could otherwise send the encrypted payload
    // to an address outside the allow-list (a 307 re-posted pushes to loopback, issue 18).
    let client = awc::Client::builder()
        .disable_redirects()
        .timeout(Duration::from_secs(20))
        .max_http_version(awc::http::Version::HTTP_11)
        .finish();
    let signatures = SignatureCache::default();
    loop {
        stats.beat();
        let batch = db
            .read(|conn| {
                let jobs = notices::due_jobs(conn, now_ms(), 1024)?;
                let ids: Vec<String> = jobs.iter().map(|j| j.subscription_id.clone()).collect();
                let subs = notices::subscriptions_by_ids(conn, &ids)?;
                Ok((jobs, subs))
            })
            .await;
        let (jobs, subs) = match batch {
            Ok(b) => b,
            Err(e) => {
                tracing::error!(error = %e, "push queue unreadable; retrying");
                tokio::time::sleep(Duration::from_secs(5)).await;
                continue;
            }
        };
        if jobs.is_empty() {
            let next = db
                .read(|conn| Ok(notices::next_due(conn)?))
                .await
                .ok()
                .flatten();
            // Woken at once by a sent notice; alerts raised by the sync engine are picked up by
            // this poll (an indexed query every 2 s when idle).
            let wait = next
                .map(|t| (t - now_ms()).clamp(10, 2_000) as u64)
                .unwrap_or(2_000);
            let _ = tokio::time::timeout(Duration::from_millis(wait), wake.notified()).await;
            continue;
        }
        let subs: HashMap<String, notices::Subscription> =
            subs.into_iter().map(|s| (s.id.clone(), s)).collect();
        // Send the batch (bounded concurrency), then record every outcome in one transaction. A crash
        // in between sends those messages again: push is at-least-once, and the tablet shows one
        // notification per notice (the tag is the notice id).
        let results: Vec<Sent> = futures_util::stream::iter(jobs)
            .map(|job| {
                let sub = subs.get(&job.subscription_id).cloned();
                send(&config, &vapid, &client, &signatures, job, sub)
            })
            .buffer_unordered(config.push_concurrency)
            .inspect(|_| stats.beat())
            .collect()
            .await;
        let base = config.push_retry_base_ms as i64;
        match db
            .write(move |conn| record_outcomes(conn, results, base))
            .await
        {
            // Counted once recorded: a batch whose outcomes were not recorded is sent again.
            Ok(t) => {
                stats.sent.fetch_add(t.sent, Ordering::Relaxed);
                stats.retried.fetch_add(t.retried, Ordering::Relaxed);
                stats.failed.fetch_add(t.failed, Ordering::Relaxed);
                stats.gone.fetch_add(t.gone, Ordering::Relaxed);
            }
            Err(e) => {
                tracing::error!(error = %e, "push outcomes not recorded; the batch will be sent again");
                tokio::time::sleep(Duration::from_secs(5)).await;
            }
        }
    }
}

/// How a batch's pushes ended, for [`PushStats`].
#[derive(Default)]
struct Tally {
    sent: u64,
    retried: u64,
    failed: u64,
    gone: u64,
}

enum Outcome {
    Sent,
    Gone,
    Retry(Option<u16>),
    Failed(u16),
}

type Sent = (PushJob, Option<notices::Subscription>, Outcome);

async fn send(
    config: &Config,
    vapid: &Vapid,
    client: &awc::Client,
    signatures: &SignatureCache,
    job: PushJob,
    sub: Option<notices::Subscription>,
) -> Sent {
    let outcome = match &sub {
        None => Outcome::Gone,
        Some(s) => match post(config, vapid, client, signatures, s, &job).await {
            Ok(status) if (200..300).contains(&status) => Outcome::Sent,
            Ok(404 | 410) => Outcome::Gone,
            Ok(status) if status == 429 || status >= 500 => Outcome::Retry(Some(status)),
            Ok(status) => Outcome::Failed(status),
            Err(e) => {
                tracing::warn!(job = %job.id, error = %e, "push request failed");
                Outcome::Retry(None)
            }
        },
    };
    (job, sub, outcome)
}

fn record_outcomes(
    conn: &mut crate::db::DbConn,
    results: Vec<Sent>,
    base: i64,
) -> Result<Tally, AppError> {
    let now = now_ms();
    let mut tally = Tally::default();
    for (job, sub, outcome) in results {
        let Some(sub) = sub else {
            notices::finish_job(conn, &job.id, "gone", None, now)?;
            tally.gone += 1;
            continue;
        };
        // For the log lines only (the push service, never the whole endpoint).
        let host = || {
            sub.endpoint
                .parse::<awc::http::Uri>()
                .ok()
                .and_then(|u| u.host().map(str::to_string))
                .unwrap_or_default()
        };
        match outcome {
            Outcome::Sent => {
                tally.sent += 1;
                let finished = notices::finish_job(conn, &job.id, "done", Some(201), now)?;
                if sub.failing_since.is_some() {
                    notices::set_failing(conn, &sub.id, None)?;
                }
                if let (true, Some(n)) = (finished, &job.notice_id) {
                    notices::mark_delivered(conn, std::slice::from_ref(n), &job.user_id, now)?;
                }
            }
            Outcome::Gone => {
                tally.gone += 1;
                tracing::info!(job = %job.id, host = %host(), "push subscription gone; removed");
                notices::finish_job(conn, &job.id, "gone", Some(410), now)?;
                notices::delete_subscription(conn, &sub.id)?;
                notices::drop_jobs_of_subscription(conn, &sub.id, now)?;
            }
            Outcome::Retry(status) if job.attempts + 1 < MAX_ATTEMPTS => {
                tally.retried += 1;
                let delay = base.saturating_mul(1 << job.attempts.min(20));
                tracing::info!(job = %job.id, host = %host(), ?status, attempt = job.attempts + 1, "push will be retried");
                notices::retry_job(conn, &job.id, status.map(i32::from), now + delay)?;
            }
            Outcome::Retry(status) => {
                tally.failed += 1;
                tracing::warn!(job = %job.id, host = %host(), ?status, "push failed after {MAX_ATTEMPTS} attempts; subscription marked failing");
                notices::finish_job(conn, &job.id, "failed", status.map(i32::from), now)?;
                notices::set_failing(conn, &sub.id, Some(now))?;
            }
            Outcome::Failed(status) => {
                tally.failed += 1;
                tracing::warn!(job = %job.id, host = %host(), status, "push refused by the push service");
                notices::finish_job(conn, &job.id, "failed", Some(status.into()), now)?;
            }
        }
    }
    Ok(tally)
}

/// One VAPID JWT per push-service origin, reused for an hour (the JWT is valid for 12 hours):
/// signing every message would cost an ECDSA signature per push.
#[derive(Default)]
struct SignatureCache(std::sync::Mutex<HashMap<String, (web_push::VapidSignature, Instant)>>);

impl SignatureCache {
    fn get(
        &self,
        aud: &str,
        make: impl FnOnce() -> Result<web_push::VapidSignature, String>,
    ) -> Result<web_push::VapidSignature, String> {
        let mut m = self.0.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((sig, at)) = m.get(aud)
            && at.elapsed() < Duration::from_secs(3600)
        {
            return Ok(sig.clone());
        }
        let sig = make()?;
        m.insert(aud.to_string(), (sig.clone(), Instant::now()));
        Ok(sig)
    }
}

/// Encrypts and signs the message and posts it; the HTTP status.
async fn post(
    config: &Config,
    vapid: &Vapid,
    client: &awc::Client,
    signatures: &SignatureCache,
    sub: &notices::Subscription,
    job: &PushJob,
) -> Result<u16, String> {
    let info = SubscriptionInfo::new(
        sub.endpoint.as_str(),
        sub.p256dh.as_str(),
        sub.auth.as_str(),
    );
    let uri: awc::http::Uri = sub.endpoint.parse().map_err(|_| "bad endpoint")?;
    // The audience is the push service's origin, port included (the crate's default drops it).
    let aud = match (uri.scheme_str(), uri.authority()) {
        (Some(s), Some(a)) => format!("{s}://{a}"),
        _ => return Err("bad endpoint".into()),
    };
    let sig = signatures.get(&aud, || {
        let mut sig =
            VapidSignatureBuilder::from_base64(&vapid.private, &info).map_err(|e| e.to_string())?;
        sig.add_claim("aud", aud.as_str());
        sig.add_claim("sub", config.push_contact.as_str());
        sig.build().map_err(|e| e.to_string())
    })?;
    let mut b = WebPushMessageBuilder::new(&info);
    b.set_payload(ContentEncoding::Aes128Gcm, job.payload.as_bytes());
    b.set_vapid_signature(sig);
    b.set_ttl(4 * 7 * 24 * 3600);
    b.set_urgency(if job.urgency == "high" {
        Urgency::High
    } else {
        Urgency::Normal
    });
    let msg = b.build().map_err(|e| e.to_string())?;
    let mut req = client
        .post(sub.endpoint.as_str())
        .insert_header(("TTL", msg.ttl.to_string()));
    if let Some(u) = msg.urgency {
        req = req.insert_header(("Urgency", u.to_string()));
    }
    let body = match msg.payload {
        Some(p) => {
            req = req
                .insert_header(("Content-Encoding", p.content_encoding.to_str()))
                .insert_header(("Content-Type", "application/octet-stream"));
            for (k, v) in p.crypto_headers {
                req = req.insert_header((k, v));
            }
            p.content
        }
        None => Vec::new(),
    };
    let resp = req.send_body(body).await.map_err(|e| e.to_string())?;
    Ok(resp.status().as_u16())
}
