//! Storage: the only module that imports diesel.
//!
//! One [`DbConn`] (`diesel::MultiConnection`) over SQLite (the zero-setup default, a file under
//! `./data`) and PostgreSQL (production), chosen by the URL scheme ([`DatabaseUrl`]). Migrations for
//! both live in `migrations/{sqlite,postgres}` under the same names, are embedded in the binary and run
//! at start-up. [`Db::open`] refuses a database whose durability settings are weaker than we promise
//! (SQLite: WAL + `synchronous=FULL` + foreign keys; PostgreSQL: `fsync` and `synchronous_commit` on).
//!
//! Handlers never hold a connection across an `.await`: they call [`Db::read`] or [`Db::write`] with a
//! closure that runs on tokio's blocking pool. `write` runs the closure in a transaction and, on SQLite,
//! one writer at a time (SQLite serializes writers anyway; doing it here avoids `SQLITE_BUSY` on lock
//! upgrades). Queries live in the submodules, one per area.

pub mod accounts;
pub mod activities;
pub mod audit;
pub mod directory;
pub mod disasters;
pub mod documents;
pub mod evacuation;
pub mod notices;
pub mod ops;
pub mod review;
pub mod schema;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

use diesel::connection::SimpleConnection;
use diesel::pg::PgConnection;
use diesel::prelude::*;
use diesel::r2d2;
use diesel::sqlite::SqliteConnection;
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

use crate::error::AppError;

const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// A connection to either backend. Query code is written once against this type.
#[derive(diesel::MultiConnection)]
pub enum DbConn {
    Postgres(PgConnection),
    Sqlite(SqliteConnection),
}

/// Which database to use, parsed from `DATABASE_URL`.
#[derive(Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    /// A SQLite file (created, with its directory, when missing).
    Sqlite(PathBuf),
    /// A libpq URL: `postgres://user:pass@host:port/db` or `postgresql:///db?host=/socket/dir`.
    Postgres(String),
}

impl DatabaseUrl {
    /// `postgres://…`, `postgresql://…`, `sqlite://path`, `sqlite:path` or a plain file path.
    pub fn parse(raw: &str) -> Result<Self, String> {
        let raw = raw.trim();
        if raw.starts_with("postgres://") || raw.starts_with("postgresql://") {
            return Ok(DatabaseUrl::Postgres(raw.to_string()));
        }
        let path = raw
            .strip_prefix("sqlite://")
            .or_else(|| raw.strip_prefix("sqlite:"))
            .unwrap_or(raw);
        if path.is_empty() {
            return Err("empty SQLite path".into());
        }
        if path.contains("://") {
            return Err(format!(
                "unsupported scheme in {:?}: use postgres:// or a SQLite path",
                redact(raw)
            ));
        }
        Ok(DatabaseUrl::Sqlite(PathBuf::from(path)))
    }

    pub fn backend(&self) -> Backend {
        match self {
            DatabaseUrl::Sqlite(_) => Backend::Sqlite,
            DatabaseUrl::Postgres(_) => Backend::Postgres,
        }
    }
}

/// Prints the URL without its password, so it can go into logs and error messages.
impl std::fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DatabaseUrl::Sqlite(p) => write!(f, "sqlite:{}", p.display()),
            DatabaseUrl::Postgres(u) => write!(f, "{}", redact(u)),
        }
    }
}

impl std::fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(self, f)
    }
}

fn redact(url: &str) -> String {
    // postgres://user:secret@host → postgres://user:***@host
    if let Some((scheme, rest)) = url.split_once("://")
        && let Some((creds, host)) = rest.split_once('@')
        && let Some((user, _)) = creds.split_once(':')
    {
        return format!("{scheme}://{user}:***@{host}");
    }
    url.to_string()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Why the database could not be used; one line, printed by `main` before it exits.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error("cannot open database {url}: {reason}")]
    Unreachable { url: String, reason: String },
    #[error("database {url} is not durable enough: {reason}")]
    NotDurable { url: String, reason: String },
    #[error("migrating database {url} failed: {reason}")]
    Migration { url: String, reason: String },
    /// `serve` and `admin` expect a database that holds Mimamori's data; only `--init`, `migrate`
    /// and `demo` create one (a deleted or moved file must not come back as an empty city).
    #[error(
        "database {url} {reason}; if this is a new installation, start once with `mimamori serve --init` (or run `mimamori migrate`)"
    )]
    Missing { url: String, reason: String },
}

/// Whether [`Db::open_with`] may create the database (a new, empty one is migrated) or requires one
/// that already holds Mimamori's tables.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Create {
    Allowed,
    Refused,
}

