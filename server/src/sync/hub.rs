//! The hub: loaded documents, who is subscribed to which, and the group committer.
//!
//! - Documents are loaded on first use from their stored chunks (a tablet's all at once at its first
//!   request; any other through the loader, which reads those asked for at the same moment in one
//!   query) and evicted after [`Limits::idle_evict`] with no subscriber. Each has an async lock: all
//!   mutations of one document are serialized, including the database write that makes them durable.
//! - `subscribers` maps a document to the connections that synced it (no scan over all connections).
//!   A change wakes exactly those, and each answers with its own sync state.
//! - The committer (its own thread) takes [`CommitJob`]s from every connection and writes whatever
//!   has queued up in one transaction (group commit), so durability costs one fsync per batch, not
//!   per change.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use automerge::Automerge;
use tokio::sync::{mpsc, oneshot, watch};

use super::DocumentId;
use super::schema::Projection;
use crate::db::documents::{self, ContactRecord, DataProblem, ReviewRecord};
use crate::db::{Db, DbConn, directory, now_ms, review};
use crate::error::AppError;

/// Tunables of the engine.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Evict a loaded document after this long without subscribers.
    pub idle_evict: Duration,
    /// Compact (write a snapshot, drop the increments) past this many increments.
    pub compact_after_increments: usize,
    /// Largest WebSocket frame accepted (a sync message may carry a whole document).
    pub max_frame_bytes: usize,
    /// Residents awaiting approval one commissioner may have registered from tablets.
    pub max_pending_residents: u32,
    /// Documents kept in memory at most: past it, the least recently used that nothing is using
    /// are dropped (subscribed or not) and reload from storage when next needed.
    pub max_loaded_docs: usize,
    /// Open sync sockets one user may hold at once ([`Hub::socket_permit`]).
    pub max_sockets_per_user: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            idle_evict: Duration::from_secs(60),
            compact_after_increments: 64,
            max_frame_bytes: 16 * 1024 * 1024,
            max_pending_residents: 20,
            max_loaded_docs: 20_000,
            max_sockets_per_user: 16,
        }
    }
}

/// One open sync socket of a user, counted by the hub until it is dropped (with its connection).
pub struct SocketPermit {
    hub: std::sync::Weak<Inner>,
    user_id: Box<str>,
}

impl Drop for SocketPermit {
    fn drop(&mut self) {
        if let Some(h) = self.hub.upgrade() {
            let mut open = lock(&h.sockets);
            if let Some(n) = open.get_mut(&*self.user_id) {
                *n -= 1;
                if *n == 0 {
                    open.remove(&*self.user_id);
                }
            }
        }
    }
}

pub type ConnId = u64;

/// No connection (ids start at 1): [`Hub::notify`] for a change that came from none of ours.
pub const NO_CONNECTION: ConnId = 0;

/// Documents up to this size load on the async thread; bigger ones on the blocking pool.
const INLINE_LOAD_BYTES: usize = 256 * 1024;

/// Tablets with at most this many documents get them all loaded at their first request.
pub const PRELOAD_MAX_DOCS: usize = 64;

/// What the hub tells a connection.
#[derive(Debug, Clone)]
pub enum ConnEvent {
    /// Another peer changed this document: send your sync message.
    DocChanged(DocumentId),
}

/// Whose a document is: what its changes may project to, and who may sync it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Owner {
    /// A resident's document (contacts, profile, review marks).
    Resident(String),
    /// A commissioner's own activity log (by user id): only its owner syncs it.
    ActivityLog(String),
}

/// A loaded document and what we know of its storage.
pub struct LoadedDoc {
    pub doc: Automerge,
    /// Stored increments since the last snapshot (compaction replaces them all).
    pub increments: usize,
    /// Another server process changed the document while changes here waited for a dependency:
    /// this copy lacks that change and is dropped as soon as nothing waits (see [`Hub::changed_elsewhere`]).
    pub stale: bool,
}

impl LoadedDoc {
    pub fn new(doc: Automerge, increments: usize) -> LoadedDoc {
        LoadedDoc {
            doc,
            increments,
            stale: false,
        }
    }

    /// A document loaded from its stored `chunks`.
    fn stored(doc: Automerge, chunks: &[documents::Chunk]) -> LoadedDoc {
        let increments = chunks.iter().filter(|c| c.kind == "incremental").count();
        LoadedDoc::new(doc, increments)
    }

    /// Whether received changes wait here for a dependency. They exist only in this copy — not
    /// stored yet (they are, with the change that completes them), and the peer that sent them
    /// counts them as sent and will not send them again — so this copy must not be dropped.
    pub fn waiting(&self) -> bool {
        !automerge::ReadDoc::get_missing_deps(&self.doc, &[]).is_empty()
    }
}

