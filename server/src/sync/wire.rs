//! The automerge-repo v1 wire protocol: one CBOR map per binary WebSocket frame.
//!
//! [`decode`] accepts what the 2.5.x JS client and samod send (including `metadata` for
//! `peerMetadata`, `add` without `remove`) and rejects anything else with a [`WireError`] — the
//! connection is then closed. [`encode`] writes the messages the server sends.

use ciborium::Value;

/// A message the server receives.
#[derive(Debug, Clone, PartialEq)]
pub enum Incoming {
    Join {
        sender_id: String,
        versions: Vec<String>,
        storage_id: Option<String>,
        ephemeral: bool,
    },
    /// `request` (asks for `doc-unavailable` when the document is missing) or `sync`.
    Sync {
        request: bool,
        sender_id: String,
        document_id: String,
        data: Vec<u8>,
    },
    Ephemeral {
        sender_id: String,
        document_id: String,
    },
    RemoteSubscriptionChange {
        sender_id: String,
    },
    RemoteHeadsChanged {
        sender_id: String,
    },
    DocUnavailable {
        sender_id: String,
        document_id: String,
    },
    Leave {
        sender_id: String,
    },
    Error {
        message: String,
    },
}

impl Incoming {
    /// The peer id the message claims to come from (every message but `error` has one).
    pub fn sender_id(&self) -> Option<&str> {
        match self {
            Incoming::Join { sender_id, .. }
            | Incoming::Sync { sender_id, .. }
            | Incoming::Ephemeral { sender_id, .. }
            | Incoming::RemoteSubscriptionChange { sender_id }
            | Incoming::RemoteHeadsChanged { sender_id }
            | Incoming::DocUnavailable { sender_id, .. }
            | Incoming::Leave { sender_id } => Some(sender_id),
            Incoming::Error { .. } => None,
        }
    }
}

/// A message the server sends.
#[derive(Debug, Clone, PartialEq)]
pub enum Outgoing {
    Peer {
        sender_id: String,
        target_id: String,
        storage_id: String,
    },
    Sync {
        sender_id: String,
        target_id: String,
        document_id: String,
        data: Vec<u8>,
    },
    DocUnavailable {
        sender_id: String,
        target_id: String,
        document_id: String,
    },
    Error {
        message: String,
    },
}

/// Why a frame was refused. Never contains document content.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WireError {
    #[error("not CBOR: {0}")]
    NotCbor(String),
    #[error("not a CBOR map")]
    NotAMap,
    #[error("missing or mistyped field {0}")]
    Field(&'static str),
    #[error("unknown message type {0:?}")]
    UnknownType(String),
}

fn get<'a>(map: &'a [(Value, Value)], key: &str) -> Option<&'a Value> {
    map.iter()
        .find(|(k, _)| k.as_text() == Some(key))
        .map(|(_, v)| v)
}

fn text(map: &[(Value, Value)], key: &'static str) -> Result<String, WireError> {
    match get(map, key) {
        Some(Value::Text(s)) if s.len() <= 256 => Ok(s.clone()),
        _ => Err(WireError::Field(key)),
    }
}

fn bytes(map: &[(Value, Value)], key: &'static str) -> Result<Vec<u8>, WireError> {
    match get(map, key) {
        Some(Value::Bytes(b)) => Ok(b.clone()),
        // cbor-x may tag typed arrays (tag 64 = uint8 array).
        Some(Value::Tag(64, inner)) => match inner.as_ref() {
            Value::Bytes(b) => Ok(b.clone()),
            _ => Err(WireError::Field(key)),
        },
        _ => Err(WireError::Field(key)),
    }
}

/// Decodes one frame.
pub fn decode(frame: &[u8]) -> Result<Incoming, WireError> {
    let value: Value =
        ciborium::de::from_reader(frame).map_err(|e| WireError::NotCbor(e.to_string()))?;
    let Value::Map(map) = value else {
        return Err(WireError::NotAMap);
    };
    let kind = text(&map, "type")?;
    let sender = || text(&map, "senderId");
    Ok(match kind.as_str() {
        "join" => {
            let versions = match get(&map, "supportedProtocolVersions") {
                Some(Value::Array(vs)) => vs
                    .iter()
                    .filter_map(|v| v.as_text().map(str::to_string))
                    .collect(),
                _ => return Err(WireError::Field("supportedProtocolVersions")),
            };
            let meta = get(&map, "peerMetadata").or_else(|| get(&map, "metadata"));
            let (storage_id, ephemeral) = match meta {
                Some(Value::Map(m)) => (
                    match get(m, "storageId") {
                        Some(Value::Text(s)) if s.len() <= 128 => Some(s.clone()),
                        _ => None,
                    },
                    matches!(get(m, "isEphemeral"), Some(Value::Bool(true))),
                ),
                _ => (None, false),
            };
            Incoming::Join {
                sender_id: sender()?,
                versions,
                storage_id,
                ephemeral,
            }
        }
        "request" | "sync" => Incoming::Sync {
            request: kind == "request",
            sender_id: sender()?,
            document_id: text(&map, "documentId")?,
            data: bytes(&map, "data")?,
        },
        "ephemeral" => Incoming::Ephemeral {
            sender_id: sender()?,
            document_id: text(&map, "documentId")?,
        },
        "remote-subscription-change" => Incoming::RemoteSubscriptionChange {
            sender_id: sender()?,
        },
        "remote-heads-changed" => Incoming::RemoteHeadsChanged {
            sender_id: sender()?,
        },
        "doc-unavailable" => Incoming::DocUnavailable {
            sender_id: sender()?,
            document_id: text(&map, "documentId")?,
        },
        "leave" => Incoming::Leave {
            sender_id: sender()?,
        },
        "error" => Incoming::Error {
            message: match get(&map, "message") {
                Some(Value::Text(s)) => s.chars().take(200).collect(),
                _ => String::new(),
            },
        },
        other => return Err(WireError::UnknownType(other.chars().take(40).collect())),
    })
}