#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    #[error(transparent)]
    Connection(#[from] diesel::ConnectionError),
    #[error(transparent)]
    Query(#[from] diesel::result::Error),
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

fn establish(url: &DatabaseUrl) -> Result<DbConn, ConnectError> {
    match url {
        DatabaseUrl::Sqlite(path) => {
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir)?;
            }
            let path = path.to_string_lossy();
            let mut conn = SqliteConnection::establish(&path)?;
            // busy_timeout first: switching to WAL needs a lock, and a pooled connection opened
            // while another writes must wait for it rather than fail with `database is locked`.
            conn.batch_execute("PRAGMA busy_timeout = 10000;")?;
            // A page cache of 256 KiB per connection instead of SQLite's 2 MiB: with every pooled
            // connection reading, the default let each hold its own copy of much of the file (peak
            // RSS of a 200-tablet storm 94.7 → 89.6 MiB; with 100,000 residents stored 108 → 93 MiB).
            // Pages it drops are read again from the OS's cache; storm CPU was no worse (bench).
            conn.batch_execute(
                "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; \
                 PRAGMA foreign_keys = ON; PRAGMA cache_size = -256;",
            )?;
            Ok(DbConn::Sqlite(conn))
        }
        DatabaseUrl::Postgres(u) => Ok(DbConn::Postgres(PgConnection::establish(u)?)),
    }
}

struct Manager {
    url: DatabaseUrl,
}

/// A pooled connection and what the pool needs to know about it.
struct Pooled {
    conn: DbConn,
    /// When it last went back to the pool.
    returned: Instant,
    /// A query on it failed and so did a check after: the pool drops it.
    broken: bool,
}

/// A connection that went back to the pool less than this long ago is handed out unchecked. Before,
/// every checkout ran `SELECT 1` first: a statement parsed each time on SQLite and a round trip on
/// PostgreSQL, about a fifth of an idle server's CPU. What breaks a connection (the database
/// restarted, a proxy's idle timeout) mostly happens to one that waited long; one that breaks in
/// use is found by [`Pooled::run`].
const CHECK_AFTER_IDLE: Duration = Duration::from_secs(30);

impl Pooled {
    /// Runs `f` on the connection. If it fails, the connection is checked, so that a broken one
    /// leaves the pool instead of failing the next caller too.
    fn run<T>(
        &mut self,
        f: impl FnOnce(&mut DbConn) -> Result<T, AppError>,
    ) -> Result<T, AppError> {
        let result = f(&mut self.conn);
        if result.is_err() && ping(&mut self.conn).is_err() {
            self.broken = true;
        }
        result
    }

    /// Runs `f` in a transaction. If it fails, the connection goes back to the pool only when it is
    /// known to be outside any transaction, by diesel's count and by the database's own.
    ///
    /// Why: when COMMIT fails on SQLite (disk full, an I/O error, a deferred constraint) SQLite
    /// keeps the transaction open, and diesel 2.2 may still count it as open too; the next
    /// `transaction` on that connection then became a SAVEPOINT inside it, "committed" with Ok and
    /// never written — and the committer acknowledged it (issue 26).
    fn run_transaction<T>(
        &mut self,
        f: impl FnOnce(&mut DbConn) -> Result<T, AppError>,
    ) -> Result<T, AppError> {
        let result = self.conn.transaction(f);
        if result.is_err() && !outside_transaction(&mut self.conn) {
            self.broken = true;
        }
        result
    }
}

/// Whether a connection is certainly outside any transaction. diesel's own count must say so; on
/// SQLite a `ROLLBACK` must then fail for want of a transaction (if it succeeds, one was open that
/// diesel did not count: it is rolled back now, and the connection is still not trusted). On
/// PostgreSQL a failed COMMIT always ends the transaction; a round trip checks the connection.
fn outside_transaction(conn: &mut DbConn) -> bool {
    use diesel::connection::TransactionManager;
    let depth = <DbConn as Connection>::TransactionManager::transaction_manager_status_mut(conn)
        .transaction_depth();
    if !matches!(depth, Ok(None)) {
        return false;
    }
    match conn {
        DbConn::Sqlite(c) => match c.batch_execute("ROLLBACK") {
            // Only SQLite's own "no transaction is active" proves there was none.
            Err(e) => {
                e.to_string().contains("no transaction is active")
                    && c.batch_execute("SELECT 1").is_ok()
            }
            Ok(()) => false,
        },
        DbConn::Postgres(c) => c.batch_execute("SELECT 1").is_ok(),
    }
}

impl r2d2::ManageConnection for Manager {
    type Connection = Pooled;
    type Error = ConnectError;

