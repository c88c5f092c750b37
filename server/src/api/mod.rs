//! HTTP API: the route table (read it top to bottom), the OpenAPI document, and health.
//!
//! Handlers parse (with [`json::ApiJson`] and the domain newtypes), authorize (the [`Caller`]
//! extractor, then a role check or [`crate::access`]), call `admin`/`db`, and shape JSON. Nothing else.
//!
//! [`Caller`]: crate::auth::Caller

pub mod activities;
pub mod admin;
pub mod charts;
pub mod json;
pub mod metrics;
pub mod notices;
pub mod reports;
pub mod residents;
pub mod review;
pub mod session;
pub mod sync_ws;

use actix_web::{HttpResponse, web};
use serde::Serialize;
use utoipa::{OpenApi, ToSchema};

use crate::app::AppState;
use crate::error::{AppError, ErrorBody};

/// Every route of the server except static files (`app.rs`).
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/healthz", web::get().to(healthz))
        // For the monitoring's addresses or token only; anyone else gets the 404 of an unknown path.
        .route(
            "/metrics",
            web::get()
                .guard(actix_web::guard::fn_guard(metrics::may_read))
                .to(metrics::metrics),
        )
        .route("/api/openapi.json", web::get().to(openapi_json))
        .route("/api/session", web::post().to(session::login))
        .route("/api/session", web::delete().to(session::logout))
        .route("/api/me", web::get().to(session::me))
        .route("/api/me/password", web::post().to(session::change_password))
        .route("/api/devices/enrol", web::post().to(session::enrol))
        .route("/api/devices/key-share", web::get().to(session::key_share))
        .route("/api/devices/wiped", web::post().to(session::wiped))
        .route(
            "/api/devices/events",
            web::post().to(session::device_events),
        )
        .route("/api/residents", web::get().to(residents::list))
        .route("/api/residents/{id}", web::get().to(residents::get))
        .route(
            "/api/residents/{id}/document",
            web::get().to(residents::document),
        )
        .route(
            "/api/residents/{id}/approve",
            web::post().to(residents::approve),
        )
        .route(
            "/api/residents/{id}/decline",
            web::post().to(residents::decline),
        )
        .route("/api/documents", web::get().to(residents::documents))
        .route("/api/charts", web::get().to(charts::charts))
        .route("/api/activity-log", web::get().to(activities::activity_log))
        .route(
            "/api/reports/activity",
            web::get().to(reports::activity_json),
        )
        .route(
            "/api/reports/activity.csv",
            web::get().to(reports::activity_csv),
        )
        .route("/api/review/contacts", web::get().to(review::contacts))
        .route("/api/review/alerts", web::get().to(review::list_alerts))
        .route("/api/review/alerts/{id}", web::get().to(review::get_alert))
        .route("/api/review/problems", web::get().to(review::data_problems))
        .route(
            "/api/review/alerts/{id}/acknowledge",
            web::post().to(review::acknowledge_alert),
        )
        .route(
            "/api/review/alerts/{id}/close",
            web::post().to(review::close_alert),
        )
        .route("/api/review/overdue", web::get().to(review::overdue))
        .route(
            "/api/review/snowfall",
            web::post().to(review::mark_snowfall),
        )
        .route("/api/districts", web::get().to(notices::districts))
        .route("/api/push/key", web::get().to(notices::push_key))
        .route(
            "/api/push/subscriptions",
            web::post().to(notices::subscribe),
        )
        .route(
            "/api/push/subscriptions",
            web::delete().to(notices::unsubscribe),
        )
        .route("/api/notices", web::get().to(notices::my_notices))
        .route("/api/notices/{id}/read", web::post().to(notices::mark_read))
        .route(
            "/api/notices/{id}/tracking",
            web::get().to(notices::tracking),
        )
        .route(
            "/api/staff/snowfall",
            web::post().to(review::mark_city_snowfall),
        )
        .route("/api/review/snowfall", web::get().to(review::snowfall_days))
        .route("/api/staff/overview", web::get().to(charts::overview))
        .route("/api/staff/notices", web::get().to(notices::staff_list))
        .route("/api/staff/notices", web::post().to(notices::create))
        .route("/api/staff/notices/{id}", web::put().to(notices::update))
        .route(
            "/api/staff/notices/{id}/send",
            web::post().to(notices::send),
        )
        .route(
            "/api/staff/notices/{id}/withdraw",
            web::post().to(notices::withdraw),
        )
        // A WebSocket upgrade of /sync never reaches this line: `app.rs` hands it to
        // `sync_ws::upgrade` before the App (see there why); the walk of a change from there to its
        // SQL row is in `sync`'s module documentation. This route answers what is not an upgrade.
        .route("/sync", web::get().to(sync_ws::sync_ws))
        .route("/api/admin/districts", web::get().to(admin::list_districts))
        .route(
            "/api/admin/districts",
            web::post().to(admin::create_district),
        )
        .route("/api/admin/users", web::get().to(admin::list_users))
        .route("/api/admin/users", web::post().to(admin::create_user))
        .route(
            "/api/admin/users/{id}/revoke-sessions",
            web::post().to(admin::revoke_user_sessions),
        )
        .route(
            "/api/admin/users/{id}/password-reset",
            web::post().to(admin::reset_password),
        )
        .route(
            "/api/admin/users/{id}/disable",
            web::post().to(admin::disable_user),
        )
        .route(
            "/api/admin/users/{id}/enable",
            web::post().to(admin::enable_user),
        )
        .route("/api/admin/residents", web::get().to(admin::list_residents))
        .route("/api/admin/handover", web::post().to(admin::hand_over))
        .route(
            "/api/admin/roster/residents",
            web::post().to(admin::import_roster),
        )
        .route(
            "/api/admin/residents",
            web::post().to(admin::create_resident),
        )
        .route(
            "/api/admin/assignments",
            web::get().to(admin::list_assignments),
        )
        .route(
            "/api/admin/assignments",
            web::post().to(admin::create_assignment),
        )
        .route(
            "/api/admin/assignments/{id}/end",
            web::post().to(admin::end_assignment),
        )
        .route("/api/admin/devices", web::get().to(admin::list_devices))
        .route("/api/admin/devices", web::post().to(admin::issue_device))
        .route(
            "/api/admin/devices/{id}/revoke",
            web::post().to(admin::revoke_device),
        )
        .route("/api/admin/audit", web::get().to(admin::audit_log));
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Mimamori API",
        description = "見守り: field records for 民生委員児童委員"
    ),
    paths(
        healthz,
        session::login,
        session::logout,
        session::me,
        session::change_password,
        session::enrol,
        session::key_share,
        session::wiped,
        session::device_events,
        residents::list,
        residents::get,
        residents::document,
        residents::documents,
        activities::activity_log,
        charts::charts,
        residents::approve,
        residents::decline,
        reports::activity_json,
        reports::activity_csv,
        review::contacts,
        review::list_alerts,
        review::get_alert,
        review::data_problems,
        review::acknowledge_alert,
        review::close_alert,
        review::overdue,
        review::mark_snowfall,
        review::snowfall_days,
        review::mark_city_snowfall,
        notices::districts,
        notices::push_key,
        notices::subscribe,
        notices::unsubscribe,
        notices::my_notices,
        notices::mark_read,
        notices::tracking,
        notices::staff_list,
        notices::create,
        notices::update,
        notices::send,
        notices::withdraw,
        sync_ws::sync_ws,
        admin::list_districts,
        admin::create_district,
        admin::list_users,
        admin::create_user,
        admin::revoke_user_sessions,
        admin::reset_password,
        admin::disable_user,
        admin::enable_user,
        admin::list_residents,
        admin::create_resident,
        admin::import_roster,
        admin::hand_over,
        charts::overview,
        admin::list_assignments,
        admin::create_assignment,
        admin::end_assignment,
        admin::list_devices,
        admin::issue_device,
        admin::revoke_device,
        admin::audit_log,
    ),
    components(schemas(ErrorBody))
)]
pub struct ApiDoc;

