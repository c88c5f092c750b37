//! Administration operations shared by the HTTP API and the CLI: districts, users, residents,
//! assignments and devices. Each takes validated values, checks what the database must agree to
//! (unique codes, existing districts, roles), writes, and appends to the audit log — in the caller's
//! transaction.

use serde_json::json;

use crate::auth;
use crate::db::accounts::{self, Device, User};
use crate::db::audit::{self, NewAuditEntry};
use crate::db::directory::{self, Assignment, District, Resident};
use crate::db::{DbConn, documents, new_id, now_ms};
use crate::domain::{Address, Date, DistrictCode, Kana, Login, Name, Password, Role};
use crate::error::AppError;
use crate::sync::{DocumentId, schema};

pub mod handover;
pub mod people_roster;
pub mod roster;

/// Who did it, for the audit log. `None` ids mean the server's own CLI on the host.
#[derive(Debug, Clone, Default)]
pub struct Actor {
    pub user_id: Option<String>,
    pub device_id: Option<String>,
}

impl Actor {
    pub fn cli() -> Self {
        Actor::default()
    }

    /// The signed-in caller (user and the device the session was opened on).
    pub fn of(caller: &crate::auth::Caller) -> Self {
        Actor {
            user_id: Some(caller.user_id.clone()),
            device_id: caller.device_id.clone(),
        }
    }
}

/// Appends one audit entry. `detail` must hold ids and codes only.
pub fn record(
    conn: &mut DbConn,
    actor: &Actor,
    action: &str,
    target_kind: &str,
    target_id: Option<&str>,
    detail: serde_json::Value,
) -> Result<(), AppError> {
    audit::append(
        conn,
        &NewAuditEntry {
            at: now_ms(),
            actor_user_id: actor.user_id.clone(),
            actor_device_id: actor.device_id.clone(),
            action: action.to_string(),
            target_kind: target_kind.to_string(),
            target_id: target_id.map(str::to_string),
            detail: detail.to_string(),
        },
    )?;
    Ok(())
}

pub fn create_district(
    conn: &mut DbConn,
    actor: &Actor,
    code: DistrictCode,
    name: Name,
) -> Result<District, AppError> {
    if directory::district_by_code(conn, code.as_str())?.is_some() {
        return Err(AppError::Conflict {
            field: "code".into(),
            message: "この地区コードはすでに使われています。".into(),
        });
    }
    let d = District {
        id: new_id(),
        code: code.as_str().to_string(),
        name: name.into_inner(),
        created_at: now_ms(),
    };
    directory::insert_district(conn, &d)?;
    record(
        conn,
        actor,
        "district.create",
        "district",
        Some(&d.id),
        json!({ "code": d.code }),
    )?;
    Ok(d)
}

/// A new user's fields, validated.
pub struct NewUser {
    pub login: Login,
    pub display_name: Name,
    pub role: Role,
    pub district_id: Option<String>,
    pub password_hash: String,
}

pub fn create_user(conn: &mut DbConn, actor: &Actor, new: NewUser) -> Result<User, AppError> {
    if accounts::user_by_login(conn, new.login.as_str())?.is_some() {
        return Err(AppError::Conflict {
            field: "login".into(),
            message: "このログイン名はすでに使われています。".into(),
        });
    }
    check_district(conn, new.role, new.district_id.as_deref())?;
    let u = User {
        id: new_id(),
        login: new.login.as_str().to_string(),
        display_name: new.display_name.into_inner(),
        role: new.role.as_str().to_string(),
        district_id: new.district_id,
        password_hash: new.password_hash,
        disabled_at: None,
        created_at: now_ms(),
        must_change_password: false,
        term_starts_on: None,
        term_ends_on: None,
    };
    accounts::insert_user(conn, &u)?;
    record(
        conn,
        actor,
        "user.create",
        "user",
        Some(&u.id),
        json!({ "role": u.role, "district_id": u.district_id }),
    )?;
    Ok(u)
}

