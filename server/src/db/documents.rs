//! Stored Automerge documents (chunks), sync states, and the SQL projection of contacts, reviews
//! and data problems.

use std::collections::HashMap;

use diesel::prelude::*;

use super::DbConn;
use super::schema::{
    contact_versions, contacts, data_problems, doc_chunks, doc_sync_states, referrals, residents,
    reviews,
};
use crate::domain::contact::{
    Activity, Concern, Contact, Kind, Outcome, checks_json, parse_checks,
};

/// One stored piece of a document.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = doc_chunks)]
pub struct Chunk {
    pub id: i64,
    pub doc_id: String,
    pub kind: String,
    pub data: Vec<u8>,
    pub created_at: i64,
}

pub fn insert_chunk(
    conn: &mut DbConn,
    doc_id: &str,
    kind: &str,
    data: &[u8],
    now: i64,
) -> QueryResult<()> {
    diesel::insert_into(doc_chunks::table)
        .values((
            doc_chunks::doc_id.eq(doc_id),
            doc_chunks::kind.eq(kind),
            doc_chunks::data.eq(data),
            doc_chunks::created_at.eq(now),
        ))
        .execute(conn)
        .map(|_| ())
}

/// New changes of several documents (`(document id, changes)`), each one incremental chunk, in
/// one statement per 500 or per 64 MiB (in the given order: a document's chunks load in insertion
/// order).
pub fn insert_increments(conn: &mut DbConn, chunks: &[(&str, &[u8])], now: i64) -> QueryResult<()> {
    let mut rest = chunks;
    while !rest.is_empty() {
        let mut bytes = 0;
        let n = rest
            .iter()
            .take(500)
            .take_while(|(_, data)| {
                bytes += data.len();
                bytes <= 64 << 20
            })
            .count()
            .max(1);
        let (part, after) = rest.split_at(n);
        rest = after;
        let rows: Vec<_> = part
            .iter()
            .map(|(doc_id, data)| {
                (
                    doc_chunks::doc_id.eq(*doc_id),
                    doc_chunks::kind.eq("incremental"),
                    doc_chunks::data.eq(*data),
                    doc_chunks::created_at.eq(now),
                )
            })
            .collect();
        match conn {
            DbConn::Sqlite(c) => diesel::insert_into(doc_chunks::table)
                .values(&rows)
                .execute(c)?,
            DbConn::Postgres(c) => diesel::insert_into(doc_chunks::table)
                .values(&rows)
                .execute(c)?,
        };
    }
    Ok(())
}

/// The chunks of one document as one byte string, in their order: what `Automerge::load` takes.
pub fn joined(chunks: &[Chunk]) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(chunks.iter().map(|c| c.data.len()).sum());
    for c in chunks {
        bytes.extend_from_slice(&c.data);
    }
    bytes
}

/// Every chunk of a document, in the order they were written.
pub fn load_chunks(conn: &mut DbConn, doc_id: &str) -> QueryResult<Vec<Chunk>> {
    doc_chunks::table
        .filter(doc_chunks::doc_id.eq(doc_id))
        .order(doc_chunks::id)
        .select(Chunk::as_select())
        .load(conn)
}

/// The chunks of several documents, in write order per document.
pub fn load_chunks_of(conn: &mut DbConn, doc_ids: &[String]) -> QueryResult<Vec<Chunk>> {
    doc_chunks::table
        .filter(doc_chunks::doc_id.eq_any(doc_ids))
        .order((doc_chunks::doc_id, doc_chunks::id))
        .select(Chunk::as_select())
        .load(conn)
}

/// Compaction: `snapshot` replaces the chunks `ids` (exactly those: a chunk written meanwhile, by
/// another server process, stays beside it), in the caller's transaction.
pub fn replace_with_snapshot(
    conn: &mut DbConn,
    doc_id: &str,
    ids: &[i64],
    snapshot: &[u8],
    now: i64,
) -> QueryResult<()> {
    diesel::delete(
        doc_chunks::table
            .filter(doc_chunks::doc_id.eq(doc_id))
            .filter(doc_chunks::id.eq_any(ids)),
    )
    .execute(conn)?;
    insert_chunk(conn, doc_id, "snapshot", snapshot, now)
}

