//! Storage contract: the same story on SQLite and PostgreSQL.

use diesel::connection::SimpleConnection;
use mimamori::db::{Create, DatabaseUrl, Db, StartupError, accounts, directory};

use crate::both;
use crate::support::{TestDb, pg_admin_url, pg_url_for, seed};

both!(
    data_survives_a_restart_and_migrations_rerun_cleanly,
    restart
);
async fn restart(db: TestDb) {
    let first = db.open();
    let fx = seed(&first);
    drop(first);
    let again = db.open(); // runs migrations again: nothing pending, nothing lost
    let (users, r) = again
        .read_blocking(|conn| {
            Ok((
                accounts::list_users(conn)?.len(),
                directory::resident_by_id(conn, &fx.residents["rA1"])?,
            ))
        })
        .unwrap();
    assert_eq!(users, 7);
    assert_eq!(r.unwrap().name, "試験 花子");
}

both!(the_audit_log_cannot_be_rewritten, append_only);
async fn append_only(db: TestDb) {
    let db = db.open();
    seed(&db);
    let n_before = db
        .read_blocking(|conn| Ok(mimamori::db::audit::recent(conn, 10_000)?.len()))
        .unwrap();
    assert!(n_before > 0);
    for sql in [
        "UPDATE audit_log SET action = 'forged'",
        "DELETE FROM audit_log",
    ] {
        let r = db.read_blocking(move |conn| {
            conn.batch_execute(sql)
                .map_err(mimamori::error::AppError::from)
        });
        assert!(r.is_err(), "{sql} must be refused");
    }
    let n_after = db
        .read_blocking(|conn| Ok(mimamori::db::audit::recent(conn, 10_000)?.len()))
        .unwrap();
    assert_eq!(n_before, n_after);
}

both!(
    the_demo_city_goes_only_into_an_empty_or_demo_database,
    demo_guard
);
async fn demo_guard(db: TestDb) {
    let empty = TestDb::sqlite();
    let demo_db = Db::open(&empty.url, 2).unwrap();
    let city = mimamori::demo::ensure(&demo_db).unwrap();
    assert!(city.freshly_seeded);
    assert_eq!(city.residents, 4 * 3 * 20);
    assert_eq!(city.enrolment_codes.len(), 12);
    let again = mimamori::demo::ensure(&demo_db).unwrap();
    assert!(!again.freshly_seeded, "a second start reuses the demo");
    assert_eq!(again.residents, 240);

    // Three months of history, as a newcomer would want to see it: contacts on every resident,
    // a few open alerts among many dealt with, marks waiting for an answer, referrals, notices,
    // and some residents overdue.
    let (contacts, statuses, marks, referrals, notices, concerns) = demo_db
        .read_blocking(|conn| {
            use diesel::prelude::*;
            use mimamori::db::schema::{alerts, contacts, notices, referrals, reviews};
            let n_contacts: i64 = contacts::table.count().get_result(conn)?;
            let statuses: Vec<String> = alerts::table.select(alerts::status).load(conn)?;
            let marks: Vec<String> = reviews::table.select(reviews::mark).load(conn)?;
            let referrals: Vec<String> = referrals::table.select(referrals::outcome).load(conn)?;
            let notices: i64 = notices::table.count().get_result(conn)?;
            let concerns: i64 = contacts::table
                .filter(contacts::concern.ne("none"))
                .count()
                .get_result(conn)?;
            Ok((n_contacts, statuses, marks, referrals, notices, concerns))
        })
        .unwrap();
    println!(
        "demo city: {contacts} contacts ({concerns} with a concern), alerts {statuses:?}, {} marks, referrals {referrals:?}, {notices} notices",
        marks.len()
    );
    assert!(
        contacts >= 240 * 10,
        "about three months per resident: {contacts}"
    );
    assert!(
        concerns * 100 < contacts * 15,
        "mostly all-normal: {concerns} of {contacts}"
    );
    let open = statuses.iter().filter(|s| *s != "closed").count();
    assert!(
        open >= 1 && open * 2 < statuses.len(),
        "a few open among many: {statuses:?}"
    );
    assert!(marks.iter().any(|m| m == "check") && marks.iter().any(|m| m == "confirmed"));
    assert!(referrals.iter().any(|o| o == "open") && referrals.iter().any(|o| o == "connected"));
    assert_eq!(notices, 3);
    let overdue = demo_db
        .read_blocking(|conn| {
            let today = mimamori::domain::Date::today_jst(mimamori::db::now_ms()).to_string();
            let mut n = 0;
            for d in mimamori::db::directory::list_districts(conn)? {
                n += mimamori::db::review::district_contact_status(conn, &d.id, &today)?
                    .into_iter()
                    .filter(|s| s.is_overdue(&today))
                    .count();
            }
            Ok(n)
        })
        .unwrap();
    assert!(
        (5..60).contains(&overdue),
        "some residents overdue: {overdue}"
    );

    let real = db.open();
    seed(&real);
    let refused = mimamori::demo::ensure(&real);
    assert!(
        refused.is_err(),
        "demo data never goes into a database with other data"
    );
    let users = real
        .read_blocking(|conn| Ok(accounts::list_users(conn)?.len()))
        .unwrap();
    assert_eq!(users, 7);
}