/// A role's district: commissioners and district leads have one that exists, city staff and
/// administrators none.
fn check_district(
    conn: &mut DbConn,
    role: Role,
    district_id: Option<&str>,
) -> Result<(), AppError> {
    match (district_id, role.needs_district()) {
        (None, true) => Err(AppError::invalid(
            "district_id",
            "required",
            "民生委員と地区代表には地区が必要です。",
        )),
        (Some(_), false) => Err(AppError::invalid(
            "district_id",
            "not_allowed",
            "市職員と管理者には地区を設定しません。",
        )),
        (Some(d), true) => match directory::district_by_id(conn, d)? {
            Some(_) => Ok(()),
            None => Err(AppError::invalid(
                "district_id",
                "unknown",
                "その地区はありません。",
            )),
        },
        (None, false) => Ok(()),
    }
}

/// Changes a person's role or district on purpose (a commissioner who becomes the district's
/// 会長, a move to another district, a clerk who becomes the administrator): the roster import
/// refuses to, so that a typo in a file never does it. What the person may see follows at once —
/// every request reads the role, and open sync sockets re-check ([`crate::access::changed`]) —
/// and nobody has to log in again, except that one made a commissioner keeps only the sessions of
/// enrolled tablets (a commissioner's records live only on a tablet that can be wiped). A lead's
/// disaster take-overs end with the old role or district. Refused (409): a commissioner with
/// residents assigned now or later who would stop being their district's commissioner (hand them
/// over first: access follows the assignment, so they would be watched from outside the district,
/// or by nobody); an administrator changing their own role; the last enabled administrator's.
pub fn change_role(
    conn: &mut DbConn,
    actor: &Actor,
    user_id: &str,
    role: Role,
    district_id: Option<String>,
) -> Result<User, AppError> {
    let user = existing_user(conn, user_id)?;
    check_district(conn, role, district_id.as_deref())?;
    if user.role == role.as_str() && user.district_id == district_id {
        return Ok(user);
    }
    let refuse = |message: &str| AppError::Conflict {
        field: "role".into(),
        message: message.into(),
    };
    if user.role == Role::Admin.as_str() && role != Role::Admin {
        if actor.user_id.as_deref() == Some(user_id) {
            return Err(refuse("自分自身の役割は変えられません。"));
        }
        if user.disabled_at.is_none() && accounts::count_other_active_admins(conn, user_id)? == 0 {
            return Err(refuse("最後の管理者の役割は変えられません。"));
        }
    }
    let stays_their_commissioner = role == Role::Commissioner && user.district_id == district_id;
    if user.role == Role::Commissioner.as_str() && !stays_their_commissioner {
        let today = crate::domain::Date::today_jst(now_ms()).to_string();
        let assigned = directory::residents_assigned_from(conn, user_id, &today)?;
        if assigned > 0 {
            return Err(refuse(&format!(
                "この方には担当の方が{assigned}人います（これから始まる担当を含みます）。先に「改選・引き継ぎ」で引き継いでください。"
            )));
        }
    }
    let now = now_ms();
    accounts::set_role(conn, user_id, role.as_str(), district_id.as_deref())?;
    let sessions = if role == Role::Commissioner && user.role != role.as_str() {
        accounts::revoke_sessions_without_device(conn, user_id, now)?
    } else {
        0
    };
    let takeovers = crate::db::disasters::release_takeovers_by(conn, user_id, now)?;
    crate::access::changed(conn)?;
    record(
        conn,
        actor,
        "user.change_role",
        "user",
        Some(user_id),
        json!({
            "from": { "role": user.role, "district_id": user.district_id },
            "to": { "role": role.as_str(), "district_id": district_id },
            "sessions": sessions,
            "takeovers": takeovers,
        }),
    )?;
    existing_user(conn, user_id)
}

/// Hashes and creates in one go (CLI and demo).
pub fn create_user_with_password(
    conn: &mut DbConn,
    actor: &Actor,
    login: Login,
    display_name: Name,
    role: Role,
    district_id: Option<String>,
    password: &Password,
) -> Result<User, AppError> {
    let password_hash = auth::hash_password(password)?;
    create_user(
        conn,
        actor,
        NewUser {
            login,
            display_name,
            role,
            district_id,
            password_hash,
        },
    )
}

pub fn revoke_user_sessions(
    conn: &mut DbConn,
    actor: &Actor,
    user_id: &str,
) -> Result<usize, AppError> {
    existing_user(conn, user_id)?;
    let n = end_sessions(conn, user_id, "")?;
    record(
        conn,
        actor,
        "user.revoke_sessions",
        "user",
        Some(user_id),
        json!({ "sessions": n }),
    )?;
    Ok(n)
}