/// PostgreSQL: tells the other server processes, when the caller's transaction commits, that
/// `node` changed these documents (`sync::fanout` listens). Ids only. SQLite: nothing (one process).
pub fn announce_changes(conn: &mut DbConn, node: &str, doc_ids: &[&str]) -> QueryResult<()> {
    let DbConn::Postgres(pg) = conn else {
        return Ok(());
    };
    // A notification carries at most 8,000 bytes: 100 ids (≤ 64 bytes each) fit.
    for ids in doc_ids.chunks(100) {
        diesel::sql_query("SELECT pg_notify($1, $2)")
            .bind::<diesel::sql_types::Text, _>(crate::sync::fanout::CHANNEL)
            .bind::<diesel::sql_types::Text, _>(format!("{node} {}", ids.join(" ")))
            .execute(pg)?;
    }
    Ok(())
}

pub fn load_sync_state(
    conn: &mut DbConn,
    doc_id: &str,
    storage_id: &str,
) -> QueryResult<Option<Vec<u8>>> {
    doc_sync_states::table
        .find((doc_id, storage_id))
        .select(doc_sync_states::state)
        .first(conn)
        .optional()
}

/// Every stored sync state of one peer storage (a tablet), by document id.
pub fn load_sync_states(
    conn: &mut DbConn,
    storage_id: &str,
) -> QueryResult<Vec<(String, Vec<u8>)>> {
    doc_sync_states::table
        .filter(doc_sync_states::storage_id.eq(storage_id))
        .select((doc_sync_states::doc_id, doc_sync_states::state))
        .load(conn)
}

/// One peer storage's sync states (`(document id, state)`), replacing those stored: two statements
/// per 500 documents.
pub fn save_sync_states(
    conn: &mut DbConn,
    storage_id: &str,
    states: &[(String, Vec<u8>)],
    now: i64,
) -> QueryResult<()> {
    for part in states.chunks(500) {
        let ids: Vec<&str> = part.iter().map(|(d, _)| d.as_str()).collect();
        diesel::delete(
            doc_sync_states::table
                .filter(doc_sync_states::storage_id.eq(storage_id))
                .filter(doc_sync_states::doc_id.eq_any(&ids)),
        )
        .execute(conn)?;
        let rows: Vec<_> = part
            .iter()
            .map(|(doc_id, state)| {
                (
                    doc_sync_states::doc_id.eq(doc_id.as_str()),
                    doc_sync_states::storage_id.eq(storage_id),
                    doc_sync_states::state.eq(state.as_slice()),
                    doc_sync_states::updated_at.eq(now),
                )
            })
            .collect();
        match conn {
            DbConn::Sqlite(c) => diesel::insert_into(doc_sync_states::table)
                .values(&rows)
                .execute(c)?,
            DbConn::Postgres(c) => diesel::insert_into(doc_sync_states::table)
                .values(&rows)
                .execute(c)?,
        };
    }
    Ok(())
}

/// A projected contact row (見守り記録).
#[derive(Debug, Clone, PartialEq, Queryable, QueryableByName, Selectable, Insertable)]
#[diesel(table_name = contacts)]
pub struct ContactRecord {
    pub resident_id: String,
    pub id: String,
    pub occurred_at: String,
    pub author_id: String,
    pub kind: String,
    pub outcome: String,
    pub checks: String,
    pub concern: String,
    pub activity: String,
    pub note: String,
    pub follow_up: bool,
    pub delivered_by_user_id: String,
    pub delivered_by_device_id: Option<String>,
    pub received_at: i64,
    pub updated_at: i64,
}

impl ContactRecord {
    /// The row for `contact` of `resident_id`, received now from `user_id` (and their tablet):
    /// the one place a [`Contact`] becomes a row.
    pub fn of(
        resident_id: &str,
        contact: &Contact,
        user_id: &str,
        device_id: Option<&str>,
        now: i64,
    ) -> ContactRecord {
        ContactRecord {
            resident_id: resident_id.to_string(),
            id: contact.id.clone(),
            occurred_at: contact.occurred_at.clone(),
            author_id: contact.author_id.clone(),
            kind: contact.kind.as_str().to_string(),
            outcome: contact.outcome.as_str().to_string(),
            checks: checks_json(&contact.checks),
            concern: contact.concern.as_str().to_string(),
            activity: contact.activity.to_json(),
            note: contact.note.clone(),
            follow_up: contact.follow_up,
            delivered_by_user_id: user_id.to_string(),
            delivered_by_device_id: device_id.map(str::to_string),
            received_at: now,
            updated_at: now,
        }
    }

