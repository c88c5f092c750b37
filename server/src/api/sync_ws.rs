//! `GET /sync`: the WebSocket transport for [`crate::sync::connection::Connection`].
//!
//! The HTTP server hands every upgrade request (`Connection: upgrade`) here together with its
//! socket ([`upgrade`], installed with `HttpService::upgrade` in [`crate::app`]), not to the App:
//! after the handshake the socket is ours, and a connection that is waiting holds no buffer at all.
//! (Through actix-web's own route, the HTTP dispatcher kept an 8 KiB read and an 8 KiB write buffer
//! for each WebSocket's whole life: most of an idle connection's memory.) The frames are read and
//! written with actix-http's WebSocket codec.
//!
//! At upgrade: our `Origin`, a live session cookie (its device not revoked) of a commissioner or
//! lead. Then one task per socket drives the connection: frames in, hub events, access changes,
//! pings every 15 s (silent for 45 s → closed), a 30 s deadline for `join`, and a 10 s limit on
//! each send (a slow reader is closed; nobody else waits for it). When the process stops
//! ([`crate::sync::hub::Hub::go_away`], on SIGTERM) every socket closes with 1001 (going away) and
//! new upgrades are refused with 503: the tablets reconnect, to the next process.

use std::io::ErrorKind;
use std::time::{Duration, Instant};

use actix_codec::{Decoder, Encoder, Framed};
use actix_http::body::BodySize;
use actix_http::header::HeaderMap;
use actix_http::{ConnectionType, HttpMessage, Request, Response, StatusCode, h1, ws};
use actix_web::ResponseError;
use actix_web::body::BoxBody;
use actix_web::rt::net::TcpStream;
use actix_web::web::{Bytes, BytesMut};
use futures_util::SinkExt;
use tokio::io::AsyncWriteExt;

use crate::app::AppState;
use crate::auth;
use crate::config::normalize_origin;
use crate::db::now_ms;
use crate::domain::Date;
use crate::error::{AppError, ErrorBody};
use crate::sync::connection::{Close, Connection};
use crate::sync::hub::ConnEvent;

const PING_EVERY: Duration = Duration::from_secs(15);
const SILENT_LIMIT: Duration = Duration::from_secs(45);
const JOIN_DEADLINE: Duration = Duration::from_secs(30);
const SEND_LIMIT: Duration = Duration::from_secs(10);
/// How much is read from the socket at a time (a larger frame grows the buffer until it is whole).
const READ_CHUNK: usize = 16 * 1024;
/// Answers to messages that were read together go out in one write, up to about this much.
const COALESCE_BYTES: usize = 64 * 1024;
/// Answers waiting for the committer at most, before they are sent and more is read.
const MAX_HELD: usize = 64;
/// How long a closing socket waits for the peer's close frame before it is dropped.
const CLOSE_LINGER: Duration = Duration::from_secs(1);

