//! 改選 (the three-yearly change of commissioners; the last was 2025-12-01) and mid-term hand-overs:
//! every resident an outgoing commissioner watches on a day moves to a successor from that day, in
//! one transaction for a whole district. The predecessor's assignment ends the day before (their
//! tablet drops the documents, as for any ended assignment); the successor's starts that day (their
//! tablet receives each document with its whole history). Without a successor the assignments only
//! end: the district lead, who sees every resident of the district, covers them until one is named.

use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use super::{Actor, assign, end_assignment, record};
use crate::db::DbConn;
use crate::db::accounts;
use crate::db::directory;
use crate::domain::{Date, Role};
use crate::error::AppError;

/// One outgoing commissioner's residents to a successor (or to nobody yet).
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct Move {
    /// The outgoing commissioner (user id).
    pub from: String,
    /// The successor (user id); none: the assignments end and the lead covers.
    #[serde(default)]
    pub to: Option<String>,
    /// Only these residents (to split a caseload among several successors); default: all of them.
    #[serde(default)]
    pub residents: Option<Vec<String>>,
}

/// What a hand-over did.
#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct HandOverResult {
    /// Assignments ended (predecessors).
    pub ended: usize,
    /// Assignments made (successors).
    pub assigned: usize,
    /// Residents left without a commissioner (the lead covers them).
    pub uncovered: usize,
}

/// Moves the residents of every `moves` entry from `on` (the first day of the successor).
pub fn hand_over(
    conn: &mut DbConn,
    actor: &Actor,
    on: Date,
    moves: &[Move],
) -> Result<HandOverResult, AppError> {
    let day = on.to_string();
    let all = directory::list_assignments(conn)?;
    let mut out = HandOverResult::default();
    for (i, m) in moves.iter().enumerate() {
        let from = accounts::user_by_id(conn, &m.from)?.ok_or_else(|| {
            AppError::invalid(
                format!("moves[{i}].from"),
                "unknown",
                "その民生委員はいません。",
            )
        })?;
        if from.role != Role::Commissioner.as_str() {
            return Err(AppError::invalid(
                format!("moves[{i}].from"),
                "not_commissioner",
                "引き継ぐのは民生委員の担当だけです。",
            ));
        }
        // What the outgoing commissioner watches on that day.
        let current: Vec<_> = all
            .iter()
            .filter(|a| a.commissioner_id == from.id)
            .filter(|a| a.covers(&day))
            .filter(|a| {
                m.residents
                    .as_ref()
                    .is_none_or(|only| only.contains(&a.resident_id))
            })
            .collect();
        if let Some(only) = &m.residents
            && only.len() != current.len()
        {
            return Err(AppError::invalid(
                format!("moves[{i}].residents"),
                "not_assigned",
                "この民生委員の担当でない方が含まれています。",
            ));
        }
        for a in current {
            if a.starts_on == day {
                // Assigned from that very day: nothing to hand over from the predecessor's side.
                return Err(AppError::invalid(
                    "on",
                    "starts_that_day",
                    "引き継ぎの日に始まった担当があります。別の日にしてください。",
                ));
            }
            end_assignment(conn, actor, &a.id, on.pred())?;
            out.ended += 1;
            match &m.to {
                Some(to) => {
                    assign(conn, actor, &a.resident_id, to, on, None)
                        .map_err(|e| e.in_field(&format!("moves[{i}].to")))?;
                    out.assigned += 1;
                }
                None => out.uncovered += 1,
            }
        }
    }
    // Ids and counts only.
    record(
        conn,
        actor,
        "assignment.hand_over",
        "assignment",
        None,
        json!({ "on": day, "moves": moves.len(), "ended": out.ended, "assigned": out.assigned,
                "uncovered": out.uncovered }),
    )?;
    Ok(out)
}