    /// The contact this row holds (its words through [`contact_words`]).
    pub fn contact(&self) -> Result<Contact, crate::error::AppError> {
        let (kind, outcome, concern, checks) =
            contact_words(&self.kind, &self.outcome, &self.concern, &self.checks)?;
        Ok(Contact {
            id: self.id.clone(),
            occurred_at: self.occurred_at.clone(),
            author_id: self.author_id.clone(),
            kind,
            outcome,
            checks,
            concern,
            activity: Activity::parse(&self.activity),
            note: self.note.clone(),
            follow_up: self.follow_up,
        })
    }

    /// Whether the document's content differs (receipt metadata aside).
    pub fn same_content(&self, other: &ContactRecord) -> bool {
        (
            &self.occurred_at,
            &self.author_id,
            &self.kind,
            &self.outcome,
            &self.checks,
            &self.concern,
        ) == (
            &other.occurred_at,
            &other.author_id,
            &other.kind,
            &other.outcome,
            &other.checks,
            &other.concern,
        ) && (&self.activity, &self.note, self.follow_up)
            == (&other.activity, &other.note, other.follow_up)
    }
}

/// A stored contact's words (a row of `contacts` or `contact_versions`), parsed: the one place a
/// row's TEXT columns become the domain's words. A word the schema does not know (a row written by
/// hand, or by a newer server) is an error, not a guess.
pub fn contact_words(
    kind: &str,
    outcome: &str,
    concern: &str,
    checks: &str,
) -> Result<(Kind, Outcome, Concern, crate::domain::contact::Checks), crate::error::AppError> {
    let bad = |column: &str| {
        crate::error::AppError::internal(format!("a stored contact's {column} is unknown"))
    };
    Ok((
        Kind::parse(kind).ok_or_else(|| bad("kind"))?,
        Outcome::parse(outcome).ok_or_else(|| bad("outcome"))?,
        Concern::parse(concern).ok_or_else(|| bad("concern"))?,
        parse_checks(checks).ok_or_else(|| bad("checks"))?,
    ))
}

/// A document's rows for [`apply_projection`].
pub struct ProjectedRows {
    pub contacts: Vec<ContactRecord>,
    pub reviews: Vec<ReviewRecord>,
    pub referrals: Vec<ReferralRecord>,
    pub problems: Vec<DataProblem>,
}

/// A projected referral (つなぎ).
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = referrals)]
pub struct ReferralRecord {
    pub resident_id: String,
    pub id: String,
    pub day: String,
    pub agency: String,
    pub field: String,
    pub outcome: String,
    pub outcome_on: Option<String>,
    pub alert_id: Option<String>,
    pub author_id: String,
    pub delivered_by_user_id: String,
    pub received_at: i64,
    pub updated_at: i64,
}

impl ReferralRecord {
    fn same_content(&self, o: &ReferralRecord) -> bool {
        (
            &self.day,
            &self.agency,
            &self.field,
            &self.outcome,
            &self.outcome_on,
            &self.alert_id,
            &self.author_id,
        ) == (
            &o.day,
            &o.agency,
            &o.field,
            &o.outcome,
            &o.outcome_on,
            &o.alert_id,
            &o.author_id,
        )
    }
}

/// An earlier version of an edited contact: what it said until `replaced_at`.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable)]
#[diesel(table_name = contact_versions)]
pub struct ContactVersion {
    pub resident_id: String,
    pub contact_id: String,
    pub occurred_at: String,
    pub kind: String,
    pub outcome: String,
    pub checks: String,
    pub concern: String,
    pub activity: String,
    pub note: String,
    pub follow_up: bool,
    pub received_at: i64,
    pub replaced_at: i64,
}

