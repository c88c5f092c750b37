//! One sync connection: the protocol state machine for a single WebSocket.
//!
//! The transport feeds it frames ([`Connection::on_frame`]), hub events ([`Connection::on_event`])
//! and access changes ([`Connection::revalidate`]); each returns the frames to send, or a [`Close`]
//! that ends this connection only. It never sends an answer that acknowledges changes before the
//! committer has made them durable.

use std::collections::{HashMap, HashSet};
use std::panic::AssertUnwindSafe;
use std::sync::Arc;

use automerge::sync::{self, SyncDoc};
use automerge::{Automerge, ReadDoc};
use tokio::sync::{OwnedMutexGuard, mpsc};

use super::DocumentId;
use super::committer::{BatchMemo, CommitJob, Committing};
use super::hub::{
    ConnEvent, ConnId, DocSlot, Hub, LoadedDoc, NO_CONNECTION, Owner, PRELOAD_MAX_DOCS,
    SocketPermit,
};
use super::precheck;
use super::projection::{raise_alerts, set_aside_reviews, write_projection};
use super::schema;
use super::wire::{self, Incoming, Outgoing};
use crate::access::{self, ResidentScope};
use crate::admin::{self, Actor};
use crate::auth::{self, Caller};
use crate::db::{activities, directory, documents, now_ms};
use crate::domain::Role;
use crate::error::AppError;

/// Why a connection ends. The reason goes to the client and the log; it never holds document data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Close {
    /// Malformed or out-of-order input (WebSocket close 1002/1003/1008).
    Protocol(String),
    /// The session or device is no longer valid.
    Revoked,
    /// The change could not be made durable; the client keeps it and retries later (1013, "try
    /// again later": a retryable close, not 1011, which says the server itself failed).
    Storage,
    /// A change the server will not store: a value longer than any field allows, a document past
    /// its byte quota, or the user's bytes for the day spent (4413; the app says so and keeps
    /// the records).
    Quota(&'static str),
    /// A panic inside automerge while handling this peer's input.
    Crashed,
    /// The server process is stopping (SIGTERM, an upgrade): the tablet reconnects, to the next
    /// process (1001, going away). Everything acknowledged was stored before.
    GoingAway,
    /// The peer said goodbye.
    Normal,
}

impl Close {
    /// The WebSocket close code.
    pub fn code(&self) -> u16 {
        match self {
            Close::Protocol(_) => 1008,
            Close::Revoked => 4401,
            Close::Storage => 1013,
            Close::Quota(_) => 4413,
            Close::Crashed => 1011,
            Close::GoingAway => 1001,
            Close::Normal => 1000,
        }
    }

    pub fn reason(&self) -> String {
        match self {
            Close::Protocol(m) => m.chars().take(100).collect(),
            Close::Revoked => "session revoked".into(),
            Close::Storage => "storage unavailable".into(),
            Close::Quota(why) => (*why).into(),
            Close::Crashed => "internal error".into(),
            Close::GoingAway => "server restarting".into(),
            Close::Normal => String::new(),
        }
    }
}

struct PeerDoc {
    state: sync::State,
    dirty: bool,
    /// Only delivering (the hand-over grace, `Connection::delivering`): not subscribed, sent
    /// nothing it lacks.
    delivering: bool,
}

pub struct Connection {
    hub: Hub,
    id: ConnId,
    caller: Caller,
    session_token: String,
    scope: ResidentScope,
    peer_id: Option<String>,
    storage_id: Option<String>,
    docs: HashMap<DocumentId, PeerDoc>,
    /// The documents this caller may sync (document → resident, or the caller's own activity
    /// log), loaded at the first request and again whenever access may have changed.
    allowed: Option<HashMap<DocumentId, Owner>>,
    /// Of those, the residents whose assignment to this commissioner ended lately (the hand-over
    /// grace, [`Limits::handover_grace_days`]): the tablet may still hold records it made while it
    /// watched them, so what it sends is taken (and acknowledged), but it is sent nothing back —
    /// not the successor's records, not even what it lacks of the history.
    ///
    /// [`Limits::handover_grace_days`]: super::hub::Limits::handover_grace_days
    delivering: HashSet<DocumentId>,
    /// Documents offered by this tablet that the server does not have yet (see `on_new_document`).
    provisional: HashMap<DocumentId, (Automerge, sync::State)>,
    /// Sync states stored for this peer's storage id, loaded once at the first request.
    stored_states: Option<HashMap<String, Vec<u8>>>,
    events: mpsc::UnboundedSender<ConnEvent>,
    /// Answers that acknowledge changes the committer has not made durable yet, and their bytes.
    held: Vec<Held>,
    held_bytes: usize,
    /// Counts this socket against the user's cap until the connection ends.
    _permit: SocketPermit,
}

