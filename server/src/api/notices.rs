//! お知らせ: the city office composes, sends and withdraws notices; every tablet lists its own and
//! records 既読; the sender (and a district lead, for their district) sees who has not read yet.
//! Also the tablet's Web Push subscription.

use actix_web::{HttpResponse, web};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use super::json::ApiJson;
use crate::admin::{Actor, record};
use crate::app::AppState;
use crate::auth::Caller;
use crate::db::notices::{self as store, Notice, Subscription};
use crate::db::{directory, new_id, now_ms};
use crate::domain::Role;
use crate::domain::notice::{self, Audience, AudienceKind, NoticeStatus, Priority};
use crate::error::{AppError, ErrorBody};

const STAFF: &[Role] = &[Role::CityStaff, Role::Admin];

#[derive(Serialize, ToSchema)]
pub struct PushKey {
    /// The VAPID public key for `PushManager.subscribe({applicationServerKey})` (base64url).
    pub public_key: String,
}

/// The server's VAPID public key.
#[utoipa::path(get, path = "/api/push/key", tag = "notices",
    responses((status = 200, body = PushKey), (status = 401, body = ErrorBody)))]
pub async fn push_key(state: web::Data<AppState>, _caller: Caller) -> HttpResponse {
    HttpResponse::Ok().json(PushKey {
        public_key: state.pusher.vapid.public.clone(),
    })
}

#[derive(Deserialize, ToSchema)]
pub struct SubscriptionKeys {
    pub p256dh: String,
    pub auth: String,
}

/// `PushSubscription.toJSON()` as the browser gives it.
#[derive(Deserialize, ToSchema)]
pub struct SubscribeRequest {
    pub endpoint: String,
    pub keys: SubscriptionKeys,
    #[serde(default, rename = "expirationTime")]
    #[allow(dead_code)]
    pub expiration_time: Option<f64>,
}

/// Stores this tablet's push subscription (replacing an earlier one with the same endpoint). The
/// endpoint must be one of the allowed push services (`MIMAMORI_PUSH_SERVICES`).
#[utoipa::path(post, path = "/api/push/subscriptions", tag = "notices", request_body = SubscribeRequest,
    responses((status = 204), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)))]
pub async fn subscribe(
    state: web::Data<AppState>,
    caller: Caller,
    body: ApiJson<SubscribeRequest>,
) -> Result<HttpResponse, AppError> {
    let b = body.0;
    if !crate::push::endpoint_allowed(&state.config, &b.endpoint) {
        return Err(AppError::invalid(
            "endpoint",
            "push_service_not_allowed",
            "この通知サービスは使えません（許可された通知サービスではありません）。",
        ));
    }
    let key_ok = B64
        .decode(b.keys.p256dh.trim_end_matches('='))
        .is_ok_and(|k| k.len() == 65 && k[0] == 4);
    if !key_ok {
        return Err(AppError::invalid(
            "keys.p256dh",
            "invalid_key",
            "通知の暗号鍵が正しくありません。",
        ));
    }
    if !B64
        .decode(b.keys.auth.trim_end_matches('='))
        .is_ok_and(|k| k.len() == 16)
    {
        return Err(AppError::invalid(
            "keys.auth",
            "invalid_key",
            "通知の認証鍵が正しくありません。",
        ));
    }
    let sub = Subscription {
        id: new_id(),
        user_id: caller.user_id.clone(),
        device_id: caller.device_id.clone(),
        endpoint: b.endpoint,
        p256dh: b.keys.p256dh.trim_end_matches('=').to_string(),
        auth: b.keys.auth.trim_end_matches('=').to_string(),
        created_at: now_ms(),
        failing_since: None,
    };
    state
        .db
        .write(move |conn| {
            // An endpoint moves to another user only from the browser that holds it (the same
            // keys: one office PC, another login). Knowing someone's endpoint URL is not enough to
            // take their notifications away.
            if let Some(old) = store::subscription_by_endpoint(conn, &sub.endpoint)?
                && old.user_id != sub.user_id
                && (old.p256dh != sub.p256dh || old.auth != sub.auth)
            {
                return Err(AppError::Conflict {
                    field: "endpoint".into(),
                    message: "この通知先は別の利用者のものです。".into(),
                });
            }
            store::upsert_subscription(conn, &sub)?;
            store::trim_subscriptions_of(conn, &sub.user_id)?;
            Ok(())
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UnsubscribeRequest {
    pub endpoint: String,
}

/// Removes one of the caller's subscriptions.
#[utoipa::path(delete, path = "/api/push/subscriptions", tag = "notices", request_body = UnsubscribeRequest,
    responses((status = 204), (status = 401, body = ErrorBody)))]
pub async fn unsubscribe(
    state: web::Data<AppState>,
    caller: Caller,
    body: ApiJson<UnsubscribeRequest>,
) -> Result<HttpResponse, AppError> {
    let endpoint = body.0.endpoint;
    let user = caller.user_id.clone();
    state
        .db
        .write(move |conn| Ok(store::delete_subscription_of(conn, &user, &endpoint)?))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// A notice as a tablet shows it.
#[derive(Serialize, ToSchema)]
pub struct NoticeOut {
    pub id: String,
    pub title: String,
    pub body: String,
    /// `normal` (通常), `important` (重要), `urgent` (緊急).
    #[schema(value_type = Priority)]
    pub priority: String,
    pub sent_at: Option<i64>,
    pub expires_at: Option<i64>,
    pub read: bool,
}

/// 緊急 first, then 重要, then 通常 (a word the server does not know, last).
fn rank(priority: &str) -> u8 {
    Priority::parse(priority).map_or(u8::MAX, Priority::rank)
}

/// The caller's notices, 緊急 first, then newest first. Listing them counts as delivered.
#[utoipa::path(get, path = "/api/notices", tag = "notices",
    responses((status = 200, body = Vec<NoticeOut>), (status = 401, body = ErrorBody)))]