/// The earlier versions of these contacts (ids are the tablets' UUIDs; the caller matches the
/// resident too), oldest first; up to 500 ids a statement.
pub fn contact_versions_for(
    conn: &mut DbConn,
    contact_ids: &[String],
) -> QueryResult<Vec<ContactVersion>> {
    let mut out = Vec::new();
    for part in contact_ids.chunks(500) {
        out.extend(
            contact_versions::table
                .filter(contact_versions::contact_id.eq_any(part))
                .order(contact_versions::id.asc())
                .select(ContactVersion::as_select())
                .load(conn)?,
        );
    }
    Ok(out)
}

/// A resident's referrals as the server accepted them.
pub fn referrals_of(conn: &mut DbConn, resident_id: &str) -> QueryResult<Vec<ReferralRecord>> {
    referrals::table
        .filter(referrals::resident_id.eq(resident_id))
        .order((referrals::day.desc(), referrals::id.asc()))
        .select(ReferralRecord::as_select())
        .load(conn)
}

/// Writes a document's referrals as their authors wrote them: a referral delivered in another
/// user's name, an edit of another's, or one dated after tomorrow (JST) is not counted and becomes
/// a problem the lead sees — the rules a contact follows (D7).
fn apply_referrals(
    conn: &mut DbConn,
    resident_id: &str,
    rows: Vec<ReferralRecord>,
    problems: &mut Vec<DataProblem>,
    now: i64,
) -> QueryResult<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let latest_day = crate::domain::Date::today_jst(now + 86_400_000).to_string();
    let ids: Vec<&str> = rows.iter().map(|r| r.id.as_str()).collect();
    let stored: Vec<ReferralRecord> = referrals::table
        .filter(referrals::resident_id.eq(resident_id))
        .filter(referrals::id.eq_any(&ids))
        .select(ReferralRecord::as_select())
        .load(conn)?;
    for mut row in rows {
        if row.author_id.is_empty() {
            row.author_id = row.delivered_by_user_id.clone();
        }
        let old = stored.iter().find(|s| s.id == row.id);
        if old.is_some_and(|o| o.same_content(&row)) {
            continue;
        }
        let problem = if row.day > latest_day {
            Some("on: after tomorrow, not counted")
        } else if row.author_id != row.delivered_by_user_id {
            Some(if old.is_some() {
                EDITED_BY_OTHER
            } else {
                "authorId: not the user who delivered it, not counted"
            })
        } else if old.is_some_and(|o| o.author_id != row.author_id) {
            Some(EDITED_BY_OTHER)
        } else {
            None
        };
        if let Some(problem) = problem {
            let (id, by) = (&row.id, &row.delivered_by_user_id);
            problems.push(not_counted(resident_id, "referral", id, by, problem, now));
            continue;
        }
        match old {
            None => {
                diesel::insert_into(referrals::table)
                    .values(&row)
                    .execute(conn)?;
            }
            Some(_) => {
                diesel::update(referrals::table.find((resident_id, &row.id)))
                    .set((
                        referrals::day.eq(&row.day),
                        referrals::agency.eq(&row.agency),
                        referrals::field.eq(&row.field),
                        referrals::outcome.eq(&row.outcome),
                        referrals::outcome_on.eq(&row.outcome_on),
                        referrals::alert_id.eq(&row.alert_id),
                        referrals::updated_at.eq(now),
                    ))
                    .execute(conn)?;
            }
        }
    }
    Ok(())
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = reviews)]
pub struct ReviewRecord {
    pub resident_id: String,
    pub contact_id: String,
    pub mark: String,
    pub comment: String,
    pub by_id: String,
    pub at: String,
    pub delivered_by_user_id: String,
    pub received_at: i64,
    pub updated_at: i64,
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = data_problems)]
pub struct DataProblem {
    pub resident_id: String,
    pub entry_kind: String,
    pub entry_id: String,
    pub problem: String,
    pub delivered_by_user_id: String,
    pub detected_at: i64,
}

pub fn contacts_of(conn: &mut DbConn, resident_id: &str) -> QueryResult<Vec<ContactRecord>> {
    contacts::table
        .filter(contacts::resident_id.eq(resident_id))
        .order((contacts::occurred_at.desc(), contacts::id))
        .select(ContactRecord::as_select())
        .load(conn)
}

pub fn reviews_of(conn: &mut DbConn, resident_id: &str) -> QueryResult<Vec<ReviewRecord>> {
    reviews::table
        .filter(reviews::resident_id.eq(resident_id))
        .select(ReviewRecord::as_select())
        .load(conn)
}

