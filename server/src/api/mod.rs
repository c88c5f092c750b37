//! HTTP API: the route table (read it top to bottom), the OpenAPI document, and health.
//!
//! Handlers parse (with [`json::ApiJson`] and the domain newtypes), authorize (the [`Caller`]
//! extractor, then a role check or [`crate::access`]), call `admin`/`db`, and shape JSON. Nothing else.
//!
//! [`Caller`]: crate::auth::Caller

pub mod activities;
pub mod admin;
pub mod charts;
pub mod disasters;
pub mod evacuation;
pub mod json;
pub mod metrics;
pub mod notices;
pub mod reports;
pub mod residents;
pub mod review;
pub mod safety;
pub mod session;
pub mod sync_ws;

use actix_web::{HttpResponse, web};
use serde::Serialize;
use utoipa::{OpenApi, ToSchema};

use crate::app::AppState;
use crate::error::{AppError, ErrorBody};

/// Every route of the server except static files (`app.rs`): the two below, then every route
/// the API description holds ([`described`]).
pub fn routes(cfg: &mut web::ServiceConfig) {
    // Not described, on purpose: the monitoring's page (for its addresses or token only; anyone
    // else gets the 404 of an unknown path) and the description itself.
    cfg.route(
        "/metrics",
        web::get()
            .guard(actix_web::guard::fn_guard(metrics::may_read))
            .to(metrics::metrics),
    )
    .route("/api/openapi.json", web::get().to(openapi_json));
    described(cfg);
}

/// The route list, written once: each line is a handler, and the method and path it is served at
/// are the ones its `#[utoipa::path(...)]` declares. The same list makes [`ApiDoc`] (the OpenAPI
/// document, whose paths the authorization matrix in `tests/access.rs` walks) and [`described`]
/// (the server's routes), so a route cannot exist without being described and matrix-tested.
/// Order matters only where two paths could match one request (none do today); it is kept.
macro_rules! route_list {
    ($($module:ident :: $handler:ident),* $(,)?) => {
        paste::paste! {
            #[derive(OpenApi)]
            #[openapi(
                info(
                    title = "Mimamori API",
                    description = "見守り: field records for 民生委員児童委員"
                ),
                paths($($module::$handler),*),
                components(schemas(ErrorBody))
            )]
            pub struct ApiDoc;

            /// The described routes ([`route_list`]).
            fn described(cfg: &mut web::ServiceConfig) {
                $( serve::<$module::[<__path_ $handler>], _, _>(cfg, $module::$handler); )*
            }
        }
    };
}

route_list! {
    // Health (this module)
    self::healthz,
    // Sessions and tablets
    session::login,
    session::logout,
    session::me,
    session::change_password,
    session::enrol,
    session::key_share,
    session::wiped,
    session::device_events,
    // Residents and their documents
    residents::list,
    residents::get,
    residents::document,
    residents::approve,
    residents::decline,
    residents::documents,
    charts::charts,
    activities::activity_log,
    // The 活動記録
    reports::activity_json,
    reports::activity_csv,
    // The lead's review: contacts, alerts, problems, overdue, snowfall
    review::contacts,
    review::list_alerts,
    review::get_alert,
    review::data_problems,
    review::acknowledge_alert,
    review::close_alert,
    review::overdue,
    review::mark_snowfall,
    // Notices and push
    notices::districts,
    notices::push_key,
    notices::subscribe,
    notices::unsubscribe,
    notices::my_notices,
    notices::mark_read,
    notices::tracking,
    // The lead's review: contacts, alerts, problems, overdue, snowfall
    review::mark_city_snowfall,
    review::snowfall_days,
    charts::overview,
    // Notices and push
    notices::staff_list,
    notices::create,
    notices::update,
    notices::send,
    notices::withdraw,
    // 災害モード: the office declares and ends a disaster
    disasters::declare_disaster,
    disasters::list_disasters,
    disasters::end_disaster,
    safety::counts,
    safety::counts_csv,
    safety::district_safety,
    safety::take_over,
    safety::release,
    evacuation::paper_list,
    // Sync (a WebSocket upgrade enters in `app.rs`: see `sync_ws`)
    sync_ws::sync_ws,
    // The office: districts, people, residents, assignments, tablets, audit
    admin::list_districts,
    admin::create_district,
    admin::list_users,
    admin::create_user,
    admin::revoke_user_sessions,
    admin::reset_password,
    admin::disable_user,
    admin::enable_user,
    admin::change_role,
    admin::list_residents,
    admin::hand_over,
    admin::import_roster,
    admin::import_people,
    admin::import_assignments,
    admin::create_resident,
    admin::list_assignments,
    admin::create_assignment,
    admin::end_assignment,
    admin::list_devices,
    admin::issue_device,
    admin::revoke_device,
    admin::audit_log,
}

/// Registers `handler` at the method(s) and path its description `P` declares.
fn serve<P, F, Args>(cfg: &mut web::ServiceConfig, handler: F)
where
    P: utoipa::Path,
    F: actix_web::Handler<Args>,
    Args: actix_web::FromRequest + 'static,
    F::Output: actix_web::Responder + 'static,
{
    use utoipa::openapi::path::HttpMethod;
    for method in P::methods() {
        let route = match method {
            HttpMethod::Get => web::get(),
            HttpMethod::Post => web::post(),
            HttpMethod::Put => web::put(),
            HttpMethod::Delete => web::delete(),
            HttpMethod::Patch => web::patch(),
            HttpMethod::Head => web::head(),
            HttpMethod::Options => web::route().method(actix_web::http::Method::OPTIONS),
            HttpMethod::Trace => web::route().method(actix_web::http::Method::TRACE),
        };
        // OpenAPI's `{id}` is actix's `{id}`.
        cfg.route(&P::path(), route.to(handler.clone()));
    }
}

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