/// A document slot: `None` until loaded, or after an error threw the in-memory copy away.
pub struct DocSlot {
    /// Shared so that a connection can hold the lock while its answer waits for the committer
    /// (see `Held` in [`super::connection`]).
    pub doc: Arc<tokio::sync::Mutex<Option<LoadedDoc>>>,
    last_used: Mutex<Instant>,
}

/// What the committer writes.
pub enum CommitJob {
    /// New changes of a document, and the rows they project to.
    Changes {
        doc_id: String,
        chunk: Vec<u8>,
        owner: Owner,
        projection: Box<Projection>,
        delivered_by_user_id: String,
        delivered_by_device_id: Option<String>,
        /// Whether the delivering user may write review marks (a district lead).
        may_review: bool,
    },
    /// Merge the document's stored chunks into one snapshot that replaces them. From what is stored,
    /// not from memory: with several server processes, another may have stored a chunk that this
    /// one's copy has not seen yet.
    Compact { doc_id: String },
    /// A peer's sync states: (document id, encoded state) for one storage id.
    SyncStates {
        storage_id: String,
        states: Vec<(String, Vec<u8>)>,
    },
}

/// What the jobs of one batch read once and share: the batch is one transaction, so nothing read
/// here changes under it.
#[derive(Default)]
pub struct BatchMemo {
    /// District → its snowfall days of the last 60 days (the alert rules' input).
    snow: HashMap<String, Vec<String>>,
    /// District → its leads' push subscriptions (who hears of a new alert).
    lead_subscriptions: HashMap<String, Vec<crate::db::notices::Subscription>>,
    /// Residents whose new contacts could set off an escalation rule, each with the earliest
    /// `occurred_at` of those contacts: the rules judge every contact of the resident from then on,
    /// for all of them at once, after the batch's rows are written ([`raise_alerts`]).
    may_alert: HashMap<String, String>,
}

/// Writes a batch of jobs in one transaction: the new changes of every document as one statement,
/// each job's rows, the residents' "last change" as one statement, and the announcement to the
/// other server processes.
fn apply_batch(
    conn: &mut DbConn,
    node: &str,
    jobs: &[CommitJob],
    now: i64,
) -> Result<(), AppError> {
    let chunks: Vec<(&str, &[u8])> = jobs
        .iter()
        .filter_map(|j| match j {
            CommitJob::Changes { doc_id, chunk, .. } => Some((doc_id.as_str(), chunk.as_slice())),
            _ => None,
        })
        .collect();
    documents::insert_increments(conn, &chunks, now)?;
    let mut memo = BatchMemo::default();
    let mut changed = Vec::new();
    for job in jobs {
        if let Some(resident_id) = job.apply(conn, now, &mut memo)? {
            changed.push(resident_id);
        }
    }
    raise_alerts(conn, now, &mut memo)?;
    documents::mark_doc_changed(conn, &changed, now)?;
    announce(conn, node, jobs)
}

impl CommitJob {
    /// Writes what this job projects to (its chunk is written by [`apply_batch`]); returns the
    /// resident whose document changed, if any.
    fn apply<'a>(
        &'a self,
        conn: &mut DbConn,
        now: i64,
        memo: &mut BatchMemo,
    ) -> Result<Option<&'a str>, AppError> {
        match self {
            CommitJob::Changes {
                doc_id,
                owner,
                projection,
                delivered_by_user_id,
                delivered_by_device_id,
                may_review,
                ..
            } => {
                let resident_id = match owner {
                    Owner::Resident(r) => r,
                    Owner::ActivityLog(user_id) => {
                        // Only the activities count; anything else written there is ignored.
                        let rows: Vec<(String, String, String)> = projection
                            .activities
                            .iter()
                            .map(|a| (a.id.clone(), a.day.clone(), a.kind.clone()))
                            .collect();
                        // The entry's key is the tablet's to choose: only the document is named.
                        for p in &projection.problems {
                            tracing::warn!(doc = %doc_id, problem = %p.problem, "activity log entry skipped");
                        }
                        crate::db::activities::apply(conn, user_id, &rows, now)?;
                        crate::db::activities::remove(
                            conn,
                            user_id,
                            &projection.removed_activities,
                        )?;
                        return Ok(None);
                    }
                };
                let mut projection = projection.as_ref().clone();
                if !may_review {
                    set_aside_reviews(&mut projection);
                }
                write_projection(
                    conn,
                    resident_id,
                    &projection,
                    delivered_by_user_id,
                    delivered_by_device_id.as_deref(),
                    now,
                    memo,
                )?;
                Ok(Some(resident_id))
            }
            CommitJob::Compact { doc_id } => {
                let chunks = documents::load_chunks(conn, doc_id)?;
                if chunks.len() < 2 {
                    return Ok(None);
                }
                let snapshot = Automerge::load(&documents::joined(&chunks))
                    .map_err(|e| AppError::internal(format!("stored document does not load: {e}")))?
                    .save();
                let ids: Vec<i64> = chunks.iter().map(|c| c.id).collect();
                documents::replace_with_snapshot(conn, doc_id, &ids, &snapshot, now)?;
                Ok(None)
            }
            CommitJob::SyncStates { storage_id, states } => {
                documents::save_sync_states(conn, storage_id, states, now)?;
                Ok(None)
            }
        }
    }
}

