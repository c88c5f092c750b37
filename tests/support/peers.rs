//! Sync peers for tests: the real JS client (`tests/interop/tablet.mjs`, the unmodified
//! `@automerge/automerge-repo` 2.5.x in Node) and a raw protocol peer written here for the cases a
//! well-behaved client never produces (forged ids, garbage frames).

use std::time::Duration;

use actix_web::web::Bytes;
use automerge::Automerge;
use automerge::sync::{self, SyncDoc};
use awc::ws;
use ciborium::Value as Cbor;
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};

use super::{Client, TestServer};

/// Writes an entry `id` with string `fields` under `section` (`contacts`, `reviews`) of a resident
/// document, as one change.
pub fn add_entry(doc: &mut Automerge, section: &str, id: &str, fields: &[(&str, &str)]) {
    use automerge::transaction::Transactable;
    use automerge::{ObjType, ROOT, ReadDoc};
    let mut tx = doc.transaction();
    // A section a document may lack until its first entry (referrals) is made then.
    let entries = match tx.get(ROOT, section).unwrap() {
        Some((_, entries)) => entries,
        None => tx.put_object(ROOT, section, ObjType::Map).unwrap(),
    };
    let e = tx.put_object(&entries, id, ObjType::Map).unwrap();
    for (k, v) in fields {
        tx.put(&e, *k, *v).unwrap();
    }
    tx.commit();
}

/// Records a greeting (声かけ, met, no concern), as one change.
pub fn add_greeting(doc: &mut Automerge, id: &str) {
    let fields = [
        ("kind", "greeting"),
        ("outcome", "met"),
        ("concern", "none"),
        ("occurredAt", "2026-11-22T08:00:00+09:00"),
    ];
    add_entry(doc, "contacts", id, &fields);
}

/// Applies a server `sync` message to `doc`.
pub fn receive_sync(m: &[(Cbor, Cbor)], doc: &mut Automerge, state: &mut sync::State) {
    let data = field(m, "data").and_then(|v| v.as_bytes()).unwrap();
    doc.receive_sync_message(state, sync::Message::decode(data).unwrap())
        .unwrap();
}

/// Runs one tablet plan; returns its output lines, or the failure line.
pub async fn tablet(plan: Value) -> Result<Vec<Value>, Value> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("plan.json");
    std::fs::write(&path, serde_json::to_vec(&plan).unwrap()).unwrap();
    let out = tokio::process::Command::new("node")
        .arg("tablet.mjs")
        .arg(&path)
        .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/interop"))
        .output()
        .await
        .expect("node runs (scripts/test installs tests/interop)");
    let lines: Vec<Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    if out.status.success() {
        Ok(lines)
    } else {
        Err(lines.last().cloned().unwrap_or_else(
            || json!({"ok": false, "error": String::from_utf8_lossy(&out.stderr).to_string()}),
        ))
    }
}

/// A plan for `client`'s tablet with local storage in `storage` (its IndexedDB); offline when
/// `online` is false.
pub fn plan(
    s: &TestServer,
    client: &Client,
    storage: &std::path::Path,
    online: bool,
    steps: Vec<Value>,
) -> Value {
    json!({
        "url": if online { Value::String(format!("{}/sync", s.origin.replace("http://", "ws://"))) } else { Value::Null },
        "cookie": client.cookie_header(),
        "origin": s.origin,
        "storageDir": storage,
        "steps": steps,
    })
}

/// The output line of the step `op` (the last one).
pub fn step<'a>(lines: &'a [Value], op: &str) -> &'a Value {
    lines
        .iter()
        .rev()
        .find(|l| l["op"] == op)
        .unwrap_or_else(|| panic!("no {op} step in {lines:?}"))
}

/// A raw automerge-repo peer.
pub struct RawPeer {
    framed: actix_codec::Framed<awc::BoxedSocket, ws::Codec>,
    pub peer_id: String,
    pub server_peer: String,
}

/// What a raw peer received.
#[derive(Debug, PartialEq)]
pub enum Got {
    Msg(Vec<(Cbor, Cbor)>),
    Closed(Option<u16>),
    Nothing,
}

fn t(s: &str) -> Cbor {
    Cbor::Text(s.to_string())
}

pub fn field<'a>(m: &'a [(Cbor, Cbor)], key: &str) -> Option<&'a Cbor> {
    m.iter()
        .find(|(k, _)| k.as_text() == Some(key))
        .map(|(_, v)| v)
}

pub fn msg_type(m: &[(Cbor, Cbor)]) -> String {
    field(m, "type")
        .and_then(|v| v.as_text())
        .unwrap_or("")
        .to_string()
}

