//! A second, independent implementation of the protocol: `samod` (the Rust automerge-repo) as a
//! tablet. It opens a resident, records a visit that the server stores and projects, and receives a
//! visit that the official JS client recorded — on both backends.

use std::sync::Arc;
use std::time::Duration;

use automerge::transaction::Transactable;
use automerge::{ObjType, ROOT, ReadDoc};
use futures_util::future::{BoxFuture, ready};
use futures_util::{SinkExt, StreamExt};
use samod::{BackoffConfig, DialError, Dialer, Repo, Transport};
use serde_json::json;
use tokio_tungstenite::tungstenite::{Message, client::IntoClientRequest};

use crate::both;
use crate::support::peers::{plan, tablet};
use crate::support::{Client, TestDb, TestServer};

/// Connects samod to our `/sync` with the tablet's cookies and our Origin (samod's own URL dialer
/// cannot send headers).
struct CookieDialer {
    url: samod::Url,
    cookie: String,
    origin: String,
}

impl Dialer for CookieDialer {
    type Error = std::convert::Infallible;

    fn url(&self) -> samod::Url {
        self.url.clone()
    }

    fn connect(&self) -> BoxFuture<'static, Result<Transport, DialError<Self::Error>>> {
        let (url, cookie, origin) = (self.url.clone(), self.cookie.clone(), self.origin.clone());
        Box::pin(async move {
            let mut req = url
                .as_str()
                .into_client_request()
                .map_err(DialError::transient)?;
            req.headers_mut()
                .insert("cookie", cookie.parse().expect("cookie header"));
            req.headers_mut()
                .insert("origin", origin.parse().expect("origin header"));
            let (ws, _) = tokio_tungstenite::connect_async(req)
                .await
                .map_err(DialError::transient)?;
            let (sink, stream) = ws.split();
            let stream = stream
                .filter_map(|m| async move {
                    match m {
                        Ok(Message::Binary(b)) => Some(Ok(b.to_vec())),
                        Ok(_) => None,
                        Err(e) => Some(Err(e)),
                    }
                })
                .boxed();
            let sink = sink.with(|b: Vec<u8>| {
                ready(Ok::<_, tokio_tungstenite::tungstenite::Error>(
                    Message::Binary(b.into()),
                ))
            });
            Ok(Transport::new(stream, sink))
        })
    }
}

fn contacts_keys(handle: &samod::DocHandle) -> Vec<String> {
    handle.with_document(|d| match d.get(ROOT, "contacts") {
        Ok(Some((_, contacts))) => d.keys(&contacts).collect(),
        _ => Vec::new(),
    })
}

both!(samod_syncs_with_the_server_and_the_js_client, samod_interop);
async fn samod_interop(db: TestDb) {
    let s = TestServer::start(db).await;
    let ra1 = s.fx.resident("rA1").to_string();
    let mut me: Client = s.login("comm-a").await;
    let (_, docs) = me.get("/api/documents").await;
    let url = docs
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["resident_id"] == ra1.as_str())
        .unwrap()["document_url"]
        .as_str()
        .unwrap()
        .to_string();
    let doc_id: samod::DocumentId = url
        .trim_start_matches("automerge:")
        .parse()
        .expect("document id");

    let repo = Repo::build_tokio().load().await;
    let dialer = CookieDialer {
        url: format!("{}/sync", s.origin.replace("http://", "ws://"))
            .parse()
            .unwrap(),
        cookie: me.cookie_header(),
        origin: s.origin.clone(),
    };
    let dh = repo
        .dial(BackoffConfig::default(), Arc::new(dialer))
        .expect("dial");
    tokio::time::timeout(Duration::from_secs(10), dh.established())
        .await
        .expect("connects within 10 s")
        .expect("connection established");
    let conn = dh.connection_id().expect("connection id");
    let handle = tokio::time::timeout(Duration::from_secs(10), repo.find(doc_id.clone()))
        .await
        .expect("find within 10 s")
        .expect("repo running")
        .expect("the server has the resident");
    assert!(
        handle.with_document(|d| d.get(ROOT, "profile").unwrap().is_some()),
        "profile synced"
    );

    // samod records a visit; the server stores and projects it.
    handle.with_document(|d| {
        d.transact(|tx| {
            let contacts = match tx.get(ROOT, "contacts")? {
                Some((_, id)) => id,
                None => panic!("contacts map"),
            };
            let c = tx.put_object(&contacts, "c-samod", ObjType::Map)?;
            for (k, v) in [
                ("id", "c-samod"),
                ("kind", "greeting"),
                ("outcome", "met"),
                ("concern", "none"),
                ("occurredAt", "2026-11-22T09:30:00+09:00"),
            ] {
                tx.put(&c, k, v)?;
            }
            Ok::<_, automerge::AutomergeError>(())
        })
        .expect("local change")
    });
    tokio::time::timeout(Duration::from_secs(10), handle.they_have_our_changes(conn))
        .await
        .expect("the server acknowledges samod's change");
    let (_, stored) = me.get(&format!("/api/residents/{ra1}/document")).await;
    assert_eq!(stored["contacts"]["c-samod"]["kind"], "greeting");
    let rows = {
        let ra1 = ra1.clone();
        s.db.read(move |c| Ok(mimamori::db::documents::contacts_of(c, &ra1)?))
            .await
            .unwrap()
    };
    assert!(
        rows.iter()
            .any(|r| r.id == "c-samod" && r.delivered_by_user_id == s.fx.user("comm-a"))
    );

    // The lead's JS client records a review mark; samod receives it through the server.
    let lead = s.login("lead-a").await;
    let d = tempfile::tempdir().unwrap();
    tablet(plan(&s, &lead, d.path(), true, vec![
        json!({"op": "open", "doc": url}),
        json!({"op": "review", "doc": url, "contactId": "c-samod",
               "review": {"mark": "confirmed", "comment": "確認しました", "by": "lead-a", "at": "2026-11-22T12:00:00+09:00"}}),
        json!({"op": "waitSynced", "doc": url, "timeoutMs": 15000}),
    ]))
    .await
    .expect("the lead's review syncs");
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let mark = handle.with_document(|d| {
            let reviews = d.get(ROOT, "reviews").ok()??.1;
            let r = d.get(&reviews, "c-samod").ok()??.1;
            match d.get(&r, "mark").ok()?? {
                (automerge::Value::Scalar(v), _) => Some(v.to_string()),
                _ => None,
            }
        });
        if mark.as_deref().is_some_and(|m| m.contains("confirmed")) {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "samod never received the review: {:?}",
            contacts_keys(&handle)
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    dh.close();
    repo.stop().await;
}
