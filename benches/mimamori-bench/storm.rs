//! `storm`: the reconnect storm, measured on our server and on the reference
//! automerge-repo Node sync server with the same client workload, alternating, plus the raw cost of
//! the same merges in-process. Prints figures; asserts nothing.
//!
//! Workload: `tablets` tablets, each holding `docs` resident documents that the server already has,
//! each carrying `visits` offline visits (contacts of immutable strings), reconnect at once. A
//! document counts as done when the server's heads (from its sync message) equal the tablet's.
//!
//! Two shapes (`--shape`): `bench`, the tablets as this benchmark first drove them (a new storage
//! id at every connection, so the server starts each document from an empty sync state; only the
//! WebSocket), and `pwa`, the tablets as the app runs them after a night offline: one storage id
//! per tablet kept across connections (the server loads the sync states it saved for it, as the
//! reference server does), the activity log synced beside the residents, and the HTTP requests the
//! app makes when the socket comes back (`/api/me`, then the activity log, the document list, the
//! residents, the notices and the push key; with `--login`, a password login instead of `/api/me`,
//! as after an expired session). The reference server has no HTTP API: in the `pwa` shape it serves
//! the WebSocket part only, so its figure compares with ours `--no-http`.
//! Server CPU comes from the server process's CPU clock (`clock_getcpuclockid`); memory from
//! `/proc/<pid>/status`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use actix_web::web::Bytes;
use automerge::sync::{self, SyncDoc};
use automerge::transaction::Transactable;
use automerge::{Automerge, ChangeHash, ObjType, ROOT, ReadDoc};
use awc::ws;
use ciborium::Value as Cbor;
use futures_util::{SinkExt, StreamExt};
use tokio::io::AsyncBufReadExt;

use crate::pg_url::pg_with_database;
use mimamori::admin::{self, Actor, NewResident, NewUser};
use mimamori::db::{self, DatabaseUrl, Db, accounts, activities, documents};
use mimamori::domain::{Address, Date, DistrictCode, Kana, Login, Name, Password, Role};

/// What to run.
#[derive(Debug, Clone, clap::Args)]
pub struct Options {
    #[arg(long, default_value_t = 200)]
    pub tablets: usize,
    #[arg(long, default_value_t = 20)]
    pub docs: usize,
    #[arg(long, default_value_t = 3)]
    pub visits: usize,
    #[arg(long, default_value_t = 2)]
    pub rounds: usize,
    #[arg(long, default_value_t = 200)]
    pub idle_connections: usize,
    /// Extra residents stored (not synced by any tablet), to show cost does not grow with the
    /// database.
    #[arg(long, default_value_t = 0)]
    pub stored: usize,
    /// Also run the reference Node server (needs `tests/interop/node_modules`); `--no-reference`
    /// skips it.
    #[arg(long = "no-reference", action = clap::ArgAction::SetFalse)]
    pub reference: bool,
    /// Our server's database, e.g. postgres://… (default: a fresh SQLite file in a temp dir).
    #[arg(long)]
    pub database_url: Option<String>,
    /// How the tablets reconnect (see the module doc).
    #[arg(long, value_enum, default_value_t = Shape::Bench)]
    pub shape: Shape,
    /// `pwa` shape: every tablet logs in with its password (its session had ended) instead of
    /// checking its session with `/api/me`.
    #[arg(long)]
    pub login: bool,
    /// `pwa` shape: `--no-http` leaves out the app's HTTP requests (the WebSocket part alone, what
    /// the reference server is measured on).
    #[arg(long = "no-http", action = clap::ArgAction::SetFalse)]
    pub http: bool,
    /// Contacts each resident already has, on the server and on the tablet (260: five years of
    /// weekly visits with a short note), to compare a long history's reconnect with a fresh one's.
    #[arg(long, default_value_t = 0)]
    pub history: usize,
    /// A new tablet's first full sync: the tablets start empty (no documents, no sync state, no
    /// offline visits) and a document counts once the tablet holds all the server holds.
    #[arg(long)]
    pub fresh: bool,
    /// Server processes on one PostgreSQL database (needs `--database-url postgres://…`): tablets
    /// are dealt to them in turn, as a round-robin balancer would, and a district lead's browser
    /// on the first one watches a document of each tablet on the others (the latency from a
    /// change acknowledged on one process to the lead's screen on another).
    #[arg(long, default_value_t = 1)]
    pub processes: usize,
}

/// How the tablets of a storm reconnect.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Shape {
    /// A fresh storage id per connection, 20 documents, the WebSocket only.
    Bench,
    /// As the app: stored sync states, the activity log too, and the app's HTTP requests.
    Pwa,
}

/// One server's figures for one storm.
#[derive(Debug, Clone, Default)]
pub(crate) struct Figures {
    /// Server CPU in the storm's window over the documents synced (one change each in the
    /// `disaster` workload's 安否 storm: CPU per record).
    pub(crate) cpu_per_doc_ms: f64,
    pub(crate) wall_s: f64,
    pub(crate) p50_ms: f64,
    pub(crate) p99_ms: f64,
    pub(crate) peak_rss_mib: f64,
    idle_conn_kib: f64,
    rss_after_storm_mib: f64,
    rss_before_storm_mib: f64,
    pub(crate) failed_tablets: usize,
    /// The first failure's reason, if any.
    pub(crate) first_failure: Option<String>,
    /// Server CPU by thread name, for finding where the time goes.
    cpu_by_thread: String,
    /// `--processes`: from a change acknowledged to a tablet on one process to the lead on another
    /// holding it (p50, p99 in ms, and how many were watched / seen).
    cross_process: Option<(f64, f64, usize, usize)>,
}

/// The database a workload was given, or a new SQLite file `file` in `work`.
pub(crate) fn database_url(
    given: Option<&str>,
    work: &Path,
    file: &str,
) -> Result<DatabaseUrl, String> {
    match given {
        Some(u) => DatabaseUrl::parse(u),
        None => Ok(DatabaseUrl::Sqlite(work.join(file))),
    }
}

/// A copy of the database at `url` named `name` (replacing an old one); its URL.
fn pg_copy(url: &str, name: &str) -> Result<String, String> {
    use diesel::Connection;
    use diesel::connection::SimpleConnection;
    let (copy_url, seeded) = pg_with_database(url, name)?;
    let (admin_url, _) = pg_with_database(url, "template1")?;
    let mut admin = diesel::PgConnection::establish(&admin_url).map_err(|e| e.to_string())?;
    admin
        .batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .map_err(|e| e.to_string())?;
    // The seeding pool's connections may take a moment to close.
    let mut tries = 0;
    loop {
        match admin.batch_execute(&format!("CREATE DATABASE {name} TEMPLATE \"{seeded}\"")) {
            Ok(()) => return Ok(copy_url),
            Err(_) if tries < 50 => {
                tries += 1;
                std::thread::sleep(Duration::from_millis(100));
            }
            Err(e) => return Err(format!("copy the seeded database: {e}")),
        }
    }
}

/// A copy of the seeded database at `url` named `name` (a SQLite file in `work`, or a PostgreSQL
/// database `mimamori_bench_<name>`), for a run that must start from the seeded state.
pub(crate) fn seeded_copy(
    url: &DatabaseUrl,
    work: &Path,
    name: &str,
) -> Result<DatabaseUrl, String> {
    Ok(match url {
        DatabaseUrl::Sqlite(template) => {
            let copy = work.join(format!("{name}.sqlite3"));
            std::fs::copy(template, &copy).map_err(|e| e.to_string())?;
            DatabaseUrl::Sqlite(copy)
        }
        DatabaseUrl::Postgres(seeded) => {
            DatabaseUrl::Postgres(pg_copy(seeded, &format!("mimamori_bench_{name}"))?)
        }
    })
}