#[test]
fn sqlite_without_wal_is_refused() {
    let err = Db::open(&DatabaseUrl::Sqlite(":memory:".into()), 1)
        .err()
        .expect("must refuse");
    assert!(matches!(err, StartupError::NotDurable { .. }), "{err}");
    assert!(err.to_string().contains("WAL"), "{err}");
}

#[test]
fn postgres_with_synchronous_commit_off_is_refused() {
    let admin = pg_admin_url();
    let sep = if admin.contains('?') { '&' } else { '?' };
    let url = format!("{admin}{sep}options=-c%20synchronous_commit%3Doff");
    let err = Db::open(&DatabaseUrl::Postgres(url), 1)
        .err()
        .expect("must refuse");
    assert!(matches!(err, StartupError::NotDurable { .. }), "{err}");
    assert!(err.to_string().contains("synchronous_commit"), "{err}");
}

#[test]
fn an_unreachable_postgres_is_one_clear_line() {
    let admin = pg_admin_url();
    let url = pg_url_for(&admin, "db_that_does_not_exist");
    let err = Db::open(&DatabaseUrl::Postgres(url), 1)
        .err()
        .expect("must refuse");
    let msg = err.to_string();
    assert!(matches!(err, StartupError::Unreachable { .. }), "{msg}");
    assert!(!msg.contains('\n'), "one line: {msg}");
    assert!(msg.contains("db_that_does_not_exist"), "{msg}");
}

/// PostgreSQL drops the server's connections (a restart, a failover, an administrator): the server
/// goes on without being restarted. Each pooled connection may fail the one query that finds it
/// dead; after that, every query is served, reads and writes alike.
#[test]
fn after_postgres_drops_the_connections_the_server_serves_again() {
    use diesel::Connection;
    let testdb = TestDb::postgres();
    let name = testdb.pg_name().unwrap().to_string();
    let pool_size = 3;
    let db = Db::open(&testdb.url, pool_size).unwrap();
    let fx = seed(&db);
    let read = |db: &Db| {
        db.read_blocking(|conn| Ok(directory::resident_by_id(conn, &fx.residents["rA1"])?))
            .map(|r| r.map(|r| r.name))
    };
    // Every pooled connection in use at once (the pool opens all of them at start), so that each
    // went back to the pool just now and is handed out again without a check.
    std::thread::scope(|s| {
        for _ in 0..pool_size {
            s.spawn(|| {
                db.read_blocking(|conn| {
                    conn.batch_execute("SELECT pg_sleep(0.2)")?;
                    Ok(())
                })
                .unwrap()
            });
        }
    });
    let mut admin = diesel::PgConnection::establish(&pg_admin_url()).unwrap();
    admin
        .batch_execute(&format!(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'"
        ))
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(200));
    let mut failed = 0;
    for _ in 0..pool_size {
        match read(&db) {
            Ok(name) => assert_eq!(name.as_deref(), Some("試験 花子")),
            Err(_) => failed += 1,
        }
    }
    assert!(
        failed <= pool_size as usize,
        "{failed} failures for {pool_size} dropped connections"
    );
    for _ in 0..2 * pool_size {
        assert_eq!(read(&db).unwrap().as_deref(), Some("試験 花子"));
    }
    let written = db.write_blocking(|conn| {
        directory::put_setting(conn, "test.after_drop", "ok")?;
        Ok(())
    });
    assert!(written.is_ok(), "a write after the drop: {written:?}");
    assert_eq!(
        db.read_blocking(|conn| Ok(directory::get_setting(conn, "test.after_drop")?))
            .unwrap()
            .as_deref(),
        Some("ok")
    );
}

