//! 安否 during 災害モード, read back (issue 23; docs/design/disaster-and-schema-v2.md §3.5–3.6): the
//! district lead's roll-up (per commissioner: their own status, each assigned resident's latest 安否
//! or 未報告, who took over), the lead's take-over of an unreported commissioner's residents, and
//! the office's counts per district (and as CSV for the 災害対策本部: counts only). Everything comes
//! from SQL as the server counted it (`db::disasters`); memos stay in the documents.

use std::collections::HashMap;

use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use super::disasters::DisasterOut;
use super::json::ApiJson;
use crate::admin::{Actor, record};
use crate::app::AppState;
use crate::auth::Caller;
use crate::db::disasters as store;
use crate::db::{DbConn, accounts, directory, now_ms};
use crate::domain::disaster::{SafetyStatus, SelfStatus};
use crate::domain::{Date, Role};
use crate::error::{AppError, ErrorBody};

/// A resident's latest 安否 for the disaster (none: 未報告).
#[derive(Serialize, ToSchema, Clone)]
pub struct ResidentSafety {
    pub resident_id: String,
    pub name: String,
    pub status: Option<SafetyStatus>,
    pub at: Option<String>,
}

/// One commissioner of the district during the disaster.
#[derive(Serialize, ToSchema)]
pub struct CommissionerSafety {
    pub id: String,
    pub name: String,
    pub self_status: Option<SelfStatus>,
    pub self_at: Option<String>,
    /// Their residents today, 支援が必要 and 未報告 first.
    pub residents: Vec<ResidentSafety>,
    pub reported: usize,
    /// The lead who took over their residents, while in force.
    pub taken_over_by: Option<String>,
}

/// Counts for one district (or the city): residents and their latest 安否, and the commissioners'
/// own status.
#[derive(Serialize, ToSchema, Default, Clone)]
pub struct SafetyCounts {
    pub residents: usize,
    pub reported: usize,
    pub safe: usize,
    pub evacuated: usize,
    pub needs_help: usize,
    pub unknown: usize,
    pub not_reported: usize,
    /// Commissioners and leads of the district.
    pub commissioners: usize,
    pub self_safe: usize,
    pub self_needs_help: usize,
    pub self_not_reported: usize,
    pub taken_over: usize,
}

/// The lead's roll-up of their district.
#[derive(Serialize, ToSchema)]
pub struct DistrictSafety {
    pub disaster: DisasterOut,
    pub district_id: String,
    pub counts: SafetyCounts,
    pub commissioners: Vec<CommissionerSafety>,
    /// Residents nobody is assigned to today (the lead covers them).
    pub uncovered: Vec<ResidentSafety>,
}

/// The office's counts for one district.
#[derive(Serialize, ToSchema)]
pub struct DistrictCounts {
    pub district_id: String,
    pub district_name: String,
    #[serde(flatten)]
    pub counts: SafetyCounts,
}

/// The office's counts: per district and for the city.
#[derive(Serialize, ToSchema)]
pub struct DisasterCounts {
    pub disaster: DisasterOut,
    pub districts: Vec<DistrictCounts>,
    pub total: SafetyCounts,
    /// When counted (ms).
    pub at: i64,
}

/// Order on the lead's screen: 支援が必要, 未報告, 不在・不明, 避難済み, 無事.
fn rank(s: &ResidentSafety) -> u8 {
    match s.status {
        Some(SafetyStatus::NeedsHelp) => 0,
        None => 1,
        Some(SafetyStatus::Unknown) => 2,
        Some(SafetyStatus::Evacuated) => 3,
        Some(SafetyStatus::Safe) => 4,
    }
}

/// What a disaster's roll-up reads, once for every district it counts (the office's counts are
/// asked every 5 seconds: one read of each table, not one per district).
struct Snapshot {
    latest: HashMap<String, (String, String)>,
    selves: HashMap<String, (String, String)>,
    takeovers: HashMap<String, String>,
    residents: Vec<directory::Resident>,
    /// Resident → the commissioners watching them today (read once, not per resident and person).
    watchers: HashMap<String, Vec<String>>,
    people: Vec<accounts::User>,
}