/// Drops a [`seeded_copy`] on PostgreSQL (a SQLite copy goes with the temporary directory).
pub(crate) fn drop_copy(url: &DatabaseUrl) -> Result<(), String> {
    match url {
        DatabaseUrl::Postgres(copy) => pg_drop(copy),
        DatabaseUrl::Sqlite(_) => Ok(()),
    }
}

fn pg_drop(url: &str) -> Result<(), String> {
    use diesel::Connection;
    use diesel::connection::SimpleConnection;
    let (admin_url, name) = pg_with_database(url, "template1")?;
    let mut admin = diesel::PgConnection::establish(&admin_url).map_err(|e| e.to_string())?;
    admin
        .batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .map_err(|e| e.to_string())
}

/// A tablet: its login cookies and its documents (base + offline visits).
pub(crate) struct Tablet {
    pub(crate) cookie: String,
    pub(crate) docs: Vec<TabletDoc>,
    /// Its login name (the password is [`PASSWORD`]) and the device cookie alone, for `--login`.
    login: String,
    device_cookie: String,
    /// The storage id its app keeps across connections (`pwa` shape).
    storage_id: String,
    /// Its activity log, unchanged offline (`pwa` shape only).
    log: Option<TabletDoc>,
}

/// Every bench user's password.
const PASSWORD: &str = "bench-password";

pub(crate) struct TabletDoc {
    pub(crate) id: String,
    /// The tablet's commissioner: the author of its visits (the server counts a contact only as
    /// its author's).
    pub(crate) author: String,
    pub(crate) base: Vec<u8>,
    base_heads: Vec<ChangeHash>,
    /// What the tablet syncs in a storm: the base plus its offline writes.
    pub(crate) doc: Automerge,
}

pub fn run(opts: Options) -> Result<(), String> {
    actix_web::rt::System::new().block_on(run_async(opts))
}

async fn run_async(opts: Options) -> Result<(), String> {
    let work = tempfile::tempdir().map_err(|e| e.to_string())?;
    let url = database_url(opts.database_url.as_deref(), work.path(), "bench.sqlite3")?;
    println!(
        "reconnect storm: {} tablets × {} documents ({} contacts of history) × {} offline visits{}, {} round(s), {} more residents stored, {} server process(es), shape {:?}{}",
        opts.tablets,
        opts.docs,
        opts.history,
        opts.visits,
        if opts.fresh {
            " (fresh tablets: a first full sync instead)"
        } else {
            ""
        },
        opts.rounds,
        opts.stored,
        opts.processes,
        opts.shape,
        match (opts.shape, opts.login, opts.http) {
            (Shape::Bench, _, _) => "",
            (Shape::Pwa, _, false) => " (no HTTP requests)",
            (Shape::Pwa, true, true) => " (each tablet logs in)",
            (Shape::Pwa, false, true) => " (each tablet checks its session)",
        }
    );
    let t = Instant::now();
    let db = Db::open(&url, 4).map_err(|e| e.to_string())?;
    let mut tablets = seed(&db, &opts)?;
    println!(
        "  seeded {} documents in {:.1} s ({url})",
        opts.tablets * opts.docs,
        t.elapsed().as_secs_f64()
    );
    let lead = if opts.processes > 1 {
        if !matches!(url, DatabaseUrl::Postgres(_)) {
            return Err(
                "--processes needs --database-url postgres://… (one database for all)".into(),
            );
        }
        Some(seed_lead(&db)?)
    } else {
        None
    };
    drop(db);
    let raw = raw_merge_ms(&tablets);
    let raw_load = raw_load_ms(&tablets);
    let mut ours = Vec::new();
    let mut reference = Vec::new();
    for round in 0..opts.rounds {
        // Every round starts from the same state: server has the base, tablets the base + visits.
        for tablet in &mut tablets {
            for d in &mut tablet.docs {
                d.doc = if opts.fresh {
                    Automerge::new()
                } else {
                    with_visits(&d.base, &d.author, opts.visits, round)?
                };
            }
            if let Some(log) = tablet.log.as_mut().filter(|_| opts.fresh) {
                log.doc = Automerge::new();
            }
        }
        // Our server starts every round from the seeded state, as the reference server does: a
        // copy of the SQLite file, or of the PostgreSQL database (without it, a later round's
        // server would hold the earlier rounds' visits too, which these tablets lack: a two-way
        // merge, more work than the storm measured in round 1).
        let round_url = seeded_copy(&url, work.path(), &format!("round_{round}"))?;
        let f = storm_ours(&round_url, &tablets, &opts, lead.as_deref()).await;
        drop_copy(&round_url)?;
        let f = f?;
        print_one("ours", round, &f);
        ours.push(f);
        if opts.reference {
            let f = storm_reference(work.path(), &tablets, &opts, round).await?;
            print_one("reference", round, &f);
            reference.push(f);
        }
    }
    println!();
    println!(
        "  raw automerge merge, in-process (server side, no network, no database): {raw:.3} ms / document"
    );
    println!(
        "  raw automerge load of a stored document, in-process (what a reconnect pays when the document is not in memory): {raw_load:.3} ms / document"
    );
    let docs = (opts.tablets * opts.docs) as f64;
    let avg = |v: &[Figures], f: &dyn Fn(&Figures) -> f64| {
        v.iter().map(f).sum::<f64>() / v.len().max(1) as f64
    };
    let row = |name: &str, unit: &str, f: &dyn Fn(&Figures) -> f64| {
        let (o, r) = (avg(&ours, f), avg(&reference, f));
        let ratio = if opts.reference && o > 0.0 {
            format!("{:.1}×", r / o)
        } else {
            "-".into()
        };
        println!("  {name:<34} {o:>9.2} {unit:<4} {r:>9.2} {unit:<4} {ratio:>9}");
    };
    println!(
        "  {:<34} {:>14} {:>14} {:>9}",
        "averages", "ours", "reference", "ref/ours"
    );
    row("server CPU per document", "ms", &|f| f.cpu_per_doc_ms);
    row("wall time until all acknowledged", "s", &|f| f.wall_s);
    row("p50 tablet sync", "ms", &|f| f.p50_ms);
    row("p99 tablet sync", "ms", &|f| f.p99_ms);
    row("server peak RSS", "MiB", &|f| f.peak_rss_mib);
    row("memory per idle connection", "KiB", &|f| f.idle_conn_kib);
    row("RSS growth per loaded document", "KiB", &|f| {
        (f.rss_after_storm_mib - f.rss_before_storm_mib) * 1024.0 / docs
    });
    println!(
        "  ours spends {:.1}× the in-process merge cost per document",
        avg(&ours, &|f| f.cpu_per_doc_ms) / raw.max(1e-9)
    );
    Ok(())
}

