//! Login, logout, `GET /api/me`, and device enrolment.

use actix_web::{HttpRequest, HttpResponse, web};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use super::json::ApiJson;
use crate::admin::{Actor, record};
use crate::app::AppState;
use crate::auth::{self, Caller, rate_limit};
use crate::db::{self, accounts, directory};
use crate::domain::Role;
use crate::error::{AppError, ErrorBody};

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    pub login: String,
    pub password: String,
}

#[derive(Serialize, ToSchema)]
pub struct DistrictRef {
    pub id: String,
    pub code: String,
    pub name: String,
}

/// The caller, as the app shows them.
#[derive(Serialize, ToSchema)]
pub struct Me {
    pub id: String,
    pub login: String,
    pub display_name: String,
    pub role: Role,
    pub district: Option<DistrictRef>,
    /// The enrolled device this session was opened on, if any.
    pub device_id: Option<String>,
    /// The password is a temporary one from an administrator's reset: ask for a new one.
    pub must_change_password: bool,
    /// The district leads of the caller's district (user ids): a review mark in a document counts
    /// on screen only when one of them wrote it (the server keeps others' out of its tables, D7).
    pub district_leads: Vec<String>,
    /// 災害モード: the disasters declared and not ended that cover the caller's district (every one,
    /// for the office). Empty most days.
    pub disasters: Vec<super::disasters::DisasterOut>,
    /// The oldest app this server accepts without asking it to update (`0.1.0`): an app older than
    /// this updates itself at a safe moment, its records kept.
    pub min_app_version: String,
}

async fn me_of(state: &AppState, caller: &Caller) -> Result<Me, AppError> {
    let scope = match caller.role {
        Role::CityStaff | Role::Admin => None,
        _ => Some(caller.district_id.clone().unwrap_or_default()),
    };
    let disasters = state
        .db
        .read(move |conn| Ok(crate::db::disasters::active(conn, scope.as_deref())?))
        .await?
        .into_iter()
        .map(super::disasters::DisasterOut::of)
        .collect();
    let (district, district_leads) = match caller.district_id.clone() {
        Some(id) => {
            let (d, leads) = state
                .db
                .read(move |conn| {
                    Ok((
                        directory::district_by_id(conn, &id)?,
                        directory::district_leads(conn, &id)?,
                    ))
                })
                .await?;
            (
                d.map(|d| DistrictRef {
                    id: d.id,
                    code: d.code,
                    name: d.name,
                }),
                leads,
            )
        }
        None => (None, Vec::new()),
    };
    Ok(Me {
        id: caller.user_id.clone(),
        login: caller.login.clone(),
        display_name: caller.display_name.clone(),
        role: caller.role,
        district,
        device_id: caller.device_id.clone(),
        must_change_password: caller.must_change_password,
        district_leads,
        disasters,
        min_app_version: crate::version::MIN_APP_VERSION.to_string(),
    })
}

/// The device behind the request's device cookie: `Ok(None)` without one, 401 `device_revoked` for
/// a revoked device.
async fn request_device(
    state: &AppState,
    req: &HttpRequest,
) -> Result<Option<accounts::Device>, AppError> {
    let Some(token) = req
        .cookie(auth::DEVICE_COOKIE)
        .map(|c| c.value().to_string())
    else {
        return Ok(None);
    };
    let hash = auth::token_hash(&token);
    let device = state
        .db
        .read(move |conn| Ok(accounts::device_by_token_hash(conn, &hash)?))
        .await?;
    match device {
        Some(d) if d.revoked_at.is_some() => Err(AppError::Unauthorized {
            code: "device_revoked",
        }),
        other => Ok(other),
    }
}

