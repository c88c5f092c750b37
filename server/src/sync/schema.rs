//! The resident document (見守り対象者), schema versions 1 and 2 — the one place it is written down.
//!
//! ```text
//! { schema: 1, residentId,
//!   profile:  { name, kana, address, phone, household, categories: [..], emergencyContacts: [..], notes },
//!   contacts: { <client-made uuid>: Contact },          // a record synced twice is one record
//!   reviews:  { <contact id>: Review } }                 // the district lead's marks
//! Contact = { id, occurredAt (ISO 8601 with offset; projected in JST), authorId, kind, outcome, checks: { lights, mailbox, garbage,
//!             snow, curtains, laundry }, concern, activity: { fields: [..], contents: [..] }, note,
//!             followUp: bool, answer?, answeredAt? }   // answer: the commissioner's reply to a
//!                                                      // 要確認/差し戻し (on the contact: only its
//!                                                      // author writes there)
//! Review  = { mark, comment, by, at }
//! ```
//! つなぎ (referrals to agencies) are a fourth map, `referrals: { <client-made uuid>: Referral }`,
//! absent until the first:
//! ```text
//! Referral = { id, on: "YYYY-MM-DD", to, field, note, authorId, createdAt, alertId?,
//!              outcome, outcomeOn?: "YYYY-MM-DD", outcomeNote? }
//! ```
//! A document made before referrals has no `referrals` map: the first tablet to write one makes
//! it, and two that do so offline make two maps under one key (an automerge conflict). Readers —
//! [`project`] and the app — take the entries of every map under `referrals`, so neither tablet's
//! referral is lost; writers write into the map that holds the entry, or the winning one.
//! `to` is one of [`REFERRAL_AGENCIES`], `field` one of the 活動記録 分野
//! ([`crate::domain::activity::FIELDS`]), `outcome` one of [`REFERRAL_OUTCOMES`] (`open` when
//! missing). Like a contact, a referral counts as its author wrote it.
//!
//! A contact may also carry `followUpOn` (`YYYY-MM-DD`, the day the commissioner means to visit
//! again), and the document a `handover: { note, by, at }` (引き継ぎメモ for the next commissioner);
//! the tablet reads them and the server ignores them, as it ignores any field it does not name.
//!
//! The commissioner's own activity log (one per commissioner; meetings, training, certificates,
//! liaison — what a 活動記録 counts besides contacts), the same schema version:
//! ```text
//! { schema: 1, type: "activity_log", userId,
//!   activities: { <client-made uuid>: { id, date: "YYYY-MM-DD", kind, note, createdAt } } }
//! ```
//! `kind` is one of [`ACTIVITY_KINDS`]; only `date` and `kind` are projected (the note stays in the
//! document, which nobody but its commissioner syncs).
//!
//! Values are immutable strings (not collaborative text), numbers and booleans; readers accept text
//! too. The enumerations are [`KINDS`], [`OUTCOMES`], [`CHECK_NAMES`]/[`CHECK_VALUES`], [`CONCERNS`]
//! and [`REVIEW_MARKS`]; the PWA mirrors this file.
//!
//! [`project`] reads a document into rows for SQL. An entry that breaks the schema is skipped and
//! reported as a [`Problem`] (for the lead's data-quality list), never a crash.
//!
//! # Version 2 (issue 23: 個別避難計画 and 安否)
//! Every version-1 key stays as it is; version 2 adds (`docs/design/disaster-and-schema-v2.md` §1):
//! ```text
//! { schema: 2, ...every v1 key unchanged...,
//!   evacuationPlans: { <uuid>: PlanRevision },      // 個別避難計画, append-only, absent until the first
//!   safety:          { <uuid>: SafetyRecord } }     // 安否, append-only, absent until the first
//! Contact        += planConfirmed?: <revision id>   // 「計画に変更なし」 on this contact
//! PlanRevision = { id, at (ISO+offset), authorId, basedOn?: <revision id>,
//!                  consent: agreed|declined|unknown, consentOn?: YYYY-MM-DD,
//!                  needs: [Need..] (≤16), helpers: [{ name, relation, phone }] (≤5),
//!                  destination: { kind: designated|welfare|home|other, name },
//!                  howToReach, medicalNote, note }
//! SafetyRecord = { id, disasterId (""= not yet known), disasterKind, status, memo, at, authorId }
//! activity log: { schema: 2, ..., selfSafety: { <uuid>: { id, disasterId, status: safe|needs_help, at } } }
//! ```
//! New documents are born at 2 **with** the new maps: a map made in a document's first change can
//! never be made twice. This server writes version [`SCHEMA_VERSION`] ([`upgrade`] in every write it
//! makes) and knows the new sections' names (what a change touched, [`Touched`]); it projects
//! nothing from them yet.
//!
//! # The rules of a schema version (D9)
//! 1. **Additive only, forever.** A version adds keys and values; it never moves, renames, re-types
//!    or deletes a v1 key, and never rewrites v1 data into a new shape. Old fields stay and v1 apps
//!    keep writing them. A shape that cannot be added gets a new key (`evacuationPlans2`), never a
//!    rewrite.
//! 2. **The number.** `schema` is the highest version any writer has put; read it as the **maximum
//!    over all conflicting values** (`get_all(ROOT, "schema")`; JS `A.getConflicts(doc, "schema")`),
//!    missing = 1. Readers accept every version ≤ theirs and ignore keys they do not know; a document
//!    above the reader's version is still read (rule 1 guarantees it) and only prompts an update.
//! 3. **Upgrading.** Every write by a v2 writer (app or server) runs `upgrade` first, *in the same
//!    change*: if `schema` reads < 2, put the integer `2` at `ROOT.schema`. Nothing else. Two writers
//!    doing this concurrently produce a conflict of two `2`s, which every reader resolves to 2.
//! 4. **Sections are made lazily and read as a union.** A writer makes `evacuationPlans` / `safety` /
//!    `selfSafety` only when absent (`if (!d.safety) d.safety = {}`), then writes its entry into the
//!    visible (winning) map. Two tablets that both made it offline leave two maps under one key;
//!    readers take the entries of **every** map under the key (as for `referrals` above).
//! 5. **Entries are written whole and never edited.** A plan revision, a 安否 record and a self status
//!    are one `put_object` of a map with all fields (immutable strings, ints, booleans; a list inside
//!    an entry is fine because nobody else writes that entry). A correction is a new entry. So no
//!    field-level merge can ever mix two authors' halves.
//! 6. **Collections are maps keyed by a client-made UUID**, never lists (concurrent list inserts
//!    interleave and duplicate).
//!
//! Never do (each breaks convergence or hides data):
//! - `d.safety = {}` (or `put_object(ROOT, "safety")`) when one exists: it *replaces* the map
//!   causally, and records other tablets write concurrently into the old map vanish from view.
//! - Migrate by copying (e.g. `profile.emergencyContacts` into plan helpers inside `upgrade`): two
//!   tablets doing it concurrently duplicate every entry and race v1 apps still editing the old list.
//!   A form may *pre-fill* from old fields; only the user's save writes a revision.
//! - A "deterministic" upgrade change (a fixed actor id, a hand-made change): the same actor and
//!   sequence number with different deps on two tablets is a corrupt history that automerge refuses.
//! - Delete a v2 section to "downgrade", write `schema` as a string or a float, or write
//!   `schema = 2` in a change of its own (it rides with the write that needs it).
//! - Edit an entry in place (`d.safety[id].status = …`): two tablets of one commissioner would merge
//!   half of each.

use automerge::{
    AutoCommit, ObjId, ObjType, ROOT, ReadDoc, ScalarValue, Value, transaction::Transactable,
};

use crate::domain::contact::{
    Activity, CheckName, CheckValue, Checks, Concern, Contact, Kind, Outcome, ReviewMark,
};

/// The version this server writes (rule 3: every write it makes bumps a lower document to it).
pub const SCHEMA_VERSION: i64 = 2;
/// 訪問 visit / 電話 phone / 声かけ greeting / 間接確認 indirect check ([`Kind`]).
pub const KINDS: &[&str] = Kind::NAMES;
/// 会えた / 不在 / 応答なし / その他 ([`Outcome`]).
pub const OUTCOMES: &[&str] = Outcome::NAMES;
/// 電気 / 郵便受け / ゴミ出し / 除雪 / カーテン / 洗濯物 ([`CheckName`]).
pub const CHECK_NAMES: &[&str] = CheckName::NAMES;
/// 異常なし / 気になる / 確認できず / 該当なし ([`CheckValue`]).
pub const CHECK_VALUES: &[&str] = CheckValue::NAMES;
/// なし / 見守り強化 / 至急 ([`Concern`]).
pub const CONCERNS: &[&str] = Concern::NAMES;
/// 確認済み / 要確認 / 差し戻し ([`ReviewMark`]).
pub const REVIEW_MARKS: &[&str] = ReviewMark::NAMES;
/// The activity log's kinds ([`crate::domain::activity::ActivityKind`]).
pub const ACTIVITY_KINDS: &[&str] = crate::domain::activity::ActivityKind::NAMES;
/// つなぎ: 地域包括支援センター / 社会福祉協議会・地区社協 / 市 福祉保険課 / 警察・消防 / 医療機関 /
/// その他.
pub const REFERRAL_AGENCIES: [&str; 6] = [
    "chiiki_hokatsu",
    "shakyo",
    "city",
    "police_fire",
    "medical",
    "other",
];
/// What came of a referral: 結果待ち / 支援につながった / 本人が望まなかった / その他.
pub const REFERRAL_OUTCOMES: [&str; 4] = ["open", "connected", "declined", "other"];
/// Longest note or comment kept (characters).
pub const MAX_NOTE_CHARS: usize = 4000;
/// Longest string value a change may write anywhere in a document (bytes): a note at its longest
/// in 4-byte characters. A change with a longer one is refused on receipt, not stored.
pub const MAX_STRING_BYTES: usize = 4 * MAX_NOTE_CHARS;