/// `GET /sync` without `Connection: upgrade`: upgrades go to [`upgrade`] before the App sees them.
#[utoipa::path(get, path = "/sync", tag = "sync",
    responses((status = 101, description = "switching to the automerge-repo WebSocket protocol"),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn sync_ws(
    req: actix_web::HttpRequest,
    state: actix_web::web::Data<AppState>,
) -> Result<actix_web::HttpResponse, AppError> {
    admit(&state, req.headers()).await?;
    Err(AppError::BadRequest {
        code: "not_websocket",
        message: "WebSocket の接続要求ではありません。".into(),
    })
}

/// The upgrade service: checks the request, answers `101 Switching Protocols` (or the error, as
/// JSON, like every other endpoint), and leaves the socket to a task of its own.
pub async fn upgrade(
    state: AppState,
    req: Request,
    mut framed: Framed<TcpStream, h1::Codec>,
) -> Result<(), actix_web::Error> {
    let started = Instant::now();
    let path = req.path().to_string();
    let accepted = accept(&state, &req).await;
    let status = match &accepted {
        Ok(_) => StatusCode::SWITCHING_PROTOCOLS,
        Err(res) => res.status(),
    };
    // The path only, never the query string (the same as the App's request log).
    tracing::info!(
        "{} {} {} {:.3}ms",
        status.as_u16(),
        req.method(),
        path,
        started.elapsed().as_secs_f64() * 1000.0
    );
    let (user, conn, events, switching) = match accepted {
        Ok(a) => a,
        Err(mut res) => {
            res.head_mut().set_connection_type(ConnectionType::Close);
            let (res, body) = res.into_parts();
            let body = actix_web::body::to_bytes(body).await.unwrap_or_default();
            framed
                .send(h1::Message::Item((res, BodySize::Sized(body.len() as u64))))
                .await?;
            if !body.is_empty() {
                framed.send(h1::Message::Chunk(Some(body))).await?;
            }
            framed.send(h1::Message::Chunk(None)).await?;
            return Ok(());
        }
    };
    if let Err(e) = framed
        .send(h1::Message::Item((switching, BodySize::None)))
        .await
    {
        conn.finish().await;
        return Err(e.into());
    }
    let parts = framed.into_parts();
    let max = state.hub.limits().max_frame_bytes;
    let socket = Socket {
        io: parts.io,
        codec: ws::Codec::new().max_size(max),
        // Frames a client sent right behind its request (none do: they wait for the 101).
        inbox: parts.read_buf,
        partial: None,
        max,
        ahead: None,
    };
    let epoch = state.hub.access_epoch();
    let going_away = state.hub.going_away_signal();
    tracing::info!(user = %user, conn = conn.id(), "sync connected");
    let task = drive(conn, events, socket, epoch, going_away);
    tracing::debug!(bytes = std::mem::size_of_val(&task), "sync task size");
    actix_web::rt::spawn(task);
    Ok(())
}

type Accepted = (
    String,
    Connection,
    tokio::sync::mpsc::UnboundedReceiver<ConnEvent>,
    Response<()>,
);

async fn accept(state: &AppState, req: &Request) -> Result<Accepted, Response<BoxBody>> {
    let refuse = |e: AppError| Response::from(e.error_response());
    if req.path() != "/sync" {
        return Err(refuse(AppError::NotFound));
    }
    if state.hub.going_away() {
        return Err(refuse(AppError::Unavailable(
            "the server is stopping".into(),
        )));
    }
    let (caller, token) = admit(state, req.headers()).await.map_err(refuse)?;
    let switching = ws::handshake(req.head())
        .map_err(Response::from)?
        .finish()
        .drop_body();
    let user = caller.user_id.clone();
    // Sockets are capped per user and per client address: one session could otherwise hold
    // thousands (issue 18).
    let address = crate::auth::proxy::address_of(
        req.peer_addr(),
        req.headers(),
        &state.config.trusted_proxies,
    );
    let permit = state.hub.socket_permit(&user, &address).map_err(|cap| {
        tracing::warn!(user = %user, ?cap, "sync refused: too many open sockets");
        refuse(AppError::TooManyRequests {
            retry_after_secs: 30,
        })
    })?;
    let (conn, events) = Connection::new(state.hub.clone(), caller, token, permit)
        .ok_or_else(|| refuse(AppError::Forbidden))?;
    Ok((user, conn, events, switching))
}

/// Who may open `/sync`: our `Origin`, a live session (its device not revoked) of a role with
/// field access. The caller and the session token.
async fn admit(state: &AppState, headers: &HeaderMap) -> Result<(auth::Caller, String), AppError> {
    let origin = headers
        .get("origin")
        .and_then(|v| v.to_str().ok())
        .and_then(normalize_origin);
    if origin.as_deref() != Some(state.origin.as_str()) {
        return Err(AppError::Denied {
            code: "bad_origin",
            message: "このページからは接続できません。".into(),
        });
    }
    let token = headers
        .get_all("cookie")
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|c| actix_web::cookie::Cookie::parse(c.trim()).ok())
        .find(|c| c.name() == auth::SESSION_COOKIE)
        .map(|c| c.value().to_string())
        .filter(|t| !t.is_empty())
        .ok_or(AppError::Unauthorized {
            code: "unauthorized",
        })?;
    let caller = auth::caller_from_session_token(&state.db, &token).await?;
    crate::access::resident_scope(&caller).map_err(|_| AppError::Forbidden)?;
    Ok((caller, token))
}