/// An answer that waits for the committer, and the lock of its document, held until then (no one
/// else is served the changes before they are durable).
struct Held {
    doc_id: DocumentId,
    /// The slot stays referenced (and so in the hub's map) while its answer is held.
    _slot: Arc<DocSlot>,
    guard: OwnedMutexGuard<Option<LoadedDoc>>,
    committing: Committing,
    /// Bytes of the changes it stores.
    bytes: usize,
    frames: Vec<Vec<u8>>,
}

type Out = Result<Vec<Vec<u8>>, Close>;

/// New documents one connection may hold before they are complete.
const MAX_PROVISIONAL: usize = 8;

/// Missing dependencies tolerated in a document before the peer is cut off.
const MAX_MISSING_DEPS: usize = 256;

/// Sync messages bigger than this are received on the blocking pool, off the async threads.
const BLOCKING_RECEIVE_BYTES: usize = 256 * 1024;

/// What receiving one sync message did to a document.
enum Receipt {
    Unchanged,
    /// New changes: the chunk to store and the rows they project to.
    Changed {
        chunk: Vec<u8>,
        projection: Box<schema::Projection>,
    },
    Rejected,
    Panicked,
    TooManyMissingDeps,
    /// The changes write a string longer than [`schema::MAX_STRING_BYTES`].
    TooLong,
}

/// [`receive`] on a document the caller holds by value, on the blocking pool when the message is
/// big: a whole history would otherwise hold this worker thread, and every connection on it, for as
/// long as it takes. `None` when the blocking task itself died (the document is gone with it).
async fn receive_sized(
    mut doc: Automerge,
    mut state: sync::State,
    message: sync::Message,
    size: usize,
) -> Option<(Automerge, sync::State, Receipt)> {
    if size <= BLOCKING_RECEIVE_BYTES {
        let receipt = receive(&mut doc, &mut state, message);
        return Some((doc, state, receipt));
    }
    tokio::task::spawn_blocking(move || {
        let receipt = receive(&mut doc, &mut state, message);
        (doc, state, receipt)
    })
    .await
    .ok()
}

/// Applies a peer's sync message to a document (pure CPU: runs on whichever thread suits its size).
///
/// The common case — changes that all apply, nothing waiting on a missing dependency — stores the
/// change chunks exactly as received and names the touched entries from their operations; otherwise
/// the chunk is `save_after` and the entries come from a diff (both re-derive from the document,
/// which costs about as much as the merge itself).
///
/// A panic anywhere in it (the merge, or reading the changes back for the projection) is
/// `Receipt::Panicked`: the caller drops the document, which reloads from storage.
fn receive(doc: &mut Automerge, state: &mut sync::State, message: sync::Message) -> Receipt {
    std::panic::catch_unwind(AssertUnwindSafe(|| receive_unguarded(doc, state, message)))
        .unwrap_or(Receipt::Panicked)
}

fn receive_unguarded(
    doc: &mut Automerge,
    state: &mut sync::State,
    message: sync::Message,
) -> Receipt {
    let before = doc.get_heads();
    // Changes queued before (waiting for a dependency) may apply now without being in this message.
    let queued_before = !doc.get_missing_deps(&[]).is_empty();
    let chunks: Vec<Vec<u8>> = message.changes.iter().map(<[u8]>::to_vec).collect();
    if doc.receive_sync_message(state, message).is_err() {
        return Receipt::Rejected;
    }
    // Changes whose dependencies never arrive wait in automerge's queue, in memory: a few are
    // normal (a bloom-filter false positive), many are an attack or a broken peer.
    let missing = doc.get_missing_deps(&[]).len();
    if missing > MAX_MISSING_DEPS {
        return Receipt::TooManyMissingDeps;
    }
    if doc.get_heads() == before {
        return Receipt::Unchanged;
    }
    let fast = if !queued_before && missing == 0 {
        // Nothing waits for a dependency: the chunks are what to store, if automerge holds every
        // change in them (`touched_by_changes` checks; one it skipped — a bad checksum — sends
        // this to the diff, which stores what the document holds).
        schema::touched_by_changes(doc, &chunks).map(|t| (chunks.concat(), t))
    } else {
        None
    };
    let (chunk, touched) = match fast {
        Some(f) => f,
        None => schema::changed_since(doc, &before),
    };
    if touched.longest_string > schema::MAX_STRING_BYTES {
        return Receipt::TooLong;
    }
    Receipt::Changed {
        chunk,
        projection: Box::new(schema::project_touched(doc, &touched)),
    }
}

/// How far one peer frame got through the sync path without the socket, the database or the lock
/// ([`offline_frame`]).
#[doc(hidden)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Stage {
    /// Not a sync frame (CBOR or shape).
    Wire,
    /// Refused by [`precheck::check`] before automerge saw it.
    Precheck,
    /// automerge could not decode the message.
    Decode,
    /// automerge refused to apply it, or too many changes wait for dependencies.
    Rejected,
    /// Applied without changing the document.
    Unchanged,
    /// Applied, changed the document, projected and answered.
    Changed,
}

