//! `/api/admin/*`: districts, users, residents, assignments, devices and the audit log. Admin only.

use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::json::{ApiJson, field};
use super::residents::ResidentOut;
use crate::admin::{self, Actor};
use crate::app::AppState;
use crate::auth::{self, Caller};
use crate::db::accounts::{self, Device, User};
use crate::db::audit::{self, AuditEntry};
use crate::db::directory::{self, Assignment, District};
use crate::domain::{Address, Date, DistrictCode, Kana, Login, Name, Password, Role};
use crate::error::{AppError, ErrorBody};

fn admin_actor(caller: &Caller) -> Result<Actor, AppError> {
    caller.require(&[Role::Admin])?;
    Ok(Actor::of(caller))
}

/// The office's lists (districts, people, residents, assignments, tablets, the audit log) are read
/// by city staff as well as the administrator (issue 22: the 福祉保険課 runs the city on them);
/// every change stays the administrator's.
fn office_reader(caller: &Caller) -> Result<(), AppError> {
    caller.require(&[Role::Admin, Role::CityStaff])
}

#[derive(Serialize, ToSchema)]
pub struct DistrictOut {
    pub id: String,
    pub code: String,
    pub name: String,
}

impl From<District> for DistrictOut {
    fn from(d: District) -> Self {
        DistrictOut {
            id: d.id,
            code: d.code,
            name: d.name,
        }
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewDistrict {
    /// e.g. `kaguraoka`
    pub code: String,
    /// e.g. 神楽岡
    pub name: String,
}

#[utoipa::path(get, path = "/api/admin/districts", tag = "admin",
    responses((status = 200, body = Vec<DistrictOut>), (status = 403, body = ErrorBody)))]
pub async fn list_districts(
    state: web::Data<AppState>,
    caller: Caller,
) -> Result<HttpResponse, AppError> {
    office_reader(&caller)?;
    let rows = state
        .db
        .read(|conn| Ok(directory::list_districts(conn)?))
        .await?;
    Ok(HttpResponse::Ok().json(rows.into_iter().map(DistrictOut::from).collect::<Vec<_>>()))
}