impl Snapshot {
    fn read(conn: &mut DbConn, disaster: &store::Disaster, now: i64) -> Result<Snapshot, AppError> {
        Ok(Snapshot {
            latest: store::latest_of(conn, &disaster.id)?
                .into_iter()
                .map(|(r, status, at, _)| (r, (status, at)))
                .collect(),
            selves: store::self_latest_of(conn, &disaster.id)?
                .into_iter()
                .map(|(u, status, at)| (u, (status, at)))
                .collect(),
            takeovers: store::takeovers_of(conn, &disaster.id)?
                .into_iter()
                .collect(),
            residents: directory::list_residents(conn, None)?
                .into_iter()
                .filter(|r| r.status == "active")
                .collect(),
            watchers: {
                let today = Date::today_jst(now).to_string();
                let mut w: HashMap<String, Vec<String>> = HashMap::new();
                for a in directory::list_assignments(conn)? {
                    if a.covers(&today) {
                        w.entry(a.resident_id).or_default().push(a.commissioner_id);
                    }
                }
                w
            },
            people: accounts::list_users(conn)?
                .into_iter()
                .filter(|u| u.disabled_at.is_none())
                .filter(|u| {
                    u.role == Role::Commissioner.as_str() || u.role == Role::DistrictLead.as_str()
                })
                .collect(),
        })
    }
}

/// Everything of one district for a disaster, counted.
fn district_view(
    snap: &Snapshot,
    district_id: &str,
) -> (SafetyCounts, Vec<CommissionerSafety>, Vec<ResidentSafety>) {
    let Snapshot {
        latest,
        selves,
        takeovers,
        watchers,
        ..
    } = snap;
    let residents: Vec<&directory::Resident> = snap
        .residents
        .iter()
        .filter(|r| r.district_id == district_id)
        .collect();
    let people: Vec<&accounts::User> = snap
        .people
        .iter()
        .filter(|u| u.district_id.as_deref() == Some(district_id))
        .collect();
    let safety_of = |r: &&directory::Resident| {
        let l = latest.get(&r.id);
        ResidentSafety {
            resident_id: r.id.clone(),
            name: r.name.clone(),
            status: l.and_then(|(s, _)| SafetyStatus::parse(s)),
            at: l.map(|(_, at)| at.clone()),
        }
    };
    let mut counts = SafetyCounts {
        residents: residents.len(),
        commissioners: people.len(),
        ..SafetyCounts::default()
    };
    for r in &residents {
        match latest.get(&r.id).and_then(|(s, _)| SafetyStatus::parse(s)) {
            Some(SafetyStatus::Safe) => counts.safe += 1,
            Some(SafetyStatus::Evacuated) => counts.evacuated += 1,
            Some(SafetyStatus::NeedsHelp) => counts.needs_help += 1,
            Some(SafetyStatus::Unknown) => counts.unknown += 1,
            None => counts.not_reported += 1,
        }
    }
    counts.reported = counts.residents - counts.not_reported;
    for p in &people {
        match selves.get(&p.id).and_then(|(s, _)| SelfStatus::parse(s)) {
            Some(SelfStatus::Safe) => counts.self_safe += 1,
            Some(SelfStatus::NeedsHelp) => counts.self_needs_help += 1,
            None => counts.self_not_reported += 1,
        }
    }
    counts.taken_over = people
        .iter()
        .filter(|p| takeovers.contains_key(&p.id))
        .count();
    let watched_by = |rid: &str| -> &[String] { watchers.get(rid).map_or(&[], Vec::as_slice) };
    let commissioners = people
        .iter()
        .filter(|p| p.role == Role::Commissioner.as_str())
        .map(|p| {
            let mut rs: Vec<ResidentSafety> = residents
                .iter()
                .filter(|r| watched_by(&r.id).contains(&p.id))
                .map(safety_of)
                .collect();
            rs.sort_by(|a, b| rank(a).cmp(&rank(b)).then_with(|| a.name.cmp(&b.name)));
            let me = selves.get(&p.id);
            CommissionerSafety {
                id: p.id.clone(),
                name: p.display_name.clone(),
                self_status: me.and_then(|(s, _)| SelfStatus::parse(s)),
                self_at: me.map(|(_, at)| at.clone()),
                reported: rs.iter().filter(|r| r.status.is_some()).count(),
                residents: rs,
                taken_over_by: takeovers.get(&p.id).cloned(),
            }
        })
        .collect();
    let uncovered = residents
        .iter()
        .filter(|r| watched_by(&r.id).is_empty())
        .map(safety_of)
        .collect();
    (counts, commissioners, uncovered)
}

