//! `GET /sync`: the WebSocket transport for [`crate::sync::connection::Connection`].
//!
//! At upgrade: our `Origin`, a live session cookie (its device not revoked) of a commissioner or
//! lead. Then one task per socket drives the connection: frames in, hub events, access changes,
//! pings every 15 s (silent for 45 s → closed), a 30 s deadline for `join`, and a 10 s limit on
//! each send (a slow reader is closed; nobody else waits for it).

use std::time::{Duration, Instant};

use actix_web::{HttpRequest, HttpResponse, web};
use actix_ws::{AggregatedMessage, CloseCode, CloseReason};
use futures_util::StreamExt;

use crate::app::AppState;
use crate::auth;
use crate::config::normalize_origin;
use crate::db::now_ms;
use crate::domain::Date;
use crate::error::{AppError, ErrorBody};
use crate::sync::connection::{Close, Connection};

const PING_EVERY: Duration = Duration::from_secs(15);
const SILENT_LIMIT: Duration = Duration::from_secs(45);
const JOIN_DEADLINE: Duration = Duration::from_secs(30);
const SEND_LIMIT: Duration = Duration::from_secs(10);

/// Upgrades to a WebSocket speaking the automerge-repo v1 protocol (binary CBOR frames).
#[utoipa::path(get, path = "/sync", tag = "sync",
    responses((status = 101, description = "switching to the automerge-repo WebSocket protocol"),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn sync_ws(
    req: HttpRequest,
    body: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let origin = req
        .headers()
        .get("origin")
        .and_then(|v| v.to_str().ok())
        .and_then(normalize_origin);
    if origin.as_deref() != Some(state.origin.as_str()) {
        return Err(AppError::Denied {
            code: "bad_origin",
            message: "このページからは接続できません。".into(),
        });
    }
    let token = req
        .cookie(auth::SESSION_COOKIE)
        .map(|c| c.value().to_string())
        .filter(|t| !t.is_empty())
        .ok_or(AppError::Unauthorized {
            code: "unauthorized",
        })?;
    let caller = auth::caller_from_session_token(&state.db, &token).await?;
    let user = caller.user_id.clone();
    let (conn, events) =
        Connection::new(state.hub.clone(), caller, token).ok_or(AppError::Forbidden)?;
    let (response, session, stream) =
        actix_ws::handle(&req, body).map_err(|e| AppError::BadRequest {
            code: "not_websocket",
            message: e.to_string(),
        })?;
    let max = state.hub.limits().max_frame_bytes;
    let stream = stream
        .max_frame_size(max)
        .aggregate_continuations()
        .max_continuation_size(max);
    let epoch = state.hub.access_epoch();
    tracing::info!(user = %user, conn = conn.id(), "sync connected");
    let task = drive(conn, events, session, stream, epoch);
    tracing::debug!(bytes = std::mem::size_of_val(&task), "sync task size");
    actix_web::rt::spawn(task);
    Ok(response)
}

async fn send_all(session: &mut actix_ws::Session, frames: Vec<Vec<u8>>) -> Result<(), Close> {
    for f in frames {
        match tokio::time::timeout(SEND_LIMIT, session.binary(f)).await {
            Ok(Ok(())) => {}
            Ok(Err(_)) => return Err(Close::Normal),
            Err(_) => return Err(Close::Protocol("slow reader".into())),
        }
    }
    Ok(())
}

async fn drive(
    mut conn: Connection,
    mut events: tokio::sync::mpsc::UnboundedReceiver<crate::sync::hub::ConnEvent>,
    mut session: actix_ws::Session,
    mut stream: actix_ws::AggregatedMessageStream,
    mut epoch: tokio::sync::watch::Receiver<String>,
) {
    let mut ping = tokio::time::interval(PING_EVERY);
    let mut last_heard = Instant::now();
    // Assignments end and start with the Japanese date: re-check access when it turns.
    let mut today = Date::today_jst(now_ms());
    let started = Instant::now();
    let close = loop {
        let result = tokio::select! {
            msg = stream.next() => match msg {
                Some(Ok(AggregatedMessage::Binary(b))) => {
                    last_heard = Instant::now();
                    // Boxed: the work's state lives on the heap only while it runs, so an idle
                    // connection's task stays small.
                    Box::pin(conn.on_frame(&b)).await
                }
                Some(Ok(AggregatedMessage::Text(_))) => Err(Close::Protocol("text frames are not part of the protocol".into())),
                Some(Ok(AggregatedMessage::Ping(b))) => {
                    last_heard = Instant::now();
                    let _ = session.pong(&b).await;
                    Ok(vec![])
                }
                Some(Ok(AggregatedMessage::Pong(_))) => {
                    last_heard = Instant::now();
                    Ok(vec![])
                }
                Some(Ok(AggregatedMessage::Close(_))) | None => Err(Close::Normal),
                Some(Err(e)) => Err(Close::Protocol(format!("bad frame: {e}"))),
            },
            Some(event) = events.recv() => Box::pin(conn.on_event(event)).await,
            Ok(()) = epoch.changed() => Box::pin(conn.revalidate()).await,
            _ = ping.tick() => {
                if last_heard.elapsed() > SILENT_LIMIT {
                    Err(Close::Protocol("peer silent".into()))
                } else if !conn.joined() && started.elapsed() > JOIN_DEADLINE {
                    Err(Close::Protocol("no join".into()))
                } else if conn.session_expired() {
                    Err(Close::Revoked)
                } else {
                    let _ = session.ping(b"").await;
                    let now = Date::today_jst(now_ms());
                    if now != today {
                        today = now;
                        Box::pin(conn.revalidate()).await
                    } else {
                        Ok(vec![])
                    }
                }
            }
        };
        match result {
            Ok(frames) => {
                if let Err(c) = send_all(&mut session, frames).await {
                    break c;
                }
            }
            Err(c) => break c,
        }
    };
    if close != Close::Normal {
        tracing::info!(conn = conn.id(), code = close.code(), reason = %close.reason(), "sync connection closed");
    }
    let code = match close.code() {
        1000 => CloseCode::Normal,
        1008 => CloseCode::Policy,
        1011 => CloseCode::Error,
        other => CloseCode::Other(other),
    };
    let _ = session
        .close(Some(CloseReason {
            code,
            description: Some(close.reason()),
        }))
        .await;
    conn.finish().await;
}
