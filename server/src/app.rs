//! Assembling and running the HTTP server: shared state, middleware (security headers, Origin
//! check, compression, request logging), the API routes and the PWA's static files.
//!
//! Every request, the `/sync` upgrade included, is handled inside a tracing span `request` with an
//! id of its own ([`request_id`]), so every log line written while it is handled carries the id
//! (`MIMAMORI_LOG_FORMAT=json`: `span.id`), and the response names it in `X-Request-Id` for an
//! operator to find the lines of a request a user reports. The request line itself holds the status,
//! method, path (never the query string, which may carry a search for a name) and duration.

use std::net::TcpListener;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use actix_codec::Framed;
use actix_files::Files;
use actix_http::{HttpService, Request, h1};
use actix_service::ServiceFactoryExt;
use actix_web::body::EitherBody;
use actix_web::dev::AppConfig;
use actix_web::dev::{Server, ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::http::header::{HeaderMap, HeaderValue};
use actix_web::middleware::{Compress, DefaultHeaders};
use actix_web::rt::net::TcpStream;
use actix_web::{App, ResponseError, web};
use futures_util::future::LocalBoxFuture;
use tracing::Instrument;

use crate::config::{Config, normalize_origin};
use crate::db::Db;
use crate::error::AppError;
use crate::sync::hub::{Hub, Limits};

/// What every handler can reach. Cheap to clone (everything inside is shared).
#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub config: Arc<Config>,
    /// The origin browsers must send (`http://127.0.0.1:8080`).
    pub origin: String,
    /// Cookies get `Secure` when the origin is https.
    pub secure_cookies: bool,
    /// The sync engine.
    pub hub: Hub,
    /// The Web Push sender.
    pub pusher: crate::push::Pusher,
    /// What the request middleware counts, for `/metrics`.
    pub http: Arc<crate::metrics::HttpCounters>,
}

/// The Content-Security-Policy of every response. No inline script; wasm may compile.
pub const CSP: &str = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; \
    img-src 'self' data:; connect-src 'self'; worker-src 'self'; manifest-src 'self'; \
    object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

/// A server bound to its port and ready to run.
pub struct Running {
    pub server: Server,
    pub state: AppState,
    pub port: u16,
}

