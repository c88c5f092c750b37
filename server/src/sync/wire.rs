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

/// The keys a client message may carry that the server reads; anything else is skipped.
const KEYS: [&str; 8] = [
    "type",
    "senderId",
    "documentId",
    "data",
    "supportedProtocolVersions",
    "peerMetadata",
    "metadata",
    "message",
];

/// A frame's top-level map, read in place: for each key the server reads, the bytes where its
/// value starts (the first occurrence wins). Nothing is built but what the message needs, so a
/// frame costs its own bytes and the payload's one copy — the generic value tree it replaces cost
/// ~32 bytes per input byte (issue 18 item 7).
struct Fields<'a>([Option<&'a [u8]>; KEYS.len()]);

impl<'a> Fields<'a> {
    fn read(frame: &'a [u8]) -> Result<Fields<'a>, WireError> {
        let (major, count, mut rest) = shape_head(frame)?;
        if major != 5 {
            return Err(WireError::NotAMap);
        }
        let mut fields = Fields([None; KEYS.len()]);
        let mut left = count;
        loop {
            match left.as_mut() {
                Some(0) => break,
                Some(n) => *n -= 1,
                None if rest.first() == Some(&0xff) => break,
                None => {}
            }
            let key = text_at(rest);
            let mut ignore = 0;
            let value = shape_item(rest, 0, &mut ignore)?;
            if let Some(i) = key.and_then(|k| KEYS.iter().position(|known| *known == k)) {
                fields.0[i].get_or_insert(value);
            }
            rest = shape_item(value, 0, &mut ignore)?;
        }
        Ok(fields)
    }

    fn get(&self, key: &str) -> Option<&'a [u8]> {
        KEYS.iter().position(|k| *k == key).and_then(|i| self.0[i])
    }

    fn text(&self, key: &'static str) -> Result<String, WireError> {
        match self.get(key).and_then(text_at) {
            Some(s) if s.len() <= 256 => Ok(s.into_owned()),
            _ => Err(WireError::Field(key)),
        }
    }

    fn bytes(&self, key: &'static str) -> Result<Vec<u8>, WireError> {
        let item = self.get(key).ok_or(WireError::Field(key))?;
        // cbor-x may tag typed arrays (tag 64 = uint8 array).
        let item = match shape_head(item) {
            Ok((6, Some(64), inner)) => inner,
            _ => item,
        };
        string_at(item, 2)
            .map(|b| b.into_owned())
            .ok_or(WireError::Field(key))
    }
}

/// The definite or indefinite string (major type 2: bytes, 3: text) that starts `item`, if it is
/// one; indefinite strings are joined from their chunks.
fn string_at(item: &[u8], major: u8) -> Option<std::borrow::Cow<'_, [u8]>> {
    match shape_head(item).ok()? {
        (m, Some(n), rest) if m == major => Some(std::borrow::Cow::Borrowed(
            rest.get(..usize::try_from(n).ok()?)?,
        )),
        (m, None, mut rest) if m == major => {
            let mut joined = Vec::new();
            while rest.first()? != &0xff {
                let (m, n, after) = shape_head(rest).ok()?;
                let n = usize::try_from(n?).ok()?;
                if m != major {
                    return None;
                }
                joined.extend_from_slice(after.get(..n)?);
                rest = &after[n..];
            }
            Some(std::borrow::Cow::Owned(joined))
        }
        _ => None,
    }
}

/// The text string that starts `item`, if it is valid UTF-8 text.
fn text_at(item: &[u8]) -> Option<std::borrow::Cow<'_, str>> {
    match string_at(item, 3)? {
        std::borrow::Cow::Borrowed(b) => {
            std::str::from_utf8(b).ok().map(std::borrow::Cow::Borrowed)
        }
        std::borrow::Cow::Owned(b) => String::from_utf8(b).ok().map(std::borrow::Cow::Owned),
    }
}

/// An array element (no key) or a map entry (its key's bytes, its value's bytes).
type Item<'a> = (Option<&'a [u8]>, &'a [u8]);

/// The elements of the array (`major` 4) or the values of the map (5, with their keys) that starts
/// `item`; `None` when it is not one.
fn items_of(item: &[u8], major: u8) -> Option<Vec<Item<'_>>> {
    let (found, count, mut rest) = shape_head(item).ok()?;
    if found != major {
        return None;
    }
    let mut out = Vec::new();
    let mut left = count;
    let mut ignore = 0;
    loop {
        match left.as_mut() {
            Some(0) => break,
            Some(n) => *n -= 1,
            None if rest.first() == Some(&0xff) => break,
            None => {}
        }
        let key = if major == 5 {
            let k = rest;
            rest = shape_item(rest, 0, &mut ignore).ok()?;
            Some(k)
        } else {
            None
        };
        out.push((key, rest));
        rest = shape_item(rest, 0, &mut ignore).ok()?;
    }
    Some(out)
}

