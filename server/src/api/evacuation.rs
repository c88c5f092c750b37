//! The paper fallback (issue 23 item 5; the design's §3.8): for one district, an A4 list of the
//! residents who need help to evacuate, with what their 個別避難計画 says, for when tablets are
//! dead or lost. Built from the documents (the plans' contents are never in SQL), answered
//! `no-store`, kept by the browser only on the printed page, and every print is an audit entry.
//!
//! Who: the district's lead at any time; city staff and the administrator only while a declared
//! disaster covers the district. What: outside a disaster, residents whose plan has their consent
//! (同意); during one, everyone who needs a plan (災害対策基本法 49条の11 第3項: shared without consent
//! when life is at risk — to be confirmed with the city's 防災課).

use std::collections::HashMap;

use actix_web::{HttpResponse, web};
use serde::Serialize;
use serde_json::json;
use utoipa::ToSchema;

use crate::admin::{Actor, record};
use crate::app::AppState;
use crate::auth::Caller;
use crate::db::{accounts, directory, disasters, now_ms};
use crate::domain::{Date, Role};
use crate::error::{AppError, ErrorBody};

/// One resident on the paper list.
#[derive(Serialize, ToSchema)]
pub struct PaperResident {
    pub resident_id: String,
    pub name: String,
    pub kana: String,
    pub address: String,
    pub phone: String,
    /// Their commissioners today (names).
    pub commissioners: Vec<String>,
    /// The current plan as the document holds it (consent, needs, helpers, destination, how to
    /// reach…); none when the roster says a plan is needed and none was made.
    #[schema(value_type = Option<Object>)]
    pub plan: Option<serde_json::Value>,
}

/// The paper list of a district.
#[derive(Serialize, ToSchema)]
pub struct PaperList {
    pub district_id: String,
    pub district_name: String,
    /// A declared disaster covers the district: everyone who needs a plan is listed.
    pub during_disaster: bool,
    /// When it was made (ms).
    pub at: i64,
    pub residents: Vec<PaperResident>,
}

#[utoipa::path(get, path = "/api/evacuation/districts/{id}", tag = "disasters",
    params(("id" = String, Path, description = "district id")),
    responses((status = 200, body = PaperList), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn paper_list(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let actor = Actor::of(&caller);
    let district_id = id.into_inner();
    let out = state
        .db
        .write(move |conn| {
            let district =
                directory::district_by_id(conn, &district_id)?.ok_or(AppError::NotFound)?;
            let during = !disasters::active(conn, Some(&district_id))?.is_empty();
            match caller.role {
                Role::DistrictLead
                    if caller.district_id.as_deref() == Some(district_id.as_str()) => {}
                Role::CityStaff | Role::Admin if during => {}
                Role::CityStaff | Role::Admin => {
                    return Err(AppError::Denied {
                        code: "no_disaster",
                        message: "市の職員が印刷できるのは、災害モードのあいだだけです。".into(),
                    });
                }
                Role::DistrictLead => return Err(AppError::NotFound),
                _ => {
                    return Err(AppError::Denied {
                        code: "forbidden",
                        message: "この一覧は地区の会長が印刷します。".into(),
                    });
                }
            }
            let flagged = directory::residents_needing_plans(conn)?;
            let today = Date::today_jst(now_ms()).to_string();
            let names: HashMap<String, String> = accounts::list_users(conn)?
                .into_iter()
                .map(|u| (u.id, u.display_name))
                .collect();
            let assignments = directory::list_assignments(conn)?;
            let mut residents = Vec::new();
            for r in directory::list_residents(conn, Some(&district_id))? {
                if r.status != "active" {
                    continue;
                }
                let Some(doc_id) = r.doc_id.clone() else {
                    continue;
                };
                let chunks = crate::db::documents::load_chunks(conn, &doc_id)?;
                let doc = automerge::Automerge::load(&crate::db::documents::joined(&chunks))
                    .map_err(|e| AppError::internal_in("stored document does not load", e))?;
                let plan = crate::sync::schema::current_plan(&doc);
                let agreed = plan.as_ref().is_some_and(|p| p["consent"] == "agreed");
                let listed = if during {
                    agreed || plan.is_some() || flagged.contains(&r.id)
                } else {
                    agreed
                };
                if !listed {
                    continue;
                }
                let profile = |key: &str| {
                    let p = crate::sync::schema::profile_text(&doc, key);
                    p.unwrap_or_default()
                };
                residents.push(PaperResident {
                    phone: profile("phone"),
                    commissioners: assignments
                        .iter()
                        .filter(|a| a.resident_id == r.id && a.covers(&today))
                        .filter_map(|a| names.get(&a.commissioner_id).cloned())
                        .collect(),
                    plan,
                    resident_id: r.id,
                    name: r.name,
                    kana: r.kana,
                    address: r.address,
                });
            }
            // Each print is recorded: who, which district, how many people (no names).
            record(
                conn,
                &actor,
                "evacuation.print",
                "district",
                Some(&district_id),
                json!({ "residents": residents.len(), "during_disaster": during }),
            )?;
            Ok(PaperList {
                district_id,
                district_name: district.name,
                during_disaster: during,
                at: now_ms(),
                residents,
            })
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(out))
}
