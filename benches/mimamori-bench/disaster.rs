//! `disaster`: a city-wide declaration and the 安否 storm that follows it (issue 23;
//! docs/design/disaster-and-schema-v2.md §3.10), with today's reconnect storm at the same size as
//! the baseline, in the same run. Prints figures; asserts nothing, except that every 安否 record sent
//! was counted (a benchmark that loses records measures nothing).
//!
//! 1. **Baseline:** `tablets` tablets × `docs` resident documents × 1 offline visit reconnect at once
//!    (the `storm` workload's `storm_ours`), on a copy of the seeded database.
//! 2. **Declaration:** on a fresh copy, city staff `POST /api/staff/disasters` (a city-wide
//!    blizzard) with one push subscription per commissioner and lead, at the counting stand-in push
//!    service of the `push` workload: until answered, until every push arrived, server CPU per push.
//! 3. **安否 storm:** the same tablets each send one 安否 record for each of their residents at once
//!    (`with_safety`; ~5 % 支援が必要), through the sync protocol, to the same server; then
//!    `safety_records` must hold every one.

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use automerge::transaction::Transactable;
use automerge::{Automerge, ObjType, ROOT, ReadDoc};
use diesel::prelude::*;

use crate::push;
use crate::storm::{self, Figures, Tablet};
use mimamori::db::schema::{safety_records, users};
use mimamori::db::{self, DatabaseUrl, Db};
use mimamori::domain::{Date, Role};

#[derive(clap::Args)]
pub struct Options {
    #[arg(long, default_value_t = 200, value_parser = crate::review::at_least_one)]
    pub tablets: usize,
    /// Residents (documents) per tablet: one 安否 record each.
    #[arg(long, default_value_t = 20, value_parser = crate::review::at_least_one)]
    pub docs: usize,
    /// The database, e.g. postgres://… naming an empty database (default: a fresh SQLite file in a
    /// temp dir). Each phase runs on a copy of the seeded state.
    #[arg(long)]
    pub database_url: Option<String>,
}

pub fn run(opts: Options) -> Result<(), String> {
    actix_web::rt::System::new().block_on(run_async(opts))
}

async fn run_async(opts: Options) -> Result<(), String> {
    let work = tempfile::tempdir().map_err(|e| e.to_string())?;
    let url = storm::database_url(
        opts.database_url.as_deref(),
        work.path(),
        "bench-disaster.sqlite3",
    )?;
    let storm_opts = storm::Options {
        tablets: opts.tablets,
        docs: opts.docs,
        visits: 1,
        rounds: 1,
        idle_connections: 0,
        stored: 0,
        reference: false,
        database_url: None,
        shape: storm::Shape::Bench,
        login: false,
        http: true,
        history: 0,
        fresh: false,
        processes: 1,
    };
    let records = opts.tablets * opts.docs;
    println!(
        "disaster: {} tablets × {} residents, a city-wide blizzard declared, then one 安否 record per resident ({})",
        opts.tablets,
        opts.docs,
        match &url {
            DatabaseUrl::Sqlite(_) => "SQLite",
            DatabaseUrl::Postgres(_) => "PostgreSQL",
        }
    );
    let t = Instant::now();
    let (push_origin, pushed) = push::stand_in_push_service()?;
    let db = Db::open(&url, 4).map_err(|e| e.to_string())?;
    let mut tablets = storm::seed(&db, &storm_opts)?;
    seed_lead(&db, &tablets)?;
    let staff_cookie = push::seed_staff(&db)?;
    let subscriptions = push::seed_subscriptions(&db, &push_origin, None)?;
    drop(db);
    println!(
        "  seeded {records} documents, {subscriptions} push subscriptions (one per commissioner and lead) in {:.1} s",
        t.elapsed().as_secs_f64()
    );

    // 1. Baseline: today's reconnect storm, one offline visit per document.
    for d in tablets.iter_mut().flat_map(|t| &mut t.docs) {
        d.doc = storm::with_visits(&d.base, &d.author, 1, 0)?;
    }
    let copy = storm::seeded_copy(&url, work.path(), "disaster_baseline")?;
    let base = storm::storm_ours(&copy, &tablets, &storm_opts, None).await;
    storm::drop_copy(&copy)?;
    let base = base?;
    println!("  1. baseline: reconnect storm, {records} documents × 1 offline visit");
    print_storm(&base, "document");

    // 2. The declaration, on a fresh copy of the seeded state.
    let copy = storm::seeded_copy(&url, work.path(), "disaster")?;
    let result = declare_and_report(
        &copy,
        &push_origin,
        &pushed,
        subscriptions,
        &staff_cookie,
        &mut tablets,
        &storm_opts,
    )
    .await;
    let counted = result.and_then(|(ours, disaster_id)| {
        println!(
            "  CPU per 安否 record / per document of the baseline        {:>9.2}×",
            ours.cpu_per_doc_ms / base.cpu_per_doc_ms.max(1e-9)
        );
        count_records(&copy, &disaster_id)
    });
    storm::drop_copy(&copy)?;
    let (rows, resolved) = counted?;
    println!(
        "  safety_records: {rows} rows ({resolved} counted for the declared disaster), {records} sent"
    );
    if rows != records as i64 || resolved != records as i64 {
        return Err(format!(
            "{records} 安否 records sent, {rows} stored, {resolved} counted for the disaster"
        ));
    }
    Ok(())
}