#[utoipa::path(post, path = "/api/admin/districts", tag = "admin", request_body = NewDistrict,
    responses((status = 201, body = DistrictOut), (status = 400, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn create_district(
    state: web::Data<AppState>,
    caller: Caller,
    body: ApiJson<NewDistrict>,
) -> Result<HttpResponse, AppError> {
    let actor = admin_actor(&caller)?;
    let code = field("code", DistrictCode::parse(&body.0.code))?;
    let name = field("name", Name::parse(&body.0.name))?;
    let d = state
        .db
        .write(move |conn| admin::create_district(conn, &actor, code, name))
        .await?;
    Ok(HttpResponse::Created().json(DistrictOut::from(d)))
}

/// A user account as administrators see it (never the password hash).
#[derive(Serialize, ToSchema)]
pub struct UserOut {
    pub id: String,
    pub login: String,
    pub display_name: String,
    #[schema(value_type = Role)]
    pub role: String,
    pub district_id: Option<String>,
    pub disabled: bool,
    /// The password is a temporary one from a reset, not yet replaced by the user.
    pub must_change_password: bool,
    /// The term (任期), first and last day `YYYY-MM-DD`, as the city's list of people says.
    pub term_starts_on: Option<String>,
    pub term_ends_on: Option<String>,
    /// The tablets this person has logged in on, the latest login first (the list only).
    pub tablets: Vec<UserTablet>,
    /// The person's latest login anywhere, tablet or PC (ms; the list only).
    pub last_login_at: Option<i64>,
}

/// A tablet a person has logged in on: when last, and when it last checked in with the server.
#[derive(Serialize, ToSchema)]
pub struct UserTablet {
    pub device_id: String,
    pub label: String,
    /// The person's latest login on it (ms).
    pub last_login_at: i64,
    /// The tablet's latest check-in, whoever was logged in (ms).
    pub last_seen_at: Option<i64>,
    pub revoked: bool,
}

impl From<User> for UserOut {
    fn from(u: User) -> Self {
        UserOut {
            id: u.id,
            login: u.login,
            display_name: u.display_name,
            role: u.role,
            district_id: u.district_id,
            disabled: u.disabled_at.is_some(),
            must_change_password: u.must_change_password,
            term_starts_on: u.term_starts_on,
            term_ends_on: u.term_ends_on,
            tablets: Vec::new(),
            last_login_at: None,
        }
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUserRequest {
    pub login: String,
    pub display_name: String,
    pub role: Role,
    /// Required for commissioners and district leads; absent for city staff and admins.
    #[serde(default)]
    pub district_id: Option<String>,
    /// 10–256 characters.
    pub password: String,
}

#[utoipa::path(get, path = "/api/admin/users", tag = "admin",
    responses((status = 200, body = Vec<UserOut>), (status = 403, body = ErrorBody)))]
pub async fn list_users(
    state: web::Data<AppState>,
    caller: Caller,
) -> Result<HttpResponse, AppError> {
    office_reader(&caller)?;
    let (users, devices, links) = state
        .db
        .read(|conn| {
            Ok((
                accounts::list_users(conn)?,
                accounts::list_devices(conn)?,
                accounts::user_logins(conn)?,
            ))
        })
        .await?;
    let devices: std::collections::HashMap<&str, &Device> =
        devices.iter().map(|d| (d.id.as_str(), d)).collect();
    let mut tablets: std::collections::HashMap<String, Vec<UserTablet>> = Default::default();
    let mut last_login: std::collections::HashMap<String, i64> = Default::default();
    for (user, device, at) in links {
        let last = last_login.entry(user.clone()).or_insert(at);
        *last = (*last).max(at);
        let Some(d) = device.as_deref().and_then(|id| devices.get(id)) else {
            continue;
        };
        let device = d.id.clone();
        tablets.entry(user).or_default().push(UserTablet {
            device_id: device,
            label: d.label.clone(),
            last_login_at: at,
            last_seen_at: d.last_seen_at,
            revoked: d.revoked_at.is_some(),
        });
    }
    let out: Vec<UserOut> = users
        .into_iter()
        .map(|u| {
            let mut t = tablets.remove(&u.id).unwrap_or_default();
            t.sort_by_key(|t| std::cmp::Reverse(t.last_login_at));
            UserOut {
                tablets: t,
                last_login_at: last_login.get(&u.id).copied(),
                ..UserOut::from(u)
            }
        })
        .collect();
    Ok(HttpResponse::Ok().json(out))
}

#[utoipa::path(post, path = "/api/admin/users", tag = "admin", request_body = NewUserRequest,
    responses((status = 201, body = UserOut), (status = 400, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn create_user(
    state: web::Data<AppState>,
    caller: Caller,
    body: ApiJson<NewUserRequest>,
) -> Result<HttpResponse, AppError> {
    let actor = admin_actor(&caller)?;
    let b = body.0;
    let login = field("login", Login::parse(&b.login))?;
    let display_name = field("display_name", Name::parse(&b.display_name))?;
    let password = field("password", Password::parse(&b.password))?;
    let password_hash = auth::hash_password_off_thread(password).await?;
    let new = admin::NewUser {
        login,
        display_name,
        role: b.role,
        district_id: b.district_id,
        password_hash,
    };
    let u = state
        .db
        .write(move |conn| admin::create_user(conn, &actor, new))
        .await?;
    Ok(HttpResponse::Created().json(UserOut::from(u)))
}

#[derive(Serialize, ToSchema)]
pub struct Revoked {
    pub sessions: usize,
}

/// Ends every session of a user (a lost password, a departure): their next request gets 401.
#[utoipa::path(post, path = "/api/admin/users/{id}/revoke-sessions", tag = "admin",
    params(("id" = String, Path, description = "user id")),
    responses((status = 200, body = Revoked), (status = 404, body = ErrorBody)))]
pub async fn revoke_user_sessions(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let actor = admin_actor(&caller)?;
    let id = id.into_inner();
    let n = state
        .db
        .write(move |conn| admin::revoke_user_sessions(conn, &actor, &id))
        .await?;
    Ok(HttpResponse::Ok().json(Revoked { sessions: n }))
}

/// A reset's temporary password: shown once, to be handed to the user in person.
#[derive(Serialize, ToSchema)]
pub struct PasswordReset {
    pub temporary_password: String,
    /// Sessions ended (the user's tablets and browsers must log in again).
    pub sessions: usize,
}

/// Resets a user's password to a temporary one (returned once, never stored in clear or logged),
/// to be replaced at the next login; every session and sync socket of the user ends at once.
#[utoipa::path(post, path = "/api/admin/users/{id}/password-reset", tag = "admin",
    params(("id" = String, Path, description = "user id")),
    responses((status = 200, body = PasswordReset), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn reset_password(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let actor = admin_actor(&caller)?;
    let id = id.into_inner();
    let temporary = auth::new_temporary_password();
    let shown = temporary.expose().to_string();
    let hash = auth::hash_password_off_thread(temporary).await?;
    let sessions = state
        .db
        .write(move |conn| admin::reset_password(conn, &actor, &id, &hash))
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(PasswordReset {
            temporary_password: shown,
            sessions,
        }))
}

async fn set_disabled(
    state: &AppState,
    caller: &Caller,
    id: String,
    disabled: bool,
) -> Result<HttpResponse, AppError> {
    let actor = admin_actor(caller)?;
    let u = state
        .db
        .write(move |conn| admin::set_user_disabled(conn, &actor, &id, disabled))
        .await?;
    Ok(HttpResponse::Ok().json(UserOut::from(u)))
}

/// A person's new role and district.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RoleChange {
    pub role: Role,
    /// Required for commissioners and district leads; absent for city staff and admins.
    #[serde(default)]
    pub district_id: Option<String>,
}

/// Changes a person's role or district (会長 from a commissioner, a move between districts…), at
/// once and without a new login. 409 when they would leave the field with residents still
/// assigned, for one's own administrator role, and for the last administrator's.
#[utoipa::path(post, path = "/api/admin/users/{id}/role", tag = "admin", request_body = RoleChange,
    params(("id" = String, Path, description = "user id")),
    responses((status = 200, body = UserOut), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn change_role(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
    body: ApiJson<RoleChange>,
) -> Result<HttpResponse, AppError> {
    let actor = admin_actor(&caller)?;
    let (id, b) = (id.into_inner(), body.0);
    let u = state
        .db
        .write(move |conn| admin::change_role(conn, &actor, &id, b.role, b.district_id))
        .await?;
    Ok(HttpResponse::Ok().json(UserOut::from(u)))
}

/// Disables a user: no login, and every session and sync socket of theirs ends at once. An
/// administrator cannot disable themselves or the last enabled administrator (409).
#[utoipa::path(post, path = "/api/admin/users/{id}/disable", tag = "admin",
    params(("id" = String, Path, description = "user id")),
    responses((status = 200, body = UserOut), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn disable_user(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    set_disabled(&state, &caller, id.into_inner(), true).await
}

/// Enables a disabled user again (their password is unchanged: reset it if it may have leaked).
#[utoipa::path(post, path = "/api/admin/users/{id}/enable", tag = "admin",
    params(("id" = String, Path, description = "user id")),
    responses((status = 200, body = UserOut), (status = 404, body = ErrorBody)))]
pub async fn enable_user(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    set_disabled(&state, &caller, id.into_inner(), false).await
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewResidentRequest {
    pub district_id: String,
    pub name: String,
    /// ふりがな, in hiragana or katakana.
    pub kana: String,
    pub address: String,
    /// Default 7.
    #[serde(default)]
    pub contact_interval_days: Option<i32>,
}

#[utoipa::path(get, path = "/api/admin/residents", tag = "admin",
    responses((status = 200, body = Vec<ResidentOut>), (status = 403, body = ErrorBody)))]
