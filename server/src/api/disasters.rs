//! 災害モード, the office's side (issue 23 step 6; docs/design/disaster-and-schema-v2.md §3.1, §3.7):
//! city staff declare a disaster for the whole city or some districts, list them, and end one. A
//! declaration is, in one transaction, the `disasters` row, its districts, an urgent お知らせ to
//! every commissioner and lead there (so 既読 is tracked as for any notice) and one push per
//! subscription whose payload carries ids and fixed words only; tablets learn of it from the push
//! and from `/api/me` (`disasters`). Ending it sends a normal notice and a push saying so.

use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use super::json::ApiJson;
use crate::admin::{Actor, record};
use crate::app::AppState;
use crate::auth::Caller;
use crate::db::disasters::{self as store, Covering, Disaster};
use crate::db::notices::{self as notices, Notice};
use crate::db::{directory, new_id, now_ms};
use crate::domain::Role;
use crate::domain::disaster::{self, DisasterKind};
use crate::domain::notice::{AudienceKind, NoticeStatus, Priority};
use crate::error::{AppError, ErrorBody};

const STAFF: &[Role] = &[Role::CityStaff, Role::Admin];

/// A declaration as the office sends it.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DisasterIn {
    pub kind: DisasterKind,
    /// Empty or absent: the kind's words (「大雪・暴風雪」).
    #[serde(default)]
    pub title: String,
    /// 市内全域: every district (then `districts` is empty).
    #[serde(default)]
    pub city_wide: bool,
    #[serde(default)]
    pub districts: Vec<String>,
    /// When it happened (ms); absent: now.
    #[serde(default)]
    pub occurred_at: Option<i64>,
    /// 訓練: a drill, counted apart.
    #[serde(default)]
    pub drill: bool,
}

/// A disaster, as the office and the tablets see it.
#[derive(Serialize, ToSchema)]
pub struct DisasterOut {
    pub id: String,
    pub kind: DisasterKind,
    pub title: String,
    pub city_wide: bool,
    pub drill: bool,
    pub occurred_at: i64,
    pub declared_at: i64,
    pub ended_at: Option<i64>,
    /// District ids it covers (every district for a city-wide one).
    pub districts: Vec<String>,
    /// The urgent notice that announced it.
    pub notice_id: Option<String>,
}

impl DisasterOut {
    pub fn of((d, districts): Covering) -> Self {
        DisasterOut {
            kind: DisasterKind::parse(&d.kind).unwrap_or(DisasterKind::Other),
            id: d.id,
            title: d.title,
            city_wide: d.city_wide,
            drill: d.drill,
            occurred_at: d.occurred_at,
            declared_at: d.declared_at,
            ended_at: d.ended_at,
            districts,
            notice_id: d.notice_id,
        }
    }
}

/// `12月3日 6:00` (Japan time) for a time in ms.
fn jst_words(ms: i64) -> String {
    let jst = (ms / 1000) + 9 * 3600;
    let day = crate::domain::Date::from_epoch_days(jst.div_euclid(86_400));
    let secs = jst.rem_euclid(86_400);
    format!(
        "{}月{}日 {}:{:02}",
        day.month,
        day.day,
        secs / 3600,
        secs % 3600 / 60
    )
}

/// A notice sent at once to `districts` (every commissioner and lead of the city when `city_wide`),
/// with its recipients fixed and one push per subscription queued, in the caller's transaction.
fn send_notice(
    conn: &mut crate::db::DbConn,
    by: &str,
    (title, body, priority): (String, String, Priority),
    city_wide: bool,
    districts: &[String],
    payload: impl FnOnce(&str) -> serde_json::Value,
) -> Result<(String, usize, usize), AppError> {
    let now = now_ms();
    let mut n = Notice::draft(new_id(), by.to_string(), now);
    n.title = title;
    n.body = body;
    n.priority = priority.as_str().into();
    if !city_wide {
        n.audience = AudienceKind::Districts.as_str().into();
        n.audience_districts = serde_json::to_string(districts).unwrap_or_else(|_| "[]".into());
    }
    n.status = NoticeStatus::Sent.as_str().into();
    n.sent_at = Some(now);
    notices::insert_notice(conn, &n)?;
    let users = notices::audience_users(conn, &n)?;
    notices::insert_recipients(conn, &n.id, &users)?;
    let pushes = crate::push::enqueue(
        conn,
        &users,
        Some(&n.id),
        &payload(&n.id),
        priority == Priority::Urgent,
    )?;
    Ok((n.id, users.len(), pushes))
}

/// Declares a disaster (city staff): the row, its districts, the urgent notice and its pushes, in
/// one transaction; the push sender is woken after it commits.
#[utoipa::path(post, path = "/api/staff/disasters", tag = "disasters", request_body = DisasterIn,
    responses((status = 201, body = DisasterOut), (status = 400, body = ErrorBody),
        (status = 403, body = ErrorBody)))]