/// Logs in with a login id and password; sets the session cookie.
#[utoipa::path(post, path = "/api/session", tag = "session", request_body = LoginRequest,
    responses((status = 200, body = Me), (status = 401, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn login(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: ApiJson<LoginRequest>,
) -> Result<HttpResponse, AppError> {
    let LoginRequest { login, password } = body.0;
    let login = login.trim().to_ascii_lowercase();
    if login.is_empty() || login.len() > 64 {
        return Err(AppError::invalid(
            "login",
            "invalid_length",
            "ログイン名を入れてください。",
        ));
    }
    if password.is_empty() || password.chars().count() > 256 {
        return Err(AppError::invalid(
            "password",
            "invalid_length",
            "パスワードを入力してください。",
        ));
    }
    let device = request_device(&state, &req).await?;
    let device_id = device.as_ref().map(|d| d.id.clone());
    let address = auth::proxy::client_address(&req, &state.config.trusted_proxies);
    let browser_cookie = req
        .cookie(rate_limit::BROWSER_COOKIE)
        .map(|c| c.value().to_string());
    let now = db::now_ms();

    // The bucket: this tablet's, this known browser's, or the one all other browsers share.
    let device_bucket = device_id.as_deref().map(|d| rate_limit::bucket(Some(d)));
    let (attempt, user, known) = state
        .db
        .write(move |conn| {
            let user = accounts::user_by_login(conn, &login)?;
            let known = match &user {
                Some(u) if device_bucket.is_none() => {
                    rate_limit::known_browser(conn, &u.id, browser_cookie.as_deref())?
                }
                _ => None,
            };
            let (bucket, address) = match device_bucket.or(known.clone()) {
                Some(own) => (own, None),
                None => (rate_limit::bucket(None), Some(address.as_str())),
            };
            let attempt = rate_limit::reserve(conn, &login, &bucket, address, now)?;
            Ok((attempt, user, known.is_some()))
        })
        .await?;
    // A commissioner logs in only on an enrolled tablet. Said before the password is checked, so
    // that the answer does not tell a guesser whether the password was right (the attempt stays
    // counted).
    let needs_device = |u: &accounts::User| {
        u.role == Role::Commissioner.as_str() && state.config.commissioner_needs_device
    };
    if device_id.is_none() && user.as_ref().is_some_and(needs_device) {
        return Err(AppError::Unauthorized {
            code: "device_required",
        });
    }
    let stored = user.as_ref().map(|u| u.password_hash.clone());
    let ok =
        auth::password_work(move || auth::verify_password(stored.as_deref(), &password)).await?;
    let user = match user {
        Some(u) if ok && u.disabled_at.is_none() => u,
        _ => {
            // Already counted (reserve).
            tracing::info!(device = device_id.as_deref().unwrap_or("-"), "login failed");
            return Err(AppError::Unauthorized {
                code: "bad_credentials",
            });
        }
    };
    let role =
        Role::parse(&user.role).ok_or_else(|| AppError::internal("unknown role in database"))?;
    let (token, token_hash) = auth::new_token();
    let ttl_ms = state.config.session_ttl_hours * 3_600_000;
    let session = accounts::Session {
        id: db::new_id(),
        token_hash,
        user_id: user.id.clone(),
        device_id: device_id.clone(),
        created_at: now,
        expires_at: now + ttl_ms,
        revoked_at: None,
    };
    let caller = Caller {
        user_id: user.id.clone(),
        login: user.login.clone(),
        display_name: user.display_name.clone(),
        role,
        district_id: user.district_id.clone(),
        session_id: session.id.clone(),
        device_id: device_id.clone(),
        session_expires_at: session.expires_at,
        must_change_password: user.must_change_password,
    };
    let actor = Actor::of(&caller);
    // A browser (not a tablet) where this account logged in becomes known to it.
    let remember = !known && device_id.is_none();
    let user_id = user.id.clone();
    let browser_token = state
        .db
        .write(move |conn| {
            accounts::forget_login_failure(conn, attempt)?;
            let token = if remember {
                Some(rate_limit::new_browser_token(conn, &user_id)?)
            } else {
                None
            };
            accounts::insert_session(conn, &session)?;
            if let Some(d) = &session.device_id {
                accounts::touch_device(conn, d, now)?;
            }
            record(
                conn,
                &actor,
                "session.login",
                "session",
                Some(&session.id),
                json!({}),
            )?;
            Ok(token)
        })
        .await?;
    tracing::info!(user = %caller.user_id, role = role.as_str(), "login");
    let me = me_of(&state, &caller).await?;
    let mut response = HttpResponse::Ok();
    response.cookie(auth::session_cookie(
        &token,
        state.secure_cookies,
        state.config.session_ttl_hours,
    ));
    if let Some(t) = browser_token {
        response.cookie(auth::browser_cookie(&t, state.secure_cookies));
    }
    Ok(response.json(me))
}

/// Ends the caller's session and clears the cookie.
#[utoipa::path(delete, path = "/api/session", tag = "session",
    responses((status = 204), (status = 401, body = ErrorBody)))]