/// What the sync path does with one peer frame — the wire decode (`raw`: `frame` is the sync
/// message itself), the precheck, automerge's decode, the merge and projection ([`receive`]) and the
/// reply — on a copy of `base`, with no panic guard: the fuzz harness
/// (`examples/fuzz_sync.rs`) runs it to find inputs that panic, abort or take long, and its kept
/// inputs are run by a unit test.
#[doc(hidden)]
pub fn offline_frame(base: &Automerge, state: &mut sync::State, frame: &[u8], raw: bool) -> Stage {
    let data = if raw {
        frame.to_vec()
    } else {
        match wire::decode(frame) {
            Ok(Incoming::Sync { data, .. }) => data,
            _ => return Stage::Wire,
        }
    };
    if precheck::check(&data).is_err() {
        return Stage::Precheck;
    }
    let Ok(message) = sync::Message::decode(&data) else {
        return Stage::Decode;
    };
    let mut doc = base.clone();
    let stage = match receive_unguarded(&mut doc, state, message) {
        Receipt::Unchanged => Stage::Unchanged,
        Receipt::Changed { .. } => Stage::Changed,
        _ => return Stage::Rejected,
    };
    let _reply = doc.generate_sync_message(state);
    stage
}

impl Connection {
    /// A connection for an authenticated caller; `None` when the role has no field access (the
    /// transport refuses the upgrade then).
    pub fn new(
        hub: Hub,
        caller: Caller,
        session_token: String,
        permit: SocketPermit,
    ) -> Option<(Connection, mpsc::UnboundedReceiver<ConnEvent>)> {
        let scope = access::resident_scope(&caller).ok()?;
        let (tx, rx) = mpsc::unbounded_channel();
        let id = hub.new_conn_id();
        Some((
            Connection {
                hub,
                id,
                caller,
                session_token,
                scope,
                peer_id: None,
                storage_id: None,
                docs: HashMap::new(),
                allowed: None,
                delivering: HashSet::new(),
                provisional: HashMap::new(),
                stored_states: None,
                events: tx,
                held: Vec::new(),
                held_bytes: 0,
                _permit: permit,
            },
            rx,
        ))
    }

    pub fn id(&self) -> ConnId {
        self.id
    }

    /// Whether `join` has been answered.
    pub fn joined(&self) -> bool {
        self.peer_id.is_some()
    }

    /// Handles one binary frame from the peer.
    pub async fn on_frame(&mut self, frame: &[u8]) -> Out {
        self.hub.stats().received(frame.len());
        let msg = wire::decode(frame).map_err(|e| Close::Protocol(e.to_string()))?;
        match (&self.peer_id, msg) {
            (
                None,
                Incoming::Join {
                    sender_id,
                    versions,
                    storage_id,
                    ephemeral,
                },
            ) => {
                if !versions.iter().any(|v| v == "1") {
                    return Ok(vec![wire::encode(&Outgoing::Error {
                        message: "unsupported protocol version".into(),
                    })]);
                }
                if !self
                    .hub
                    .bind_peer(&sender_id, &self.caller.session_id, self.id)
                {
                    return Err(Close::Protocol(
                        "peer id is bound to another session".into(),
                    ));
                }
                // The sync states kept for a storage id are its owner's: the id a client claims is
                // filed under its device (a PC: its user), so a peer claiming another tablet's id
                // reads and overwrites nothing of that tablet's.
                let owner = self
                    .caller
                    .device_id
                    .as_deref()
                    .unwrap_or(&self.caller.user_id);
                self.storage_id = storage_id
                    .filter(|_| !ephemeral)
                    .map(|s| format!("{owner}/{s}"));
                let peer = Outgoing::Peer {
                    sender_id: self.hub.peer_id().to_string(),
                    target_id: sender_id.clone(),
                    storage_id: self.hub.storage_id().to_string(),
                };
                self.peer_id = Some(sender_id);
                Ok(vec![wire::encode(&peer)])
            }
            (None, _) => Err(Close::Protocol("join first".into())),
            (Some(_), Incoming::Join { .. }) => Err(Close::Protocol("second join".into())),
            (Some(peer), msg) if msg.sender_id().is_some_and(|s| s != peer) => Err(
                Close::Protocol("sender id differs from the joined peer".into()),
            ),
            (
                Some(_),
                Incoming::Sync {
                    request,
                    document_id,
                    data,
                    ..
                },
            ) => self.on_sync(request, &document_id, &data).await,
            (Some(_), Incoming::Leave { .. }) => Err(Close::Normal),
            (Some(_), Incoming::Error { .. }) => {
                Err(Close::Protocol("peer reported an error".into()))
            }
            // Presence and heads gossip are not relayed; unavailability notices need no answer.
            (Some(_), _) => Ok(vec![]),
        }
    }