// A COMMIT that fails (here a deferred foreign key, which on SQLite leaves the transaction open
// just as a full disk or an I/O error at COMMIT does) must not leave the connection inside a
// transaction: the next write on it would become a savepoint in that transaction, answer Ok and
// never be written — and the committer would acknowledge it (issue 26).
both!(
    a_write_after_a_failed_commit_is_really_committed,
    failed_commit
);
async fn failed_commit(db: TestDb) {
    // One connection: the write after the failure gets the same one, unless the pool dropped it.
    let one = Db::open(&db.url, 1).unwrap();
    let failed = one.write_blocking(|conn| {
        conn.batch_execute(
            "CREATE TEMP TABLE IF NOT EXISTS t_parent (id INTEGER PRIMARY KEY); \
             CREATE TEMP TABLE IF NOT EXISTS t_child \
               (p INTEGER REFERENCES t_parent (id) DEFERRABLE INITIALLY DEFERRED); \
             INSERT INTO t_child (p) VALUES (42);",
        )?;
        Ok(())
    });
    assert!(failed.is_err(), "the COMMIT fails");
    assert!(one.write_status().is_err(), "a failed write is reported");
    for i in 0..3 {
        one.write_blocking(move |conn| {
            conn.batch_execute(&format!(
                "INSERT INTO districts (id, code, name, created_at) VALUES ('d{i}', 'c{i}', 'n', 0)"
            ))?;
            Ok(())
        })
        .unwrap();
    }
    assert_eq!(one.write_status(), Ok(()), "writes succeed again");
    // Another connection (another process, after a restart) sees every write that said Ok.
    drop(one);
    let fresh = db.open();
    let n = fresh
        .read_blocking(|conn| Ok(directory::list_districts(conn)?.len()))
        .unwrap();
    assert_eq!(n, 3, "every acknowledged write is committed");
}

// `serve` (and `admin`) never create a database: a deleted or moved SQLite file, or an empty
// PostgreSQL database, is refused with one line saying what to do, and nothing is created.
both!(serving_refuses_a_database_that_holds_no_data, refuses_empty);
async fn refuses_empty(db: TestDb) {
    let refused = Db::open_with(&db.url, 1, Create::Refused);
    assert!(
        matches!(&refused, Err(StartupError::Missing { reason, .. })
            if reason == "does not exist" || reason == "holds no Mimamori data"),
        "{:?}",
        refused.as_ref().err()
    );
    if let DatabaseUrl::Sqlite(path) = &db.url {
        assert!(!path.exists(), "no file is created to find out");
        std::fs::write(path, b"").unwrap();
        let empty = Db::open_with(&db.url, 1, Create::Refused).err().unwrap();
        assert!(empty.to_string().contains("is an empty file"), "{empty}");
        assert!(empty.to_string().contains("--init"), "{empty}");
        std::fs::remove_file(path).unwrap();
    }
    // Created on purpose, then served.
    seed(&db.open());
    let served = Db::open_with(&db.url, 1, Create::Refused).unwrap();
    assert_eq!(
        served
            .read_blocking(|conn| Ok(accounts::list_users(conn)?.len()))
            .unwrap(),
        7
    );
}

