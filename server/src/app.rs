//! Assembling and running the HTTP server: shared state, middleware (security headers, Origin
//! check, compression, request logging), the API routes and the PWA's static files.

use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use actix_codec::Framed;
use actix_files::Files;
use actix_http::{HttpService, Request, h1};
use actix_service::ServiceFactoryExt;
use actix_web::body::EitherBody;
use actix_web::dev::AppConfig;
use actix_web::dev::{Server, ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::middleware::{Compress, DefaultHeaders, Logger};
use actix_web::rt::net::TcpStream;
use actix_web::{App, ResponseError, web};
use futures_util::future::LocalBoxFuture;

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
            // Path only (`%U`), never the query string, which may carry a search for a name.
            .wrap(
                Logger::new("%s %{method}xi %U %Dms")
                    .custom_request_replace("method", |req| req.method().to_string())
                    .exclude("/healthz"),
            )
            .configure(crate::api::routes)
            .service(Files::new("/", &web_dir).index_file("index.html"))
    };
    // actix-web's `HttpServer`, put together by hand for one thing it cannot do: hand the upgraded
    // socket of a `/sync` request to `api::sync_ws::upgrade` (see there why). Its defaults are
    // kept: 5 s for a request head, 1 s to close, keep-alive as the client asks.
    let upgrade_state = state.clone();
    let server = actix_server::Server::build()
        .listen("mimamori", listener, move || {
            let upgrade_state = upgrade_state.clone();
            let upgrade = actix_service::fn_service(
                move |(req, framed): (Request, Framed<TcpStream, h1::Codec>)| {
                    crate::api::sync_ws::upgrade(upgrade_state.clone(), req, framed)
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
        .run();
    Ok(Running {
        server,
        state,
        port: addr.port(),
    })
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
    use actix_web::http::header::{CACHE_CONTROL, HeaderValue};
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
