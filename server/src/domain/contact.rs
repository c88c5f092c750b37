//! A contact (見守り記録) and its vocabulary, as every layer holds it.
//!
//! The words a tablet writes into a resident's document — kind, outcome, the indirect checks and
//! their values, the concern level, a lead's review mark — are enums here, parsed once at the edge:
//! the document schema (`sync::schema`), a query string (`api::review`), a database row
//! ([`crate::db::documents::ContactRecord::contact`]). Past the edge they are compared as enums,
//! never as strings. [`Contact`] is the one shape of a contact: the schema reads it from the
//! document, the projection stores it (converting to the row in one place,
//! [`crate::db::documents::ContactRecord::of`]), the alert rules judge it ([`super::alerts`]).
//!
//! The strings are the document's and the database's: they never change (a new word is a new
//! variant, and `web/src/schema.ts` mirrors them; a test checks it).

use std::collections::BTreeMap;

/// An enumeration of the document's words: the enum, its strings, parse and print.
macro_rules! vocabulary {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name {
            $($(#[$vdoc])* $variant),+
        }

        impl $name {
            /// Every value, in the order the tablet shows them.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            /// Every value as the document writes it, in the same order.
            pub const NAMES: &'static [&'static str] = &[$($text),+];

            /// The value the document writes, if `s` is one.
            pub fn parse(s: &str) -> Option<$name> {
                match s {
                    $($text => Some($name::$variant),)+
                    _ => None,
                }
            }

            /// As the document and the database write it.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text),+
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        /// In the API description: a string, one of [`Self::NAMES`].
        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                utoipa::openapi::schema::ObjectBuilder::new()
                    .schema_type(utoipa::openapi::schema::Type::String)
                    .enum_values(Some($name::NAMES.iter().copied()))
                    .into()
            }
        }

        impl utoipa::ToSchema for $name {}

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
                $name::parse(&s).ok_or_else(|| {
                    serde::de::Error::unknown_variant(&s, $name::NAMES)
                })
            }
        }
    };
}
pub(crate) use vocabulary;

vocabulary! {
    /// How the commissioner made contact.
    Kind {
        /// 訪問
        Visit = "visit",
        /// 電話
        Phone = "phone",
        /// 声かけ
        Greeting = "greeting",
        /// 間接確認 (lights, mailbox… seen from outside)
        Indirect = "indirect",
    }
}

vocabulary! {
    /// Whether the resident was reached.
    Outcome {
        /// 会えた
        Met = "met",
        /// 不在
        Absent = "absent",
        /// 応答なし
        NoAnswer = "no_answer",
        /// その他 (an indirect check saves this)
        Other = "other",
    }
}

vocabulary! {
    /// An indirect sign (間接確認).
    CheckName {
        /// 電気
        Lights = "lights",
        /// 郵便受け
        Mailbox = "mailbox",
        /// ゴミ出し
        Garbage = "garbage",
        /// 除雪
        Snow = "snow",
        /// カーテン
        Curtains = "curtains",
        /// 洗濯物
        Laundry = "laundry",
    }
}

vocabulary! {
    /// What an indirect sign showed.
    CheckValue {
        /// 異常なし
        Ok = "ok",
        /// 気になる
        Concern = "concern",
        /// 確認できず
        Unknown = "unknown",
        /// 該当なし (e.g. no garbage day)
        Na = "na",
    }
}

vocabulary! {
    /// How worried the commissioner is.
    Concern {
        /// なし
        None = "none",
        /// 見守り強化
        Watch = "watch",
        /// 至急
        Urgent = "urgent",
    }
}

vocabulary! {
    /// A district lead's mark on a contact.
    ReviewMark {
        /// 確認済み
        Confirmed = "confirmed",
        /// 要確認
        Check = "check",
        /// 差し戻し
        Return = "return",
    }
}

/// The indirect checks a contact recorded: each sign at most once.
pub type Checks = BTreeMap<CheckName, CheckValue>;