    fn connect(&self) -> Result<Pooled, ConnectError> {
        Ok(Pooled {
            conn: establish(&self.url)?,
            returned: Instant::now(),
            broken: false,
        })
    }

    fn is_valid(&self, pooled: &mut Pooled) -> Result<(), ConnectError> {
        if pooled.returned.elapsed() < CHECK_AFTER_IDLE {
            return Ok(());
        }
        Ok(ping(&mut pooled.conn)?)
    }

    fn has_broken(&self, pooled: &mut Pooled) -> bool {
        pooled.returned = Instant::now();
        pooled.broken
    }
}

#[derive(diesel::QueryableByName)]
struct Setting {
    #[diesel(sql_type = diesel::sql_types::Text)]
    v: String,
}

fn setting(conn: &mut DbConn, sql: &str) -> Result<String, diesel::result::Error> {
    Ok(match conn {
        DbConn::Sqlite(c) => diesel::sql_query(sql).get_result::<Setting>(c)?.v,
        DbConn::Postgres(c) => diesel::sql_query(sql).get_result::<Setting>(c)?.v,
    })
}

/// Checks that the connection is as durable as we promise; `Err` names the setting.
fn check_durability(conn: &mut DbConn) -> Result<(), String> {
    let q = |conn: &mut DbConn, sql: &str| setting(conn, sql).map_err(|e| e.to_string());
    match conn {
        DbConn::Sqlite(_) => {
            let mode = q(conn, "SELECT journal_mode AS v FROM pragma_journal_mode()")?;
            if !mode.eq_ignore_ascii_case("wal") {
                return Err(format!("SQLite journal_mode is {mode}, WAL required"));
            }
            let sync = q(
                conn,
                "SELECT CAST(synchronous AS TEXT) AS v FROM pragma_synchronous()",
            )?;
            if sync != "2" && sync != "3" {
                return Err(format!("SQLite synchronous is {sync}, FULL (2) required"));
            }
            let fk = q(
                conn,
                "SELECT CAST(foreign_keys AS TEXT) AS v FROM pragma_foreign_keys()",
            )?;
            if fk != "1" {
                return Err("SQLite foreign_keys is off".into());
            }
        }
        DbConn::Postgres(_) => {
            let fsync = q(conn, "SELECT current_setting('fsync') AS v")?;
            if fsync != "on" {
                return Err(format!("PostgreSQL fsync is {fsync}, on required"));
            }
            let sc = q(conn, "SELECT current_setting('synchronous_commit') AS v")?;
            if sc == "off" {
                return Err("PostgreSQL synchronous_commit is off, on required".into());
            }
            let fpw = q(conn, "SELECT current_setting('full_page_writes') AS v")?;
            if fpw != "on" {
                return Err(format!("PostgreSQL full_page_writes is {fpw}, on required"));
            }
        }
    }
    Ok(())
}

/// The connection pool and the backend-specific rules for using it. Cheap to clone.
#[derive(Clone)]
pub struct Db {
    pool: r2d2::Pool<Manager>,
    sqlite_writer: Arc<Mutex<()>>,
    url: DatabaseUrl,
    health: Arc<Health>,
}

/// What the server has learnt about its database while running, for `/healthz` and for refusing
/// writes that cannot be durable.
#[derive(Default)]
struct Health {
    /// When a write first failed with no success since (ms since the epoch; 0: writes succeed).
    failing_since: AtomicI64,
    /// The SQLite file was deleted or replaced under the running server: whatever is written now
    /// goes to a file nobody will open again, so nothing more is written (or acknowledged).
    lost: AtomicBool,
}

/// How often the SQLite file's identity (device, inode) is checked.
const FILE_CHECK_EVERY: Duration = Duration::from_millis(500);

/// The identity of an open file: (device, inode). `None` when it does not exist.
fn file_identity(path: &Path) -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(path).ok().map(|m| (m.dev(), m.ino()))
}

/// Watches the SQLite file for as long as the [`Db`] lives: when it is deleted or replaced, marks
/// the database lost and says so once in the log.
fn watch_sqlite_file(path: PathBuf, health: Weak<Health>) {
    let Some(identity) = file_identity(&path) else {
        return;
    };
    let spawned = std::thread::Builder::new()
        .name("db-file-watch".into())
        .spawn(move || {
            loop {
                std::thread::sleep(FILE_CHECK_EVERY);
                let Some(health) = health.upgrade() else {
                    return;
                };
                if file_identity(&path) != Some(identity) {
                    health.lost.store(true, Ordering::SeqCst);
                    tracing::error!(
                        path = %path.display(),
                        "the database file was deleted or replaced while the server runs: nothing more is written or acknowledged; restore the file and restart"
                    );
                    return;
                }
            }
        });
    if let Err(e) = spawned {
        tracing::warn!(error = %e, "cannot watch the database file");
    }
}