fn print_one(name: &str, round: usize, f: &Figures) {
    if let Some((p50, p99, watched, seen)) = f.cross_process {
        println!(
            "    {name} across processes: a change acknowledged on one reached the lead on another in p50 {p50:.1} ms, p99 {p99:.1} ms ({seen} of {watched} watched documents)"
        );
    }
    print_threads(name, f);
    println!(
        "  round {} {name:<9}: cpu/doc {:.3} ms, wall {:.2} s, p50 {:.0} ms, p99 {:.0} ms, peak RSS {:.1} MiB, idle conn {:.1} KiB{}",
        round + 1,
        f.cpu_per_doc_ms,
        f.wall_s,
        f.p50_ms,
        f.p99_ms,
        f.peak_rss_mib,
        f.idle_conn_kib,
        if f.failed_tablets > 0 {
            format!(
                ", {} tablets failed (first: {})",
                f.failed_tablets,
                f.first_failure.as_deref().unwrap_or("?")
            )
        } else {
            String::new()
        }
    );
}

/// Creates the district, one commissioner + enrolled device + session per tablet, and the residents.
/// `tablets` tablets with one resident document each and no offline visits.
pub(crate) fn seed_one_each(db: &Db, tablets: usize) -> Result<Vec<Tablet>, String> {
    seed(
        db,
        &Options {
            tablets,
            docs: 1,
            visits: 0,
            rounds: 1,
            idle_connections: 0,
            stored: 0,
            reference: false,
            database_url: None,
            shape: Shape::Bench,
            login: false,
            http: true,
            history: 0,
            fresh: false,
            processes: 1,
        },
    )
}

