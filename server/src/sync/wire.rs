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
    #[error("CBOR shape refused: {0}")]
    Shape(&'static str),
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

/// Most CBOR items (map keys and values, array elements, tags) in one frame. The largest message a
/// client sends, `join`, has about a dozen; every payload is one byte string.
const MAX_ITEMS: usize = 256;
/// Deepest nesting of maps and arrays (`join`'s metadata is the deepest: 2).
const MAX_DEPTH: usize = 8;

/// Walks the frame's CBOR headers without building anything, refusing more than [`MAX_ITEMS`]
/// items or nesting deeper than [`MAX_DEPTH`]. Only then is the frame decoded into a value tree:
/// before, a 16 MiB frame of tiny items became a 517 MiB tree (~32 bytes per input byte) and held
/// a worker for seconds (issue 18).
fn check_shape(frame: &[u8]) -> Result<(), WireError> {
    let mut items = 0;
    let rest = shape_item(frame, 0, &mut items)?;
    if !rest.is_empty() {
        return Err(not_cbor("trailing bytes after the message"));
    }
    Ok(())
}

fn not_cbor(why: &str) -> WireError {
    WireError::NotCbor(why.to_string())
}

/// One CBOR item's head: its major type, its argument (`None` for an indefinite length), and the
/// input after the head.
type Head<'a> = (u8, Option<u64>, &'a [u8]);

fn shape_head(input: &[u8]) -> Result<Head<'_>, WireError> {
    let (&first, rest) = input.split_first().ok_or_else(|| not_cbor("truncated"))?;
    let (major, info) = (first >> 5, first & 0x1f);
    let width = match info {
        0..=23 => return Ok((major, Some(u64::from(info)), rest)),
        24 => 1,
        25 => 2,
        26 => 4,
        27 => 8,
        31 => return Ok((major, None, rest)),
        _ => return Err(not_cbor("reserved additional information")),
    };
    if rest.len() < width {
        return Err(not_cbor("truncated"));
    }
    let value = rest[..width]
        .iter()
        .fold(0u64, |v, b| (v << 8) | u64::from(*b));
    Ok((major, Some(value), &rest[width..]))
}

fn shape_item<'a>(input: &'a [u8], depth: usize, items: &mut usize) -> Result<&'a [u8], WireError> {
    *items += 1;
    if *items > MAX_ITEMS {
        return Err(WireError::Shape("too many items"));
    }
    if depth > MAX_DEPTH {
        return Err(WireError::Shape("nested too deeply"));
    }
    let (major, value, mut rest) = shape_head(input)?;
    match (major, value) {
        (0 | 1, Some(_)) => Ok(rest),
        (2 | 3, Some(n)) => {
            let n = usize::try_from(n).map_err(|_| not_cbor("truncated"))?;
            rest.get(n..).ok_or_else(|| not_cbor("truncated"))
        }
        // Indefinite strings, arrays and maps: items until the break byte.
        (2..=5, None) => loop {
            match rest.first() {
                Some(0xff) => return Ok(&rest[1..]),
                Some(_) => {
                    rest = shape_item(rest, depth + 1, items)?;
                    if major == 5 {
                        rest = shape_item(rest, depth + 1, items)?;
                    }
                }
                None => return Err(not_cbor("truncated")),
            }
        },
        (4 | 5, Some(n)) => {
            let per = if major == 5 { 2 } else { 1 };
            if n.saturating_mul(per) > (MAX_ITEMS - *items) as u64 {
                return Err(WireError::Shape("too many items"));
            }
            for _ in 0..n * per {
                rest = shape_item(rest, depth + 1, items)?;
            }
            Ok(rest)
        }
        (6, Some(_)) => shape_item(rest, depth + 1, items),
        // Simple values and floats (their bytes were the argument); a lone break is malformed.
        (7, Some(_)) => Ok(rest),
        _ => Err(not_cbor("malformed")),
    }
}

/// Decodes one frame.
pub fn decode(frame: &[u8]) -> Result<Incoming, WireError> {
    check_shape(frame)?;
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
    fn frames_of_many_items_or_deep_nesting_are_refused_before_decoding() {
        // 4 MiB of tiny integers in an array: refused by counting, not by building a tree.
        let mut many = vec![0x9a, 0x00, 0x40, 0x00, 0x00];
        many.extend(std::iter::repeat_n(0x01, 4 << 20));
        assert_eq!(decode(&many), Err(WireError::Shape("too many items")));
        let mut indefinite = vec![0x9f];
        indefinite.extend(std::iter::repeat_n(0x01, 10_000));
        indefinite.push(0xff);
        assert_eq!(decode(&indefinite), Err(WireError::Shape("too many items")));
        let deep: Vec<u8> = std::iter::repeat_n(0x81, 20).chain([0x01]).collect();
        assert_eq!(decode(&deep), Err(WireError::Shape("nested too deeply")));
        // A big byte string is one item: a sync message with a large payload still decodes.
        let big = cbor(Value::Map(vec![
            (t("type"), t("sync")),
            (t("senderId"), t("p")),
            (t("targetId"), t("server")),
            (t("documentId"), t("d")),
            (t("data"), Value::Bytes(vec![7; 1 << 20])),
        ]));
        assert!(matches!(decode(&big), Ok(Incoming::Sync { data, .. }) if data.len() == 1 << 20));
        // Tagged typed arrays (cbor-x) and indefinite maps are fine.
        let tagged = cbor(Value::Map(vec![
            (t("type"), t("sync")),
            (t("senderId"), t("p")),
            (t("documentId"), t("d")),
            (
                t("data"),
                Value::Tag(64, Box::new(Value::Bytes(vec![1, 2]))),
            ),
        ]));
        assert!(decode(&tagged).is_ok());
        let mut indefinite_map = vec![0xbf, 0x64];
        indefinite_map.extend(b"type");
        indefinite_map.push(0x65);
        indefinite_map.extend(b"leave");
        indefinite_map.push(0x68);
        indefinite_map.extend(b"senderId");
        indefinite_map.extend([0x61, b'p', 0xff]);
        assert_eq!(
            decode(&indefinite_map),
            Ok(Incoming::Leave {
                sender_id: "p".into()
            })
        );
        assert_eq!(
            decode(&indefinite_map[..indefinite_map.len() - 1]),
            Err(WireError::NotCbor("truncated".into()))
        );
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
