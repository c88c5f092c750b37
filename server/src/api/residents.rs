//! The caller's residents (見守り対象者): a commissioner's current assignments, a lead's district.

use actix_web::{HttpResponse, web};
use serde::Serialize;
use utoipa::ToSchema;

use crate::access;
use crate::admin::PendingDecision;
use crate::app::AppState;
use crate::auth::Caller;
use crate::db::directory::{self, Resident};
use crate::error::{AppError, ErrorBody};

/// The caller's residents (403 for roles without field access).
async fn residents_of(state: &AppState, caller: &Caller) -> Result<Vec<Resident>, AppError> {
    let scope = access::resident_scope(caller)?;
    state
        .db
        .read(move |conn| access::residents_in_scope(conn, &scope))
        .await
}

/// A resident the scope reaches; 404 alike for unknown and not allowed.
fn visible_resident(
    conn: &mut crate::db::DbConn,
    scope: &access::ResidentScope,
    id: &str,
) -> Result<Resident, AppError> {
    let r = directory::resident_by_id(conn, id)?.ok_or(AppError::NotFound)?;
    if access::may_see_resident(conn, scope, &r)? {
        Ok(r)
    } else {
        Err(AppError::NotFound)
    }
}

/// A resident as the commissioner's list shows them. Personal data: for authorized callers only.
#[derive(Serialize, ToSchema)]
pub struct ResidentOut {
    pub id: String,
    pub district_id: String,
    pub name: String,
    pub kana: String,
    pub address: String,
    /// `active`, `pending` (registered offline, awaiting the lead) or `archived`.
    pub status: String,
    /// Contact at least every this many days.
    pub contact_interval_days: i32,
}

impl From<Resident> for ResidentOut {
    fn from(r: Resident) -> Self {
        ResidentOut {
            id: r.id,
            district_id: r.district_id,
            name: r.name,
            kana: r.kana,
            address: r.address,
            status: r.status,
            contact_interval_days: r.contact_interval_days,
        }
    }
}

/// The caller's residents: assigned ones today (commissioner) or the district's (lead).
#[utoipa::path(get, path = "/api/residents", tag = "residents",
    responses((status = 200, body = Vec<ResidentOut>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn list(state: web::Data<AppState>, caller: Caller) -> Result<HttpResponse, AppError> {
    let rows = residents_of(&state, &caller).await?;
    Ok(HttpResponse::Ok().json(rows.into_iter().map(ResidentOut::from).collect::<Vec<_>>()))
}

/// One resident, if the caller may see them (404 otherwise, the same as for an unknown id).
#[utoipa::path(get, path = "/api/residents/{id}", tag = "residents",
    params(("id" = String, Path, description = "resident id")),
    responses((status = 200, body = ResidentOut), (status = 404, body = ErrorBody)))]
pub async fn get(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let scope = access::resident_scope(&caller)?;
    let id = id.into_inner();
    let r = state
        .db
        .read(move |conn| visible_resident(conn, &scope, &id))
        .await?;
    Ok(HttpResponse::Ok().json(ResidentOut::from(r)))
}

/// A document the caller's app should keep in sync.
#[derive(Serialize, ToSchema)]
pub struct DocumentRef {
    pub resident_id: String,
    /// `automerge:<id>`, for `repo.find`.
    pub document_url: String,
    /// When the server last accepted a change (ms since the epoch).
    pub last_change_at: Option<i64>,
    /// `active`, or `pending`: registered from a tablet, awaiting the district lead's approval.
    pub status: String,
    /// Contacts whose review mark in the document the server set aside (written by someone who
    /// is not a lead, D7), each with the mark the server accepted for it ("" when none): the app
    /// shows the server's mark there, never the document's.
    pub set_aside_reviews: std::collections::BTreeMap<String, String>,
}

/// Every document the caller may sync: the PWA opens all of them at start-up.
#[utoipa::path(get, path = "/api/documents", tag = "residents",
    responses((status = 200, body = Vec<DocumentRef>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn documents(
    state: web::Data<AppState>,
    caller: Caller,
) -> Result<HttpResponse, AppError> {
    let rows = residents_of(&state, &caller).await?;
    let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
    let mut set_aside = state
        .db
        .read(move |conn| Ok(crate::db::documents::set_aside_reviews(conn, &ids)?))
        .await?;
    let out: Vec<DocumentRef> = rows
        .into_iter()
        .filter_map(|r| {
            Some(DocumentRef {
                document_url: format!("automerge:{}", r.doc_id?),
                set_aside_reviews: set_aside.remove(&r.id).unwrap_or_default(),
                resident_id: r.id,
                last_change_at: r.doc_changed_at,
                status: r.status,
            })
        })
        .collect();
    Ok(HttpResponse::Ok().json(out))
}

/// The resident's document as JSON (for review screens and exports), if the caller may see it.
#[utoipa::path(get, path = "/api/residents/{id}/document", tag = "residents",
    params(("id" = String, Path, description = "resident id")),
    responses((status = 200, body = Object), (status = 404, body = ErrorBody)))]
pub async fn document(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let scope = access::resident_scope(&caller)?;
    let id = id.into_inner();
    let json = state
        .db
        .read(move |conn| {
            let r = visible_resident(conn, &scope, &id)?;
            let doc_id = r.doc_id.ok_or(AppError::NotFound)?;
            crate::sync::document_json(conn, &doc_id)
        })
        .await?;
    Ok(HttpResponse::Ok().json(json))
}

/// A district lead declines a resident that a commissioner registered from a tablet: archived (the
/// record stays), off the commissioner's list.
#[utoipa::path(post, path = "/api/residents/{id}/decline", tag = "residents",
    params(("id" = String, Path, description = "resident id")),
    responses((status = 200, body = ResidentOut), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn decline(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    decide(&state, &caller, id.into_inner(), PendingDecision::Decline).await
}

/// A district lead approves a resident that a commissioner registered from a tablet.
#[utoipa::path(post, path = "/api/residents/{id}/approve", tag = "residents",
    params(("id" = String, Path, description = "resident id")),
    responses((status = 200, body = ResidentOut), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn approve(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    decide(&state, &caller, id.into_inner(), PendingDecision::Approve).await
}

/// The district's lead decides on a pending resident of their district (404 for any other).
/// Access may change with it (a declined resident leaves the commissioner's scope): open sync
/// connections look again.
async fn decide(
    state: &AppState,
    caller: &Caller,
    id: String,
    decision: PendingDecision,
) -> Result<HttpResponse, AppError> {
    caller.require(&[crate::domain::Role::DistrictLead])?;
    let scope = access::resident_scope(caller)?;
    let actor = crate::admin::Actor::of(caller);
    let r = state
        .db
        .write(move |conn| {
            visible_resident(conn, &scope, &id)?;
            let r = crate::admin::decide_pending_resident(conn, &actor, &id, decision)?;
            access::changed(conn)?;
            Ok(r)
        })
        .await?;
    Ok(HttpResponse::Ok().json(ResidentOut::from(r)))
}