/// The profile fields the server fills when a resident is registered.
pub struct NewProfile<'a> {
    pub resident_id: &'a str,
    pub name: &'a str,
    pub kana: &'a str,
    pub address: &'a str,
}

/// A new resident document, saved (the first chunk to store).
pub fn new_document(p: &NewProfile<'_>) -> Result<Vec<u8>, automerge::AutomergeError> {
    let mut doc = AutoCommit::new();
    doc.put(ROOT, "schema", SCHEMA_VERSION)?;
    doc.put(ROOT, "residentId", p.resident_id)?;
    let profile = doc.put_object(ROOT, "profile", ObjType::Map)?;
    for (k, v) in [
        ("name", p.name),
        ("kana", p.kana),
        ("address", p.address),
        ("phone", ""),
        ("household", ""),
        ("notes", ""),
    ] {
        doc.put(&profile, k, v)?;
    }
    doc.put_object(&profile, "categories", ObjType::List)?;
    doc.put_object(&profile, "emergencyContacts", ObjType::List)?;
    doc.put_object(ROOT, "contacts", ObjType::Map)?;
    doc.put_object(ROOT, "reviews", ObjType::Map)?;
    doc.put_object(ROOT, "referrals", ObjType::Map)?;
    // Born with version 2's sections: made in the first change, they are never made twice.
    doc.put_object(ROOT, "evacuationPlans", ObjType::Map)?;
    doc.put_object(ROOT, "safety", ObjType::Map)?;
    Ok(doc.save())
}

/// Sets a resident document's name, kana and address (a roster import's correction), in one
/// change; fields already equal are left alone, so an unchanged profile makes no change.
pub fn set_profile(
    doc: &mut automerge::Automerge,
    name: &str,
    kana: &str,
    address: &str,
) -> Result<(), crate::error::AppError> {
    use crate::error::AppError;
    use automerge::transaction::Transactable;
    let internal = |e: automerge::AutomergeError| AppError::internal(e);
    let Some((_, profile)) = doc.get(ROOT, "profile").map_err(internal)? else {
        return Err(AppError::internal("a resident document without a profile"));
    };
    let mut changed = Vec::new();
    for (k, v) in [("name", name), ("kana", kana), ("address", address)] {
        let now = doc
            .get(&profile, k)
            .map_err(internal)?
            .and_then(|(v, _)| v.into_string().ok());
        if now.as_deref() != Some(v) {
            changed.push((k, v));
        }
    }
    if changed.is_empty() {
        return Ok(());
    }
    let mut tx = doc.transaction();
    upgrade(&mut tx).map_err(internal)?;
    for (k, v) in changed {
        tx.put(&profile, k, v).map_err(internal)?;
    }
    tx.commit();
    Ok(())
}

/// A new activity log for `user_id`, saved (the first chunk to store).
pub fn new_activity_log(user_id: &str) -> Result<Vec<u8>, automerge::AutomergeError> {
    let mut doc = AutoCommit::new();
    doc.put(ROOT, "schema", SCHEMA_VERSION)?;
    doc.put(ROOT, "type", "activity_log")?;
    doc.put(ROOT, "userId", user_id)?;
    doc.put_object(ROOT, "activities", ObjType::Map)?;
    doc.put_object(ROOT, "selfSafety", ObjType::Map)?;
    Ok(doc.save())
}

/// Every number written at `ROOT.schema` (more than one when writers put it concurrently); values
/// that are not numbers are not versions and are left out.
fn schema_values<D: ReadDoc>(doc: &D) -> Vec<i64> {
    doc.get_all(&ROOT, "schema")
        .unwrap_or_default()
        .into_iter()
        .filter_map(|(v, _)| match v {
            Value::Scalar(s) => match s.as_ref() {
                ScalarValue::Int(i) => Some(*i),
                ScalarValue::Uint(u) => i64::try_from(*u).ok(),
                ScalarValue::F64(f) => Some(*f as i64),
                _ => None,
            },
            _ => None,
        })
        .collect()
}

/// A document's schema version (rule 2): the highest of the conflicting values at `ROOT.schema`; 1
/// when there is none.
pub fn schema_of<D: ReadDoc>(doc: &D) -> i64 {
    schema_values(doc).into_iter().max().unwrap_or(1)
}

/// Rule 3, in the writer's own transaction (before its write, never alone): a document that reads
/// below this server's version is bumped to it. Two writers doing so concurrently leave equal
/// values, which [`schema_of`] reads as one version; a document above it is left as it is.
pub fn upgrade<T: Transactable>(tx: &mut T) -> Result<(), automerge::AutomergeError> {
    if schema_of(&*tx) < SCHEMA_VERSION {
        tx.put(ROOT, "schema", SCHEMA_VERSION)?;
    }
    Ok(())
}

/// Rule 4: every map under the root key `section`, oldest first (`get` reads the last, the one a
/// writer writes into). Two tablets that each made a section offline leave two.
pub fn section_maps<D: ReadDoc>(doc: &D, section: &str) -> Vec<ObjId> {
    doc.get_all(ROOT, section)
        .unwrap_or_default()
        .into_iter()
        .filter_map(|(v, id)| matches!(v, Value::Object(ObjType::Map)).then_some(id))
        .collect()
}

/// The profile of a document a tablet created for a newly found resident, if it is a valid resident
/// document: a `schema` this server reads (`1..=SCHEMA_VERSION`: an app a version behind still
/// registers residents) and a name (kana and address may still be blank).
pub fn new_resident_profile<D: ReadDoc>(doc: &D) -> Option<Profile> {
    // Written, not defaulted: a tablet's new resident always says its version.
    let schema = schema_values(doc).into_iter().max()?;
    if !(1..=SCHEMA_VERSION).contains(&schema) {
        return None;
    }
    let profile = map_at(doc, &ROOT, "profile")?;
    let name = crate::domain::Name::parse(&string_at(doc, &profile, "name")?).ok()?;
    let kana = string_at(doc, &profile, "kana").unwrap_or_default();
    let kana = if kana.trim().is_empty() {
        String::new()
    } else {
        crate::domain::Kana::parse(&kana).ok()?.as_str().to_string()
    };
    let address = string_at(doc, &profile, "address").unwrap_or_default();
    if address.chars().count() > 200 {
        return None;
    }
    Some(Profile {
        name: name.into_inner(),
        kana,
        address: address.trim().to_string(),
    })
}

#[derive(Debug, Clone, PartialEq)]
pub struct ReviewRow {
    pub contact_id: String,
    pub mark: String,
    pub comment: String,
    pub by: String,
    pub at: String,
}

/// An entry that breaks the schema: where, and what (codes only, no content).
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    pub entry_kind: &'static str,
    pub entry_id: String,
    pub problem: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Profile {
    pub name: String,
    pub kana: String,
    pub address: String,
}

/// A referral (つなぎ) as projected into SQL (the notes stay in the document).
#[derive(Debug, Clone, PartialEq)]
pub struct ReferralRow {
    pub id: String,
    /// `YYYY-MM-DD`.
    pub day: String,
    pub agency: String,
    pub field: String,
    pub outcome: String,
    pub outcome_on: Option<String>,
    pub alert_id: Option<String>,
    pub author_id: String,
}

/// A 安否 record (`safety`, in a resident's document) or the commissioner's own status
/// (`selfSafety`, in their activity log), as projected into SQL: words and times; the memo stays in
/// the document.
#[derive(Debug, Clone, PartialEq)]
pub struct SafetyRow {
    pub id: String,
    /// The disaster the tablet knew of ("" when none had reached it).
    pub disaster_id: String,
    pub status: String,
    /// Japan time with offset (`normalize_to_jst`).
    pub at: String,
    /// Who recorded it (empty for an own status: the log's owner).
    pub author_id: String,
}

/// A 個別避難計画 revision as projected into SQL: which it replaces, when, by whom, the consent and its
/// day. Needs, helpers, where to go and how stay in the document.
#[derive(Debug, Clone, PartialEq)]
pub struct PlanRow {
    pub id: String,
    pub based_on: String,
    pub at: String,
    pub consent: String,
    pub consent_on: Option<String>,
    pub author_id: String,
}

/// A contact's 「計画に変更なし」: the revision it confirmed, and its day.
#[derive(Debug, Clone, PartialEq)]
pub struct PlanConfirmation {
    pub contact_id: String,
    pub revision_id: String,
    pub day: String,
}

/// An activity log entry as projected into SQL.
#[derive(Debug, Clone, PartialEq)]
pub struct ActivityRow {
    pub id: String,
    /// `YYYY-MM-DD`.
    pub day: String,
    pub kind: String,
}

