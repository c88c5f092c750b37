//! `/api/review/*`: what a district lead (地区民児協 会長) acts on — alerts raised by the escalation
//! rules, overdue residents, snowfall days. Leads only, their own district only.

use crate::domain::contact::{CheckName, CheckValue, Checks, Concern, Kind, Outcome, ReviewMark};
use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::{IntoParams, ToSchema};

use super::json::{ApiJson, field};
use crate::admin::{Actor, record};
use crate::app::AppState;
use crate::auth::Caller;
use crate::db::{now_ms, review};
use crate::domain::{Date, Role, alerts};
use crate::error::{AppError, ErrorBody};

/// The lead's district, or 403.
fn lead_district(caller: &Caller) -> Result<String, AppError> {
    caller.require(&[Role::DistrictLead])?;
    caller.district_id.clone().ok_or(AppError::Forbidden)
}

#[derive(Serialize, ToSchema)]
pub struct AlertOut {
    pub id: String,
    pub resident_id: String,
    pub resident_name: String,
    /// Rule code, e.g. `mailbox_twice`.
    pub rule: String,
    /// What happened, in Japanese (no resident data).
    pub title: String,
    /// Suggested route code and label (地域包括支援センター / 110 / 119 / 地区社協).
    pub route: String,
    pub route_label: String,
    /// The number to call for the route: 110 and 119 themselves, the others as the city configured
    /// them (`MIMAMORI_ROUTE_PHONES`); none when it did not.
    pub route_phone: Option<String>,
    pub contact_id: String,
    /// When the contact that raised it happened, as recorded on the tablet (ISO 8601, Japan time);
    /// none if that contact is not stored.
    pub occurred_at: Option<String>,
    /// Its day (`YYYY-MM-DD`).
    pub occurred_on: Option<String>,
    /// Display name of the commissioner who recorded (delivered) that contact.
    pub recorded_by: Option<String>,
    /// `open`, `acknowledged` or `closed`.
    pub status: String,
    pub raised_at: i64,
    pub acknowledged_by: Option<String>,
    pub acknowledged_at: Option<i64>,
    pub closed_by: Option<String>,
    pub closed_at: Option<i64>,
    /// The lead's note on closing (what was done).
    pub close_note: Option<String>,
}

fn alert_out(row: review::AlertRow, config: &crate::config::Config) -> AlertOut {
    let a = row.alert;
    let rule = alerts::rule(&a.rule);
    AlertOut {
        title: rule.map(|r| r.title_ja).unwrap_or("").to_string(),
        route_label: rule.map(|r| r.route.label_ja()).unwrap_or("").to_string(),
        route_phone: config.route_phone(&a.route),
        id: a.id,
        resident_id: a.resident_id,
        resident_name: row.resident_name,
        rule: a.rule,
        route: a.route,
        contact_id: a.contact_id,
        occurred_on: row
            .occurred_at
            .as_ref()
            .map(|t| t.chars().take(10).collect()),
        occurred_at: row.occurred_at,
        recorded_by: row.recorded_by,
        status: a.status,
        raised_at: a.raised_at,
        acknowledged_by: a.acknowledged_by,
        acknowledged_at: a.acknowledged_at,
        closed_by: a.closed_by,
        closed_at: a.closed_at,
        close_note: a.close_note,
    }
}

#[derive(Deserialize, IntoParams)]
pub struct AlertFilter {
    /// `open`, `acknowledged` or `closed`; all when absent.
    pub status: Option<String>,
}

/// The district's alerts, newest first.
#[utoipa::path(get, path = "/api/review/alerts", tag = "review", params(AlertFilter),
    responses((status = 200, body = Vec<AlertOut>), (status = 403, body = ErrorBody)))]
pub async fn list_alerts(
    state: web::Data<AppState>,
    caller: Caller,
    filter: web::Query<AlertFilter>,
) -> Result<HttpResponse, AppError> {
    let district = lead_district(&caller)?;
    let status = filter.into_inner().status;
    if status
        .as_deref()
        .is_some_and(|s| !["open", "acknowledged", "closed"].contains(&s))
    {
        return Err(AppError::invalid(
            "status",
            "unknown",
            "open / acknowledged / closed のどれかです。",
        ));
    }
    let rows = state
        .db
        .read(move |conn| Ok(review::district_alerts(conn, &district, status.as_deref())?))
        .await?;
    Ok(HttpResponse::Ok().json(
        rows.into_iter()
            .map(|r| alert_out(r, &state.config))
            .collect::<Vec<_>>(),
    ))
}

