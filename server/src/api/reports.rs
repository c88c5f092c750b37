//! `/api/reports/activity`: the monthly 活動記録 (counts only), as JSON and as CSV for Excel.
//!
//! A commissioner sees their own row; a district lead every commissioner of the district and the
//! district total; city staff one row per district and the city total — counts only, never a
//! resident's name. The counting rules are in `domain::activity`.

use std::collections::HashMap;

use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::app::AppState;
use crate::auth::Caller;
use crate::db::{activities, directory, review};
use crate::domain::Role;
use crate::domain::activity::{self, Counted, OwnActivity, Totals};
use crate::error::{AppError, ErrorBody};

#[derive(Deserialize, IntoParams)]
pub struct MonthQuery {
    /// `YYYY-MM`
    pub month: String,
}

#[derive(Serialize, ToSchema)]
pub struct ActivityRow {
    pub district: String,
    /// The commissioner's name; empty on district rows (city staff).
    pub commissioner: String,
    pub totals: Totals,
}

#[derive(Serialize, ToSchema)]
pub struct ActivityReport {
    pub month: String,
    pub rows: Vec<ActivityRow>,
    /// The sum of the rows (district for a lead, city for staff).
    pub total: Totals,
}

/// `2026-11` → ("2026-11", "2026-12").
fn month_bounds(raw: &str) -> Result<(String, String), AppError> {
    let bad = || {
        AppError::invalid(
            "month",
            "invalid_month",
            "月は YYYY-MM の形で入力してください。",
        )
    };
    let (y, m) = raw.trim().split_once('-').ok_or_else(bad)?;
    let (y, m): (i32, u32) = (y.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?);
    if !(2000..=2999).contains(&y) || !(1..=12).contains(&m) || raw.trim().len() != 7 {
        return Err(bad());
    }
    let (ny, nm) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
    Ok((format!("{y:04}-{m:02}"), format!("{ny:04}-{nm:02}")))
}

