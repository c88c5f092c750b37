//! One sync connection: the protocol state machine for a single WebSocket.
//!
//! The transport feeds it frames ([`Connection::on_frame`]), hub events ([`Connection::on_event`])
//! and access changes ([`Connection::revalidate`]); each returns the frames to send, or a [`Close`]
//! that ends this connection only. It never sends an answer that acknowledges changes before the
//! committer has made them durable.

use std::collections::HashMap;
use std::panic::AssertUnwindSafe;

use automerge::sync::{self, SyncDoc};
use tokio::sync::mpsc;

use super::DocumentId;
use super::hub::{CommitJob, ConnEvent, ConnId, Hub};
use super::schema;
use super::wire::{self, Incoming, Outgoing};
use crate::access::{self, ResidentScope};
use crate::auth::{self, Caller};
use crate::db::{directory, documents, now_ms};

/// Why a connection ends. The reason goes to the client and the log; it never holds document data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Close {
    /// Malformed or out-of-order input (WebSocket close 1002/1003/1008).
    Protocol(String),
    /// The session or device is no longer valid.
    Revoked,
    /// The change could not be made durable; the client keeps it and retries later.
    Storage,
    /// A panic inside automerge while handling this peer's input.
    Crashed,
    /// The peer said goodbye.
    Normal,
}

impl Close {
    /// The WebSocket close code.
    pub fn code(&self) -> u16 {
        match self {
            Close::Protocol(_) => 1008,
            Close::Revoked => 4401,
            Close::Storage => 1011,
            Close::Crashed => 1011,
            Close::Normal => 1000,
        }
    }

    pub fn reason(&self) -> String {
        match self {
            Close::Protocol(m) => m.chars().take(100).collect(),
            Close::Revoked => "session revoked".into(),
            Close::Storage => "storage unavailable".into(),
            Close::Crashed => "internal error".into(),
            Close::Normal => String::new(),
        }
    }
}

struct PeerDoc {
    state: sync::State,
    resident_id: String,
    dirty: bool,
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
    events: mpsc::UnboundedSender<ConnEvent>,
}

type Out = Result<Vec<Vec<u8>>, Close>;