/// Only a lead marks reviews (D7): a mark delivered by anyone else is kept out of the review table
/// and recorded as a problem the lead can see. Every path that projects a document a non-lead
/// delivered calls this — a synced change and a resident registered from a tablet alike.
pub fn set_aside_reviews(projection: &mut Projection) {
    for r in projection.reviews.drain(..) {
        projection.problems.push(crate::sync::schema::Problem {
            entry_kind: "review",
            entry_id: r.contact_id,
            problem: "mark: written by someone who is not a lead".into(),
        });
    }
}

/// Writes a document's projection: new rows carry `now` and the delivering user and device. The
/// resident's "last change" is the caller's to set (the committer sets a whole batch's at once), and
/// so is running the escalation rules ([`raise_alerts`]) once the batch's projections are written.
pub fn write_projection(
    conn: &mut DbConn,
    resident_id: &str,
    projection: &Projection,
    user_id: &str,
    device_id: Option<&str>,
    now: i64,
    memo: &mut BatchMemo,
) -> Result<(), AppError> {
    let contacts = projection
        .contacts
        .iter()
        .map(|c| ContactRecord {
            resident_id: resident_id.to_string(),
            id: c.id.clone(),
            occurred_at: c.occurred_at.clone(),
            author_id: c.author_id.clone(),
            kind: c.kind.clone(),
            outcome: c.outcome.clone(),
            checks: c.checks.clone(),
            concern: c.concern.clone(),
            activity: c.activity.clone(),
            note: c.note.clone(),
            follow_up: c.follow_up,
            delivered_by_user_id: user_id.to_string(),
            delivered_by_device_id: device_id.map(str::to_string),
            received_at: now,
            updated_at: now,
        })
        .collect();
    let reviews = projection
        .reviews
        .iter()
        .map(|r| ReviewRecord {
            resident_id: resident_id.to_string(),
            contact_id: r.contact_id.clone(),
            mark: r.mark.clone(),
            comment: r.comment.clone(),
            by_id: r.by.clone(),
            at: r.at.clone(),
            delivered_by_user_id: user_id.to_string(),
            received_at: now,
            updated_at: now,
        })
        .collect();
    let problems = projection
        .problems
        .iter()
        .map(|p| DataProblem {
            resident_id: resident_id.to_string(),
            entry_kind: p.entry_kind.to_string(),
            entry_id: p.entry_id.clone(),
            problem: p.problem.clone(),
            delivered_by_user_id: user_id.to_string(),
            detected_at: now,
        })
        .collect();
    let profile = projection
        .profile
        .as_ref()
        .map(|p| (p.name.as_str(), p.kana.as_str(), p.address.as_str()));
    documents::apply_projection(conn, resident_id, profile, contacts, reviews, problems, now)?;
    let earliest = projection
        .contacts
        .iter()
        .filter(|c| {
            let checks = serde_json::from_str(&c.checks).unwrap_or_default();
            crate::domain::alerts::could_fire(&c.concern, &checks)
        })
        .map(|c| c.occurred_at.as_str())
        .min();
    if let Some(earliest) = earliest {
        let since = memo
            .may_alert
            .entry(resident_id.to_string())
            .or_insert_with(|| earliest.to_string());
        if earliest < since.as_str() {
            *since = earliest.to_string();
        }
    }
    Ok(())
}

