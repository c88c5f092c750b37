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
