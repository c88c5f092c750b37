//! The append-only audit log (who did what, when by the server clock). Triggers in both backends
//! refuse UPDATE and DELETE. `detail` is JSON holding ids and codes only — never a resident's name,
//! address or note.

use diesel::prelude::*;

use super::DbConn;
use super::schema::audit_log;

/// An entry as stored, and as the office's audit screen gets it (`GET /api/admin/audit`): ids
/// and codes only, so the row is the answer.
#[derive(Debug, Clone, Queryable, Selectable, serde::Serialize, utoipa::ToSchema)]
#[diesel(table_name = audit_log)]
#[schema(as = AuditOut)]
pub struct AuditEntry {
    pub id: i64,
    pub at: i64,
    pub actor_user_id: Option<String>,
    pub actor_device_id: Option<String>,
    pub action: String,
    pub target_kind: String,
    pub target_id: Option<String>,
    /// JSON with ids and codes only.
    pub detail: String,
}

/// One thing that happened, to be appended.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = audit_log)]
pub struct NewAuditEntry {
    pub at: i64,
    pub actor_user_id: Option<String>,
    pub actor_device_id: Option<String>,
    pub action: String,
    pub target_kind: String,
    pub target_id: Option<String>,
    pub detail: String,
}

pub fn append(conn: &mut DbConn, entry: &NewAuditEntry) -> QueryResult<()> {
    diesel::insert_into(audit_log::table)
        .values(entry)
        .execute(conn)
        .map(|_| ())
}

/// Whether `action` was recorded for `target_id` at or after `since` (server clock).
pub fn recorded_since(
    conn: &mut DbConn,
    action: &str,
    target_id: &str,
    since: i64,
) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        audit_log::table
            .filter(audit_log::action.eq(action))
            .filter(audit_log::target_id.eq(target_id))
            .filter(audit_log::at.ge(since)),
    ))
    .get_result(conn)
}

/// The newest `limit` entries, newest first.
pub fn recent(conn: &mut DbConn, limit: i64) -> QueryResult<Vec<AuditEntry>> {
    search(
        conn,
        &AuditSearch {
            limit,
            ..AuditSearch::default()
        },
    )
}

/// What the office looks for in the log; every part may be left out.
#[derive(Debug, Clone, Default)]
pub struct AuditSearch {
    /// `Some(Some(id))`: what that user did; `Some(None)`: what no user did (the host's commands,
    /// a tablet before anyone logs in on it).
    pub actor: Option<Option<String>>,
    pub action: Option<String>,
    /// Milliseconds since the epoch: `from` included, `to` not.
    pub from: Option<i64>,
    pub to: Option<i64>,
    /// Only entries older than this one (the next page: the last id of the one before).
    pub before: Option<i64>,
    pub limit: i64,
}

/// The entries that match, newest first, at most `limit`.
pub fn search(conn: &mut DbConn, s: &AuditSearch) -> QueryResult<Vec<AuditEntry>> {
    let mut q = audit_log::table
        .order(audit_log::id.desc())
        .limit(s.limit)
        .select(AuditEntry::as_select())
        .into_boxed();
    match &s.actor {
        Some(Some(user)) => q = q.filter(audit_log::actor_user_id.eq(user.clone())),
        Some(None) => q = q.filter(audit_log::actor_user_id.is_null()),
        None => {}
    }
    if let Some(action) = &s.action {
        q = q.filter(audit_log::action.eq(action.clone()));
    }
    if let Some(from) = s.from {
        q = q.filter(audit_log::at.ge(from));
    }
    if let Some(to) = s.to {
        q = q.filter(audit_log::at.lt(to));
    }
    if let Some(before) = s.before {
        q = q.filter(audit_log::id.lt(before));
    }
    q.load(conn)
}