/// For these residents: the contacts whose review mark was set aside (not a lead's), each with the
/// mark the server accepted for it ("" when none) — resident → contact → mark. Two statements per
/// 500 residents.
pub fn set_aside_reviews(
    conn: &mut DbConn,
    resident_ids: &[String],
) -> QueryResult<HashMap<String, std::collections::BTreeMap<String, String>>> {
    let mut out: HashMap<String, std::collections::BTreeMap<String, String>> = HashMap::new();
    for part in resident_ids.chunks(500) {
        let set_aside: Vec<(String, String)> = data_problems::table
            .filter(data_problems::resident_id.eq_any(part))
            .filter(data_problems::entry_kind.eq("review"))
            .select((data_problems::resident_id, data_problems::entry_id))
            .load(conn)?;
        if set_aside.is_empty() {
            continue;
        }
        let contact_ids: Vec<&str> = set_aside.iter().map(|(_, c)| c.as_str()).collect();
        let accepted: Vec<(String, String, String)> = reviews::table
            .filter(reviews::resident_id.eq_any(part))
            .filter(reviews::contact_id.eq_any(&contact_ids))
            .select((reviews::resident_id, reviews::contact_id, reviews::mark))
            .load(conn)?;
        for (resident, contact) in set_aside {
            let mark = accepted
                .iter()
                .find(|(r, c, _)| *r == resident && *c == contact)
                .map(|(_, _, m)| m.clone())
                .unwrap_or_default();
            out.entry(resident).or_default().insert(contact, mark);
        }
    }
    Ok(out)
}

pub fn problems_of(conn: &mut DbConn, resident_id: &str) -> QueryResult<Vec<DataProblem>> {
    data_problems::table
        .filter(data_problems::resident_id.eq(resident_id))
        .select(DataProblem::as_select())
        .load(conn)
}