/// Phases 2 and 3 on one server: the declaration's figures, then the 安否 storm's; the storm's
/// figures and the disaster's id.
async fn declare_and_report(
    url: &DatabaseUrl,
    push_origin: &str,
    pushed: &std::sync::atomic::AtomicUsize,
    subscriptions: usize,
    staff_cookie: &str,
    tablets: &mut [Tablet],
    storm_opts: &storm::Options,
) -> Result<(Figures, String), String> {
    let (proc, origin) = storm::serve_for_tablets(
        url,
        tablets.len(),
        0,
        &[("MIMAMORI_PUSH_SERVICES", push_origin)],
    )
    .await?;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let before = pushed.load(Ordering::Relaxed);
    let cpu0 = proc.cpu_s();
    let t0 = Instant::now();
    let declared = push::post(
        &awc::Client::default(),
        &origin,
        staff_cookie,
        "/api/staff/disasters",
        serde_json::json!({"kind": "blizzard", "city_wide": true}),
    )
    .await?;
    let answered_ms = t0.elapsed().as_secs_f64() * 1000.0;
    let disaster_id = declared["id"].as_str().ok_or("no disaster id")?.to_string();
    let deadline = t0 + Duration::from_secs(600);
    while pushed.load(Ordering::Relaxed) < before + subscriptions {
        if Instant::now() > deadline {
            return Err(format!(
                "only {} of {subscriptions} pushes after 600 s",
                pushed.load(Ordering::Relaxed) - before
            ));
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let fan_out_s = t0.elapsed().as_secs_f64();
    let cpu = proc.cpu_s() - cpu0;
    println!("  2. declaration: city-wide blizzard, {subscriptions} subscriptions");
    println!("     POST /api/staff/disasters answered                  {answered_ms:>9.0} ms");
    println!(
        "     every push at the push service                      {fan_out_s:>9.2} s  ({:.0} pushes/s)",
        subscriptions as f64 / fan_out_s
    );
    println!(
        "     server CPU, declaration to the last push            {cpu:>9.3} s  ({:.2} ms per push)",
        cpu * 1000.0 / subscriptions as f64
    );
    println!(
        "     server peak RSS so far                              {:>9.1} MiB",
        proc.status_kib("VmHWM:") / 1024.0
    );

    // 3. The 安否 storm: each tablet's records for its residents, at once.
    let mut n = 0usize;
    for t in tablets.iter_mut() {
        for d in &mut t.docs {
            d.doc = with_safety(&d.base, &d.author, &disaster_id, n.is_multiple_of(20))?;
            n += 1;
        }
    }
    let ws_url = format!("{}/sync", origin.replace("http://", "ws://"));
    let f = storm::storm(&proc, &ws_url, Some(&origin), tablets, storm_opts).await;
    let mut proc = proc;
    let _ = proc.child.kill().await;
    let f = f?;
    let lead_pushes = pushed.load(Ordering::Relaxed) - before - subscriptions;
    println!("  3. 安否 storm: {n} records (one per resident, ~5 % 支援が必要)");
    print_storm(&f, "record");
    println!("     pushes to the lead meanwhile (支援が必要, coalesced)  {lead_pushes:>9}");
    Ok((f, disaster_id))
}

fn print_storm(f: &Figures, per: &str) {
    println!(
        "     wall time until all acknowledged                    {:>9.2} s",
        f.wall_s
    );
    println!(
        "     server CPU per {per:<8}                             {:>9.3} ms",
        f.cpu_per_doc_ms
    );
    println!(
        "     tablet sync p50 / p99                               {:>9.0} / {:.0} ms",
        f.p50_ms, f.p99_ms
    );
    println!(
        "     server peak RSS                                     {:>9.1} MiB",
        f.peak_rss_mib
    );
    if f.failed_tablets > 0 {
        println!(
            "     FAILED TABLETS: {} (first: {})",
            f.failed_tablets,
            f.first_failure.as_deref().unwrap_or("?")
        );
    }
}

/// The base document plus one 安否 record written as the app writes it (as `storm::with_visits`
/// writes visits): in one change, `schema` bumped to 2 if below, `safety` made if absent, the
/// record put whole under a new UUID.
fn with_safety(
    base: &[u8],
    author: &str,
    disaster_id: &str,
    needs_help: bool,
) -> Result<Automerge, String> {
    let mut doc = Automerge::load(base).map_err(|e| e.to_string())?;
    let mut tx = doc.transaction();
    mimamori::sync::schema::upgrade(&mut tx).map_err(|e| e.to_string())?;
    let safety = match tx.get(ROOT, "safety").map_err(|e| e.to_string())? {
        Some((automerge::Value::Object(ObjType::Map), id)) => id,
        _ => tx
            .put_object(ROOT, "safety", ObjType::Map)
            .map_err(|e| e.to_string())?,
    };
    let id = uuid::Uuid::new_v4().to_string();
    let at = now_jst();
    let r = tx
        .put_object(&safety, &id, ObjType::Map)
        .map_err(|e| e.to_string())?;
    for (k, v) in [
        ("id", id.as_str()),
        ("disasterId", disaster_id),
        ("disasterKind", "blizzard"),
        ("status", if needs_help { "needs_help" } else { "safe" }),
        ("memo", ""),
        ("at", at.as_str()),
        ("authorId", author),
    ] {
        tx.put(&r, k, v).map_err(|e| e.to_string())?;
    }
    tx.commit();
    Ok(doc)
}

/// Now, as `2026-12-07T18:05:09+09:00`.
fn now_jst() -> String {
    let now = db::now_ms();
    let secs = (now + 9 * 3_600_000).rem_euclid(86_400_000) / 1000;
    format!(
        "{}T{:02}:{:02}:{:02}+09:00",
        Date::today_jst(now),
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    )
}

/// A district lead for the tablets' district (a declaration reaches leads too; a 支援が必要 pushes
/// them).
fn seed_lead(db: &Db, tablets: &[Tablet]) -> Result<(), String> {
    let author = tablets
        .first()
        .and_then(|t| t.docs.first())
        .map(|d| d.author.clone())
        .ok_or("no tablets")?;
    let district: Option<String> = db
        .read_blocking(move |conn| {
            Ok(users::table
                .find(&author)
                .select(users::district_id)
                .first(conn)?)
        })
        .map_err(|e| e.to_string())?;
    push::seed_user(
        db,
        "bench-lead",
        "ベンチ 会長",
        Role::DistrictLead,
        district,
    )?;
    Ok(())
}

/// `safety_records`' rows in the database at `url`, and those counted for `disaster_id`.
fn count_records(url: &DatabaseUrl, disaster_id: &str) -> Result<(i64, i64), String> {
    let db = Db::open(url, 1).map_err(|e| e.to_string())?;
    let disaster_id = disaster_id.to_string();
    db.read_blocking(move |conn| {
        let rows: i64 = safety_records::table.count().get_result(conn)?;
        let resolved: i64 = safety_records::table
            .filter(safety_records::disaster_id.eq(&disaster_id))
            .count()
            .get_result(conn)?;
        Ok((rows, resolved))
    })
    .map_err(|e| e.to_string())
}
