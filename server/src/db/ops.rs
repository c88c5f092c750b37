//! What operating the server reads from the database itself: the stored counts `/metrics` reports,
//! and which migrations a database has (`mimamori migrate --status`).

use diesel::backend::Backend as DieselBackend;
use diesel::prelude::*;
use diesel_migrations::{EmbeddedMigrations, MigrationHarness};

use super::schema::{alerts, data_problems, push_jobs};
use super::{DatabaseUrl, DbConn, POSTGRES_MIGRATIONS, SQLITE_MIGRATIONS, establish};

/// Counts of what is stored, for the whole installation (every server process shares them).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Counts {
    /// Pushes waiting to be sent (due now or waiting for a retry).
    pub pushes_pending: u64,
    /// Alerts ever raised (they are closed, never deleted).
    pub alerts: u64,
    /// Synced entries set aside as data problems (never deleted).
    pub data_problems: u64,
}

pub fn counts(conn: &mut DbConn) -> QueryResult<Counts> {
    let pushes_pending: i64 = push_jobs::table
        .filter(push_jobs::state.eq("pending"))
        .count()
        .get_result(conn)?;
    let alerts: i64 = alerts::table.count().get_result(conn)?;
    let data_problems: i64 = data_problems::table.count().get_result(conn)?;
    Ok(Counts {
        pushes_pending: pushes_pending.max(0) as u64,
        alerts: alerts.max(0) as u64,
        data_problems: data_problems.max(0) as u64,
    })
}

/// Which of this binary's migrations a database has, by name (`2026-11-23-000001_foundation`),
/// in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MigrationStatus {
    pub applied: Vec<String>,
    pub pending: Vec<String>,
    /// Versions the database has that this binary does not know: a newer Mimamori migrated it
    /// (running this older one against it is a downgrade).
    pub unknown: Vec<String>,
    /// Why everything is pending, when the database holds no Mimamori data yet.
    pub empty: Option<&'static str>,
}

/// Reads the migration status without changing anything: a missing SQLite file is not created and
/// a database without Mimamori's tables gets no migration table.
pub fn migration_status(url: &DatabaseUrl) -> Result<MigrationStatus, String> {
    let everything_pending = |why| {
        let pending = match url {
            DatabaseUrl::Sqlite(_) => names::<diesel::sqlite::Sqlite>(&SQLITE_MIGRATIONS)?,
            DatabaseUrl::Postgres(_) => names::<diesel::pg::Pg>(&POSTGRES_MIGRATIONS)?,
        };
        Ok(MigrationStatus {
            applied: Vec::new(),
            pending,
            unknown: Vec::new(),
            empty: Some(why),
        })
    };
    if let DatabaseUrl::Sqlite(path) = url {
        match std::fs::metadata(path) {
            Err(_) => return everything_pending("the database file does not exist"),
            Ok(m) if m.len() == 0 => return everything_pending("the database file is empty"),
            Ok(_) => {}
        }
    }
    let mut conn = establish(url).map_err(|e| format!("cannot open database {url}: {e}"))?;
    if !super::is_initialised(&mut conn).map_err(|e| format!("reading {url}: {e}"))? {
        return everything_pending("the database holds no Mimamori data");
    }
    match &mut conn {
        DbConn::Sqlite(c) => status_of(c, &SQLITE_MIGRATIONS),
        DbConn::Postgres(c) => status_of(c, &POSTGRES_MIGRATIONS),
    }
    .map_err(|e| format!("reading the migrations of {url}: {e}"))
}

fn names<DB: DieselBackend>(source: &EmbeddedMigrations) -> Result<Vec<String>, String>
where
    EmbeddedMigrations: diesel::migration::MigrationSource<DB>,
{
    let list = diesel::migration::MigrationSource::<DB>::migrations(source)
        .map_err(|e| format!("the embedded migrations: {e}"))?;
    Ok(list.iter().map(|m| m.name().to_string()).collect())
}