pub async fn my_notices(
    state: web::Data<AppState>,
    caller: Caller,
) -> Result<HttpResponse, AppError> {
    let user = caller.user_id.clone();
    // Tablets ask every minute: a read, and a write only for notices not yet marked delivered.
    let now = now_ms();
    let mut list = state
        .db
        .read(move |conn| Ok(store::notices_for_user(conn, &user, now)?))
        .await?;
    let undelivered: Vec<String> = list
        .iter()
        .filter(|r| r.delivered_at.is_none())
        .map(|r| r.notice.id.clone())
        .collect();
    if !undelivered.is_empty() {
        let user = caller.user_id.clone();
        state
            .db
            .write(move |conn| Ok(store::mark_delivered(conn, &undelivered, &user, now)?))
            .await?;
    }
    list.sort_by(|a, b| {
        (
            rank(&a.notice.priority),
            std::cmp::Reverse(a.notice.sent_at),
        )
            .cmp(&(
                rank(&b.notice.priority),
                std::cmp::Reverse(b.notice.sent_at),
            ))
    });
    let out: Vec<NoticeOut> = list
        .into_iter()
        .map(|r| NoticeOut {
            read: r.read_at.is_some(),
            id: r.notice.id,
            title: r.notice.title,
            body: r.notice.body,
            priority: r.notice.priority,
            sent_at: r.notice.sent_at,
            expires_at: r.notice.expires_at,
        })
        .collect();
    Ok(HttpResponse::Ok().json(out))
}

/// Records 既読 (once; repeating it changes nothing). 404 for a notice that was not for the caller.
#[utoipa::path(post, path = "/api/notices/{id}/read", tag = "notices",
    params(("id" = String, Path, description = "notice id")),
    responses((status = 204), (status = 404, body = ErrorBody)))]
pub async fn mark_read(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let user = caller.user_id.clone();
    state
        .db
        .write(move |conn| {
            if !store::is_recipient(conn, &id, &user)? {
                return Err(AppError::NotFound);
            }
            store::mark_read(conn, &id, &user, now_ms())?;
            Ok(())
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

// --- the sender's side ---------------------------------------------------------------------------

/// The districts (to choose a notice's audience). Names are public; any logged-in caller.
#[utoipa::path(get, path = "/api/districts", tag = "notices",
    responses((status = 200, body = Vec<crate::api::admin::DistrictOut>), (status = 401, body = ErrorBody)))]
pub async fn districts(
    state: web::Data<AppState>,
    _caller: Caller,
) -> Result<HttpResponse, AppError> {
    let rows = state
        .db
        .read(|conn| Ok(directory::list_districts(conn)?))
        .await?;
    Ok(HttpResponse::Ok().json(
        rows.into_iter()
            .map(crate::api::admin::DistrictOut::from)
            .collect::<Vec<_>>(),
    ))
}

/// A notice being composed or edited.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NoticeIn {
    pub title: String,
    /// Plain text; line breaks and links are kept as written.
    pub body: String,
    /// `normal` | `important` | `urgent`
    #[schema(value_type = Priority)]
    pub priority: String,
    /// `all` | `districts` | `role`
    #[schema(value_type = AudienceKind)]
    pub audience: String,
    /// District ids, for audience `districts`.
    #[serde(default)]
    pub districts: Vec<String>,
    /// `district_lead` | `commissioner`, for audience `role`.
    #[serde(default)]
    #[schema(value_type = Option<Role>)]
    pub role: Option<String>,
    /// Last day shown (`YYYY-MM-DD`, Japan time), if it expires.
    #[serde(default)]
    pub expires_on: Option<String>,
}