    /// How a connection whose message a document refused is closed.
    fn refused(&self, receipt: Receipt) -> Close {
        match receipt {
            Receipt::Panicked => {
                tracing::error!(
                    conn = self.id,
                    "automerge panicked on a peer's sync message"
                );
                Close::Crashed
            }
            Receipt::TooManyMissingDeps => {
                Close::Protocol("too many changes with missing dependencies".into())
            }
            Receipt::TooLong => {
                tracing::warn!(conn = self.id, user = %self.caller.user_id, "sync refused: a value longer than any field allows");
                Close::Quota("value too long")
            }
            _ => Close::Protocol("sync message rejected".into()),
        }
    }

    fn unavailable(&self, document_id: &str) -> Vec<u8> {
        wire::encode(&Outgoing::DocUnavailable {
            sender_id: self.hub.peer_id().to_string(),
            target_id: self.peer_id.clone().unwrap_or_default(),
            document_id: document_id.chars().take(64).collect(),
        })
    }

    /// Whose a document is, if this caller may sync it (else `None`, whatever the reason: unknown,
    /// malformed, or not allowed — all answered the same way).
    async fn authorize(&mut self, doc: DocumentId) -> Result<Option<Owner>, Close> {
        if self.allowed.is_none() {
            let allowed = self.load_allowed().await?;
            // A commissioner's tablet syncs all of its residents on reconnect: load them together.
            // (Not those it only delivers to: most tablets dropped them at the hand-over.)
            let docs: Vec<DocumentId> = allowed
                .keys()
                .filter(|d| !self.delivering.contains(d))
                .copied()
                .collect();
            if self.caller.role == Role::Commissioner && docs.len() <= PRELOAD_MAX_DOCS {
                self.hub.preload(docs).await.map_err(|_| Close::Storage)?;
            }
            self.allowed = Some(allowed);
        }
        if let Some(owner) = self.allowed.as_ref().and_then(|a| a.get(&doc)) {
            return Ok(Some(owner.clone()));
        }
        // The caller's activity log may have been made after this connection loaded its list (a
        // tablet that came online syncs its residents first, then asks for the log). One log per
        // user: once it is in the list, nothing else can be.
        let log_known = self
            .allowed
            .as_ref()
            .is_some_and(|a| a.values().any(|o| matches!(o, Owner::ActivityLog(_))));
        if log_known {
            return Ok(None);
        }
        let me = self.caller.user_id.clone();
        let log = self
            .read(move |conn| Ok(activities::log_of(conn, &me)?))
            .await?;
        if log.as_deref().and_then(DocumentId::parse) != Some(doc) {
            return Ok(None);
        }
        let owner = Owner::ActivityLog(self.caller.user_id.clone());
        self.allowed
            .get_or_insert_with(HashMap::new)
            .insert(doc, owner.clone());
        Ok(Some(owner))
    }

    /// A database read for this connection; a failure closes it (`Close::Storage`).
    async fn read<T, F>(&self, f: F) -> Result<T, Close>
    where
        T: Send + 'static,
        F: FnOnce(&mut crate::db::DbConn) -> Result<T, AppError> + Send + 'static,
    {
        self.hub.db().read(f).await.map_err(|_| Close::Storage)
    }

    /// Every document in the caller's scope today, and the caller's own activity log; then the
    /// residents a commissioner watched until lately, to deliver to only (`delivering`).
    async fn load_allowed(&mut self) -> Result<HashMap<DocumentId, Owner>, Close> {
        let scope = self.scope.clone();
        let me = self.caller.user_id.clone();
        let grace_days = i64::from(self.hub.limits().handover_grace_days);
        let (residents, log, ended) = self
            .read(move |conn| {
                Ok((
                    access::residents_in_scope(conn, &scope)?,
                    activities::log_of(conn, &me)?,
                    access::residents_lately_left(conn, &scope, grace_days)?,
                ))
            })
            .await?;
        let as_docs = |rs: Vec<crate::db::directory::Resident>| {
            rs.into_iter().filter_map(|r| {
                Some((
                    DocumentId::parse(r.doc_id.as_deref()?)?,
                    Owner::Resident(r.id),
                ))
            })
        };
        let mut allowed: HashMap<DocumentId, Owner> = as_docs(residents).collect();
        if let Some(doc) = log.as_deref().and_then(DocumentId::parse) {
            allowed.insert(doc, Owner::ActivityLog(self.caller.user_id.clone()));
        }
        self.delivering.clear();
        for (doc, owner) in as_docs(ended) {
            if let std::collections::hash_map::Entry::Vacant(v) = allowed.entry(doc) {
                v.insert(owner);
                self.delivering.insert(doc);
            }
        }
        Ok(allowed)
    }