/// The rows a document (or a change to it) projects to. A resident document has no activities and
/// an activity log nothing else; the committer writes only the part its owner may have.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Projection {
    pub profile: Option<Profile>,
    pub contacts: Vec<Contact>,
    pub reviews: Vec<ReviewRow>,
    pub referrals: Vec<ReferralRow>,
    pub activities: Vec<ActivityRow>,
    /// Activity log entries deleted by these changes (a mistaken entry taken back by its
    /// commissioner). Contacts are history and stay; an activity entry is only a count.
    pub removed_activities: Vec<String>,
    /// 安否 records (a resident's document) and own statuses (an activity log).
    pub safety: Vec<SafetyRow>,
    pub self_safety: Vec<SafetyRow>,
    /// 個別避難計画 revisions, and contacts that confirmed one.
    pub plans: Vec<PlanRow>,
    pub plan_confirmations: Vec<PlanConfirmation>,
    pub problems: Vec<Problem>,
}

/// One map's entries, read in a single pass (`get` per key costs a seek each).
struct Fields(std::collections::HashMap<String, Field>);

enum Field {
    Str(String),
    Bool(bool),
    Map(ObjId),
    List(ObjId),
    Other,
}

impl Fields {
    fn read<D: ReadDoc>(doc: &D, obj: &ObjId) -> Fields {
        let mut out = std::collections::HashMap::new();
        for item in doc.map_range(obj, ..) {
            let field = match &item.value {
                automerge::ValueRef::Scalar(automerge::ScalarValueRef::Str(s)) => {
                    Field::Str(s.to_string())
                }
                automerge::ValueRef::Scalar(automerge::ScalarValueRef::Boolean(b)) => {
                    Field::Bool(*b)
                }
                automerge::ValueRef::Object(ObjType::Map) => Field::Map(item.id()),
                automerge::ValueRef::Object(ObjType::List) => Field::List(item.id()),
                automerge::ValueRef::Object(ObjType::Text) => match doc.text(item.id()) {
                    Ok(t) => Field::Str(t),
                    Err(_) => Field::Other,
                },
                _ => Field::Other,
            };
            out.insert(item.key.to_string(), field);
        }
        Fields(out)
    }

    fn string(&self, key: &str) -> Option<String> {
        match self.0.get(key) {
            Some(Field::Str(s)) => Some(s.clone()),
            _ => None,
        }
    }

    fn boolean(&self, key: &str) -> Option<bool> {
        match self.0.get(key) {
            Some(Field::Bool(b)) => Some(*b),
            _ => None,
        }
    }

    fn map(&self, key: &str) -> Option<&ObjId> {
        match self.0.get(key) {
            Some(Field::Map(id)) => Some(id),
            _ => None,
        }
    }

    fn list(&self, key: &str) -> Option<&ObjId> {
        match self.0.get(key) {
            Some(Field::List(id)) => Some(id),
            _ => None,
        }
    }
}

fn list_strings<D: ReadDoc>(doc: &D, list: Option<&ObjId>) -> Vec<String> {
    let Some(list) = list else { return Vec::new() };
    doc.list_range(list, ..)
        .filter_map(|item| match &item.value {
            automerge::ValueRef::Scalar(automerge::ScalarValueRef::Str(s)) => Some(s.to_string()),
            _ => None,
        })
        .take(32)
        .collect()
}

fn string_at<D: ReadDoc>(doc: &D, obj: &ObjId, key: &str) -> Option<String> {
    match doc.get(obj, key).ok()?? {
        (Value::Scalar(s), _) => match s.as_ref() {
            ScalarValue::Str(s) => Some(s.to_string()),
            _ => None,
        },
        (Value::Object(ObjType::Text), id) => doc.text(&id).ok(),
        _ => None,
    }
}

fn map_at<D: ReadDoc>(doc: &D, obj: &ObjId, key: &str) -> Option<ObjId> {
    match doc.get(obj, key).ok()?? {
        (Value::Object(ObjType::Map), id) => Some(id),
        _ => None,
    }
}

fn one_of(value: Option<String>, allowed: &[&str], field: &str) -> Result<String, String> {
    match value {
        Some(v) if allowed.contains(&v.as_str()) => Ok(v),
        Some(_) => Err(format!("{field}: unknown value")),
        None => Err(format!("{field}: missing")),
    }
}

fn bounded(value: Option<String>, max: usize, field: &str) -> Result<String, String> {
    let v = value.unwrap_or_default();
    if v.chars().count() > max {
        return Err(format!("{field}: too long"));
    }
    Ok(v)
}

/// One of an enumeration's words, parsed.
fn word<T>(value: Option<String>, parse: fn(&str) -> Option<T>, field: &str) -> Result<T, String> {
    match value {
        Some(v) => parse(&v).ok_or_else(|| format!("{field}: unknown value")),
        None => Err(format!("{field}: missing")),
    }
}

fn read_contact<D: ReadDoc>(doc: &D, key: &str, obj: &ObjId) -> Result<Contact, String> {
    if key.is_empty() || key.len() > 64 {
        return Err("id: invalid".into());
    }
    let f = Fields::read(doc, obj);
    let kind = word(f.string("kind"), Kind::parse, "kind")?;
    let outcome = word(f.string("outcome"), Outcome::parse, "outcome")?;
    let concern = word(f.string("concern"), Concern::parse, "concern")?;
    let occurred_at = bounded(f.string("occurredAt"), 40, "occurredAt")?;
    if occurred_at.is_empty() {
        return Err("occurredAt: missing".into());
    }
    let occurred_at = crate::domain::normalize_to_jst(&occurred_at)
        .ok_or("occurredAt: not a date-time with an offset")?;
    let mut checks = Checks::new();
    if let Some(c) = f.map("checks") {
        let c = Fields::read(doc, c);
        for name in CheckName::ALL {
            if let Some(v) = c.string(name.as_str()) {
                let v =
                    CheckValue::parse(&v).ok_or_else(|| format!("checks.{name}: unknown value"))?;
                checks.insert(*name, v);
            }
        }
    }
    let (fields, contents) = match f.map("activity") {
        Some(a) => {
            let a = Fields::read(doc, a);
            (
                list_strings(doc, a.list("fields")),
                list_strings(doc, a.list("contents")),
            )
        }
        None => (Vec::new(), Vec::new()),
    };
    Ok(Contact {
        id: key.to_string(),
        occurred_at,
        author_id: bounded(f.string("authorId"), 64, "authorId")?,
        kind,
        outcome,
        checks,
        concern,
        activity: Activity { fields, contents },
        note: bounded(f.string("note"), MAX_NOTE_CHARS, "note")?,
        follow_up: f.boolean("followUp").unwrap_or(false),
    })
}

fn read_activity<D: ReadDoc>(doc: &D, key: &str, obj: &ObjId) -> Result<ActivityRow, String> {
    let f = Fields::read(doc, obj);
    if key.is_empty() || key.len() > 64 {
        return Err("id: empty or too long".into());
    }
    let day = crate::domain::Date::parse(&f.string("date").unwrap_or_default())
        .map_err(|_| "date: not YYYY-MM-DD".to_string())?
        .to_string();
    Ok(ActivityRow {
        id: key.to_string(),
        day,
        kind: one_of(f.string("kind"), ACTIVITY_KINDS, "kind")?,
    })
}

fn read_referral<D: ReadDoc>(doc: &D, key: &str, obj: &ObjId) -> Result<ReferralRow, String> {
    if key.is_empty() || key.len() > 64 {
        return Err("id: invalid".into());
    }
    let f = Fields::read(doc, obj);
    let day = |field: &str| {
        crate::domain::Date::parse(&f.string(field).unwrap_or_default())
            .map(|d| d.to_string())
            .map_err(|_| format!("{field}: not YYYY-MM-DD"))
    };
    let outcome = match f.string("outcome") {
        None => "open".to_string(),
        v => one_of(v, &REFERRAL_OUTCOMES, "outcome")?,
    };
    bounded(f.string("note"), MAX_NOTE_CHARS, "note")?;
    bounded(f.string("outcomeNote"), MAX_NOTE_CHARS, "outcomeNote")?;
    Ok(ReferralRow {
        id: key.to_string(),
        day: day("on")?,
        agency: one_of(f.string("to"), &REFERRAL_AGENCIES, "to")?,
        field: one_of(f.string("field"), &crate::domain::activity::FIELDS, "field")?,
        outcome_on: match f.string("outcomeOn") {
            Some(_) => Some(day("outcomeOn")?),
            None => None,
        },
        outcome,
        alert_id: f
            .string("alertId")
            .map(|a| bounded(Some(a), 64, "alertId"))
            .transpose()?,
        author_id: bounded(f.string("authorId"), 64, "authorId")?,
    })
}