/// Writes the rows that differ from what is stored. New rows get `now` as their receipt time and the
/// delivering user; changed rows keep their first receipt time.
///
/// The server decides what counts (D7, issue 18): a contact counts as its author wrote it. A
/// contact delivered under another author's name, an edit of a stored contact by anyone but its
/// author (or one that changes who the author is), and a contact dated after tomorrow (JST) are
/// not written; each becomes a data problem the district lead sees (codes only), and the stored
/// row, if any, stays as it was.
pub fn apply_projection(
    conn: &mut DbConn,
    resident_id: &str,
    profile: Option<(&str, &str, &str)>,
    rows: ProjectedRows,
    now: i64,
) -> QueryResult<()> {
    let ProjectedRows {
        contacts: contact_rows,
        reviews: review_rows,
        referrals: referral_rows,
        mut problems,
    } = rows;
    apply_referrals(conn, resident_id, referral_rows, &mut problems, now)?;
    let contact_rows = counted_contacts(conn, resident_id, contact_rows, &mut problems, now)?;
    // Nearly every synced contact is new: all are inserted at once, those already stored skipped;
    // only when some were skipped are the rows read and compared (below).
    // Up to 200 rows a statement (15 values a row). As tuples, not `ContactRecord`s: diesel writes
    // SQLite rows with an optional field (a possible DEFAULT) one statement each.
    let mut inserted = 0;
    for part in contact_rows.chunks(200) {
        let rows: Vec<_> = part
            .iter()
            .map(|r| {
                (
                    (
                        contacts::resident_id.eq(&r.resident_id),
                        contacts::id.eq(&r.id),
                        contacts::occurred_at.eq(&r.occurred_at),
                        contacts::author_id.eq(&r.author_id),
                        contacts::kind.eq(&r.kind),
                        contacts::outcome.eq(&r.outcome),
                        contacts::checks.eq(&r.checks),
                        contacts::concern.eq(&r.concern),
                    ),
                    (
                        contacts::activity.eq(&r.activity),
                        contacts::note.eq(&r.note),
                        contacts::follow_up.eq(r.follow_up),
                        contacts::delivered_by_user_id.eq(&r.delivered_by_user_id),
                        contacts::delivered_by_device_id.eq(&r.delivered_by_device_id),
                        contacts::received_at.eq(r.received_at),
                        contacts::updated_at.eq(r.updated_at),
                    ),
                )
            })
            .collect();
        inserted += match conn {
            // OR IGNORE skips exactly what ON CONFLICT DO NOTHING would here (the primary key;
            // no column takes NULL it refuses, no CHECKs), which diesel cannot batch on SQLite.
            DbConn::Sqlite(c) => diesel::insert_or_ignore_into(contacts::table)
                .values(&rows)
                .execute(c)?,
            DbConn::Postgres(c) => diesel::insert_into(contacts::table)
                .values(&rows)
                .on_conflict_do_nothing()
                .execute(c)?,
        };
    }
    if inserted < contact_rows.len() {
        // Some were stored already (a contact synced again, or edited): every row is stored now;
        // those whose content changed are updated. One cached statement per id.
        for row in contact_rows {
            let stored = contacts::table
                .find((resident_id, row.id.as_str()))
                .select(ContactRecord::as_select())
                .first(conn)
                .optional()?;
            let Some(stored) = stored.filter(|e| !e.same_content(&row)) else {
                continue;
            };
            if stored.author_id != row.author_id {
                // Someone's own edit that makes another's contact theirs: not counted.
                problems.push(contact_not_counted(resident_id, &row, EDITED_BY_OTHER, now));
                continue;
            }
            // Its author's edit: what it said until now is kept, so the lead can see the change.
            diesel::insert_into(contact_versions::table)
                .values((
                    contact_versions::resident_id.eq(resident_id),
                    contact_versions::contact_id.eq(&stored.id),
                    contact_versions::occurred_at.eq(&stored.occurred_at),
                    contact_versions::kind.eq(&stored.kind),
                    contact_versions::outcome.eq(&stored.outcome),
                    contact_versions::checks.eq(&stored.checks),
                    contact_versions::concern.eq(&stored.concern),
                    contact_versions::activity.eq(&stored.activity),
                    contact_versions::note.eq(&stored.note),
                    contact_versions::follow_up.eq(stored.follow_up),
                    contact_versions::received_at.eq(stored.updated_at),
                    contact_versions::replaced_at.eq(now),
                ))
                .execute(conn)?;
            diesel::update(contacts::table.find((resident_id, &row.id)))
                .set((
                    contacts::occurred_at.eq(&row.occurred_at),
                    contacts::author_id.eq(&row.author_id),
                    contacts::kind.eq(&row.kind),
                    contacts::outcome.eq(&row.outcome),
                    contacts::checks.eq(&row.checks),
                    contacts::concern.eq(&row.concern),
                    contacts::activity.eq(&row.activity),
                    contacts::note.eq(&row.note),
                    contacts::follow_up.eq(row.follow_up),
                    contacts::updated_at.eq(now),
                ))
                .execute(conn)?;
        }
    }
    if !review_rows.is_empty() {
        let ids: Vec<&str> = review_rows.iter().map(|r| r.contact_id.as_str()).collect();
        let existing: Vec<ReviewRecord> = reviews::table
            .filter(reviews::resident_id.eq(resident_id))
            .filter(reviews::contact_id.eq_any(&ids))
            .select(ReviewRecord::as_select())
            .load(conn)?;
        for row in review_rows {
            match existing.iter().find(|e| e.contact_id == row.contact_id) {
                None => {
                    diesel::insert_into(reviews::table)
                        .values(&row)
                        .execute(conn)?;
                }
                Some(old)
                    if (&old.mark, &old.comment, &old.by_id, &old.at)
                        != (&row.mark, &row.comment, &row.by_id, &row.at) =>
                {
                    diesel::update(reviews::table.find((resident_id, &row.contact_id)))
                        .set((
                            reviews::mark.eq(&row.mark),
                            reviews::comment.eq(&row.comment),
                            reviews::by_id.eq(&row.by_id),
                            reviews::at.eq(&row.at),
                            reviews::updated_at.eq(now),
                        ))
                        .execute(conn)?;
                }
                Some(_) => {}
            }
        }
    }
    if !problems.is_empty() {
        let known = problems_of(conn, resident_id)?;
        for p in problems {
            if !known
                .iter()
                .any(|k| k.entry_kind == p.entry_kind && k.entry_id == p.entry_id)
            {
                diesel::insert_into(data_problems::table)
                    .values(&p)
                    .execute(conn)?;
            }
        }
    }
    if let Some((name, kana, address)) = profile {
        diesel::update(residents::table.find(resident_id))
            .set((
                residents::name.eq(name),
                residents::kana.eq(kana),
                residents::address.eq(address),
            ))
            .execute(conn)?;
    }
    Ok(())
}

