//! `GET /metrics` for the city's monitoring (Prometheus text format, [`crate::metrics`]).
//!
//! Readable from the addresses in `MIMAMORI_METRICS_ALLOW` (the client address seen through the
//! trusted proxies: a request relayed by a listed proxy is its client's, not the proxy's) or with
//! `Authorization: Bearer MIMAMORI_METRICS_TOKEN`. For anyone else the route does not exist
//! ([`may_read`] is its guard): the answer is the same 404 as for any unknown path, so a stranger
//! cannot even tell that it is there. Not in the OpenAPI document, which describes the app's API.

use actix_web::guard::GuardContext;
use actix_web::{HttpResponse, web};
use sha2::{Digest, Sha256};

use crate::app::AppState;

/// The route's guard: whether this request may read `/metrics`.
pub fn may_read(ctx: &GuardContext<'_>) -> bool {
    let Some(state) = ctx.app_data::<web::Data<AppState>>() else {
        return false;
    };
    let config = &state.config;
    let head = ctx.head();
    let by_token = config.metrics_token.as_ref().is_some_and(|token| {
        head.headers()
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            // Compared as digests: the time taken says nothing about how much of the token matched.
            .is_some_and(|given| {
                Sha256::digest(given.trim().as_bytes()) == Sha256::digest(token.0.as_bytes())
            })
    });
    let by_address = !config.metrics_allow.is_empty() && {
        let client =
            crate::auth::proxy::address_of(head.peer_addr, head.headers(), &config.trusted_proxies);
        client
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| config.metrics_allow.iter().any(|r| r.contains(ip)))
    };
    by_token || by_address
}

/// The counters, gauges and the commit latency histogram.
pub async fn metrics(state: web::Data<AppState>) -> HttpResponse {
    let counts = state
        .db
        .read(|conn| Ok(crate::db::ops::counts(conn)?))
        .await;
    let stored = match counts {
        Ok(c) => Some(c),
        Err(e) => {
            tracing::warn!(error = %e, "metrics: stored counts unreadable");
            None
        }
    };
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(crate::metrics::render(&state, stored))
}