/// An object of the document as JSON (strings, numbers, booleans, maps, lists; text as a string).
pub fn object_json<D: ReadDoc>(doc: &D, obj: &ObjId) -> serde_json::Value {
    use serde_json::Value as J;
    let value = |v: Value<'_>, id: ObjId| -> J {
        match v {
            Value::Object(ObjType::Map) | Value::Object(ObjType::List) => object_json(doc, &id),
            Value::Object(ObjType::Text) => J::String(doc.text(&id).unwrap_or_default()),
            Value::Object(_) => J::Null,
            Value::Scalar(s) => match s.as_ref() {
                ScalarValue::Str(t) => J::String(t.to_string()),
                ScalarValue::Int(i) => J::from(*i),
                ScalarValue::Uint(u) => J::from(*u),
                ScalarValue::F64(f) => J::from(*f),
                ScalarValue::Boolean(b) => J::Bool(*b),
                _ => J::Null,
            },
        }
    };
    match doc.object_type(obj) {
        Ok(ObjType::List) => J::Array(
            (0..doc.length(obj))
                .filter_map(|i| doc.get(obj, i).ok().flatten())
                .map(|(v, id)| value(v, id))
                .collect(),
        ),
        _ => J::Object(
            doc.keys(obj)
                .filter_map(|k| {
                    let (v, id) = doc.get(obj, k.as_str()).ok().flatten()?;
                    Some((k, value(v, id)))
                })
                .collect(),
        ),
    }
}

/// A profile field of a resident's document as text (`phone`, `household`…).
pub fn profile_text<D: ReadDoc>(doc: &D, key: &str) -> Option<String> {
    let profile = map_at(doc, &ROOT, "profile")?;
    string_at(doc, &profile, key)
}

/// The resident's 個別避難計画 as the document holds it (every map under `evacuationPlans`, rule 4):
/// the current revision, whole, as JSON (`domain::evacuation::current`); `None` without one.
pub fn current_plan<D: ReadDoc>(doc: &D) -> Option<serde_json::Value> {
    use crate::domain::evacuation::{Consent, Revision, current};
    let mut found: Vec<(Revision, ObjId)> = Vec::new();
    for map in section_maps(doc, "evacuationPlans") {
        for key in doc.keys(&map) {
            let Ok(Some((Value::Object(ObjType::Map), id))) = doc.get(&map, key.as_str()) else {
                continue;
            };
            let Ok(row) = read_plan(doc, &key, &id) else {
                continue;
            };
            found.push((
                Revision {
                    id: row.id,
                    based_on: row.based_on,
                    at: row.at,
                    consent: Consent::parse(&row.consent).unwrap_or(Consent::Unknown),
                },
                id,
            ));
        }
    }
    let revisions: Vec<Revision> = found.iter().map(|(r, _)| r.clone()).collect();
    let (plan, _) = current(&revisions)?;
    let obj = &found.iter().find(|(r, _)| r.id == plan.id)?.1;
    Some(object_json(doc, obj))
}

/// A 安否 record or an own status (`own`): written whole, never edited (rule 5).
fn read_safety<D: ReadDoc>(
    doc: &D,
    key: &str,
    obj: &ObjId,
    own: bool,
) -> Result<SafetyRow, String> {
    use crate::domain::disaster::{SafetyStatus, SelfStatus};
    if key.is_empty() || key.len() > 64 {
        return Err("id: invalid".into());
    }
    let f = Fields::read(doc, obj);
    let status = if own {
        word(f.string("status"), SelfStatus::parse, "status")?.as_str()
    } else {
        word(f.string("status"), SafetyStatus::parse, "status")?.as_str()
    };
    bounded(f.string("memo"), MAX_NOTE_CHARS, "memo")?;
    let at = f
        .string("at")
        .and_then(|a| crate::domain::normalize_to_jst(&a))
        .ok_or("at: not a date-time with an offset")?;
    Ok(SafetyRow {
        id: key.to_string(),
        disaster_id: bounded(f.string("disasterId"), 64, "disasterId")?,
        status: status.to_string(),
        at,
        author_id: if own {
            String::new()
        } else {
            bounded(f.string("authorId"), 64, "authorId")?
        },
    })
}

/// A plan revision, written whole (rule 5): the words the server keeps, and the bounds of the rest.
fn read_plan<D: ReadDoc>(doc: &D, key: &str, obj: &ObjId) -> Result<PlanRow, String> {
    use crate::domain::evacuation::{Consent, DestinationKind, Need, Relation};
    if key.is_empty() || key.len() > 64 {
        return Err("id: invalid".into());
    }
    let f = Fields::read(doc, obj);
    let consent = word(f.string("consent"), Consent::parse, "consent")?;
    let consent_on = match f.string("consentOn").filter(|d| !d.is_empty()) {
        Some(d) => Some(
            crate::domain::Date::parse(&d)
                .map_err(|_| "consentOn: not YYYY-MM-DD")?
                .to_string(),
        ),
        None if consent == Consent::Unknown => None,
        None => return Err("consentOn: missing".into()),
    };
    let needs = list_strings(doc, f.list("needs"));
    if needs.len() > 16 || needs.iter().any(|n| Need::parse(n).is_none()) {
        return Err("needs: unknown value or too many".into());
    }
    if let Some(helpers) = f.list("helpers") {
        let n = doc.length(helpers);
        if n > 5 {
            return Err("helpers: more than 5".into());
        }
        for i in 0..n {
            let Ok(Some((Value::Object(ObjType::Map), h))) = doc.get(helpers, i) else {
                return Err("helpers: not a map".into());
            };
            let h = Fields::read(doc, &h);
            bounded(h.string("name"), 100, "helpers.name")?;
            bounded(h.string("phone"), 30, "helpers.phone")?;
            if let Some(r) = h.string("relation").filter(|r| !r.is_empty()) {
                Relation::parse(&r).ok_or("helpers.relation: unknown value")?;
            }
        }
    }
    if let Some(dest) = f.map("destination") {
        let d = Fields::read(doc, dest);
        if let Some(k) = d.string("kind").filter(|k| !k.is_empty()) {
            DestinationKind::parse(&k).ok_or("destination.kind: unknown value")?;
        }
        bounded(d.string("name"), 100, "destination.name")?;
    }
    for field in ["howToReach", "medicalNote", "note"] {
        bounded(f.string(field), MAX_NOTE_CHARS, field)?;
    }
    let at = f
        .string("at")
        .and_then(|a| crate::domain::normalize_to_jst(&a))
        .ok_or("at: not a date-time with an offset")?;
    Ok(PlanRow {
        id: key.to_string(),
        based_on: bounded(f.string("basedOn"), 64, "basedOn")?,
        at,
        consent: consent.as_str().to_string(),
        consent_on,
        author_id: bounded(f.string("authorId"), 64, "authorId")?,
    })
}

fn read_review<D: ReadDoc>(doc: &D, key: &str, obj: &ObjId) -> Result<ReviewRow, String> {
    if key.is_empty() || key.len() > 64 {
        return Err("id: invalid".into());
    }
    let f = Fields::read(doc, obj);
    Ok(ReviewRow {
        contact_id: key.to_string(),
        mark: word(f.string("mark"), ReviewMark::parse, "mark")?
            .as_str()
            .to_string(),
        comment: bounded(f.string("comment"), MAX_NOTE_CHARS, "comment")?,
        by: bounded(f.string("by"), 64, "by")?,
        at: bounded(f.string("at"), 40, "at")?,
    })
}

/// What a set of changes touched: the profile, and which contacts and reviews.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Touched {
    pub profile: bool,
    pub contacts: std::collections::BTreeSet<String>,
    pub reviews: std::collections::BTreeSet<String>,
    pub referrals: std::collections::BTreeSet<String>,
    pub activities: std::collections::BTreeSet<String>,
    /// Version 2's sections: 個別避難計画 revisions (`evacuationPlans`), 安否 records (`safety`) and the
    /// commissioner's own status in the activity log (`selfSafety`).
    pub plans: std::collections::BTreeSet<String>,
    pub safety: std::collections::BTreeSet<String>,
    pub self_safety: std::collections::BTreeSet<String>,
    /// The longest string value the changes write (bytes; text spliced into a text object counts
    /// per splice, a map or list value whole).
    pub longest_string: usize,
}

impl Touched {
    /// The entries touched in `section` (a root map whose entries are keyed by id), if it is one
    /// this server names.
    fn entries_of(&mut self, section: &str) -> Option<&mut std::collections::BTreeSet<String>> {
        Some(match section {
            "contacts" => &mut self.contacts,
            "reviews" => &mut self.reviews,
            "referrals" => &mut self.referrals,
            "activities" => &mut self.activities,
            "evacuationPlans" => &mut self.plans,
            "safety" => &mut self.safety,
            "selfSafety" => &mut self.self_safety,
            _ => return None,
        })
    }
}

/// The entries changed between two sets of heads (from automerge's patches, so the cost follows the
/// size of the change, not of the document).
pub fn touched(
    doc: &automerge::Automerge,
    before: &[automerge::ChangeHash],
    after: &[automerge::ChangeHash],
) -> Touched {
    touched_by(doc.diff(before, after))
}

/// What `doc` gained since `before`: the chunk to store and the entries it touched (a diff). For
/// changes that did not come as received chunks — some waited for a dependency, or the server made
/// them itself.
pub fn changed_since(
    doc: &automerge::Automerge,
    before: &[automerge::ChangeHash],
) -> (Vec<u8>, Touched) {
    let after = doc.get_heads();
    (doc.save_after(before), touched(doc, before, &after))
}

