//! The hub: loaded documents, who is subscribed to which, and the group committer.
//!
//! - Documents are loaded on first use from their stored chunks (a tablet's all at once at its first
//!   request; any other through the loader, which reads those asked for at the same moment in one
//!   query) and evicted after [`Limits::idle_evict`] with no subscriber. Each has an async lock: all
//!   mutations of one document are serialized, including the database write that makes them durable.
//! - `subscribers` maps a document to the connections that synced it (no scan over all connections).
//!   A change wakes exactly those, and each answers with its own sync state.
//! - It starts the committer ([`super::committer`]: its own thread, one transaction per batch of
//!   queued jobs) and the loader ([`super::loader`]), and hands them their work.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use automerge::Automerge;
use tokio::sync::{mpsc, oneshot, watch};

use super::DocumentId;
use super::committer::{CommitError, CommitJob, Committing, Pending, run_committer};
use super::loader::{ChunkRead, run_loader};
use crate::db::documents;
use crate::db::{Db, directory};
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
    /// Open sync sockets from one client address at once (seen through the trusted proxies): a
    /// stolen session or many sessions from one place cannot hold every socket of the server.
    pub max_sockets_per_address: usize,
    /// Largest a document may grow to in storage (bytes of its stored chunks); a change past it
    /// is refused, not stored ([`Hub::within_quota`]).
    pub max_document_bytes: usize,
    /// Bytes of changes one user's tablets may store in a day (JST): a commissioner's month of
    /// records is a few hundred KiB.
    pub max_user_bytes_per_day: usize,
    /// Days after a commissioner's assignment ends during which their tablet may still deliver
    /// records of that resident made before (and is sent nothing back): the offline expiry, so a
    /// tablet that was out of signal at the hand-over (一斉改選) loses nothing.
    pub handover_grace_days: u32,
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
            max_sockets_per_address: 64,
            max_document_bytes: 4 * 1024 * 1024,
            max_user_bytes_per_day: 64 * 1024 * 1024,
            handover_grace_days: 14,
        }
    }
}

/// One open sync socket of a user from an address, counted by the hub under both until it is
/// dropped (with its connection).
pub struct SocketPermit {
    hub: std::sync::Weak<Inner>,
    keys: [Box<str>; 2],
}

impl Drop for SocketPermit {
    fn drop(&mut self) {
        if let Some(h) = self.hub.upgrade() {
            let mut open = lock(&h.sockets);
            for key in &self.keys {
                if let Some(n) = open.get_mut(&**key) {
                    *n -= 1;
                    if *n == 0 {
                        open.remove(&**key);
                    }
                }
            }
        }
    }
}

/// Why a socket was not admitted ([`Hub::socket_permit`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SocketCap {
    User,
    Address,
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
    /// Bytes of its stored chunks (what [`Limits::max_document_bytes`] bounds); a compaction does
    /// not lower it until the document reloads — an over-estimate, far from real documents' size.
    pub stored_bytes: usize,
    /// Another server process changed the document while changes here waited for a dependency:
    /// this copy lacks that change and is dropped as soon as nothing waits (see [`Hub::changed_elsewhere`]).
    pub stale: bool,
}

impl LoadedDoc {
    pub fn new(doc: Automerge, increments: usize, stored_bytes: usize) -> LoadedDoc {
        LoadedDoc {
            doc,
            increments,
            stored_bytes,
            stale: false,
        }
    }

