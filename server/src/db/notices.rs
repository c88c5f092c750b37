//! Notices (お知らせ), who they went to and who read them, push subscriptions and the push queue.

use diesel::prelude::*;

use super::DbConn;
use super::schema::{districts, notice_recipients, notices, push_jobs, push_subscriptions, users};
use crate::domain::notice::{AudienceKind, NoticeStatus, Priority};

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = notices)]
#[diesel(treat_none_as_null = true)]
pub struct Notice {
    pub id: String,
    pub title: String,
    pub body: String,
    /// `normal` (通常), `important` (重要), `urgent` (緊急).
    pub priority: String,
    /// `all`, `districts` or `role`.
    pub audience: String,
    /// JSON array of district ids (audience `districts`).
    pub audience_districts: String,
    pub audience_role: Option<String>,
    pub expires_at: Option<i64>,
    /// `draft`, `sent`, `withdrawn`.
    pub status: String,
    pub created_by: String,
    pub created_at: i64,
    pub updated_at: i64,
    pub sent_at: Option<i64>,
    pub withdrawn_at: Option<i64>,
}

impl Notice {
    /// An empty draft to everyone, normal priority.
    pub fn draft(id: String, created_by: String, now: i64) -> Notice {
        Notice {
            id,
            title: String::new(),
            body: String::new(),
            priority: Priority::Normal.as_str().into(),
            audience: AudienceKind::All.as_str().into(),
            audience_districts: "[]".into(),
            audience_role: None,
            expires_at: None,
            status: NoticeStatus::Draft.as_str().into(),
            created_by,
            created_at: now,
            updated_at: now,
            sent_at: None,
            withdrawn_at: None,
        }
    }
}

pub fn insert_notice(conn: &mut DbConn, n: &Notice) -> QueryResult<()> {
    diesel::insert_into(notices::table)
        .values(n)
        .execute(conn)
        .map(|_| ())
}

pub fn save_notice(conn: &mut DbConn, n: &Notice) -> QueryResult<()> {
    diesel::update(notices::table.find(&n.id))
        .set(n)
        .execute(conn)
        .map(|_| ())
}

pub fn notice_by_id(conn: &mut DbConn, id: &str) -> QueryResult<Option<Notice>> {
    notices::table
        .find(id)
        .select(Notice::as_select())
        .first(conn)
        .optional()
}

/// Every notice, newest first (the sender's list).
pub fn all_notices(conn: &mut DbConn) -> QueryResult<Vec<Notice>> {
    notices::table
        .order(notices::created_at.desc())
        .select(Notice::as_select())
        .load(conn)
}

/// The users a notice is for: active commissioners and district leads, narrowed by the audience.
pub fn audience_users(conn: &mut DbConn, n: &Notice) -> QueryResult<Vec<String>> {
    let mut q = users::table
        .filter(users::disabled_at.is_null())
        .filter(users::role.eq_any(["commissioner", "district_lead"]))
        .select(users::id)
        .into_boxed();
    match AudienceKind::parse(&n.audience) {
        Some(AudienceKind::Districts) => {
            let ids: Vec<String> = serde_json::from_str(&n.audience_districts).unwrap_or_default();
            q = q.filter(users::district_id.eq_any(ids));
        }
        Some(AudienceKind::Role) => {
            q = q.filter(users::role.eq(n.audience_role.clone().unwrap_or_default()))
        }
        Some(AudienceKind::All) | None => {}
    }
    q.load(conn)
}

/// Per district: the people who have not read an urgent (緊急) notice sent to them that is still
/// in force (not withdrawn, not expired) — (district, people).
pub fn urgent_unread_by_district(conn: &mut DbConn, now: i64) -> QueryResult<Vec<(String, i64)>> {
    let rows: Vec<(Option<String>, String)> = notice_recipients::table
        .inner_join(notices::table)
        .inner_join(users::table)
        .filter(notices::priority.eq(Priority::Urgent.as_str()))
        .filter(notices::status.eq(NoticeStatus::Sent.as_str()))
        .filter(
            notices::expires_at
                .is_null()
                .or(notices::expires_at.gt(now)),
        )
        .filter(notice_recipients::read_at.is_null())
        .select((users::district_id, notice_recipients::user_id))
        .distinct()
        .load(conn)?;
    let mut out: std::collections::BTreeMap<String, i64> = Default::default();
    for (district, _) in rows {
        if let Some(d) = district {
            *out.entry(d).or_default() += 1;
        }
    }
    Ok(out.into_iter().collect())
}