/// A disaster that covers the lead's district (404 for another district's).
fn lead_disaster(
    conn: &mut DbConn,
    caller: &Caller,
    id: &str,
) -> Result<(store::Covering, String), AppError> {
    caller.require(&[Role::DistrictLead])?;
    let district = caller.district_id.clone().ok_or(AppError::NotFound)?;
    let covering = store::by_id(conn, id)?.ok_or(AppError::NotFound)?;
    if !covering.1.contains(&district) {
        return Err(AppError::NotFound);
    }
    Ok((covering, district))
}

/// The lead's roll-up of their district during a disaster.
#[utoipa::path(get, path = "/api/review/disasters/{id}", tag = "disasters",
    params(("id" = String, Path, description = "disaster id")),
    responses((status = 200, body = DistrictSafety), (status = 404, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn district_safety(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let out = state
        .db
        .read(move |conn| {
            let ((d, districts), district) = lead_disaster(conn, &caller, &id)?;
            let snap = Snapshot::read(conn, &d, now_ms())?;
            let (counts, commissioners, uncovered) = district_view(&snap, &district);
            Ok(DistrictSafety {
                disaster: DisasterOut::of((d, districts)),
                district_id: district,
                counts,
                commissioners,
                uncovered,
            })
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(out))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TakeOverIn {
    /// The commissioner (of the lead's district) whose residents the lead checks instead.
    pub commissioner_id: String,
}

/// 代わりに確認する: the lead takes over a commissioner's residents for the disaster (their own tablet
/// already holds every document of the district; the roll-up shows who covers whom).
#[utoipa::path(post, path = "/api/review/disasters/{id}/takeovers", tag = "disasters", request_body = TakeOverIn,
    params(("id" = String, Path, description = "disaster id")),
    responses((status = 204), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn take_over(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
    body: ApiJson<TakeOverIn>,
) -> Result<HttpResponse, AppError> {
    let actor = Actor::of(&caller);
    let id = id.into_inner();
    let who = body.0.commissioner_id;
    state
        .db
        .write(move |conn| {
            let ((d, _), district) = lead_disaster(conn, &caller, &id)?;
            if d.ended_at.is_some() {
                return Err(AppError::Conflict {
                    field: "status".into(),
                    message: "この災害モードは終わっています。".into(),
                });
            }
            let c = accounts::user_by_id(conn, &who)?;
            if !c.is_some_and(|c| {
                c.role == Role::Commissioner.as_str()
                    && c.district_id.as_deref() == Some(district.as_str())
            }) {
                return Err(AppError::invalid(
                    "commissioner_id",
                    "not_in_district",
                    "地区の民生委員を選んでください。",
                ));
            }
            store::take_over(conn, &id, &who, &caller.user_id, now_ms())?;
            record(
                conn,
                &actor,
                "disaster.take_over",
                "disaster",
                Some(&id),
                json!({ "commissioner_id": who }),
            )?;
            Ok(())
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Ends the lead's take-over of a commissioner's residents.
#[utoipa::path(delete, path = "/api/review/disasters/{id}/takeovers/{commissioner_id}", tag = "disasters",
    params(("id" = String, Path, description = "disaster id"), ("commissioner_id" = String, Path, description = "user id")),
    responses((status = 204), (status = 404, body = ErrorBody)))]
pub async fn release(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, AppError> {
    let actor = Actor::of(&caller);
    let (id, who) = path.into_inner();
    state
        .db
        .write(move |conn| {
            lead_disaster(conn, &caller, &id)?;
            if !store::release(conn, &id, &who, now_ms())? {
                return Err(AppError::NotFound);
            }
            record(
                conn,
                &actor,
                "disaster.release",
                "disaster",
                Some(&id),
                json!({ "commissioner_id": who }),
            )?;
            Ok(())
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

fn counts_of(conn: &mut DbConn, id: &str) -> Result<DisasterCounts, AppError> {
    let (d, districts) = store::by_id(conn, id)?.ok_or(AppError::NotFound)?;
    let names: HashMap<String, String> = directory::list_districts(conn)?
        .into_iter()
        .map(|x| (x.id, x.name))
        .collect();
    let now = now_ms();
    let mut total = SafetyCounts::default();
    let mut out = Vec::new();
    let snap = Snapshot::read(conn, &d, now)?;
    for district in &districts {
        let (c, _, _) = district_view(&snap, district);
        for (t, v) in [
            (&mut total.residents, c.residents),
            (&mut total.reported, c.reported),
            (&mut total.safe, c.safe),
            (&mut total.evacuated, c.evacuated),
            (&mut total.needs_help, c.needs_help),
            (&mut total.unknown, c.unknown),
            (&mut total.not_reported, c.not_reported),
            (&mut total.commissioners, c.commissioners),
            (&mut total.self_safe, c.self_safe),
            (&mut total.self_needs_help, c.self_needs_help),
            (&mut total.self_not_reported, c.self_not_reported),
            (&mut total.taken_over, c.taken_over),
        ] {
            *t += v;
        }
        out.push(DistrictCounts {
            district_name: names.get(district).cloned().unwrap_or_default(),
            district_id: district.clone(),
            counts: c,
        });
    }
    Ok(DisasterCounts {
        disaster: DisasterOut::of((d, districts)),
        districts: out,
        total,
        at: now,
    })
}

/// The office's counts per district (counts only, no names).
#[utoipa::path(get, path = "/api/staff/disasters/{id}/counts", tag = "disasters",
    params(("id" = String, Path, description = "disaster id")),
    responses((status = 200, body = DisasterCounts), (status = 404, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn counts(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    caller.require(&[Role::CityStaff, Role::Admin])?;
    let id = id.into_inner();
    let out = state.db.read(move |conn| counts_of(conn, &id)).await?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(out))
}

/// The same counts as CSV for the 災害対策本部 (UTF-8 with a BOM, CRLF: Excel opens it as is), with a
/// 合計 row and when it was counted.
#[utoipa::path(get, path = "/api/staff/disasters/{id}/counts.csv", tag = "disasters",
    params(("id" = String, Path, description = "disaster id")),
    responses((status = 200, body = String, content_type = "text/csv"), (status = 404, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn counts_csv(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    use crate::domain::activity::csv_field;
    caller.require(&[Role::CityStaff, Role::Admin])?;
    let id = id.into_inner();
    let c = state.db.read(move |conn| counts_of(conn, &id)).await?;
    let mut out = String::from("\u{feff}");
    out.push_str("地区,対象者,報告あり,無事,避難済み,支援が必要,不在・不明,未報告,委員,委員 無事,委員 支援が必要,委員 未報告,代行中\r\n");
    let row = |name: &str, k: &SafetyCounts| {
        format!(
            "{},{},{},{},{},{},{},{},{},{},{},{},{}\r\n",
            csv_field(name),
            k.residents,
            k.reported,
            k.safe,
            k.evacuated,
            k.needs_help,
            k.unknown,
            k.not_reported,
            k.commissioners,
            k.self_safe,
            k.self_needs_help,
            k.self_not_reported,
            k.taken_over
        )
    };
    for d in &c.districts {
        out.push_str(&row(&d.district_name, &d.counts));
    }
    out.push_str(&row("合計", &c.total));
    let at = Date::today_jst(c.at);
    let secs = (c.at / 1000 + 9 * 3600).rem_euclid(86_400);
    out.push_str(&format!(
        "集計時刻,{at} {:02}:{:02}\r\n",
        secs / 3600,
        secs % 3600 / 60
    ));
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header(("Content-Disposition", "attachment; filename=\"anpi.csv\""))
        .insert_header(("Cache-Control", "no-store"))
        .body(out))
}