impl Connection {
    /// A connection for an authenticated caller; `None` when the role has no field access (the
    /// transport refuses the upgrade then).
    pub fn new(
        hub: Hub,
        caller: Caller,
        session_token: String,
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
                events: tx,
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
                self.storage_id = storage_id.filter(|_| !ephemeral);
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
                    document_id, data, ..
                },
            ) => self.on_sync(&document_id, &data).await,
            (Some(_), Incoming::Leave { .. }) => Err(Close::Normal),
            (Some(_), Incoming::Error { .. }) => {
                Err(Close::Protocol("peer reported an error".into()))
            }
            // Presence and heads gossip are not relayed; unavailability notices need no answer.
            (Some(_), _) => Ok(vec![]),
        }
    }

    fn unavailable(&self, document_id: &str) -> Vec<u8> {
        wire::encode(&Outgoing::DocUnavailable {
            sender_id: self.hub.peer_id().to_string(),
            target_id: self.peer_id.clone().unwrap_or_default(),
            document_id: document_id.chars().take(64).collect(),
        })
    }

    /// The resident behind a document, if this caller may sync it (else `None`, whatever the
    /// reason: unknown, malformed, or not allowed — all answered the same way).
    async fn authorize(&self, doc: DocumentId) -> Result<Option<String>, Close> {
        if let Some(p) = self.docs.get(&doc) {
            return Ok(Some(p.resident_id.clone()));
        }
        let scope = self.scope.clone();
        let id = doc.to_string();
        self.hub
            .db()
            .read(move |conn| {
                let Some(r) = directory::resident_by_doc_id(conn, &id)? else {
                    return Ok(None);
                };
                Ok(access::may_see_resident(conn, &scope, &r)?.then_some(r.id))
            })
            .await
            .map_err(|_| Close::Storage)
    }

    async fn on_sync(&mut self, document_id: &str, data: &[u8]) -> Out {
        let Some(doc_id) = DocumentId::parse(document_id) else {
            return Ok(vec![self.unavailable(document_id)]);
        };
        let Some(resident_id) = self.authorize(doc_id).await? else {
            return Ok(vec![self.unavailable(document_id)]);
        };
        let message = sync::Message::decode(data)
            .map_err(|_| Close::Protocol("malformed sync message".into()))?;
        if !self.docs.contains_key(&doc_id) {
            let state = self.stored_state(doc_id).await?;
            self.docs.insert(
                doc_id,
                PeerDoc {
                    state,
                    resident_id: resident_id.clone(),
                    dirty: false,
                },
            );
            self.hub.subscribe(doc_id, self.id, self.events.clone());
        }
        let slot = self.hub.slot(doc_id);
        let mut guard = slot.doc.lock().await;
        self.hub
            .ensure_loaded(doc_id, &resident_id, &mut guard)
            .await
            .map_err(|_| Close::Storage)?;
        let Some(loaded) = guard.as_mut() else {
            return Err(Close::Storage);
        };
        let Some(peer) = self.docs.get_mut(&doc_id) else {
            return Err(Close::Crashed);
        };
        let before = loaded.doc.get_heads();
        let received = std::panic::catch_unwind(AssertUnwindSafe(|| {
            loaded.doc.receive_sync_message(&mut peer.state, message)
        }));
        match received {
            Ok(Ok(())) => {}
            Ok(Err(_)) => {
                // The document may hold part of a bad message: reload it from storage next time.
                *guard = None;
                return Err(Close::Protocol("sync message rejected".into()));
            }
            Err(_) => {
                *guard = None;
                tracing::error!(
                    conn = self.id,
                    "automerge panicked on a peer's sync message"
                );
                return Err(Close::Crashed);
            }
        }
        peer.dirty = true;
        let changed = loaded.doc.get_heads() != before;
        if changed {
            let chunk = loaded.doc.save_after(&before);
            let projection = schema::project(&loaded.doc);
            let job = CommitJob::Changes {
                doc_id: doc_id.to_string(),
                chunk,
                resident_id: resident_id.clone(),
                projection,
                delivered_by_user_id: self.caller.user_id.clone(),
                delivered_by_device_id: self.caller.device_id.clone(),
            };
            if let Err(e) = self.hub.commit(job).await {
                // Not durable: forget the in-memory copy so nobody is served unsaved changes.
                *guard = None;
                tracing::error!(conn = self.id, error = %e, "could not persist sync changes");
                return Err(Close::Storage);
            }
            loaded.increments += 1;
            if loaded.increments >= self.hub.limits().compact_after_increments {
                let snapshot = loaded.doc.save();
                if self
                    .hub
                    .commit(CommitJob::Compact {
                        doc_id: doc_id.to_string(),
                        snapshot,
                    })
                    .await
                    .is_ok()
                {
                    loaded.increments = 0;
                }
            }
        }
        let reply = std::panic::catch_unwind(AssertUnwindSafe(|| {
            loaded.doc.generate_sync_message(&mut peer.state)
        }))
        .map_err(|_| Close::Crashed)?;
        drop(guard);
        if changed {
            self.hub.notify(doc_id, self.id);
        }
        Ok(reply
            .into_iter()
            .map(|m| self.sync_frame(doc_id, m))
            .collect())
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
    /// empty bloom filter.
    async fn stored_state(&self, doc_id: DocumentId) -> Result<sync::State, Close> {
        let Some(storage_id) = self.storage_id.clone() else {
            return Ok(sync::State::new());
        };
        let id = doc_id.to_string();
        let stored = self
            .hub
            .db()
            .read(move |conn| Ok(documents::load_sync_state(conn, &id, &storage_id)?))
            .await
            .map_err(|_| Close::Storage)?;
        Ok(stored
            .and_then(|b| sync::State::decode(&b).ok())
            .unwrap_or_else(sync::State::new))
    }

    /// Another peer changed a document this one syncs: send what it lacks.
    pub async fn on_event(&mut self, event: ConnEvent) -> Out {
        let ConnEvent::DocChanged(doc_id) = event;
        let Some(resident_id) = self.docs.get(&doc_id).map(|p| p.resident_id.clone()) else {
            return Ok(vec![]);
        };
        let slot = self.hub.slot(doc_id);
        let mut guard = slot.doc.lock().await;
        self.hub
            .ensure_loaded(doc_id, &resident_id, &mut guard)
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
        let scope = access::resident_scope(&caller).map_err(|_| Close::Revoked)?;
        self.caller = caller;
        self.scope = scope.clone();
        let ids: Vec<String> = self.docs.values().map(|p| p.resident_id.clone()).collect();
        let allowed = self
            .hub
            .db()
            .read(move |conn| access::allowed_among(conn, &scope, &ids))
            .await
            .map_err(|_| Close::Storage)?;
        let gone: Vec<DocumentId> = self
            .docs
            .iter()
            .filter(|(_, p)| !allowed.contains(&p.resident_id))
            .map(|(d, _)| *d)
            .collect();
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
    pub async fn finish(mut self) {
        if let Some(storage_id) = self.storage_id.clone() {
            for (doc_id, p) in self.docs.iter_mut().filter(|(_, p)| p.dirty) {
                let job = CommitJob::SyncState {
                    doc_id: doc_id.to_string(),
                    storage_id: storage_id.clone(),
                    state: p.state.encode(),
                };
                let _ = self.hub.commit(job).await;
            }
        }
        self.hub
            .disconnect(self.peer_id.as_deref(), self.id, self.docs.keys().copied());
    }
}