/// One alert of the lead's district (what the alert's push opens); 404 for another district's.
#[utoipa::path(get, path = "/api/review/alerts/{id}", tag = "review",
    params(("id" = String, Path, description = "alert id")),
    responses((status = 200, body = AlertOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get_alert(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let district = lead_district(&caller)?;
    let id = id.into_inner();
    let row = state
        .db
        .read(move |conn| Ok(review::district_alert(conn, &district, &id)?))
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(HttpResponse::Ok().json(alert_out(row, &state.config)))
}

/// Longest note a lead may write when closing an alert.
pub const MAX_CLOSE_NOTE_CHARS: usize = 1000;

/// `Some(note)` to close (with the lead's note, if any), `None` to acknowledge.
async fn change_alert(
    state: &AppState,
    caller: &Caller,
    id: String,
    close: Option<Option<String>>,
) -> Result<HttpResponse, AppError> {
    let district = lead_district(caller)?;
    let actor = Actor::of(caller);
    let by = caller.user_id.clone();
    let row = state
        .db
        .write(move |conn| {
            let a = review::district_alert(conn, &district, &id)?
                .ok_or(AppError::NotFound)?
                .alert;
            let action = match &close {
                Some(note) => {
                    review::close_alert(conn, &id, &by, now_ms(), note.as_deref())?;
                    "alert.close"
                }
                None => {
                    review::acknowledge_alert(conn, &id, &by, now_ms())?;
                    "alert.acknowledge"
                }
            };
            // Whether a note was given, never its text: it may name people or their situation.
            let details = match &close {
                Some(note) => json!({ "rule": a.rule, "with_note": note.is_some() }),
                None => json!({ "rule": a.rule }),
            };
            record(conn, &actor, action, "alert", Some(&id), details)?;
            review::district_alert(conn, &district, &id)?.ok_or(AppError::NotFound)
        })
        .await?;
    Ok(HttpResponse::Ok().json(alert_out(row, &state.config)))
}

/// The lead takes an alert in hand (open → acknowledged, 対応中).
#[utoipa::path(post, path = "/api/review/alerts/{id}/acknowledge", tag = "review",
    params(("id" = String, Path, description = "alert id")),
    responses((status = 200, body = AlertOut), (status = 404, body = ErrorBody)))]
pub async fn acknowledge_alert(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    change_alert(&state, &caller, id.into_inner(), None).await
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CloseAlertRequest {
    /// What was done (対応済み), up to [`MAX_CLOSE_NOTE_CHARS`] characters; kept with the alert only.
    #[serde(default)]
    pub note: Option<String>,
}

/// The lead closes an alert (対応済み), with a note on what was done.
#[utoipa::path(post, path = "/api/review/alerts/{id}/close", tag = "review",
    params(("id" = String, Path, description = "alert id")), request_body = CloseAlertRequest,
    responses((status = 200, body = AlertOut), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn close_alert(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
    body: ApiJson<CloseAlertRequest>,
) -> Result<HttpResponse, AppError> {
    let note = body
        .0
        .note
        .map(|n| n.trim().to_string())
        .filter(|n| !n.is_empty());
    if note
        .as_ref()
        .is_some_and(|n| n.chars().count() > MAX_CLOSE_NOTE_CHARS)
    {
        return Err(AppError::invalid(
            "note",
            "too_long",
            format!("メモは{MAX_CLOSE_NOTE_CHARS}文字までです。"),
        ));
    }
    change_alert(&state, &caller, id.into_inner(), Some(note)).await
}

#[derive(Serialize, ToSchema)]
pub struct DataProblemOut {
    pub resident_id: String,
    pub resident_name: String,
    /// What kind of entry could not be read: `contact`, `review`, `activity` or `profile`.
    pub entry_kind: String,
    /// What was wrong with it, as a code (`occurredAt: missing`); never the entry's content.
    pub problem: String,
    /// Display name of the commissioner (or lead) whose tablet sent it, if known.
    pub commissioner: Option<String>,
    /// The day the server found it (`YYYY-MM-DD`, Japan time).
    pub detected_on: String,
    pub detected_at: i64,
}

/// 読めなかった記録: entries of the district's documents the server could not read (codes only),
/// newest first, so a broken tablet is noticed.
#[utoipa::path(get, path = "/api/review/problems", tag = "review",
    responses((status = 200, body = Vec<DataProblemOut>), (status = 403, body = ErrorBody)))]