impl RawPeer {
    /// Opens `/sync` with `client`'s cookies (if any) and the given Origin. `Err(status)` when the
    /// upgrade is refused.
    pub async fn connect(
        s: &TestServer,
        client: Option<&Client>,
        origin: Option<&str>,
    ) -> Result<RawPeer, u16> {
        Self::connect_url(&s.origin, client, origin).await
    }

    /// Connects with `client`'s cookies and our Origin, and joins as `peer_id`: a tablet ready to
    /// sync.
    pub async fn joined(s: &TestServer, client: &Client, peer_id: &str) -> RawPeer {
        let mut peer = Self::connect(s, Some(client), Some(&s.origin))
            .await
            .unwrap_or_else(|st| panic!("upgrade refused: {st}"));
        peer.join(peer_id).await;
        peer
    }

    /// Connects to a server at `origin` with `client`'s cookies, sending that Origin.
    pub async fn connect_to(origin: &str, client: &Client) -> Result<RawPeer, u16> {
        Self::connect_url(origin, Some(client), Some(origin)).await
    }

    async fn connect_url(
        server: &str,
        client: Option<&Client>,
        origin: Option<&str>,
    ) -> Result<RawPeer, u16> {
        let url = format!("{}/sync", server.replace("http://", "ws://"));
        let mut req = awc::Client::new().ws(url).max_frame_size(64 * 1024 * 1024);
        if let Some(o) = origin {
            req = req.origin(o);
        }
        if let Some(c) = client {
            req = req.set_header("Cookie", c.cookie_header());
        }
        match req.connect().await {
            Ok((_, framed)) => Ok(RawPeer {
                framed,
                peer_id: String::new(),
                server_peer: String::new(),
            }),
            Err(awc::error::WsClientError::InvalidResponseStatus(st)) => Err(st.as_u16()),
            Err(e) => panic!("ws connect: {e}"),
        }
    }

    pub async fn send_raw(&mut self, bytes: Vec<u8>) {
        let _ = self
            .framed
            .send(ws::Message::Binary(Bytes::from(bytes)))
            .await;
    }

    pub async fn send_text(&mut self, text: &str) {
        let _ = self
            .framed
            .send(ws::Message::Text(text.to_string().into()))
            .await;
    }

    pub async fn send(&mut self, map: Vec<(Cbor, Cbor)>) {
        let mut out = Vec::new();
        ciborium::ser::into_writer(&Cbor::Map(map), &mut out).unwrap();
        self.send_raw(out).await;
    }

