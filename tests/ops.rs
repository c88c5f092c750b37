//! Operating the server (issue 24 items 3, 4 and 6): what `/healthz` and `/metrics` tell the
//! city's monitoring, what the JSON log holds, and upgrading a database.

use std::collections::HashMap;
use std::time::Duration;

use automerge::sync::{self, SyncDoc};
use awc::http::StatusCode;
use serde_json::{Value, json};

use crate::both;
use crate::cli::mimamori;
use crate::support::peers::{RawPeer, add_entry, add_greeting};
use crate::support::push::PushReceiver;
use crate::support::{Client, PASSWORD, TestDb, TestServer, seed};

const TOKEN: &str = "metrics-token-for-the-test-0123";

/// `/metrics` as a scraper gets it: the status and, when 200, each sample by its name and labels.
async fn scrape(
    origin: &str,
    token: Option<&str>,
    forwarded_for: Option<&str>,
) -> (StatusCode, String, HashMap<String, f64>) {
    let mut req = awc::Client::new().get(format!("{origin}/metrics"));
    if let Some(t) = token {
        req = req.insert_header(("Authorization", format!("Bearer {t}")));
    }
    if let Some(a) = forwarded_for {
        req = req.insert_header(("X-Forwarded-For", a));
    }
    let mut res = req.send().await.expect("scrape");
    let text = String::from_utf8_lossy(&res.body().await.unwrap()).into_owned();
    let samples = text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .map(|l| {
            let (name, value) = l.rsplit_once(' ').unwrap();
            (name.to_string(), value.parse::<f64>().unwrap())
        })
        .collect();
    (res.status(), text, samples)
}

/// The status and body of a path the server does not have.
async fn unknown_path(origin: &str) -> (StatusCode, String) {
    let mut res = awc::Client::new()
        .get(format!("{origin}/no-such-page"))
        .send()
        .await
        .unwrap();
    let body = String::from_utf8_lossy(&res.body().await.unwrap()).into_owned();
    (res.status(), body)
}

async fn doc_id(c: &mut Client, resident_id: &str) -> String {
    crate::sync::doc_id(c, resident_id).await
}

both!(a_stopped_committer_fails_health_by_name, dead_committer);
async fn dead_committer(db: TestDb) {
    let s = TestServer::start(db).await;
    let mut c = s.client();
    let (st, health) = c.get("/healthz").await;
    assert_eq!(st, StatusCode::OK, "{health}");
    assert_eq!(health["ok"], true);
    assert_eq!(health["version"], env!("CARGO_PKG_VERSION"));

    s.hub().stop_committer_for_tests();
    let (st, health) = c.get("/healthz").await;
    assert_eq!(st, StatusCode::SERVICE_UNAVAILABLE, "{health}");
    assert_eq!(health["ok"], false);
    assert_eq!(health["failed"], json!(["committer"]), "{health}");
    assert!(
        health["reasons"]["committer"]
            .as_str()
            .unwrap()
            .contains("stopped"),
        "{health}"
    );
    // And it is no mere flag: a tablet's greeting is not acknowledged (the socket closes instead).
    let mut comm = s.login("comm-a").await;
    let id = doc_id(&mut comm, s.fx.resident("rA1")).await;
    let mut tablet = RawPeer::joined(&s, &comm, "peer-dead-committer").await;
    let (mut doc, mut state) = tablet.fetch(&id).await;
    add_greeting(&mut doc, "c-not-stored");
    let sent = tablet.sync_doc(&id, &mut doc, &mut state).await;
    assert!(sent.is_err(), "acknowledged without a committer: {sent:?}");
}

