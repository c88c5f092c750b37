//! Who may see which resident — the one place the rule lives (REST now, sync documents next).
//!
//! | role | residents |
//! |---|---|
//! | commissioner | those with an assignment active today (Japan date, inclusive end) |
//! | district lead | every resident of their own district |
//! | city staff, admin | none through the field API (staff see counts; admins use `/api/admin`) |

use crate::auth::Caller;
use crate::db::directory::{self, Resident};
use crate::db::{DbConn, now_ms};
use crate::domain::{Date, Role};
use crate::error::AppError;

/// What part of the resident register a caller reaches.
#[derive(Debug, Clone)]
pub enum ResidentScope {
    Assigned { commissioner_id: String },
    District { district_id: String },
}

/// The caller's scope, or 403 for roles without field access.
pub fn resident_scope(caller: &Caller) -> Result<ResidentScope, AppError> {
    match (caller.role, &caller.district_id) {
        (Role::Commissioner, _) => Ok(ResidentScope::Assigned {
            commissioner_id: caller.user_id.clone(),
        }),
        (Role::DistrictLead, Some(d)) => Ok(ResidentScope::District {
            district_id: d.clone(),
        }),
        _ => Err(AppError::Forbidden),
    }
}

fn today() -> String {
    Date::today_jst(now_ms()).to_string()
}

pub fn residents_in_scope(
    conn: &mut DbConn,
    scope: &ResidentScope,
) -> Result<Vec<Resident>, AppError> {
    Ok(match scope {
        ResidentScope::Assigned { commissioner_id } => {
            directory::residents_assigned_to(conn, commissioner_id, &today())?
        }
        ResidentScope::District { district_id } => {
            directory::list_residents(conn, Some(district_id))?
        }
    })
}

/// Residents a commissioner watched until lately — an assignment that ended within the last
/// `grace_days` days (some may be theirs again today: the caller leaves those out) — whose records
/// their tablet may still hold, made before the end, which the sync path takes without sending
/// anything back (the hand-over grace). Nobody else has such residents.
pub fn residents_lately_left(
    conn: &mut DbConn,
    scope: &ResidentScope,
    grace_days: i64,
) -> Result<Vec<Resident>, AppError> {
    let ResidentScope::Assigned { commissioner_id } = scope else {
        return Ok(Vec::new());
    };
    let now = now_ms();
    let today = Date::today_jst(now).to_string();
    let since = Date::today_jst(now - grace_days * 86_400_000).to_string();
    Ok(directory::residents_assigned_until(
        conn,
        commissioner_id,
        &since,
        &today,
    )?)
}

pub fn may_see_resident(
    conn: &mut DbConn,
    scope: &ResidentScope,
    r: &Resident,
) -> Result<bool, AppError> {
    Ok(match scope {
        ResidentScope::Assigned { commissioner_id } => {
            r.status != "archived"
                && directory::is_assigned(conn, &r.id, commissioner_id, &today())?
        }
        ResidentScope::District { district_id } => &r.district_id == district_id,
    })
}

/// Marks that access may have changed (an assignment, a device, a session): open sync connections
/// re-check themselves. Call inside the transaction that makes the change.
pub fn changed(conn: &mut DbConn) -> Result<(), AppError> {
    directory::put_setting(conn, ACCESS_EPOCH, &uuid::Uuid::new_v4().to_string())?;
    Ok(())
}

/// The settings key whose value changes whenever access may have changed.
pub const ACCESS_EPOCH: &str = "access.epoch";