/// A notice as the sender sees it.
#[derive(Serialize, ToSchema)]
pub struct SentNoticeOut {
    pub id: String,
    pub title: String,
    pub body: String,
    #[schema(value_type = Priority)]
    pub priority: String,
    #[schema(value_type = AudienceKind)]
    pub audience: String,
    pub districts: Vec<String>,
    #[schema(value_type = Option<Role>)]
    pub role: Option<String>,
    pub expires_at: Option<i64>,
    /// `draft`, `sent`, `withdrawn`.
    #[schema(value_type = NoticeStatus)]
    pub status: String,
    pub created_at: i64,
    pub sent_at: Option<i64>,
    pub withdrawn_at: Option<i64>,
}

fn sent_out(n: Notice) -> SentNoticeOut {
    SentNoticeOut {
        districts: serde_json::from_str(&n.audience_districts).unwrap_or_default(),
        id: n.id,
        title: n.title,
        body: n.body,
        priority: n.priority,
        audience: n.audience,
        role: n.audience_role,
        expires_at: n.expires_at,
        status: n.status,
        created_at: n.created_at,
        sent_at: n.sent_at,
        withdrawn_at: n.withdrawn_at,
    }
}

/// Checks a composed notice field by field (`domain::notice::compose`; here, that the chosen
/// districts exist) and writes it into `n`.
fn apply(conn: &mut crate::db::DbConn, n: &mut Notice, input: NoticeIn) -> Result<(), AppError> {
    let composed = notice::compose(
        notice::Draft {
            title: &input.title,
            body: &input.body,
            priority: &input.priority,
            audience: &input.audience,
            districts: input.districts.clone(),
            role: input.role.as_deref(),
            expires_on: input.expires_on.as_deref(),
        },
        now_ms(),
    )
    .map_err(|(f, e)| AppError::invalid(f, e.code, e.message))?;
    let (districts, role) = match &composed.audience {
        Audience::All => (Vec::new(), None),
        Audience::Districts(ids) => {
            for d in ids {
                if directory::district_by_id(conn, d)?.is_none() {
                    return Err(AppError::invalid(
                        "districts",
                        "unknown",
                        "存在しない地区が選ばれています。",
                    ));
                }
            }
            (ids.clone(), None)
        }
        Audience::Role(r) => (Vec::new(), Some(r.as_str().to_string())),
    };
    n.title = composed.title;
    n.body = composed.body;
    n.priority = composed.priority.as_str().to_string();
    n.audience = composed.audience.kind().as_str().to_string();
    n.audience_districts = serde_json::to_string(&districts).unwrap_or_else(|_| "[]".into());
    n.audience_role = role;
    n.expires_at = composed.expires_at;
    n.updated_at = now_ms();
    Ok(())
}

/// Every notice, newest first (city staff).
#[utoipa::path(get, path = "/api/staff/notices", tag = "notices",
    responses((status = 200, body = Vec<SentNoticeOut>), (status = 403, body = ErrorBody)))]
pub async fn staff_list(
    state: web::Data<AppState>,
    caller: Caller,
) -> Result<HttpResponse, AppError> {
    caller.require(STAFF)?;
    let list = state.db.read(|conn| Ok(store::all_notices(conn)?)).await?;
    Ok(HttpResponse::Ok().json(list.into_iter().map(sent_out).collect::<Vec<_>>()))
}