async fn build(state: &AppState, caller: &Caller, month: &str) -> Result<ActivityReport, AppError> {
    caller.require(&[Role::Commissioner, Role::DistrictLead, Role::CityStaff])?;
    let (from, to) = month_bounds(month)?;
    let (role, me, district) = (
        caller.role,
        caller.user_id.clone(),
        caller.district_id.clone(),
    );
    let f = from.clone();
    let (contacts, own, referrals, people, districts) = state
        .db
        .read(move |conn| {
            let districts: HashMap<String, String> = directory::list_districts(conn)?
                .into_iter()
                .map(|d| (d.id, d.name))
                .collect();
            let (district, user, people) = match role {
                Role::Commissioner => (
                    None,
                    Some(me.as_str()),
                    review::commissioners(conn, district.as_deref())?
                        .into_iter()
                        .filter(|(id, _, _)| *id == me)
                        .collect(),
                ),
                Role::DistrictLead => {
                    let d = district.as_deref().ok_or(AppError::Forbidden)?;
                    (Some(d), None, review::commissioners(conn, Some(d))?)
                }
                _ => (None, None, Vec::new()),
            };
            Ok((
                review::month_contacts(conn, &f, &to, district, user)?,
                activities::in_range(conn, &f, &to, district, user)?,
                review::month_referrals(conn, &f, &to, district, user)?,
                people,
                districts,
            ))
        })
        .await?;
    let counted = |c: &review::MonthContact| {
        let a: serde_json::Value = serde_json::from_str(&c.activity).unwrap_or_default();
        let list = |k: &str| -> Vec<String> {
            a[k].as_array()
                .map(|v| {
                    v.iter()
                        .filter_map(|x| x.as_str().map(str::to_string))
                        .collect()
                })
                .unwrap_or_default()
        };
        Counted {
            day: c.occurred_at.chars().take(10).collect(),
            kind: c.kind.clone(),
            fields: list("fields"),
            contents: list("contents"),
        }
    };
    // One pass: each person's contacts and activities, by (district, user). Every row is counted per
    // person and added, so 活動日数 are commissioner-days in a district row as in the lead's total.
    type Person<'a> = (&'a str, &'a str);
    let mut by_person: HashMap<Person, (Vec<Counted>, Vec<OwnActivity>)> = HashMap::new();
    for c in &contacts {
        let key = (c.district_id.as_str(), c.delivered_by_user_id.as_str());
        by_person.entry(key).or_default().0.push(counted(c));
    }
    for a in &own {
        let key = (a.district_id.as_deref().unwrap_or(""), a.user_id.as_str());
        by_person.entry(key).or_default().1.push(OwnActivity {
            day: a.day.clone(),
            kind: a.kind.clone(),
        });
    }
    // A referral (つなぎ) is a 関係機関との連絡調整 of its author, in its resident's district.
    for (author, district, day) in &referrals {
        let key = (district.as_str(), author.as_str());
        by_person.entry(key).or_default().1.push(OwnActivity {
            day: day.clone(),
            kind: activity::REFERRAL_KIND.into(),
        });
    }
    let sum = |keep: &dyn Fn(&Person) -> bool| {
        let mut t = Totals::zero();
        for (_, (c, o)) in by_person.iter().filter(|(k, _)| keep(k)) {
            t.add(&activity::count(c, o));
        }
        t
    };
    // A person's row counts all of their month at once (a day in two districts is one day).
    let one_person = |id: &str| {
        let (mut c, mut o) = (Vec::new(), Vec::new());
        for (_, (cs, os)) in by_person.iter().filter(|((_, u), _)| *u == id) {
            c.extend(cs.iter().cloned());
            o.extend(os.iter().cloned());
        }
        activity::count(&c, &o)
    };
    let mut rows = Vec::new();
    if caller.role == Role::CityStaff {
        let mut ids: Vec<(&String, &String)> = districts.iter().collect();
        ids.sort_by(|a, b| a.1.cmp(b.1));
        for (id, name) in ids {
            rows.push(ActivityRow {
                district: name.clone(),
                commissioner: String::new(),
                totals: sum(&|(d, _)| *d == id.as_str()),
            });
        }
    } else {
        for (id, name, d) in &people {
            rows.push(ActivityRow {
                district: d
                    .as_ref()
                    .and_then(|d| districts.get(d))
                    .cloned()
                    .unwrap_or_default(),
                commissioner: name.clone(),
                totals: one_person(id),
            });
        }
    }
    let mut total = Totals::zero();
    for r in &rows {
        total.add(&r.totals);
    }
    Ok(ActivityReport {
        month: from,
        rows,
        total,
    })
}

/// The month's 活動記録 for what the caller may see.
#[utoipa::path(get, path = "/api/reports/activity", tag = "reports", params(MonthQuery),
    responses((status = 200, body = ActivityReport), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn activity_json(
    state: web::Data<AppState>,
    caller: Caller,
    q: web::Query<MonthQuery>,
) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::Ok().json(build(&state, &caller, &q.month).await?))
}

/// The same as CSV: UTF-8 with a BOM and CRLF line ends, so Excel opens it as it is.
#[utoipa::path(get, path = "/api/reports/activity.csv", tag = "reports", params(MonthQuery),
    responses((status = 200, description = "text/csv"), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn activity_csv(
    state: web::Data<AppState>,
    caller: Caller,
    q: web::Query<MonthQuery>,
) -> Result<HttpResponse, AppError> {
    let report = build(&state, &caller, &q.month).await?;
    let line = |cells: Vec<String>| {
        cells
            .iter()
            .map(|c| activity::csv_field(c))
            .collect::<Vec<_>>()
            .join(",")
    };
    let mut out = String::from("\u{feff}");
    out.push_str(&line(activity::csv_header()));
    out.push_str("\r\n");
    for r in &report.rows {
        out.push_str(&line(activity::csv_row(
            &r.district,
            &r.commissioner,
            &r.totals,
        )));
        out.push_str("\r\n");
    }
    out.push_str(&line(activity::csv_row("合計", "", &report.total)));
    out.push_str("\r\n");
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            "Content-Disposition",
            format!("attachment; filename=\"katsudo-{}.csv\"", report.month),
        ))
        .body(out))
}