pub async fn list_residents(
    state: web::Data<AppState>,
    caller: Caller,
) -> Result<HttpResponse, AppError> {
    office_reader(&caller)?;
    let rows = state
        .db
        .read(|conn| Ok(directory::list_residents(conn, None)?))
        .await?;
    Ok(HttpResponse::Ok().json(rows.into_iter().map(ResidentOut::from).collect::<Vec<_>>()))
}

#[utoipa::path(post, path = "/api/admin/residents", tag = "admin", request_body = NewResidentRequest,
    responses((status = 201, body = ResidentOut), (status = 400, body = ErrorBody)))]
pub async fn create_resident(
    state: web::Data<AppState>,
    caller: Caller,
    body: ApiJson<NewResidentRequest>,
) -> Result<HttpResponse, AppError> {
    let actor = admin_actor(&caller)?;
    let b = body.0;
    let new = admin::NewResident {
        district_id: b.district_id,
        name: field("name", Name::parse(&b.name))?,
        kana: field("kana", Kana::parse(&b.kana))?,
        address: field("address", Address::parse(&b.address))?,
        contact_interval_days: b.contact_interval_days,
    };
    let r = state
        .db
        .write(move |conn| admin::create_resident(conn, &actor, new))
        .await?;
    Ok(HttpResponse::Created().json(ResidentOut::from(r)))
}