both!(
    metrics_follow_sync_and_push_and_are_hidden_from_strangers,
    metrics_move
);
async fn metrics_move(db: TestDb) {
    let rx = PushReceiver::start().await;
    let push_service = rx.origin.clone();
    let s = TestServer::start_with(db, |c| {
        c.metrics_token = Some(mimamori::config::Secret(TOKEN.into()));
        c.push_services = vec![push_service];
        c.push_retry_base_ms = 20;
    })
    .await;

    // A stranger gets what any unknown path gets: nothing says /metrics exists.
    let not_found = unknown_path(&s.origin).await;
    for token in [None, Some("metrics-token-for-the-test-0124")] {
        let (st, body, _) = scrape(&s.origin, token, None).await;
        assert_eq!((st, body), not_found, "token {token:?}");
    }

    let (st, _, before) = scrape(&s.origin, Some(TOKEN), None).await;
    assert_eq!(st, StatusCode::OK);
    let (_, wrong) = s
        .client()
        .post(
            "/api/session",
            &json!({"login": "lead-b", "password": "not the password"}),
        )
        .await;
    assert_eq!(wrong["error"]["code"], "bad_credentials", "{wrong}");

    // A tablet syncs one greeting.
    let mut comm = s.login("comm-a").await;
    let id = doc_id(&mut comm, s.fx.resident("rA1")).await;
    let mut tablet = RawPeer::joined(&s, &comm, "peer-metrics").await;
    let (mut doc, mut state) = tablet.fetch(&id).await;
    add_greeting(&mut doc, "c-metrics");
    tablet.exchange(&id, &mut doc, &mut state).await;
    let (_, text, during) = scrape(&s.origin, Some(TOKEN), None).await;
    let moved = |name: &str| during[name] - before[name];
    assert_eq!(during["mimamori_sync_connections"], 1.0, "{text}");
    assert!(during["mimamori_sync_documents_loaded"] >= 1.0, "{text}");
    // join, request, and at least one sync carrying the greeting.
    assert!(
        moved("mimamori_sync_messages_received_total") >= 3.0,
        "{text}"
    );
    assert!(
        moved("mimamori_sync_received_bytes_total") > 100.0,
        "{text}"
    );
    assert_eq!(
        moved("mimamori_sync_changes_acknowledged_total"),
        1.0,
        "{text}"
    );
    assert!(moved("mimamori_commit_batches_total") >= 1.0, "{text}");
    assert!(
        moved("mimamori_commit_duration_seconds_count") >= 1.0,
        "{text}"
    );
    assert_eq!(
        during["mimamori_commit_duration_seconds_count"],
        during["mimamori_commit_duration_seconds_bucket{le=\"+Inf\"}"]
    );
    assert_eq!(moved("mimamori_login_failures_total"), 1.0, "{text}");
    assert!(
        during["mimamori_process_resident_memory_bytes"] > 1e6,
        "{text}"
    );
    assert_eq!(
        during[&format!(
            "mimamori_build_info{{version=\"{}\",build=\"{}\"}}",
            env!("CARGO_PKG_VERSION"),
            option_env!("MIMAMORI_BUILD").unwrap_or("")
        )],
        1.0,
        "{text}"
    );
    drop(tablet);

    // A notice to both districts: comm-a's push service takes it, comm-b's fails every time (500)
    // and is given up after five attempts.
    let mut b = s.login("comm-b").await;
    for (c, sub) in [
        (&mut comm, rx.subscription("ok", "tablet-a")),
        (&mut b, rx.subscription("fail", "tablet-b")),
    ] {
        let (st, body) = c.post("/api/push/subscriptions", &sub.json()).await;
        assert_eq!(st, StatusCode::NO_CONTENT, "{body}");
    }
    let mut staff = s.login("staff").await;
    let (st, n) = staff
        .post(
            "/api/staff/notices",
            &json!({"title": "除雪のお知らせ", "body": "明朝は除雪車が入ります。", "priority": "normal",
                    "audience": "districts", "districts": [s.fx.district_a, s.fx.district_b]}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{n}");
    let (st, sent) = staff
        .post(
            &format!("/api/staff/notices/{}/send", n["id"].as_str().unwrap()),
            &json!({}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{sent}");
    let started = std::time::Instant::now();
    let (text, after) = loop {
        let (_, text, m) = scrape(&s.origin, Some(TOKEN), None).await;
        if m["mimamori_push_failed_total"] >= 1.0 && m["mimamori_push_sent_total"] >= 1.0 {
            break (text, m);
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "pushes not done in 20 s:\n{text}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(after["mimamori_push_sent_total"], 1.0, "{text}");
    assert_eq!(after["mimamori_push_retried_total"], 4.0, "{text}");
    assert_eq!(after["mimamori_push_failed_total"], 1.0, "{text}");
    assert_eq!(after["mimamori_push_queue_depth"], 0.0, "{text}");
    assert_eq!(after["mimamori_sync_connections"], 0.0, "{text}");

    // Counts only: no resident, user, login or document is named.
    let mut private: Vec<&str> = s.fx.users.values().map(String::as_str).collect();
    private.extend(s.fx.residents.values().map(String::as_str));
    private.extend(["comm-a", "comm-b", "試験", id.as_str()]);
    for p in private {
        assert!(!text.contains(p), "{p} in /metrics:\n{text}");
    }
}

/// The allow-list is of client addresses seen through the trusted proxies: the monitoring's own
/// address reads `/metrics`, a request relayed by the (listed) proxy for someone outside does not.
/// HTTP only, the same on both databases: run on SQLite.
#[actix_web::test]
async fn metrics_by_address_count_the_client_behind_the_proxy() {
    let loopback = mimamori::auth::proxy::parse_list("127.0.0.1").unwrap();
    let s = TestServer::start_with(TestDb::sqlite(), |c| {
        c.metrics_allow = loopback.clone();
        c.trusted_proxies = loopback.clone();
    })
    .await;
    let (st, text, _) = scrape(&s.origin, None, None).await;
    assert_eq!(st, StatusCode::OK, "{text}");
    let (st, _, _) = scrape(&s.origin, None, Some("203.0.113.9")).await;
    assert_eq!(st, StatusCode::NOT_FOUND, "relayed for an outside client");
    let (st, _, _) = scrape(&s.origin, None, Some("127.0.0.1")).await;
    assert_eq!(st, StatusCode::OK, "relayed for the monitoring host");
}

/// `MIMAMORI_LOG_FORMAT=json` on the real binary: every line it writes is a JSON object; the
/// request line and every line logged while a request is handled (the login, the `/sync`
/// upgrade) carry the request's id, which the response names in `X-Request-Id`; and no line holds
/// a resident's name, address or note, a password, or a query string. One database suffices: the
/// log does not depend on it.
#[actix_web::test]
async fn json_logs_name_the_request_and_hold_no_private_data() {
    use tokio::io::{AsyncBufReadExt, AsyncReadExt};
    let db = TestDb::sqlite();
    let fx = seed(&db.open());
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_mimamori"))
        .arg("serve")
        .env("DATABASE_URL", db.url.to_string())
        .env("MIMAMORI_BIND", "127.0.0.1:0")
        .env("MIMAMORI_LOG_FORMAT", "json")
        .env("RUST_LOG", "info")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("start mimamori serve");
    let mut stdout = tokio::io::BufReader::new(child.stdout.take().unwrap());
    let mut lines: Vec<String> = Vec::new();
    let origin = loop {
        let mut line = String::new();
        let n = tokio::time::timeout(Duration::from_secs(20), stdout.read_line(&mut line))
            .await
            .expect("server starts within 20 s")
            .unwrap();
        assert!(n > 0, "server ended: {lines:?}");
        lines.push(line.clone());
        let v: Value =
            serde_json::from_str(&line).unwrap_or_else(|_| panic!("not a JSON line: {line}"));
        if v["message"] == "Mimamori is serving" {
            break v["origin"].as_str().unwrap().to_string();
        }
    };

    // A tablet enrols, a wrong password, a login, a search with a name in the query string, and
    // a visit with a note synced.
    let mut c = Client::for_origin(&origin);
    let (st, _) = c
        .post("/api/devices/enrol", &json!({ "code": fx.codes["comm-a"] }))
        .await;
    assert_eq!(st, StatusCode::OK);
    let (st, _) = c
        .post(
            "/api/session",
            &json!({"login": "comm-a", "password": "wrong password here"}),
        )
        .await;
    assert_eq!(st, StatusCode::UNAUTHORIZED);
    let body = serde_json::to_vec(&json!({"login": "comm-a", "password": PASSWORD})).unwrap();
    let login = c
        .request("POST", "/api/session", Some("application/json"), Some(body))
        .await;
    assert_eq!(login.status, StatusCode::OK, "{}", login.body);
    let login_id = login
        .headers
        .get("x-request-id")
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    let (st, _) = c
        .get("/api/residents?q=%E8%A9%A6%E9%A8%93%20%E8%8A%B1%E5%AD%90")
        .await;
    assert_eq!(st, StatusCode::OK);
    let id = doc_id(&mut c, &fx.residents["rA1"]).await;
    let mut tablet = RawPeer::connect_to(&origin, &c).await.unwrap();
    tablet.join("peer-json-log").await;
    let (mut doc, mut state): (_, sync::State) = tablet.fetch(&id).await;
    let note = "玄関の鍵は植木鉢の下";
    add_entry(
        &mut doc,
        "contacts",
        "c-json-log",
        &[
            ("kind", "visit"),
            ("outcome", "met"),
            ("concern", "none"),
            ("occurredAt", "2026-11-22T08:00:00+09:00"),
            ("note", note),
        ],
    );
    tablet.exchange(&id, &mut doc, &mut state).await;
    drop(tablet);
    tokio::time::sleep(Duration::from_millis(300)).await;

    child.start_kill().unwrap();
    let _ = child.wait().await;
    let mut rest = String::new();
    stdout.read_to_string(&mut rest).await.unwrap();
    lines.extend(rest.lines().map(str::to_string));
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .await
        .unwrap();
    lines.extend(err.lines().map(str::to_string));

    let parsed: Vec<Value> = lines
        .iter()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap_or_else(|_| panic!("not a JSON line: {l}")))
        .collect();
    let all = lines.join("\n");
    let in_request = |v: &Value| v["span"]["name"] == "request" && v["span"]["id"].is_string();
    let requests: Vec<&Value> = parsed
        .iter()
        .filter(|v| v["message"] == "request")
        .collect();
    assert!(requests.len() >= 5, "{all}");
    for r in &requests {
        assert!(in_request(r), "a request line without its id: {r}");
        assert!(!r["path"].as_str().unwrap().contains('?'), "{r}");
    }
    let login_line = parsed
        .iter()
        .find(|v| v["message"] == "login")
        .unwrap_or_else(|| panic!("no login line:\n{all}"));
    assert_eq!(login_line["span"]["id"], login_id.as_str(), "{all}");
    assert!(
        requests
            .iter()
            .any(|r| r["span"]["id"] == login_id.as_str() && r["path"] == "/api/session"),
        "the login's request line carries the id of X-Request-Id:\n{all}"
    );
    for message in ["login failed", "sync connected"] {
        let line = parsed
            .iter()
            .find(|v| v["message"] == message)
            .unwrap_or_else(|| panic!("no {message:?} line:\n{all}"));
        assert!(in_request(line), "{line}");
    }
    let ids: std::collections::HashSet<&str> = requests
        .iter()
        .map(|r| r["span"]["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), requests.len(), "one id per request:\n{all}");
    for private in [
        "試験",
        "旭川市",
        "花子",
        note,
        PASSWORD,
        "wrong password here",
        "q=",
        "%E8%A9%A6",
    ] {
        assert!(!all.contains(private), "{private} in the log:\n{all}");
    }
}

both!(
    an_old_database_upgrades_step_by_step_to_the_new_schema,
    upgrade
);
async fn upgrade(old: TestDb) {
    use mimamori::db::ops::{execute_raw, migrate_next, schema_lines};
    let url = old.url.to_string();
    let all = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations/sqlite"))
        .unwrap()
        .count();

    // An empty database: everything pending, and asking creates nothing.
    let (ok, out, err) = mimamori(&url, &["migrate", "--status"], "");
    assert!(ok, "{err}");
    assert!(out.contains(&format!("0 applied, {all} pending")), "{out}");
    if let mimamori::db::DatabaseUrl::Sqlite(path) = &old.url {
        assert!(!path.exists(), "--status created {}", path.display());
    }

    // The first release's schema, with a city in it.
    migrate_next(&old.url, 1).unwrap();
    execute_raw(
        &old.url,
        "INSERT INTO districts (id, code, name, created_at) VALUES ('d1', 'suehiro', '末広', 1);
         INSERT INTO users (id, login, display_name, role, district_id, password_hash, created_at)
           VALUES ('u1', 'old-lead', '末広 リーダー', 'district_lead', 'd1', 'x', 1);
         INSERT INTO residents (id, district_id, name, kana, address, status, contact_interval_days, created_at)
           VALUES ('r1', 'd1', '末広 一郎', 'すえひろ いちろう', '旭川市末広1条', 'active', 14, 1);
         INSERT INTO devices (id, label, created_at) VALUES ('t1', '末広-01', 1);",
    )
    .unwrap();
    // Upgraded release by release, each migration on a connection of its own.
    migrate_next(&old.url, 3).unwrap();
    let (ok, out, err) = mimamori(&url, &["migrate", "--status"], "");
    assert!(ok, "{err}");
    assert!(
        out.contains(&format!("4 applied, {} pending", all - 4)),
        "{out}"
    );
    assert!(
        out.contains("applied  2026-11-23-000001_foundation\n")
            && out.contains("pending  2026-11-23-000013_referrals_and_contact_versions\n"),
        "{out}"
    );
    // Then to the last, as an operator does.
    let (ok, out, err) = mimamori(&url, &["migrate"], "");
    assert!(ok, "{out}{err}");
    let (ok, out, err) = mimamori(&url, &["migrate", "--status"], "");
    assert!(ok, "{err}");
    assert!(out.contains(&format!("{all} applied, 0 pending")), "{out}");

    // The same schema as a database made new today, and the old city readable through it.
    let fresh = if old.pg_name().is_some() {
        TestDb::postgres()
    } else {
        TestDb::sqlite()
    };
    drop(fresh.open());
    let (upgraded, new) = (
        schema_lines(&old.url).unwrap(),
        schema_lines(&fresh.url).unwrap(),
    );
    assert!(upgraded.len() > 30, "{upgraded:?}");
    assert_eq!(upgraded, new);
    let db = old.open();
    let (user, residents) = db
        .read_blocking(|conn| {
            Ok((
                mimamori::db::accounts::user_by_login(conn, "old-lead")?,
                mimamori::db::directory::list_residents(conn, None)?,
            ))
        })
        .unwrap();
    assert!(user.is_some_and(|u| !u.must_change_password));
    assert_eq!(residents.len(), 1);
    assert_eq!(residents[0].doc_id, None);
}

both!(
    sigterm_stops_the_server_and_tablets_resume_on_the_next,
    sigterm
);
/// SIGTERM while a tablet is connected (as systemd stops the server for an upgrade): the process
/// ends by itself, successfully, within seconds; the tablet's socket is closed with 1001, going
/// away (so it reconnects); the next process serves it everything that was acknowledged.
async fn sigterm(db: TestDb) {
    let fx = seed(&db.open());
    let url = db.url.to_string();
    let mut server = crate::support::spawn_server(&url, &[]).await;
    let mut c = Client::for_origin(&server.origin);
    let (st, _) = c
        .post("/api/devices/enrol", &json!({ "code": fx.codes["comm-a"] }))
        .await;
    assert_eq!(st, StatusCode::OK);
    let (st, _) = c
        .post(
            "/api/session",
            &json!({"login": "comm-a", "password": PASSWORD}),
        )
        .await;
    assert_eq!(st, StatusCode::OK);
    let id = doc_id(&mut c, &fx.residents["rA1"]).await;
    let mut tablet = RawPeer::connect_to(&server.origin, &c).await.unwrap();
    tablet.join("peer-sigterm").await;
    let (mut doc, mut state) = tablet.fetch(&id).await;
    add_greeting(&mut doc, "c-before-sigterm");
    tablet.exchange(&id, &mut doc, &mut state).await;

    let pid = server.child.id().unwrap().to_string();
    let sent = std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap();
    assert!(sent.success());
    // Closed by the server with 1001 (going away) — a close the tablet's adapter answers by
    // reconnecting — not merely dropped with the process.
    let closed = tablet.recv(Duration::from_secs(10)).await;
    assert!(
        matches!(closed, crate::support::peers::Got::Closed(Some(1001))),
        "the tablet's socket is not closed with 1001 after SIGTERM: {closed:?}"
    );
    let status = tokio::time::timeout(Duration::from_secs(15), server.child.wait())
        .await
        .expect("the server ends within 15 s of SIGTERM")
        .unwrap();
    assert!(status.success(), "{status}");

    let next = crate::support::spawn_server(&url, &[]).await;
    let mut again = RawPeer::connect_to(&next.origin, &c).await.unwrap();
    again.join("peer-sigterm").await;
    let (stored, _) = again.fetch(&id).await;
    let contacts = automerge::AutoSerde::from(&stored);
    let json = serde_json::to_value(contacts).unwrap();
    assert!(
        json["contacts"]["c-before-sigterm"].is_object(),
        "the acknowledged greeting: {json}"
    );
}

/// The metrics token is a secret: `mimamori config` says it is set and never prints it; one too
/// short to guard anything is refused at start, as is a log format that does not exist.
#[test]
fn the_metrics_token_is_never_printed_and_must_be_long() {
    let run = |env: &[(&str, &str)]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_mimamori"))
            .arg("config")
            .env("DATABASE_URL", "sqlite:/nonexistent/mimamori.sqlite3")
            .envs(env.iter().copied())
            .output()
            .unwrap();
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        (out.status.success(), text)
    };
    let (ok, text) = run(&[("MIMAMORI_METRICS_TOKEN", TOKEN)]);
    assert!(ok, "{text}");
    assert!(text.contains("MIMAMORI_METRICS_TOKEN=*** (set)"), "{text}");
    assert!(!text.contains(TOKEN), "{text}");
    let (ok, text) = run(&[("MIMAMORI_METRICS_TOKEN", "short")]);
    assert!(
        !ok && text.contains("MIMAMORI_METRICS_TOKEN: shorter than 16"),
        "{text}"
    );
    assert!(!text.contains("short\n"), "{text}");
    let (ok, text) = run(&[("MIMAMORI_LOG_FORMAT", "xml")]);
    assert!(!ok && text.contains("MIMAMORI_LOG_FORMAT"), "{text}");
}

/// A tablet of the storm: its cookies, and its residents' documents as it holds them, with the
/// ids of the greetings it wrote and which of them the server has acknowledged.
struct StormTablet {
    cookies: HashMap<String, String>,
    docs: Vec<StormDoc>,
}

impl StormTablet {
    /// A client of the server at `origin` with this tablet's session and device cookies.
    fn client(&self, origin: &str) -> Client {
        let mut client = Client::for_origin(origin);
        client.cookies = self.cookies.clone();
        client
    }
}

struct StormDoc {
    id: String,
    doc: automerge::Automerge,
    /// (greeting id, whether the server's heads have included it).
    written: Vec<(String, bool)>,
}

impl StormDoc {
    /// Marks acknowledged every greeting in the history of the heads the server last sent: the
    /// server answers with heads that include a change only once it is committed.
    fn note_acknowledged(&mut self, state: &sync::State) {
        use automerge::ReadDoc;
        let Some(heads) = state.their_heads.as_ref() else {
            return;
        };
        let Ok(seen) = self.doc.fork_at(heads) else {
            return;
        };
        let contacts = seen.get(automerge::ROOT, "contacts").ok().flatten();
        for (id, acked) in &mut self.written {
            if !*acked && let Some((_, c)) = &contacts {
                *acked = seen.get(c, id.as_str()).ok().flatten().is_some();
            }
        }
    }

    fn acknowledged(&self) -> usize {
        self.written.iter().filter(|(_, a)| *a).count()
    }
}

/// `tablets` more commissioners in district A, each with an enrolled device, a session and
/// `docs` residents of their own, as a city has them; the documents as the server stores them.
fn storm_tablets(
    db: &mimamori::db::Db,
    fx: &crate::support::Fixture,
    tablets: usize,
    docs: usize,
) -> Vec<StormTablet> {
    use mimamori::admin::{self, Actor, NewResident, NewUser};
    use mimamori::db::{accounts, documents};
    use mimamori::domain::{Address, Date, Kana, Login, Name, Role};
    let actor = Actor::cli();
    (0..tablets)
        .map(|t| {
            let (session, device) = (mimamori::auth::new_token(), mimamori::auth::new_token());
            let ids = db
                .write_blocking(|conn| {
                    let user = admin::create_user(
                        conn,
                        &actor,
                        NewUser {
                            login: Login::parse(&format!("storm-{t:02}")).unwrap(),
                            display_name: Name::parse("嵐 委員").unwrap(),
                            role: Role::Commissioner,
                            district_id: Some(fx.district_a.clone()),
                            password_hash: mimamori::auth::hash_password(
                                &mimamori::domain::Password::parse(PASSWORD).unwrap(),
                            )
                            .unwrap(),
                        },
                    )?;
                    let now = mimamori::db::now_ms();
                    let device_id = mimamori::db::new_id();
                    accounts::insert_device(
                        conn,
                        &accounts::Device {
                            id: device_id.clone(),
                            label: format!("storm {t}"),
                            enrolment_code_hash: None,
                            enrolment_expires_at: None,
                            token_hash: Some(device.1.clone()),
                            enrolled_at: Some(now),
                            revoked_at: None,
                            last_seen_at: Some(now),
                            created_at: now,
                            key_share: None,
                            app_version: None,
                            wiped_at: None,
                        },
                    )?;
                    accounts::insert_session(
                        conn,
                        &accounts::Session {
                            id: mimamori::db::new_id(),
                            token_hash: session.1.clone(),
                            user_id: user.id.clone(),
                            device_id: Some(device_id),
                            created_at: now,
                            expires_at: now + 3_600_000,
                            revoked_at: None,
                        },
                    )?;
                    let mut ids = Vec::new();
                    for d in 0..docs {
                        let r = admin::create_resident(
                            conn,
                            &actor,
                            NewResident {
                                district_id: fx.district_a.clone(),
                                name: Name::parse(&format!("嵐 {t}-{d}")).unwrap(),
                                kana: Kana::parse("あらし").unwrap(),
                                address: Address::parse("旭川市（試験）2条").unwrap(),
                                contact_interval_days: None,
                            },
                        )?;
                        admin::assign(
                            conn,
                            &actor,
                            &r.id,
                            &user.id,
                            Date::parse("2025-12-01").unwrap(),
                            None,
                        )?;
                        let id = r.doc_id.unwrap_or_default();
                        let bytes = documents::joined(&documents::load_chunks(conn, &id)?);
                        ids.push((id, bytes));
                    }
                    Ok(ids)
                })
                .unwrap();
            StormTablet {
                cookies: HashMap::from([
                    (mimamori::auth::SESSION_COOKIE.to_string(), session.0),
                    (mimamori::auth::DEVICE_COOKIE.to_string(), device.0),
                ]),
                docs: ids
                    .into_iter()
                    .map(|(id, bytes)| StormDoc {
                        id,
                        doc: automerge::Automerge::load(&bytes).unwrap(),
                        written: Vec::new(),
                    })
                    .collect(),
            }
        })
        .collect()
}

/// One tablet in the storm: reconnects, sends what it wrote offline for every document at once,
/// then goes on writing a greeting every few milliseconds until `stopping` (the server is told to
/// stop: from then on it only reads, so that no write races the closing socket), until the server
/// closes the socket. Returns the close code.
async fn storm_tablet(
    origin: &str,
    n: usize,
    tablet: std::rc::Rc<std::cell::RefCell<StormTablet>>,
    connected: std::rc::Rc<std::cell::Cell<usize>>,
    start: std::rc::Rc<tokio::sync::Notify>,
    stopping: std::rc::Rc<std::cell::Cell<bool>>,
) -> Option<u16> {
    use crate::support::peers::{Got, msg_type, receive_sync};
    let client = tablet.borrow().client(origin);
    let mut peer = RawPeer::connect_to(origin, &client).await.unwrap();
    peer.join(&format!("peer-storm-{n}")).await;
    connected.set(connected.get() + 1);
    start.notified().await;
    let docs = tablet.borrow().docs.len();
    let mut states: Vec<sync::State> = (0..docs).map(|_| sync::State::new()).collect();
    let mut written = 0;
    loop {
        // Everything each document has to send (its offline greetings, at first).
        if !stopping.get() {
            let out: Vec<(String, Vec<u8>)> = {
                let mut t = tablet.borrow_mut();
                t.docs
                    .iter_mut()
                    .zip(states.iter_mut())
                    .filter_map(|(d, s)| {
                        Some((d.id.clone(), d.doc.generate_sync_message(s)?.encode()))
                    })
                    .collect()
            };
            peer.send_syncs(out.iter().map(|(id, m)| (id.as_str(), m.clone())).collect())
                .await;
        }
        match peer.recv(Duration::from_millis(20)).await {
            Got::Msg(m) if msg_type(&m) == "sync" => {
                let id = crate::support::peers::field(&m, "documentId")
                    .and_then(|v| v.as_text())
                    .unwrap()
                    .to_string();
                let mut t = tablet.borrow_mut();
                let i = t.docs.iter().position(|d| d.id == id).unwrap();
                let d = &mut t.docs[i];
                receive_sync(&m, &mut d.doc, &mut states[i]);
                d.note_acknowledged(&states[i]);
            }
            Got::Msg(_) => {}
            Got::Nothing if stopping.get() => {}
            Got::Nothing => {
                // A steady trickle of new records between the answers.
                let mut t = tablet.borrow_mut();
                let i = written % docs;
                let id = format!("storm-{n}-live-{written}");
                add_greeting(&mut t.docs[i].doc, &id);
                t.docs[i].written.push((id, false));
                written += 1;
            }
            Got::Closed(code) => return code,
        }
    }
}

// SIGTERM in the middle of a reconnect storm (issue 24): twelve tablets reconnect at once with
// their offline records and go on writing; `/metrics` is scraped while they do, then the server is
// told to stop. Every tablet's socket is closed with 1001 (going away), the process ends by
// itself, and the next process holds every record any tablet saw acknowledged — in the document
// and in the projection — and takes the rest when the tablets reconnect to it.
both!(
    sigterm_in_a_reconnect_storm_loses_nothing_acknowledged,
    storm_sigterm
);
async fn storm_sigterm(db: TestDb) {
    use std::cell::{Cell, RefCell};
    use std::rc::Rc;
    const TABLETS: usize = 12;
    const DOCS: usize = 3;
    const OFFLINE: usize = 3;
    let opened = db.open();
    let fx = seed(&opened);
    let mut tablets = storm_tablets(&opened, &fx, TABLETS, DOCS);
    // A week offline: greetings recorded on every resident.
    for (t, tablet) in tablets.iter_mut().enumerate() {
        for (d, doc) in tablet.docs.iter_mut().enumerate() {
            for v in 0..OFFLINE {
                let id = format!("storm-{t}-{d}-offline-{v}");
                add_greeting(&mut doc.doc, &id);
                doc.written.push((id, false));
            }
        }
    }
    drop(opened);
    let url = db.url.to_string();
    let mut server = crate::support::spawn_server(&url, &[("MIMAMORI_METRICS_TOKEN", TOKEN)]).await;
    let (_, _, before) = scrape(&server.origin, Some(TOKEN), None).await;

    let tablets: Vec<Rc<RefCell<StormTablet>>> = tablets
        .into_iter()
        .map(|t| Rc::new(RefCell::new(t)))
        .collect();
    let connected = Rc::new(Cell::new(0));
    let start = Rc::new(tokio::sync::Notify::new());
    let stopping = Rc::new(Cell::new(false));
    let acknowledged = |tablets: &[Rc<RefCell<StormTablet>>]| -> usize {
        tablets
            .iter()
            .map(|t| {
                t.borrow()
                    .docs
                    .iter()
                    .map(StormDoc::acknowledged)
                    .sum::<usize>()
            })
            .sum()
    };
    let origin = server.origin.clone();
    let storm = futures_util::future::join_all(tablets.iter().enumerate().map(|(n, t)| {
        storm_tablet(
            &origin,
            n,
            t.clone(),
            connected.clone(),
            start.clone(),
            stopping.clone(),
        )
    }));
    let pid = server.child.id().unwrap().to_string();
    let conductor = async {
        while connected.get() < TABLETS {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        start.notify_waiters();
        // Half the offline records acknowledged: the storm is under way.
        let half = TABLETS * DOCS * OFFLINE / 2;
        let deadline = std::time::Instant::now() + Duration::from_secs(30);
        while acknowledged(&tablets) < half {
            assert!(
                std::time::Instant::now() < deadline,
                "the storm did not get going"
            );
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        let seen = acknowledged(&tablets);
        // Each document with an acknowledged greeting had at least one change committed.
        let docs_acked = tablets
            .iter()
            .map(|t| {
                t.borrow()
                    .docs
                    .iter()
                    .filter(|d| d.acknowledged() > 0)
                    .count()
            })
            .sum::<usize>();
        let (st, text, during) = scrape(&origin, Some(TOKEN), None).await;
        assert_eq!(st, StatusCode::OK);
        let moved = |name: &str| during[name] - before[name];
        assert_eq!(
            during["mimamori_sync_connections"], TABLETS as f64,
            "{text}"
        );
        assert!(
            during["mimamori_sync_documents_loaded"] >= (TABLETS * DOCS) as f64,
            "{text}"
        );
        assert!(
            moved("mimamori_sync_changes_acknowledged_total") >= docs_acked as f64,
            "{seen} greetings of {docs_acked} documents seen acknowledged by the tablets:\n{text}"
        );
        assert!(
            moved("mimamori_sync_messages_received_total") >= (TABLETS * (1 + DOCS)) as f64,
            "{text}"
        );
        assert!(moved("mimamori_commit_batches_total") >= 1.0, "{text}");
        stopping.set(true);
        let sent = std::process::Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap();
        assert!(sent.success());
        seen
    };
    let (closes, seen_at_sigterm) = futures_util::join!(storm, conductor);
    assert_eq!(
        closes,
        vec![Some(1001); TABLETS],
        "every tablet's socket is closed with going away"
    );
    let status = tokio::time::timeout(Duration::from_secs(15), server.child.wait())
        .await
        .expect("the server ends within 15 s of SIGTERM")
        .unwrap();
    assert!(status.success(), "{status}");

    // Every greeting any tablet saw acknowledged is stored, in the document and as a row.
    let stored = db.open();
    let mut acked = 0;
    let mut written = 0;
    for t in &tablets {
        for d in &t.borrow().docs {
            let id = d.id.clone();
            let (json, rows) = stored
                .read_blocking(move |conn| {
                    let json = mimamori::sync::document_json(conn, &id)?;
                    let resident = mimamori::db::directory::resident_by_doc_id(conn, &id)?
                        .expect("the document's resident");
                    let rows = mimamori::db::documents::contacts_of(conn, &resident.id)?;
                    Ok((json, rows.into_iter().map(|r| r.id).collect::<Vec<_>>()))
                })
                .unwrap();
            for (g, was_acked) in &d.written {
                written += 1;
                if *was_acked {
                    acked += 1;
                    assert!(
                        json["contacts"].get(g).is_some(),
                        "{g} was acknowledged and is lost"
                    );
                    assert!(rows.contains(g), "{g} was acknowledged and has no row");
                }
            }
        }
    }
    assert!(acked >= seen_at_sigterm);
    println!("storm SIGTERM: {written} greetings written, {acked} acknowledged before the stop");

    // The next process: each tablet reconnects and sends the rest; then everything is stored.
    let next = crate::support::spawn_server(&url, &[]).await;
    for (n, t) in tablets.iter().enumerate() {
        let client = t.borrow().client(&next.origin);
        let mut docs = std::mem::take(&mut t.borrow_mut().docs);
        let mut peer = RawPeer::connect_to(&next.origin, &client).await.unwrap();
        peer.join(&format!("peer-storm-{n}")).await;
        for d in &mut docs {
            let mut state = sync::State::new();
            peer.exchange(&d.id, &mut d.doc, &mut state).await;
        }
        t.borrow_mut().docs = docs;
    }
    for t in &tablets {
        for d in &t.borrow().docs {
            let id = d.id.clone();
            let json = stored
                .read_blocking(move |conn| mimamori::sync::document_json(conn, &id))
                .unwrap();
            for (g, _) in &d.written {
                assert!(
                    json["contacts"].get(g).is_some(),
                    "{g} not stored after the reconnect"
                );
            }
        }
    }
}