/// Runs the escalation rules ([`crate::domain::alerts`]) for the residents in `memo.may_alert` and
/// records what they raise (once per rule and contact), for all of them at once: a statement each
/// for their districts, their contacts and the new alerts, however many residents there are (on
/// PostgreSQL each statement is a round trip).
///
/// Every contact is judged in the order things happened, not the order they arrived: each contact
/// from the earliest new one that could set off a rule onwards is evaluated as the newest, with the
/// contacts that happened before it. A 至急 record synced after a newer routine visit, a late
/// 電気 + 応答なし, a batch of an urgent record and its follow-up — each raises what it would have
/// raised arriving in time; a contact that now completes a run (郵便受け twice) with a late one
/// raises too. Re-judging a contact raises nothing twice (one alert per resident, rule and contact).
pub fn raise_alerts(conn: &mut DbConn, now: i64, memo: &mut BatchMemo) -> Result<(), AppError> {
    use crate::domain::alerts::{CONTEXT, Signal, evaluate};
    let may_alert = std::mem::take(&mut memo.may_alert);
    if may_alert.is_empty() {
        return Ok(());
    }
    let mut ids: Vec<String> = may_alert.keys().cloned().collect();
    ids.sort_unstable();
    let districts = directory::districts_of_residents(conn, &ids)?;
    let mut contacts = review::contacts_from(conn, &may_alert, CONTEXT)?;
    let mut candidates = Vec::new();
    for resident_id in &ids {
        let Some(district_id) = districts.get(resident_id) else {
            continue;
        };
        let since = &may_alert[resident_id];
        let newest_first: Vec<Signal> = contacts
            .remove(resident_id)
            .unwrap_or_default()
            .into_iter()
            .map(|c| Signal {
                checks: serde_json::from_str(&c.checks).unwrap_or_default(),
                contact_id: c.id,
                occurred_at: c.occurred_at,
                outcome: c.outcome,
                concern: c.concern,
            })
            .collect();
        if !memo.snow.contains_key(district_id) {
            let since = crate::domain::Date::today_jst(now - 60 * 86_400_000).to_string();
            let days = review::snowfall_days_since(conn, district_id, &since)?;
            memo.snow.insert(district_id.clone(), days);
        }
        for (i, judged) in newest_first.iter().enumerate() {
            if judged.occurred_at.as_str() < since.as_str() {
                break;
            }
            let context = &newest_first[i..(i + CONTEXT).min(newest_first.len())];
            for (rule, contact_id) in evaluate(context, &memo.snow[district_id]) {
                candidates.push(review::Alert {
                    id: crate::db::new_id(),
                    resident_id: resident_id.clone(),
                    district_id: district_id.clone(),
                    rule: rule.code.to_string(),
                    route: rule.route.code().to_string(),
                    contact_id,
                    status: "open".into(),
                    raised_at: now,
                    acknowledged_by: None,
                    acknowledged_at: None,
                    closed_by: None,
                    closed_at: None,
                    close_note: None,
                });
            }
        }
    }
    if candidates.is_empty() {
        return Ok(());
    }
    let raised: HashSet<String> = review::raise_alerts(conn, &candidates)?
        .into_iter()
        .collect();
    for alert in candidates.iter().filter(|a| raised.contains(&a.id)) {
        tracing::info!(resident = %alert.resident_id, rule = %alert.rule, "alert raised");
        // The district's leads get a push: the alert id and a fixed title saying it is about someone
        // in their district, never who (no name, address or note).
        if !memo.lead_subscriptions.contains_key(&alert.district_id) {
            let leads = directory::district_leads(conn, &alert.district_id)?;
            let subs = crate::db::notices::subscriptions_of_users(conn, &leads)?;
            memo.lead_subscriptions
                .insert(alert.district_id.clone(), subs);
        }
        let urgent = matches!(alert.route.as_str(), "110" | "119");
        let payload = serde_json::json!({
            "alert": alert.id,
            "title": "見守りの注意：地区の対象者について確認をお願いします",
            "priority": if urgent { "urgent" } else { "important" },
        });
        crate::push::enqueue_to(
            conn,
            &memo.lead_subscriptions[&alert.district_id],
            None,
            &payload,
            urgent,
        )?;
    }
    Ok(())
}

type Pending = (CommitJob, oneshot::Sender<Result<(), String>>);

/// A job queued for the committer ([`Hub::submit`]): its outcome, once committed or failed.
pub type Committing = oneshot::Receiver<Result<(), String>>;

/// A read of one document's stored chunks, for [`run_loader`].
type ChunkRead = (
    String,
    oneshot::Sender<Result<Vec<documents::Chunk>, String>>,
);

/// Reads gathered into one query at most.
const LOADER_BATCH: usize = 500;

/// Counters for benchmarks and health.
#[derive(Debug, Default)]
pub struct Stats {
    pub loads: AtomicU64,
    pub evictions: AtomicU64,
    pub commits: AtomicU64,
    pub commit_batches: AtomicU64,
    /// Documents another server process announced as changed.
    pub changed_elsewhere: AtomicU64,
}

struct Inner {
    db: Db,
    peer_id: String,
    storage_id: String,
    limits: Limits,
    docs: Mutex<HashMap<DocumentId, Arc<DocSlot>>>,
    subscribers: Mutex<HashMap<DocumentId, HashMap<ConnId, mpsc::UnboundedSender<ConnEvent>>>>,
    /// peer id → (session id, connection) of the live connection that bound it.
    peers: Mutex<HashMap<String, (String, ConnId)>>,
    next_conn: AtomicU64,
    committer: mpsc::UnboundedSender<Pending>,
    loader: mpsc::UnboundedSender<ChunkRead>,
    /// Changes whenever access may have changed (see `access::changed`).
    epoch: watch::Sender<String>,
    stats: Stats,
    /// Open sync sockets per user ([`SocketPermit`]).
    sockets: Mutex<HashMap<String, usize>>,
}

/// One per process; cheap to clone.
#[derive(Clone)]
pub struct Hub(Arc<Inner>);

/// A [`Hub`] that may be gone.
#[derive(Clone)]
pub struct WeakHub(std::sync::Weak<Inner>);