    async fn on_sync(&mut self, request: bool, document_id: &str, data: &[u8]) -> Out {
        // Bounded work before anything else: automerge trusts the numbers in a message.
        precheck::check(data).map_err(|e| Close::Protocol(e.to_string()))?;
        let Some(doc_id) = DocumentId::parse(document_id) else {
            return Ok(vec![self.unavailable(document_id)]);
        };
        let Some(owner) = self.authorize(doc_id).await? else {
            // A commissioner's tablet offers a document nobody has: a newly found resident.
            if !request && self.caller.role == Role::Commissioner {
                // Registering locks the new document: hold no other lock meanwhile.
                let mut out = self.settle().await?;
                out.extend(self.on_new_document(doc_id, data).await?);
                return Ok(out);
            }
            return Ok(vec![self.unavailable(document_id)]);
        };
        let delivering = self.delivering.contains(&doc_id);
        if delivering && request {
            // A tablet that asks for the document holds none of it: nothing to deliver, and it
            // is given nothing (it drops the resident, as before the hand-over grace).
            return Ok(vec![self.unavailable(document_id)]);
        }
        let message = sync::Message::decode(data)
            .map_err(|_| Close::Protocol("malformed sync message".into()))?;
        if !self.docs.contains_key(&doc_id) {
            // Delivering only: no stored state (it would count what this peer never got from
            // here) and no subscription (nothing new is sent to it).
            let state = if delivering {
                sync::State::new()
            } else {
                self.stored_state(doc_id).await?
            };
            self.docs.insert(
                doc_id,
                PeerDoc {
                    state,
                    dirty: false,
                    delivering,
                },
            );
            if !delivering {
                self.hub.subscribe(doc_id, self.id, self.events.clone());
            }
        }
        let slot = self.hub.slot(doc_id);
        // Answers held for the committer keep their documents locked. Waiting for another lock
        // while holding them could deadlock with a connection that holds this one and wants one
        // of ours (a commissioner's two tablets): when this lock is taken, the held answers are
        // settled first, so a connection only ever waits for a lock while it holds none.
        let (mut out, mut guard) = match slot.doc.clone().try_lock_owned() {
            Ok(guard) => (Vec::new(), guard),
            Err(_) => {
                let out = self.settle().await?;
                (out, slot.doc.clone().lock_owned().await)
            }
        };
        self.hub
            .ensure_loaded(doc_id, &mut guard)
            .await
            .map_err(|_| Close::Storage)?;
        let Some(peer) = self.docs.get_mut(&doc_id) else {
            return Err(Close::Crashed);
        };
        let Some(mut loaded) = guard.take() else {
            return Err(Close::Storage);
        };
        let state = std::mem::take(&mut peer.state);
        let Some((doc, state, receipt)) =
            receive_sized(loaded.doc, state, message, data.len()).await
        else {
            self.docs.remove(&doc_id); // the document stays unloaded: it reloads from storage
            return Err(Close::Crashed);
        };
        let changed = match receipt {
            Receipt::Unchanged => None,
            Receipt::Changed { chunk, projection } => {
                if let Err(why) =
                    self.hub
                        .within_quota(&self.caller.user_id, loaded.stored_bytes, chunk.len())
                {
                    // Not stored: the document reloads from storage, the tablet keeps its records.
                    self.docs.remove(&doc_id);
                    tracing::warn!(conn = self.id, user = %self.caller.user_id, doc = %doc_id, why, "sync refused: quota");
                    return Err(Close::Quota(why));
                }
                Some((chunk, projection))
            }
            failed => {
                // The document may hold part of a bad message: it stays unloaded and reloads from
                // storage next time; nothing is kept of this peer's state (it may count what was
                // never stored).
                self.docs.remove(&doc_id);
                return Err(self.refused(failed));
            }
        };
        loaded.doc = doc;
        peer.state = state;
        peer.dirty = !delivering;
        if delivering
            && changed.is_none()
            && peer.state.their_heads.as_ref().is_some_and(|heads| {
                heads
                    .iter()
                    .all(|h| loaded.doc.get_change_by_hash(h).is_some())
            })
        {
            // Nothing new from a tablet that holds nothing this server lacks: it is told the
            // resident left it, as before the grace, so it drops the document and keeps no sync
            // state for it. (One that sent changes gets their acknowledgement first.)
            *guard = Some(loaded);
            self.release(doc_id, guard, false);
            self.docs.remove(&doc_id);
            out.push(self.unavailable(document_id));
            return Ok(out);
        }
        let chunk_bytes = changed.as_ref().map_or(0, |(chunk, _)| chunk.len());
        let committing = match changed {
            None => None,
            Some((chunk, projection)) => {
                let job = CommitJob::Changes {
                    doc_id: doc_id.to_string(),
                    chunk,
                    owner,
                    projection,
                    delivered_by_user_id: self.caller.user_id.clone(),
                    delivered_by_device_id: self.caller.device_id.clone(),
                    may_review: self.caller.role == Role::DistrictLead,
                };
                match self.hub.submit(job) {
                    Ok(c) => Some(c),
                    Err(e) => {
                        // The copy holds changes that are not stored: it is not put back.
                        self.docs.remove(&doc_id);
                        tracing::error!(conn = self.id, error = %e, "could not persist sync changes");
                        return Err(Close::Storage);
                    }
                }
            }
        };
        let reply = std::panic::catch_unwind(AssertUnwindSafe(|| {
            if delivering {
                acknowledge_only(&loaded.doc, &mut peer.state)
            } else {
                loaded.doc.generate_sync_message(&mut peer.state)
            }
        }));
        let Ok(reply) = reply else {
            // The copy stays out, and the lock is held until the commit lands: a reload must not
            // read storage before it (the copy would lack the changes for good).
            let stored = match committing {
                Some(c) => Hub::committed(c).await.is_ok(),
                None => false,
            };
            drop(guard);
            if stored {
                self.hub.notify(doc_id, NO_CONNECTION);
            }
            self.docs.remove(&doc_id);
            return Err(Close::Crashed);
        };
        *guard = Some(loaded);
        let frames: Vec<Vec<u8>> = reply
            .into_iter()
            .map(|m| self.sync_frame(doc_id, m))
            .collect();
        match committing {
            // The answer acknowledges the new changes: it waits, the document locked, until the
            // committer has made them durable (`settle`). Meanwhile this connection goes on with
            // the next message, so a tablet's documents share one commit instead of one each.
            Some(committing) => {
                self.held_bytes += frames.iter().map(Vec::len).sum::<usize>();
                self.held.push(Held {
                    doc_id,
                    _slot: slot,
                    guard,
                    committing,
                    bytes: chunk_bytes,
                    frames,
                });
            }
            None => {
                self.release(doc_id, guard, false);
                out.extend(frames);
            }
        }
        Ok(out)
    }