async fn openapi_json() -> HttpResponse {
    HttpResponse::Ok().json(ApiDoc::openapi())
}

/// What `/healthz` answers with 200.
#[derive(Serialize, ToSchema)]
pub struct Health {
    pub ok: bool,
    /// `ok`.
    pub status: String,
    /// `sqlite` or `postgres`.
    pub database: String,
    /// The running version (`Cargo.toml`) and what it was built from, if the build said so
    /// ([`crate::version`]).
    pub version: String,
    pub build: Option<String>,
}

/// How long `/healthz` waits for the database before it says it does not answer.
const HEALTH_DB_TIMEOUT: std::time::Duration = std::time::Duration::from_millis(1500);

/// 200 when every part works: the database answers within 1.5 s and can be written, the committer
/// runs, and the push worker runs and moves. 503 otherwise, naming each part that does not
/// (`database`, `database_writes`, `committer`, `push`) in `failed`, with a reason each.
#[utoipa::path(get, path = "/healthz", tag = "health",
    responses((status = 200, body = Health), (status = 503, body = HealthFailure)))]
pub async fn healthz(state: web::Data<AppState>) -> HttpResponse {
    let backend = state.db.backend();
    let ping = state
        .db
        .read(|conn| crate::db::ping(conn).map_err(AppError::unavailable));
    let mut failed = std::collections::BTreeMap::new();
    match tokio::time::timeout(HEALTH_DB_TIMEOUT, ping).await {
        Ok(Ok(())) => {
            if let Err(why) = state.db.write_status() {
                failed.insert("database_writes", why);
            }
        }
        Ok(Err(_)) => {
            failed.insert("database", "the database does not answer".to_string());
        }
        Err(_) => {
            failed.insert(
                "database",
                "no answer from the database within 1.5 s".to_string(),
            );
        }
    }
    if !state.hub.committer_alive() {
        failed.insert("committer", "the committer has stopped".to_string());
    }
    if let Err(why) = state.pusher.health() {
        failed.insert("push", why);
    }
    let version = crate::version::VERSION.to_string();
    let build = crate::version::BUILD.map(str::to_string);
    if failed.is_empty() {
        return HttpResponse::Ok().json(Health {
            ok: true,
            status: "ok".into(),
            database: format!("{backend:?}").to_lowercase(),
            version,
            build,
        });
    }
    for (part, reason) in &failed {
        tracing::warn!(part, reason = %reason, "health check failed");
    }
    // The parts in a fixed order, the database first (the others often fail because of it).
    let order = ["database", "database_writes", "committer", "push"];
    HttpResponse::ServiceUnavailable().json(HealthFailure {
        ok: false,
        status: "failing".into(),
        failed: order
            .iter()
            .filter(|p| failed.contains_key(*p))
            .map(|p| p.to_string())
            .collect(),
        reasons: failed
            .into_iter()
            .map(|(part, why)| (part.to_string(), why))
            .collect(),
        version,
        build,
    })
}

/// What `/healthz` answers with 503: which parts failed (`database`, `database_writes`,
/// `committer`, `push`) and why, one line each for an operator.
#[derive(Serialize, ToSchema)]
pub struct HealthFailure {
    pub ok: bool,
    /// `failing`.
    pub status: String,
    pub failed: Vec<String>,
    /// Part → why, in one line.
    pub reasons: std::collections::BTreeMap<String, String>,
    pub version: String,
    pub build: Option<String>,
}