/// Starts the sync hub, binds `config.bind` and builds the server (run it by awaiting `server`).
pub async fn start(config: Config, db: Db) -> std::io::Result<Running> {
    let limits = Limits {
        idle_evict: std::time::Duration::from_secs(config.sync_evict_after_secs),
        max_pending_residents: config.max_pending_residents,
        max_loaded_docs: config.sync_max_loaded_docs,
        max_sockets_per_user: config.sync_max_sockets_per_user,
        max_sockets_per_address: config.sync_max_sockets_per_address,
        max_document_bytes: config.sync_max_document_kib.saturating_mul(1024),
        max_user_bytes_per_day: config.sync_max_user_kib_per_day.saturating_mul(1024),
        handover_grace_days: config.offline_expiry_days,
        ..Limits::default()
    };
    let hub = Hub::start(db.clone(), limits)
        .await
        .map_err(|e| std::io::Error::other(e.to_string()))?;
    let listener = TcpListener::bind(config.bind)?;
    let addr = listener.local_addr()?;
    let origin = config
        .public_origin
        .clone()
        .unwrap_or_else(|| normalize_origin(&format!("http://{addr}")).unwrap_or_default());
    let config = Arc::new(config);
    let vapid = crate::push::Vapid::load_or_create(&db)
        .map_err(|e| std::io::Error::other(e.to_string()))?;
    let pusher = crate::push::Pusher::start(db.clone(), config.clone(), vapid);
    let state = AppState {
        db,
        hub,
        pusher,
        secure_cookies: origin.starts_with("https://"),
        origin,
        config,
        http: Arc::default(),
    };
    let data = web::Data::new(state.clone());
    let web_dir = state.config.web_dir.clone();
    let hsts = state.secure_cookies;
    let app = move || {
        let mut headers = DefaultHeaders::new()
            .add(("Content-Security-Policy", CSP))
            .add(("X-Content-Type-Options", "nosniff"))
            .add(("Referrer-Policy", "no-referrer"))
            .add(("X-Frame-Options", "DENY"))
            .add(("Cross-Origin-Opener-Policy", "same-origin"))
            .add((
                "Permissions-Policy",
                "camera=(), microphone=(), geolocation=()",
            ));
        if hsts {
            headers = headers.add(("Strict-Transport-Security", "max-age=31536000"));
        }
        App::new()
            .app_data(data.clone())
            .wrap_fn(check_origin)
            .wrap_fn(cache_control)
            .wrap(Compress::default())
            .wrap(headers)
            .wrap_fn(log_request)
            .configure(crate::api::routes)
            .service(Files::new("/", &web_dir).index_file("index.html"))
    };
    // actix-web's `HttpServer`, put together by hand for one thing it cannot do: hand the upgraded
    // socket of a `/sync` request to `api::sync_ws::upgrade` (see there why). Its defaults are
    // kept: 5 s for a request head, 1 s to close, keep-alive as the client asks. It does not listen
    // for SIGTERM/SIGINT itself: `mimamori serve` does, to close the sync sockets first (see main).
    let upgrade_state = state.clone();
    let server = actix_server::Server::build()
        .listen("mimamori", listener, move || {
            let upgrade_state = upgrade_state.clone();
            let upgrade = actix_service::fn_service(
                move |(req, framed): (Request, Framed<TcpStream, h1::Codec>)| {
                    let trusted = &upgrade_state.config.trusted_proxies;
                    let id = request_id(req.peer_addr(), &req.head().headers, trusted);
                    crate::api::sync_ws::upgrade(upgrade_state.clone(), req, framed)
                        .instrument(tracing::info_span!("request", id = %id))
                },
            );
            let app = actix_service::IntoServiceFactory::into_factory(app())
                .map_err(|e: actix_web::Error| e.error_response());
            HttpService::build()
                .client_request_timeout(Duration::from_secs(5))
                .client_disconnect_timeout(Duration::from_secs(1))
                .local_addr(addr)
                .upgrade(upgrade)
                // Only URL generation would read the App's config (host, address), and none is done.
                .finish(actix_service::map_config(app, |_| AppConfig::default()))
                .tcp()
        })?
        .shutdown_timeout(5)
        .disable_signals()
        .run();
    Ok(Running {
        server,
        state,
        port: addr.port(),
    })
}

/// A request's id for the log: the one a trusted proxy sent in `X-Request-Id` (so the proxy's log
/// and ours name a request alike) when it is short and plain, else 16 random hex digits.
pub fn request_id(
    peer: Option<std::net::SocketAddr>,
    headers: &HeaderMap,
    trusted: &[crate::auth::proxy::Range],
) -> String {
    let from_proxy = peer.is_some_and(|p| trusted.iter().any(|r| r.contains(p.ip())));
    let given = headers
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .filter(|v| {
            from_proxy
                && (1..=64).contains(&v.len())
                && v.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
        });
    match given {
        Some(v) => v.to_string(),
        None => uuid::Uuid::new_v4().simple().to_string()[..16].to_string(),
    }
}