    /// How many answers wait for the committer, and their size in bytes.
    pub fn held(&self) -> (usize, usize) {
        (self.held.len(), self.held_bytes)
    }

    /// Unlocks a document after a message (`changed`: its changes are now stored) and wakes the
    /// document's other subscribers if it changed. A copy kept only for changes that waited
    /// (another process changed the document since) is dropped once nothing waits, and every
    /// subscriber, this peer too, is sent what the reloaded document has new.
    fn release(
        &self,
        doc_id: DocumentId,
        mut guard: OwnedMutexGuard<Option<LoadedDoc>>,
        changed: bool,
    ) {
        let stale = guard.as_ref().is_some_and(|l| l.stale && !l.waiting());
        if stale {
            *guard = None;
        }
        drop(guard);
        if stale {
            self.hub.notify(doc_id, NO_CONNECTION);
        } else if changed {
            self.hub.notify(doc_id, self.id);
        }
    }

    /// Waits until the committer has made every held answer's changes durable, and returns the
    /// answers to send. A failed commit closes the connection, and nothing it would have
    /// acknowledged is sent; the answers of the others are not sent either, but what they stored
    /// is stored and their subscribers are told.
    pub async fn settle(&mut self) -> Out {
        let mut out = Vec::new();
        let mut failed = false;
        self.held_bytes = 0;
        for held in std::mem::take(&mut self.held) {
            let Held {
                doc_id,
                _slot,
                mut guard,
                committing,
                bytes,
                frames,
            } = held;
            if let Err(e) = Hub::committed(committing).await {
                // Not durable: forget the in-memory copy so nobody is served unsaved changes, and
                // this peer's sync state, which now counts them as shared.
                *guard = None;
                self.docs.remove(&doc_id);
                if !failed {
                    tracing::error!(conn = self.id, error = %e, "could not persist sync changes");
                }
                failed = true;
                continue;
            }
            let Some(loaded) = guard.as_mut() else {
                continue;
            };
            loaded.increments += 1;
            loaded.stored_bytes += bytes;
            if loaded.increments >= self.hub.limits().compact_after_increments {
                let compact = CommitJob::Compact {
                    doc_id: doc_id.to_string(),
                };
                if self.hub.commit(compact).await.is_ok() {
                    loaded.increments = 0;
                }
            }
            self.release(doc_id, guard, true);
            out.extend(frames);
        }
        if failed {
            return Err(Close::Storage);
        }
        Ok(out)
    }

    fn sync_frame(&self, doc_id: DocumentId, m: sync::Message) -> Vec<u8> {
        wire::encode(&Outgoing::Sync {
            sender_id: self.hub.peer_id().to_string(),
            target_id: self.peer_id.clone().unwrap_or_default(),
            document_id: doc_id.to_string(),
            data: m.encode(),
        })
    }

    /// The sync state remembered for this peer's storage, so a reconnect does not start from an
    /// empty bloom filter. All of the peer's states are read in one query, at its first request.
    async fn stored_state(&mut self, doc_id: DocumentId) -> Result<sync::State, Close> {
        let Some(storage_id) = self.storage_id.clone() else {
            return Ok(sync::State::new());
        };
        if self.stored_states.is_none() {
            let rows = self
                .read(move |conn| Ok(documents::load_sync_states(conn, &storage_id)?))
                .await?;
            self.stored_states = Some(rows.into_iter().collect());
        }
        Ok(self
            .stored_states
            .as_mut()
            .and_then(|m| m.remove(&doc_id.to_string()))
            .and_then(|b| sync::State::decode(&b).ok())
            .unwrap_or_default())
    }