/// Saves a new notice as a draft (city staff).
#[utoipa::path(post, path = "/api/staff/notices", tag = "notices", request_body = NoticeIn,
    responses((status = 201, body = SentNoticeOut), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn create(
    state: web::Data<AppState>,
    caller: Caller,
    body: ApiJson<NoticeIn>,
) -> Result<HttpResponse, AppError> {
    caller.require(STAFF)?;
    let actor = Actor::of(&caller);
    let by = caller.user_id.clone();
    let n = state
        .db
        .write(move |conn| {
            let mut n = Notice::draft(new_id(), by, now_ms());
            apply(conn, &mut n, body.0)?;
            store::insert_notice(conn, &n)?;
            record(
                conn,
                &actor,
                "notice.create",
                "notice",
                Some(&n.id),
                json!({}),
            )?;
            Ok(n)
        })
        .await?;
    Ok(HttpResponse::Created().json(sent_out(n)))
}

fn load_for_staff(conn: &mut crate::db::DbConn, id: &str) -> Result<Notice, AppError> {
    store::notice_by_id(conn, id)?.ok_or(AppError::NotFound)
}

/// The notice, if it is in `status` (409 with `message` otherwise).
fn load_in(
    conn: &mut crate::db::DbConn,
    id: &str,
    status: NoticeStatus,
    message: &str,
) -> Result<Notice, AppError> {
    let n = load_for_staff(conn, id)?;
    if NoticeStatus::parse(&n.status) != Some(status) {
        return Err(AppError::Conflict {
            field: "status".into(),
            message: message.into(),
        });
    }
    Ok(n)
}

/// Edits a draft (a sent notice cannot change; withdraw it and send a new one).
#[utoipa::path(put, path = "/api/staff/notices/{id}", tag = "notices", request_body = NoticeIn,
    params(("id" = String, Path, description = "notice id")),
    responses((status = 200, body = SentNoticeOut), (status = 400, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn update(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
    body: ApiJson<NoticeIn>,
) -> Result<HttpResponse, AppError> {
    let edit = body.0;
    let n = change_notice(
        &state,
        &caller,
        id.into_inner(),
        (
            NoticeStatus::Draft,
            "送信済みのお知らせは直せません。取り消して新しく送ってください。",
        ),
        "notice.update",
        move |conn, n, _| {
            apply(conn, n, edit)?;
            Ok(json!({}))
        },
    )
    .await?;
    Ok(HttpResponse::Ok().json(sent_out(n)))
}

/// Sends a draft: fixes its recipients, queues a push to each of their subscriptions (in the same
/// transaction: a restart cannot lose them) and wakes the sender.
#[utoipa::path(post, path = "/api/staff/notices/{id}/send", tag = "notices",
    params(("id" = String, Path, description = "notice id")),
    responses((status = 200, body = SentNoticeOut), (status = 409, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn send(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let n = change_notice(
        &state,
        &caller,
        id.into_inner(),
        (
            NoticeStatus::Draft,
            "このお知らせは送信済みか取り消し済みです。",
        ),
        "notice.send",
        |conn, n, now| {
            n.status = NoticeStatus::Sent.as_str().into();
            n.sent_at = Some(now);
            let users = store::audience_users(conn, n)?;
            store::insert_recipients(conn, &n.id, &users)?;
            let payload = json!({ "notice": n.id, "title": n.title, "priority": n.priority });
            let urgent = Priority::parse(&n.priority) == Some(Priority::Urgent);
            let pushes = crate::push::enqueue(conn, &users, Some(&n.id), &payload, urgent)?;
            Ok(json!({ "recipients": users.len(), "pushes": pushes }))
        },
    )
    .await?;
    state.pusher.wake();
    Ok(HttpResponse::Ok().json(sent_out(n)))
}

/// Withdraws a sent notice: it leaves every tablet's list; pushes not yet sent are dropped.
#[utoipa::path(post, path = "/api/staff/notices/{id}/withdraw", tag = "notices",
    params(("id" = String, Path, description = "notice id")),
    responses((status = 200, body = SentNoticeOut), (status = 409, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn withdraw(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let n = change_notice(
        &state,
        &caller,
        id.into_inner(),
        (NoticeStatus::Sent, "送信済みのお知らせだけを取り消せます。"),
        "notice.withdraw",
        |conn, n, now| {
            n.status = NoticeStatus::Withdrawn.as_str().into();
            n.withdrawn_at = Some(now);
            store::cancel_notice_jobs(conn, &n.id, now)?;
            Ok(json!({}))
        },
    )
    .await?;
    Ok(HttpResponse::Ok().json(sent_out(n)))
}

/// One staff change to a notice, in one transaction: the notice must be in `expect.0` (409 with the
/// message `expect.1` otherwise); `change` alters it and returns the audit detail; it is saved and
/// audited as `action`.
async fn change_notice(
    state: &AppState,
    caller: &Caller,
    id: String,
    expect: (NoticeStatus, &'static str),
    action: &'static str,
    change: impl FnOnce(&mut crate::db::DbConn, &mut Notice, i64) -> Result<serde_json::Value, AppError>
    + Send
    + 'static,
) -> Result<Notice, AppError> {
    caller.require(STAFF)?;
    let actor = Actor::of(caller);
    state
        .db
        .write(move |conn| {
            let mut n = load_in(conn, &id, expect.0, expect.1)?;
            let now = now_ms();
            let detail = change(conn, &mut n, now)?;
            n.updated_at = now;
            store::save_notice(conn, &n)?;
            record(conn, &actor, action, "notice", Some(&n.id), detail)?;
            Ok(n)
        })
        .await
}

#[derive(Serialize, ToSchema)]
pub struct PersonOut {
    pub user_id: String,
    pub name: String,
    pub role: String,
}

#[derive(Serialize, ToSchema)]
pub struct DistrictTracking {
    pub district: String,
    pub recipients: usize,
    pub delivered: usize,
    pub read: usize,
    /// Who has not read it yet (to phone them).
    pub unread: Vec<PersonOut>,
}

#[derive(Serialize, ToSchema)]
pub struct Tracking {
    pub notice: SentNoticeOut,
    pub recipients: usize,
    pub delivered: usize,
    pub read: usize,
    /// Push messages by state: pending, done, failed, gone.
    pub pushes: std::collections::BTreeMap<String, i64>,
    pub districts: Vec<DistrictTracking>,
}

/// Delivered and read counts and who has not read yet, by district. City staff see every district;
/// a district lead sees their own district of a notice sent to it.
#[utoipa::path(get, path = "/api/notices/{id}/tracking", tag = "notices",
    params(("id" = String, Path, description = "notice id")),
    responses((status = 200, body = Tracking), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn tracking(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    caller.require(&[Role::CityStaff, Role::Admin, Role::DistrictLead])?;
    let id = id.into_inner();
    let lead_district = match caller.role {
        Role::DistrictLead => Some(caller.district_id.clone().ok_or(AppError::Forbidden)?),
        _ => None,
    };
    let user = caller.user_id.clone();
    let own = lead_district.clone();
    let (n, rows, pushes) = state
        .db
        .read(move |conn| {
            let n = load_for_staff(conn, &id)?;
            if lead_district.is_some() && !store::is_recipient(conn, &n.id, &user)? {
                // A lead sees only notices sent to them, and only their district.
                return Err(AppError::NotFound);
            }
            let rows = store::recipients(conn, &n.id)?;
            let pushes = store::job_states(conn, &n.id)?;
            Ok((n, rows, pushes))
        })
        .await?;
    let mut by_district: Vec<DistrictTracking> = Vec::new();
    for r in &rows {
        let name = r
            .district_name
            .clone()
            .unwrap_or_else(|| "（地区なし）".into());
        if let Some(own) = &own
            && r.district_id.as_ref() != Some(own)
        {
            continue;
        }
        if by_district.last().is_none_or(|d| d.district != name) {
            by_district.push(DistrictTracking {
                district: name,
                recipients: 0,
                delivered: 0,
                read: 0,
                unread: Vec::new(),
            });
        }
        let d = by_district.last_mut().expect("pushed above");
        d.recipients += 1;
        d.delivered += usize::from(r.delivered_at.is_some());
        d.read += usize::from(r.read_at.is_some());
        if r.read_at.is_none() {
            d.unread.push(PersonOut {
                user_id: r.user_id.clone(),
                name: r.display_name.clone(),
                role: r.role.clone(),
            });
        }
    }
    let total = |f: fn(&DistrictTracking) -> usize| by_district.iter().map(f).sum::<usize>();
    let out = Tracking {
        recipients: total(|d| d.recipients),
        delivered: total(|d| d.delivered),
        read: total(|d| d.read),
        pushes: if own.is_some() {
            Default::default()
        } else {
            pushes.into_iter().collect()
        },
        notice: sent_out(n),
        districts: by_district,
    };
    Ok(HttpResponse::Ok().json(out))
}
