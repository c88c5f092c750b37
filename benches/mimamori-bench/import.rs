//! `import`: the city's 名簿 (roster) CSV, imported through the server as the office does it
//! (issue 22): a preview of `--residents` new residents in 48 districts, the import itself (each
//! resident gets its document), then next month's file with one row in ten changed (a preview, and
//! an import that writes each corrected name or address into its document as a server change).
//! Prints the wall time of each step and rows per second. Asserts nothing.

use std::time::{Duration, Instant};

use crate::storm;
use mimamori::admin::{self, Actor, NewUser};
use mimamori::db::{DatabaseUrl, Db};
use mimamori::domain::demo_names::{GIVEN_NAMES, STREETS, SURNAMES};
use mimamori::domain::{DistrictCode, Login, Name, Password, Role};

/// What to run.
#[derive(Debug, Clone, clap::Args)]
pub struct Options {
    #[arg(long, default_value_t = 5000)]
    pub residents: usize,
    /// An empty PostgreSQL database (postgres://…); a fresh SQLite file by default.
    #[arg(long)]
    pub database_url: Option<String>,
}

pub fn run(opts: Options) -> Result<(), String> {
    actix_web::rt::System::new().block_on(run_async(opts))
}

const DISTRICTS: usize = 48;

/// The roster as the city's Excel writes it (UTF-8 here); `month` varies one address in ten.
fn roster(n: usize, month: usize) -> String {
    let mut out = String::from("番号,氏名,ふりがな,住所,地区,見守り間隔\r\n");
    for i in 0..n {
        let (s, sk) = SURNAMES[(i * 5) % SURNAMES.len()];
        let (g, gk) = GIVEN_NAMES[(i * 3 + i / 7) % GIVEN_NAMES.len()];
        let street = STREETS[i % STREETS.len()];
        let block = if month > 0 && i % 10 == 0 {
            i % 9 + 2
        } else {
            i % 9 + 1
        };
        out.push_str(&format!(
            "A-{i:05},{s} {g},{sk} {gk},旭川市{street}{block}丁目{}番地,d{:02},7\r\n",
            i % 30 + 1,
            i % DISTRICTS + 1
        ));
    }
    out
}

async fn run_async(opts: Options) -> Result<(), String> {
    let work = tempfile::tempdir().map_err(|e| e.to_string())?;
    let url = match &opts.database_url {
        Some(u) => DatabaseUrl::parse(u).map_err(|e| e.to_string())?,
        None => DatabaseUrl::Sqlite(work.path().join("import.sqlite3")),
    };
    let db = Db::open(&url, 2).map_err(|e| e.to_string())?;
    let admin_id = db
        .write_blocking(|conn| {
            let actor = Actor::cli();
            for d in 1..=DISTRICTS {
                admin::create_district(
                    conn,
                    &actor,
                    DistrictCode::parse(&format!("d{d:02}"))
                        .map_err(mimamori::error::AppError::internal)?,
                    Name::parse(&format!("地区{d}"))
                        .map_err(mimamori::error::AppError::internal)?,
                )?;
            }
            let hash = mimamori::auth::hash_password(
                &Password::parse("bench-password-1")
                    .map_err(mimamori::error::AppError::internal)?,
            )?;
            Ok(admin::create_user(
                conn,
                &actor,
                NewUser {
                    login: Login::parse("bench-admin")
                        .map_err(mimamori::error::AppError::internal)?,
                    display_name: Name::parse("管理者")
                        .map_err(mimamori::error::AppError::internal)?,
                    role: Role::Admin,
                    district_id: None,
                    password_hash: hash,
                },
            )?
            .id)
        })
        .map_err(|e| e.to_string())?;
    let cookie = storm::session_cookie(&db, &admin_id)?;
    drop(db);
    let (proc, origin) = storm::serve_child(&url, &[]).await?;
    let client = awc::Client::builder()
        .timeout(Duration::from_secs(600))
        .finish();
    let post = |body: String, confirm: bool| {
        let (client, origin, cookie) = (client.clone(), origin.clone(), cookie.clone());
        async move {
            let t = Instant::now();
            let mut res = client
                .post(format!(
                    "{origin}/api/admin/roster/residents?confirm={confirm}"
                ))
                .insert_header(("Cookie", cookie))
                .insert_header(("Origin", origin.clone()))
                .insert_header(("Content-Type", "text/csv; charset=utf-8"))
                .send_body(body)
                .await
                .map_err(|e| e.to_string())?;
            let json: serde_json::Value = res
                .json()
                .limit(64 << 20)
                .await
                .map_err(|e| e.to_string())?;
            if !res.status().is_success() {
                return Err(format!("{}: {json}", res.status()));
            }
            Ok::<_, String>((t.elapsed().as_secs_f64(), json))
        }
    };
    println!(
        "roster import: {} residents in {DISTRICTS} districts through POST /api/admin/roster/residents ({})",
        opts.residents,
        match url {
            DatabaseUrl::Sqlite(_) => "SQLite",
            DatabaseUrl::Postgres(_) => "PostgreSQL",
        }
    );
    let count = |j: &serde_json::Value, k: &str| j[k].as_array().map_or(0, Vec::len);
    let first = roster(opts.residents, 0);
    let next = roster(opts.residents, 1);
    for (what, body, confirm) in [
        ("preview, all new", first.clone(), false),
        ("import, all new", first, true),
        ("preview, next month (1 in 10 changed)", next.clone(), false),
        ("import, next month", next, true),
    ] {
        let (s, j) = post(body, confirm).await?;
        println!(
            "  {what:<40} {s:>7.2} s  {:>8.0} rows/s  (add {}, change {}, unchanged {}, problems {}, applied {})",
            opts.residents as f64 / s,
            count(&j, "add"),
            count(&j, "change"),
            j["unchanged"],
            count(&j, "problems"),
            j["applied"],
        );
    }
    println!(
        "  server RSS at the end: {:.0} MiB",
        proc.status_kib("VmRSS") / 1024.0
    );
    Ok(())
}