pub async fn data_problems(
    state: web::Data<AppState>,
    caller: Caller,
) -> Result<HttpResponse, AppError> {
    let district = lead_district(&caller)?;
    let rows = state
        .db
        .read(move |conn| Ok(review::district_problems(conn, &district, 200)?))
        .await?;
    Ok(HttpResponse::Ok().json(
        rows.into_iter()
            .map(|p| DataProblemOut {
                resident_id: p.resident_id,
                resident_name: p.resident_name,
                entry_kind: p.entry_kind,
                problem: p.problem,
                commissioner: p.delivered_by,
                detected_on: Date::today_jst(p.detected_at).to_string(),
                detected_at: p.detected_at,
            })
            .collect::<Vec<_>>(),
    ))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SnowfallRequest {
    /// `YYYY-MM-DD`
    pub day: String,
}

/// A snowfall day must be a real day, not in the future.
fn snowfall_day(raw: &str) -> Result<String, AppError> {
    let day = field("day", Date::parse(raw))?.to_string();
    if day > Date::today_jst(now_ms()).to_string() {
        return Err(AppError::invalid(
            "day",
            "future",
            "これから先の日は降雪日にできません。",
        ));
    }
    Ok(day)
}

/// Marks a snowfall day for the lead's district (the 除雪 rule looks at the three days after it).
#[utoipa::path(post, path = "/api/review/snowfall", tag = "review", request_body = SnowfallRequest,
    responses((status = 204), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn mark_snowfall(
    state: web::Data<AppState>,
    caller: Caller,
    body: ApiJson<SnowfallRequest>,
) -> Result<HttpResponse, AppError> {
    let district = lead_district(&caller)?;
    let day = snowfall_day(&body.0.day)?;
    let (actor, by) = (Actor::of(&caller), caller.user_id.clone());
    state
        .db
        .write(move |conn| mark_snowfall_in(conn, &actor, &by, &[district], &day))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Marks `day` for each district, each mark in the audit log (the lead's and the city's alike).
fn mark_snowfall_in(
    conn: &mut crate::db::DbConn,
    actor: &Actor,
    by: &str,
    districts: &[String],
    day: &str,
) -> Result<(), AppError> {
    for d in districts {
        review::mark_snowfall(conn, d, day, by, now_ms())?;
        record(
            conn,
            actor,
            "snowfall.mark",
            "district",
            Some(d),
            json!({ "day": day }),
        )?;
    }
    Ok(())
}

/// The lead's district's snowfall days of the last 30 days, newest first.
#[utoipa::path(get, path = "/api/review/snowfall", tag = "review",
    responses((status = 200, body = Vec<String>), (status = 403, body = ErrorBody)))]
pub async fn snowfall_days(
    state: web::Data<AppState>,
    caller: Caller,
) -> Result<HttpResponse, AppError> {
    let district = lead_district(&caller)?;
    let since = Date::today_jst(now_ms() - 30 * 86_400_000).to_string();
    let mut days = state
        .db
        .read(move |conn| Ok(review::snowfall_days_since(conn, &district, &since)?))
        .await?;
    days.sort_by(|a, b| b.cmp(a));
    Ok(HttpResponse::Ok().json(days))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CitySnowfallRequest {
    /// `YYYY-MM-DD`
    pub day: String,
    /// District ids; none or empty: every district (snow seldom falls on one district alone).
    #[serde(default)]
    pub districts: Vec<String>,
}

#[derive(Serialize, ToSchema)]
pub struct SnowfallMarked {
    /// How many districts now have the day marked.
    pub districts: usize,
}

/// City staff mark a snowfall day for chosen districts, or all of them.
#[utoipa::path(post, path = "/api/staff/snowfall", tag = "review", request_body = CitySnowfallRequest,
    responses((status = 200, body = SnowfallMarked), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn mark_city_snowfall(
    state: web::Data<AppState>,
    caller: Caller,
    body: ApiJson<CitySnowfallRequest>,
) -> Result<HttpResponse, AppError> {
    caller.require(&[Role::CityStaff])?;
    let day = snowfall_day(&body.0.day)?;
    let mut chosen = body.0.districts;
    chosen.sort();
    chosen.dedup();
    let actor = Actor::of(&caller);
    let by = caller.user_id.clone();
    let marked = state
        .db
        .write(move |conn| {
            let all: Vec<String> = crate::db::directory::list_districts(conn)?
                .into_iter()
                .map(|d| d.id)
                .collect();
            if chosen.iter().any(|d| !all.contains(d)) {
                return Err(AppError::invalid(
                    "districts",
                    "unknown",
                    "その地区はありません。",
                ));
            }
            let targets = if chosen.is_empty() { all } else { chosen };
            mark_snowfall_in(conn, &actor, &by, &targets, &day)?;
            Ok(targets.len())
        })
        .await?;
    Ok(HttpResponse::Ok().json(SnowfallMarked { districts: marked }))
}

/// For this many days after a marked snowfall, residents not contacted since are listed first on
/// the lead's overdue list, overdue or not (the 除雪 check after the snow).
pub const SNOW_CHECK_DAYS: i64 = 3;

#[derive(Serialize, ToSchema)]
pub struct OverdueOut {
    pub resident_id: String,
    pub resident_name: String,
    pub commissioner: String,
    pub contact_interval_days: i32,
    /// Day of the last contact; none when never contacted.
    pub last_contact_on: Option<String>,
    /// Days past the interval (0 or less: not overdue, listed for the snow); none for a resident
    /// never contacted.
    pub days_overdue: Option<i64>,
    /// The recent snowfall day this resident has not been contacted since (listed first), if any.
    pub not_seen_since_snowfall: Option<String>,
}

/// Residents past their contact interval, worst first; within [`SNOW_CHECK_DAYS`] of a marked
/// snowfall, first those not contacted since the snow, overdue or not.
#[utoipa::path(get, path = "/api/review/overdue", tag = "review",
    responses((status = 200, body = Vec<OverdueOut>), (status = 403, body = ErrorBody)))]
pub async fn overdue(state: web::Data<AppState>, caller: Caller) -> Result<HttpResponse, AppError> {
    let district = lead_district(&caller)?;
    let today = Date::today_jst(now_ms());
    let t = today.to_string();
    let since = Date::today_jst(now_ms() - SNOW_CHECK_DAYS * 86_400_000).to_string();
    let (rows, snow) = state
        .db
        .read(move |conn| {
            Ok((
                review::district_contact_status(conn, &district, &t)?,
                review::snowfall_days_since(conn, &district, &since)?,
            ))
        })
        .await?;
    let last_snow = snow.into_iter().max();
    let mut out: Vec<OverdueOut> = rows
        .into_iter()
        .filter_map(|r| {
            let days_overdue = r.days_overdue(&today.to_string());
            // A contact on the snowfall day itself counts as seen (the day is all we know).
            let not_seen_since_snowfall = last_snow
                .clone()
                .filter(|s| r.last_contact_on.as_ref().is_none_or(|l| l < s));
            (days_overdue.is_none_or(|d| d > 0) || not_seen_since_snowfall.is_some()).then_some(
                OverdueOut {
                    resident_id: r.resident_id,
                    resident_name: r.resident_name,
                    commissioner: r.commissioner,
                    contact_interval_days: r.contact_interval_days,
                    last_contact_on: r.last_contact_on,
                    days_overdue,
                    not_seen_since_snowfall,
                },
            )
        })
        .collect();
    // Not seen since a recent snowfall first; then never contacted, then the longest overdue.
    out.sort_by_key(|o| {
        (
            o.not_seen_since_snowfall.is_none(),
            o.days_overdue.map_or(i64::MIN, |d| -d),
            o.resident_id.clone(),
        )
    });
    Ok(HttpResponse::Ok().json(out))
}

#[derive(Deserialize, IntoParams)]
pub struct ContactQuery {
    pub commissioner_id: Option<String>,
    pub resident_id: Option<String>,
    /// `YYYY-MM-DD`
    pub from: Option<String>,
    /// `YYYY-MM-DD` (inclusive)
    pub to: Option<String>,
    /// visit | phone | greeting | indirect
    pub kind: Option<String>,
    /// none | watch | urgent
    pub concern: Option<String>,
    /// A check that must be 気になる: lights | mailbox | garbage | snow | curtains | laundry
    pub check: Option<String>,
}

/// What a contact said, as the lead reads it: now ([`ReviewItem`]) or before an edit
/// ([`EarlierVersion`]).
#[derive(Serialize, ToSchema)]
pub struct ContactSaid {
    /// As recorded on the tablet.
    pub occurred_at: String,
    pub kind: Kind,
    pub outcome: Outcome,
    pub concern: Concern,
    /// Check name → value.
    #[schema(value_type = std::collections::BTreeMap<CheckName, CheckValue>)]
    pub checks: Checks,
    pub note: String,
}

impl ContactSaid {
    /// From a stored row's columns (a contact, or an earlier version of one).
    fn of_row(
        occurred_at: String,
        kind: &str,
        outcome: &str,
        concern: &str,
        checks: &str,
        note: String,
    ) -> Result<ContactSaid, AppError> {
        let (kind, outcome, concern, checks) =
            crate::db::documents::contact_words(kind, outcome, concern, checks)?;
        Ok(ContactSaid {
            occurred_at,
            kind,
            outcome,
            concern,
            checks,
            note,
        })
    }
}

/// One line of the lead's review list.
#[derive(Serialize, ToSchema)]
pub struct ReviewItem {
    pub resident_id: String,
    pub resident_name: String,
    pub contact_id: String,
    pub commissioner: String,
    #[serde(flatten)]
    pub said: ContactSaid,
    /// When the server received it (ms since the epoch).
    pub received_at: i64,
    pub follow_up: bool,
    /// The lead's mark, if any: confirmed | check | return.
    #[schema(value_type = Option<ReviewMark>)]
    pub review_mark: Option<String>,
    /// What the contact said before its author edited it, oldest first (empty when never edited):
    /// the lead sees what changed.
    pub earlier: Vec<EarlierVersion>,
}

/// A contact as it was until an edit replaced it.
#[derive(Serialize, ToSchema)]
pub struct EarlierVersion {
    #[serde(flatten)]
    pub said: ContactSaid,
    /// When the edit that replaced it arrived (ms since the epoch).
    pub replaced_at: i64,
}

/// The district's merged contacts: concerns and unreviewed entries first, then newest first.
#[utoipa::path(get, path = "/api/review/contacts", tag = "review", params(ContactQuery),
    responses((status = 200, body = Vec<ReviewItem>), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn contacts(
    state: web::Data<AppState>,
    caller: Caller,
    q: web::Query<ContactQuery>,
) -> Result<HttpResponse, AppError> {
    use crate::sync::schema::{CHECK_NAMES, CONCERNS, KINDS};
    let district = lead_district(&caller)?;
    let q = q.into_inner();
    let one_of = |name: &str, v: &Option<String>, allowed: &[&str]| -> Result<(), AppError> {
        match v {
            Some(x) if !allowed.contains(&x.as_str()) => Err(AppError::invalid(
                name,
                "unknown",
                format!("{} のどれかです。", allowed.join(" / ")),
            )),
            _ => Ok(()),
        }
    };
    one_of("kind", &q.kind, KINDS)?;
    one_of("concern", &q.concern, CONCERNS)?;
    one_of("check", &q.check, CHECK_NAMES)?;
    let day = |name: &str, v: Option<String>| -> Result<Option<String>, AppError> {
        v.map(|d| field(name, Date::parse(&d)).map(|d| d.to_string()))
            .transpose()
    };
    let filter = review::ContactFilter {
        commissioner_id: q.commissioner_id,
        resident_id: q.resident_id,
        from: day("from", q.from)?,
        to_exclusive: q
            .to
            .map(|d| field("to", Date::parse(&d)).map(|d| d.succ().to_string()))
            .transpose()?,
        kind: q.kind,
        concern: q.concern,
        check_concern: q.check,
    };
    let (rows, mut earlier) = state
        .db
        .read(move |conn| {
            let rows = review::district_contacts(conn, &district, &filter, 500)?;
            let ids: Vec<String> = rows.iter().map(|(c, ..)| c.id.clone()).collect();
            let mut earlier: std::collections::HashMap<(String, String), Vec<EarlierVersion>> =
                Default::default();
            for v in crate::db::documents::contact_versions_for(conn, &ids)? {
                earlier
                    .entry((v.resident_id, v.contact_id))
                    .or_default()
                    .push(EarlierVersion {
                        said: ContactSaid::of_row(
                            v.occurred_at,
                            &v.kind,
                            &v.outcome,
                            &v.concern,
                            &v.checks,
                            v.note,
                        )?,
                        replaced_at: v.replaced_at,
                    });
            }
            Ok((rows, earlier))
        })
        .await?;
    let mut out: Vec<ReviewItem> = rows
        .into_iter()
        .map(|(c, resident_name, commissioner, mark)| {
            Ok(ReviewItem {
                earlier: earlier
                    .remove(&(c.resident_id.clone(), c.id.clone()))
                    .unwrap_or_default(),
                said: ContactSaid::of_row(
                    c.occurred_at,
                    &c.kind,
                    &c.outcome,
                    &c.concern,
                    &c.checks,
                    c.note,
                )?,
                resident_id: c.resident_id,
                resident_name,
                contact_id: c.id,
                commissioner,
                received_at: c.received_at,
                follow_up: c.follow_up,
                review_mark: mark,
            })
        })
        .collect::<Result<_, AppError>>()?;
    // Concerns first, then entries the lead has not marked, each group newest first (stable sort).
    out.sort_by_key(|i| (i.said.concern == Concern::None, i.review_mark.is_some()));
    Ok(HttpResponse::Ok().json(out))
}