pub fn insert_recipients(
    conn: &mut DbConn,
    notice_id: &str,
    user_ids: &[String],
) -> QueryResult<()> {
    // One row at a time: diesel's MultiConnection has no batch insert (the caller's transaction
    // makes this one commit).
    for u in user_ids {
        diesel::insert_into(notice_recipients::table)
            .values((
                notice_recipients::notice_id.eq(notice_id),
                notice_recipients::user_id.eq(u),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// A notice as one recipient sees it.
pub struct Received {
    pub notice: Notice,
    pub delivered_at: Option<i64>,
    pub read_at: Option<i64>,
}

/// The caller's notices: sent to them, not withdrawn, not expired.
pub fn notices_for_user(conn: &mut DbConn, user_id: &str, now: i64) -> QueryResult<Vec<Received>> {
    let rows: Vec<(Notice, Option<i64>, Option<i64>)> = notices::table
        .inner_join(notice_recipients::table)
        .filter(notice_recipients::user_id.eq(user_id))
        .filter(notices::status.eq(NoticeStatus::Sent.as_str()))
        .filter(
            notices::expires_at
                .is_null()
                .or(notices::expires_at.gt(now)),
        )
        .select((
            Notice::as_select(),
            notice_recipients::delivered_at,
            notice_recipients::read_at,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(notice, delivered_at, read_at)| Received {
            notice,
            delivered_at,
            read_at,
        })
        .collect())
}

pub fn is_recipient(conn: &mut DbConn, notice_id: &str, user_id: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        notice_recipients::table
            .filter(notice_recipients::notice_id.eq(notice_id))
            .filter(notice_recipients::user_id.eq(user_id)),
    ))
    .get_result(conn)
}

/// Marks the notices delivered to the user (first time only).
pub fn mark_delivered(
    conn: &mut DbConn,
    notice_ids: &[String],
    user_id: &str,
    now: i64,
) -> QueryResult<()> {
    diesel::update(
        notice_recipients::table
            .filter(notice_recipients::notice_id.eq_any(notice_ids))
            .filter(notice_recipients::user_id.eq(user_id))
            .filter(notice_recipients::delivered_at.is_null()),
    )
    .set(notice_recipients::delivered_at.eq(now))
    .execute(conn)
    .map(|_| ())
}

/// Records 既読 once: true when this call recorded it.
pub fn mark_read(conn: &mut DbConn, notice_id: &str, user_id: &str, now: i64) -> QueryResult<bool> {
    mark_delivered(conn, &[notice_id.to_string()], user_id, now)?;
    let n = diesel::update(
        notice_recipients::table
            .filter(notice_recipients::notice_id.eq(notice_id))
            .filter(notice_recipients::user_id.eq(user_id))
            .filter(notice_recipients::read_at.is_null()),
    )
    .set(notice_recipients::read_at.eq(now))
    .execute(conn)?;
    Ok(n == 1)
}

/// One recipient line of the sender's tracking view.
#[derive(Debug, Clone, Queryable)]
pub struct RecipientRow {
    pub user_id: String,
    pub display_name: String,
    pub role: String,
    pub district_id: Option<String>,
    pub district_name: Option<String>,
    pub delivered_at: Option<i64>,
    pub read_at: Option<i64>,
}

pub fn recipients(conn: &mut DbConn, notice_id: &str) -> QueryResult<Vec<RecipientRow>> {
    notice_recipients::table
        .inner_join(users::table.left_join(districts::table))
        .filter(notice_recipients::notice_id.eq(notice_id))
        .order((districts::name.asc(), users::display_name.asc()))
        .select((
            users::id,
            users::display_name,
            users::role,
            users::district_id,
            districts::name.nullable(),
            notice_recipients::delivered_at,
            notice_recipients::read_at,
        ))
        .load(conn)
}

// --- push subscriptions ---------------------------------------------------------------------------

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = push_subscriptions)]
pub struct Subscription {
    pub id: String,
    pub user_id: String,
    pub device_id: Option<String>,
    pub endpoint: String,
    pub p256dh: String,
    pub auth: String,
    pub created_at: i64,
    pub failing_since: Option<i64>,
}