/// The user, or 404.
fn existing_user(conn: &mut DbConn, user_id: &str) -> Result<User, AppError> {
    accounts::user_by_id(conn, user_id)?.ok_or(AppError::NotFound)
}

/// Ends the user's sessions (all, or all but `keep`) and tells open sync sockets to re-check at
/// once ([`crate::access::changed`]): a socket whose session ended closes.
fn end_sessions(conn: &mut DbConn, user_id: &str, keep: &str) -> Result<usize, AppError> {
    let n = accounts::revoke_user_sessions_except(conn, user_id, keep, now_ms())?;
    crate::access::changed(conn)?;
    Ok(n)
}

/// Disables a user (no login; every session and sync socket ends at once) or enables them again.
/// An administrator cannot disable themselves or the last enabled administrator.
pub fn set_user_disabled(
    conn: &mut DbConn,
    actor: &Actor,
    user_id: &str,
    disabled: bool,
) -> Result<User, AppError> {
    let user = existing_user(conn, user_id)?;
    if disabled {
        let refuse = |message: &str| AppError::Conflict {
            field: "id".into(),
            message: message.into(),
        };
        if actor.user_id.as_deref() == Some(user_id) {
            return Err(refuse("自分自身は停止できません。"));
        }
        if user.role == Role::Admin.as_str()
            && accounts::count_other_active_admins(conn, user_id)? == 0
        {
            return Err(refuse("最後の管理者は停止できません。"));
        }
    }
    let at = disabled.then(now_ms);
    accounts::set_disabled(conn, user_id, at)?;
    let sessions = if disabled {
        end_sessions(conn, user_id, "")?
    } else {
        0
    };
    let action = if disabled {
        "user.disable"
    } else {
        "user.enable"
    };
    record(
        conn,
        actor,
        action,
        "user",
        Some(user_id),
        json!({ "sessions": sessions }),
    )?;
    existing_user(conn, user_id)
}

/// An administrator's reset: the user's password becomes `temporary_hash` (of a password shown
/// once to the administrator, [`auth::new_temporary_password`]), to be changed at the next login;
/// every session and sync socket of the user ends (the old password may have leaked).
pub fn reset_password(
    conn: &mut DbConn,
    actor: &Actor,
    user_id: &str,
    temporary_hash: &str,
) -> Result<usize, AppError> {
    existing_user(conn, user_id)?;
    accounts::set_password_hash(conn, user_id, temporary_hash, true)?;
    let sessions = end_sessions(conn, user_id, "")?;
    record(
        conn,
        actor,
        "user.password_reset",
        "user",
        Some(user_id),
        json!({ "sessions": sessions }),
    )?;
    Ok(sessions)
}

/// A user's own change (the current password already checked): the new hash replaces the old, and
/// every other session of theirs ends; the one that changed it stays.
pub fn change_own_password(
    conn: &mut DbConn,
    actor: &Actor,
    user_id: &str,
    session_id: &str,
    new_hash: &str,
) -> Result<usize, AppError> {
    existing_user(conn, user_id)?;
    accounts::set_password_hash(conn, user_id, new_hash, false)?;
    let sessions = end_sessions(conn, user_id, session_id)?;
    record(
        conn,
        actor,
        "user.password_change",
        "user",
        Some(user_id),
        json!({ "other_sessions": sessions }),
    )?;
    Ok(sessions)
}

/// A new resident's fields, validated. Default contact interval: 7 days.
pub struct NewResident {
    pub district_id: String,
    pub name: Name,
    pub kana: Kana,
    pub address: Address,
    pub contact_interval_days: Option<i32>,
}