/// The SQLite file deleted under a running server: within 2 s `/healthz` says the database cannot
/// be written, and nothing more is acknowledged (before, the server answered 200 and acknowledged
/// writes into a file nobody would open again; at restart it made an empty database).
#[actix_web::test]
async fn a_deleted_database_file_stops_acknowledging_and_fails_health() {
    use awc::http::StatusCode;
    let db = TestDb::sqlite();
    let DatabaseUrl::Sqlite(path) = db.url.clone() else {
        unreachable!()
    };
    let s = crate::support::TestServer::start(db).await;
    let mut admin = s.login("admin").await;
    let (st, health) = admin.get("/healthz").await;
    assert_eq!(st, StatusCode::OK, "{health}");

    std::fs::remove_file(&path).unwrap();
    let started = std::time::Instant::now();
    let health = loop {
        let (st, health) = admin.get("/healthz").await;
        if st == StatusCode::SERVICE_UNAVAILABLE {
            break health;
        }
        assert!(
            started.elapsed() < std::time::Duration::from_secs(2),
            "healthz still {st} after 2 s"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    };
    assert_eq!(health["failed"][0], "database_writes", "{health}");
    // A write is refused (503), not acknowledged.
    let (st, body) = admin
        .post(
            "/api/admin/districts",
            &serde_json::json!({"code": "suehiro", "name": "末広"}),
        )
        .await;
    assert_eq!(st, StatusCode::SERVICE_UNAVAILABLE, "{body}");
}

/// The two backends' migrations are one list: every migration exists for SQLite and PostgreSQL under
/// the same name, with the same files (a migration written for one only would leave the other
/// database behind, and a city moving between them stranded).
#[test]
fn the_sqlite_and_postgres_migrations_are_the_same_list() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations");
    let list = |backend: &str| {
        let mut names: Vec<(String, Vec<String>)> = std::fs::read_dir(dir.join(backend))
            .unwrap()
            .map(|e| {
                let e = e.unwrap();
                let mut files: Vec<String> = std::fs::read_dir(e.path())
                    .unwrap()
                    .map(|f| f.unwrap().file_name().to_string_lossy().into_owned())
                    .collect();
                files.sort();
                (e.file_name().to_string_lossy().into_owned(), files)
            })
            .collect();
        names.sort();
        names
    };
    let (sqlite, postgres) = (list("sqlite"), list("postgres"));
    assert!(sqlite.len() >= 10, "{sqlite:?}");
    assert_eq!(sqlite, postgres);
}

/// A filesystem of its own (tmpfs), unmounted when dropped.
pub(crate) struct SmallDisk(pub(crate) tempfile::TempDir);