/// Stores a subscription. The same endpoint again updates the row in place (keys, user and device may
/// have changed) and keeps its id, so pushes queued for it are not orphaned.
/// Subscriptions one user keeps at most (tablets and office browsers, re-subscribed over the years);
/// past it the oldest go, so a script subscribing thousands of times holds a handful of rows.
pub const MAX_SUBSCRIPTIONS_PER_USER: usize = 10;

/// The subscription with this endpoint, if any.
pub fn subscription_by_endpoint(
    conn: &mut DbConn,
    endpoint: &str,
) -> QueryResult<Option<Subscription>> {
    push_subscriptions::table
        .filter(push_subscriptions::endpoint.eq(endpoint))
        .select(Subscription::as_select())
        .first(conn)
        .optional()
}

/// Deletes the user's subscriptions past the newest [`MAX_SUBSCRIPTIONS_PER_USER`].
pub fn trim_subscriptions_of(conn: &mut DbConn, user_id: &str) -> QueryResult<usize> {
    let old: Vec<String> = push_subscriptions::table
        .filter(push_subscriptions::user_id.eq(user_id))
        .order((
            push_subscriptions::created_at.desc(),
            push_subscriptions::id.desc(),
        ))
        .offset(MAX_SUBSCRIPTIONS_PER_USER as i64)
        .select(push_subscriptions::id)
        .load(conn)?;
    for id in &old {
        drop_jobs_of_subscription(conn, id, super::now_ms())?;
        delete_subscription(conn, id)?;
    }
    Ok(old.len())
}

pub fn upsert_subscription(conn: &mut DbConn, s: &Subscription) -> QueryResult<()> {
    let updated = diesel::update(
        push_subscriptions::table.filter(push_subscriptions::endpoint.eq(&s.endpoint)),
    )
    .set((
        push_subscriptions::user_id.eq(&s.user_id),
        push_subscriptions::device_id.eq(&s.device_id),
        push_subscriptions::p256dh.eq(&s.p256dh),
        push_subscriptions::auth.eq(&s.auth),
        push_subscriptions::failing_since.eq(None::<i64>),
    ))
    .execute(conn)?;
    if updated == 0 {
        diesel::insert_into(push_subscriptions::table)
            .values(s)
            .execute(conn)?;
    }
    Ok(())
}

pub fn delete_subscription_of(
    conn: &mut DbConn,
    user_id: &str,
    endpoint: &str,
) -> QueryResult<usize> {
    diesel::delete(
        push_subscriptions::table
            .filter(push_subscriptions::user_id.eq(user_id))
            .filter(push_subscriptions::endpoint.eq(endpoint)),
    )
    .execute(conn)
}

pub fn delete_subscription(conn: &mut DbConn, id: &str) -> QueryResult<()> {
    diesel::delete(push_subscriptions::table.find(id))
        .execute(conn)
        .map(|_| ())
}

/// Every subscription (after a VAPID key rotation they are all void).
pub fn delete_all_subscriptions(conn: &mut DbConn) -> QueryResult<usize> {
    diesel::delete(push_subscriptions::table).execute(conn)
}

pub fn subscriptions_by_ids(conn: &mut DbConn, ids: &[String]) -> QueryResult<Vec<Subscription>> {
    let mut out = Vec::new();
    for chunk in ids.chunks(500) {
        out.extend(
            push_subscriptions::table
                .filter(push_subscriptions::id.eq_any(chunk))
                .select(Subscription::as_select())
                .load(conn)?,
        );
    }
    Ok(out)
}

pub fn subscriptions_of_users(
    conn: &mut DbConn,
    user_ids: &[String],
) -> QueryResult<Vec<Subscription>> {
    let mut out = Vec::new();
    for chunk in user_ids.chunks(500) {
        out.extend(
            push_subscriptions::table
                .filter(push_subscriptions::user_id.eq_any(chunk))
                .select(Subscription::as_select())
                .load(conn)?,
        );
    }
    Ok(out)
}

pub fn set_failing(conn: &mut DbConn, id: &str, since: Option<i64>) -> QueryResult<()> {
    diesel::update(push_subscriptions::table.find(id))
        .set(push_subscriptions::failing_since.eq(since))
        .execute(conn)
        .map(|_| ())
}

