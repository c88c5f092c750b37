//! `review`: the district lead's review screen and the monthly 活動記録 for a big
//! district — by default 40 commissioners × 25 residents × a year of weekly contacts (52,000
//! contacts), in a city of 4 such districts — against our server (a child process, as in production). Prints figures; asserts
//! nothing.
//!
//! Each endpoint is asked `repeat` times after two warm-ups; the figures are the client-measured
//! p50 and worst time of one request on loopback (server time plus a fraction of a millisecond), and
//! the ratio to `GET /api/me` (a session lookup and one small JSON answer) measured in the same run.

use std::time::Instant;

use crate::storm;
use mimamori::admin::{self, Actor, NewResident, NewUser};
use mimamori::db::documents::{self, ContactRecord};
use mimamori::db::{self, DatabaseUrl, Db};
use mimamori::domain::{Address, Date, DistrictCode, Kana, Login, Name, Role};

#[derive(clap::Args)]
pub struct Options {
    /// Districts alike; the first one's lead is measured.
    #[arg(long, default_value_t = 4, value_parser = at_least_one)]
    pub districts: usize,
    #[arg(long, default_value_t = 40, value_parser = at_least_one)]
    pub commissioners: usize,
    #[arg(long = "residents", default_value_t = 25, value_parser = at_least_one)]
    pub residents_per_commissioner: usize,
    #[arg(long, default_value_t = 52, value_parser = at_least_one)]
    pub weeks: usize,
    #[arg(long, default_value_t = 20, value_parser = at_least_one)]
    pub repeat: usize,
    /// Default: a fresh SQLite file in a temporary directory. A PostgreSQL URL must name an empty
    /// database.
    #[arg(long)]
    pub database_url: Option<String>,
}

/// Every count is at least one.
pub fn at_least_one(v: &str) -> Result<usize, String> {
    match v.parse::<usize>() {
        Ok(n) if n >= 1 => Ok(n),
        _ => Err(format!("{v}: a whole number, at least 1")),
    }
}

pub fn run(opts: Options) -> Result<(), String> {
    actix_web::rt::System::new().block_on(run_async(opts))
}

struct Seeded {
    lead_cookie: String,
    staff_cookie: String,
    commissioner_id: String,
    contacts: usize,
    activities: usize,
}