pub(crate) fn seed(db: &Db, opts: &Options) -> Result<Vec<Tablet>, String> {
    let hash =
        mimamori::auth::hash_password(&Password::parse(PASSWORD).map_err(|e| e.to_string())?)
            .map_err(|e| e.to_string())?;
    let e = |e: mimamori::error::AppError| e.to_string();
    let v = |e: mimamori::domain::Invalid| e.to_string();
    let actor = Actor::cli();
    let district = db
        .write_blocking(|conn| {
            admin::create_district(
                conn,
                &actor,
                DistrictCode::parse("bench").unwrap(),
                Name::parse("ベンチ").unwrap(),
            )
        })
        .map_err(e)?;
    let mut tablets = Vec::new();
    for t in 0..opts.tablets {
        let (session, device) = (mimamori::auth::new_token(), mimamori::auth::new_token());
        let docs = db
            .write_blocking(|conn| {
                let user = admin::create_user(
                    conn,
                    &actor,
                    NewUser {
                        login: Login::parse(&format!("bench-{t:05}")).unwrap(),
                        display_name: Name::parse("ベンチ 委員").unwrap(),
                        role: Role::Commissioner,
                        district_id: Some(district.id.clone()),
                        password_hash: hash.clone(),
                    },
                )?;
                let now = db::now_ms();
                let device_id = db::new_id();
                accounts::insert_device(
                    conn,
                    &accounts::Device {
                        id: device_id.clone(),
                        label: format!("bench {t}"),
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
                        id: db::new_id(),
                        token_hash: session.1.clone(),
                        user_id: user.id.clone(),
                        device_id: Some(device_id.clone()),
                        created_at: now,
                        expires_at: now + 24 * 3_600_000,
                        revoked_at: None,
                    },
                )?;
                // The app made its activity log at its first start; the `bench` shape has none
                // (the server would load it with the residents).
                let log = if opts.shape == Shape::Pwa {
                    let log_id = mimamori::sync::DocumentId::random().to_string();
                    activities::claim_log(conn, &user.id, &log_id, now)?;
                    let first = mimamori::sync::schema::new_activity_log(&user.id)
                        .map_err(mimamori::error::AppError::internal)?;
                    documents::insert_chunk(conn, &log_id, "snapshot", &first, now)?;
                    Some((log_id, first))
                } else {
                    None
                };
                let mut docs = Vec::new();
                for d in 0..opts.docs {
                    let r = admin::create_resident(
                        conn,
                        &actor,
                        NewResident {
                            district_id: district.id.clone(),
                            name: Name::parse(&format!("対象者 {t}-{d}")).unwrap(),
                            kana: Kana::parse("たいしょうしゃ").unwrap(),
                            address: Address::parse("旭川市（ベンチ）").unwrap(),
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
                    let chunks = documents::load_chunks(conn, &id)?;
                    let mut base = documents::joined(&chunks);
                    if opts.history > 0 {
                        // Years of visits, compacted as the server keeps an old document.
                        base = with_visits(&base, &user.id, opts.history, 0)
                            .map_err(mimamori::error::AppError::internal)?
                            .save();
                        let ids: Vec<i64> = chunks.iter().map(|c| c.id).collect();
                        documents::replace_with_snapshot(conn, &id, &ids, &base, now)?;
                    }
                    docs.push((id, base));
                }
                Ok((user.id, device_id, docs, log))
            })
            .map_err(e)?;
        let (author, device_id, docs, log) = docs;
        let tablet_doc = |(id, base): (String, Vec<u8>)| {
            let doc = Automerge::load(&base).map_err(|e| e.to_string())?;
            Ok::<_, String>(TabletDoc {
                id,
                author: author.clone(),
                base_heads: doc.get_heads(),
                base,
                doc,
            })
        };
        let docs = docs
            .into_iter()
            .map(tablet_doc)
            .collect::<Result<Vec<_>, String>>()?;
        let log = log.map(tablet_doc).transpose()?;
        let storage_id = uuid::Uuid::new_v4().to_string();
        if opts.shape == Shape::Pwa && !opts.fresh {
            // What the server saved when this tablet last disconnected, having synced everything:
            // each document's shared heads (a sync state's encoding keeps only those), filed under
            // the device as the server files them.
            let states: Vec<(String, Vec<u8>)> = docs
                .iter()
                .chain(&log)
                .map(|d| {
                    let mut st = sync::State::new();
                    st.shared_heads = d.base_heads.clone();
                    (d.id.clone(), st.encode())
                })
                .collect();
            let key = format!("{device_id}/{storage_id}");
            db.write_blocking(|conn| {
                Ok(documents::save_sync_states(
                    conn,
                    &key,
                    &states,
                    db::now_ms(),
                )?)
            })
            .map_err(e)?;
        }
        let device_cookie = format!("{}={}", mimamori::auth::DEVICE_COOKIE, device.0);
        tablets.push(Tablet {
            cookie: format!(
                "{}={}; {device_cookie}",
                mimamori::auth::SESSION_COOKIE,
                session.0,
            ),
            docs,
            login: format!("bench-{t:05}"),
            device_cookie,
            storage_id,
            log,
        });
    }
    let _ = v;
    if opts.stored > 0 {
        seed_stored(db, &district.id, &hash, opts.stored)?;
    }
    Ok(tablets)
}

/// The base document plus `visits` offline visits (a week in the field).
pub(crate) fn with_visits(
    base: &[u8],
    author: &str,
    visits: usize,
    round: usize,
) -> Result<Automerge, String> {
    let mut doc = Automerge::load(base).map_err(|e| e.to_string())?;
    let contacts = match doc.get(ROOT, "contacts").map_err(|e| e.to_string())? {
        Some((_, id)) => id,
        None => return Err("document without contacts".into()),
    };
    for v in 0..visits {
        let mut tx = doc.transaction();
        let id = format!("{}", uuid::Uuid::new_v4());
        let c = tx
            .put_object(&contacts, &id, ObjType::Map)
            .map_err(|e| e.to_string())?;
        for (k, val) in [
            ("id", id.as_str()),
            ("occurredAt", "2026-11-20T10:00:00+09:00"),
            ("authorId", author),
            (
                "kind",
                if v.is_multiple_of(2) {
                    "visit"
                } else {
                    "indirect"
                },
            ),
            ("outcome", "met"),
            ("concern", "none"),
            ("note", "特に変わりなし"),
        ] {
            tx.put(&c, k, val).map_err(|e| e.to_string())?;
        }
        let checks = tx
            .put_object(&c, "checks", ObjType::Map)
            .map_err(|e| e.to_string())?;
        for k in ["lights", "mailbox", "garbage", "snow"] {
            tx.put(
                &checks,
                k,
                if round.is_multiple_of(2) {
                    "ok"
                } else {
                    "concern"
                },
            )
            .map_err(|e| e.to_string())?;
        }
        tx.put(&c, "followUp", false).map_err(|e| e.to_string())?;
        tx.commit();
    }
    Ok(doc)
}

/// What loading one stored document costs the server, in-process (automerge rebuilds every change of
/// the history to know its hashes: this grows with the history).
fn raw_load_ms(tablets: &[Tablet]) -> f64 {
    let t = Instant::now();
    let mut n = 0;
    for d in tablets.iter().flat_map(|t| &t.docs) {
        if Automerge::load(&d.base).is_ok() {
            n += 1;
        }
    }
    t.elapsed().as_secs_f64() * 1000.0 / f64::from(n.max(1))
}

/// The server side of the same merges, in-process: receive and answer until converged.
fn raw_merge_ms(tablets: &[Tablet]) -> f64 {
    let mut spent = Duration::ZERO;
    let mut n = 0;
    for d in tablets.iter().flat_map(|t| &t.docs) {
        let Ok(mut client) = with_visits(&d.base, &d.author, 3, 0) else {
            continue;
        };
        let Ok(mut server) = Automerge::load(&d.base) else {
            continue;
        };
        let mut cs = sync::State::new();
        cs.shared_heads = d.base_heads.clone();
        let mut ss = sync::State::new();
        for _ in 0..10 {
            let Some(m) = client.generate_sync_message(&mut cs) else {
                break;
            };
            let t = Instant::now();
            let _ = server.receive_sync_message(&mut ss, m);
            let reply = server.generate_sync_message(&mut ss);
            spent += t.elapsed();
            match reply {
                Some(r) => {
                    let _ = client.receive_sync_message(&mut cs, r);
                }
                None => break,
            }
        }
        n += 1;
    }
    spent.as_secs_f64() * 1000.0 / n.max(1) as f64
}

/// `clock`'s time in seconds, to the nanosecond; `None` if it cannot be read.
fn clock_s(clock: libc::clockid_t) -> Option<f64> {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a live local that the call only writes.
    let read = unsafe { libc::clock_gettime(clock, &mut ts) } == 0;
    read.then(|| ts.tv_sec as f64 + ts.tv_nsec as f64 / 1e9)
}

/// `CLOCK_MONOTONIC` in seconds (the clock `perf record -k CLOCK_MONOTONIC` stamps samples with).
fn monotonic_s() -> f64 {
    clock_s(libc::CLOCK_MONOTONIC).unwrap_or(0.0)
}

pub(crate) struct Proc {
    pub(crate) child: tokio::process::Child,
    pub(crate) pid: u32,
}

impl Proc {
    /// The process's CPU seconds (all threads, ended ones included), to the nanosecond: the
    /// kernel's per-process CPU clock. `/proc`'s counters tick every 10 ms — ±8 % of a 10-tablet
    /// storm — and are the fallback.
    pub(crate) fn cpu_s(&self) -> f64 {
        let mut clock: libc::clockid_t = 0;
        // SAFETY: `clock` is a live local that the call only writes.
        let found = unsafe { libc::clock_getcpuclockid(self.pid as libc::pid_t, &mut clock) } == 0;
        if let Some(s) = found.then(|| clock_s(clock)).flatten() {
            return s;
        }
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", self.pid)).unwrap_or_default();
        // Fields after the command name: state is field 3; utime 14, stime 15 (1-based).
        let rest = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
        let f: Vec<&str> = rest.split_whitespace().collect();
        let ticks = |i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
        (ticks(11) + ticks(12)) / 100.0
    }

    /// CPU seconds of each live thread, by thread id, with the thread's name: the scheduler's
    /// nanosecond count (`schedstat`), where `stat`'s 10 ms ticks would round a small storm's
    /// threads to nothing.
    fn cpu_by_thread(&self) -> HashMap<u32, (String, f64)> {
        let mut out = HashMap::new();
        let Ok(tasks) = std::fs::read_dir(format!("/proc/{}/task", self.pid)) else {
            return out;
        };
        for t in tasks.flatten() {
            let Some(tid) = t.file_name().to_str().and_then(|s| s.parse::<u32>().ok()) else {
                continue;
            };
            let comm = std::fs::read_to_string(t.path().join("comm")).unwrap_or_default();
            let name = comm.trim_end();
            let name = name
                .split(['|', '-', ':'])
                .next()
                .unwrap_or(name)
                .to_string();
            let ns = std::fs::read_to_string(t.path().join("schedstat"))
                .ok()
                .and_then(|s| s.split_whitespace().next()?.parse::<f64>().ok())
                .unwrap_or(0.0);
            out.insert(tid, (name, ns / 1e9));
        }
        out
    }

    pub(crate) fn status_kib(&self, key: &str) -> f64 {
        std::fs::read_to_string(format!("/proc/{}/status", self.pid))
            .unwrap_or_default()
            .lines()
            .find(|l| l.starts_with(key))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse().ok())
            .unwrap_or(0.0)
    }
}

pub(crate) async fn read_line_with(
    child: &mut tokio::process::Child,
    prefix: &str,
) -> Result<String, String> {
    let stdout = child.stdout.take().ok_or("no stdout")?;
    let mut lines = tokio::io::BufReader::new(stdout).lines();
    let found = loop {
        let line = tokio::time::timeout(Duration::from_secs(60), lines.next_line())
            .await
            .map_err(|_| "server did not start within 60 s".to_string())?
            .map_err(|e| e.to_string())?
            .ok_or("server exited before it was ready")?;
        if let Some(rest) = line.strip_prefix(prefix) {
            break rest.to_string();
        }
    };
    // Keep draining so the child never blocks on a full pipe.
    actix_web::rt::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    Ok(found)
}

/// Starts `mimamori serve` on `url` as a child process (as in production, so that its CPU and
/// memory can be read from `/proc`), with extra environment `env`; its process and origin.
pub(crate) async fn serve_child(
    url: &DatabaseUrl,
    env: &[(&str, &str)],
) -> Result<(Proc, String), String> {
    // `MIMAMORI_BENCH_SERVER` names another build's binary, for alternating two builds in one
    // sitting; by default, this build's.
    let exe = std::env::var_os("MIMAMORI_BENCH_SERVER").map_or_else(
        || PathBuf::from(env!("CARGO_BIN_EXE_mimamori")),
        PathBuf::from,
    );
    let mut child = tokio::process::Command::new(exe)
        .arg("serve")
        .env("DATABASE_URL", url.to_string())
        .env("MIMAMORI_BIND", "127.0.0.1:0")
        .env("RUST_LOG", "error")
        // The bench's own setting, not the server's (it would warn of an unknown MIMAMORI_ name).
        .env_remove("MIMAMORI_BENCH_SERVER")
        .envs(env.iter().copied())
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| e.to_string())?;
    let origin = read_line_with(&mut child, "Mimamori: ").await?;
    let pid = child.id().ok_or("no pid")?;
    Ok((Proc { child, pid }, origin))
}

