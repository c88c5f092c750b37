//! `hold`: what one attacker holding connections costs everyone else (issue 18 item 2). A victim
//! (another commissioner) times `GET /api/me` and `GET /api/documents` one after another, first on a
//! quiet server, then while one address holds `--slow` request bodies that never finish (a 60 KB
//! body declared, one byte every 2 s) and one session asks for `--sockets` `/sync` sockets. Prints
//! the victim's p50 / p99 / max both ways and their ratio, how many of the attacker's sockets were
//! admitted, and how many slow connections the server had cut when the run ended. Asserts nothing.

use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::storm::{self, BenchPeer, percentile as pct};
use mimamori::db::{DatabaseUrl, Db};

/// What to run.
#[derive(Debug, Clone, clap::Args)]
pub struct Options {
    /// Request bodies held open at once from one address.
    #[arg(long, default_value_t = 2000)]
    pub slow: usize,
    /// `/sync` sockets one session asks for.
    #[arg(long, default_value_t = 300)]
    pub sockets: usize,
    /// Requests the victim times in each phase.
    #[arg(long, default_value_t = 400)]
    pub requests: usize,
}

pub fn run(opts: Options) -> Result<(), String> {
    actix_web::rt::System::new().block_on(run_async(opts))
}

/// The victim's latencies (ms), sorted.
async fn victim(origin: &str, cookie: &str, n: usize) -> Result<Vec<f64>, String> {
    let client = awc::Client::builder()
        .timeout(Duration::from_secs(30))
        .finish();
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        let path = if i % 2 == 0 {
            "/api/me"
        } else {
            "/api/documents"
        };
        let t = Instant::now();
        let mut res = client
            .get(format!("{origin}{path}"))
            .insert_header(("Cookie", cookie))
            .send()
            .await
            .map_err(|e| format!("victim {path}: {e}"))?;
        let _ = res.body().await;
        if !res.status().is_success() {
            return Err(format!("victim {path}: {}", res.status()));
        }
        out.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    out.sort_by(f64::total_cmp);
    Ok(out)
}

async fn run_async(opts: Options) -> Result<(), String> {
    let work = tempfile::tempdir().map_err(|e| e.to_string())?;
    let url = DatabaseUrl::Sqlite(work.path().join("hold.sqlite3"));
    let db = Db::open(&url, 2).map_err(|e| e.to_string())?;
    let tablets = storm::seed_one_each(&db, 2)?;
    let (attacker, victim_cookie) = (tablets[0].cookie.clone(), tablets[1].cookie.clone());
    let (proc, origin) = storm::serve_child(&url, &[]).await?;
    let addr = origin.trim_start_matches("http://").to_string();
    println!(
        "hold: the victim times {} requests quiet, then while one address holds {} slow bodies and one session asks for {} sync sockets (SQLite, server pid {})",
        opts.requests, opts.slow, opts.sockets, proc.pid
    );
    let _ = victim(&origin, &victim_cookie, 20).await?; // warm
    let quiet = victim(&origin, &victim_cookie, opts.requests).await?;

    // The slow bodies: each declares 60 KB and sends a byte every 2 s.
    let mut held = Vec::new();
    for _ in 0..opts.slow {
        let addr = addr.clone();
        let origin = origin.clone();
        held.push(actix_web::rt::spawn(async move {
            let Ok(mut s) = tokio::net::TcpStream::connect(&addr).await else {
                return false;
            };
            let head = format!(
                "POST /api/session HTTP/1.1\r\nHost: {addr}\r\nOrigin: {origin}\r\nContent-Type: application/json\r\nContent-Length: 60000\r\n\r\n{{"
            );
            if s.write_all(head.as_bytes()).await.is_err() {
                return false;
            }
            let mut buf = [0u8; 1024];
            loop {
                tokio::select! {
                    // The server's answer, then its close: the connection was cut.
                    read = s.read(&mut buf) => {
                        if matches!(read, Ok(0) | Err(_)) {
                            return true;
                        }
                    }
                    _ = tokio::time::sleep(Duration::from_secs(2)) => {
                        if s.write_all(b" ").await.is_err() {
                            return true;
                        }
                    }
                }
            }
        }));
    }
    // The sockets: one session, one address.
    let ws_url = format!("{}/sync", origin.replace("http://", "ws://"));
    let mut sockets = Vec::new();
    let mut refused = 0;
    for _ in 0..opts.sockets {
        match BenchPeer::connect(&ws_url, Some(&origin), &attacker).await {
            Ok(p) => sockets.push(p),
            Err(_) => refused += 1,
        }
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let t = Instant::now();
    let loaded = victim(&origin, &victim_cookie, opts.requests).await?;
    let during = t.elapsed();
    let rss = proc.status_kib("VmRSS") / 1024.0;
    let cut = held.iter().filter(|h| h.is_finished()).count();
    for (name, v) in [("quiet", &quiet), ("under attack", &loaded)] {
        println!(
            "  victim {name:>12}: p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
            pct(v, 0.5),
            pct(v, 0.99),
            v[v.len() - 1]
        );
    }
    println!(
        "  p99 under attack / quiet: {:.2}×; attacker's sockets admitted {} of {} ({} refused); slow bodies already cut after {:.1} s: {} of {}; server RSS {:.0} MiB",
        pct(&loaded, 0.99) / pct(&quiet, 0.99),
        sockets.len(),
        opts.sockets,
        refused,
        during.as_secs_f64(),
        cut,
        opts.slow,
        rss
    );
    // The body deadline (15 s): every slow body is cut by then.
    tokio::time::sleep(Duration::from_secs(17)).await;
    let cut = held.iter().filter(|h| h.is_finished()).count();
    println!("  slow bodies cut 17 s later: {cut} of {}", opts.slow);
    drop(sockets);
    Ok(())
}