/// The entries named by a set of patches (e.g. those logged while receiving a sync message).
pub fn touched_by(patches: Vec<automerge::Patch>) -> Touched {
    use automerge::{PatchAction, Prop};
    let mut t = Touched::default();
    for patch in patches {
        let written = match &patch.action {
            PatchAction::PutMap { value, .. } | PatchAction::PutSeq { value, .. } => {
                string_len(&value.0)
            }
            PatchAction::Insert { values, .. } => {
                values.iter().map(|v| string_len(&v.0)).max().unwrap_or(0)
            }
            PatchAction::SpliceText { value, .. } => value.make_string().len(),
            _ => 0,
        };
        t.longest_string = t.longest_string.max(written);
        let section = patch.path.first().map(|(_, p)| p.clone());
        let entry = match (patch.path.get(1), &patch.action) {
            (Some((_, Prop::Map(k))), _) => Some(k.clone()),
            (None, PatchAction::PutMap { key, .. }) | (None, PatchAction::DeleteMap { key }) => {
                Some(key.clone())
            }
            _ => None,
        };
        match (section, entry) {
            (Some(Prop::Map(s)), _) if s == "profile" => t.profile = true,
            (Some(Prop::Map(s)), Some(k)) => {
                if let Some(set) = t.entries_of(&s) {
                    set.insert(k);
                }
            }
            // A change at the root (a new section, a schema bump): re-read everything.
            (None, _) => t.profile = true,
            _ => {}
        }
    }
    t
}

fn string_len(v: &Value<'_>) -> usize {
    match v {
        Value::Scalar(s) => match s.as_ref() {
            ScalarValue::Str(s) => s.len(),
            _ => 0,
        },
        _ => 0,
    }
}

/// The entries named by the changes in `chunks` (change chunks, as a sync message carries them), read
/// from the changes' own operations — no patch log while receiving, no diff after: the cost follows
/// the number of operations. `doc` must already hold the changes (objects made by earlier changes
/// are placed with its `parents`). `None` when a chunk is not one change or an object cannot be
/// placed, or when `doc` does not hold one of the changes (automerge skipped it); the caller then
/// diffs ([`touched`]) and stores what `doc` holds.
///
/// Uses automerge's `legacy` change expansion and `import_obj` (public, though hidden from its
/// documentation); the unit test `touched_by_changes_agrees_with_the_diff` pins their meaning.
pub fn touched_by_changes(doc: &automerge::Automerge, chunks: &[Vec<u8>]) -> Option<Touched> {
    use automerge::legacy::{Key, ObjectId, OpId, OpType};
    // Where each object seen sits: its first two map keys from the root (section, entry; "#" for a
    // list element) — all that says what it touches.
    let mut paths: std::collections::HashMap<OpId, Vec<String>> = Default::default();
    let mut t = Touched::default();
    for chunk in chunks
        .iter()
        .map(|c| split_chunks(c))
        .collect::<Option<Vec<_>>>()?
        .concat()
    {
        let change = automerge::Change::try_from(chunk).ok()?;
        // Only what automerge applied (a chunk with a bad checksum, or one after it, is parsed here
        // but skipped there): stored as received, the document would not load again.
        doc.get_change_by_hash(&change.hash())?;
        let change = change.decode();
        for (i, op) in change.operations.iter().enumerate() {
            let obj_path = match &op.obj {
                ObjectId::Root => Vec::new(),
                ObjectId::Id(id) => match paths.get(id) {
                    Some(p) => p.clone(),
                    None => {
                        let exid = doc.import_obj(&id.to_string()).ok()?;
                        let mut p: Vec<String> = doc
                            .parents(&exid)
                            .ok()?
                            .map(|parent| match parent.prop {
                                automerge::Prop::Map(k) => k,
                                automerge::Prop::Seq(_) => "#".to_string(),
                            })
                            .collect();
                        p.reverse();
                        p.truncate(2);
                        paths.insert(id.clone(), p.clone());
                        p
                    }
                },
            };
            if let OpType::Put(automerge::ScalarValue::Str(v)) = &op.action {
                t.longest_string = t.longest_string.max(v.len());
            }
            let key = match &op.key {
                Key::Map(k) => k.to_string(),
                Key::Seq(_) => "#".to_string(),
            };
            match (obj_path.first().map(String::as_str), obj_path.get(1)) {
                // A change at the root (a new section, a schema bump): the profile is re-read.
                (None, _) => t.profile = true,
                (Some("profile"), _) => t.profile = true,
                (Some(section), entry) => {
                    let entry = entry.unwrap_or(&key);
                    let Some(set) = t.entries_of(section) else {
                        continue;
                    };
                    if entry != "#" && !set.contains(entry) {
                        set.insert(entry.clone());
                    }
                }
            }
            if let OpType::Make(_) = op.action {
                let made = OpId(change.start_op.get() + i as u64, change.actor_id.clone());
                let mut p = obj_path;
                p.push(key);
                p.truncate(2);
                paths.insert(made, p);
            }
        }
    }
    Some(t)
}

/// Splits concatenated storage chunks (a v2 sync message carries its changes as one run of change
/// chunks): each is magic (4 bytes), checksum (4), type (1), LEB128 length, data. `None` when the
/// bytes are not such a run; whether each piece is a valid change is for `Change::try_from` to say.
fn split_chunks(bytes: &[u8]) -> Option<Vec<&[u8]>> {
    const MAGIC: [u8; 4] = [0x85, 0x6f, 0x4a, 0x83];
    let mut out = Vec::new();
    let mut pos = 0;
    while pos < bytes.len() {
        if bytes.get(pos..pos + 4)? != MAGIC {
            return None;
        }
        let mut at = pos + 9;
        let (mut len, mut shift) = (0u64, 0u32);
        loop {
            let b = *bytes.get(at)?;
            at += 1;
            len |= u64::from(b & 0x7f).checked_shl(shift)?;
            if b & 0x80 == 0 {
                break;
            }
            shift += 7;
            if shift > 63 {
                return None;
            }
        }
        let end = at.checked_add(usize::try_from(len).ok()?)?;
        out.push(bytes.get(pos..end)?);
        pos = end;
    }
    Some(out)
}

/// Reads the touched entries into rows (see [`project`]).
pub fn project_touched<D: ReadDoc>(doc: &D, t: &Touched) -> Projection {
    project_where(doc, Some(t))
}

/// Reads the whole document into rows; never panics on a document that breaks the schema.
pub fn project<D: ReadDoc>(doc: &D) -> Projection {
    project_where(doc, None)
}