/// The bench district's lead (for `--processes`), as a session cookie.
fn seed_lead(db: &Db) -> Result<String, String> {
    let hash =
        mimamori::auth::hash_password(&Password::parse(PASSWORD).map_err(|e| e.to_string())?)
            .map_err(|e| e.to_string())?;
    let user = db
        .write_blocking(|conn| {
            let district = mimamori::db::directory::district_by_code(conn, "bench")?
                .ok_or_else(|| mimamori::error::AppError::internal("no bench district"))?;
            admin::create_user(
                conn,
                &Actor::cli(),
                NewUser {
                    login: Login::parse("bench-lead").unwrap(),
                    display_name: Name::parse("ベンチ 会長").unwrap(),
                    role: Role::DistrictLead,
                    district_id: Some(district.id),
                    password_hash: hash.clone(),
                },
            )
        })
        .map_err(|e| e.to_string())?;
    session_cookie(db, &user.id)
}

/// A day-long session for `user_id`, as the `Cookie` header value.
pub(crate) fn session_cookie(db: &Db, user_id: &str) -> Result<String, String> {
    let (token, hash) = mimamori::auth::new_token();
    db.write_blocking(|conn| {
        let now = mimamori::db::now_ms();
        mimamori::db::accounts::insert_session(
            conn,
            &mimamori::db::accounts::Session {
                id: mimamori::db::new_id(),
                token_hash: hash.clone(),
                user_id: user_id.to_string(),
                device_id: None,
                created_at: now,
                expires_at: now + 24 * 3_600_000,
                revoked_at: None,
            },
        )?;
        Ok(())
    })
    .map_err(|e| e.to_string())?;
    Ok(format!("{}={}", mimamori::auth::SESSION_COOKIE, token))
}

/// [`serve_child`] for `tablets` tablets that all connect from 127.0.0.1, with `idle` more sockets
/// of theirs held open beside them, and extra environment `env`. In the field each has its own
/// address (or a carrier's): the per-address cap (64 by default) would refuse all but 64 with 429,
/// and the per-user cap (16) the idle sockets past it.
pub(crate) async fn serve_for_tablets(
    url: &DatabaseUrl,
    tablets: usize,
    idle: usize,
    env: &[(&str, &str)],
) -> Result<(Proc, String), String> {
    let per_address = ((tablets * 2).max(64) + idle).to_string();
    let per_user = (idle.div_ceil(tablets.max(1)) + 4).max(16).to_string();
    let mut env = env.to_vec();
    env.push((
        "MIMAMORI_SYNC_MAX_SOCKETS_PER_ADDRESS",
        per_address.as_str(),
    ));
    env.push(("MIMAMORI_SYNC_MAX_SOCKETS_PER_USER", per_user.as_str()));
    serve_child(url, &env).await
}

pub(crate) async fn storm_ours(
    url: &DatabaseUrl,
    tablets: &[Tablet],
    opts: &Options,
    lead: Option<&str>,
) -> Result<Figures, String> {
    let mut procs = Vec::new();
    for _ in 0..opts.processes.max(1) {
        // Room for the two batches of idle connections beside the tablets.
        procs.push(serve_for_tablets(url, tablets.len(), 2 * opts.idle_connections, &[]).await?);
    }
    let servers: Vec<Server> = procs
        .iter()
        .map(|(proc, origin)| Server {
            proc,
            ws_url: format!("{}/sync", origin.replace("http://", "ws://")),
            origin: Some(origin.clone()),
        })
        .collect();
    let f = storm_on(&servers, tablets, opts, lead).await;
    drop(servers);
    for (mut proc, _) in procs {
        let _ = proc.child.kill().await;
    }
    f
}

thread_local! {
    /// When each document was acknowledged to its tablet (the server's heads equal the tablet's),
    /// for the latency across processes: the tablets of a storm run on this one thread.
    static ACKNOWLEDGED: std::cell::RefCell<HashMap<String, Instant>> =
        std::cell::RefCell::new(HashMap::new());
}

/// A district lead's browser on one process, watching the first document of each tablet that
/// syncs with another process.
struct Watcher {
    peer: BenchPeer,
    /// Document → the lead's copy, its sync state, and the heads the tablet will bring.
    docs: HashMap<String, (Automerge, sync::State, Vec<ChangeHash>)>,
}

impl Watcher {
    /// Opens the lead's socket on `server` and brings its copies up to date (before the storm).
    async fn open(
        server: &Server<'_>,
        cookie: &str,
        tablets: &[Tablet],
        processes: usize,
    ) -> Result<Watcher, String> {
        let mut peer = BenchPeer::connect(&server.ws_url, server.origin.as_deref(), cookie).await?;
        let mut expected = HashMap::new();
        let mut docs = Vec::new();
        for (i, t) in tablets.iter().enumerate() {
            let Some(d) = t.docs.first().filter(|_| i % processes != 0) else {
                continue;
            };
            let mut st = sync::State::new();
            st.shared_heads = d.base_heads.clone();
            let copy = Automerge::load(&d.base).map_err(|e| e.to_string())?;
            docs.push((d.id.clone(), copy, st));
            expected.insert(d.id.clone(), d.doc.get_heads());
        }
        let docs = sync_docs(&mut peer, uuid::Uuid::new_v4().to_string(), docs).await?;
        let docs = docs
            .into_iter()
            .map(|(id, doc, st)| {
                let heads = expected.remove(&id).unwrap_or_default();
                (id, (doc, st, heads))
            })
            .collect();
        Ok(Watcher { peer, docs })
    }

    /// Answers the server until every watched document holds the tablet's changes (or two
    /// minutes pass): how many were watched, and when each was seen.
    async fn watch(mut self) -> (usize, HashMap<String, Instant>) {
        let watched = self.docs.len();
        let mut seen = HashMap::new();
        let deadline = Instant::now() + Duration::from_secs(120);
        while seen.len() < watched {
            let remaining = deadline.saturating_duration_since(Instant::now());
            let Ok((doc_id, data)) = self.peer.next_sync(remaining).await else {
                break;
            };
            let Some((doc, st, expected)) = self.docs.get_mut(&doc_id) else {
                continue;
            };
            let Ok(msg) = sync::Message::decode(&data) else {
                continue;
            };
            if doc.receive_sync_message(st, msg).is_err() {
                continue;
            }
            if let Some(m) = doc.generate_sync_message(st)
                && self.peer.sync(&doc_id, m.encode()).await.is_err()
            {
                break;
            }
            if !seen.contains_key(&doc_id)
                && expected.iter().all(|h| doc.get_change_by_hash(h).is_some())
            {
                seen.insert(doc_id, Instant::now());
            }
        }
        (watched, seen)
    }
}

