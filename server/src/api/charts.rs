//! `/api/charts`: the counts behind the small SVG charts on the lead's and city staff's screens —
//! contacts per week (the last [`WEEKS`] weeks, Monday to Sunday, Japan days) and open concerns
//! (alerts not yet closed) per district. A lead gets their own district, city staff the city.
//! Counts only: no resident, no commissioner.

use std::collections::HashMap;

use actix_web::{HttpResponse, web};
use serde::Serialize;
use utoipa::ToSchema;

use crate::app::AppState;
use crate::auth::Caller;
use crate::db::{directory, now_ms, review};
use crate::domain::{Date, Role};
use crate::error::{AppError, ErrorBody};

/// How many weeks the contacts chart shows, this one included.
pub const WEEKS: i64 = 12;

#[derive(Serialize, ToSchema)]
pub struct WeekCount {
    /// The Monday, `YYYY-MM-DD`.
    pub week_start: String,
    pub contacts: u32,
}

#[derive(Serialize, ToSchema)]
pub struct DistrictConcerns {
    pub district: String,
    pub open_concerns: i64,
}

#[derive(Serialize, ToSchema)]
pub struct Charts {
    /// Oldest first; the last is this week.
    pub weeks: Vec<WeekCount>,
    pub districts: Vec<DistrictConcerns>,
}

/// The Monday of the week of `epoch_days` (1970-01-01 was a Thursday).
fn monday_of(epoch_days: i64) -> i64 {
    epoch_days - (epoch_days + 3).rem_euclid(7)
}

#[utoipa::path(get, path = "/api/charts", tag = "review",
    responses((status = 200, body = Charts), (status = 403, body = ErrorBody)))]
pub async fn charts(state: web::Data<AppState>, caller: Caller) -> Result<HttpResponse, AppError> {
    caller.require(&[Role::DistrictLead, Role::CityStaff])?;
    let scope = match caller.role {
        Role::DistrictLead => Some(caller.district_id.clone().ok_or(AppError::Forbidden)?),
        _ => None,
    };
    let first = monday_of(Date::today_jst(now_ms()).epoch_days()) - 7 * (WEEKS - 1);
    let day = |i: i64| Date::from_epoch_days(first + 7 * i).to_string();
    let ranges: Vec<(String, String)> = (0..WEEKS).map(|i| (day(i), day(i + 1))).collect();
    let only = scope.clone();
    let (counts, open, districts) = state
        .db
        .read(move |conn| {
            Ok((
                review::contacts_in_ranges(conn, &ranges, only.as_deref())?,
                review::open_alerts_by_district(conn)?,
                directory::list_districts(conn)?,
            ))
        })
        .await?;
    let weeks: Vec<WeekCount> = counts
        .into_iter()
        .enumerate()
        .map(|(i, n)| WeekCount {
            week_start: day(i as i64),
            contacts: n as u32,
        })
        .collect();
    let open: HashMap<String, i64> = open.into_iter().collect();
    let districts = districts
        .into_iter()
        .filter(|d| scope.as_ref().is_none_or(|s| *s == d.id))
        .map(|d| DistrictConcerns {
            open_concerns: open.get(&d.id).copied().unwrap_or(0),
            district: d.name,
        })
        .collect();
    Ok(HttpResponse::Ok().json(Charts { weeks, districts }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weeks_start_on_monday() {
        for (day, monday) in [
            ("2026-11-23", "2026-11-23"), // a Monday
            ("2026-11-29", "2026-11-23"), // the Sunday after
            ("2026-11-22", "2026-11-16"), // the Sunday before
            ("2026-11-26", "2026-11-23"), // a Thursday, as day 0 was
        ] {
            let d = Date::parse(day).unwrap().epoch_days();
            assert_eq!(
                Date::from_epoch_days(monday_of(d)).to_string(),
                monday,
                "{day}"
            );
        }
    }
}

/// One district on the city's overview (counts only).
#[derive(Serialize, ToSchema)]
pub struct DistrictOverview {
    pub district_id: String,
    pub code: String,
    pub name: String,
    /// Residents watched (not archived).
    pub residents: usize,
    /// Residents with a commissioner not contacted within their interval (or never).
    pub overdue: usize,
    /// Residents with no commissioner today (the lead covers them).
    pub unassigned: usize,
    /// Alerts not yet closed.
    pub open_alerts: i64,
    /// つなぎ (referrals to agencies) made this fiscal year (from April 1, JST) — the plan's
    /// indicator (531 → 600 a year).
    pub referrals: usize,
    /// Of those, still waiting for an outcome (結果待ち).
    pub referrals_open: usize,
    /// People of the district who have not read an urgent (緊急) notice still in force.
    pub urgent_unread: i64,
    /// 個別避難計画: needed, made with consent (the city's 計画作成数), confirmed within a year, …
    pub plans: crate::db::evacuation::PlanCounts,
}

#[derive(Serialize, ToSchema)]
pub struct Overview {
    pub districts: Vec<DistrictOverview>,
    /// Enrolled, not revoked tablets that have not checked in for 7 days (city-wide: a tablet is
    /// the city's loan, not a district's).
    pub tablets_not_seen_7_days: usize,
    /// The city's target of 個別避難計画 (地域福祉計画: 500 by R11), beside the districts' counts.
    pub plan_target: usize,
}

/// The city's overview for 福祉保険課 (issue 22 item 6): per district, residents watched, overdue,
/// without a commissioner, and open alerts; tablets not seen for a week. Counts only. City staff
/// and the administrator.
#[utoipa::path(get, path = "/api/staff/overview", tag = "review",
    responses((status = 200, body = Overview), (status = 403, body = ErrorBody)))]
