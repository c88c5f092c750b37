//! Users, sessions, devices and login failures.

use diesel::prelude::*;

use super::DbConn;
use super::schema::{devices, login_failures, sessions, users};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = users)]
pub struct User {
    pub id: String,
    pub login: String,
    pub display_name: String,
    pub role: String,
    pub district_id: Option<String>,
    pub password_hash: String,
    pub disabled_at: Option<i64>,
    pub created_at: i64,
    /// The password is a temporary one from an administrator's reset: the app asks for a new one.
    pub must_change_password: bool,
    /// The term (任期) as the city's list of people says: first and last day, `YYYY-MM-DD`.
    pub term_starts_on: Option<String>,
    pub term_ends_on: Option<String>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = sessions)]
pub struct Session {
    pub id: String,
    pub token_hash: String,
    pub user_id: String,
    pub device_id: Option<String>,
    pub created_at: i64,
    pub expires_at: i64,
    pub revoked_at: Option<i64>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = devices)]
pub struct Device {
    pub id: String,
    pub label: String,
    pub enrolment_code_hash: Option<String>,
    pub enrolment_expires_at: Option<i64>,
    pub token_hash: Option<String>,
    pub enrolled_at: Option<i64>,
    pub revoked_at: Option<i64>,
    pub last_seen_at: Option<i64>,
    pub created_at: i64,
    /// Half of the key that unlocks the tablet's local store (base64url, 256 bits); handed only to
    /// the enrolled, non-revoked device.
    pub key_share: Option<String>,
    pub app_version: Option<String>,
    /// When the device confirmed it erased its local data after revocation.
    pub wiped_at: Option<i64>,
}

pub fn insert_user(conn: &mut DbConn, user: &User) -> QueryResult<()> {
    diesel::insert_into(users::table)
        .values(user)
        .execute(conn)
        .map(|_| ())
}

pub fn user_by_login(conn: &mut DbConn, login: &str) -> QueryResult<Option<User>> {
    users::table
        .filter(users::login.eq(login))
        .select(User::as_select())
        .first(conn)
        .optional()
}

pub fn user_by_id(conn: &mut DbConn, id: &str) -> QueryResult<Option<User>> {
    users::table
        .find(id)
        .select(User::as_select())
        .first(conn)
        .optional()
}

pub fn list_users(conn: &mut DbConn) -> QueryResult<Vec<User>> {
    users::table
        .order(users::login)
        .select(User::as_select())
        .load(conn)
}

pub fn count_users(conn: &mut DbConn) -> QueryResult<i64> {
    users::table.count().get_result(conn)
}

/// Replaces a user's password hash; `temporary` when an administrator set it.
pub fn set_password_hash(
    conn: &mut DbConn,
    user_id: &str,
    hash: &str,
    temporary: bool,
) -> QueryResult<()> {
    diesel::update(users::table.find(user_id))
        .set((
            users::password_hash.eq(hash),
            users::must_change_password.eq(temporary),
        ))
        .execute(conn)
        .map(|_| ())
}

/// Disables (`Some(at)`) or re-enables (`None`) a user.
pub fn set_disabled(conn: &mut DbConn, user_id: &str, at: Option<i64>) -> QueryResult<()> {
    diesel::update(users::table.find(user_id))
        .set(users::disabled_at.eq(at))
        .execute(conn)
        .map(|_| ())
}

/// A person's role and district (`admin::change_role` checks them).
pub fn set_role(
    conn: &mut DbConn,
    user_id: &str,
    role: &str,
    district_id: Option<&str>,
) -> QueryResult<()> {
    diesel::update(users::table.find(user_id))
        .set((users::role.eq(role), users::district_id.eq(district_id)))
        .execute(conn)
        .map(|_| ())
}

/// A person's name and term as the city's list of people says (an import).
pub fn set_name_and_term(
    conn: &mut DbConn,
    user_id: &str,
    display_name: &str,
    term_starts_on: Option<&str>,
    term_ends_on: Option<&str>,
) -> QueryResult<()> {
    diesel::update(users::table.find(user_id))
        .set((
            users::display_name.eq(display_name),
            users::term_starts_on.eq(term_starts_on),
            users::term_ends_on.eq(term_ends_on),
        ))
        .execute(conn)
        .map(|_| ())
}

