//! `push`: one notice fanned out to N push subscriptions through our server (a child
//! process, as in production) to a local stand-in push service, while tablets keep syncing. Prints
//! figures; asserts nothing.
//!
//! Figures: time from "send" until the push service has every message, messages per second, server
//! CPU and peak RSS (from `/proc`), and tablet sync round trips (each carries a new visit, so it goes
//! through the durable commit) before the fan-out (the baseline) and during it, as a ratio.
//! The stand-in here only counts and answers 201; verifying VAPID and decrypting is what the tests'
//! stand-in does (tests/support/push.rs).

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use actix_web::{App, HttpResponse, HttpServer, web};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;

use crate::storm::{self, Tablet};
use mimamori::db::notices::{self, Notice, Subscription};
use mimamori::db::{self, DatabaseUrl, Db};
use mimamori::domain::{Login, Name, Role};

#[derive(clap::Args)]
pub struct Options {
    #[arg(long, default_value_t = 10_000)]
    pub subscriptions: usize,
    /// Tablets syncing meanwhile (at least one).
    #[arg(long, default_value_t = 20, value_parser = crate::review::at_least_one)]
    pub tablets: usize,
}

pub fn run(opts: Options) -> Result<(), String> {
    actix_web::rt::System::new().block_on(run_async(opts))
}

async fn run_async(opts: Options) -> Result<(), String> {
    let work = tempfile::tempdir().map_err(|e| e.to_string())?;
    let url = DatabaseUrl::Sqlite(work.path().join("bench-push.sqlite3"));
    println!(
        "push fan-out: one notice to {} subscriptions of {} commissioners, tablets syncing meanwhile",
        opts.subscriptions, opts.tablets
    );
    let db = Db::open(&url, 4).map_err(|e| e.to_string())?;
    let tablets = storm::seed_one_each(&db, opts.tablets)?;
    let staff_cookie = seed_staff(&db)?;

    let (push_origin, count) = stand_in_push_service()?;
    seed_subscriptions(&db, &push_origin, Some(opts.subscriptions))?;
    drop(db);

    let (proc, origin) =
        storm::serve_child(&url, &[("MIMAMORI_PUSH_SERVICES", push_origin.as_str())]).await?;
    let ws_url = format!("{}/sync", origin.replace("http://", "ws://"));

    // Baseline: sync round trips with nothing else going on.
    let mut round = 0;
    let mut before = Vec::new();
    for _ in 0..3 {
        before.extend(sync_round(&ws_url, &origin, &tablets, &mut round).await?);
    }
    let rss_before = proc.status_kib("VmRSS:") / 1024.0;
    let cpu_before = proc.cpu_s();

    let http = awc::Client::default();
    let t0 = Instant::now();
    let notice = post(
        &http,
        &origin,
        &staff_cookie,
        "/api/staff/notices",
        serde_json::json!({"title": "ベンチマークのお知らせ", "body": "本文", "priority": "urgent", "audience": "all"}),
    )
    .await?;
    let id = notice["id"].as_str().ok_or("no notice id")?.to_string();
    post(
        &http,
        &origin,
        &staff_cookie,
        &format!("/api/staff/notices/{id}/send"),
        serde_json::json!({}),
    )
    .await?;
    let queued_ms = t0.elapsed().as_secs_f64() * 1000.0;

    // During: keep syncing until the push service has every message.
    let mut during = Vec::new();
    let mut peak = 0.0_f64;
    let deadline = Instant::now() + Duration::from_secs(600);
    while count.load(Ordering::Relaxed) < opts.subscriptions {
        if Instant::now() > deadline {
            return Err(format!(
                "only {} of {} pushes after 600 s",
                count.load(Ordering::Relaxed),
                opts.subscriptions
            ));
        }
        during.extend(sync_round(&ws_url, &origin, &tablets, &mut round).await?);
        peak = peak.max(proc.status_kib("VmHWM:") / 1024.0);
    }
    let fan_out_s = t0.elapsed().as_secs_f64();
    let cpu = proc.cpu_s() - cpu_before;
    peak = peak.max(proc.status_kib("VmHWM:") / 1024.0);
    let mut proc = proc;
    let _ = proc.child.kill().await;

    let pct = |v: &mut Vec<f64>, p: f64| {
        v.sort_by(f64::total_cmp);
        v.get(((v.len() as f64 - 1.0) * p).round() as usize)
            .copied()
            .unwrap_or(0.0)
    };
    let (b50, b99) = (pct(&mut before, 0.5), pct(&mut before, 0.99));
    let (d50, d99) = (pct(&mut during, 0.5), pct(&mut during, 0.99));
    println!("  send answered (recipients fixed, pushes queued) {queued_ms:>9.0} ms");
    println!(
        "  all {} pushes at the push service             {fan_out_s:>9.2} s  ({:.0} pushes/s)",
        opts.subscriptions,
        opts.subscriptions as f64 / fan_out_s
    );
    println!(
        "  server CPU during the fan-out                    {cpu:>9.2} s  ({:.2} ms per push)",
        cpu * 1000.0 / opts.subscriptions as f64
    );
    println!(
        "  server RSS before / peak                         {rss_before:>9.1} / {peak:.1} MiB"
    );
    println!(
        "  tablet sync round trip p50 before / during       {b50:>9.1} / {d50:.1} ms  ({:.2}×)",
        d50 / b50.max(1e-9)
    );
    println!(
        "  tablet sync round trip p99 before / during       {b99:>9.1} / {d99:.1} ms  ({:.2}×)",
        d99 / b99.max(1e-9)
    );
    println!(
        "  sync round trips measured before / during        {:>9} / {}",
        before.len(),
        during.len()
    );
    Ok(())
}