pub async fn overview(
    state: web::Data<AppState>,
    caller: Caller,
) -> Result<HttpResponse, AppError> {
    caller.require(&[Role::CityStaff, Role::Admin])?;
    let now = now_ms();
    let today = Date::today_jst(now);
    let out = state
        .db
        .read(move |conn| {
            let day = today.to_string();
            let residents = directory::list_residents(conn, None)?;
            let assigned: std::collections::HashSet<String> = directory::list_assignments(conn)?
                .into_iter()
                .filter(|a| a.covers(&day))
                .map(|a| a.resident_id)
                .collect();
            let open: HashMap<String, i64> =
                review::open_alerts_by_district(conn)?.into_iter().collect();
            let urgent_unread: HashMap<String, i64> =
                crate::db::notices::urgent_unread_by_district(conn, now)?
                    .into_iter()
                    .collect();
            // The fiscal year (年度) starts on April 1.
            let year = if today.month >= 4 {
                today.year
            } else {
                today.year - 1
            };
            let mut referrals: HashMap<String, (usize, usize)> = HashMap::new();
            for (district, outcome) in
                review::referrals_by_district(conn, &format!("{year:04}-04-01"))?
            {
                let r = referrals.entry(district).or_default();
                r.0 += 1;
                r.1 += usize::from(outcome == "open");
            }
            let mut plans = crate::db::evacuation::counts_by_district(conn, &day)?;
            let mut districts = Vec::new();
            for d in directory::list_districts(conn)? {
                let mine: Vec<_> = residents
                    .iter()
                    .filter(|r| r.district_id == d.id && r.status != "archived")
                    .collect();
                let overdue = review::district_contact_status(conn, &d.id, &day)?
                    .into_iter()
                    .filter(|s| s.is_overdue(&day))
                    .count();
                districts.push(DistrictOverview {
                    residents: mine.len(),
                    overdue,
                    unassigned: mine.iter().filter(|r| !assigned.contains(&r.id)).count(),
                    open_alerts: open.get(&d.id).copied().unwrap_or(0),
                    referrals: referrals.get(&d.id).map_or(0, |r| r.0),
                    referrals_open: referrals.get(&d.id).map_or(0, |r| r.1),
                    urgent_unread: urgent_unread.get(&d.id).copied().unwrap_or(0),
                    plans: plans.remove(&d.id).unwrap_or_default(),
                    district_id: d.id,
                    code: d.code,
                    name: d.name,
                });
            }
            let week_ago = now - 7 * 24 * 3600 * 1000;
            let tablets_not_seen_7_days = crate::db::accounts::list_devices(conn)?
                .into_iter()
                .filter(|t| t.enrolled_at.is_some() && t.revoked_at.is_none())
                .filter(|t| t.last_seen_at.unwrap_or(0) < week_ago)
                .count();
            Ok(Overview {
                districts,
                tablets_not_seen_7_days,
                plan_target: crate::domain::evacuation::PLAN_TARGET,
            })
        })
        .await?;
    Ok(HttpResponse::Ok().json(out))
}