/// Whether the database holds Mimamori's tables (diesel's migration table).
fn is_initialised(conn: &mut DbConn) -> Result<bool, diesel::result::Error> {
    let sql = match conn {
        DbConn::Sqlite(_) => {
            "SELECT CAST(count(*) AS TEXT) AS v FROM sqlite_master \
             WHERE type = 'table' AND name = '__diesel_schema_migrations'"
        }
        DbConn::Postgres(_) => {
            "SELECT CAST(count(*) AS TEXT) AS v FROM information_schema.tables \
             WHERE table_schema = current_schema() AND table_name = '__diesel_schema_migrations'"
        }
    };
    Ok(setting(conn, sql)? != "0")
}

impl Db {
    /// Connects, checks durability, runs pending migrations and builds the pool; creates the
    /// database if it is missing (tests, `migrate`, `demo`).
    pub fn open(url: &DatabaseUrl, pool_size: u32) -> Result<Db, StartupError> {
        Db::open_with(url, pool_size, Create::Allowed)
    }

    /// [`Db::open`], refusing with [`StartupError::Missing`] a database that does not hold
    /// Mimamori's tables yet when `create` is [`Create::Refused`] — a missing or empty SQLite file,
    /// an empty PostgreSQL database. A file is not created to find out.
    pub fn open_with(
        url: &DatabaseUrl,
        pool_size: u32,
        create: Create,
    ) -> Result<Db, StartupError> {
        let shown = url.to_string();
        let one_line =
            |e: &dyn std::fmt::Display| e.to_string().replace('\n', " ").trim().to_string();
        if let (DatabaseUrl::Sqlite(path), Create::Refused) = (url, create) {
            let reason = match std::fs::metadata(path) {
                Err(_) => Some("does not exist"),
                Ok(m) if m.len() == 0 => Some("is an empty file"),
                Ok(_) => None,
            };
            if let Some(reason) = reason {
                return Err(StartupError::Missing {
                    url: shown,
                    reason: reason.into(),
                });
            }
        }
        let mut conn = establish(url).map_err(|e| StartupError::Unreachable {
            url: shown.clone(),
            reason: one_line(&e),
        })?;
        if create == Create::Refused {
            let initialised = is_initialised(&mut conn).map_err(|e| StartupError::Unreachable {
                url: shown.clone(),
                reason: one_line(&e),
            })?;
            if !initialised {
                return Err(StartupError::Missing {
                    url: shown,
                    reason: "holds no Mimamori data".into(),
                });
            }
        }
        check_durability(&mut conn).map_err(|reason| StartupError::NotDurable {
            url: shown.clone(),
            reason,
        })?;
        let migrated = match &mut conn {
            DbConn::Sqlite(c) => c.run_pending_migrations(SQLITE_MIGRATIONS).map(|_| ()),
            DbConn::Postgres(c) => c.run_pending_migrations(POSTGRES_MIGRATIONS).map(|_| ()),
        };
        migrated.map_err(|e| StartupError::Migration {
            url: shown.clone(),
            reason: one_line(&e),
        })?;
        drop(conn);
        let pool = r2d2::Pool::builder()
            .max_size(pool_size)
            // Every connection is opened now and kept: a reconnect storm on a fresh (or long idle)
            // server no longer waits for connections to be opened (and on SQLite, for each new
            // one to read the schema) while tablets wait; r2d2's own threads, which open them, were
            // 5–17 ms of a 10-tablet storm's 110–200 ms of CPU.
            .min_idle(Some(pool_size))
            .connection_timeout(Duration::from_secs(10))
            .build(Manager { url: url.clone() })
            .map_err(|e| StartupError::Unreachable {
                url: shown,
                reason: one_line(&e),
            })?;
        let health = Arc::new(Health::default());
        if let DatabaseUrl::Sqlite(path) = url {
            watch_sqlite_file(path.clone(), Arc::downgrade(&health));
        }
        Ok(Db {
            pool,
            sqlite_writer: Arc::new(Mutex::new(())),
            url: url.clone(),
            health,
        })
    }