/// A contact's 相談・支援 classification (活動記録's 分野 and 内容), as the document writes them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Activity {
    pub fields: Vec<String>,
    pub contents: Vec<String>,
}

/// A contact (見守り記録): what the commissioner recorded, as the server accepted it.
#[derive(Debug, Clone, PartialEq)]
pub struct Contact {
    /// The tablet's id for it (a UUID; the key in the document's `contacts` map).
    pub id: String,
    /// ISO 8601 with the offset, normalised to JST; its first ten characters are the day.
    pub occurred_at: String,
    pub author_id: String,
    pub kind: Kind,
    pub outcome: Outcome,
    pub checks: Checks,
    pub concern: Concern,
    pub activity: Activity,
    pub note: String,
    pub follow_up: bool,
}

impl Contact {
    /// The day it happened, `YYYY-MM-DD`.
    pub fn day(&self) -> &str {
        self.occurred_at.get(..10).unwrap_or("")
    }

    /// What it recorded for `sign`, if it recorded that sign.
    pub fn check(&self, sign: CheckName) -> Option<CheckValue> {
        self.checks.get(&sign).copied()
    }
}

/// The checks as the database stores them: a JSON object, sign → value, keys in byte order.
pub fn checks_json(checks: &Checks) -> String {
    let map: serde_json::Map<String, serde_json::Value> = checks
        .iter()
        .map(|(k, v)| (k.as_str().to_string(), v.as_str().into()))
        .collect();
    serde_json::Value::Object(map).to_string()
}

/// The checks from their stored JSON; `None` if it is not what [`checks_json`] writes.
pub fn parse_checks(json: &str) -> Option<Checks> {
    let map: BTreeMap<String, String> = serde_json::from_str(json).ok()?;
    map.iter()
        .map(|(k, v)| Some((CheckName::parse(k)?, CheckValue::parse(v)?)))
        .collect()
}

impl Activity {
    /// As the database stores it: `{"contents": [...], "fields": [...]}`.
    pub fn to_json(&self) -> String {
        serde_json::json!({ "fields": self.fields, "contents": self.contents }).to_string()
    }

    /// From its stored JSON (missing lists are empty).
    pub fn parse(json: &str) -> Activity {
        let v: serde_json::Value = serde_json::from_str(json).unwrap_or_default();
        let list = |k: &str| -> Vec<String> {
            v[k].as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(|x| x.as_str().map(str::to_string))
                        .collect()
                })
                .unwrap_or_default()
        };
        Activity {
            fields: list("fields"),
            contents: list("contents"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_words_read_back_as_written() {
        for k in Kind::ALL {
            assert_eq!(Kind::parse(k.as_str()), Some(*k));
        }
        assert_eq!(Kind::NAMES, ["visit", "phone", "greeting", "indirect"]);
        assert_eq!(Outcome::parse("no_answer"), Some(Outcome::NoAnswer));
        assert_eq!(Outcome::parse("No_answer"), None);
        assert_eq!(
            serde_json::to_string(&Concern::Urgent).unwrap(),
            "\"urgent\""
        );
        assert!(serde_json::from_str::<Concern>("\"panic\"").is_err());
    }

    #[test]
    fn stored_checks_and_activity_keep_their_bytes() {
        // Rows stored before these types existed compare equal to rows written now (an edit is
        // found by comparing them): the same JSON, keys in byte order.
        let checks: Checks = [
            (CheckName::Snow, CheckValue::Concern),
            (CheckName::Lights, CheckValue::Ok),
            (CheckName::Curtains, CheckValue::Na),
        ]
        .into();
        let json = checks_json(&checks);
        assert_eq!(json, r#"{"curtains":"na","lights":"ok","snow":"concern"}"#);
        assert_eq!(parse_checks(&json), Some(checks));
        assert_eq!(parse_checks(r#"{"lights":"bright"}"#), None);
        let a = Activity {
            fields: vec!["health".into()],
            contents: vec![],
        };
        assert_eq!(a.to_json(), r#"{"contents":[],"fields":["health"]}"#);
        assert_eq!(Activity::parse(&a.to_json()), a);
    }
}