/// What the peer sent.
enum Incoming {
    Binary(Bytes),
    Ping(Bytes),
    Pong,
    Close,
}

/// The WebSocket after the handshake. Bytes are read only when the socket has some, into a buffer
/// that is let go of whenever everything in it has been decoded.
struct Socket {
    io: TcpStream,
    codec: ws::Codec,
    inbox: BytesMut,
    /// A message that arrives in fragments, gathered up to `max` bytes.
    partial: Option<BytesMut>,
    max: usize,
    /// A message decoded ahead (by [`Socket::next_buffered_binary`]) and not yet returned.
    ahead: Option<Incoming>,
}

impl Socket {
    /// The next message. Cancel-safe: what was read and not yet returned stays in `self`.
    async fn next(&mut self) -> Result<Incoming, Close> {
        if let Some(msg) = self.ahead.take() {
            return Ok(msg);
        }
        loop {
            if let Some(msg) = self.decode()? {
                return Ok(msg);
            }
            if self.inbox.is_empty() {
                self.inbox = BytesMut::new();
            }
            if self.io.readable().await.is_err() {
                return Ok(Incoming::Close);
            }
            if self.inbox.capacity() - self.inbox.len() < READ_CHUNK / 2 {
                self.inbox.reserve(READ_CHUNK);
            }
            match self.io.try_read_buf(&mut self.inbox) {
                Ok(0) => return Ok(Incoming::Close),
                Ok(_) => {}
                Err(e) if e.kind() == ErrorKind::WouldBlock => {}
                Err(_) => return Ok(Incoming::Close),
            }
        }
    }

    /// The next binary message if it has been read already (no waiting): a tablet sends many
    /// documents' messages back to back, and their answers then go out in one write.
    fn next_buffered_binary(&mut self) -> Result<Option<Bytes>, Close> {
        if self.ahead.is_some() {
            return Ok(None);
        }
        match self.decode()? {
            Some(Incoming::Binary(b)) => Ok(Some(b)),
            other => {
                self.ahead = other;
                Ok(None)
            }
        }
    }

    fn decode(&mut self) -> Result<Option<Incoming>, Close> {
        loop {
            let frame = match self.codec.decode(&mut self.inbox) {
                Ok(Some(frame)) => frame,
                Ok(None) => return Ok(None),
                Err(e) => return Err(Close::Protocol(format!("bad frame: {e}"))),
            };
            let (piece, last) = match frame {
                ws::Frame::Binary(b) => return Ok(Some(Incoming::Binary(b))),
                ws::Frame::Ping(b) => return Ok(Some(Incoming::Ping(b))),
                ws::Frame::Pong(_) => return Ok(Some(Incoming::Pong)),
                ws::Frame::Close(_) => return Ok(Some(Incoming::Close)),
                ws::Frame::Text(_) | ws::Frame::Continuation(ws::Item::FirstText(_)) => {
                    return Err(Close::Protocol(
                        "text frames are not part of the protocol".into(),
                    ));
                }
                ws::Frame::Continuation(ws::Item::FirstBinary(b)) => {
                    self.partial = Some(BytesMut::new());
                    (b, false)
                }
                ws::Frame::Continuation(ws::Item::Continue(b)) => (b, false),
                ws::Frame::Continuation(ws::Item::Last(b)) => (b, true),
            };
            // The codec refuses a continuation that was never started, and a text one is refused
            // at its start: a fragment here always has its message.
            let Some(message) = self.partial.as_mut() else {
                return Err(Close::Protocol("continuation without a start".into()));
            };
            if message.len() + piece.len() > self.max {
                return Err(Close::Protocol("message too large".into()));
            }
            message.extend_from_slice(&piece);
            if last {
                let whole = self.partial.take().unwrap_or_default();
                return Ok(Some(Incoming::Binary(whole.freeze())));
            }
        }
    }