async fn run_async(opts: Options) -> Result<(), String> {
    let work = tempfile::tempdir().map_err(|e| e.to_string())?;
    let url = match &opts.database_url {
        Some(u) => DatabaseUrl::parse(u)?,
        None => DatabaseUrl::Sqlite(work.path().join("bench-review.sqlite3")),
    };
    let t = Instant::now();
    let db = Db::open(&url, 4).map_err(|e| e.to_string())?;
    let seeded = seed(&db, &opts)?;
    drop(db);
    println!(
        "review and 活動記録: {} districts, each {} commissioners × {} residents × {} weekly contacts; one district's lead measured",
        opts.districts, opts.commissioners, opts.residents_per_commissioner, opts.weeks
    );
    println!(
        "  seeded {} contacts and {} activity log entries in {:.1} s ({url})",
        seeded.contacts,
        seeded.activities,
        t.elapsed().as_secs_f64()
    );

    let (proc, origin) = storm::serve_child(&url, &[]).await?;

    let today = Date::today_jst(db::now_ms());
    let month = format!("{:04}-{:02}", today.year, today.month);
    let from = Date::from_epoch_days(today.epoch_days() - 30).to_string();
    let lead = seeded.lead_cookie.as_str();
    let staff = seeded.staff_cookie.as_str();
    let asks: Vec<(&str, &str, String)> = vec![
        ("baseline: GET /api/me", lead, "/api/me".into()),
        (
            "review list (concerns, unreviewed first)",
            lead,
            "/api/review/contacts".into(),
        ),
        (
            "review: concern 至急",
            lead,
            "/api/review/contacts?concern=urgent".into(),
        ),
        (
            "review: 郵便受け 気になる",
            lead,
            "/api/review/contacts?check=mailbox".into(),
        ),
        (
            "review: one commissioner, last 30 days",
            lead,
            format!(
                "/api/review/contacts?commissioner_id={}&from={from}&to={today}",
                seeded.commissioner_id
            ),
        ),
        ("overdue residents", lead, "/api/review/overdue".into()),
        (
            "活動記録, district (lead)",
            lead,
            format!("/api/reports/activity?month={month}"),
        ),
        (
            "活動記録 CSV, district (lead)",
            lead,
            format!("/api/reports/activity.csv?month={month}"),
        ),
        (
            "活動記録, city totals (staff)",
            staff,
            format!("/api/reports/activity?month={month}"),
        ),
        ("charts, district (lead)", lead, "/api/charts".into()),
        ("charts, city (staff)", staff, "/api/charts".into()),
    ];
    let http = awc::Client::builder()
        .timeout(std::time::Duration::from_secs(60))
        .finish();
    let cpu_before = proc.cpu_s();
    let mut baseline = 0.0;
    // Numbers first: the Japanese labels are double-width and would not line up.
    println!(
        "  {:>9} {:>9} {:>10} {:>9}  request",
        "p50 ms", "worst ms", "× /api/me", "bytes"
    );
    for (what, cookie, path) in &asks {
        let mut times = Vec::new();
        let mut bytes = 0;
        for i in 0..opts.repeat + 2 {
            let t = Instant::now();
            let mut r = http
                .get(format!("{origin}{path}"))
                .insert_header(("Origin", origin.as_str()))
                .insert_header(("Cookie", *cookie))
                .send()
                .await
                .map_err(|e| format!("{path}: {e}"))?;
            let body = r.body().limit(64 << 20).await.map_err(|e| e.to_string())?;
            if !r.status().is_success() {
                return Err(format!("{path}: {}", r.status()));
            }
            if i >= 2 {
                times.push(t.elapsed().as_secs_f64() * 1000.0);
            }
            bytes = body.len();
        }
        times.sort_by(f64::total_cmp);
        let p50 = times[times.len() / 2];
        let worst = times[times.len() - 1];
        if baseline == 0.0 {
            baseline = p50;
        }
        println!(
            "  {p50:>9.2} {worst:>9.2} {:>9.1}× {bytes:>9}  {what}",
            p50 / baseline
        );
    }
    println!(
        "  server CPU for all {} requests: {:.2} s; RSS {:.1} MiB",
        asks.len() * (opts.repeat + 2),
        proc.cpu_s() - cpu_before,
        proc.status_kib("VmRSS:") / 1024.0
    );
    Ok(())
}

