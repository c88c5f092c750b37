//! Sync: resident documents over the automerge-repo v1 WebSocket protocol.
//!
//! A tablet's change walks through these rooms, in this order:
//!
//! 1. **the transport** (`api::sync_ws`, entered from `app.rs`'s `.upgrade(...)`: the `/sync` line of
//!    the route table only names it) reads a frame off the socket;
//! 2. [`connection::Connection`], one per socket, decodes it ([`wire`]), bounds it ([`precheck`]),
//!    checks the caller may sync the document (`access`), takes the document's lock in the
//!    [`hub`] (loading it through the [`loader`] if it is not in memory), merges the change and
//!    computes its rows ([`schema`]);
//! 3. [`committer`] writes the batch in one transaction on its own thread: the chunk, the rows
//!    ([`projection`]), the alerts the escalation rules raise, and the announcement to other
//!    processes ([`fanout`]);
//! 4. back in the connection, the answer that acknowledges the change is sent only once the commit
//!    returned, and the [`hub`] wakes the document's other subscribers.
//!
//! - [`wire`]: the CBOR messages. [`doc_id`]: document ids. [`schema`]: the resident document and
//!   its projection into SQL rows.
//! - [`hub::Hub`]: one per process. Holds loaded documents (evicted when idle), the index
//!   document → subscribed connections, and the user's socket count.
//! - [`connection::Connection`]: one per WebSocket. Binds the peer id at `join`, checks the ACL on
//!   every request, applies sync messages under the document's lock, persists *before* answering,
//!   and fans the change out to the document's other subscribers.
//! - [`committer`]: the group committer; [`projection`]: rows and alert rules inside its batch;
//!   [`loader`]: single-document reads gathered into one query.
//! - [`precheck`]: bounds a sync message's counts, bloom filters, compressed data and the ops its
//!   chunks declare (column run lengths, a document chunk's maxOp) before automerge reads it.
//! - [`fanout`]: several server processes on one PostgreSQL: each announces the documents it
//!   changed and reloads those the others changed.
//!
//! The transport (the WebSocket) lives in `api::sync_ws`; nothing here names actix or diesel.
//!
//! A round trip, as a test would drive it:
//! 1. client → `join {senderId: "peer-x", supportedProtocolVersions: ["1"]}`; server → `peer`.
//! 2. client → `request {documentId, data: <sync msg>}` for a resident it may see.
//! 3. server: `receive_sync_message`; if the heads moved, the received change chunks (or
//!    `save_after` when some change waits on a dependency) → committed chunk + SQL projection of the
//!    entries those changes touched, in one transaction; then `generate_sync_message` → `sync`, and every other
//!    subscriber of the document is woken to send its own `sync`.

pub mod committer;
pub mod connection;
pub mod doc_id;
pub mod fanout;
pub mod hub;
pub mod loader;
pub mod precheck;
pub mod projection;
pub mod schema;
pub mod wire;

pub use doc_id::DocumentId;

/// The stored document as JSON (from the database, so it shows exactly what is durable).
pub fn document_json(
    conn: &mut crate::db::DbConn,
    doc_id: &str,
) -> Result<serde_json::Value, crate::error::AppError> {
    let chunks = crate::db::documents::load_chunks(conn, doc_id)?;
    let doc = automerge::Automerge::load(&crate::db::documents::joined(&chunks))
        .map_err(crate::error::AppError::internal)?;
    serde_json::to_value(automerge::AutoSerde::from(&doc)).map_err(crate::error::AppError::internal)
}
