//! Document ids as automerge-repo writes them: base58check of 16 random bytes; URL `automerge:<id>`.

/// A document id (16 bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DocumentId([u8; 16]);

impl DocumentId {
    pub fn random() -> DocumentId {
        DocumentId(*uuid::Uuid::new_v4().as_bytes())
    }

    /// Parses the bare id or the `automerge:` URL form.
    pub fn parse(s: &str) -> Option<DocumentId> {
        let s = s.strip_prefix("automerge:").unwrap_or(s);
        if s.is_empty() || s.len() > 64 {
            return None;
        }
        let bytes = bs58::decode(s).with_check(None).into_vec().ok()?;
        Some(DocumentId(bytes.try_into().ok()?))
    }

    pub fn url(&self) -> String {
        format!("automerge:{self}")
    }
}

impl std::fmt::Display for DocumentId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&bs58::encode(self.0).with_check().into_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_and_reject_bad_checksums() {
        let id = DocumentId::random();
        assert_eq!(DocumentId::parse(&id.to_string()), Some(id));
        assert_eq!(DocumentId::parse(&id.url()), Some(id));
        let mut s = id.to_string();
        let last = s.pop().unwrap();
        s.push(if last == '2' { '3' } else { '2' });
        assert_eq!(DocumentId::parse(&s), None);
        assert_eq!(DocumentId::parse("not base58 0OIl"), None);
    }
}