impl SmallDisk {
    /// `None` where this machine lets no one mount (not root, no CAP_SYS_ADMIN): said on stderr.
    pub(crate) fn mount(mib: usize) -> Option<SmallDisk> {
        let dir = tempfile::tempdir().unwrap();
        let mounted = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={mib}m"), "tmpfs"])
            .arg(dir.path())
            .stderr(std::process::Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if !mounted {
            eprintln!("disk-full test not run: this machine cannot mount a tmpfs here");
            return None;
        }
        Some(SmallDisk(dir))
    }

    /// Writes a file until the disk is full.
    fn fill(&self) -> std::path::PathBuf {
        use std::io::Write;
        let path = self.0.path().join("filler");
        let mut f = std::fs::File::create(&path).unwrap();
        let block = vec![0u8; 64 * 1024];
        while f.write_all(&block).is_ok() {}
        let _ = f.sync_all();
        path
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount")
            .arg("-l")
            .arg(self.0.path())
            .status();
    }
}

/// A tablet writing greetings to one document as fast as the server answers, reconnecting whenever
/// the server closes; what it made and how much of it the server acknowledged.
struct Writer {
    doc: automerge::Automerge,
    made: Vec<(String, automerge::ChangeHash)>,
    acked: usize,
    closes: usize,
}

impl Writer {
    /// Writes for `how_long`, or until `until(acked)` holds.
    async fn run(
        &mut self,
        s: &crate::support::TestServer,
        client: &crate::support::Client,
        doc_id: &str,
        how_long: std::time::Duration,
        until: impl Fn(usize) -> bool,
    ) {
        use crate::support::peers::{Got, RawPeer, add_greeting, msg_type, receive_sync};
        use automerge::sync::{self, SyncDoc};
        let end = tokio::time::Instant::now() + how_long;
        while tokio::time::Instant::now() < end && !until(self.acked) {
            let Ok(mut peer) = RawPeer::connect_to(&s.origin, client).await else {
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                continue;
            };
            peer.join(&format!("peer-disk-{}", self.closes)).await;
            let mut state = sync::State::new();
            if peer
                .sync_doc(doc_id, &mut self.doc, &mut state)
                .await
                .is_err()
            {
                self.closes += 1;
                continue;
            }
            'connected: while tokio::time::Instant::now() < end && !until(self.acked) {
                let id = format!("c-{}", self.made.len());
                add_greeting(&mut self.doc, &id);
                self.made.push((id, self.doc.get_heads()[0]));
                if let Some(m) = self.doc.generate_sync_message(&mut state) {
                    peer.send_sync("sync", doc_id, m.encode()).await;
                }
                loop {
                    match peer.recv(std::time::Duration::from_millis(20)).await {
                        Got::Msg(m) if msg_type(&m) == "sync" => {
                            receive_sync(&m, &mut self.doc, &mut state);
                            if let Some(theirs) = &state.their_heads
                                && let Some(k) =
                                    self.made.iter().rposition(|(_, h)| theirs.contains(h))
                            {
                                self.acked = self.acked.max(k + 1);
                            }
                        }
                        Got::Msg(_) => {}
                        Got::Nothing => break,
                        Got::Closed(_) => {
                            self.closes += 1;
                            break 'connected;
                        }
                    }
                }
            }
        }
    }
}

/// SQLite on a full disk (issue 26 item 1): a tablet keeps writing while the disk fills and stays
/// full, then space returns. Nothing the server acknowledged may be missing from the database, and
/// the server takes writes again by itself. (Before c13e1c6 a failed COMMIT left the connection in
/// its transaction: the next writes became savepoints answered Ok, were acknowledged and never
/// written — 1,465 of 2,236 acknowledged contacts missing in the run.)
#[actix_web::test]
async fn a_full_disk_loses_no_acknowledged_change_and_the_server_recovers() {
    use std::time::Duration;
    let Some(disk) = SmallDisk::mount(24) else {
        return;
    };
    let db = TestDb::sqlite_in(disk.0.path());
    let url = db.url.clone();
    let s = crate::support::TestServer::start(db).await;
    let mut client = s.login("comm-a").await;
    let rid = s.fx.resident("rA1").to_string();
    let doc_id = crate::sync::doc_id(&mut client, &rid).await;
    let mut w = Writer {
        doc: automerge::Automerge::new(),
        made: Vec::new(),
        acked: 0,
        closes: 0,
    };
    w.run(&s, &client, &doc_id, Duration::from_secs(2), |_| false)
        .await;
    let before_full = w.acked;
    assert!(
        before_full > 0,
        "the tablet was acknowledged before the disk filled"
    );

    let filler = disk.fill();
    w.run(&s, &client, &doc_id, Duration::from_secs(3), |_| false)
        .await;
    let while_full = w.acked - before_full;

    std::fs::remove_file(filler).unwrap();
    let target = w.acked + 20;
    w.run(&s, &client, &doc_id, Duration::from_secs(20), |a| {
        a >= target
    })
    .await;
    println!(
        "disk full: {} greetings made, {before_full} acknowledged before the disk filled, \
         {while_full} while full, {} after space returned; {} closes",
        w.made.len(),
        w.acked,
        w.closes
    );
    assert!(
        w.acked >= target,
        "the server took writes again once space returned"
    );

    // A fresh connection to the file (as after a restart) holds every acknowledged greeting.
    let fresh = Db::open(&url, 1).unwrap();
    let stored = fresh
        .read_blocking({
            let doc_id = doc_id.clone();
            move |conn| mimamori::sync::document_json(conn, &doc_id)
        })
        .unwrap();
    let lost: Vec<&str> = w.made[..w.acked]
        .iter()
        .filter(|(id, _)| stored["contacts"].get(id).is_none())
        .map(|(id, _)| id.as_str())
        .collect();
    assert!(
        lost.is_empty(),
        "acknowledged but not stored: {} of {}",
        lost.len(),
        w.acked
    );
}