#[derive(Deserialize, utoipa::IntoParams)]
pub struct RosterQuery {
    /// Write the import (only when no row is in error); without it, the preview.
    #[serde(default)]
    pub confirm: bool,
}

/// The city's roster of residents (要援護者名簿) as CSV (UTF-8 or Shift_JIS): the preview, or with
/// `confirm=true` the import — nothing is written while any row is in error (then 422 with the
/// preview). City staff and the administrator.
#[utoipa::path(post, path = "/api/admin/roster/residents", tag = "admin", params(RosterQuery),
    request_body(content = String, content_type = "text/csv"),
    responses((status = 200, body = admin::roster::RosterPlan),
        (status = 413, body = ErrorBody), (status = 422, body = admin::roster::RosterPlan),
        (status = 403, body = ErrorBody)))]
pub async fn import_roster(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<RosterQuery>,
    mut body: web::Payload,
) -> Result<HttpResponse, AppError> {
    use crate::domain::roster;
    caller.require(&[Role::Admin, Role::CityStaff])?;
    let actor = Actor::of(&caller);
    let bytes = csv_file(&mut body).await?;
    let parsed = roster::parse(&bytes);
    if !query.confirm {
        let plan = state
            .db
            .read(move |conn| admin::roster::plan(conn, parsed))
            .await?;
        return Ok(HttpResponse::Ok().json(plan));
    }
    let (plan, profiles) = state
        .db
        .write({
            let actor = actor.clone();
            move |conn| admin::roster::apply(conn, &actor, parsed)
        })
        .await?;
    if !plan.applied {
        return Ok(HttpResponse::UnprocessableEntity().json(plan));
    }
    // Corrected names and addresses go into each resident's document, as a change the tablets
    // sync; the projection updates the rows.
    let by = actor.user_id.clone().unwrap_or_default();
    for p in profiles {
        let Some(doc) = crate::sync::DocumentId::parse(&p.doc_id) else {
            continue;
        };
        state
            .hub
            .server_change(
                doc,
                crate::sync::hub::Owner::Resident(p.resident_id.clone()),
                &by,
                move |d| crate::sync::schema::set_profile(d, &p.name, &p.kana, &p.address),
            )
            .await?;
    }
    Ok(HttpResponse::Ok().json(plan))
}