// --- the push queue -------------------------------------------------------------------------------

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = push_jobs)]
pub struct PushJob {
    pub id: String,
    pub subscription_id: String,
    pub user_id: String,
    pub notice_id: Option<String>,
    pub payload: String,
    pub urgency: String,
    pub state: String,
    pub attempts: i32,
    pub next_attempt_at: i64,
    pub last_status: Option<i32>,
    pub created_at: i64,
    pub finished_at: Option<i64>,
}

pub fn enqueue(conn: &mut DbConn, jobs: &[PushJob]) -> QueryResult<()> {
    for job in jobs {
        diesel::insert_into(push_jobs::table)
            .values(job)
            .execute(conn)?;
    }
    Ok(())
}

pub fn due_jobs(conn: &mut DbConn, now: i64, limit: i64) -> QueryResult<Vec<PushJob>> {
    push_jobs::table
        .filter(push_jobs::state.eq("pending"))
        .filter(push_jobs::next_attempt_at.le(now))
        // "high" sorts before "normal": 緊急 goes first even behind a backlog.
        .order((push_jobs::urgency.asc(), push_jobs::next_attempt_at.asc()))
        .limit(limit)
        .select(PushJob::as_select())
        .load(conn)
}

/// The earliest pending attempt (to sleep until then).
pub fn next_due(conn: &mut DbConn) -> QueryResult<Option<i64>> {
    push_jobs::table
        .filter(push_jobs::state.eq("pending"))
        .select(diesel::dsl::min(push_jobs::next_attempt_at))
        .first(conn)
}

/// Ends a pending job; false when it was no longer pending (its notice withdrawn meanwhile).
pub fn finish_job(
    conn: &mut DbConn,
    id: &str,
    state: &str,
    status: Option<i32>,
    now: i64,
) -> QueryResult<bool> {
    // Only a pending job: one withdrawn meanwhile (gone) stays gone and is not credited.
    diesel::update(
        push_jobs::table
            .find(id)
            .filter(push_jobs::state.eq("pending")),
    )
    .set((
        push_jobs::state.eq(state),
        push_jobs::last_status.eq(status),
        push_jobs::finished_at.eq(now),
        push_jobs::attempts.eq(push_jobs::attempts + 1),
    ))
    .execute(conn)
    .map(|n| n > 0)
}

pub fn retry_job(
    conn: &mut DbConn,
    id: &str,
    status: Option<i32>,
    next_at: i64,
) -> QueryResult<()> {
    diesel::update(
        push_jobs::table
            .find(id)
            .filter(push_jobs::state.eq("pending")),
    )
    .set((
        push_jobs::last_status.eq(status),
        push_jobs::next_attempt_at.eq(next_at),
        push_jobs::attempts.eq(push_jobs::attempts + 1),
    ))
    .execute(conn)
    .map(|_| ())
}

/// Pending jobs for a subscription that is gone are dropped with it.
pub fn drop_jobs_of_subscription(
    conn: &mut DbConn,
    subscription_id: &str,
    now: i64,
) -> QueryResult<()> {
    diesel::update(
        push_jobs::table
            .filter(push_jobs::subscription_id.eq(subscription_id))
            .filter(push_jobs::state.eq("pending")),
    )
    .set((push_jobs::state.eq("gone"), push_jobs::finished_at.eq(now)))
    .execute(conn)
    .map(|_| ())
}

/// Pending pushes of a withdrawn notice are not sent.
pub fn cancel_notice_jobs(conn: &mut DbConn, notice_id: &str, now: i64) -> QueryResult<()> {
    diesel::update(
        push_jobs::table
            .filter(push_jobs::notice_id.eq(notice_id))
            .filter(push_jobs::state.eq("pending")),
    )
    .set((push_jobs::state.eq("gone"), push_jobs::finished_at.eq(now)))
    .execute(conn)
    .map(|_| ())
}

/// (state, count) of a notice's pushes.
pub fn job_states(conn: &mut DbConn, notice_id: &str) -> QueryResult<Vec<(String, i64)>> {
    push_jobs::table
        .filter(push_jobs::notice_id.eq(notice_id))
        .group_by(push_jobs::state)
        .select((push_jobs::state, diesel::dsl::count_star()))
        .load(conn)
}