/// Decodes one frame.
pub fn decode(frame: &[u8]) -> Result<Incoming, WireError> {
    check_shape(frame)?;
    let map = Fields::read(frame)?;
    let kind = map.text("type")?;
    let sender = || map.text("senderId");
    Ok(match kind.as_str() {
        "join" => {
            let versions = map
                .get("supportedProtocolVersions")
                .and_then(|v| items_of(v, 4))
                .ok_or(WireError::Field("supportedProtocolVersions"))?
                .into_iter()
                .filter_map(|(_, v)| text_at(v).map(|s| s.into_owned()))
                .collect();
            let meta = map.get("peerMetadata").or_else(|| map.get("metadata"));
            let (mut storage_id, mut ephemeral) = (None, false);
            if let Some(entries) = meta.and_then(|m| items_of(m, 5)) {
                let mut seen = (false, false);
                for (key, value) in entries {
                    match key.and_then(text_at).as_deref() {
                        Some("storageId") if !seen.0 => {
                            seen.0 = true;
                            storage_id = text_at(value)
                                .filter(|s| s.len() <= 128)
                                .map(|s| s.into_owned());
                        }
                        Some("isEphemeral") if !seen.1 => {
                            seen.1 = true;
                            ephemeral = value.first() == Some(&0xf5);
                        }
                        _ => {}
                    }
                }
            }
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
            document_id: map.text("documentId")?,
            data: map.bytes("data")?,
        },
        "ephemeral" => Incoming::Ephemeral {
            sender_id: sender()?,
            document_id: map.text("documentId")?,
        },
        "remote-subscription-change" => Incoming::RemoteSubscriptionChange {
            sender_id: sender()?,
        },
        "remote-heads-changed" => Incoming::RemoteHeadsChanged {
            sender_id: sender()?,
        },
        "doc-unavailable" => Incoming::DocUnavailable {
            sender_id: sender()?,
            document_id: map.text("documentId")?,
        },
        "leave" => Incoming::Leave {
            sender_id: sender()?,
        },
        "error" => Incoming::Error {
            message: map
                .get("message")
                .and_then(text_at)
                .map(|s| s.chars().take(200).collect())
                .unwrap_or_default(),
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
    fn the_map_is_read_in_place_as_a_client_writes_it() {
        // Unknown keys and non-text keys are skipped, the first of a repeated key counts, an
        // indefinite text string is joined, and `join` without metadata is not ephemeral.
        let frame = cbor(Value::Map(vec![
            (Value::Integer(7.into()), t("ignored")),
            (
                t("extra"),
                Value::Array(vec![Value::Map(vec![(t("x"), t("y"))])]),
            ),
            (t("type"), t("sync")),
            (t("type"), t("leave")),
            (t("senderId"), t("p")),
            (t("documentId"), t("d")),
            (t("data"), Value::Bytes(vec![9; 3])),
        ]));
        assert_eq!(
            decode(&frame),
            Ok(Incoming::Sync {
                request: false,
                sender_id: "p".into(),
                document_id: "d".into(),
                data: vec![9; 3],
            })
        );
        // {"type": (indefinite "le" "ave"), "senderId": "p"}
        let mut indefinite = vec![0xa2, 0x64];
        indefinite.extend(b"type");
        indefinite.extend([0x7f, 0x62, b'l', b'e', 0x63, b'a', b'v', b'e', 0xff, 0x68]);
        indefinite.extend(b"senderId");
        indefinite.extend([0x61, b'p']);
        assert_eq!(
            decode(&indefinite),
            Ok(Incoming::Leave {
                sender_id: "p".into()
            })
        );
        let join = cbor(Value::Map(vec![
            (t("type"), t("join")),
            (t("senderId"), t("p")),
            (t("supportedProtocolVersions"), t("1")),
        ]));
        assert_eq!(
            decode(&join),
            Err(WireError::Field("supportedProtocolVersions")),
            "versions must be an array"
        );
        let long_id = cbor(Value::Map(vec![
            (t("type"), t("leave")),
            (t("senderId"), t(&"p".repeat(300))),
        ]));
        assert_eq!(decode(&long_id), Err(WireError::Field("senderId")));
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
        let get = |key: &str| {
            v.as_map()
                .unwrap()
                .iter()
                .find(|(k, _)| k.as_text() == Some(key))
                .map(|(_, v)| v.clone())
                .unwrap()
        };
        assert_eq!(get("type").as_text(), Some("sync"));
        assert_eq!(get("data").as_bytes().unwrap(), &vec![1, 2, 3]);
    }
}