/// An import's answer: 200 for a preview or an import written, 422 for an import refused (a row in
/// error), with the plan as the body.
fn import_answer(written_or_preview: bool) -> actix_web::HttpResponseBuilder {
    if written_or_preview {
        HttpResponse::Ok()
    } else {
        HttpResponse::UnprocessableEntity()
    }
}

/// An uploaded CSV file, refused past the roster's size limit before it is all read.
async fn csv_file(body: &mut web::Payload) -> Result<web::BytesMut, AppError> {
    use futures_util::StreamExt;
    let mut bytes = web::BytesMut::new();
    while let Some(chunk) = body.next().await {
        let chunk = chunk.map_err(|_| AppError::BadRequest {
            code: "unreadable_body",
            message: "ファイルを受け取れませんでした。".into(),
        })?;
        if bytes.len() + chunk.len() > crate::domain::roster::MAX_BYTES {
            return Err(AppError::PayloadTooLarge);
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok(bytes)
}

/// The city's list of people (民生委員・会長・市の職員) as CSV: the preview, or with `confirm=true`
/// the import (see `admin::people_roster`) — nothing is written while any row is in error (then 422
/// with the preview). The import's answer holds each new person's temporary password, this once
/// (not stored, not cached). Administrator only: it makes accounts.
#[utoipa::path(post, path = "/api/admin/roster/people", tag = "admin", params(RosterQuery),
    request_body(content = String, content_type = "text/csv"),
    responses((status = 200, body = admin::people_roster::PeoplePlan),
        (status = 413, body = ErrorBody), (status = 422, body = admin::people_roster::PeoplePlan),
        (status = 409, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn import_people(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<RosterQuery>,
    mut body: web::Payload,
) -> Result<HttpResponse, AppError> {
    use crate::domain::people_roster::parse_people;
    let actor = admin_actor(&caller)?;
    let bytes = csv_file(&mut body).await?;
    let preview = {
        let parsed = parse_people(&bytes);
        state
            .db
            .read(move |conn| admin::people_roster::plan_people(conn, parsed))
            .await?
    };
    if !query.confirm || !preview.problems.is_empty() {
        return Ok(import_answer(!query.confirm).json(preview));
    }
    // Each new person's first password, hashed before the transaction (argon2 is slow), one at a
    // time: the password threads serve logins in the order asked, and a list of hundreds queued at
    // once would keep every login waiting behind it (`auth::password_work`).
    let mut first: std::collections::HashMap<String, (String, String)> = Default::default();
    for a in &preview.add {
        let temporary = auth::new_temporary_password();
        let shown = temporary.expose().to_string();
        let hash = auth::hash_password_off_thread(temporary).await?;
        first.insert(a.login.clone(), (shown, hash));
    }
    let parsed = parse_people(&bytes);
    let plan = state
        .db
        .write(move |conn| admin::people_roster::apply_people(conn, &actor, parsed, &first))
        .await?;
    Ok(import_answer(plan.applied)
        .insert_header(("Cache-Control", "no-store"))
        .json(plan))
}

/// The city's list of assignments (担当: the resident's number, the commissioner's login name, the
/// first day) as CSV: the preview, or with `confirm=true` the import — nothing is written while any
/// row is in error (then 422 with the preview). Administrator only.
#[utoipa::path(post, path = "/api/admin/roster/assignments", tag = "admin", params(RosterQuery),
    request_body(content = String, content_type = "text/csv"),
    responses((status = 200, body = admin::people_roster::AssignmentsPlan),
        (status = 413, body = ErrorBody), (status = 422, body = admin::people_roster::AssignmentsPlan),
        (status = 403, body = ErrorBody)))]
pub async fn import_assignments(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<RosterQuery>,
    mut body: web::Payload,
) -> Result<HttpResponse, AppError> {
    use crate::domain::people_roster::parse_assignments;
    let actor = admin_actor(&caller)?;
    let bytes = csv_file(&mut body).await?;
    let parsed = parse_assignments(&bytes);
    if !query.confirm {
        let plan = state
            .db
            .read(move |conn| admin::people_roster::plan_assignments(conn, parsed))
            .await?;
        return Ok(HttpResponse::Ok().json(plan));
    }
    let plan = state
        .db
        .write(move |conn| admin::people_roster::apply_assignments(conn, &actor, parsed))
        .await?;
    Ok(import_answer(plan.applied).json(plan))
}

#[derive(Deserialize, ToSchema)]
pub struct HandOverRequest {
    /// The successors' first day (`YYYY-MM-DD`); the predecessors' last is the day before.
    pub on: String,
    pub moves: Vec<admin::handover::Move>,
}

/// 改選 / hand-over: each outgoing commissioner's residents to a successor from `on`, for a whole
/// district in one transaction (see `admin::handover`). Administrator only.
#[utoipa::path(post, path = "/api/admin/handover", tag = "admin", request_body = HandOverRequest,
    responses((status = 200, body = admin::handover::HandOverResult), (status = 400, body = ErrorBody),
        (status = 403, body = ErrorBody)))]