async fn storm_reference(
    work: &Path,
    tablets: &[Tablet],
    opts: &Options,
    round: usize,
) -> Result<Figures, String> {
    let dir: PathBuf = work.join(format!("reference-{round}"));
    let interop = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/interop");
    let mut child = tokio::process::Command::new("node")
        .arg("reference-server.mjs")
        .arg("0")
        .arg(&dir)
        .current_dir(&interop)
        .env("REF_QUIET", "1")
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| format!("node reference-server.mjs: {e}"))?;
    let listening = read_line_with(&mut child, "{\"listening\":").await?;
    let port: u16 = listening
        .split(|c: char| !c.is_ascii_digit())
        .find(|s| !s.is_empty())
        .and_then(|p| p.parse().ok())
        .ok_or("reference server port")?;
    let pid = child.id().ok_or("no pid")?;
    let proc = Proc { child, pid };
    let ws_url = format!("ws://127.0.0.1:{port}/sync");
    // Give the reference server the base documents first (not measured). In the `pwa` shape each
    // tablet uploads under its own storage id, so the server keeps sync states for it, as ours has
    // them from the seed.
    for chunk in tablets.chunks(16) {
        let uploads = chunk.iter().map(|t| {
            let docs: Vec<(String, Automerge, sync::State)> = t
                .docs
                .iter()
                .chain(&t.log)
                .filter_map(|d| {
                    Some((
                        d.id.clone(),
                        Automerge::load(&d.base).ok()?,
                        sync::State::new(),
                    ))
                })
                .collect();
            let storage_id = match opts.shape {
                Shape::Pwa => t.storage_id.clone(),
                Shape::Bench => uuid::Uuid::new_v4().to_string(),
            };
            let ws_url = ws_url.clone();
            async move {
                let mut peer = BenchPeer::connect(&ws_url, None, "").await?;
                sync_docs(&mut peer, storage_id, docs).await
            }
        });
        for r in futures_util::future::join_all(uploads).await {
            r.map_err(|e| format!("upload to the reference server: {e}"))?;
        }
    }
    let f = storm(&proc, &ws_url, None, tablets, opts).await;
    let mut proc = proc;
    let _ = proc.child.kill().await;
    f
}

/// One started server process of a storm: its process, `/sync` URL and (ours) HTTP origin.
pub(crate) struct Server<'a> {
    pub(crate) proc: &'a Proc,
    pub(crate) ws_url: String,
    pub(crate) origin: Option<String>,
}

/// The storm itself, on a started server: every tablet syncs its `doc` (the server has its base) at
/// once; figures from the server process's clocks.
pub(crate) async fn storm(
    proc: &Proc,
    ws_url: &str,
    origin: Option<&str>,
    tablets: &[Tablet],
    opts: &Options,
) -> Result<Figures, String> {
    let server = Server {
        proc,
        ws_url: ws_url.to_string(),
        origin: origin.map(str::to_string),
    };
    storm_on(&[server], tablets, opts, None).await
}