const EDITED_BY_OTHER: &str = "edit: by someone other than its author, not counted";

/// D7 for an entry written whole and never edited (a 安否 record, a plan revision): why it is not
/// counted, if it is not — dated after tomorrow (JST), delivered in another user's name, or a
/// stored entry written again with other content.
pub(crate) fn whole_entry_not_counted(
    at: &str,
    author: &str,
    delivered_by: &str,
    stored: bool,
    now: i64,
) -> Option<&'static str> {
    let tomorrow = crate::domain::Date::today_jst(now + 86_400_000).to_string();
    if at.get(..10).is_none_or(|day| day > tomorrow.as_str()) {
        Some("at: after tomorrow, not counted")
    } else if author != delivered_by {
        Some("authorId: not the user who delivered it, not counted")
    } else if stored {
        Some("edit: records are not edited, not counted")
    } else {
        None
    }
}

/// The data problem for an entry (contact, referral) the server does not count (codes only, no content).
fn not_counted(
    resident_id: &str,
    entry_kind: &str,
    entry_id: &str,
    delivered_by: &str,
    problem: &str,
    now: i64,
) -> DataProblem {
    DataProblem {
        resident_id: resident_id.to_string(),
        entry_kind: entry_kind.into(),
        entry_id: entry_id.into(),
        problem: problem.into(),
        delivered_by_user_id: delivered_by.into(),
        detected_at: now,
    }
}

/// [`not_counted`] for a contact.
fn contact_not_counted(
    resident_id: &str,
    row: &ContactRecord,
    problem: &str,
    now: i64,
) -> DataProblem {
    not_counted(
        resident_id,
        "contact",
        &row.id,
        &row.delivered_by_user_id,
        problem,
        now,
    )
}

/// The contacts to write, of those delivered (see [`apply_projection`]); the refused become
/// problems. Another author's row whose content is unchanged is neither (a commissioner's answer
/// touches the lead's contact without changing what it says), and costs no second lookup.
fn counted_contacts(
    conn: &mut DbConn,
    resident_id: &str,
    rows: Vec<ContactRecord>,
    problems: &mut Vec<DataProblem>,
    now: i64,
) -> QueryResult<Vec<ContactRecord>> {
    let latest_day = crate::domain::Date::today_jst(now + 86_400_000).to_string();
    let mut out = Vec::with_capacity(rows.len());
    for mut row in rows {
        if row.author_id.is_empty() {
            // No author written: the contact is the deliverer's.
            row.author_id = row.delivered_by_user_id.clone();
        }
        let mut refuse = |problem: &str, row: &ContactRecord| {
            problems.push(contact_not_counted(resident_id, row, problem, now))
        };
        if row
            .occurred_at
            .get(..10)
            .is_some_and(|day| day > latest_day.as_str())
        {
            refuse("occurredAt: after tomorrow, not counted", &row);
            continue;
        }
        if row.author_id == row.delivered_by_user_id {
            // The author's own contact: new, or an edit ([`apply_projection`] checks that the
            // stored one was theirs too).
            out.push(row);
            continue;
        }
        let stored = contacts::table
            .find((resident_id, row.id.as_str()))
            .select(ContactRecord::as_select())
            .first(conn)
            .optional()?;
        match stored {
            // Unchanged (the stored row is already what it says): nothing to write.
            Some(old) if old.same_content(&row) => {}
            Some(_) => refuse(EDITED_BY_OTHER, &row),
            None => refuse("authorId: not the user who delivered it, not counted", &row),
        }
    }
    Ok(out)
}

/// Records that these residents' documents changed at `now` (the document list's "last change"):
/// one statement per 500.
pub fn mark_doc_changed(conn: &mut DbConn, resident_ids: &[&str], now: i64) -> QueryResult<()> {
    for part in resident_ids.chunks(500) {
        diesel::update(residents::table.filter(residents::id.eq_any(part)))
            .set(residents::doc_changed_at.eq(now))
            .execute(conn)?;
    }
    Ok(())
}