pub async fn hand_over(
    state: web::Data<AppState>,
    caller: Caller,
    body: ApiJson<HandOverRequest>,
) -> Result<HttpResponse, AppError> {
    let actor = admin_actor(&caller)?;
    let b = body.0;
    let on = field("on", Date::parse(&b.on))?;
    let done = state
        .db
        .write(move |conn| admin::handover::hand_over(conn, &actor, on, &b.moves))
        .await?;
    Ok(HttpResponse::Ok().json(done))
}

#[derive(Serialize, ToSchema)]
pub struct AssignmentOut {
    pub id: String,
    pub resident_id: String,
    pub commissioner_id: String,
    pub starts_on: String,
    /// Last day of access (inclusive); none while open-ended.
    pub ends_on: Option<String>,
}

impl From<Assignment> for AssignmentOut {
    fn from(a: Assignment) -> Self {
        AssignmentOut {
            id: a.id,
            resident_id: a.resident_id,
            commissioner_id: a.commissioner_id,
            starts_on: a.starts_on,
            ends_on: a.ends_on,
        }
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewAssignmentRequest {
    pub resident_id: String,
    pub commissioner_id: String,
    /// `YYYY-MM-DD`
    pub starts_on: String,
    #[serde(default)]
    pub ends_on: Option<String>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EndAssignmentRequest {
    /// `YYYY-MM-DD`, the last day of access.
    pub ends_on: String,
}

#[utoipa::path(get, path = "/api/admin/assignments", tag = "admin",
    responses((status = 200, body = Vec<AssignmentOut>), (status = 403, body = ErrorBody)))]
pub async fn list_assignments(
    state: web::Data<AppState>,
    caller: Caller,
) -> Result<HttpResponse, AppError> {
    office_reader(&caller)?;
    let rows = state
        .db
        .read(|conn| Ok(directory::list_assignments(conn)?))
        .await?;
    Ok(HttpResponse::Ok().json(
        rows.into_iter()
            .map(AssignmentOut::from)
            .collect::<Vec<_>>(),
    ))
}

#[utoipa::path(post, path = "/api/admin/assignments", tag = "admin", request_body = NewAssignmentRequest,
    responses((status = 201, body = AssignmentOut), (status = 400, body = ErrorBody)))]
pub async fn create_assignment(
    state: web::Data<AppState>,
    caller: Caller,
    body: ApiJson<NewAssignmentRequest>,
) -> Result<HttpResponse, AppError> {
    let actor = admin_actor(&caller)?;
    let b = body.0;
    let starts_on = field("starts_on", Date::parse(&b.starts_on))?;
    let ends_on = match b.ends_on {
        Some(e) => Some(field("ends_on", Date::parse(&e))?),
        None => None,
    };
    let a = state
        .db
        .write(move |conn| {
            admin::assign(
                conn,
                &actor,
                &b.resident_id,
                &b.commissioner_id,
                starts_on,
                ends_on,
            )
        })
        .await?;
    Ok(HttpResponse::Created().json(AssignmentOut::from(a)))
}