    /// A document the server has never seen, offered by a commissioner's tablet: a resident found
    /// in the field (registered offline). It is kept in memory until its content arrives; a valid
    /// resident document becomes a *pending* resident of the commissioner's district, assigned to
    /// them, for the lead to approve. Anything else is answered `doc-unavailable`.
    async fn on_new_document(&mut self, doc_id: DocumentId, data: &[u8]) -> Out {
        let raw_id = doc_id.to_string();
        if !self.provisional.contains_key(&doc_id) {
            if self.provisional.len() >= MAX_PROVISIONAL {
                return Ok(vec![self.unavailable(&raw_id)]);
            }
            let id = raw_id.clone();
            let exists = self
                .read(move |conn| {
                    Ok(directory::resident_by_doc_id(conn, &id)?.is_some()
                        || activities::is_log(conn, &id)?)
                })
                .await?;
            if exists {
                return Ok(vec![self.unavailable(&raw_id)]);
            }
            self.provisional
                .insert(doc_id, (Automerge::new(), sync::State::new()));
        }
        let message = sync::Message::decode(data)
            .map_err(|_| Close::Protocol("malformed sync message".into()))?;
        let Some((doc, state)) = self.provisional.remove(&doc_id) else {
            return Err(Close::Crashed);
        };
        let Some((doc, mut state, receipt)) = receive_sized(doc, state, message, data.len()).await
        else {
            return Err(Close::Crashed);
        };
        // From an empty document, the chunk is its whole history and the projection all of it.
        let (chunk, projection) = match receipt {
            Receipt::Unchanged => {
                // Nothing but heads yet: ask for the changes.
                let reply = doc.generate_sync_message(&mut state);
                self.provisional.insert(doc_id, (doc, state));
                return Ok(reply
                    .into_iter()
                    .map(|m| self.sync_frame(doc_id, m))
                    .collect());
            }
            Receipt::Changed { chunk, projection } => (chunk, projection),
            failed => return Err(self.refused(failed)),
        };
        if let Err(why) = self.hub.within_quota(&self.caller.user_id, 0, chunk.len()) {
            tracing::warn!(conn = self.id, user = %self.caller.user_id, why, "a tablet's new resident refused: quota");
            return Err(Close::Quota(why));
        }
        let chunk_bytes = chunk.len();
        // Only commissioners register residents from a tablet: any review mark in the new
        // document is not a lead's (before, it was projected as the lead's 確認済み).
        let mut projection = projection;
        set_aside_reviews(&mut projection);
        let Some(profile) = schema::new_resident_profile(&doc) else {
            return Ok(vec![self.unavailable(&raw_id)]);
        };
        let Some(district_id) = self.caller.district_id.clone() else {
            return Ok(vec![self.unavailable(&raw_id)]);
        };
        let actor = Actor::of(&self.caller);
        let (user, device) = (self.caller.user_id.clone(), self.caller.device_id.clone());
        let id = raw_id.clone();
        let max_pending = self.hub.limits().max_pending_residents;
        let registered = self
            .hub
            .db()
            .write(move |conn| {
                let r = admin::register_pending_resident(
                    conn,
                    &actor,
                    &district_id,
                    &id,
                    &chunk,
                    profile,
                    max_pending,
                )?;
                // Registering set the resident's "last change".
                let memo = &mut BatchMemo::default();
                let now = now_ms();
                write_projection(conn, &r, &projection, &user, device.as_deref(), now, memo)?;
                raise_alerts(conn, now, memo)?;
                Ok(r)
            })
            .await;
        let resident_id = match registered {
            Ok(r) => r,
            // Too many awaiting approval: the tablet keeps it (unsent) and offers it again later.
            Err(AppError::Conflict { field, .. }) if field == admin::PENDING_RESIDENTS => {
                tracing::warn!(
                    conn = self.id,
                    "a tablet's new resident refused: too many awaiting approval"
                );
                return Ok(vec![self.unavailable(&raw_id)]);
            }
            Err(e) => {
                tracing::error!(conn = self.id, error = %e, "could not register a resident from a tablet");
                return Err(Close::Storage);
            }
        };
        let reply = doc.generate_sync_message(&mut state);
        self.hub
            .install(doc_id, LoadedDoc::new(doc, 1, chunk_bytes))
            .await;
        self.allowed
            .get_or_insert_with(HashMap::new)
            .insert(doc_id, Owner::Resident(resident_id));
        self.docs.insert(
            doc_id,
            PeerDoc {
                state,
                dirty: true,
                delivering: false,
            },
        );
        self.hub.subscribe(doc_id, self.id, self.events.clone());
        Ok(reply
            .into_iter()
            .map(|m| self.sync_frame(doc_id, m))
            .collect())
    }

