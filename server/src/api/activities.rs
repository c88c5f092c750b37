//! `/api/activity-log`: the caller's own activity log document (定例会, 研修, 行事, 証明事務,
//! 関係機関との連絡調整), made on first use. The PWA syncs it like a resident's document; nobody
//! else may (the sync engine's ACL), and leads and city staff see only its counts in the 活動記録.

use actix_web::{HttpResponse, web};
use serde::Serialize;
use utoipa::ToSchema;

use crate::app::AppState;
use crate::auth::Caller;
use crate::db::{activities, documents, now_ms};
use crate::domain::Role;
use crate::error::{AppError, ErrorBody};
use crate::sync::{DocumentId, schema};

#[derive(Serialize, ToSchema)]
pub struct ActivityLogRef {
    /// `automerge:<id>`, for `repo.find`.
    pub document_url: String,
}

/// The caller's activity log (commissioners and district leads, who are commissioners too).
#[utoipa::path(get, path = "/api/activity-log", tag = "residents",
    responses((status = 200, body = ActivityLogRef), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn activity_log(
    state: web::Data<AppState>,
    caller: Caller,
) -> Result<HttpResponse, AppError> {
    caller.require(&[Role::Commissioner, Role::DistrictLead])?;
    let me = caller.user_id.clone();
    let who = me.clone();
    // Asked at every refresh of every tablet: a read, and a write transaction only the first time.
    let mine = me.clone();
    if let Some(id) = state
        .db
        .read(move |conn| Ok(activities::log_of(conn, &mine)?))
        .await?
    {
        return Ok(HttpResponse::Ok().json(ActivityLogRef {
            document_url: format!("automerge:{id}"),
        }));
    }
    let made = state
        .db
        .write(move |conn| {
            let id = DocumentId::random().to_string();
            let now = now_ms();
            // Two tablets asking at once: the second transaction finds the first one's log (or,
            // on PostgreSQL, fails on the key: see below).
            if !activities::claim_log(conn, &me, &id, now)? {
                return activities::log_of(conn, &me)?.ok_or(AppError::NotFound);
            }
            let first = schema::new_activity_log(&me).map_err(AppError::internal)?;
            documents::insert_chunk(conn, &id, "snapshot", &first, now)?;
            Ok(id)
        })
        .await;
    let doc_id = match made {
        Ok(id) => id,
        // Two tablets of one commissioner asking at once on PostgreSQL: the other one's insert
        // won the key. Its log is the log.
        Err(e) => match state
            .db
            .read(move |conn| Ok(activities::log_of(conn, &who)?))
            .await?
        {
            Some(id) => id,
            None => return Err(e),
        },
    };
    Ok(HttpResponse::Ok().json(ActivityLogRef {
        document_url: format!("automerge:{doc_id}"),
    }))
}