fn status_of<DB, C>(
    conn: &mut C,
    source: &EmbeddedMigrations,
) -> diesel::migration::Result<MigrationStatus>
where
    DB: DieselBackend,
    C: MigrationHarness<DB>,
    EmbeddedMigrations: diesel::migration::MigrationSource<DB>,
{
    let applied = conn.applied_migrations()?;
    let known = diesel::migration::MigrationSource::<DB>::migrations(source)?;
    let mut status = MigrationStatus {
        applied: Vec::new(),
        pending: Vec::new(),
        unknown: Vec::new(),
        empty: None,
    };
    for m in &known {
        let name = m.name();
        if applied.contains(&name.version()) {
            status.applied.push(name.to_string());
        } else {
            status.pending.push(name.to_string());
        }
    }
    let mut unknown: Vec<String> = applied
        .iter()
        .filter(|v| !known.iter().any(|m| m.name().version() == **v))
        .map(|v| v.to_string())
        .collect();
    unknown.sort();
    status.unknown = unknown;
    Ok(status)
}

/// Tests only: applies the first `n` migrations that are pending, one connection each (as a
/// server upgraded release by release would).
#[doc(hidden)]
pub fn migrate_next(url: &DatabaseUrl, n: usize) -> Result<(), String> {
    for _ in 0..n {
        let mut conn = establish(url).map_err(|e| e.to_string())?;
        match &mut conn {
            DbConn::Sqlite(c) => c.run_next_migration(SQLITE_MIGRATIONS).map(|_| ()),
            DbConn::Postgres(c) => c.run_next_migration(POSTGRES_MIGRATIONS).map(|_| ()),
        }
        .map_err(|e| e.to_string())?;
    }
    Ok(())
}

/// Tests only: runs `sql` (statements separated by `;`) on a fresh connection, outside any
/// transaction — rows a test writes into a database of an older schema.
#[doc(hidden)]
pub fn execute_raw(url: &DatabaseUrl, sql: &str) -> Result<(), String> {
    use diesel::connection::SimpleConnection;
    let mut conn = establish(url).map_err(|e| e.to_string())?;
    conn.batch_execute(sql).map_err(|e| e.to_string())
}

/// Tests only: the database's schema as comparable lines — SQLite: every table's, index's and
/// trigger's SQL, whitespace normalized; PostgreSQL: every column of the current schema (table,
/// column, type, nullability, default) and every index definition.
#[doc(hidden)]
pub fn schema_lines(url: &DatabaseUrl) -> Result<Vec<String>, String> {
    #[derive(QueryableByName)]
    struct Line {
        #[diesel(sql_type = diesel::sql_types::Text)]
        v: String,
    }
    let mut conn = establish(url).map_err(|e| e.to_string())?;
    let lines: Vec<Line> = match &mut conn {
        DbConn::Sqlite(c) => diesel::sql_query(
            "SELECT type || ' ' || name || ': ' || COALESCE(sql, '') AS v FROM sqlite_master \
             WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name",
        )
        .load(c),
        DbConn::Postgres(c) => diesel::sql_query(
            "SELECT v FROM ( \
               SELECT table_name || '.' || column_name || ' ' || data_type || ' ' || is_nullable \
                 || ' ' || COALESCE(column_default, '') AS v \
               FROM information_schema.columns WHERE table_schema = current_schema() \
               UNION ALL \
               SELECT indexdef FROM pg_indexes WHERE schemaname = current_schema() \
               UNION ALL \
               SELECT event_object_table || ' ' || trigger_name || ' ' || event_manipulation \
                 || ' ' || action_statement \
               FROM information_schema.triggers WHERE trigger_schema = current_schema() \
             ) s ORDER BY v",
        )
        .load(c),
    }
    .map_err(|e| e.to_string())?;
    Ok(lines
        .into_iter()
        .map(|l| l.v.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect())
}