/// Every tablet records one more visit and syncs it (acknowledged = stored); the round-trip times.
async fn sync_round(
    ws_url: &str,
    origin: &str,
    tablets: &[Tablet],
    round: &mut usize,
) -> Result<Vec<f64>, String> {
    *round += 1;
    let mut out = Vec::new();
    for t in tablets {
        let docs = t
            .docs
            .iter()
            .map(|d| {
                Ok((
                    d.id.clone(),
                    storm::with_visits(&d.base, &d.author, 1, *round)?,
                    automerge::sync::State::new(),
                ))
            })
            .collect::<Result<Vec<_>, String>>()?;
        out.push(
            storm::sync_tablet(
                ws_url.to_string(),
                Some(origin.to_string()),
                t.cookie.clone(),
                docs,
            )
            .await?,
        );
    }
    Ok(out)
}

/// The stand-in push service, on this thread's actix system: counts what it receives, answers 201.
/// Its origin and its count.
pub(crate) fn stand_in_push_service() -> Result<(String, Arc<AtomicUsize>), String> {
    let count = Arc::new(AtomicUsize::new(0));
    let c = count.clone();
    let receiver = HttpServer::new(move || {
        let c = c.clone();
        App::new().default_service(web::to(move |_body: web::Bytes| {
            c.fetch_add(1, Ordering::Relaxed);
            async { HttpResponse::Created().finish() }
        }))
    })
    .workers(1)
    .bind(("127.0.0.1", 0))
    .map_err(|e| e.to_string())?;
    let origin = format!("http://{}", receiver.addrs()[0]);
    actix_web::rt::spawn(receiver.run());
    Ok((origin, count))
}

pub(crate) async fn post(
    http: &awc::Client,
    origin: &str,
    cookie: &str,
    path: &str,
    body: serde_json::Value,
) -> Result<serde_json::Value, String> {
    let mut r = http
        .post(format!("{origin}{path}"))
        .insert_header(("Origin", origin))
        .insert_header(("Cookie", cookie))
        .send_json(&body)
        .await
        .map_err(|e| e.to_string())?;
    let v: serde_json::Value = r.json().limit(1 << 20).await.map_err(|e| e.to_string())?;
    if !r.status().is_success() {
        return Err(format!("{path}: {} {v}", r.status()));
    }
    Ok(v)
}

/// A city staff member with a day-long session: the `Cookie` header value.
pub(crate) fn seed_staff(db: &Db) -> Result<String, String> {
    let id = seed_user(db, "bench-staff", "福祉保険課", Role::CityStaff, None)?;
    storm::session_cookie(db, &id)
}

/// A user who never logs in with a password; their id.
pub(crate) fn seed_user(
    db: &Db,
    login: &str,
    name: &str,
    role: Role,
    district_id: Option<String>,
) -> Result<String, String> {
    let new = mimamori::admin::NewUser {
        login: Login::parse(login).map_err(|e| e.to_string())?,
        display_name: Name::parse(name).map_err(|e| e.to_string())?,
        role,
        district_id,
        password_hash: "not-used".into(),
    };
    db.write_blocking(move |conn| {
        mimamori::admin::create_user(conn, &mimamori::admin::Actor::cli(), new)
    })
    .map(|u| u.id)
    .map_err(|e| e.to_string())
}

/// `n` subscriptions spread over the commissioners and leads (several tablets and browsers each;
/// `None`: one each), all with the same (valid) keys: encryption costs the same for any key. How
/// many were made.
pub(crate) fn seed_subscriptions(
    db: &Db,
    push_origin: &str,
    n: Option<usize>,
) -> Result<usize, String> {
    let (pair, auth) = ece::generate_keypair_and_auth_secret().map_err(|e| e.to_string())?;
    let public = pair.pub_as_raw().map_err(|e| e.to_string())?;
    db.write_blocking(|conn| {
        let everyone = Notice::draft(String::new(), String::new(), 0);
        let users = notices::audience_users(conn, &everyone)?;
        let n = n.unwrap_or(users.len());
        for i in 0..n {
            notices::upsert_subscription(
                conn,
                &Subscription {
                    id: db::new_id(),
                    user_id: users[i % users.len()].clone(),
                    device_id: None,
                    endpoint: format!("{push_origin}/push/{i}"),
                    p256dh: B64.encode(&public),
                    auth: B64.encode(auth),
                    created_at: db::now_ms(),
                    failing_since: None,
                },
            )?;
        }
        Ok(n)
    })
    .map_err(|e| e.to_string())
}