pub fn create_resident(
    conn: &mut DbConn,
    actor: &Actor,
    new: NewResident,
) -> Result<Resident, AppError> {
    if directory::district_by_id(conn, &new.district_id)?.is_none() {
        return Err(AppError::invalid(
            "district_id",
            "unknown",
            "その地区はありません。",
        ));
    }
    let interval = new.contact_interval_days.unwrap_or(7);
    if !(1..=365).contains(&interval) {
        return Err(AppError::invalid(
            "contact_interval_days",
            "out_of_range",
            "見守りの間隔は1〜365日にしてください。",
        ));
    }
    let doc_id = DocumentId::random();
    let mut r = Resident {
        id: new_id(),
        district_id: new.district_id,
        name: new.name.into_inner(),
        kana: new.kana.as_str().to_string(),
        address: new.address.into_inner(),
        status: "active".into(),
        contact_interval_days: interval,
        created_at: now_ms(),
        doc_id: Some(doc_id.to_string()),
        doc_changed_at: None,
        external_id: None,
    };
    // The resident's document starts with the profile; it is stored before the row points at it.
    let first = schema::new_document(&schema::NewProfile {
        resident_id: &r.id,
        name: &r.name,
        kana: &r.kana,
        address: &r.address,
    })
    .map_err(AppError::internal)?;
    documents::insert_chunk(conn, &doc_id.to_string(), "snapshot", &first, r.created_at)?;
    r.doc_changed_at = Some(r.created_at);
    directory::insert_resident(conn, &r)?;
    // Ids only: the name and address stay out of the audit log.
    record(
        conn,
        actor,
        "resident.create",
        "resident",
        Some(&r.id),
        json!({ "district_id": r.district_id }),
    )?;
    Ok(r)
}

pub fn assign(
    conn: &mut DbConn,
    actor: &Actor,
    resident_id: &str,
    commissioner_id: &str,
    starts_on: Date,
    ends_on: Option<Date>,
) -> Result<Assignment, AppError> {
    let resident = directory::resident_by_id(conn, resident_id)?
        .ok_or_else(|| AppError::invalid("resident_id", "unknown", "その対象者はいません。"))?;
    let commissioner = accounts::user_by_id(conn, commissioner_id)?
        .ok_or_else(|| AppError::invalid("commissioner_id", "unknown", "その利用者はいません。"))?;
    if commissioner.role != Role::Commissioner.as_str() {
        return Err(AppError::invalid(
            "commissioner_id",
            "not_commissioner",
            "担当にできるのは民生委員だけです。",
        ));
    }
    if commissioner.district_id.as_deref() != Some(resident.district_id.as_str()) {
        return Err(AppError::invalid(
            "commissioner_id",
            "other_district",
            "対象者と同じ地区の民生委員を選んでください。",
        ));
    }
    if ends_on.is_some_and(|e| e < starts_on) {
        return Err(AppError::invalid(
            "ends_on",
            "before_start",
            "終了日は開始日より後にしてください。",
        ));
    }
    let a = Assignment {
        id: new_id(),
        resident_id: resident.id,
        commissioner_id: commissioner.id,
        starts_on: starts_on.to_string(),
        ends_on: ends_on.map(|d| d.to_string()),
        created_at: now_ms(),
    };
    directory::insert_assignment(conn, &a)?;
    crate::access::changed(conn)?;
    record(
        conn,
        actor,
        "assignment.create",
        "assignment",
        Some(&a.id),
        json!({ "resident_id": a.resident_id, "commissioner_id": a.commissioner_id,
                "starts_on": a.starts_on, "ends_on": a.ends_on }),
    )?;
    Ok(a)
}

/// Sets the last day of an assignment (hand-over or end of term).
pub fn end_assignment(
    conn: &mut DbConn,
    actor: &Actor,
    id: &str,
    ends_on: Date,
) -> Result<Assignment, AppError> {
    let a = directory::assignment_by_id(conn, id)?.ok_or(AppError::NotFound)?;
    if ends_on.to_string() < a.starts_on {
        return Err(AppError::invalid(
            "ends_on",
            "before_start",
            "終了日は開始日より後にしてください。",
        ));
    }
    directory::set_assignment_end(conn, id, &ends_on.to_string())?;
    crate::access::changed(conn)?;
    record(
        conn,
        actor,
        "assignment.end",
        "assignment",
        Some(id),
        json!({ "ends_on": ends_on.to_string() }),
    )?;
    directory::assignment_by_id(conn, id)?.ok_or(AppError::NotFound)
}

/// Enrolment codes are valid this long after they are issued.
pub const ENROLMENT_TTL_MS: i64 = 7 * 24 * 3600 * 1000;