pub async fn logout(state: web::Data<AppState>, caller: Caller) -> Result<HttpResponse, AppError> {
    let actor = Actor::of(&caller);
    let sid = caller.session_id.clone();
    state
        .db
        .write(move |conn| {
            accounts::revoke_session(conn, &sid, db::now_ms())?;
            crate::access::changed(conn)?;
            record(
                conn,
                &actor,
                "session.logout",
                "session",
                Some(&sid),
                json!({}),
            )
        })
        .await?;
    Ok(HttpResponse::NoContent()
        .cookie(auth::removal_cookie(
            auth::SESSION_COOKIE,
            state.secure_cookies,
        ))
        .finish())
}

/// Who am I: the caller's user, role, district and device.
#[utoipa::path(get, path = "/api/me", tag = "session",
    responses((status = 200, body = Me), (status = 401, body = ErrorBody)))]
pub async fn me(state: web::Data<AppState>, caller: Caller) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::Ok().json(me_of(&state, &caller).await?))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordChange {
    pub current_password: String,
    /// 10–256 characters, not the current one.
    pub new_password: String,
}

/// Changes the caller's own password. The current one is checked under the login throttle (a
/// stolen session cannot guess it faster than a login could); every other session of the caller
/// ends, this one stays.
#[utoipa::path(post, path = "/api/me/password", tag = "session", request_body = PasswordChange,
    responses((status = 204), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn change_password(
    state: web::Data<AppState>,
    caller: Caller,
    body: ApiJson<PasswordChange>,
) -> Result<HttpResponse, AppError> {
    let PasswordChange {
        current_password,
        new_password,
    } = body.0;
    let new = super::json::field(
        "new_password",
        crate::domain::Password::parse(&new_password),
    )?;
    if new.expose() == current_password {
        return Err(AppError::invalid(
            "new_password",
            "unchanged",
            "今のパスワードとは違うものにしてください。",
        ));
    }
    let login = caller.login.clone();
    // Guesses through one session count in that session's own bucket (a stolen session cannot
    // lock the owner out, nor guess faster than a login could).
    let bucket = format!("session:{}", caller.session_id);
    let user_id = caller.user_id.clone();
    let now = db::now_ms();
    let (attempt, user) = state
        .db
        .write(move |conn| {
            let attempt = rate_limit::reserve(conn, &login, &bucket, None, now)?;
            Ok((attempt, accounts::user_by_id(conn, &user_id)?))
        })
        .await?;
    let stored = user.map(|u| u.password_hash);
    let checked = auth::password_work(move || {
        if !auth::verify_password(stored.as_deref(), &current_password) {
            return Ok(None);
        }
        auth::hash_password(&new).map(Some)
    })
    .await??;
    let Some(hash) = checked else {
        // Already counted (reserve).
        return Err(AppError::invalid(
            "current_password",
            "wrong",
            "今のパスワードが違います。",
        ));
    };
    let actor = Actor::of(&caller);
    let (user_id, session_id) = (caller.user_id.clone(), caller.session_id.clone());
    state
        .db
        .write(move |conn| {
            accounts::forget_login_failure(conn, attempt)?;
            crate::admin::change_own_password(conn, &actor, &user_id, &session_id, &hash)
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EnrolRequest {
    /// The one-time code from the administrator (`XXXX-XXXX-XXXX`; case, spaces and hyphens are
    /// ignored).
    pub code: String,
}

#[derive(Serialize, ToSchema)]
pub struct Enrolled {
    pub device_id: String,
    pub label: String,
}

/// Redeems a one-time enrolment code; this browser becomes the loaned device (cookie
/// `mimamori_device`). A code works once.
#[utoipa::path(post, path = "/api/devices/enrol", tag = "session", request_body = EnrolRequest,
    responses((status = 200, body = Enrolled), (status = 400, body = ErrorBody)))]
pub async fn enrol(
    state: web::Data<AppState>,
    body: ApiJson<EnrolRequest>,
) -> Result<HttpResponse, AppError> {
    let code = body.0.code;
    if code.len() > 64 {
        return Err(AppError::invalid(
            "code",
            "invalid_length",
            "登録コードが長すぎます。",
        ));
    }
    let code_hash = auth::enrolment_code_hash(&code);
    let (token, token_hash) = auth::new_token();
    let (key_share, _) = auth::new_token();
    let device = state
        .db
        .write(move |conn| {
            let now = db::now_ms();
            let d = accounts::redeem_enrolment(conn, &code_hash, &token_hash, &key_share, now)?
                .ok_or_else(|| {
                    AppError::invalid(
                        "code",
                        "invalid_code",
                        "登録コードが正しくないか、使用済みか、期限切れです。",
                    )
                })?;
            record(
                conn,
                &Actor {
                    user_id: None,
                    device_id: Some(d.id.clone()),
                },
                "device.enrol",
                "device",
                Some(&d.id),
                json!({}),
            )?;
            Ok(d)
        })
        .await?;
    tracing::info!(device = %device.id, "device enrolled");
    Ok(HttpResponse::Ok()
        .cookie(auth::device_cookie(&token, state.secure_cookies))
        .json(Enrolled {
            device_id: device.id,
            label: device.label,
        }))
}

/// What an enrolled tablet needs to open its local store.
#[derive(Serialize, ToSchema)]
pub struct KeyShare {
    pub device_id: String,
    /// The server's half of the local-store key (base64url, 256 bits). Never stored in clear on the
    /// tablet; combined there with a key derived from the PIN.
    pub key_share: String,
    /// Erase the local key after this many days without a check-in.
    pub offline_expiry_days: u32,
    /// Lock the app after this many seconds without a touch.
    pub idle_lock_secs: u32,
    /// The app that checked in (its `X-Mimamori-App-Version`) is older than the server accepts: it
    /// should update itself at a safe moment (its records are kept and still accepted).
    pub update_required: bool,
}

/// The tablet's check-in: hands its key share to the enrolled, non-revoked device of the session and
/// records the check-in time and the app version (header `X-Mimamori-App-Version`). A revoked device
/// gets 401 `device_revoked`, its signal to erase its local data.
#[utoipa::path(get, path = "/api/devices/key-share", tag = "session",
    responses((status = 200, body = KeyShare), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn key_share(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
) -> Result<HttpResponse, AppError> {
    let device_id = caller.device_id.clone().ok_or(AppError::Denied {
        code: "device_required",
        message: "このタブレットは登録されていません。".into(),
    })?;
    let version = req
        .headers()
        .get("x-mimamori-app-version")
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            v.trim()
                .chars()
                .filter(|c| c.is_ascii_graphic())
                .take(32)
                .collect::<String>()
        })
        .filter(|v| !v.is_empty());
    let update_required = version
        .as_deref()
        .is_none_or(|v| crate::version::older_than(v, crate::version::MIN_APP_VERSION));
    let id = device_id.clone();
    let device = state
        .db
        .write(move |conn| {
            accounts::check_in_device(conn, &id, version.as_deref(), db::now_ms())?;
            accounts::device_by_id(conn, &id)?.ok_or(AppError::Unauthorized {
                code: "device_revoked",
            })
        })
        .await?;
    if device.revoked_at.is_some() {
        return Err(AppError::Unauthorized {
            code: "device_revoked",
        });
    }
    let key_share = device
        .key_share
        .ok_or_else(|| AppError::internal("enrolled device without a key share"))?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(KeyShare {
            device_id,
            key_share,
            offline_expiry_days: state.config.offline_expiry_days,
            idle_lock_secs: state.config.idle_lock_secs,
            update_required,
        }))
}