/// [`storm`] on one or more processes of one database: tablet `i` on `servers[i % n]`; with
/// `lead` (a district lead's cookie) and several processes, the lead on the first process watches
/// the first document of every tablet on the others.
pub(crate) async fn storm_on(
    servers: &[Server<'_>],
    tablets: &[Tablet],
    opts: &Options,
    lead: Option<&str>,
) -> Result<Figures, String> {
    let first = servers.first().ok_or("no server")?;
    let (proc, ws_url, origin) = (first.proc, first.ws_url.as_str(), first.origin.as_deref());
    let sum = |f: &dyn Fn(&Proc) -> f64| servers.iter().map(|s| f(s.proc)).sum::<f64>();
    tokio::time::sleep(Duration::from_millis(300)).await;
    // Idle connections first: joined, syncing nothing. Two batches, the second one measured: the
    // first also pays for what a fresh process touches once (code, buffers, the runtime's tables),
    // which is not what one more tablet costs.
    let mut idle = Vec::new();
    let mut idle_kib = 0.0;
    for batch in 0..2 {
        let before = proc.status_kib("VmRSS:");
        let mut opened = 0;
        for t in tablets.iter().cycle().take(opts.idle_connections) {
            if let Ok(mut p) = BenchPeer::connect(ws_url, origin, &t.cookie).await {
                let _ = p.join(&format!("idle-{batch}-{}", idle.len()), None).await;
                idle.push(p);
                opened += 1;
            }
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
        idle_kib = (proc.status_kib("VmRSS:") - before) / f64::from(opened.max(1));
    }
    drop(idle);
    tokio::time::sleep(Duration::from_millis(500)).await;

    // The lead's browser, up to date with what it watches before the storm.
    let watching = match lead.filter(|_| servers.len() > 1) {
        Some(cookie) => Some(Watcher::open(first, cookie, tablets, servers.len()).await?),
        None => None,
    };
    ACKNOWLEDGED.with(|a| a.borrow_mut().clear());

    let rss_before = sum(&|p| p.status_kib("VmRSS:"));
    let window_start = monotonic_s();
    let cpu0 = sum(&Proc::cpu_s);
    let threads0: Vec<_> = servers.iter().map(|s| s.proc.cpu_by_thread()).collect();
    let t0 = Instant::now();
    let runs = tablets.iter().enumerate().map(|(i, t)| {
        let server = &servers[i % servers.len()];
        let (ws_url, origin) = (server.ws_url.as_str(), server.origin.as_deref());
        // The tablet's own sync states, as its storage keeps them: the heads it last shared.
        let docs: Vec<(String, Automerge, sync::State)> = t
            .docs
            .iter()
            .chain(&t.log)
            .map(|d| {
                let mut st = sync::State::new();
                if !opts.fresh {
                    st.shared_heads = d.base_heads.clone();
                }
                (d.id.clone(), d.doc.clone(), st)
            })
            .collect();
        let ws_url = ws_url.to_string();
        let origin = origin.map(str::to_string);
        async move {
            match opts.shape {
                Shape::Bench => sync_tablet(ws_url, origin, t.cookie.clone(), docs).await,
                Shape::Pwa => pwa_tablet(ws_url, origin, t, opts, docs).await,
            }
        }
    });
    let watched = async {
        match watching {
            Some(w) => Some(w.watch().await),
            None => None,
        }
    };
    let (results, watched) =
        futures_util::future::join(futures_util::future::join_all(runs), watched).await;
    let wall = t0.elapsed().as_secs_f64();
    // Let the server finish what it was doing (the reference server writes storage after answering).
    tokio::time::sleep(Duration::from_millis(500)).await;
    let cpu = sum(&Proc::cpu_s) - cpu0;
    if std::env::var_os("MIMAMORI_BENCH_WINDOW").is_some() {
        // For profiling the measured window alone: `perf record -k CLOCK_MONOTONIC …`, then
        // `perf report --time START,END`.
        eprintln!("measured window: {window_start:.6},{:.6}", monotonic_s());
    }
    // By thread name: what each live thread spent in the window; "ended" is the rest of the
    // process's CPU (threads that ended during the storm).
    let mut named: HashMap<String, f64> = HashMap::new();
    for (server, threads0) in servers.iter().zip(&threads0) {
        for (tid, (name, c)) in server.proc.cpu_by_thread() {
            let before = threads0.get(&tid).map_or(0.0, |t| t.1);
            *named.entry(name).or_insert(0.0) += c - before;
        }
    }
    let ended = cpu - named.values().sum::<f64>();
    named.insert("ended".into(), ended);
    let mut by_thread: Vec<(String, f64)> =
        named.into_iter().filter(|(_, c)| *c > 0.0005).collect();
    by_thread.sort_by(|a, b| b.1.total_cmp(&a.1));
    let by_thread = by_thread
        .iter()
        .map(|(n, c)| format!("{n} {:.0} ms", c * 1000.0))
        .collect::<Vec<_>>()
        .join(", ");
    let rss_after = sum(&|p| p.status_kib("VmRSS:"));
    let cross_process = watched.map(|(watched, seen)| {
        let mut lat: Vec<f64> = ACKNOWLEDGED.with(|a| {
            let acked = a.borrow();
            seen.iter()
                .filter_map(|(doc, at)| {
                    let acked = acked.get(doc)?;
                    Some(at.saturating_duration_since(*acked).as_secs_f64() * 1000.0)
                })
                .collect()
        });
        lat.sort_by(f64::total_cmp);
        (
            percentile(&lat, 0.5),
            percentile(&lat, 0.99),
            watched,
            lat.len(),
        )
    });
    let mut times: Vec<f64> = results
        .iter()
        .filter_map(|r| r.as_ref().ok().copied())
        .collect();
    let failed = results.len() - times.len();
    let first_failure = results.iter().find_map(|r| r.as_ref().err().cloned());
    times.sort_by(|a, b| a.total_cmp(b));
    Ok(Figures {
        cpu_per_doc_ms: cpu * 1000.0 / (tablets.len() * opts.docs) as f64,
        wall_s: wall,
        p50_ms: percentile(&times, 0.5),
        p99_ms: percentile(&times, 0.99),
        peak_rss_mib: sum(&|p| p.status_kib("VmHWM:")) / 1024.0,
        idle_conn_kib: idle_kib,
        rss_before_storm_mib: rss_before / 1024.0,
        rss_after_storm_mib: rss_after / 1024.0,
        failed_tablets: failed,
        first_failure,
        cpu_by_thread: by_thread,
        cross_process,
    })
}

/// The `p` quantile (0..=1) of `sorted`, the nearest rank; NaN when empty.
pub(crate) fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted
        .get(((sorted.len() as f64 - 1.0) * p).round() as usize)
        .copied()
        .unwrap_or(f64::NAN)
}

/// Syncs one tablet's documents under a new storage id; `Ok(ms)` when the server acknowledged all
/// of them.
pub(crate) async fn sync_tablet(
    ws_url: String,
    origin: Option<String>,
    cookie: String,
    docs: Vec<(String, Automerge, sync::State)>,
) -> Result<f64, String> {
    let t = Instant::now();
    let mut peer = BenchPeer::connect(&ws_url, origin.as_deref(), &cookie).await?;
    sync_docs(&mut peer, uuid::Uuid::new_v4().to_string(), docs).await?;
    Ok(t.elapsed().as_secs_f64() * 1000.0)
}

/// A tablet of the `pwa` shape coming back: with `origin` (our server) and HTTP on, it logs in
/// first if `--login` (the socket needs the new session), then syncs while making the app's
/// requests (the app makes them when the socket's `peer` arrives); `Ok(ms)` when all are answered.
async fn pwa_tablet(
    ws_url: String,
    origin: Option<String>,
    tablet: &Tablet,
    opts: &Options,
    docs: Vec<(String, Automerge, sync::State)>,
) -> Result<f64, String> {
    let t = Instant::now();
    let http = origin.as_deref().filter(|_| opts.http);
    let cookie = match http {
        Some(o) if opts.login => {
            let session = log_in(o, tablet).await?;
            format!("{session}; {}", tablet.device_cookie)
        }
        _ => tablet.cookie.clone(),
    };
    let mut peer = BenchPeer::connect(&ws_url, origin.as_deref(), &cookie).await?;
    let requests = async {
        match http {
            Some(o) => app_requests(o, &cookie, !opts.login).await,
            None => Ok(()),
        }
    };
    let synced = sync_docs(&mut peer, tablet.storage_id.clone(), docs);
    let (asked, synced) = futures_util::future::join(requests, synced).await;
    asked?;
    synced?;
    Ok(t.elapsed().as_secs_f64() * 1000.0)
}

/// The shared HTTP client of this thread (see [`BenchPeer::connect`]).
fn http_client() -> awc::Client {
    // One client (and so one TLS context, whose CA store takes milliseconds to load) for every
    // peer of this thread: a client per connection made the benchmark client the bottleneck.
    thread_local! {
        static CLIENT: awc::Client = awc::Client::builder()
            .connector(awc::Connector::new().limit(0)) // no cap on open sockets (default 100)
            .timeout(Duration::from_secs(60))
            .finish();
    }
    CLIENT.with(|c| c.clone())
}

/// `POST /api/session` with the tablet's device cookie: the new session cookie (`name=value`).
async fn log_in(origin: &str, tablet: &Tablet) -> Result<String, String> {
    let mut resp = http_client()
        .post(format!("{origin}/api/session"))
        .insert_header(("Cookie", tablet.device_cookie.as_str()))
        .insert_header(("Origin", origin))
        .send_json(&serde_json::json!({ "login": tablet.login, "password": PASSWORD }))
        .await
        .map_err(|e| format!("login: {e}"))?;
    let _ = resp.body().await;
    if !resp.status().is_success() {
        return Err(format!("login: {}", resp.status()));
    }
    resp.headers()
        .get_all("set-cookie")
        .filter_map(|v| v.to_str().ok())
        .filter_map(|v| v.split(';').next())
        .find(|c| c.starts_with(&format!("{}=", mimamori::auth::SESSION_COOKIE)))
        .map(str::to_string)
        .ok_or_else(|| "login: no session cookie".to_string())
}

/// What the app asks when the server is back (`Session.refresh`): who it is (unless it just
/// logged in, whose answer says so), then at once the activity log's url, the document list with
/// the residents, the notices and the push key.
async fn app_requests(origin: &str, cookie: &str, check_session: bool) -> Result<(), String> {
    let get = |path: &'static str| async move {
        let mut resp = http_client()
            .get(format!("{origin}{path}"))
            .insert_header(("Cookie", cookie))
            .send()
            .await
            .map_err(|e| format!("{path}: {e}"))?;
        // Read to the end: the connection goes back to the pool for the next request.
        resp.body()
            .limit(16 * 1024 * 1024)
            .await
            .map_err(|e| format!("{path}: {e}"))?;
        if resp.status().is_success() {
            Ok(())
        } else {
            Err(format!("{path}: {}", resp.status()))
        }
    };
    if check_session {
        get("/api/me").await?;
    }
    let all = [
        "/api/activity-log",
        "/api/documents",
        "/api/residents",
        "/api/notices",
        "/api/push/key",
    ]
    .map(get);
    futures_util::future::join_all(all)
        .await
        .into_iter()
        .collect()
}

/// Joins under `storage_id` and syncs `docs` until the server has acknowledged all of them.
pub(crate) async fn sync_docs(
    peer: &mut BenchPeer,
    storage_id: String,
    mut docs: Vec<(String, Automerge, sync::State)>,
) -> Result<Vec<(String, Automerge, sync::State)>, String> {
    peer.join(
        &format!("tablet-{}", uuid::Uuid::new_v4().simple()),
        Some(storage_id),
    )
    .await?;
    let index: HashMap<String, usize> = docs
        .iter()
        .enumerate()
        .map(|(i, d)| (d.0.clone(), i))
        .collect();
    let mut done = vec![false; docs.len()];
    for (id, doc, st) in &mut docs {
        if let Some(m) = doc.generate_sync_message(st) {
            peer.sync(id, m.encode()).await?;
        }
    }
    let deadline = Instant::now() + Duration::from_secs(120);
    while done.iter().any(|d| !d) {
        let remaining = deadline.saturating_duration_since(Instant::now());
        if remaining.is_zero() {
            return Err("timed out".into());
        }
        let (doc_id, data) = peer.next_sync(remaining).await?;
        let Some(&i) = index.get(&doc_id) else {
            continue;
        };
        let (id, doc, st) = &mut docs[i];
        let msg = sync::Message::decode(&data).map_err(|e| e.to_string())?;
        doc.receive_sync_message(st, msg)
            .map_err(|e| e.to_string())?;
        if let Some(m) = doc.generate_sync_message(st) {
            peer.sync(id, m.encode()).await?;
        }
        if st.their_heads.as_ref() == Some(&doc.get_heads()) && !done[i] {
            done[i] = true;
            ACKNOWLEDGED.with(|a| a.borrow_mut().insert(id.clone(), Instant::now()));
        }
    }
    Ok(docs)
}