/// A device row and its one-time enrolment code (shown once; only its hash is stored).
pub fn issue_device(
    conn: &mut DbConn,
    actor: &Actor,
    label: Name,
) -> Result<(Device, String), AppError> {
    let code = auth::new_enrolment_code();
    let now = now_ms();
    let d = Device {
        id: new_id(),
        label: label.into_inner(),
        enrolment_code_hash: Some(auth::enrolment_code_hash(&code)),
        enrolment_expires_at: Some(now + ENROLMENT_TTL_MS),
        token_hash: None,
        enrolled_at: None,
        revoked_at: None,
        last_seen_at: None,
        created_at: now,
        key_share: None,
        app_version: None,
        wiped_at: None,
    };
    accounts::insert_device(conn, &d)?;
    record(
        conn,
        actor,
        "device.issue",
        "device",
        Some(&d.id),
        json!({}),
    )?;
    Ok((d, code))
}

pub fn revoke_device(conn: &mut DbConn, actor: &Actor, id: &str) -> Result<Device, AppError> {
    if !accounts::revoke_device(conn, id, now_ms())? {
        return Err(AppError::NotFound);
    }
    crate::access::changed(conn)?;
    record(conn, actor, "device.revoke", "device", Some(id), json!({}))?;
    accounts::device_by_id(conn, id)?.ok_or(AppError::NotFound)
}

/// A resident found in the field and registered from a commissioner's tablet (offline, as a new
/// document): stored as *pending* in the commissioner's district, assigned to them from today, until
/// the district lead approves. `changes` is the document's whole history as the tablet sent it
/// (stored as its first chunk). Returns the resident id.
pub fn register_pending_resident(
    conn: &mut DbConn,
    actor: &Actor,
    district_id: &str,
    doc_id: &str,
    changes: &[u8],
    profile: schema::Profile,
    max_pending: u32,
) -> Result<String, AppError> {
    let commissioner_id = actor.user_id.clone().ok_or(AppError::Forbidden)?;
    if directory::pending_residents_of(conn, &commissioner_id)? >= i64::from(max_pending) {
        return Err(AppError::Conflict {
            field: PENDING_RESIDENTS.into(),
            message: "承認待ちの対象者が上限に達しています。地区の会長に承認を依頼してください。"
                .into(),
        });
    }
    let now = now_ms();
    let r = Resident {
        id: new_id(),
        district_id: district_id.to_string(),
        name: profile.name,
        kana: profile.kana,
        address: profile.address,
        status: "pending".into(),
        contact_interval_days: 7,
        created_at: now,
        doc_id: Some(doc_id.to_string()),
        doc_changed_at: Some(now),
        external_id: None,
    };
    documents::insert_chunk(conn, doc_id, "incremental", changes, now)?;
    directory::insert_resident(conn, &r)?;
    let a = Assignment {
        id: new_id(),
        resident_id: r.id.clone(),
        commissioner_id,
        starts_on: Date::today_jst(now).to_string(),
        ends_on: None,
        created_at: now,
    };
    directory::insert_assignment(conn, &a)?;
    crate::access::changed(conn)?;
    record(
        conn,
        actor,
        "resident.register_pending",
        "resident",
        Some(&r.id),
        json!({ "district_id": r.district_id }),
    )?;
    Ok(r.id)
}

/// The conflict a tablet meets when its commissioner already has the most residents awaiting
/// approval ([`register_pending_resident`]).
pub const PENDING_RESIDENTS: &str = "pending_residents";

/// What a district lead decides about a resident registered from a tablet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PendingDecision {
    /// Watched from now on (`active`).
    Approve,
    /// Not someone to watch (moved away, a duplicate, a mistake): archived, not deleted — its
    /// document and what was recorded stay at the server — and it leaves the commissioner's
    /// tablet with the next document list.
    Decline,
}

/// A district lead's decision on a pending resident; 409 when it is not pending any more. Audited.
pub fn decide_pending_resident(
    conn: &mut DbConn,
    actor: &Actor,
    resident_id: &str,
    decision: PendingDecision,
) -> Result<Resident, AppError> {
    let r = directory::resident_by_id(conn, resident_id)?.ok_or(AppError::NotFound)?;
    if r.status != "pending" {
        return Err(AppError::Conflict {
            field: "status".into(),
            message: "この対象者は承認待ちではありません。".into(),
        });
    }
    let (status, action) = match decision {
        PendingDecision::Approve => ("active", "resident.approve"),
        PendingDecision::Decline => ("archived", "resident.decline"),
    };
    directory::set_resident_status(conn, resident_id, status)?;
    record(
        conn,
        actor,
        action,
        "resident",
        Some(resident_id),
        json!({}),
    )?;
    directory::resident_by_id(conn, resident_id)?.ok_or(AppError::NotFound)
}