/// Sets the last day of an assignment: from the day after, the commissioner no longer reaches the
/// resident.
#[utoipa::path(post, path = "/api/admin/assignments/{id}/end", tag = "admin", request_body = EndAssignmentRequest,
    params(("id" = String, Path, description = "assignment id")),
    responses((status = 200, body = AssignmentOut), (status = 404, body = ErrorBody)))]
pub async fn end_assignment(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
    body: ApiJson<EndAssignmentRequest>,
) -> Result<HttpResponse, AppError> {
    let actor = admin_actor(&caller)?;
    let ends_on = field("ends_on", Date::parse(&body.0.ends_on))?;
    let id = id.into_inner();
    let a = state
        .db
        .write(move |conn| admin::end_assignment(conn, &actor, &id, ends_on))
        .await?;
    Ok(HttpResponse::Ok().json(AssignmentOut::from(a)))
}

/// A loaned device as administrators see it.
#[derive(Serialize, ToSchema)]
pub struct DeviceOut {
    pub id: String,
    pub label: String,
    /// `awaiting_enrolment`, `enrolled`, `revoked` or `wiped`.
    pub state: String,
    pub enrolled_at: Option<i64>,
    pub revoked_at: Option<i64>,
    /// The last check-in (login or key-share fetch).
    pub last_seen_at: Option<i64>,
    pub app_version: Option<String>,
    /// Its app (at the last check-in) is older than the server accepts (「更新が必要」).
    pub update_required: bool,
    /// When the revoked device confirmed it erased its data.
    pub wiped_at: Option<i64>,
}

impl From<Device> for DeviceOut {
    fn from(d: Device) -> Self {
        let state = if d.wiped_at.is_some() {
            "wiped"
        } else if d.revoked_at.is_some() {
            "revoked"
        } else if d.enrolled_at.is_some() {
            "enrolled"
        } else {
            "awaiting_enrolment"
        };
        DeviceOut {
            id: d.id,
            label: d.label,
            state: state.into(),
            enrolled_at: d.enrolled_at,
            revoked_at: d.revoked_at,
            last_seen_at: d.last_seen_at,
            update_required: d
                .app_version
                .as_deref()
                .is_some_and(|v| crate::version::older_than(v, crate::version::MIN_APP_VERSION)),
            app_version: d.app_version,
            wiped_at: d.wiped_at,
        }
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewDeviceRequest {
    /// e.g. 神楽岡-タブレット-03
    pub label: String,
}

/// The answer to issuing a device: the one-time code, shown this once.
#[derive(Serialize, ToSchema)]
pub struct DeviceIssued {
    pub device: DeviceOut,
    /// Type it on the tablet's 端末登録 screen.
    pub enrolment_code: String,
    /// The same code as a link (put it in a QR code).
    pub enrolment_url: String,
    pub expires_at: i64,
}

#[utoipa::path(get, path = "/api/admin/devices", tag = "admin",
    responses((status = 200, body = Vec<DeviceOut>), (status = 403, body = ErrorBody)))]
pub async fn list_devices(
    state: web::Data<AppState>,
    caller: Caller,
) -> Result<HttpResponse, AppError> {
    office_reader(&caller)?;
    let rows = state
        .db
        .read(|conn| Ok(accounts::list_devices(conn)?))
        .await?;
    Ok(HttpResponse::Ok().json(rows.into_iter().map(DeviceOut::from).collect::<Vec<_>>()))
}

#[utoipa::path(post, path = "/api/admin/devices", tag = "admin", request_body = NewDeviceRequest,
    responses((status = 201, body = DeviceIssued), (status = 400, body = ErrorBody)))]
