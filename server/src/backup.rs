//! Backup, restore and verify (`mimamori backup|restore|verify`), for the operator asked after an
//! incident "was anything lost?".
//!
//! - **SQLite**: `VACUUM INTO` from a connection of its own: a consistent copy of the database as of
//!   one moment, taken while the server runs and syncs (copying a live WAL-mode file is not a
//!   backup). **PostgreSQL**: `pg_dump --format=custom`, the documented way, run on the URL.
//! - Beside the backup, `BACKUP.sha256` (as `sha256sum` writes it). `restore` and `verify` check it
//!   first: a backup changed since it was taken is refused.
//! - `restore` goes only into an empty database (a missing or empty SQLite file, a PostgreSQL
//!   database without tables), then migrates it to this version.
//! - `verify` opens a copy of a SQLite backup and loads every resident's document, and checks that
//!   every projected contact is in its document; a PostgreSQL dump is listed by `pg_restore --list`.
//!
//! A backup holds every resident's personal data, the VAPID private key and every tablet's key share:
//! keep it as the database itself is kept (docs/SECURITY.md).

use std::path::{Path, PathBuf};
use std::process::Command;

use diesel::Connection;
use diesel::connection::SimpleConnection;
use sha2::{Digest, Sha256};

use crate::db::{Create, DatabaseUrl, Db, directory, documents};

fn checksum_path(backup: &Path) -> PathBuf {
    let mut p = backup.as_os_str().to_owned();
    p.push(".sha256");
    PathBuf::from(p)
}

fn sha256_of(path: &Path) -> Result<String, String> {
    let mut f = std::fs::File::open(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut h = Sha256::new();
    std::io::copy(&mut f, &mut h).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(h.finalize().iter().map(|b| format!("{b:02x}")).collect())
}

/// The backup's checksum matches the one written beside it.
fn check_sum(backup: &Path) -> Result<(), String> {
    let sums = checksum_path(backup);
    let expected = std::fs::read_to_string(&sums).map_err(|e| {
        format!(
            "{}: {e} (the checksum written with the backup)",
            sums.display()
        )
    })?;
    let expected = expected.split_whitespace().next().unwrap_or("");
    if sha256_of(backup)? != expected {
        return Err(format!(
            "{}: the checksum does not match — the file changed since the backup was taken",
            backup.display()
        ));
    }
    Ok(())
}

fn run(cmd: &mut Command) -> Result<(), String> {
    let out = cmd
        .output()
        .map_err(|e| format!("{:?}: {e}", cmd.get_program()))?;
    if !out.status.success() {
        return Err(format!(
            "{:?} failed: {}",
            cmd.get_program(),
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    Ok(())
}

/// Takes a consistent backup of the database at `url` into `dest` (which must not exist), and
/// writes its checksum beside it. Returns the backup's size in bytes.
pub fn backup(url: &DatabaseUrl, dest: &Path) -> Result<u64, String> {
    if dest.exists() {
        return Err(format!("{} exists: give a new file name", dest.display()));
    }
    match url {
        DatabaseUrl::Sqlite(path) => {
            if !path.exists() {
                return Err(format!("{} does not exist", path.display()));
            }
            let mut conn = diesel::SqliteConnection::establish(&path.to_string_lossy())
                .map_err(|e| e.to_string())?;
            let target = dest.to_string_lossy().replace('\'', "''");
            conn.batch_execute(&format!(
                "PRAGMA busy_timeout = 10000; VACUUM INTO '{target}';"
            ))
            .map_err(|e| format!("VACUUM INTO: {e}"))?;
        }
        DatabaseUrl::Postgres(u) => run(Command::new("pg_dump")
            .arg("--format=custom")
            .arg("--file")
            .arg(dest)
            .arg(u))?,
    }
    let sum = sha256_of(dest)?;
    let name = dest
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    std::fs::write(checksum_path(dest), format!("{sum}  {name}\n")).map_err(|e| e.to_string())?;
    std::fs::metadata(dest)
        .map(|m| m.len())
        .map_err(|e| e.to_string())
}

/// Restores `src` into the empty database at `url`, then migrates it.
pub fn restore(src: &Path, url: &DatabaseUrl) -> Result<(), String> {
    check_sum(src)?;
    // Refused unless empty: a restore never overwrites a city's data.
    match Db::open_with(url, 1, Create::Refused) {
        Err(crate::db::StartupError::Missing { .. }) => {}
        Ok(_) => {
            return Err(format!(
                "{url} already holds Mimamori data: restore only into an empty database"
            ));
        }
        Err(e) => return Err(e.to_string()),
    }
    match url {
        DatabaseUrl::Sqlite(path) => {
            std::fs::copy(src, path).map_err(|e| format!("{}: {e}", path.display()))?;
        }
        DatabaseUrl::Postgres(u) => run(Command::new("pg_restore")
            .arg("--no-owner")
            .arg("--exit-on-error")
            .arg("--dbname")
            .arg(u)
            .arg(src))?,
    }
    Db::open_with(url, 1, Create::Refused).map_err(|e| e.to_string())?;
    Ok(())
}

/// What [`verify`] found.
#[derive(Debug, Default)]
pub struct Verified {
    pub documents: usize,
    pub contacts: usize,
}

/// Checks a backup: its checksum, and (SQLite) every resident's document loads and holds every
/// contact projected from it; (PostgreSQL) the dump's table of contents reads.
pub fn verify(src: &Path) -> Result<Verified, String> {
    check_sum(src)?;
    let mut head = [0u8; 16];
    let n = std::io::Read::read(
        &mut std::fs::File::open(src).map_err(|e| e.to_string())?,
        &mut head,
    )
    .map_err(|e| e.to_string())?;
    if head[..n].starts_with(b"PGDMP") {
        run(Command::new("pg_restore").arg("--list").arg(src))?;
        return Ok(Verified::default());
    }
    // A copy: opening a database migrates and writes (WAL), and the backup stays as it was.
    let work =
        std::env::temp_dir().join(format!("mimamori-verify-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&work).map_err(|e| e.to_string())?;
    let result = verify_copy(src, &work);
    let _ = std::fs::remove_dir_all(&work);
    result
}

fn verify_copy(src: &Path, work: &Path) -> Result<Verified, String> {
    let copy = work.join("verify.sqlite3");
    std::fs::copy(src, &copy).map_err(|e| e.to_string())?;
    let db =
        Db::open_with(&DatabaseUrl::Sqlite(copy), 1, Create::Refused).map_err(|e| e.to_string())?;
    db.read_blocking(|conn| {
        let mut out = Verified::default();
        for r in directory::list_residents(conn, None)? {
            let Some(doc_id) = r.doc_id else { continue };
            let json = crate::sync::document_json(conn, &doc_id)?;
            out.documents += 1;
            for row in documents::contacts_of(conn, &r.id)? {
                if json["contacts"].get(&row.id).is_none() {
                    return Err(crate::error::AppError::internal(format!(
                        "resident {}: contact {} is projected but not in the document",
                        r.id, row.id
                    )));
                }
                out.contacts += 1;
            }
        }
        Ok(out)
    })
    .map_err(|e| format!("the backup does not hold together: {e}"))
}
