//! `kill`: the kill -9 loop (issue 26). Tablets (automerge-repo protocol peers, one resident each)
//! record greetings as fast as the server answers while the server process is killed with SIGKILL at
//! a random moment, again and again. After each kill the database (read afresh, as a restarted
//! server would) must hold every greeting the server acknowledged — in the document and in its
//! projected rows — and no contact twice. Prints the counts; asserts nothing (a loss is reported
//! with the tablet and the kill it happened at, and the run goes on).
//!
//! A greeting counts as acknowledged when a sync message from the server lists it (or a later one
//! of the same tablet: one writer per document, so history is linear) in its heads.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;
use std::time::{Duration, Instant};

use automerge::sync::{self, SyncDoc};
use automerge::transaction::Transactable;
use automerge::{Automerge, ChangeHash, ObjType, ROOT, ReadDoc};
use mimamori::db::{DatabaseUrl, Db, documents};

use crate::storm::{self, BenchPeer};

/// What to run.
#[derive(Debug, Clone, clap::Args)]
pub struct Options {
    /// Tablets writing at once (each with its own commissioner and resident).
    #[arg(long, default_value_t = 20)]
    pub tablets: usize,
    #[arg(long, default_value_t = 100)]
    pub kills: usize,
    /// Our server's database: an empty PostgreSQL database (postgres://…), or a fresh SQLite file
    /// in a temporary directory by default.
    #[arg(long)]
    pub database_url: Option<String>,
}

/// One tablet's side: its document and every greeting it made, the first `acked` acknowledged.
struct Writer {
    cookie: String,
    doc_id: String,
    author: String,
    doc: Automerge,
    made: Vec<(String, ChangeHash)>,
    acked: usize,
    /// `made[..checked]` were found stored after an earlier kill.
    checked: usize,
}

pub fn run(opts: Options) -> Result<(), String> {
    actix_web::rt::System::new().block_on(run_async(opts))
}

async fn run_async(opts: Options) -> Result<(), String> {
    let work = tempfile::tempdir().map_err(|e| e.to_string())?;
    let url = match &opts.database_url {
        Some(u) => DatabaseUrl::parse(u).map_err(|e| e.to_string())?,
        None => DatabaseUrl::Sqlite(work.path().join("kill.sqlite3")),
    };
    let db = Db::open(&url, 2).map_err(|e| e.to_string())?;
    let tablets = storm::seed_one_each(&db, opts.tablets)?;
    let writers: Vec<Rc<RefCell<Writer>>> = tablets
        .into_iter()
        .map(|t| {
            let d = &t.docs[0];
            Ok(Rc::new(RefCell::new(Writer {
                cookie: t.cookie.clone(),
                doc_id: d.id.clone(),
                author: d.author.clone(),
                doc: Automerge::load(&d.base).map_err(|e| e.to_string())?,
                made: Vec::new(),
                acked: 0,
                checked: 0,
            })))
        })
        .collect::<Result<_, String>>()?;
    println!(
        "kill -9 loop: {} tablets writing, {} kills, {}",
        opts.tablets,
        opts.kills,
        match &url {
            DatabaseUrl::Sqlite(_) => "SQLite",
            DatabaseUrl::Postgres(_) => "PostgreSQL",
        }
    );
    let started = Instant::now();
    let (mut lost, mut duplicated, mut unprojected) = (0usize, 0usize, 0usize);
    for kill in 0..opts.kills {
        let (mut proc, origin) = storm::serve_child(&url, &[]).await?;
        let ws_url = format!("{}/sync", origin.replace("http://", "ws://"));
        let tasks: Vec<_> = writers
            .iter()
            .map(|w| actix_web::rt::spawn(write(w.clone(), ws_url.clone(), origin.clone())))
            .collect();
        let at = Duration::from_millis(200 + u64::from(uuid::Uuid::new_v4().as_bytes()[0]) * 4);
        tokio::time::sleep(at).await;
        proc.child.start_kill().map_err(|e| e.to_string())?;
        let _ = proc.child.wait().await;
        for t in tasks {
            let _ = t.await;
        }
        // The database as the next process finds it: the greetings acknowledged since the last
        // kill are in the document and in its rows, and no contact is there twice.
        for w in &writers {
            let mut w = w.borrow_mut();
            let doc_id = w.doc_id.clone();
            let (stored, rows) = db
                .read_blocking(move |conn| {
                    let chunks = documents::load_chunks(conn, &doc_id)?;
                    let stored = Automerge::load(&documents::joined(&chunks))
                        .map_err(mimamori::error::AppError::internal)?;
                    let resident = match stored.get(ROOT, "residentId") {
                        Ok(Some((v, _))) => v.into_string().unwrap_or_default(),
                        _ => String::new(),
                    };
                    Ok((stored, documents::contacts_of(conn, &resident)?))
                })
                .map_err(|e| e.to_string())?;
            let contacts = match stored.get(ROOT, "contacts") {
                Ok(Some((_, c))) => c,
                _ => return Err("a stored document without contacts".into()),
            };
            let mut projected: HashMap<&str, usize> = HashMap::new();
            for r in &rows {
                *projected.entry(r.id.as_str()).or_default() += 1;
            }
            duplicated += projected.values().filter(|&&n| n > 1).count();
            for (id, _) in &w.made[w.checked..w.acked] {
                if !matches!(stored.get(&contacts, id.as_str()), Ok(Some(_))) {
                    lost += 1;
                    println!("  kill {kill}: {id} acknowledged but not stored");
                } else if !projected.contains_key(id.as_str()) {
                    unprojected += 1;
                    println!("  kill {kill}: {id} stored but not projected");
                }
            }
            w.checked = w.acked;
        }
        if (kill + 1) % 50 == 0 || kill + 1 == opts.kills {
            let (made, acked) = totals(&writers);
            println!(
                "  {} kills in {:.0} s: {made} written, {acked} acknowledged, {lost} lost, \
                 {unprojected} not projected, {duplicated} duplicated",
                kill + 1,
                started.elapsed().as_secs_f64()
            );
        }
    }
    Ok(())
}