/// A revoked tablet confirms it erased its key and data (by its device cookie; it has no session
/// any more). Recorded in the audit log; the device's cookies are cleared.
#[utoipa::path(post, path = "/api/devices/wiped", tag = "session",
    responses((status = 204), (status = 401, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn wiped(state: web::Data<AppState>, req: HttpRequest) -> Result<HttpResponse, AppError> {
    let token = device_token(&req)?;
    let hash = auth::token_hash(&token);
    state
        .db
        .write(move |conn| {
            let d = device_of(conn, &hash)?;
            if d.revoked_at.is_none() {
                return Err(AppError::Conflict {
                    field: "device".into(),
                    message: "このタブレットは利用停止になっていません。".into(),
                });
            }
            accounts::mark_wiped(conn, &d.id, db::now_ms())?;
            record(
                conn,
                &Actor {
                    user_id: None,
                    device_id: Some(d.id.clone()),
                },
                "device.wiped",
                "device",
                Some(&d.id),
                json!({}),
            )
        })
        .await?;
    Ok(HttpResponse::NoContent()
        .cookie(auth::removal_cookie(
            auth::DEVICE_COOKIE,
            state.secure_cookies,
        ))
        .cookie(auth::removal_cookie(
            auth::SESSION_COOKIE,
            state.secure_cookies,
        ))
        .finish())
}

/// The device cookie's token (401 without one).
fn device_token(req: &HttpRequest) -> Result<String, AppError> {
    req.cookie(auth::DEVICE_COOKIE)
        .map(|c| c.value().to_string())
        .ok_or(AppError::Unauthorized {
            code: "unauthorized",
        })
}

/// The device a device-cookie hash belongs to (401 for none).
fn device_of(conn: &mut crate::db::DbConn, hash: &str) -> Result<accounts::Device, AppError> {
    accounts::device_by_token_hash(conn, hash)?.ok_or(AppError::Unauthorized {
        code: "unauthorized",
    })
}

/// One thing that happened on the tablet's lock.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeviceEvent {
    /// `unlock`, `lock` (idle) or `erase` (local data erased on the tablet).
    pub event: String,
    /// For `erase`: `wrong_pins` or `expired`.
    #[serde(default)]
    pub reason: Option<String>,
    /// When it happened on the tablet (ms since the epoch).
    pub at: i64,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeviceEvents {
    pub events: Vec<DeviceEvent>,
}

/// The tablet reports its lock events (queued while offline, also after a local erase): each becomes
/// an audit entry `device.unlock`, `device.lock` or `device.erase` of that device. Needs the device
/// cookie, not a session (an erased tablet has no session to speak of). An empty list is the app's
/// start-up check: a revoked device gets `401 device_revoked` here whatever its session.
#[utoipa::path(post, path = "/api/devices/events", tag = "session", request_body = DeviceEvents,
    responses((status = 204), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)))]
