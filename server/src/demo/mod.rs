//! `mimamori demo`: a realistic demo city (旭川市) for trying Mimamori and for the README's first
//! command. Four real Asahikawa district names, one lead and three commissioners in each, one city
//! staff user, one admin, and 20 synthetic residents per commissioner, with three months of history
//! ([`history`]).
//!
//! Demo data never reaches a production database by accident: seeding happens only into an empty
//! database, which is then marked as a demo (`settings.demo`); a database with other data is refused.

mod history;

use serde_json::json;

use crate::admin::{self, Actor, NewResident, NewUser};
use crate::auth;
use crate::db::{Db, accounts, directory};
use crate::domain::demo_names::{GIVEN_NAMES, STREETS, SURNAMES};
use crate::domain::{Address, Date, DistrictCode, Kana, Login, Name, Password, Role};
use crate::error::AppError;

/// The demo districts: (code, name).
pub const DISTRICTS: &[(&str, &str)] = &[
    ("kaguraoka", "神楽岡"),
    ("nagayama", "永山"),
    ("toko", "東光"),
    ("higashiasahikawa", "東旭川"),
];

pub const PASSWORD: &str = "mimamori-demo";
pub const COMMISSIONERS_PER_DISTRICT: usize = 3;
pub const RESIDENTS_PER_COMMISSIONER: usize = 20;

/// What the demo holds, for printing.
pub struct DemoCity {
    pub logins: Vec<(String, Role, String)>,
    /// (commissioner login, enrolment code) — one fresh tablet code per commissioner.
    pub enrolment_codes: Vec<(String, String)>,
    pub residents: usize,
    pub freshly_seeded: bool,
}

/// Seeds the demo city into an empty database, or recognizes one seeded before. Either way issues a
/// fresh enrolment code per commissioner (codes are stored hashed, so old ones cannot be shown again).
pub fn ensure(db: &Db) -> Result<DemoCity, AppError> {
    let (is_demo, users) = db.read_blocking(|conn| {
        Ok((
            directory::get_setting(conn, "demo")?.is_some(),
            accounts::count_users(conn)?,
        ))
    })?;
    if !is_demo && users > 0 {
        return Err(AppError::BadRequest {
            code: "not_empty",
            message: "this database already holds non-demo data; refusing to add the demo city"
                .into(),
        });
    }
    let password_hash =
        auth::hash_password(&Password::parse(PASSWORD).map_err(AppError::internal)?)?;
    let actor = Actor::cli();
    let freshly_seeded = !is_demo;
    if freshly_seeded {
        db.write_blocking(|conn| seed(conn, &actor, &password_hash))?;
    }
    db.write_blocking(|conn| {
        let users = accounts::list_users(conn)?;
        let mut logins = Vec::new();
        let mut codes = Vec::new();
        for u in &users {
            let role = Role::parse(&u.role).unwrap_or(Role::Commissioner);
            logins.push((u.login.clone(), role, u.display_name.clone()));
            if role == Role::Commissioner {
                let label = Name::parse(&format!("{}のタブレット", u.display_name))
                    .map_err(AppError::internal)?;
                let (_, code) = admin::issue_device(conn, &actor, label)?;
                codes.push((u.login.clone(), code));
            }
        }
        let residents = directory::list_residents(conn, None)?.len();
        Ok(DemoCity {
            logins,
            enrolment_codes: codes,
            residents,
            freshly_seeded,
        })
    })
}

fn seed(conn: &mut crate::db::DbConn, actor: &Actor, password_hash: &str) -> Result<(), AppError> {
    let v = |e: crate::domain::Invalid| AppError::internal_in("demo data invalid", e);
    directory::put_setting(conn, "demo", "1")?;
    let mut user = |login: String, name: String, role: Role, district: Option<String>| {
        admin::create_user(
            conn,
            actor,
            NewUser {
                login: Login::parse(&login).map_err(v)?,
                display_name: Name::parse(&name).map_err(v)?,
                role,
                district_id: district,
                password_hash: password_hash.to_string(),
            },
        )
    };
    user("admin".into(), "システム管理者".into(), Role::Admin, None)?;
    let staff = user(
        "city-staff".into(),
        "福祉保険課 担当".into(),
        Role::CityStaff,
        None,
    )?;
    let now = crate::db::now_ms();
    let mut n = 0usize;
    for (code, name) in DISTRICTS {
        let d = admin::create_district(
            conn,
            actor,
            DistrictCode::parse(code).map_err(v)?,
            Name::parse(name).map_err(v)?,
        )?;
        let lead = admin::create_user(
            conn,
            actor,
            NewUser {
                login: Login::parse(&format!("{code}-lead")).map_err(v)?,
                display_name: Name::parse(&format!("{name}地区 会長")).map_err(v)?,
                role: Role::DistrictLead,
                district_id: Some(d.id.clone()),
                password_hash: password_hash.to_string(),
            },
        )?;
        for c in 1..=COMMISSIONERS_PER_DISTRICT {
            let (sur, _) = SURNAMES[(n / RESIDENTS_PER_COMMISSIONER * 5 + 13) % SURNAMES.len()];
            let commissioner = admin::create_user(
                conn,
                actor,
                NewUser {
                    login: Login::parse(&format!("{code}-{c:02}")).map_err(v)?,
                    display_name: Name::parse(&format!("{sur} 委員（{name}{c}）")).map_err(v)?,
                    role: Role::Commissioner,
                    district_id: Some(d.id.clone()),
                    password_hash: password_hash.to_string(),
                },
            )?;
            for _ in 0..RESIDENTS_PER_COMMISSIONER {
                n += 1;
                let (s, sk) = SURNAMES[(n * 5) % SURNAMES.len()];
                let (g, gk) = GIVEN_NAMES[(n * 3 + n / 7) % GIVEN_NAMES.len()];
                let street = STREETS[n % STREETS.len()];
                let r = admin::create_resident(
                    conn,
                    actor,
                    NewResident {
                        district_id: d.id.clone(),
                        name: Name::parse(&format!("{s} {g}")).map_err(v)?,
                        kana: Kana::parse(&format!("{sk} {gk}")).map_err(v)?,
                        address: Address::parse(&format!(
                            "旭川市{name}{street}{}丁目{}番地（架空）",
                            n % 9 + 1,
                            n % 30 + 1
                        ))
                        .map_err(v)?,
                        contact_interval_days: Some(if n.is_multiple_of(4) { 3 } else { 7 }),
                    },
                )?;
                // The national 一斉改選 of 2025-12-01 starts a three-year term.
                admin::assign(
                    conn,
                    actor,
                    &r.id,
                    &commissioner.id,
                    Date::parse("2025-12-01").map_err(v)?,
                    Some(Date::parse("2028-11-30").map_err(v)?),
                )?;
                let watched = history::Watched {
                    resident: &r,
                    commissioner: &commissioner.id,
                    lead: &lead.id,
                    n,
                };
                history::resident(conn, &watched, now)?;
            }
        }
    }
    history::settle_alerts(conn, now)?;
    history::notices(conn, &staff.id, now)?;
    admin::record(
        conn,
        actor,
        "demo.seed",
        "database",
        None,
        json!({ "residents": n }),
    )?;
    Ok(())
}