    /// Writes the messages with one write, within [`SEND_LIMIT`].
    async fn send(&mut self, msgs: impl IntoIterator<Item = ws::Message>) -> Result<(), Close> {
        let mut out = BytesMut::new();
        for m in msgs {
            self.codec
                .encode(m, &mut out)
                .map_err(|e| Close::Protocol(format!("cannot send: {e}")))?;
        }
        if out.is_empty() {
            return Ok(());
        }
        match tokio::time::timeout(SEND_LIMIT, self.io.write_all(&out)).await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(_)) => Err(Close::Normal),
            Err(_) => Err(Close::Protocol("slow reader".into())),
        }
    }

    /// Sends the close frame, then waits a moment for the peer's (so that the frame is not lost to
    /// a reset by unread input) and drops the socket.
    async fn close(mut self, close: &Close) {
        let reason = ws::CloseReason {
            code: match close.code() {
                1000 => ws::CloseCode::Normal,
                1001 => ws::CloseCode::Away,
                1008 => ws::CloseCode::Policy,
                1011 => ws::CloseCode::Error,
                other => ws::CloseCode::Other(other),
            },
            description: Some(close.reason()),
        };
        if self.send([ws::Message::Close(Some(reason))]).await.is_err() {
            return;
        }
        let _ = self.io.shutdown().await;
        let _ = tokio::time::timeout(CLOSE_LINGER, async {
            loop {
                match self.next().await {
                    Ok(Incoming::Close) | Err(_) => break,
                    Ok(_) => {}
                }
            }
        })
        .await;
    }
}

/// What woke the connection's task.
enum Step {
    Frame(Result<Incoming, Close>),
    Event(ConnEvent),
    AccessChanged,
    GoingAway,
    Tick,
}