    /// The next protocol message (pings answered), a close, or nothing within `wait`.
    pub async fn recv(&mut self, wait: Duration) -> Got {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            match tokio::time::timeout_at(deadline, self.framed.next()).await {
                Err(_) => return Got::Nothing,
                Ok(None) => return Got::Closed(None),
                Ok(Some(Err(_))) => return Got::Closed(None),
                Ok(Some(Ok(ws::Frame::Binary(b)))) => {
                    let v: Cbor = ciborium::de::from_reader(&b[..]).expect("server sends CBOR");
                    return Got::Msg(v.into_map().expect("a map"));
                }
                Ok(Some(Ok(ws::Frame::Close(reason)))) => {
                    return Got::Closed(reason.map(|r| u16::from(r.code)));
                }
                Ok(Some(Ok(ws::Frame::Ping(p)))) => {
                    let _ = self.framed.send(ws::Message::Pong(p)).await;
                }
                Ok(Some(Ok(_))) => {}
            }
        }
    }

    /// Sends `join` as `peer_id` and expects `peer`.
    pub async fn join(&mut self, peer_id: &str) {
        self.peer_id = peer_id.to_string();
        self.send(vec![
            (t("type"), t("join")),
            (t("senderId"), t(peer_id)),
            (t("supportedProtocolVersions"), Cbor::Array(vec![t("1")])),
            (
                t("peerMetadata"),
                Cbor::Map(vec![(t("isEphemeral"), Cbor::Bool(true))]),
            ),
        ])
        .await;
        match self.recv(Duration::from_secs(5)).await {
            Got::Msg(m) if msg_type(&m) == "peer" => {
                self.server_peer = field(&m, "senderId")
                    .and_then(|v| v.as_text())
                    .unwrap()
                    .to_string();
            }
            other => panic!("expected peer, got {other:?}"),
        }
    }

    /// Sends one `request`/`sync` message for `doc_id` with `data`.
    pub async fn send_sync(&mut self, kind: &str, doc_id: &str, data: Vec<u8>) {
        let frame = self.sync_frame(kind, doc_id, data);
        self.send_raw(frame).await;
    }

    /// Sends `sync` messages for several documents in one write, so that the server reads them
    /// together (as it does a reconnecting tablet's).
    pub async fn send_syncs(&mut self, messages: Vec<(&str, Vec<u8>)>) {
        for (doc_id, data) in messages {
            let frame = self.sync_frame("sync", doc_id, data);
            self.framed
                .feed(ws::Message::Binary(Bytes::from(frame)))
                .await
                .unwrap();
        }
        self.framed.flush().await.unwrap();
    }

    fn sync_frame(&self, kind: &str, doc_id: &str, data: Vec<u8>) -> Vec<u8> {
        let map = vec![
            (t("type"), t(kind)),
            (t("senderId"), t(&self.peer_id)),
            (t("targetId"), t(&self.server_peer)),
            (t("documentId"), t(doc_id)),
            (t("data"), Cbor::Bytes(data)),
        ];
        let mut out = Vec::new();
        ciborium::ser::into_writer(&Cbor::Map(map), &mut out).unwrap();
        out
    }

    /// Syncs `doc` with the server until neither side has anything to send. Returns the message
    /// types received, or the close.
    pub async fn sync_doc(
        &mut self,
        doc_id: &str,
        doc: &mut Automerge,
        state: &mut sync::State,
    ) -> Result<Vec<String>, Got> {
        self.sync_doc_from(doc_id, doc, state, "request").await
    }

    /// [`RawPeer::sync_doc`] for a document the server does not have yet: the tablet offers it
    /// with `sync` (a resident found in the field), not `request`.
    pub async fn offer_doc(
        &mut self,
        doc_id: &str,
        doc: &mut Automerge,
        state: &mut sync::State,
    ) -> Result<Vec<String>, Got> {
        self.sync_doc_from(doc_id, doc, state, "sync").await
    }

    async fn sync_doc_from(
        &mut self,
        doc_id: &str,
        doc: &mut Automerge,
        state: &mut sync::State,
        first: &str,
    ) -> Result<Vec<String>, Got> {
        let mut seen = Vec::new();
        let mut kind = first;
        loop {
            if let Some(m) = doc.generate_sync_message(state) {
                self.send_sync(kind, doc_id, m.encode()).await;
                kind = "sync";
            }
            match self.recv(Duration::from_millis(1500)).await {
                Got::Msg(m) => {
                    let ty = msg_type(&m);
                    if ty == "sync" {
                        receive_sync(&m, doc, state);
                    }
                    seen.push(ty.clone());
                    if ty == "doc-unavailable" {
                        return Ok(seen);
                    }
                }
                Got::Nothing => return Ok(seen),
                closed => return Err(closed),
            }
        }
    }

    /// A fresh copy of `doc_id` from the server: an empty document synced until both are quiet.
    pub async fn fetch(&mut self, doc_id: &str) -> (Automerge, sync::State) {
        let mut doc = Automerge::new();
        let mut state = sync::State::new();
        self.sync_doc(doc_id, &mut doc, &mut state)
            .await
            .unwrap_or_else(|closed| panic!("closed while fetching {doc_id}: {closed:?}"));
        (doc, state)
    }

    /// Sends what `doc` has new and reads the answers until there is nothing left to send (no
    /// `request`, no 1.5 s wait for silence: for many small edits in a row).
    pub async fn exchange(&mut self, doc_id: &str, doc: &mut Automerge, state: &mut sync::State) {
        while let Some(m) = doc.generate_sync_message(state) {
            self.send_sync("sync", doc_id, m.encode()).await;
            match self.recv(Duration::from_secs(5)).await {
                Got::Msg(m) if msg_type(&m) == "sync" => receive_sync(&m, doc, state),
                Got::Msg(_) | Got::Nothing => {}
                closed => panic!("closed while sending: {closed:?}"),
            }
        }
    }

    /// Answers the server's sync messages, asking nothing itself, until `done(doc)` (within 10 s).
    pub async fn answer_until(
        &mut self,
        doc_id: &str,
        doc: &mut Automerge,
        state: &mut sync::State,
        done: impl Fn(&Automerge) -> bool,
    ) {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        // What came meanwhile, for the failure's message (a doc-unavailable, syncs that did not
        // carry it…).
        let mut seen: Vec<String> = Vec::new();
        while !done(doc) {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            match self.recv(left).await {
                Got::Msg(m) if msg_type(&m) == "sync" => {
                    receive_sync(&m, doc, state);
                    seen.push(format!("sync (their heads {:?})", state.their_heads));
                    if let Some(reply) = doc.generate_sync_message(state) {
                        self.send_sync("sync", doc_id, reply.encode()).await;
                    }
                }
                Got::Msg(m) => seen.push(msg_type(&m)),
                other => panic!(
                    "waiting for the server's sync: {other:?}; received meanwhile: {seen:?}; our heads {:?}",
                    doc.get_heads()
                ),
            }
        }
    }
}