/// Where each user has logged in, and when last: (user id, device id — `None` for a PC or a browser
/// without an enrolled tablet —, last login ms). From the sessions, kept after they end.
pub fn user_logins(conn: &mut DbConn) -> QueryResult<Vec<(String, Option<String>, i64)>> {
    let rows: Vec<(String, Option<String>, Option<i64>)> = sessions::table
        .group_by((sessions::user_id, sessions::device_id))
        .select((
            sessions::user_id,
            sessions::device_id,
            diesel::dsl::max(sessions::created_at),
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .filter_map(|(u, d, at)| Some((u, d, at?)))
        .collect())
}

/// Enabled administrators other than `except`.
pub fn count_other_active_admins(conn: &mut DbConn, except: &str) -> QueryResult<i64> {
    users::table
        .filter(users::role.eq("admin"))
        .filter(users::disabled_at.is_null())
        .filter(users::id.ne(except))
        .count()
        .get_result(conn)
}

pub fn insert_session(conn: &mut DbConn, session: &Session) -> QueryResult<()> {
    diesel::insert_into(sessions::table)
        .values(session)
        .execute(conn)
        .map(|_| ())
}

/// The session with this token hash, its user and its device (if it was opened on one).
pub fn session_by_token_hash(
    conn: &mut DbConn,
    token_hash: &str,
) -> QueryResult<Option<(Session, User, Option<Device>)>> {
    let found = sessions::table
        .inner_join(users::table)
        .filter(sessions::token_hash.eq(token_hash))
        .select((Session::as_select(), User::as_select()))
        .first::<(Session, User)>(conn)
        .optional()?;
    let Some((session, user)) = found else {
        return Ok(None);
    };
    let device = match &session.device_id {
        Some(id) => device_by_id(conn, id)?,
        None => None,
    };
    Ok(Some((session, user, device)))
}

pub fn revoke_session(conn: &mut DbConn, id: &str, now: i64) -> QueryResult<()> {
    diesel::update(
        sessions::table
            .find(id)
            .filter(sessions::revoked_at.is_null()),
    )
    .set(sessions::revoked_at.eq(now))
    .execute(conn)
    .map(|_| ())
}

/// Ends every open session of a user; returns how many.
pub fn revoke_user_sessions(conn: &mut DbConn, user_id: &str, now: i64) -> QueryResult<usize> {
    revoke_user_sessions_except(conn, user_id, "", now)
}

/// Ends every live session of a user but `keep` (the one changing its own password).
pub fn revoke_user_sessions_except(
    conn: &mut DbConn,
    user_id: &str,
    keep: &str,
    now: i64,
) -> QueryResult<usize> {
    diesel::update(
        sessions::table
            .filter(sessions::user_id.eq(user_id))
            .filter(sessions::id.ne(keep))
            .filter(sessions::revoked_at.is_null()),
    )
    .set(sessions::revoked_at.eq(now))
    .execute(conn)
}

/// Ends the user's sessions that are not on an enrolled tablet (someone made a commissioner).
pub fn revoke_sessions_without_device(
    conn: &mut DbConn,
    user_id: &str,
    now: i64,
) -> QueryResult<usize> {
    diesel::update(
        sessions::table
            .filter(sessions::user_id.eq(user_id))
            .filter(sessions::device_id.is_null())
            .filter(sessions::revoked_at.is_null()),
    )
    .set(sessions::revoked_at.eq(now))
    .execute(conn)
}

pub fn insert_device(conn: &mut DbConn, device: &Device) -> QueryResult<()> {
    diesel::insert_into(devices::table)
        .values(device)
        .execute(conn)
        .map(|_| ())
}

pub fn device_by_id(conn: &mut DbConn, id: &str) -> QueryResult<Option<Device>> {
    devices::table
        .find(id)
        .select(Device::as_select())
        .first(conn)
        .optional()
}

pub fn device_by_token_hash(conn: &mut DbConn, token_hash: &str) -> QueryResult<Option<Device>> {
    devices::table
        .filter(devices::token_hash.eq(token_hash))
        .select(Device::as_select())
        .first(conn)
        .optional()
}

pub fn list_devices(conn: &mut DbConn) -> QueryResult<Vec<Device>> {
    devices::table
        .order(devices::created_at)
        .select(Device::as_select())
        .load(conn)
}

/// Redeems a one-time enrolment code: the device gets its token and the code is gone. Returns the
/// device, or `None` when the code is unknown, used, expired or its device revoked.
pub fn redeem_enrolment(
    conn: &mut DbConn,
    code_hash: &str,
    token_hash: &str,
    key_share: &str,
    now: i64,
) -> QueryResult<Option<Device>> {
    let Some(device) = devices::table
        .filter(devices::enrolment_code_hash.eq(code_hash))
        .select(Device::as_select())
        .first(conn)
        .optional()?
    else {
        return Ok(None);
    };
    if device.revoked_at.is_some() || device.enrolment_expires_at.is_none_or(|e| e < now) {
        return Ok(None);
    }
    let updated = diesel::update(
        devices::table
            .find(&device.id)
            .filter(devices::enrolment_code_hash.eq(code_hash)),
    )
    .set((
        devices::enrolment_code_hash.eq(None::<String>),
        devices::enrolment_expires_at.eq(None::<i64>),
        devices::token_hash.eq(token_hash),
        devices::enrolled_at.eq(now),
        devices::last_seen_at.eq(now),
        devices::key_share.eq(key_share),
    ))
    .execute(conn)?;
    if updated != 1 {
        return Ok(None);
    }
    device_by_id(conn, &device.id)
}

/// Revokes a device and every session opened on it. `false` when there is no such device.
pub fn revoke_device(conn: &mut DbConn, id: &str, now: i64) -> QueryResult<bool> {
    let n = diesel::update(
        devices::table
            .find(id)
            .filter(devices::revoked_at.is_null()),
    )
    .set((
        devices::revoked_at.eq(now),
        devices::enrolment_code_hash.eq(None::<String>),
    ))
    .execute(conn)?;
    diesel::update(
        sessions::table
            .filter(sessions::device_id.eq(id))
            .filter(sessions::revoked_at.is_null()),
    )
    .set(sessions::revoked_at.eq(now))
    .execute(conn)?;
    Ok(n == 1 || device_by_id(conn, id)?.is_some())
}

/// A check-in: the device is alive and runs `app_version`.
pub fn check_in_device(
    conn: &mut DbConn,
    id: &str,
    app_version: Option<&str>,
    now: i64,
) -> QueryResult<()> {
    match app_version {
        Some(v) => diesel::update(devices::table.find(id))
            .set((devices::last_seen_at.eq(now), devices::app_version.eq(v)))
            .execute(conn)?,
        None => diesel::update(devices::table.find(id))
            .set(devices::last_seen_at.eq(now))
            .execute(conn)?,
    };
    Ok(())
}

/// Records that a revoked device erased its local data (first confirmation wins).
pub fn mark_wiped(conn: &mut DbConn, id: &str, now: i64) -> QueryResult<()> {
    diesel::update(devices::table.find(id).filter(devices::wiped_at.is_null()))
        .set(devices::wiped_at.eq(now))
        .execute(conn)
        .map(|_| ())
}

pub fn touch_device(conn: &mut DbConn, id: &str, now: i64) -> QueryResult<()> {
    diesel::update(devices::table.find(id))
        .set(devices::last_seen_at.eq(now))
        .execute(conn)
        .map(|_| ())
}

pub fn record_login_failure(
    conn: &mut DbConn,
    login: &str,
    bucket: &str,
    address: &str,
    at: i64,
) -> QueryResult<i64> {
    diesel::insert_into(login_failures::table)
        .values((
            login_failures::login.eq(login),
            login_failures::bucket.eq(bucket),
            login_failures::address.eq(address),
            login_failures::at.eq(at),
        ))
        .returning(login_failures::id)
        .get_result(conn)
}

/// Takes back a failure recorded in advance ([`crate::auth::rate_limit::reserve`]): the password
/// was right.
pub fn forget_login_failure(conn: &mut DbConn, id: i64) -> QueryResult<()> {
    diesel::delete(login_failures::table.find(id))
        .execute(conn)
        .map(|_| ())
}

/// Serialises login attempts until the transaction ends, so that counting the failures and
/// recording one more cannot interleave (SQLite's writes are already one at a time).
pub fn lock_login_attempts(conn: &mut DbConn) -> QueryResult<()> {
    match conn {
        DbConn::Sqlite(_) => Ok(()),
        DbConn::Postgres(c) => {
            diesel::sql_query("SELECT pg_advisory_xact_lock(7243001)") // any fixed key
                .execute(c)
                .map(|_| ())
        }
    }
}

/// Failures for `login` in `bucket` since `since`, and the oldest of them (for Retry-After).
pub fn login_failures_since(
    conn: &mut DbConn,
    login: &str,
    bucket: &str,
    since: i64,
) -> QueryResult<(i64, Option<i64>)> {
    let q = login_failures::table
        .filter(login_failures::login.eq(login))
        .filter(login_failures::bucket.eq(bucket))
        .filter(login_failures::at.ge(since));
    let n = q.count().get_result(conn)?;
    let oldest = q.select(diesel::dsl::min(login_failures::at)).first(conn)?;
    Ok((n, oldest))
}

pub fn address_failures_since(
    conn: &mut DbConn,
    address: &str,
    since: i64,
) -> QueryResult<(i64, Option<i64>)> {
    let q = login_failures::table
        .filter(login_failures::address.eq(address))
        .filter(login_failures::at.ge(since));
    let n = q.count().get_result(conn)?;
    let oldest = q.select(diesel::dsl::min(login_failures::at)).first(conn)?;
    Ok((n, oldest))
}

/// Forgets failures older than `before` (they no longer count for anything).
pub fn prune_login_failures(conn: &mut DbConn, before: i64) -> QueryResult<usize> {
    diesel::delete(login_failures::table.filter(login_failures::at.lt(before))).execute(conn)
}