/// A minimal automerge-repo client over awc.
pub(crate) struct BenchPeer {
    framed: actix_codec::Framed<awc::BoxedSocket, ws::Codec>,
    me: String,
    server: String,
}

fn text(s: &str) -> Cbor {
    Cbor::Text(s.to_string())
}

impl BenchPeer {
    pub(crate) async fn connect(
        ws_url: &str,
        origin: Option<&str>,
        cookie: &str,
    ) -> Result<BenchPeer, String> {
        let mut req = http_client().ws(ws_url).max_frame_size(64 * 1024 * 1024);
        if let Some(o) = origin {
            req = req.origin(o);
        }
        if !cookie.is_empty() {
            req = req.set_header("Cookie", cookie);
        }
        let (_, framed) = req.connect().await.map_err(|e| format!("connect: {e:?}"))?;
        Ok(BenchPeer {
            framed,
            me: String::new(),
            server: String::new(),
        })
    }

    async fn send(&mut self, map: Vec<(Cbor, Cbor)>) -> Result<(), String> {
        let mut out = Vec::new();
        ciborium::ser::into_writer(&Cbor::Map(map), &mut out).map_err(|e| e.to_string())?;
        self.framed
            .send(ws::Message::Binary(Bytes::from(out)))
            .await
            .map_err(|e| e.to_string())
    }

    async fn recv(&mut self, wait: Duration) -> Result<Vec<(Cbor, Cbor)>, String> {
        loop {
            match tokio::time::timeout(wait, self.framed.next()).await {
                Err(_) => return Err("timed out".into()),
                Ok(None) => return Err("closed".into()),
                Ok(Some(Err(e))) => return Err(e.to_string()),
                Ok(Some(Ok(ws::Frame::Binary(b)))) => {
                    let v: Cbor = ciborium::de::from_reader(&b[..]).map_err(|e| e.to_string())?;
                    return v.into_map().map_err(|_| "not a map".to_string());
                }
                Ok(Some(Ok(ws::Frame::Ping(p)))) => {
                    let _ = self.framed.send(ws::Message::Pong(p)).await;
                }
                Ok(Some(Ok(ws::Frame::Close(_)))) => return Err("closed by server".into()),
                Ok(Some(Ok(_))) => {}
            }
        }
    }

    pub(crate) async fn join(
        &mut self,
        me: &str,
        storage_id: Option<String>,
    ) -> Result<(), String> {
        self.me = me.to_string();
        let mut meta = vec![(text("isEphemeral"), Cbor::Bool(storage_id.is_none()))];
        if let Some(s) = storage_id {
            meta.push((text("storageId"), Cbor::Text(s)));
        }
        self.send(vec![
            (text("type"), text("join")),
            (text("senderId"), text(me)),
            (
                text("supportedProtocolVersions"),
                Cbor::Array(vec![text("1")]),
            ),
            (text("peerMetadata"), Cbor::Map(meta)),
        ])
        .await?;
        let m = self.recv(Duration::from_secs(30)).await?;
        self.server = get(&m, "senderId")
            .and_then(|v| v.as_text())
            .unwrap_or("")
            .to_string();
        Ok(())
    }

    pub(crate) async fn sync(&mut self, doc_id: &str, data: Vec<u8>) -> Result<(), String> {
        let (me, server) = (self.me.clone(), self.server.clone());
        self.send(vec![
            (text("type"), text("sync")),
            (text("senderId"), text(&me)),
            (text("targetId"), text(&server)),
            (text("documentId"), text(doc_id)),
            (text("data"), Cbor::Bytes(data)),
        ])
        .await
    }

    /// Reads what the server sends, answering its pings, until the socket closes: a tablet that
    /// stays connected with nothing to say.
    pub(crate) async fn answer_pings(mut self) {
        while let Some(Ok(frame)) = self.framed.next().await {
            let open = match frame {
                ws::Frame::Ping(p) => self.framed.send(ws::Message::Pong(p)).await.is_ok(),
                ws::Frame::Close(_) => false,
                _ => true,
            };
            if !open {
                return;
            }
        }
    }

    /// The next `sync` message: (document id, data).
    pub(crate) async fn next_sync(&mut self, wait: Duration) -> Result<(String, Vec<u8>), String> {
        loop {
            let m = self.recv(wait).await?;
            let ty = get(&m, "type").and_then(|v| v.as_text()).unwrap_or("");
            if ty == "doc-unavailable" {
                return Err("doc-unavailable".into());
            }
            if ty != "sync" {
                continue;
            }
            let id = get(&m, "documentId")
                .and_then(|v| v.as_text())
                .unwrap_or("")
                .to_string();
            let data = get(&m, "data")
                .and_then(|v| v.as_bytes())
                .cloned()
                .unwrap_or_default();
            return Ok((id, data));
        }
    }
}

fn get<'a>(m: &'a [(Cbor, Cbor)], key: &str) -> Option<&'a Cbor> {
    m.iter()
        .find(|(k, _)| k.as_text() == Some(key))
        .map(|(_, v)| v)
}

fn print_threads(name: &str, f: &Figures) {
    if !f.cpu_by_thread.is_empty() {
        println!("    {name} CPU by thread: {}", f.cpu_by_thread);
    }
}

/// `n` more residents, assigned to one commissioner no tablet logs in as.
fn seed_stored(db: &Db, district_id: &str, hash: &str, n: usize) -> Result<(), String> {
    let actor = Actor::cli();
    let owner = db
        .write_blocking(|conn| {
            admin::create_user(
                conn,
                &actor,
                NewUser {
                    login: Login::parse("bench-stored").unwrap(),
                    display_name: Name::parse("保管 委員").unwrap(),
                    role: Role::Commissioner,
                    district_id: Some(district_id.to_string()),
                    password_hash: hash.to_string(),
                },
            )
        })
        .map_err(|e| e.to_string())?;
    let mut done = 0;
    while done < n {
        let batch = (n - done).min(1000);
        db.write_blocking(|conn| {
            for i in 0..batch {
                let r = admin::create_resident(
                    conn,
                    &actor,
                    NewResident {
                        district_id: district_id.to_string(),
                        name: Name::parse(&format!("保管 {}", done + i)).unwrap(),
                        kana: Kana::parse("ほかん").unwrap(),
                        address: Address::parse("旭川市（ベンチ）").unwrap(),
                        contact_interval_days: None,
                    },
                )?;
                admin::assign(
                    conn,
                    &actor,
                    &r.id,
                    &owner.id,
                    Date::parse("2025-12-01").unwrap(),
                    None,
                )?;
            }
            Ok(())
        })
        .map_err(|e| e.to_string())?;
        done += batch;
    }
    Ok(())
}
