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
use crate::domain::activity::{self, ActivityKind, OwnActivity, Totals};
use crate::domain::contact::{Activity, Kind};
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
    let mut month = activity::Month::default();
    for c in &contacts {
        // Every row was written from a contact the schema accepted (a kind it knows).
        let Some(kind) = Kind::parse(&c.kind) else {
            tracing::error!(kind = %c.kind, "contact row with an unknown kind not counted");
            continue;
        };
        let a = Activity::parse(&c.activity);
        month.contact(
            &c.district_id,
            &c.delivered_by_user_id,
            &c.occurred_at,
            kind,
            &a,
        );
    }
    for a in &own {
        let (day, kind) = (a.day.clone(), ActivityKind::parse(&a.kind));
        month.own(
            a.district_id.as_deref().unwrap_or(""),
            &a.user_id,
            OwnActivity { day, kind },
        );
    }
    for (author, district, day) in &referrals {
        month.referral(district, author, day);
    }
    let mut rows = Vec::new();
    if caller.role == Role::CityStaff {
        let mut ids: Vec<(&String, &String)> = districts.iter().collect();
        ids.sort_by(|a, b| a.1.cmp(b.1));
        for (id, name) in ids {
            rows.push(ActivityRow {
                district: name.clone(),
                commissioner: String::new(),
                totals: month.district(id),
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
                totals: month.person(id),
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