// `mimamori backup` while a tablet keeps writing, `restore` into an empty database of the same
// kind, `verify` (issue 24 item 1): every change acknowledged before the backup began is in the
// restored database; a restore never overwrites data; a changed backup is refused.
both!(
    a_backup_taken_under_sync_load_restores_every_acknowledged_change,
    backup_restore
);
async fn backup_restore(db: TestDb) {
    use crate::cli::mimamori;
    use crate::support::peers::{RawPeer, add_greeting};
    let postgres = db.pg_name().is_some();
    let s = crate::support::TestServer::start(db).await;
    let url = s.db_url();
    let mut client = s.login("comm-a").await;
    let rid = s.fx.resident("rA1").to_string();
    let doc_id = crate::sync::doc_id(&mut client, &rid).await;
    let mut peer = RawPeer::joined(&s, &client, "peer-backup").await;
    let (mut doc, mut state) = peer.fetch(&doc_id).await;
    for i in 0..20 {
        add_greeting(&mut doc, &format!("b-{i}"));
        peer.exchange(&doc_id, &mut doc, &mut state).await;
    }

    // The backup runs while the tablet goes on writing.
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("mimamori.backup");
    let backup = {
        let (url, dest) = (url.clone(), dest.clone());
        tokio::task::spawn_blocking(move || mimamori(&url, &["backup", dest.to_str().unwrap()], ""))
    };
    let mut during = 0;
    while !backup.is_finished() {
        add_greeting(&mut doc, &format!("during-{during}"));
        peer.exchange(&doc_id, &mut doc, &mut state).await;
        during += 1;
    }
    let (ok, out, err) = backup.await.unwrap();
    assert!(ok, "backup: {err}");
    assert!(out.contains("backup written"), "{out}");
    assert!(dir.path().join("mimamori.backup.sha256").exists());

    // Restored into an empty database of the same kind.
    let target = if postgres {
        TestDb::postgres()
    } else {
        TestDb::sqlite()
    };
    let target_url = target.url.to_string();
    let (ok, _, err) = mimamori(&target_url, &["restore", dest.to_str().unwrap()], "");
    assert!(ok, "restore: {err}");
    let restored = target.open();
    let stored = restored
        .read_blocking({
            let doc_id = doc_id.clone();
            move |conn| mimamori::sync::document_json(conn, &doc_id)
        })
        .unwrap();
    for i in 0..20 {
        assert!(
            stored["contacts"].get(format!("b-{i}")).is_some(),
            "b-{i}, acknowledged before the backup, is in the restored database"
        );
    }
    let rows = restored
        .read_blocking(move |conn| Ok(mimamori::db::documents::contacts_of(conn, &rid)?.len()))
        .unwrap();
    assert!(rows >= 20, "the projected rows came back too ({rows})");
    println!("backup under load: {during} greetings written while it ran");

    // A restore never overwrites: the restored database is not empty now.
    let (ok, _, err) = mimamori(&target_url, &["restore", dest.to_str().unwrap()], "");
    assert!(!ok && err.contains("already holds"), "{err}");

    // verify: the backup holds together; one changed byte and it is refused.
    let (ok, out, err) = mimamori("", &["verify", dest.to_str().unwrap()], "");
    assert!(ok, "verify: {err}");
    assert!(out.contains("checksum ok"), "{out}");
    let mut bytes = std::fs::read(&dest).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x55;
    std::fs::write(&dest, bytes).unwrap();
    let (ok, _, err) = mimamori("", &["verify", dest.to_str().unwrap()], "");
    assert!(!ok && err.contains("checksum does not match"), "{err}");
    let (ok, _, err) = mimamori(
        &TestDb::sqlite().url.to_string(),
        &["restore", dest.to_str().unwrap()],
        "",
    );
    assert!(!ok && err.contains("checksum does not match"), "{err}");
}