pub async fn issue_device(
    state: web::Data<AppState>,
    caller: Caller,
    body: ApiJson<NewDeviceRequest>,
) -> Result<HttpResponse, AppError> {
    let actor = admin_actor(&caller)?;
    let label = field("label", Name::parse(&body.0.label))?;
    let (d, code) = state
        .db
        .write(move |conn| admin::issue_device(conn, &actor, label))
        .await?;
    let expires_at = d.enrolment_expires_at.unwrap_or_default();
    Ok(HttpResponse::Created().json(DeviceIssued {
        enrolment_url: enrolment_url(&state.origin, &code),
        enrolment_code: code,
        expires_at,
        device: DeviceOut::from(d),
    }))
}

/// `https://host/#/enrol/CODE`: the fragment never reaches server logs.
pub fn enrolment_url(origin: &str, code: &str) -> String {
    format!("{origin}/#/enrol/{code}")
}

/// Revokes a device: its sessions end at once and it is refused from then on.
#[utoipa::path(post, path = "/api/admin/devices/{id}/revoke", tag = "admin",
    params(("id" = String, Path, description = "device id")),
    responses((status = 200, body = DeviceOut), (status = 404, body = ErrorBody)))]
pub async fn revoke_device(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let actor = admin_actor(&caller)?;
    let id = id.into_inner();
    let d = state
        .db
        .write(move |conn| admin::revoke_device(conn, &actor, &id))
        .await?;
    Ok(HttpResponse::Ok().json(DeviceOut::from(d)))
}

/// What the office's audit screen asks for; every part may be left out.
#[derive(Deserialize, utoipa::IntoParams)]
pub struct AuditQuery {
    /// A user's id, or `-` for what no user did (the host's admin commands, a tablet's enrolment
    /// before anyone logs in on it).
    pub actor: Option<String>,
    /// An action code as stored, e.g. `user.password_reset`.
    pub action: Option<String>,
    /// The first day (`YYYY-MM-DD`, Japan), included.
    pub from: Option<String>,
    /// The last day (`YYYY-MM-DD`, Japan), included.
    pub to: Option<String>,
    /// Only entries older than this id: the next page (the last id of the page before).
    pub before: Option<i64>,
    /// How many at most (1–500; 500 when left out).
    pub limit: Option<i64>,
}

/// The audit log, newest first: the entries that match, 500 at a time (`before` for the next
/// page). Ids and codes only, as stored.
#[utoipa::path(get, path = "/api/admin/audit", tag = "admin", params(AuditQuery),
    responses((status = 200, body = Vec<AuditEntry>), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn audit_log(
    state: web::Data<AppState>,
    caller: Caller,
    q: web::Query<AuditQuery>,
) -> Result<HttpResponse, AppError> {
    office_reader(&caller)?;
    let q = q.into_inner();
    // 00:00 in Japan of `day`, in milliseconds.
    let start_of = |day: &Date| day.epoch_days() * 86_400_000 - 9 * 3_600_000;
    let day = |name: &str, v: &Option<String>| -> Result<Option<Date>, AppError> {
        v.as_deref()
            .filter(|d| !d.trim().is_empty())
            .map(|d| field(name, Date::parse(d.trim())))
            .transpose()
    };
    let limit = q.limit.unwrap_or(500);
    if !(1..=500).contains(&limit) {
        return Err(AppError::invalid(
            "limit",
            "invalid_value",
            "件数は1〜500で指定してください。",
        ));
    }
    let search = audit::AuditSearch {
        actor: match q.actor.as_deref().map(str::trim) {
            None | Some("") => None,
            Some("-") => Some(None),
            Some(id) => Some(Some(id.to_string())),
        },
        action: q
            .action
            .map(|a| a.trim().to_string())
            .filter(|a| !a.is_empty()),
        from: day("from", &q.from)?.map(|d| start_of(&d)),
        to: day("to", &q.to)?.map(|d| start_of(&d) + 86_400_000),
        before: q.before,
        limit,
    };
    let rows = state
        .db
        .read(move |conn| Ok(audit::search(conn, &search)?))
        .await?;
    Ok(HttpResponse::Ok().json(rows))
}