pub async fn declare_disaster(
    state: web::Data<AppState>,
    caller: Caller,
    body: ApiJson<DisasterIn>,
) -> Result<HttpResponse, AppError> {
    caller.require(STAFF)?;
    let actor = Actor::of(&caller);
    let by = caller.user_id.clone();
    let b = body.0;
    let out = state
        .db
        .write(move |conn| {
            let now = now_ms();
            let d = disaster::compose(
                disaster::DeclarationIn {
                    kind: b.kind.as_str(),
                    title: &b.title,
                    city_wide: b.city_wide,
                    districts: b.districts,
                    occurred_at: b.occurred_at,
                    drill: b.drill,
                },
                now,
            )
            .map_err(|(f, e)| AppError::invalid(f, e.code, e.message))?;
            let all = directory::list_districts(conn)?;
            let districts: Vec<String> = if d.city_wide {
                all.iter().map(|x| x.id.clone()).collect()
            } else {
                if d.districts
                    .iter()
                    .any(|id| !all.iter().any(|x| &x.id == id))
                {
                    return Err(AppError::invalid(
                        "districts",
                        "unknown",
                        "存在しない地区が選ばれています。",
                    ));
                }
                d.districts.clone()
            };
            let id = new_id();
            let (notice_id, recipients, pushes) = send_notice(
                conn,
                &by,
                (
                    d.notice_title(),
                    d.notice_body(&jst_words(d.occurred_at)),
                    Priority::Urgent,
                ),
                d.city_wide,
                &districts,
                |notice| {
                    // Ids and fixed words only: the title is the office's, never a resident's.
                    json!({ "notice": notice, "disaster": id, "kind": d.kind.as_str(),
                            "title": d.notice_title(), "priority": "urgent" })
                },
            )?;
            let row = Disaster {
                id: id.clone(),
                kind: d.kind.as_str().to_string(),
                title: d.title.clone(),
                city_wide: d.city_wide,
                drill: d.drill,
                occurred_at: d.occurred_at,
                declared_at: now,
                declared_by: by.clone(),
                ended_at: None,
                ended_by: None,
                notice_id: Some(notice_id),
            };
            store::insert(conn, &row, &districts)?;
            // 安否 recorded before the declaration reached the tablets belong to it.
            store::attach_unresolved(conn, &row, &districts)?;
            record(
                conn,
                &actor,
                "disaster.declare",
                "disaster",
                Some(&id),
                json!({ "kind": d.kind.as_str(), "districts": districts.len(),
                        "city_wide": d.city_wide, "drill": d.drill,
                        "recipients": recipients, "pushes": pushes }),
            )?;
            Ok(DisasterOut::of((row, districts)))
        })
        .await?;
    state.pusher.wake();
    Ok(HttpResponse::Created().json(out))
}

/// Every disaster, the newest first (city staff).
#[utoipa::path(get, path = "/api/staff/disasters", tag = "disasters",
    responses((status = 200, body = Vec<DisasterOut>), (status = 403, body = ErrorBody)))]
pub async fn list_disasters(
    state: web::Data<AppState>,
    caller: Caller,
) -> Result<HttpResponse, AppError> {
    caller.require(STAFF)?;
    let list = state.db.read(|conn| Ok(store::list(conn)?)).await?;
    Ok(HttpResponse::Ok().json(list.into_iter().map(DisasterOut::of).collect::<Vec<_>>()))
}

/// Ends a disaster (city staff): tablets leave 災害モード at the push or their next `/api/me`; the
/// records made during it stay.
#[utoipa::path(post, path = "/api/staff/disasters/{id}/end", tag = "disasters",
    params(("id" = String, Path, description = "disaster id")),
    responses((status = 200, body = DisasterOut), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn end_disaster(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    caller.require(STAFF)?;
    let actor = Actor::of(&caller);
    let by = caller.user_id.clone();
    let id = id.into_inner();
    let out = state
        .db
        .write(move |conn| {
            let (d, districts) = store::by_id(conn, &id)?.ok_or(AppError::NotFound)?;
            if !store::end(conn, &id, &by, now_ms())? {
                return Err(AppError::Conflict {
                    field: "status".into(),
                    message: "この災害モードはすでに終わっています。".into(),
                });
            }
            let kind = DisasterKind::parse(&d.kind).unwrap_or(DisasterKind::Other);
            let title = format!(
                "{}災害モードを終わります：{}",
                if d.drill { "【訓練】" } else { "" },
                d.title
            );
            let body = format!(
                "{}の災害モードを終わります。いつもの画面に戻ります。災害のあいだの記録はそのまま残ります。",
                kind.label()
            );
            send_notice(
                conn,
                &by,
                (title.clone(), body, Priority::Normal),
                d.city_wide,
                &districts,
                |notice| {
                    json!({ "notice": notice, "disaster": id, "ended": true, "title": title,
                            "priority": "normal" })
                },
            )?;
            store::release_all(conn, &id, now_ms())?;
            record(
                conn,
                &actor,
                "disaster.end",
                "disaster",
                Some(&id),
                json!({}),
            )?;
            Ok(DisasterOut::of(
                store::by_id(conn, &id)?.ok_or(AppError::NotFound)?,
            ))
        })
        .await?;
    state.pusher.wake();
    Ok(HttpResponse::Ok().json(out))
}
