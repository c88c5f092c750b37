//! `idle`: many tablets connected at once and then quiet, as a city's tablets sit between visits
//! (issue 25: "10,000 connected tablets held by one process"). Each connection is a tablet that
//! logged in earlier: it opens `/sync`, joins, syncs its resident's document (nothing new on either
//! side) and stays, answering the server's pings. Connections open in batches; after each, the
//! server's resident memory is read, so the figure per connection is what one more tablet costs
//! (the first batch also pays for code and buffers touched for the first time). Then the server's
//! CPU over a quiet period (pings, the sweeper, the access-epoch poll). Prints figures; asserts
//! nothing.

use std::cell::Cell;
use std::rc::Rc;
use std::time::{Duration, Instant};

use automerge::sync;

use crate::storm::{self, BenchPeer};
use mimamori::db::Db;

/// What to run.
#[derive(Debug, Clone, clap::Args)]
pub struct Options {
    /// Connections held at the end.
    #[arg(long, default_value_t = 10_000)]
    pub connections: usize,
    /// Connections opened between two readings of the server's memory.
    #[arg(long, default_value_t = 1_000)]
    pub batch: usize,
    /// Seconds the connections stay quiet while the server's CPU is measured.
    #[arg(long, default_value_t = 60)]
    pub quiet_secs: u64,
    /// Our server's database, e.g. postgres://… naming an empty database (default: a fresh SQLite
    /// file in a temp dir).
    #[arg(long)]
    pub database_url: Option<String>,
}

/// Sockets one user may hold (`MIMAMORI_SYNC_MAX_SOCKETS_PER_USER`'s default): the tablets are as
/// many users as that requires.
const PER_USER: usize = 16;

pub fn run(opts: Options) -> Result<(), String> {
    raise_open_files()?;
    actix_web::rt::System::new().block_on(run_async(opts))
}

/// Each connection is a socket in this process and one in the server's (which inherits the limit).
fn raise_open_files() -> Result<(), String> {
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit/setrlimit with a valid pointer to a local struct.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) != 0 {
            return Err("getrlimit failed".into());
        }
        lim.rlim_cur = lim.rlim_max;
        if libc::setrlimit(libc::RLIMIT_NOFILE, &lim) != 0 {
            return Err("setrlimit failed".into());
        }
    }
    println!("  open files allowed per process: {}", lim.rlim_cur);
    Ok(())
}

async fn run_async(opts: Options) -> Result<(), String> {
    let work = tempfile::tempdir().map_err(|e| e.to_string())?;
    let url = storm::database_url(
        opts.database_url.as_deref(),
        work.path(),
        "bench-idle.sqlite3",
    )?;
    let users = opts.connections.div_ceil(PER_USER).max(1);
    println!(
        "idle: {} tablets connected ({} users, up to {PER_USER} sockets each), in batches of {}, then {} s quiet",
        opts.connections, users, opts.batch, opts.quiet_secs
    );
    let t = Instant::now();
    let db = Db::open(&url, 4).map_err(|e| e.to_string())?;
    let tablets = storm::seed_one_each(&db, users)?;
    drop(db);
    println!(
        "  seeded {users} users in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    let (proc, origin) = storm::serve_for_tablets(&url, users, opts.connections, &[]).await?;
    let ws_url = format!("{}/sync", origin.replace("http", "ws"));
    tokio::time::sleep(Duration::from_millis(500)).await;
    let rss = |p: &storm::Proc| {
        (
            p.status_kib("VmRSS:") / 1024.0,
            p.status_kib("RssAnon:") / 1024.0,
        )
    };
    let (start_rss, start_anon) = rss(&proc);
    println!("  server at start: RSS {start_rss:.1} MiB (anonymous {start_anon:.1} MiB)");
    println!(
        "  {:>11} {:>9} {:>11} {:>17} {:>12}",
        "connections", "RSS MiB", "anon MiB", "KiB / connection", "opened in s"
    );
    let closed = Rc::new(Cell::new(0usize));
    let mut open = 0usize;
    let mut failed = 0usize;
    let mut first_failure = None;
    let mut readings = vec![(0usize, start_rss, start_anon)];
    while open + failed < opts.connections {
        let n = opts.batch.min(opts.connections - open - failed);
        let t = Instant::now();
        let batch = (open + failed..open + failed + n).map(|i| {
            let tablet = &tablets[i % users];
            let ws_url = ws_url.clone();
            let origin = origin.clone();
            async move {
                let mut peer = BenchPeer::connect(&ws_url, Some(&origin), &tablet.cookie).await?;
                let docs = tablet
                    .docs
                    .iter()
                    .map(|d| (d.id.clone(), d.doc.clone(), sync::State::new()))
                    .collect();
                storm::sync_docs(&mut peer, uuid::Uuid::new_v4().to_string(), docs).await?;
                Ok::<_, String>(peer)
            }
        });
        for result in futures_util::future::join_all(batch).await {
            match result {
                Ok(peer) => {
                    open += 1;
                    let closed = closed.clone();
                    actix_web::rt::spawn(async move {
                        peer.answer_pings().await;
                        closed.set(closed.get() + 1);
                    });
                }
                Err(e) => {
                    failed += 1;
                    first_failure.get_or_insert(e);
                }
            }
        }
        let opened_in = t.elapsed().as_secs_f64();
        tokio::time::sleep(Duration::from_millis(300)).await;
        let (r, a) = rss(&proc);
        let (prev_n, prev_r, _) = readings.last().copied().unwrap_or_default();
        let per = (r - prev_r) * 1024.0 / (open - prev_n).max(1) as f64;
        println!("  {open:>11} {r:>9.1} {a:>11.1} {per:>17.1} {opened_in:>12.1}");
        readings.push((open, r, a));
    }
    if failed > 0 {
        println!(
            "  {failed} connections failed (first: {})",
            first_failure.as_deref().unwrap_or("?")
        );
    }
    let (end_n, end_rss, end_anon) = readings.last().copied().unwrap_or_default();
    if let Some(&(first_n, first_rss, first_anon)) = readings.get(1)
        && end_n > first_n
    {
        let more = (end_n - first_n) as f64;
        println!(
            "  memory per connection after the first batch: {:.1} KiB RSS, {:.1} KiB anonymous",
            (end_rss - first_rss) * 1024.0 / more,
            (end_anon - first_anon) * 1024.0 / more
        );
    }
    println!(
        "  memory per connection from the start: {:.1} KiB RSS",
        (end_rss - start_rss) * 1024.0 / end_n.max(1) as f64
    );

    let cpu0 = proc.cpu_s();
    let t = Instant::now();
    tokio::time::sleep(Duration::from_secs(opts.quiet_secs)).await;
    let cpu = proc.cpu_s() - cpu0;
    let secs = t.elapsed().as_secs_f64();
    println!(
        "  quiet {secs:.0} s with {end_n} connections: server CPU {:.0} ms ({:.2} % of one core), {} connections closed meanwhile, RSS {:.1} MiB",
        cpu * 1000.0,
        cpu * 100.0 / secs,
        closed.get(),
        rss(&proc).0
    );
    Ok(())
}