fn totals(writers: &[Rc<RefCell<Writer>>]) -> (usize, usize) {
    writers.iter().fold((0, 0), |(m, a), w| {
        let w = w.borrow();
        (m + w.made.len(), a + w.acked)
    })
}

/// Connects, syncs, and records greetings until the connection ends (the kill).
async fn write(w: Rc<RefCell<Writer>>, ws_url: String, origin: String) {
    let cookie = w.borrow().cookie.clone();
    let Ok(mut peer) = BenchPeer::connect(&ws_url, Some(&origin), &cookie).await else {
        return;
    };
    let me = format!("kill-{}", uuid::Uuid::new_v4().simple());
    if peer.join(&me, None).await.is_err() {
        return;
    }
    let doc_id = w.borrow().doc_id.clone();
    let mut state = sync::State::new();
    loop {
        if state.their_heads.is_some() {
            // A tablet records a few contacts a second at most, not hundreds.
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let message = {
            let mut w = w.borrow_mut();
            if state.their_heads.is_some() {
                // In touch: one more greeting per round trip.
                greet(&mut w);
            }
            w.doc.generate_sync_message(&mut state)
        };
        if let Some(m) = message
            && peer.sync(&doc_id, m.encode()).await.is_err()
        {
            return;
        }
        let Ok((_, data)) = peer.next_sync(Duration::from_secs(10)).await else {
            return;
        };
        let Ok(m) = sync::Message::decode(&data) else {
            return;
        };
        let mut w = w.borrow_mut();
        if w.doc.receive_sync_message(&mut state, m).is_err() {
            return;
        }
        if let Some(theirs) = &state.their_heads
            && let Some(k) = w.made.iter().rposition(|(_, h)| theirs.contains(h))
        {
            w.acked = w.acked.max(k + 1);
        }
    }
}

fn greet(w: &mut Writer) {
    let id = format!("k-{}-{}", &w.doc_id[..8], w.made.len());
    let author = w.author.clone();
    let contacts = match w.doc.get(ROOT, "contacts") {
        Ok(Some((_, c))) => c,
        _ => return,
    };
    let mut tx = w.doc.transaction();
    let Ok(c) = tx.put_object(&contacts, &id, ObjType::Map) else {
        return;
    };
    for (k, v) in [
        ("id", id.as_str()),
        ("occurredAt", "2026-12-07T10:00:00+09:00"),
        ("authorId", author.as_str()),
        ("kind", "greeting"),
        ("outcome", "met"),
        ("concern", "none"),
        ("note", ""),
    ] {
        let _ = tx.put(&c, k, v);
    }
    let _ = tx.put(&c, "followUp", false);
    tx.commit();
    let head = w.doc.get_heads()[0];
    w.made.push((id, head));
}