    /// Another peer changed a document this one syncs: send what it lacks.
    pub async fn on_event(&mut self, event: ConnEvent) -> Out {
        let ConnEvent::DocChanged(doc_id) = event;
        // The transport settles after every read: no lock of this connection's is held here.
        debug_assert!(self.held.is_empty());
        if !self.docs.contains_key(&doc_id) || self.delivering.contains(&doc_id) {
            return Ok(vec![]);
        }
        let slot = self.hub.slot(doc_id);
        let mut guard = slot.doc.lock().await;
        self.hub
            .ensure_loaded(doc_id, &mut guard)
            .await
            .map_err(|_| Close::Storage)?;
        let (Some(loaded), Some(peer)) = (guard.as_mut(), self.docs.get_mut(&doc_id)) else {
            return Ok(vec![]);
        };
        let reply = std::panic::catch_unwind(AssertUnwindSafe(|| {
            loaded.doc.generate_sync_message(&mut peer.state)
        }))
        .map_err(|_| Close::Crashed)?;
        drop(guard);
        Ok(reply
            .into_iter()
            .map(|m| self.sync_frame(doc_id, m))
            .collect())
    }

    /// Re-checks the session and every open document after access may have changed. A revoked
    /// session or device closes the connection; a document no longer allowed is answered
    /// `doc-unavailable` and dropped.
    pub async fn revalidate(&mut self) -> Out {
        let caller = auth::caller_from_session_token(self.hub.db(), &self.session_token)
            .await
            .map_err(|_| Close::Revoked)?;
        self.scope = access::resident_scope(&caller).map_err(|_| Close::Revoked)?;
        self.caller = caller;
        let allowed = self.load_allowed().await?;
        // Handed over while open counts as gone too: the document is answered doc-unavailable
        // and dropped; should this tablet send it again, it only delivers (`delivering`). One it
        // already only delivers to stays as it is.
        let gone: Vec<DocumentId> = self
            .docs
            .iter()
            .filter(|(d, p)| {
                !allowed.contains_key(d) || (self.delivering.contains(d) && !p.delivering)
            })
            .map(|(d, _)| *d)
            .collect();
        // Watched again (assigned anew): its next message starts afresh, subscribed.
        let regained: Vec<DocumentId> = self
            .docs
            .iter()
            .filter(|(d, p)| p.delivering && !self.delivering.contains(d))
            .map(|(d, _)| *d)
            .collect();
        for d in regained {
            self.docs.remove(&d);
        }
        self.allowed = Some(allowed);
        let mut out = Vec::new();
        for d in gone {
            self.docs.remove(&d);
            self.hub.unsubscribe(d, self.id);
            out.push(self.unavailable(&d.to_string()));
        }
        Ok(out)
    }

    /// Whether the session has passed its expiry (checked by the transport's timer).
    pub fn session_expired(&self) -> bool {
        self.caller.session_expires_at <= now_ms()
    }

    /// Saves sync states and leaves the hub.
    pub async fn finish(self) {
        if let Some(storage_id) = self.storage_id.clone() {
            let states: Vec<(String, Vec<u8>)> = self
                .docs
                .iter()
                .filter(|(_, p)| p.dirty)
                .map(|(d, p)| (d.to_string(), p.state.encode()))
                .collect();
            if !states.is_empty() {
                let _ = self
                    .hub
                    .commit(CommitJob::SyncStates { storage_id, states })
                    .await;
            }
        }
        self.hub
            .disconnect(self.peer_id.as_deref(), self.id, self.docs.keys().copied());
    }
}

/// The answer to a peer that only delivers (the hand-over grace): generated from the document as
/// far as that peer has it — the history up to what it says it holds (its heads, the heads it last
/// synced at, those both share) that this server holds too — so it says "I have what you have"
/// (its records count as sent) and asks for what is missing, and carries nothing the peer lacks:
/// not the successor's records, not the rest of the history. Whatever the peer claims, the answer
/// carries no change at all.
fn acknowledge_only(doc: &Automerge, state: &mut sync::State) -> Option<sync::Message> {
    let mut claimed: Vec<automerge::ChangeHash> = state.their_heads.clone().unwrap_or_default();
    for have in state.their_have.iter().flatten() {
        claimed.extend(have.last_sync.iter().copied());
    }
    claimed.extend(state.shared_heads.iter().copied());
    let mut held: Vec<automerge::ChangeHash> = Vec::new();
    for h in claimed {
        if !held.contains(&h) && doc.get_change_by_hash(&h).is_some() {
            held.push(h);
        }
    }
    let mut answer = if held.is_empty() {
        Automerge::new().generate_sync_message(state)
    } else if doc.get_heads().iter().all(|h| held.contains(h)) {
        // It holds all this server holds: the document is its view (no fork to build).
        doc.generate_sync_message(state)
    } else {
        match doc.fork_at(&held) {
            Ok(view) => view.generate_sync_message(state),
            Err(e) => {
                tracing::warn!(error = %e, "a delivering tablet's view could not be made");
                None
            }
        }
    };
    if let Some(m) = answer.as_mut() {
        m.changes = sync::ChunkList::empty();
    }
    answer
}