fn project_where<D: ReadDoc>(doc: &D, only: Option<&Touched>) -> Projection {
    let mut p = Projection::default();
    // Rule 2: a document an app newer than this server wrote (a server rolled back) is read all the
    // same — rule 1 keeps every key read here — and the lead is told once. A bump is a root change,
    // so every change that makes it re-reads this.
    if only.is_none_or(|t| t.profile) && schema_of(doc) > SCHEMA_VERSION {
        p.problems.push(Problem {
            entry_kind: "document",
            entry_id: "schema".into(),
            problem: "schema: newer than this server".into(),
        });
    }
    if let Some(profile) = map_at(doc, &ROOT, "profile").filter(|_| only.is_none_or(|t| t.profile))
    {
        // The same rules as the administrator's screens (no control or bidirectional override
        // characters, lengths); kana and address may still be blank for a resident found in the
        // field.
        let text = |key: &str| string_at(doc, &profile, key).unwrap_or_default();
        let (name, kana, address) = (text("name"), text("kana"), text("address"));
        let blank_or = |raw: &str, ok: bool| raw.trim().is_empty() || ok;
        if crate::domain::Name::parse(&name).is_ok()
            && blank_or(&kana, crate::domain::Kana::parse(&kana).is_ok())
            && blank_or(&address, crate::domain::Address::parse(&address).is_ok())
        {
            p.profile = Some(Profile {
                name,
                kana,
                address,
            });
        } else {
            p.problems.push(Problem {
                entry_kind: "profile",
                entry_id: String::new(),
                problem: "name/kana/address: missing, too long or with characters not allowed"
                    .into(),
            });
        }
    }
    for (section, kind) in [
        ("contacts", "contact"),
        ("reviews", "review"),
        ("referrals", "referral"),
        ("activities", "activity"),
        ("safety", "safety"),
        ("selfSafety", "self_safety"),
        ("evacuationPlans", "plan"),
    ] {
        // Every map under the key: `referrals` may have been made twice, concurrently.
        let maps = section_maps(doc, section);
        // `get_all` lists them oldest first; `get` reads the last.
        let Some(winner) = maps.last() else {
            continue;
        };
        let keys: Vec<(String, ObjId)> = match only {
            None => maps
                .iter()
                .flat_map(|m| doc.keys(m).map(|k| (k, m.clone())).collect::<Vec<_>>())
                .collect(),
            Some(t) => {
                let wanted = match kind {
                    "contact" => &t.contacts,
                    "review" => &t.reviews,
                    "referral" => &t.referrals,
                    "safety" => &t.safety,
                    "self_safety" => &t.self_safety,
                    "plan" => &t.plans,
                    _ => &t.activities,
                };
                wanted
                    .iter()
                    .map(|k| {
                        let holder = maps
                            .iter()
                            .find(|m| doc.get(*m, k.as_str()).ok().flatten().is_some())
                            .unwrap_or(winner);
                        (k.clone(), holder.clone())
                    })
                    .collect()
            }
        };
        for (key, obj) in keys {
            let entry = match doc.get(&obj, key.as_str()) {
                Ok(Some((Value::Object(ObjType::Map), id))) => Ok(id),
                // Deleted since: nothing to project (contact rows are history; they stay).
                Ok(None) => {
                    if kind == "activity" && only.is_some() {
                        p.removed_activities.push(key);
                    }
                    continue;
                }
                _ => Err("not a map".to_string()),
            };
            let result = entry.and_then(|id| match kind {
                "contact" => read_contact(doc, &key, &id).map(|c| {
                    // 「計画に変更なし」: kept apart from the contact's own row.
                    if let Some(revision) = string_at(doc, &id, "planConfirmed")
                        .filter(|r| !r.is_empty() && r.len() <= 64)
                    {
                        p.plan_confirmations.push(PlanConfirmation {
                            contact_id: c.id.clone(),
                            revision_id: revision,
                            day: c.day().to_string(),
                        });
                    }
                    p.contacts.push(c)
                }),
                "plan" => read_plan(doc, &key, &id).map(|r| p.plans.push(r)),
                "review" => read_review(doc, &key, &id).map(|r| p.reviews.push(r)),
                "referral" => read_referral(doc, &key, &id).map(|r| p.referrals.push(r)),
                "safety" => read_safety(doc, &key, &id, false).map(|r| p.safety.push(r)),
                "self_safety" => read_safety(doc, &key, &id, true).map(|r| p.self_safety.push(r)),
                _ => read_activity(doc, &key, &id).map(|a| p.activities.push(a)),
            });
            if let Err(problem) = result {
                p.problems.push(Problem {
                    entry_kind: kind,
                    entry_id: key.chars().take(64).collect(),
                    problem,
                });
            }
        }
    }
    p
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A resident document with a minimal profile, as the server makes it.
    fn blank_document() -> Vec<u8> {
        new_document(&NewProfile {
            resident_id: "r",
            name: "n",
            kana: "えぬ",
            address: "a",
        })
        .unwrap()
    }

    /// The tablet app's copy of the schema (web/src/schema.ts) lists every value the server accepts,
    /// so a value added here without the app (or the reverse, for the 活動記録 lists) fails a test.
    #[test]
    fn referrals_made_by_two_tablets_at_once_are_all_read() {
        // A document from before referrals: no `referrals` map. Two tablets each make one offline
        // and record a referral in it; merged, one map wins the key, and both referrals count.
        let mut base = AutoCommit::load(&blank_document()).unwrap();
        base.delete(ROOT, "referrals").unwrap();
        let mut a = base.fork();
        let mut b = base.fork();
        for (doc, id) in [(&mut a, "j-a"), (&mut b, "j-b")] {
            let refs = doc.put_object(ROOT, "referrals", ObjType::Map).unwrap();
            let r = doc.put_object(&refs, id, ObjType::Map).unwrap();
            for (k, v) in [
                ("on", "2026-12-01"),
                ("to", "chiiki_hokatsu"),
                ("field", "高齢者"),
                ("authorId", "u"),
            ] {
                doc.put(&r, k, v).unwrap();
            }
        }
        a.merge(&mut b).unwrap();
        assert_eq!(a.get_all(ROOT, "referrals").unwrap().len(), 2, "a conflict");
        let mut ids: Vec<String> = project(&a).referrals.into_iter().map(|r| r.id).collect();
        ids.sort();
        assert_eq!(ids, ["j-a", "j-b"]);
        let touched = Touched {
            referrals: ["j-a".to_string(), "j-b".to_string()].into(),
            ..Touched::default()
        };
        assert_eq!(project_touched(&a, &touched).referrals.len(), 2);
    }

    #[test]
    fn the_pwa_mirrors_the_enumerations() {
        let ts = include_str!("../../../web/src/schema.ts");
        let activity = crate::domain::activity::FIELDS
            .iter()
            .chain(crate::domain::activity::CONTENTS.iter())
            .chain(crate::domain::activity::OTHER_ACTIVITIES.iter());
        for v in KINDS
            .iter()
            .chain(OUTCOMES.iter())
            .chain(CHECK_NAMES.iter())
            .chain(CHECK_VALUES.iter())
            .chain(CONCERNS.iter())
            .chain(REVIEW_MARKS.iter())
            .chain(ACTIVITY_KINDS.iter())
            .chain(REFERRAL_AGENCIES.iter())
            .chain(REFERRAL_OUTCOMES.iter())
            .chain(activity)
        {
            assert!(
                ts.contains(&format!("\"{v}\"")),
                "web/src/schema.ts lacks {v:?}"
            );
        }
        assert!(ts.contains(&format!("SCHEMA_VERSION = {SCHEMA_VERSION}")));
        assert!(ts.contains(&format!("MAX_NOTE_CHARS = {MAX_NOTE_CHARS}")));
    }

    #[test]
    fn a_new_document_projects_its_profile() {
        let bytes = new_document(&NewProfile {
            resident_id: "r1",
            name: "試験 花子",
            kana: "しけん はなこ",
            address: "旭川市",
        })
        .unwrap();
        let doc = AutoCommit::load(&bytes).unwrap();
        let p = project(&doc);
        assert_eq!(p.profile.unwrap().name, "試験 花子");
        assert!(p.contacts.is_empty() && p.problems.is_empty());
    }

    /// A name written through sync obeys the administrator's rules: a right-to-left override (which
    /// shows 「子花 験試」 for a name typed backwards) or a control character is not projected.
    #[test]
    fn a_profile_with_characters_the_office_refuses_is_not_projected() {
        for bad in ["試験\u{202e}花子", "試験\u{0007}花子", "試験\u{2066}花子"] {
            let bytes = new_document(&NewProfile {
                resident_id: "r1",
                name: bad,
                kana: "しけん はなこ",
                address: "旭川市",
            })
            .unwrap();
            let p = project(&AutoCommit::load(&bytes).unwrap());
            assert!(p.profile.is_none(), "{bad:?}");
            assert_eq!(p.problems.len(), 1, "{bad:?}");
        }
        assert!(crate::domain::Name::parse("試験\u{202e}花子").is_err());
    }

    #[test]
    fn touched_names_exactly_the_changed_entries() {
        let bytes = blank_document();
        let mut doc = automerge::Automerge::load(&bytes).unwrap();
        let before = doc.get_heads();
        let contacts = map_at(&doc, &ROOT, "contacts").unwrap();
        let mut tx = doc.transaction();
        let c = tx.put_object(&contacts, "c-new", ObjType::Map).unwrap();
        tx.put(&c, "kind", "visit").unwrap();
        tx.commit();
        let t = touched(&doc, &before, &doc.get_heads());
        assert_eq!(
            t.contacts.into_iter().collect::<Vec<_>>(),
            vec!["c-new".to_string()]
        );
        assert!(!t.profile && t.reviews.is_empty());
    }

    /// The receive path names touched entries from the received changes; the diff is the reference.
    #[test]
    fn touched_by_changes_agrees_with_the_diff() {
        let bytes = blank_document();
        let mut doc = automerge::Automerge::load(&bytes).unwrap();
        fn sections<D: ReadDoc>(d: &D) -> (ObjId, ObjId, ObjId) {
            (
                map_at(d, &ROOT, "contacts").unwrap(),
                map_at(d, &ROOT, "reviews").unwrap(),
                map_at(d, &ROOT, "profile").unwrap(),
            )
        }
        type Step = fn(&mut automerge::transaction::Transaction<'_>);
        let mut steps: Vec<Step> = Vec::new();
        // A visit as the tablet writes it: a map with checks and two lists.
        steps.push(|tx| {
            let (contacts, _, _) = sections(&*tx);
            let c = tx.put_object(&contacts, "c-1", ObjType::Map).unwrap();
            tx.put(&c, "kind", "visit").unwrap();
            let checks = tx.put_object(&c, "checks", ObjType::Map).unwrap();
            tx.put(&checks, "snow", "concern").unwrap();
            let a = tx.put_object(&c, "activity", ObjType::Map).unwrap();
            let f = tx.put_object(&a, "fields", ObjType::List).unwrap();
            tx.insert(&f, 0, "高齢者").unwrap();
        });
        // Later edits deep inside an existing contact, a review, a profile field, a second visit.
        steps.push(|tx| {
            let (contacts, reviews, profile) = sections(&*tx);
            let c = map_at(&*tx, &contacts, "c-1").unwrap();
            let checks = map_at(&*tx, &c, "checks").unwrap();
            tx.put(&checks, "mailbox", "ok").unwrap();
            let r = tx.put_object(&reviews, "c-1", ObjType::Map).unwrap();
            tx.put(&r, "mark", "seen").unwrap();
            tx.put(&profile, "phone", "0166").unwrap();
            let c2 = tx.put_object(&contacts, "c-2", ObjType::Map).unwrap();
            tx.put(&c2, "kind", "phone").unwrap();
        });
        // A deletion, and a new section at the root.
        steps.push(|tx| {
            let (contacts, _, _) = sections(&*tx);
            tx.delete(&contacts, "c-2").unwrap();
            tx.put_object(ROOT, "extra", ObjType::Map).unwrap();
        });
        // Version 2 as its writers write it: the bump and the sections in the change that needs
        // them, each entry one map written whole (a plan revision with lists and a map inside).
        steps.push(|tx| {
            tx.put(ROOT, "schema", 2).unwrap();
            let safety = tx.put_object(ROOT, "safety", ObjType::Map).unwrap();
            let s = tx.put_object(&safety, "s-1", ObjType::Map).unwrap();
            tx.put(&s, "status", "safe").unwrap();
            let plans = tx
                .put_object(ROOT, "evacuationPlans", ObjType::Map)
                .unwrap();
            let p = tx.put_object(&plans, "p-1", ObjType::Map).unwrap();
            tx.put(&p, "consent", "agreed").unwrap();
            let needs = tx.put_object(&p, "needs", ObjType::List).unwrap();
            tx.insert(&needs, 0, "wheelchair").unwrap();
            let helpers = tx.put_object(&p, "helpers", ObjType::List).unwrap();
            let h = tx.insert_object(&helpers, 0, ObjType::Map).unwrap();
            tx.put(&h, "relation", "neighbour").unwrap();
            let dest = tx.put_object(&p, "destination", ObjType::Map).unwrap();
            tx.put(&dest, "kind", "welfare").unwrap();
        });
        // Later entries into the sections that now exist, and a commissioner's own status (which
        // lives in the activity log; the names are the same whichever document carries them).
        steps.push(|tx| {
            let safety = map_at(&*tx, &ROOT, "safety").unwrap();
            let s = tx.put_object(&safety, "s-2", ObjType::Map).unwrap();
            tx.put(&s, "status", "needs_help").unwrap();
            let plans = map_at(&*tx, &ROOT, "evacuationPlans").unwrap();
            let p = tx.put_object(&plans, "p-2", ObjType::Map).unwrap();
            tx.put(&p, "basedOn", "p-1").unwrap();
            let mine = tx.put_object(ROOT, "selfSafety", ObjType::Map).unwrap();
            let m = tx.put_object(&mine, "me-1", ObjType::Map).unwrap();
            tx.put(&m, "status", "safe").unwrap();
        });
        let mut seen = 0;
        let (mut plans, mut safety, mut self_safety) = (Vec::new(), Vec::new(), Vec::new());
        for step in steps {
            let before = doc.get_heads();
            let mut tx = doc.transaction();
            step(&mut tx);
            tx.commit();
            let after = doc.get_heads();
            let chunks: Vec<Vec<u8>> = doc
                .get_changes(&before)
                .into_iter()
                .map(|c| c.raw_bytes().to_vec())
                .collect();
            let fast = touched_by_changes(&doc, &chunks).expect("every object placed");
            assert_eq!(fast, touched(&doc, &before, &after));
            // A v2 sync message carries the same changes as one run of chunks.
            assert_eq!(
                touched_by_changes(&doc, &[chunks.concat()]),
                Some(fast.clone())
            );
            seen += fast.contacts.len() + fast.reviews.len() + usize::from(fast.profile);
            plans.extend(fast.plans);
            safety.extend(fast.safety);
            self_safety.extend(fast.self_safety);
        }
        // The root writes of the v2 steps re-read the profile (a section made, a schema bump).
        assert_eq!(seen, 1 + 4 + 2 + 1 + 1);
        assert_eq!(plans, ["p-1", "p-2"]);
        assert_eq!(safety, ["s-1", "s-2"]);
        assert_eq!(self_safety, ["me-1"]);
        // A document chunk is not a change: the caller falls back to the diff.
        assert_eq!(touched_by_changes(&doc, &[doc.save()]), None);
    }

    /// A message whose second change has a bad checksum: automerge applies the first and stops
    /// there (a partial load, not an error), so the chunks as received are not what it holds, and
    /// stored they would make the document fail to load for good (found by review after the
    /// automerge 0.12 upgrade). The fast path must not name them: the caller then stores what the
    /// document itself holds.
    #[test]
    fn changes_automerge_did_not_apply_are_not_taken_as_received() {
        let base = blank_document();
        let mut tablet = automerge::Automerge::load(&base).unwrap();
        let mut chunks = Vec::new();
        for id in ["c-1", "c-2"] {
            let before = tablet.get_heads();
            let mut tx = tablet.transaction();
            let contacts = map_at(&tx, &ROOT, "contacts").unwrap();
            let c = tx.put_object(&contacts, id, ObjType::Map).unwrap();
            tx.put(&c, "kind", "visit").unwrap();
            tx.commit();
            let change = tablet.get_changes(&before).remove(0);
            chunks.push(change.raw_bytes().to_vec());
        }
        chunks[1][4] ^= 0xff; // the checksum
        let mut server = automerge::Automerge::load(&base).unwrap();
        server.load_incremental(&chunks.concat()).unwrap();
        let first = automerge::Change::try_from(&chunks[0][..]).unwrap().hash();
        assert_eq!(
            server.get_heads(),
            [first],
            "the first change applied, not the second"
        );
        assert_eq!(touched_by_changes(&server, &chunks), None);
        // Why: stored as received, the document no longer loads.
        assert!(automerge::Automerge::load(&[base.as_slice(), &chunks.concat()].concat()).is_err());
        // Both applied (the checksum intact), the fast path names them.
        chunks[1][4] ^= 0xff;
        server.load_incremental(&chunks[1]).unwrap();
        assert!(touched_by_changes(&server, &chunks).is_some());
    }

    #[test]
    fn bad_entries_become_problems_not_panics() {
        let mut doc = AutoCommit::load(&blank_document()).unwrap();
        let contacts = map_at(&doc, &ROOT, "contacts").unwrap();
        let good = doc.put_object(&contacts, "c-good", ObjType::Map).unwrap();
        for (k, v) in [
            ("kind", "visit"),
            ("outcome", "met"),
            ("concern", "none"),
            ("occurredAt", "2026-11-20T10:00:00+09:00"),
        ] {
            doc.put(&good, k, v).unwrap();
        }
        let checks = doc.put_object(&good, "checks", ObjType::Map).unwrap();
        doc.put(&checks, "snow", "concern").unwrap();
        let bad = doc.put_object(&contacts, "c-bad", ObjType::Map).unwrap();
        doc.put(&bad, "kind", "teleport").unwrap();
        doc.put(&contacts, "c-scalar", 42).unwrap();
        // A client that writes UTC: the same evening is the 1st of December in Japan, and the
        // report for December counts it there.
        let utc = doc.put_object(&contacts, "c-utc", ObjType::Map).unwrap();
        let no_offset = doc.put_object(&contacts, "c-local", ObjType::Map).unwrap();
        for (k, v) in [("kind", "phone"), ("outcome", "met"), ("concern", "none")] {
            doc.put(&utc, k, v).unwrap();
            doc.put(&no_offset, k, v).unwrap();
        }
        doc.put(&utc, "occurredAt", "2026-11-30T23:30:00.000Z")
            .unwrap();
        doc.put(&no_offset, "occurredAt", "2026-11-30T23:30")
            .unwrap();
        let p = project(&doc);
        assert_eq!(p.contacts.len(), 2);
        let good = p.contacts.iter().find(|c| c.id == "c-good").unwrap();
        assert_eq!(
            crate::domain::contact::checks_json(&good.checks),
            r#"{"snow":"concern"}"#
        );
        let utc = p.contacts.iter().find(|c| c.id == "c-utc").unwrap();
        assert_eq!(utc.occurred_at, "2026-12-01T08:30:00+09:00");
        assert_eq!(p.problems.len(), 3);
        assert!(p.problems.iter().all(|x| x.entry_kind == "contact"));
    }

    /// A schema-1 document as v1 writers left it (`tests/fixtures/schema-v1/`, see its README).
    macro_rules! v1_fixture {
        ($name:literal) => {
            AutoCommit::load(include_bytes!(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/tests/fixtures/schema-v1/",
                $name
            )))
            .unwrap()
        };
    }

    /// Documents already in the field, written by the server and the 0.1 app at schema 1, read as
    /// they were: every visit, mark, referral and activity still counts.
    #[test]
    fn schema_1_documents_from_the_field_are_read_as_before() {
        let doc = v1_fixture!("new-document.automerge");
        assert_eq!(schema_of(&doc), 1);
        let p = project(&doc);
        assert_eq!(p.profile.unwrap().name, "試験 花子");
        assert!(p.contacts.is_empty() && p.problems.is_empty());

        let p = project(&v1_fixture!("new-document-with-records.automerge"));
        assert!(p.problems.is_empty(), "{:?}", p.problems);
        let [visit] = &p.contacts[..] else {
            panic!("{:?}", p.contacts)
        };
        assert_eq!(visit.id, "c-v1-visit");
        assert_eq!(visit.occurred_at, "2026-11-20T10:00:00+09:00");
        assert_eq!(
            visit.checks.get(&CheckName::Snow),
            Some(&CheckValue::Concern)
        );
        let [review] = &p.reviews[..] else {
            panic!("{:?}", p.reviews)
        };
        assert_eq!(
            (review.mark.as_str(), review.by.as_str()),
            ("check", "u-lead")
        );
        let [referral] = &p.referrals[..] else {
            panic!("{:?}", p.referrals)
        };
        assert_eq!(
            (referral.id.as_str(), referral.agency.as_str()),
            ("j-v1", "shakyo")
        );

        // Registered on a tablet (the 0.1 app's registerResident): the server still registers it.
        let doc = v1_fixture!("tablet-registered.automerge");
        assert_eq!(new_resident_profile(&doc).unwrap().name, "新規 ハル");
        let p = project(&doc);
        assert_eq!(p.contacts.len(), 1);
        assert!(p.referrals.is_empty() && p.problems.is_empty());
        // automerge 3.5.0 writes the app's `schema: 1` (a JS integer) as an int, which is what
        // every reader here takes for a version.
        assert!(matches!(
            doc.get(ROOT, "schema").unwrap(),
            Some((Value::Scalar(v), _)) if matches!(v.as_ref(), ScalarValue::Int(1))
        ));

        // Two tablets that each made `referrals` offline: both maps are read.
        let doc = v1_fixture!("conflicting-referrals.automerge");
        assert_eq!(doc.get_all(ROOT, "referrals").unwrap().len(), 2);
        let mut ids: Vec<String> = project(&doc).referrals.into_iter().map(|r| r.id).collect();
        ids.sort();
        assert_eq!(ids, ["j-a", "j-b"]);

        let doc = v1_fixture!("activity-log.automerge");
        assert_eq!(schema_of(&doc), 1);
        let p = project(&doc);
        assert_eq!(
            p.activities,
            [ActivityRow {
                id: "a-v1".into(),
                day: "2026-11-25".into(),
                kind: "council".into()
            }]
        );
    }

    /// What a schema-2 writer does in one change (rules 3–5): the bump, the section made only when
    /// absent, the entry written whole.
    fn write_entry(
        doc: &mut automerge::Automerge,
        section: &str,
        id: &str,
        fields: &[(&str, &str)],
    ) {
        let mut tx = doc.transaction();
        upgrade(&mut tx).unwrap();
        let map = match tx.get(ROOT, section).unwrap() {
            Some((Value::Object(ObjType::Map), m)) => m,
            _ => tx.put_object(ROOT, section, ObjType::Map).unwrap(),
        };
        let e = tx.put_object(&map, id, ObjType::Map).unwrap();
        tx.put(&e, "id", id).unwrap();
        for (k, v) in fields {
            tx.put(&e, *k, *v).unwrap();
        }
        tx.commit();
    }

    fn entry_ids<D: ReadDoc>(doc: &D, section: &str) -> Vec<String> {
        let mut ids: Vec<String> = section_maps(doc, section)
            .iter()
            .flat_map(|m| doc.keys(m).collect::<Vec<_>>())
            .collect();
        ids.sort();
        ids
    }

    /// Two tablets upgrade the same schema-1 document offline, each recording 安否 (one also a plan):
    /// merged in either order, one document — version 2, both records, the plan, the v1 records.
    #[test]
    fn two_upgrades_of_one_document_merge_to_one() {
        let bytes = include_bytes!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/schema-v1/tablet-registered.automerge"
        ));
        let base = automerge::Automerge::load(bytes).unwrap();
        let (mut a, mut b) = (base.fork(), base.fork());
        write_entry(&mut a, "safety", "s-a", &[("status", "safe")]);
        write_entry(&mut a, "evacuationPlans", "p-a", &[("consent", "agreed")]);
        write_entry(&mut b, "safety", "s-b", &[("status", "needs_help")]);
        let (mut ab, mut ba) = (a.clone(), b.clone());
        ab.merge(&mut b.clone()).unwrap();
        ba.merge(&mut a.clone()).unwrap();
        let mut heads = (ab.get_heads(), ba.get_heads());
        heads.0.sort();
        heads.1.sort();
        assert_eq!(heads.0, heads.1);
        for doc in [&ab, &ba] {
            let versions: Vec<i64> = schema_values(doc);
            assert_eq!(versions, [2, 2], "two concurrent bumps, both 2");
            assert_eq!(schema_of(doc), 2);
            // Both made `safety` (v2_sections_made_twice_are_all_read): two maps, both records.
            assert_eq!(section_maps(doc, "safety").len(), 2);
            assert_eq!(entry_ids(doc, "safety"), ["s-a", "s-b"]);
            assert_eq!(entry_ids(doc, "evacuationPlans"), ["p-a"]);
            assert_eq!(project(doc).contacts.len(), 1, "the v1 visit still counts");
        }
        assert_eq!(project(&ab), project(&ba));
        // A later write reads 2 and bumps nothing.
        let before = ab.get_changes(&[]).len();
        write_entry(&mut ab, "safety", "s-c", &[("status", "safe")]);
        let last = ab.get_changes(&[]).into_iter().nth(before).unwrap();
        let ops = last.decode().operations;
        assert_eq!(ops.len(), 3, "the entry and its two fields only: {ops:?}");
    }

    /// The server's own writes upgrade too, in their own change, and only when they write.
    #[test]
    fn a_roster_correction_upgrades_a_schema_1_document() {
        let bytes = include_bytes!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/schema-v1/new-document-with-records.automerge"
        ));
        let mut doc = automerge::Automerge::load(bytes).unwrap();
        let changes = doc.get_changes(&[]).len();
        set_profile(&mut doc, "試験 花子", "しけん はなこ", "旭川市（試験）").unwrap();
        assert_eq!(
            doc.get_changes(&[]).len(),
            changes,
            "nothing to correct, no change"
        );
        assert_eq!(schema_of(&doc), 1);
        set_profile(
            &mut doc,
            "試験 花子",
            "しけん はなこ",
            "旭川市神楽岡（試験）",
        )
        .unwrap();
        assert_eq!(doc.get_changes(&[]).len(), changes + 1, "one change");
        assert_eq!(schema_of(&doc), 2);
        let p = project(&doc);
        assert_eq!(p.profile.unwrap().address, "旭川市神楽岡（試験）");
        assert_eq!(
            (p.contacts.len(), p.reviews.len(), p.referrals.len()),
            (1, 1, 1)
        );
    }

    /// New documents are born at version 2 with its sections (made once, in the first change).
    #[test]
    fn new_documents_are_born_at_2_with_their_sections() {
        let doc = AutoCommit::load(&blank_document()).unwrap();
        assert_eq!(schema_values(&doc), [2]);
        for section in [
            "contacts",
            "reviews",
            "referrals",
            "evacuationPlans",
            "safety",
        ] {
            assert_eq!(section_maps(&doc, section).len(), 1, "{section}");
        }
        let log = AutoCommit::load(&new_activity_log("u").unwrap()).unwrap();
        assert_eq!(schema_values(&log), [2]);
        assert_eq!(section_maps(&log, "selfSafety").len(), 1);
    }

    /// A document written by an app newer than this server (after a server rollback) is read for
    /// everything this server knows, and flagged once for the lead.
    #[test]
    fn a_document_newer_than_the_server_is_projected_and_flagged() {
        let mut doc = v1_fixture!("new-document-with-records.automerge");
        let before = doc.get_heads();
        doc.put(ROOT, "schema", SCHEMA_VERSION + 1).unwrap();
        doc.put_object(ROOT, "somethingNew", ObjType::Map).unwrap();
        let p = project(&doc);
        assert_eq!(p.profile.unwrap().name, "試験 花子");
        assert_eq!(
            (p.contacts.len(), p.reviews.len(), p.referrals.len()),
            (1, 1, 1)
        );
        let flagged = [Problem {
            entry_kind: "document",
            entry_id: "schema".into(),
            problem: "schema: newer than this server".into(),
        }];
        assert_eq!(p.problems, flagged);
        // The change that bumped it, as received, says the same.
        let after = doc.get_heads();
        let t = touched(doc.document(), &before, &after);
        assert_eq!(project_touched(&doc, &t).problems, flagged);
        // At this server's own version, nothing to say.
        doc.put(ROOT, "schema", SCHEMA_VERSION).unwrap();
        assert!(project(&doc).problems.is_empty());
    }

    /// A resident registered on a tablet one app version behind the server is still registered; one
    /// from an app newer than the server (or with no version) is not taken for a resident document.
    #[test]
    fn new_resident_profile_accepts_every_version_up_to_the_servers() {
        let with = |versions: &[i64]| {
            // Each version put by its own tablet (each load is a new actor), concurrently: a
            // conflict when more than one.
            let mut forks: Vec<AutoCommit> = versions
                .iter()
                .map(|v| {
                    let mut d = v1_fixture!("tablet-registered.automerge");
                    d.put(ROOT, "schema", *v).unwrap();
                    d
                })
                .collect();
            let mut doc = forks.pop().unwrap();
            for mut other in forks {
                doc.merge(&mut other).unwrap();
            }
            new_resident_profile(&doc).map(|p| p.name)
        };
        for v in 1..=SCHEMA_VERSION {
            assert_eq!(with(&[v]).as_deref(), Some("新規 ハル"), "schema {v}");
        }
        assert_eq!(with(&[0]), None);
        assert_eq!(with(&[SCHEMA_VERSION + 1]), None);
        assert_eq!(with(&[1, SCHEMA_VERSION + 1]), None, "the highest counts");
        let mut none = v1_fixture!("tablet-registered.automerge");
        none.delete(ROOT, "schema").unwrap();
        assert_eq!(new_resident_profile(&none), None);
        assert_eq!(schema_of(&none), 1, "a missing version reads as 1");
    }
}