async fn drive(
    mut conn: Connection,
    mut events: tokio::sync::mpsc::UnboundedReceiver<ConnEvent>,
    mut socket: Socket,
    mut epoch: tokio::sync::watch::Receiver<String>,
    // Held until the socket is closed: the hub counts the sockets still closing by it.
    mut going_away: tokio::sync::watch::Receiver<bool>,
) {
    let mut ping = tokio::time::interval(PING_EVERY);
    let mut last_heard = Instant::now();
    // Assignments end and start with the Japanese date: re-check access when it turns.
    let mut today = Date::today_jst(now_ms());
    let started = Instant::now();
    let close = loop {
        let step = tokio::select! {
            msg = socket.next() => Step::Frame(msg),
            Some(event) = events.recv() => Step::Event(event),
            Ok(()) = epoch.changed() => Step::AccessChanged,
            Ok(_) = going_away.wait_for(|away| *away) => Step::GoingAway,
            _ = ping.tick() => Step::Tick,
        };
        // Boxed: the work's state lives on the heap only while it runs, so an idle connection's
        // task stays small.
        let result = match step {
            Step::Frame(Ok(Incoming::Binary(b))) => {
                last_heard = Instant::now();
                let mut result = Box::pin(conn.on_frame(&b)).await;
                // What else has arrived is answered in the same write, and its changes go to the
                // committer with these (the answers that acknowledge them wait in `conn`).
                while let Ok(out) = &mut result
                    && let (held, held_bytes) = conn.held()
                    && out.iter().map(Vec::len).sum::<usize>() + held_bytes < COALESCE_BYTES
                    && held < MAX_HELD
                {
                    match socket.next_buffered_binary() {
                        Ok(Some(b)) => match Box::pin(conn.on_frame(&b)).await {
                            Ok(more) => out.extend(more),
                            Err(c) => result = Err(c),
                        },
                        Ok(None) => break,
                        Err(c) => result = Err(c),
                    }
                }
                // Even after an error: what was committed is told to the other subscribers.
                let settled = Box::pin(conn.settle()).await;
                match (result, settled) {
                    (Ok(mut out), Ok(more)) => {
                        out.extend(more);
                        Ok(out)
                    }
                    (Err(c), _) | (Ok(_), Err(c)) => Err(c),
                }
            }
            Step::Frame(Ok(Incoming::Ping(b))) => {
                last_heard = Instant::now();
                Box::pin(socket.send([ws::Message::Pong(b)]))
                    .await
                    .map(|()| vec![])
            }
            Step::Frame(Ok(Incoming::Pong)) => {
                last_heard = Instant::now();
                Ok(vec![])
            }
            Step::Frame(Ok(Incoming::Close)) => Err(Close::Normal),
            Step::Frame(Err(close)) => Err(close),
            Step::Event(event) => Box::pin(conn.on_event(event)).await,
            Step::AccessChanged => Box::pin(conn.revalidate()).await,
            // Between steps nothing waits for the committer: every answer that acknowledges a
            // change has been sent.
            Step::GoingAway => Err(Close::GoingAway),
            Step::Tick => {
                if last_heard.elapsed() > SILENT_LIMIT {
                    Err(Close::Protocol("peer silent".into()))
                } else if !conn.joined() && started.elapsed() > JOIN_DEADLINE {
                    Err(Close::Protocol("no join".into()))
                } else if conn.session_expired() {
                    Err(Close::Revoked)
                } else if let Err(c) =
                    Box::pin(socket.send([ws::Message::Ping(Bytes::new())])).await
                {
                    Err(c)
                } else {
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
                let msgs = frames
                    .into_iter()
                    .map(|f| ws::Message::Binary(Bytes::from(f)));
                if let Err(c) = Box::pin(socket.send(msgs)).await {
                    break c;
                }
            }
            Err(c) => break c,
        }
    };
    // The stop is logged once, with the number of sockets, not once per socket.
    if close != Close::Normal && close != Close::GoingAway {
        tracing::info!(conn = conn.id(), code = close.code(), reason = %close.reason(), "sync connection closed");
    }
    Box::pin(conn.finish()).await;
    Box::pin(socket.close(&close)).await;
    drop(going_away);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A socket pair: our [`Socket`] on one end, the raw peer on the other.
    async fn pair(max: usize) -> (Socket, TcpStream) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (peer, accepted) = tokio::join!(TcpStream::connect(addr), listener.accept());
        let socket = Socket {
            io: accepted.unwrap().0,
            codec: ws::Codec::new().max_size(max),
            inbox: BytesMut::new(),
            partial: None,
            max,
            ahead: None,
        };
        (socket, peer.unwrap())
    }

    fn client_frames(msgs: Vec<ws::Message>) -> Vec<u8> {
        let mut codec = ws::Codec::new().client_mode();
        let mut out = BytesMut::new();
        for m in msgs {
            codec.encode(m, &mut out).unwrap();
        }
        out.to_vec()
    }

    #[actix_web::test]
    async fn fragments_are_gathered_and_an_idle_socket_holds_no_buffer() {
        let (mut socket, mut peer) = pair(1024).await;
        let whole: Vec<u8> = (0..600u32).map(|i| (i % 251) as u8).collect();
        let bytes = client_frames(vec![
            ws::Message::Continuation(ws::Item::FirstBinary(Bytes::copy_from_slice(&whole[..200]))),
            ws::Message::Ping(Bytes::from_static(b"hi")),
            ws::Message::Continuation(ws::Item::Continue(Bytes::copy_from_slice(&whole[200..500]))),
            ws::Message::Continuation(ws::Item::Last(Bytes::copy_from_slice(&whole[500..]))),
            ws::Message::Binary(Bytes::from_static(b"next")),
        ]);
        // Written a byte at a time: the frames arrive in pieces.
        let writer = actix_web::rt::spawn(async move {
            for b in bytes {
                peer.write_all(&[b]).await.unwrap();
                peer.flush().await.unwrap();
            }
            peer
        });
        assert!(matches!(socket.next().await, Ok(Incoming::Ping(p)) if &p[..] == b"hi"));
        assert!(matches!(socket.next().await, Ok(Incoming::Binary(b)) if b[..] == whole[..]));
        assert!(matches!(socket.next().await, Ok(Incoming::Binary(b)) if &b[..] == b"next"));
        let _peer = writer.await.unwrap();
        // Nothing left to decode: the next wait for input holds no buffer.
        let waiting = tokio::time::timeout(Duration::from_millis(50), socket.next()).await;
        assert!(waiting.is_err(), "nothing more was sent");
        assert_eq!(
            socket.inbox.capacity(),
            0,
            "idle socket keeps its read buffer"
        );
    }

    #[actix_web::test]
    async fn messages_read_together_are_taken_together_and_nothing_is_skipped() {
        let (mut socket, mut peer) = pair(1024).await;
        peer.write_all(&client_frames(vec![
            ws::Message::Binary(Bytes::from_static(b"one")),
            ws::Message::Binary(Bytes::from_static(b"two")),
            ws::Message::Ping(Bytes::from_static(b"p")),
            ws::Message::Binary(Bytes::from_static(b"three")),
        ]))
        .await
        .unwrap();
        // All four frames are in one read (a few bytes, written at once, given a moment to arrive).
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert!(matches!(socket.next().await, Ok(Incoming::Binary(b)) if &b[..] == b"one"));
        assert!(matches!(socket.next_buffered_binary(), Ok(Some(b)) if &b[..] == b"two"));
        // The ping is not a sync message: the look-ahead stops there and keeps it.
        assert!(matches!(socket.next_buffered_binary(), Ok(None)));
        assert!(matches!(socket.next_buffered_binary(), Ok(None)));
        assert!(matches!(socket.next().await, Ok(Incoming::Ping(p)) if &p[..] == b"p"));
        assert!(matches!(socket.next().await, Ok(Incoming::Binary(b)) if &b[..] == b"three"));
        assert!(matches!(socket.next_buffered_binary(), Ok(None)));
    }

    #[actix_web::test]
    async fn oversized_text_and_stray_frames_close_with_a_reason() {
        let cases: Vec<(Vec<ws::Message>, &str)> = vec![
            (
                vec![ws::Message::Binary(Bytes::from(vec![0u8; 2000]))],
                "bad frame",
            ),
            (
                vec![
                    ws::Message::Continuation(ws::Item::FirstBinary(Bytes::from(vec![0u8; 600]))),
                    ws::Message::Continuation(ws::Item::Last(Bytes::from(vec![0u8; 600]))),
                ],
                "message too large",
            ),
            (vec![ws::Message::Text("hello".into())], "text frames"),
            (vec![], "bad frame"),
        ];
        for (msgs, want) in cases {
            let (mut socket, mut peer) = pair(1024).await;
            let bytes = if msgs.is_empty() {
                // A reserved opcode.
                vec![0x83, 0x80, 0, 0, 0, 0]
            } else {
                client_frames(msgs)
            };
            peer.write_all(&bytes).await.unwrap();
            match socket.next().await {
                Err(Close::Protocol(reason)) => assert!(reason.contains(want), "{reason} ≠ {want}"),
                Err(other) => panic!("closed with {other:?}, wanted {want}"),
                Ok(_) => panic!("accepted, wanted {want}"),
            }
        }
    }
}