fn seed(db: &Db, opts: &Options) -> Result<Seeded, String> {
    let cli = Actor::cli();
    let today = Date::today_jst(db::now_ms());
    let user = |conn: &mut db::DbConn, login: String, role: Role, district: Option<String>| {
        admin::create_user(
            conn,
            &cli,
            NewUser {
                login: Login::parse(&login).unwrap(),
                display_name: Name::parse(&login).unwrap(),
                role,
                district_id: district,
                password_hash: "not-used".into(),
            },
        )
    };
    let staff = db
        .write_blocking(|conn| user(conn, "bench-staff".into(), Role::CityStaff, None))
        .map_err(|e| e.to_string())?;
    let start = Date::from_epoch_days(today.epoch_days() - 400);
    let mut contacts = 0;
    let mut activities = 0;
    let mut measured = None;
    // Every district alike; the lead of the first one is measured (the others are what a
    // city-wide index has to skip).
    for k in 0..opts.districts {
        let (district, lead, commissioners) = db
            .write_blocking(|conn| {
                let d = admin::create_district(
                    conn,
                    &cli,
                    DistrictCode::parse(&format!("bench-{k}")).unwrap(),
                    Name::parse(&format!("ベンチ地区{k}")).unwrap(),
                )?;
                let lead = user(
                    conn,
                    format!("bench-d{k}-lead"),
                    Role::DistrictLead,
                    Some(d.id.clone()),
                )?;
                let mut cs = Vec::new();
                for c in 0..opts.commissioners {
                    cs.push(
                        user(
                            conn,
                            format!("bench-d{k}-c{c}"),
                            Role::Commissioner,
                            Some(d.id.clone()),
                        )?
                        .id,
                    );
                }
                Ok((d.id, lead.id, cs))
            })
            .map_err(|e| e.to_string())?;
        measured.get_or_insert((lead, commissioners[0].clone()));
        for (c, commissioner) in commissioners.iter().enumerate() {
            let n = db
                .write_blocking(|conn| {
                    let mut n = 0;
                    for r in 0..opts.residents_per_commissioner {
                        let resident = admin::create_resident(
                            conn,
                            &cli,
                            NewResident {
                                district_id: district.clone(),
                                name: Name::parse(&format!("対象者 {c}-{r}")).unwrap(),
                                kana: Kana::parse("たいしょうしゃ").unwrap(),
                                address: Address::parse("旭川市（ベンチ）").unwrap(),
                                contact_interval_days: Some(7),
                            },
                        )?;
                        admin::assign(conn, &cli, &resident.id, commissioner, start, None)?;
                        let rows = (0..opts.weeks)
                            .map(|w| {
                                weekly_contact(&resident.id, commissioner, today, w, c * 31 + r)
                            })
                            .collect::<Vec<_>>();
                        n += rows.len();
                        let rows = documents::ProjectedRows {
                            contacts: rows,
                            reviews: Vec::new(),
                            referrals: Vec::new(),
                            problems: Vec::new(),
                        };
                        documents::apply_projection(conn, &resident.id, None, rows, db::now_ms())?;
                        documents::mark_doc_changed(conn, &[&resident.id], db::now_ms())?;
                    }
                    Ok(n)
                })
                .map_err(|e| e.to_string())?;
            contacts += n;
            // The commissioner's own activity log: two entries a week (a meeting, a liaison call).
            let own: Vec<(String, String, String)> = (0..opts.weeks)
                .flat_map(|w| {
                    let day =
                        Date::from_epoch_days(today.epoch_days() - 7 * w as i64 - 1).to_string();
                    [
                        (format!("m{w}"), day.clone(), "council".to_string()),
                        (format!("l{w}"), day, "liaison".to_string()),
                    ]
                })
                .collect();
            activities += own.len();
            db.write_blocking(|conn| {
                Ok(db::activities::apply(
                    conn,
                    commissioner,
                    &own,
                    db::now_ms(),
                )?)
            })
            .map_err(|e| e.to_string())?;
        }
    }
    let (lead, commissioner_id) = measured.ok_or("no district")?;
    // Fresh statistics, as PostgreSQL's autovacuum keeps them in production (without them the
    // first queries after a bulk load are planned blind). SQLite plans without statistics.
    db.write_blocking(|conn| {
        if let db::DbConn::Postgres(c) = conn {
            diesel::RunQueryDsl::execute(diesel::sql_query("ANALYZE"), c)?;
        }
        Ok(())
    })
    .map_err(|e| e.to_string())?;
    Ok(Seeded {
        lead_cookie: storm::session_cookie(db, &lead)?,
        staff_cookie: storm::session_cookie(db, &staff.id)?,
        commissioner_id,
        contacts,
        activities,
    })
}

/// The contact `weeks_ago` weeks before today: mostly visits that went well, now and then a phone
/// call, an indirect check with the mailbox 気になる, a concern (1 in 20 見守り強化, 1 in 100 至急).
fn weekly_contact(
    resident_id: &str,
    commissioner: &str,
    today: Date,
    weeks_ago: usize,
    salt: usize,
) -> ContactRecord {
    let k = weeks_ago + salt;
    let day = Date::from_epoch_days(today.epoch_days() - 7 * weeks_ago as i64 - (salt % 7) as i64);
    let kind = ["visit", "visit", "phone", "greeting", "indirect"][k % 5];
    let mailbox = if k.is_multiple_of(13) {
        "concern"
    } else {
        "ok"
    };
    let concern = if k.is_multiple_of(100) {
        "urgent"
    } else if k.is_multiple_of(20) {
        "watch"
    } else {
        "none"
    };
    let now = db::now_ms();
    ContactRecord {
        resident_id: resident_id.to_string(),
        id: format!("bench-{resident_id}-{weeks_ago}"),
        occurred_at: format!("{day}T10:00:00+09:00"),
        author_id: commissioner.to_string(),
        kind: kind.into(),
        outcome: if k.is_multiple_of(9) { "absent" } else { "met" }.into(),
        checks: format!(r#"{{"lights":"ok","mailbox":"{mailbox}","snow":"ok"}}"#),
        concern: concern.into(),
        activity: r#"{"fields":["高齢者"],"contents":["日常的な支援"]}"#.into(),
        note: "体調は安定。".into(),
        follow_up: false,
        delivered_by_user_id: commissioner.to_string(),
        delivered_by_device_id: None,
        received_at: now,
        updated_at: now,
    }
}