    /// `Ok` while the database can be written; else why not, in one line for `/healthz` and the log
    /// (the file was deleted or replaced, or writes have been failing since a moment).
    pub fn write_status(&self) -> Result<(), String> {
        if self.health.lost.load(Ordering::SeqCst) {
            return Err("the database file was deleted or replaced".into());
        }
        match self.health.failing_since.load(Ordering::SeqCst) {
            0 => Ok(()),
            since => Err(format!(
                "writes have failed for {} s",
                (now_ms() - since).max(0) / 1000
            )),
        }
    }

    /// Records how a write ended: a failure of the database itself (an error diesel returned, not a
    /// refusal by the rules such as a conflict or an invalid field, nor a pool checkout that timed
    /// out under load) starts the "failing" state; a success ends it.
    fn note_write<T>(&self, result: &Result<T, AppError>) {
        let failing = &self.health.failing_since;
        match result {
            Ok(_) => {
                if failing.load(Ordering::Relaxed) != 0 {
                    failing.store(0, Ordering::SeqCst);
                    tracing::info!("database writes succeed again");
                }
            }
            Err(AppError::Database(_)) => {
                if failing
                    .compare_exchange(0, now_ms(), Ordering::SeqCst, Ordering::SeqCst)
                    .is_ok()
                {
                    tracing::error!(
                        "database writes fail: nothing is acknowledged until they succeed"
                    );
                }
            }
            Err(_) => {}
        }
    }

    pub fn backend(&self) -> Backend {
        self.url.backend()
    }

    /// The PostgreSQL URL (for the one connection that is not diesel's: `sync::fanout`).
    pub fn postgres_url(&self) -> Option<&str> {
        match &self.url {
            DatabaseUrl::Postgres(u) => Some(u),
            DatabaseUrl::Sqlite(_) => None,
        }
    }

    /// Runs `f` with a pooled connection on the blocking pool (no transaction).
    pub async fn read<T, F>(&self, f: F) -> Result<T, AppError>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConn) -> Result<T, AppError> + Send + 'static,
    {
        let pool = self.pool.clone();
        run_blocking(move || pool.get().map_err(AppError::unavailable)?.run(f)).await
    }

    /// Runs `f` in one transaction, committed before this returns `Ok`. On error it rolls back.
    pub async fn write<T, F>(&self, f: F) -> Result<T, AppError>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConn) -> Result<T, AppError> + Send + 'static,
    {
        let db = self.clone();
        run_blocking(move || db.write_blocking(f)).await
    }

    /// [`Db::write`] for callers that are already off the async runtime (CLI, demo seeding).
    pub fn write_blocking<T, F>(&self, f: F) -> Result<T, AppError>
    where
        F: FnOnce(&mut DbConn) -> Result<T, AppError>,
    {
        if self.health.lost.load(Ordering::SeqCst) {
            return Err(AppError::unavailable(
                "the database file was deleted or replaced",
            ));
        }
        let result = self
            .pool
            .get()
            .map_err(AppError::unavailable)
            .and_then(|mut pooled| {
                let _writer = match self.backend() {
                    Backend::Sqlite => {
                        Some(self.sqlite_writer.lock().unwrap_or_else(|p| p.into_inner()))
                    }
                    Backend::Postgres => None,
                };
                pooled.run_transaction(f)
            });
        self.note_write(&result);
        result
    }

    /// [`Db::read`] for callers off the async runtime.
    pub fn read_blocking<T, F>(&self, f: F) -> Result<T, AppError>
    where
        F: FnOnce(&mut DbConn) -> Result<T, AppError>,
    {
        self.pool.get().map_err(AppError::unavailable)?.run(f)
    }
}

async fn run_blocking<T, F>(f: F) -> Result<T, AppError>
where
    T: Send + 'static,
    F: FnOnce() -> Result<T, AppError> + Send + 'static,
{
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| AppError::internal_in("database task failed", e))?
}

/// A round trip to the database (health checks).
pub fn ping(conn: &mut DbConn) -> QueryResult<()> {
    conn.batch_execute("SELECT 1")
}

/// Milliseconds since the Unix epoch by the server's clock; the unit of every `*_at` column.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// A random id for a new row (UUID v4, text).
pub fn new_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_pick_the_backend_and_hide_passwords() {
        assert_eq!(
            DatabaseUrl::parse("sqlite://data/x.db").unwrap(),
            DatabaseUrl::Sqlite("data/x.db".into())
        );
        assert_eq!(
            DatabaseUrl::parse("x.db").unwrap().backend(),
            Backend::Sqlite
        );
        let pg = DatabaseUrl::parse("postgres://u:hunter2@db/m").unwrap();
        assert_eq!(pg.backend(), Backend::Postgres);
        assert!(!pg.to_string().contains("hunter2"));
        assert!(DatabaseUrl::parse("mysql://x").is_err());
    }
}