pub async fn device_events(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: ApiJson<DeviceEvents>,
) -> Result<HttpResponse, AppError> {
    let token = device_token(&req)?;
    let events = body.0.events;
    if events.len() > 100 {
        return Err(AppError::invalid(
            "events",
            "too_many",
            "一度に送れるのは100件までです。",
        ));
    }
    for e in &events {
        let ok = match e.event.as_str() {
            "unlock" | "lock" => e.reason.is_none(),
            "erase" => matches!(e.reason.as_deref(), Some("wrong_pins" | "expired")),
            _ => false,
        };
        if !ok {
            return Err(AppError::invalid(
                "events",
                "invalid_event",
                "端末の記録の種類が正しくありません。",
            ));
        }
    }
    let hash = auth::token_hash(&token);
    let revoked = state
        .db
        .write(move |conn| {
            let d = device_of(conn, &hash)?;
            let mut events = events;
            if let Some(revoked_at) = d.revoked_at {
                // A revoked device is told to erase itself; the audit log takes from it one erase
                // of its own (a tablet that erased itself for wrong PINs before it heard of the
                // revocation), once — nothing else, however often it asks.
                let erased =
                    crate::db::audit::recorded_since(conn, "device.erase", &d.id, revoked_at)?;
                events.retain(|e| e.event == "erase");
                events.truncate(usize::from(!erased && d.wiped_at.is_none()));
            }
            let actor = Actor {
                user_id: None,
                device_id: Some(d.id.clone()),
            };
            for e in events {
                record(
                    conn,
                    &actor,
                    &format!("device.{}", e.event),
                    "device",
                    Some(&d.id),
                    json!({ "reason": e.reason, "at": e.at }),
                )?;
            }
            Ok(d.revoked_at.is_some() && d.wiped_at.is_none())
        })
        .await?;
    if revoked {
        // The device cookie alone tells a revoked tablet to erase itself, even when its session is
        // long gone (revocation ends sessions; sessions expire).
        return Err(AppError::Unauthorized {
            code: "device_revoked",
        });
    }
    Ok(HttpResponse::NoContent().finish())
}