fn t(s: &str) -> Value {
    Value::Text(s.to_string())
}

/// Encodes one frame.
pub fn encode(msg: &Outgoing) -> Vec<u8> {
    let map = match msg {
        Outgoing::Peer {
            sender_id,
            target_id,
            storage_id,
        } => vec![
            (t("type"), t("peer")),
            (t("senderId"), t(sender_id)),
            (t("targetId"), t(target_id)),
            (t("selectedProtocolVersion"), t("1")),
            (
                t("peerMetadata"),
                Value::Map(vec![
                    (t("storageId"), t(storage_id)),
                    (t("isEphemeral"), Value::Bool(false)),
                ]),
            ),
        ],
        Outgoing::Sync {
            sender_id,
            target_id,
            document_id,
            data,
        } => vec![
            (t("type"), t("sync")),
            (t("senderId"), t(sender_id)),
            (t("targetId"), t(target_id)),
            (t("documentId"), t(document_id)),
            (t("data"), Value::Bytes(data.clone())),
        ],
        Outgoing::DocUnavailable {
            sender_id,
            target_id,
            document_id,
        } => vec![
            (t("type"), t("doc-unavailable")),
            (t("senderId"), t(sender_id)),
            (t("targetId"), t(target_id)),
            (t("documentId"), t(document_id)),
        ],
        Outgoing::Error { message } => vec![(t("type"), t("error")), (t("message"), t(message))],
    };
    let mut out = Vec::new();
    // Writing CBOR into a Vec cannot fail.
    let _ = ciborium::ser::into_writer(&Value::Map(map), &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cbor(v: Value) -> Vec<u8> {
        let mut out = Vec::new();
        ciborium::ser::into_writer(&v, &mut out).unwrap();
        out
    }

    #[test]
    fn join_accepts_both_metadata_spellings() {
        for key in ["peerMetadata", "metadata"] {
            let frame = cbor(Value::Map(vec![
                (t("type"), t("join")),
                (t("senderId"), t("peer-abc")),
                (t("supportedProtocolVersions"), Value::Array(vec![t("1")])),
                (
                    t(key),
                    Value::Map(vec![
                        (t("storageId"), t("s1")),
                        (t("isEphemeral"), Value::Bool(false)),
                    ]),
                ),
            ]));
            assert_eq!(
                decode(&frame).unwrap(),
                Incoming::Join {
                    sender_id: "peer-abc".into(),
                    versions: vec!["1".into()],
                    storage_id: Some("s1".into()),
                    ephemeral: false
                }
            );
        }
    }

    #[test]
    fn garbage_and_wrong_types_are_errors() {
        assert!(matches!(
            decode(b"\xff\x00garbage"),
            Err(WireError::NotCbor(_))
        ));
        assert_eq!(decode(&cbor(Value::Array(vec![]))), Err(WireError::NotAMap));
        let wrong = cbor(Value::Map(vec![
            (t("type"), t("sync")),
            (t("senderId"), t("p")),
            (t("documentId"), t("d")),
            (t("data"), t("not bytes")),
        ]));
        assert_eq!(decode(&wrong), Err(WireError::Field("data")));
    }

    #[test]
    fn sync_round_trips_through_our_encoder() {
        let out = encode(&Outgoing::Sync {
            sender_id: "server".into(),
            target_id: "p".into(),
            document_id: "d".into(),
            data: vec![1, 2, 3],
        });
        let v: Value = ciborium::de::from_reader(&out[..]).unwrap();
        let m = v.as_map().unwrap();
        assert_eq!(get(m, "type").unwrap().as_text(), Some("sync"));
        assert_eq!(get(m, "data").unwrap().as_bytes().unwrap(), &vec![1, 2, 3]);
    }
}