    /// A document loaded from its stored `chunks`.
    fn stored(doc: Automerge, chunks: &[documents::Chunk]) -> LoadedDoc {
        let increments = chunks.iter().filter(|c| c.kind == "incremental").count();
        let bytes = chunks.iter().map(|c| c.data.len()).sum();
        LoadedDoc::new(doc, increments, bytes)
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

/// Counters for benchmarks, health and `/metrics` ([`crate::metrics`]): counts only, never who or
/// which document.
#[derive(Debug, Default)]
pub struct Stats {
    pub loads: AtomicU64,
    pub evictions: AtomicU64,
    pub commits: AtomicU64,
    pub commit_batches: AtomicU64,
    /// Documents another server process announced as changed.
    pub changed_elsewhere: AtomicU64,
    /// Sync messages received from tablets, and their bytes.
    pub messages_received: AtomicU64,
    pub bytes_received: AtomicU64,
    /// Documents' changes the committer made durable (each is then acknowledged to its sender).
    pub changes_acknowledged: AtomicU64,
    /// How long each batch's transaction took.
    pub commit_seconds: crate::metrics::Histogram,
}

impl Stats {
    /// One sync message of `bytes` from a peer.
    pub fn received(&self, bytes: usize) {
        self.messages_received.fetch_add(1, Ordering::Relaxed);
        self.bytes_received
            .fetch_add(bytes as u64, Ordering::Relaxed);
    }
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
    /// Open sync sockets per user (`u:` id) and per client address (`a:` address) ([`SocketPermit`]).
    sockets: Mutex<HashMap<String, usize>>,
    /// Bytes stored today per user: (day, bytes) ([`Hub::within_quota`]). In memory: a restart
    /// forgives the day, which bounds nothing worse than one more day's quota.
    stored_today: Mutex<HashMap<String, (String, usize)>>,
    /// Set by [`Hub::stop_committer_for_tests`] only.
    committer_stopped: AtomicBool,
    /// `true` once the process is stopping ([`Hub::go_away`]); each connection's task holds a
    /// receiver until its socket is closed.
    going_away: watch::Sender<bool>,
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
            stored_today: Mutex::new(HashMap::new()),
            committer_stopped: AtomicBool::new(false),
            going_away: watch::channel(false).0,
        }));
        // The committer is a plain thread: it blocks on the database, batch after batch.
        let weak = hub.downgrade();
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

    /// Sync sockets open now (each holds a [`SocketPermit`] under its user).
    pub fn open_sockets(&self) -> usize {
        lock(&self.0.sockets)
            .iter()
            .filter(|(key, _)| key.starts_with("u:"))
            .map(|(_, n)| n)
            .sum()
    }

    /// The process is stopping (SIGTERM): every sync connection closes with 1001 (going away), so
    /// its tablet reconnects to the next process, and new ones are refused. Not undone.
    pub fn go_away(&self) {
        self.0.going_away.send_replace(true);
    }

    /// Whether [`Hub::go_away`] was called.
    pub fn going_away(&self) -> bool {
        *self.0.going_away.borrow()
    }

    /// What a connection's task waits on to close with 1001; it holds the receiver until its
    /// socket is closed, so [`Hub::sockets_closing`] counts it until then.
    pub fn going_away_signal(&self) -> watch::Receiver<bool> {
        self.0.going_away.subscribe()
    }

    /// Connections' tasks still running, closing sockets included (a socket's [`SocketPermit`] is
    /// given back before its close frame is sent: this counts until the frame is out).
    pub fn sockets_closing(&self) -> usize {
        self.0.going_away.receiver_count()
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
            .map_err(|_| AppError::internal("document loader dropped a read"))??;
        let bytes = documents::joined(&chunks);
        // Small documents (nearly all) load in well under a millisecond: no thread hop for them.
        let loaded = if bytes.len() <= INLINE_LOAD_BYTES {
            Automerge::load(&bytes)
        } else {
            tokio::task::spawn_blocking(move || Automerge::load(&bytes))
                .await
                .map_err(AppError::internal)?
        }
        .map_err(|e| AppError::internal_in("stored document does not load", e))?;
        self.0.stats.loads.fetch_add(1, Ordering::Relaxed);
        *slot = Some(LoadedDoc::stored(loaded, &chunks));
        Ok(())
    }

    /// A change the server itself makes to a document (a roster import correcting a resident's
    /// name or address): under the document's lock, through the committer like a tablet's change
    /// (the chunk, its rows, the same transaction), then every subscriber is woken to sync it.
    /// `change` edits the document in one transaction; nothing happens when it changes nothing.
    pub async fn server_change(
        &self,
        doc: DocumentId,
        owner: Owner,
        by_user_id: &str,
        change: impl FnOnce(&mut Automerge) -> Result<(), AppError>,
    ) -> Result<(), AppError> {
        let slot = self.slot(doc);
        let mut guard = slot.doc.clone().lock_owned().await;
        self.ensure_loaded(doc, &mut guard).await?;
        let Some(loaded) = guard.as_mut() else {
            return Err(AppError::internal("document not loaded"));
        };
        let before = loaded.doc.get_heads();
        if let Err(e) = change(&mut loaded.doc) {
            *guard = None; // the copy may hold part of it: reload from storage
            return Err(e);
        }
        let after = loaded.doc.get_heads();
        if before == after {
            return Ok(());
        }
        let (chunk, touched) = super::schema::changed_since(&loaded.doc, &before);
        let projection = Box::new(super::schema::project_touched(&loaded.doc, &touched));
        let chunk_bytes = chunk.len();
        let job = CommitJob::Changes {
            doc_id: doc.to_string(),
            chunk,
            owner,
            projection,
            delivered_by_user_id: by_user_id.to_string(),
            delivered_by_device_id: None,
            may_review: false,
        };
        let committed = match self.submit(job) {
            Ok(c) => Self::committed(c).await,
            Err(e) => Err(e),
        };
        match committed {
            Ok(()) => {
                loaded.increments += 1;
                loaded.stored_bytes += chunk_bytes;
                drop(guard);
                self.notify(doc, NO_CONNECTION);
                Ok(())
            }
            Err(e) => {
                *guard = None; // not stored: the copy must not serve it
                Err(AppError::internal(e))
            }
        }
    }

    /// Queues a job for the committer and waits until it is committed (or failed).
    pub async fn commit(&self, job: CommitJob) -> Result<(), CommitError> {
        Self::committed(self.submit(job)?).await
    }

    /// A permit for one more sync socket of `user_id`, or `None` when the user already holds
    /// [`Limits::max_sockets_per_user`].
    pub fn socket_permit(&self, user_id: &str, address: &str) -> Result<SocketPermit, SocketCap> {
        let mut open = lock(&self.0.sockets);
        let (user, addr) = (format!("u:{user_id}"), format!("a:{address}"));
        let limits = &self.0.limits;
        if open.get(&user).copied().unwrap_or(0) >= limits.max_sockets_per_user {
            return Err(SocketCap::User);
        }
        if open.get(&addr).copied().unwrap_or(0) >= limits.max_sockets_per_address {
            return Err(SocketCap::Address);
        }
        *open.entry(user.clone()).or_insert(0) += 1;
        *open.entry(addr.clone()).or_insert(0) += 1;
        Ok(SocketPermit {
            hub: Arc::downgrade(&self.0),
            keys: [user.into(), addr.into()],
        })
    }

    /// Whether `user_id` may store `bytes` more in a document that holds `stored` bytes now
    /// ([`Limits::max_document_bytes`], [`Limits::max_user_bytes_per_day`]); if so, they are
    /// counted against the user's day. A refusal says which quota.
    pub fn within_quota(
        &self,
        user_id: &str,
        stored: usize,
        bytes: usize,
    ) -> Result<(), &'static str> {
        let limits = &self.0.limits;
        if stored.saturating_add(bytes) > limits.max_document_bytes {
            return Err("document too large");
        }
        let today = crate::domain::Date::today_jst(crate::db::now_ms()).to_string();
        let mut days = lock(&self.0.stored_today);
        let used = days
            .entry(user_id.to_string())
            .or_insert((today.clone(), 0));
        if used.0 != today {
            *used = (today, 0);
        }
        if used.1.saturating_add(bytes) > limits.max_user_bytes_per_day {
            return Err("daily quota exceeded");
        }
        used.1 += bytes;
        Ok(())
    }

    /// Whether the committer thread still takes jobs (it ends only by a panic or at shutdown).
    pub fn committer_alive(&self) -> bool {
        !self.0.committer.is_closed() && !self.0.committer_stopped.load(Ordering::SeqCst)
    }

    /// Tests only: the committer counts as dead from now on — [`Hub::committer_alive`] says so and
    /// every job is refused as if its thread had ended (the thread itself cannot be stopped from
    /// here: it ends when the hub's sender is dropped).
    #[doc(hidden)]
    pub fn stop_committer_for_tests(&self) {
        self.0.committer_stopped.store(true, Ordering::SeqCst);
    }

    /// Queues a job for the committer; [`Hub::committed`] waits for its outcome.
    pub fn submit(&self, job: CommitJob) -> Result<Committing, CommitError> {
        if self.0.committer_stopped.load(Ordering::Relaxed) {
            return Err(CommitError::Stopped);
        }
        let (tx, rx) = oneshot::channel();
        self.0
            .committer
            .send((job, tx))
            .map_err(|_| CommitError::Stopped)?;
        Ok(rx)
    }

    /// Whether a submitted job was committed.
    pub async fn committed(rx: Committing) -> Result<(), CommitError> {
        rx.await.map_err(|_| CommitError::Dropped)?
    }
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