impl WeakHub {
    pub fn upgrade(&self) -> Option<Hub> {
        self.0.upgrade().map(Hub)
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Hub {
    /// Starts the hub's committer and sweeper on the current tokio runtime. The server's storage id
    /// is made once and kept in the database.
    pub async fn start(db: Db, limits: Limits) -> Result<Hub, AppError> {
        let storage_id = db
            .write(|conn| {
                if let Some(id) = directory::get_setting(conn, "sync.storage_id")? {
                    return Ok(id);
                }
                let id = uuid::Uuid::new_v4().to_string();
                directory::put_setting(conn, "sync.storage_id", &id)?;
                Ok(id)
            })
            .await?;
        let (tx, rx) = mpsc::unbounded_channel();
        let (loader, loads) = mpsc::unbounded_channel();
        let (epoch, _) = watch::channel(String::new());
        let hub = Hub(Arc::new(Inner {
            db: db.clone(),
            peer_id: format!(
                "mimamori-{}",
                &uuid::Uuid::new_v4().simple().to_string()[..12]
            ),
            storage_id,
            limits,
            docs: Mutex::new(HashMap::new()),
            subscribers: Mutex::new(HashMap::new()),
            peers: Mutex::new(HashMap::new()),
            next_conn: AtomicU64::new(1),
            committer: tx,
            loader,
            epoch,
            stats: Stats::default(),
            sockets: Mutex::new(HashMap::new()),
        }));
        // The committer is a plain thread: it blocks on the database, batch after batch.
        let weak = Arc::downgrade(&hub.0);
        let node = hub.0.peer_id.clone();
        let listen_url = db.postgres_url().map(str::to_string);
        std::thread::Builder::new()
            .name("mimamori-committer".into())
            .spawn(move || run_committer(db, node, rx, weak))
            .map_err(AppError::internal)?;
        if let Some(url) = listen_url {
            tokio::spawn(super::fanout::listen(hub.downgrade(), url));
        }
        tokio::spawn(run_loader(hub.0.db.clone(), loads));
        tokio::spawn(run_sweeper(Arc::downgrade(&hub.0)));
        tokio::spawn(run_epoch_poller(Arc::downgrade(&hub.0)));
        Ok(hub)
    }

    /// A handle that does not keep the hub alive (for background tasks).
    pub fn downgrade(&self) -> WeakHub {
        WeakHub(Arc::downgrade(&self.0))
    }

    /// Another server process committed changes to `doc`: the copy here (if any) is dropped, to
    /// be reloaded with them, and its subscribers here are woken to send their peers what is new.
    pub async fn changed_elsewhere(&self, doc: DocumentId) {
        let slot = lock(&self.0.docs).get(&doc).cloned();
        if let Some(slot) = slot {
            let mut guard = slot.doc.lock().await;
            match guard.as_mut() {
                // Kept until what waits applies; the connection that completes it drops it then.
                Some(loaded) if loaded.waiting() => loaded.stale = true,
                _ => *guard = None,
            }
        }
        self.0
            .stats
            .changed_elsewhere
            .fetch_add(1, Ordering::Relaxed);
        self.notify(doc, NO_CONNECTION);
    }

    /// [`Hub::changed_elsewhere`] for every document in memory (announcements may have been
    /// missed while not listening).
    pub async fn all_changed_elsewhere(&self) {
        let docs: Vec<DocumentId> = lock(&self.0.docs).keys().copied().collect();
        for doc in docs {
            self.changed_elsewhere(doc).await;
        }
    }

    pub fn db(&self) -> &Db {
        &self.0.db
    }
    pub fn peer_id(&self) -> &str {
        &self.0.peer_id
    }
    pub fn storage_id(&self) -> &str {
        &self.0.storage_id
    }
    pub fn limits(&self) -> &Limits {
        &self.0.limits
    }
    pub fn stats(&self) -> &Stats {
        &self.0.stats
    }

    /// Documents currently in memory.
    pub fn loaded_docs(&self) -> usize {
        lock(&self.0.docs).len()
    }

    /// Wakes when access may have changed anywhere (this process, another node, the CLI).
    pub fn access_epoch(&self) -> watch::Receiver<String> {
        self.0.epoch.subscribe()
    }

    pub fn new_conn_id(&self) -> ConnId {
        self.0.next_conn.fetch_add(1, Ordering::Relaxed)
    }

    /// Binds `peer_id` to a session. `false` when another session holds it on a live connection.
    pub fn bind_peer(&self, peer_id: &str, session_id: &str, conn: ConnId) -> bool {
        let mut peers = lock(&self.0.peers);
        match peers.get(peer_id) {
            Some((s, _)) if s != session_id => false,
            _ => {
                peers.insert(peer_id.to_string(), (session_id.to_string(), conn));
                true
            }
        }
    }

    /// Forgets a connection: its peer binding and its subscriptions.
    pub fn disconnect(
        &self,
        peer_id: Option<&str>,
        conn: ConnId,
        docs: impl Iterator<Item = DocumentId>,
    ) {
        if let Some(p) = peer_id {
            let mut peers = lock(&self.0.peers);
            if peers.get(p).is_some_and(|(_, c)| *c == conn) {
                peers.remove(p);
            }
        }
        for d in docs {
            self.unsubscribe(d, conn);
        }
    }

    pub fn subscribe(&self, doc: DocumentId, conn: ConnId, tx: mpsc::UnboundedSender<ConnEvent>) {
        lock(&self.0.subscribers)
            .entry(doc)
            .or_default()
            .insert(conn, tx);
    }

    pub fn unsubscribe(&self, doc: DocumentId, conn: ConnId) {
        let mut subs = lock(&self.0.subscribers);
        if let Some(m) = subs.get_mut(&doc) {
            m.remove(&conn);
            if m.is_empty() {
                subs.remove(&doc);
            }
        }
    }

    /// Wakes every subscriber of `doc` but `except`.
    pub fn notify(&self, doc: DocumentId, except: ConnId) {
        let subs = lock(&self.0.subscribers);
        if let Some(m) = subs.get(&doc) {
            for (id, tx) in m {
                if *id != except {
                    let _ = tx.send(ConnEvent::DocChanged(doc));
                }
            }
        }
    }

    /// The slot of a document (not necessarily loaded yet).
    pub fn slot(&self, doc: DocumentId) -> Arc<DocSlot> {
        let mut docs = lock(&self.0.docs);
        let slot = match docs.get(&doc) {
            Some(slot) => slot.clone(),
            None => {
                let slot = Arc::new(DocSlot {
                    doc: Arc::new(tokio::sync::Mutex::new(None)),
                    last_used: Mutex::new(Instant::now()),
                });
                docs.insert(doc, slot.clone());
                if docs.len() > self.0.limits.max_loaded_docs {
                    self.shed(&mut docs);
                }
                slot
            }
        };
        *lock(&slot.last_used) = Instant::now();
        slot
    }

    /// Drops the least recently used documents, down to nine tenths of the limit (so that this
    /// scan runs once per tenth of the limit, not at every load), among those nobody is using: no
    /// one holds the slot (a connection between finding it and locking it, a preload) and no
    /// changes wait in it for a dependency ([`LoadedDoc::waiting`]). Everything in memory is stored,
    /// so a dropped document reloads as it was; its subscribers stay subscribed.
    fn shed(&self, docs: &mut HashMap<DocumentId, Arc<DocSlot>>) {
        let excess = docs.len() - self.0.limits.max_loaded_docs * 9 / 10;
        let mut idle: Vec<(Instant, DocumentId)> = docs
            .iter()
            .filter(|(_, slot)| {
                Arc::strong_count(slot) == 1
                    && slot
                        .doc
                        .try_lock()
                        .is_ok_and(|d| !d.as_ref().is_some_and(LoadedDoc::waiting))
            })
            .map(|(id, slot)| (*lock(&slot.last_used), *id))
            .collect();
        if idle.len() > excess {
            idle.select_nth_unstable(excess);
            idle.truncate(excess);
        }
        for (_, id) in &idle {
            docs.remove(id);
        }
        self.0
            .stats
            .evictions
            .fetch_add(idle.len() as u64, Ordering::Relaxed);
    }

    /// Loads, in one query, every listed document that is not in memory yet (a tablet that
    /// reconnects syncs all of its residents; one round trip instead of one per document).
    pub async fn preload(&self, docs: Vec<DocumentId>) -> Result<(), AppError> {
        let slots: Vec<(DocumentId, Arc<DocSlot>)> =
            docs.into_iter().map(|d| (d, self.slot(d))).collect();
        // The locks of the documents not in memory are held across the read: no commit, drop or
        // eviction of one of them can happen between reading its chunks and installing them (a copy
        // read before another connection's commit must never be installed after it).
        let mut missing: Vec<(&DocumentId, _)> = slots
            .iter()
            .filter_map(|(d, slot)| {
                let guard = slot.doc.try_lock().ok()?;
                guard.is_none().then_some((d, guard))
            })
            .collect();
        if missing.is_empty() {
            return Ok(());
        }
        let ids: Vec<String> = missing.iter().map(|(d, _)| d.to_string()).collect();
        let chunks = self
            .0
            .db
            .read(move |conn| Ok(documents::load_chunks_of(conn, &ids)?))
            .await?;
        let mut by_doc: HashMap<String, Vec<documents::Chunk>> = HashMap::new();
        for c in chunks {
            by_doc.entry(c.doc_id.clone()).or_default().push(c);
        }
        for (doc, guard) in &mut missing {
            let Some(chunks) = by_doc.remove(&doc.to_string()) else {
                continue;
            };
            let bytes = documents::joined(&chunks);
            if bytes.len() > INLINE_LOAD_BYTES {
                continue; // big ones load on demand, off the async threads
            }
            if let Ok(d) = Automerge::load(&bytes) {
                self.0.stats.loads.fetch_add(1, Ordering::Relaxed);
                **guard = Some(LoadedDoc::stored(d, &chunks));
            }
        }
        Ok(())
    }

    /// Puts a document that was just stored (a resident registered from a tablet) into memory.
    pub async fn install(&self, doc: DocumentId, loaded: LoadedDoc) {
        let slot = self.slot(doc);
        let mut guard = slot.doc.lock().await;
        if guard.is_none() {
            *guard = Some(loaded);
        }
    }

    /// Loads a document's chunks into `slot` if it is empty.
    pub async fn ensure_loaded(
        &self,
        doc: DocumentId,
        slot: &mut Option<LoadedDoc>,
    ) -> Result<(), AppError> {
        if slot.is_some() {
            return Ok(());
        }
        let (tx, rx) = oneshot::channel();
        self.0
            .loader
            .send((doc.to_string(), tx))
            .map_err(|_| AppError::internal("document loader stopped"))?;
        let chunks = rx
            .await
            .map_err(|_| AppError::internal("document loader dropped a read"))?
            .map_err(AppError::internal)?;
        let bytes = documents::joined(&chunks);
        // Small documents (nearly all) load in well under a millisecond: no thread hop for them.
        let loaded = if bytes.len() <= INLINE_LOAD_BYTES {
            Automerge::load(&bytes)
        } else {
            tokio::task::spawn_blocking(move || Automerge::load(&bytes))
                .await
                .map_err(AppError::internal)?
        }
        .map_err(|e| AppError::internal(format!("stored document does not load: {e}")))?;
        self.0.stats.loads.fetch_add(1, Ordering::Relaxed);
        *slot = Some(LoadedDoc::stored(loaded, &chunks));
        Ok(())
    }

    /// Queues a job for the committer and waits until it is committed (or failed).
    pub async fn commit(&self, job: CommitJob) -> Result<(), String> {
        Self::committed(self.submit(job)?).await
    }

    /// A permit for one more sync socket of `user_id`, or `None` when the user already holds
    /// [`Limits::max_sockets_per_user`].
    pub fn socket_permit(&self, user_id: &str) -> Option<SocketPermit> {
        let mut open = lock(&self.0.sockets);
        let n = open.entry(user_id.to_string()).or_insert(0);
        if *n >= self.0.limits.max_sockets_per_user {
            return None;
        }
        *n += 1;
        Some(SocketPermit {
            hub: Arc::downgrade(&self.0),
            user_id: user_id.into(),
        })
    }

    /// Whether the committer thread still takes jobs (it ends only by a panic or at shutdown).
    pub fn committer_alive(&self) -> bool {
        !self.0.committer.is_closed()
    }

    /// Queues a job for the committer; [`Hub::committed`] waits for its outcome.
    pub fn submit(&self, job: CommitJob) -> Result<Committing, String> {
        let (tx, rx) = oneshot::channel();
        self.0
            .committer
            .send((job, tx))
            .map_err(|_| "committer stopped".to_string())?;
        Ok(rx)
    }

    /// Whether a submitted job was committed.
    pub async fn committed(rx: Committing) -> Result<(), String> {
        rx.await
            .map_err(|_| "committer dropped the job".to_string())?
    }
}

/// Reads the chunks of documents loaded one at a time (a connection's first message for a document
/// that was not preloaded, one the memory limit dropped): the reads waiting at the same moment go
/// out as one query, at most two queries at once — a crowd of single loads costs about what one
/// preload does, instead of a blocking-pool hop, a pooled connection and a query each.
async fn run_loader(db: Db, mut rx: mpsc::UnboundedReceiver<ChunkRead>) {
    let queries = Arc::new(tokio::sync::Semaphore::new(2));
    while let Some(first) = rx.recv().await {
        // Waiting for a free query first lets more reads gather meanwhile.
        let Ok(permit) = queries.clone().acquire_owned().await else {
            return;
        };
        let mut batch = vec![first];
        while batch.len() < LOADER_BATCH {
            match rx.try_recv() {
                Ok(r) => batch.push(r),
                Err(_) => break,
            }
        }
        let db = db.clone();
        tokio::spawn(async move {
            let ids: Vec<String> = batch.iter().map(|(id, _)| id.clone()).collect();
            let read = db
                .read(move |conn| Ok(documents::load_chunks_of(conn, &ids)?))
                .await;
            drop(permit);
            match read {
                Ok(chunks) => {
                    let mut by_doc: HashMap<String, Vec<documents::Chunk>> = HashMap::new();
                    for c in chunks {
                        by_doc.entry(c.doc_id.clone()).or_default().push(c);
                    }
                    // The same document may be asked for twice: its last reader takes the chunks.
                    let mut readers: HashMap<&str, usize> = HashMap::new();
                    for (id, _) in &batch {
                        *readers.entry(id.as_str()).or_default() += 1;
                    }
                    let mut answers = Vec::with_capacity(batch.len());
                    for (id, _) in &batch {
                        let left = readers.entry(id.as_str()).or_default();
                        *left -= 1;
                        answers.push(if *left == 0 {
                            by_doc.remove(id).unwrap_or_default()
                        } else {
                            by_doc.get(id).cloned().unwrap_or_default()
                        });
                    }
                    for ((_, reply), chunks) in batch.into_iter().zip(answers) {
                        let _ = reply.send(Ok(chunks));
                    }
                }
                Err(e) if batch.len() == 1 => {
                    for (_, reply) in batch {
                        let _ = reply.send(Err(e.to_string()));
                    }
                }
                Err(_) => {
                    // A failed query fails no more loads than reading one at a time would have.
                    for (id, reply) in batch {
                        let read = db
                            .read(move |conn| Ok(documents::load_chunks(conn, &id)?))
                            .await;
                        let _ = reply.send(read.map_err(|e| e.to_string()));
                    }
                }
            }
        });
    }
}

/// Writes queued jobs in batches: everything that queued while the previous batch committed goes
/// into the next transaction. A failing batch is retried job by job so one bad job fails alone.
fn run_committer(
    db: Db,
    node: String,
    mut rx: mpsc::UnboundedReceiver<Pending>,
    hub: std::sync::Weak<Inner>,
) {
    while let Some(first) = rx.blocking_recv() {
        let mut batch = vec![first];
        while batch.len() < 512 {
            match rx.try_recv() {
                Ok(p) => batch.push(p),
                Err(_) => break,
            }
        }
        let (jobs, replies): (Vec<CommitJob>, Vec<_>) = batch.into_iter().unzip();
        let result = db.write_blocking(|conn| apply_batch(conn, &node, &jobs, now_ms()));
        if let Some(h) = hub.upgrade() {
            h.stats.commit_batches.fetch_add(1, Ordering::Relaxed);
            h.stats
                .commits
                .fetch_add(replies.len() as u64, Ordering::Relaxed);
        }
        match result {
            Ok(()) => {
                for r in replies {
                    let _ = r.send(Ok(()));
                }
            }
            Err(e) if replies.len() == 1 => {
                tracing::error!(error = %e, "sync commit failed");
                for r in replies {
                    let _ = r.send(Err(e.to_string()));
                }
            }
            Err(_) => {
                // Retry one by one, so one bad job fails alone.
                for (job, r) in jobs.iter().zip(replies) {
                    let one = db
                        .write_blocking(|conn| {
                            apply_batch(conn, &node, std::slice::from_ref(job), now_ms())
                        })
                        .map_err(|e| e.to_string());
                    if let Err(e) = &one {
                        tracing::error!(error = %e, "sync commit failed");
                    }
                    let _ = r.send(one);
                }
            }
        }
    }
}

/// The documents a batch changed, announced to the other server processes on commit.
fn announce(conn: &mut DbConn, node: &str, jobs: &[CommitJob]) -> Result<(), AppError> {
    let changed: Vec<&str> = jobs
        .iter()
        .filter_map(|j| match j {
            CommitJob::Changes { doc_id, .. } => Some(doc_id.as_str()),
            _ => None,
        })
        .collect();
    Ok(documents::announce_changes(conn, node, &changed)?)
}

/// Evicts idle documents without subscribers.
async fn run_sweeper(hub: std::sync::Weak<Inner>) {
    let every = match hub.upgrade() {
        Some(h) => h.limits.idle_evict.min(Duration::from_secs(5)),
        None => return,
    };
    let mut tick = tokio::time::interval(every);
    loop {
        tick.tick().await;
        let Some(h) = hub.upgrade() else { return };
        let idle = h.limits.idle_evict;
        let subscribed: HashSet<DocumentId> = lock(&h.subscribers).keys().copied().collect();
        let mut docs = lock(&h.docs);
        let before = docs.len();
        docs.retain(|id, slot| {
            subscribed.contains(id)
                || Arc::strong_count(slot) > 1
                || lock(&slot.last_used).elapsed() < idle
        });
        let evicted = before - docs.len();
        h.stats
            .evictions
            .fetch_add(evicted as u64, Ordering::Relaxed);
    }
}

/// Polls the access epoch (one query a second for the whole process) and wakes every connection
/// when it changes.
async fn run_epoch_poller(hub: std::sync::Weak<Inner>) {
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    loop {
        tick.tick().await;
        let Some(h) = hub.upgrade() else { return };
        let db = h.db.clone();
        let current = db
            .read(|conn| Ok(directory::get_setting(conn, crate::access::ACCESS_EPOCH)?))
            .await;
        if let Ok(Some(v)) = current {
            h.epoch.send_if_modified(|old| {
                if *old != v {
                    *old = v;
                    true
                } else {
                    false
                }
            });
        }
    }
}