/// Handles the request inside its `request` span and writes its line when the answer is ready
/// (not for `/healthz` and `/metrics`, which monitors call every few seconds); counts refused
/// logins for `/metrics`.
fn log_request<S, B>(
    req: ServiceRequest,
    srv: &S,
) -> impl std::future::Future<Output = Result<ServiceResponse<B>, actix_web::Error>> + use<S, B>
where
    S: actix_web::dev::Service<
            ServiceRequest,
            Response = ServiceResponse<B>,
            Error = actix_web::Error,
        >,
{
    let state = req.app_data::<web::Data<AppState>>().cloned();
    let trusted = state
        .as_ref()
        .map(|s| s.config.trusted_proxies.as_slice())
        .unwrap_or_default();
    let id = request_id(req.peer_addr(), req.headers(), trusted);
    let span = tracing::info_span!("request", id = %id);
    let (method, path) = (req.method().clone(), req.path().to_string());
    let started = Instant::now();
    let fut = span.in_scope(|| srv.call(req));
    async move {
        let result = fut.await;
        let status = match &result {
            Ok(res) => res.status(),
            Err(e) => e.as_response_error().status_code(),
        };
        if method == Method::POST
            && path == "/api/session"
            && matches!(status.as_u16(), 401 | 429)
            && let Some(state) = &state
        {
            state.http.login_failures.fetch_add(1, Ordering::Relaxed);
        }
        if path != "/healthz" && path != "/metrics" {
            let ms = (started.elapsed().as_secs_f64() * 1e6).round() / 1000.0;
            tracing::info!(status = status.as_u16(), method = %method, path = %path, ms, "request");
        }
        result.map(|mut res| {
            if let Ok(v) = HeaderValue::from_str(&id) {
                res.headers_mut().insert(
                    actix_web::http::header::HeaderName::from_static("x-request-id"),
                    v,
                );
            }
            res
        })
    }
    .instrument(span)
}

/// How long a browser may keep a response: the Vite build's content-hashed files (`/assets/`) a
/// year; the API never (it carries personal data and must not sit in a disk cache); everything else
/// (`index.html`, `sw.js`, the manifest) is revalidated on every load so an update reaches tablets.
fn cache_control<S, B>(
    req: ServiceRequest,
    srv: &S,
) -> impl std::future::Future<Output = Result<ServiceResponse<B>, actix_web::Error>> + use<S, B>
where
    S: actix_web::dev::Service<
            ServiceRequest,
            Response = ServiceResponse<B>,
            Error = actix_web::Error,
        >,
{
    use actix_web::http::header::CACHE_CONTROL;
    let path = req.path().to_string();
    let fut = srv.call(req);
    async move {
        let mut res = fut.await?;
        if !res.headers().contains_key(CACHE_CONTROL) {
            let value = if path.starts_with("/api/") || path == "/healthz" {
                "no-store"
            } else if path.starts_with("/assets/") && res.status().is_success() {
                "public, max-age=31536000, immutable"
            } else {
                "no-cache"
            };
            res.headers_mut()
                .insert(CACHE_CONTROL, HeaderValue::from_static(value));
        }
        Ok(res)
    }
}

/// Refuses a state-changing request (anything but GET/HEAD/OPTIONS) whose `Origin` is missing or
/// not ours: 403 `bad_origin`. With SameSite=Strict cookies this closes CSRF twice over.
fn check_origin<S, B>(
    req: ServiceRequest,
    srv: &S,
) -> LocalBoxFuture<'static, Result<ServiceResponse<EitherBody<B>>, actix_web::Error>>
where
    S: actix_web::dev::Service<
            ServiceRequest,
            Response = ServiceResponse<B>,
            Error = actix_web::Error,
        >,
    S::Future: 'static,
    B: 'static,
{
    let safe = matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    let ok = safe || {
        let expected = req
            .app_data::<web::Data<AppState>>()
            .map(|s| s.origin.clone());
        let given = req
            .headers()
            .get("origin")
            .and_then(|v| v.to_str().ok())
            .and_then(normalize_origin);
        given.is_some() && given == expected
    };
    if ok {
        let fut = srv.call(req);
        Box::pin(async move { Ok(fut.await?.map_into_left_body()) })
    } else {
        let http = AppError::Denied {
            code: "bad_origin",
            message: "このページからは操作できません。".into(),
        }
        .error_response();
        let res = req.into_response(http).map_into_right_body();
        Box::pin(async move { Ok(res) })
    }
}
